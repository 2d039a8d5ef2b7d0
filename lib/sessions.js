'use strict';
// Storage of refresh-token state in Parse's own `_Session` rows, through Parse Server's database layer
// only (so it behaves the same on PostgreSQL and MongoDB). Every write that depends on what was read
// is one conditional update: `update(_Session, {objectId, refreshTokenHash: old}, ...)` succeeds for
// exactly one of any number of concurrent callers, on one instance or several.

/** Private `_Session` fields the plugin owns. Clients can neither read nor write them. */
const FIELDS = Object.freeze({
  refreshTokenFamily: 'String', // lookup key carried inside every refresh token of this login
  refreshTokenSeed: 'String', // per-login random seed; tokens are HMAC(serverKey, seed, family, generation)
  refreshTokenGeneration: 'Number',
  refreshTokenHash: 'String', // SHA-256 of the current refresh token
  refreshTokenPreviousHash: 'String', // SHA-256 of its immediate predecessor (grace window)
  refreshTokenRotatedAt: 'Date',
  refreshTokenExpiresAt: 'Date', // absolute lifetime of the login; rotation never extends it
  refreshTokenUsedAt: 'Date', // last refresh, for the idle timeout
});
const FIELD_NAMES = Object.freeze(Object.keys(FIELDS));
const { deleteSessionRow, evictSessionToken } = require('./parse');

const FAMILY_INDEX = 'psrt_refresh_token_family';

const toDate = value => (value ? new Date(value.iso || value) : undefined);
const parseDate = date => ({ __type: 'Date', iso: date.toISOString() });

/** A `_Session` row as the plugin reads it. */
function toSession(row) {
  return {
    objectId: row.objectId,
    sessionToken: row.sessionToken,
    userId: row.user && row.user.objectId,
    installationId: row.installationId,
    expiresAt: toDate(row.expiresAt),
    family: row.refreshTokenFamily,
    seed: row.refreshTokenSeed,
    generation: row.refreshTokenGeneration,
    hash: row.refreshTokenHash,
    previousHash: row.refreshTokenPreviousHash,
    rotatedAt: toDate(row.refreshTokenRotatedAt),
    refreshExpiresAt: toDate(row.refreshTokenExpiresAt),
    usedAt: toDate(row.refreshTokenUsedAt),
  };
}

/** The fields that start a refresh chain, to be written with the session row itself. */
function chainFields(chain, family, now, refreshExpiresAt) {
  return {
    refreshTokenFamily: family,
    refreshTokenSeed: chain.seed,
    refreshTokenGeneration: chain.generation,
    refreshTokenHash: chain.hash,
    ...(refreshExpiresAt ? { refreshTokenExpiresAt: parseDate(refreshExpiresAt) } : {}),
    refreshTokenUsedAt: parseDate(now),
  };
}

/**
 * Short-lived cache of sid -> session for the per-request check that an access token's session still
 * exists. Its lifetime is Parse's own `cacheTTL`, so revocation reaches every instance within the
 * bound Parse already has for its session-token cache; revocation on this instance evicts at once.
 */
class SessionCache {
  constructor(ttlMs, capacity = 10000) {
    this.ttlMs = ttlMs;
    this.capacity = capacity;
    this.entries = new Map();
  }

  get(sid) {
    const entry = this.entries.get(sid);
    if (!entry) return undefined;
    if (entry.expires <= Date.now()) {
      this.entries.delete(sid);
      return undefined;
    }
    return entry.value;
  }

  set(sid, value) {
    if (this.ttlMs <= 0) return;
    if (this.entries.size >= this.capacity) {
      // Map iterates in insertion order: drop the oldest entry.
      this.entries.delete(this.entries.keys().next().value);
    }
    this.entries.set(sid, { value, expires: Date.now() + this.ttlMs });
  }

  delete(sid) {
    this.entries.delete(sid);
  }
}

