'use strict';
// The plugin for one Parse Server app: its key ring (native), its options, and the token operations
// that the HTTP layer, the Parse Server patches and cloud code share.
const crypto = require('crypto');
const { validateOptions } = require('./options');
const { SessionStore, FIELD_NAMES, chainFields } = require('./sessions');
const { MESSAGES, invalidSession, accessTokenError, isTokenVerdict, parseError } = require('./errors');
const { parseServerModules, assertSupportedParseServer } = require('./parse');
const registry = require('./registry');

const SESSION_ID = /^[A-Za-z0-9_-]{1,64}$/;
const ACCESS_TOKEN_SHAPE = /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/;

/** True for strings shaped like our access tokens (a compact JWS); everything else is Parse's business. */
function isAccessToken(token) {
  return typeof token === 'string' && token.length <= 8192 && ACCESS_TOKEN_SHAPE.test(token);
}

class RefreshTokenPlugin {
  constructor(options) {
    this.options = validateOptions(options);
    this.issuer = null;
    this.appId = null;
    this.store = null;
    this.issuerName = null; // the `iss` of every access token, and the OAuth issuer identifier
    this.serverURL = null; // the app's public mount URL, where its OAuth endpoints are
  }

  /**
   * Returns Parse Server options with what the plugin needs (private `_Session` fields hidden from
   * every non-master read), binds the plugin to that app and installs the Parse Server patches.
   * Call it before `new ParseServer(...)`.
   */
  parseServerOptions(parseOptions) {
    if (!parseOptions || typeof parseOptions.appId !== 'string' || !parseOptions.appId) {
      throw new Error('parse-server-refresh-token: parseServerOptions() needs the Parse Server options, with appId.');
    }
    if (this.appId && this.appId !== parseOptions.appId) {
      throw new Error('parse-server-refresh-token: one plugin instance serves one Parse Server app.');
    }
    const o = this.options;
    // Instances behind one load balancer must share the issuer: set it, or share publicServerURL.
    const issuerName = o.issuer || parseOptions.publicServerURL || parseOptions.serverURL;
    if (!issuerName) throw new Error('parse-server-refresh-token: option issuer is required when Parse Server has no serverURL.');
    assertSupportedParseServer();
    const pipeline = require('./pipeline');
    pipeline.install();
    // Parse captures its middlewares when it builds an app: an app built before they were wrapped
    // would never run them. (An app rebuilt later, as a test restarting its server does, is fine.)
    if (pipeline.builtWithoutPlugin(parseOptions.appId)) {
      throw new Error(`parse-server-refresh-token: call parseServerOptions() before new ParseServer() for app ${parseOptions.appId}.`);
    }
    this.appId = parseOptions.appId;
    this.issuerName = issuerName;
    this.serverURL = parseOptions.publicServerURL || parseOptions.serverURL || issuerName;
    const warning = require('./oauth-metadata').issuerWarning(issuerName);
    // eslint-disable-next-line no-console
    if (warning) console.warn(`parse-server-refresh-token: ${warning}`);
    this.allowedOrigins = new Set(o.allowedOrigins || defaultOrigins(parseOptions));
    const { TokenIssuer } = require('..'); // the native core's wrapper (index.js), loaded by now
    this.issuer = new TokenIssuer({
      secret: o.secret,
      kid: o.kid,
      keys: o.keys,
      refreshSecret: o.refreshSecret,
      issuer: issuerName,
      audience: o.audience || parseOptions.appId,
      clientId: parseOptions.appId, // RFC 9068 client_id: the app the token was issued to
      accessTokenTTL: o.accessTokenTTL,
      leeway: o.leeway,
    });
    this.store = new SessionStore({ cacheTTL: parseOptions.cacheTTL === undefined ? 5000 : parseOptions.cacheTTL });
    registry.register(this);
    require('./patches').install();
    const protectedFields = { ...(parseOptions.protectedFields || {}) };
    const sessionRules = { ...(protectedFields._Session || {}) };
    const hidden = ['sessionToken', ...FIELD_NAMES];
    sessionRules['*'] = Array.from(new Set([...(sessionRules['*'] || []), ...hidden]));
    protectedFields._Session = sessionRules;
    return { ...parseOptions, protectedFields };
  }

  /** Cookie mode: a browser page on `origin` may use the refresh cookie (and gets CORS with credentials). */
  cookieOriginAllowed(origin) {
    return this.options.browserRefresh === 'cookie' && origin !== undefined && this.allowedOrigins.has(origin);
  }

  /** Cookie mode: a request from a page on `origin` must not use, or get, the refresh cookie. */
  cookieOriginRefused(origin) {
    return this.options.browserRefresh === 'cookie' && origin !== undefined && !this.allowedOrigins.has(origin);
  }

  config() {
    const { Config } = parseServerModules();
    return Config.get(this.appId);
  }

  /**
   * Verifies an access token and checks its session still exists. Throws a 209 Parse.Error.
   * `config` may be a function returning it: it is then called only on a session-cache miss.
   */
  async resolveAccessToken(config, token) {
    let claims;
    try {
      claims = this.issuer.verifyAccessToken(token);
    } catch (error) {
      throw accessTokenError(error);
    }
    // A validly signed token names its session; a name no session can have is not looked up.
    if (!SESSION_ID.test(claims.sid)) throw invalidSession(MESSAGES.sessionGone);
    const session = await this.store.bySid(config, claims.sid);
    if (!session || session.userId !== claims.sub) {
      this.issuer.revoke(claims.sid, claims.exp + this.options.leeway);
      throw invalidSession(MESSAGES.sessionGone);
    }
    if (session.expiresAt && session.expiresAt.getTime() <= Date.now()) throw invalidSession(MESSAGES.sessionExpired);
    return { claims, session };
  }

  /**
   * The live session of an access token, or null; it only reads (no cache entry, no revocation
   * recorded), for introspection and revocation, which must not act on what they look at.
   */
  async sessionOfAccessToken(config, token) {
    if (!isAccessToken(token)) return null;
    let claims;
    try {
      claims = this.issuer.verifyAccessToken(token);
    } catch (error) {
      if (isTokenVerdict(error)) return null;
      throw error;
    }
    if (!SESSION_ID.test(claims.sid)) return null;
    const session = await this.store.findOne(config, { objectId: claims.sid });
    if (!session || session.userId !== claims.sub) return null;
    if (session.expiresAt && session.expiresAt.getTime() <= Date.now()) return null;
    return { claims, session };
  }

  /** A new chain for a login: the fields to store with the session, and the plaintext token. */
  newChain(now, sessionExpiresAt) {
    const family = crypto.randomBytes(16).toString('base64url');
    const chain = this.issuer.createRefreshToken(family);
    const ttl = this.options.refreshTokenTTL;
    // A login lives as long as its session, cut to refreshTokenTTL; with neither (Parse's
    // expireInactiveSessions: false and no refreshTokenTTL), as long as the operator keeps it.
    let refreshExpiresAt = sessionExpiresAt;
    if (ttl !== undefined) {
      const cut = now.getTime() + ttl * 1000;
      refreshExpiresAt = new Date(refreshExpiresAt ? Math.min(refreshExpiresAt.getTime(), cut) : cut);
    }
    return { token: chain.token, refreshExpiresAt, fields: chainFields(chain, family, now, refreshExpiresAt) };
  }

  async accessTokenFor(session) {
    let custom;
    if (this.options.hooks.claims) {
      custom = await this.options.hooks.claims({ userId: session.userId, sessionId: session.objectId, installationId: session.installationId });
      if (custom !== undefined && (custom === null || typeof custom !== 'object' || Array.isArray(custom))) {
        throw parseError(parseServerModules().Parse.Error.INTERNAL_SERVER_ERROR, 'The claims hook must return an object.');
      }
    }
    try {
      return this.issuer.createJWT({ ...custom, sub: session.userId, sid: session.objectId });
    } catch (error) {
      if (error && (error.code === 'CLAIM_RESERVED' || error.code === 'CLAIM_INVALID')) {
        // An operator's bug, said plainly: the claims hook may not set iss, aud, client_id, sub, sid, iat, exp, jti, nbf.
        throw parseError(parseServerModules().Parse.Error.INTERNAL_SERVER_ERROR, `The claims hook returned an invalid claim: ${error.message}`);
      }
      throw error;
    }
  }