class SessionStore {
  constructor({ cacheTTL }) {
    this.cache = new SessionCache(cacheTTL);
    // Keyed by the storage adapter: Parse's Config.get() builds a new DatabaseController on every
    // call (so once per request), over the one adapter of the app's database.
    this.schemaReady = new WeakMap(); // storage adapter -> Promise
  }

  /** Adds the private fields and the family index once per database; idempotent across instances. */
  ensureSchema(config) {
    const database = config.database;
    let ready = this.schemaReady.get(database.adapter);
    if (!ready) {
      ready = (async () => {
        const schema = await database.loadSchema({ clearCache: true });
        // On a new database `_Session` may not exist yet (Parse creates it with the first session).
        await schema.enforceClassExists('_Session');
        for (const name of FIELD_NAMES) {
          await schema.enforceFieldExists('_Session', name, { type: FIELDS[name] });
        }
        const parseSchema = await schema.getOneSchema('_Session', false, { clearCache: true });
        await database.adapter.ensureIndex('_Session', parseSchema, ['refreshTokenFamily'], FAMILY_INDEX);
      })();
      ready = ready.catch(error => {
        this.schemaReady.delete(database.adapter); // retry on the next call
        // Parse's schema controller rejects some failures with `undefined`; give them a reason.
        throw error || new Error('parse-server-refresh-token: could not prepare the _Session fields.');
      });
      this.schemaReady.set(database.adapter, ready);
    }
    return ready;
  }

  async bySid(config, sid) {
    const cached = this.cache.get(sid);
    if (cached) return cached;
    const session = await this.findOne(typeof config === 'function' ? config() : config, { objectId: sid });
    if (session) this.cache.set(sid, session);
    return session;
  }

  byFamily(config, family) {
    return this.findOne(config, { refreshTokenFamily: family });
  }

  byToken(config, sessionToken) {
    return this.findOne(config, { sessionToken });
  }

  /** sessionToken -> session, for the tokens that still have a session. */
  async byTokens(config, sessionTokens) {
    await this.ensureSchema(config);
    const rows = await config.database.find('_Session', { sessionToken: { $in: sessionTokens } }, {});
    return new Map(rows.map(row => [row.sessionToken, toSession(row)]));
  }

  async findOne(config, where) {
    await this.ensureSchema(config);
    const rows = await config.database.find('_Session', where, { limit: 1 });
    return rows.length === 1 ? toSession(rows[0]) : null;
  }

  /**
   * Rotates the chain from `session.hash` to `next` in one conditional update. Resolves true if this
   * caller won, false if another request rotated (or revoked) the session first.
   */
  async rotate(config, session, next, now) {
    try {
      await config.database.update(
        '_Session',
        { objectId: session.objectId, refreshTokenHash: session.hash },
        {
          refreshTokenHash: next.hash,
          refreshTokenGeneration: next.generation,
          refreshTokenPreviousHash: session.hash,
          refreshTokenRotatedAt: parseDate(now),
          refreshTokenUsedAt: parseDate(now),
        }
      );
      return true;
    } catch (error) {
      if (error && error.code === 101) return false; // OBJECT_NOT_FOUND: the condition no longer held
      throw error;
    }
  }

  /** Starts a chain on a session that has none (a legacy `r:` session being exchanged). */
  async startChain(config, session, fields) {
    try {
      await config.database.update('_Session', { objectId: session.objectId, refreshTokenFamily: { $exists: false } }, fields);
      return true;
    } catch (error) {
      if (error && error.code === 101) return false;
      throw error;
    }
  }

  /**
   * Deletes the session row and forgets every cached trace of it on this instance. Resolves true if
   * this call deleted the row, false if it was already gone (another request, on any instance, won).
   */
  async destroy(config, session) {
    this.cache.delete(session.objectId);
    const deleted = await deleteSessionRow(config, session.objectId);
    await evictSessionToken(config, session.sessionToken);
    return deleted;
  }
}

module.exports = { SessionStore, FIELDS, FIELD_NAMES, chainFields, toSession, parseDate };