  /**
   * Migration: a client that still holds a legacy `r:` token gets an access token for it and, if the
   * session has no refresh chain yet and `startChain` (its refresh token can be delivered), the first
   * refresh token of a new one (once: a second exchange of the same session gets an access token
   * only, so an old token cannot fork a live chain).
   */
  async exchangeLegacy(config, sessionToken, { startChain = true } = {}) {
    const session = await this.store.byToken(config, sessionToken);
    if (!session || !session.userId) return null;
    let refreshToken;
    if (startChain && !session.family) {
      const chain = this.newChain(new Date(), session.expiresAt);
      if (await this.store.startChain(config, session, chain.fields)) refreshToken = chain.token;
    }
    return { access: await this.accessTokenFor(session), refreshToken };
  }

  /** The response fields of a pair; `refreshToken` is left out where the caller may not hold it. */
  static pairFields(access, refreshToken) {
    const fields = { sessionToken: access.accessToken, accessToken: access.accessToken };
    if (refreshToken) fields.refreshToken = refreshToken;
    fields.expires_in = access.expiresIn;
    fields.token_type = 'Bearer';
    return fields;
  }

  /**
   * Ends a session everywhere this instance can reach, and tells the hook why. Only the call that
   * deleted the row tells the hook (concurrent revocations of one session, e.g. a storm of reused
   * refresh tokens over several instances, end it once). Resolves true if this call ended it.
   */
  async revokeSession(config, session, reason, request) {
    const ended = await this.store.destroy(config, session);
    if (ended) await this.sessionEnded(session, reason, request);
    return ended;
  }

  /** After a session row is gone: its access tokens stop here at once (other instances: cacheTTL). */
  async sessionEnded(session, reason, request) {
    this.store.cache.delete(session.objectId);
    this.issuer.revoke(session.objectId, Math.ceil(Date.now() / 1000) + this.options.accessTokenTTL + this.options.leeway);
    const event = { userId: session.userId, sessionId: session.objectId, reason, ...requestInfo(request) };
    this.logEvent(reason === 'reuse' ? 'warn' : 'info', reason === 'reuse' ? 'refresh token reuse detected; session revoked' : 'session revoked', event);
    await this.callHook('onRevoke', event);
  }

  /**
   * A security event in Parse Server's own log (its logger, its level filter, its transports):
   * structured, with user and session ids, never a token.
   */
  logEvent(level, message, fields) {
    try {
      const config = this.config();
      const logger = config && config.loggerController;
      if (logger) logger[level](`parse-server-refresh-token: ${message}`, { event: message, ...fields });
    } catch (error) {
      // eslint-disable-next-line no-console
      console.error(`parse-server-refresh-token: could not log a security event: ${error && error.message}`);
    }
  }

  async callHook(name, payload) {
    const hook = this.options.hooks[name];
    if (!hook) return;
    try {
      await hook(payload);
    } catch (error) {
      // A failing hook must not change the token verdict; the operator sees it in the log.
      // eslint-disable-next-line no-console
      console.error(`parse-server-refresh-token: hook ${name} failed: ${error && error.message}`);
    }
  }
}

/** Parse's own allowOrigin when it names origins, else only the server's own origin. */
function defaultOrigins(parseOptions) {
  const configured = [].concat(parseOptions.allowOrigin || []).filter(origin => origin !== '*');
  if (configured.length) return configured;
  return [parseOptions.publicServerURL, parseOptions.serverURL].filter(Boolean).map(url => new URL(url).origin);
}

function requestInfo(request) {
  if (!request) return {};
  const info = {};
  if (request.ip !== undefined) info.ip = request.ip;
  if (request.installationId !== undefined) info.installationId = request.installationId;
  return info;
}

module.exports = { RefreshTokenPlugin, isAccessToken, requestInfo };
