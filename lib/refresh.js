'use strict';
// Refresh and revoke: the rotation rules (README, Refresh and revoke), on the server clock.
//
// The presented token names its chain (the family) and its generation; the row holds the current
// generation and the hashes of the current token and of its immediate predecessor.
//   current generation            -> rotate with one conditional update; the loser of a race retries
//                                    below, as the holder of the predecessor
//   predecessor, inside the grace -> the current token again (derived, not stored) and a new access
//                                    token: the same chain, never a fork
//   anything older, genuine       -> reuse: the whole session ends
//   not genuine (bad MAC, other user's client id, unknown family) -> 209, nothing changes
const { MESSAGES, invalidSession } = require('./errors');
const { requestInfo } = require('./plugin');

// Families are 22 base64url characters (16 random bytes); anything else in a token is not ours, and
// must not reach a database query (PostgreSQL fails on a NUL byte).
const FAMILY = /^[A-Za-z0-9_-]{1,64}$/;

function inspect(plugin, code) {
  let info;
  try {
    info = plugin.issuer.inspectRefreshToken(code);
  } catch (error) {
    if (error && error.code === 'REFRESH_TOKEN_MALFORMED') throw invalidSession(MESSAGES.refreshInvalid);
    throw error;
  }
  if (!FAMILY.test(info.sid)) throw invalidSession(MESSAGES.refreshInvalid);
  return info;
}

/** Finds the session a genuine refresh token belongs to, or throws 209 having changed nothing. */
async function findChain(plugin, config, code, clientId) {
  const { sid: family, generation } = inspect(plugin, code);
  const session = await plugin.store.byFamily(config, family);
  if (!session || (clientId !== undefined && session.userId !== clientId)) throw invalidSession(MESSAGES.refreshInvalid);
  if (!plugin.issuer.verifyRefreshToken(code, session.seed)) throw refused(MESSAGES.refreshInvalid, session);
  return { session, family, generation };
}

/** A 209 that names (for the security log only, not the client) the session it was about. */
function refused(message, session) {
  const error = invalidSession(message);
  Object.defineProperty(error, 'session', { value: { userId: session.userId, sessionId: session.objectId }, enumerable: false });
  return error;
}

async function refresh(plugin, config, { clientId, code }, request, attempt = 0) {
  const { session, family, generation } = await findChain(plugin, config, code, clientId);
  const now = new Date();
  if (session.refreshExpiresAt && session.refreshExpiresAt <= now) {
    await plugin.revokeSession(config, session, 'expired', request);
    throw refused(MESSAGES.refreshExpired, session);
  }
  const idle = plugin.options.idleTimeout;
  if (idle > 0 && session.usedAt && now - session.usedAt > idle * 1000) {
    await plugin.revokeSession(config, session, 'idle', request);
    throw refused(MESSAGES.refreshIdle, session);
  }

  if (generation === session.generation && plugin.issuer.refreshTokenMatches(code, session.hash)) {
    const next = plugin.issuer.rotateRefreshToken({ sid: family, seed: session.seed, generation });
    // A request that already answered 503 (endpointTimeout) must not rotate late: its client keeps
    // the old token. The rotation time is taken now, not at the start, for the same reason.
    if (request && request.deadline && Date.now() > request.deadline) throw deadlinePassed();
    if (!(await plugin.store.rotate(config, session, next, new Date()))) {
      // Another request rotated first: from here on this token is the predecessor.
      if (attempt > 0) throw refused(MESSAGES.refreshInvalid, session);
      return refresh(plugin, config, { clientId, code }, request, attempt + 1);
    }
    plugin.store.cache.delete(session.objectId);
    const access = await plugin.accessTokenFor(session);
    await plugin.callHook('onRefresh', { userId: session.userId, sessionId: session.objectId, generation: next.generation, ...requestInfo(request) });
    return { access, refreshToken: next.token };
  }

  const graceMs = plugin.options.reuseInterval * 1000;
  const isPredecessor =
    generation === session.generation - 1 && session.previousHash && plugin.issuer.refreshTokenMatches(code, session.previousHash);
  if (isPredecessor && graceMs > 0 && session.rotatedAt && now - session.rotatedAt <= graceMs) {
    const current = plugin.issuer.deriveRefreshToken({ sid: family, seed: session.seed, generation: session.generation });
    if (!plugin.issuer.refreshTokenMatches(current.token, session.hash)) throw refused(MESSAGES.refreshInvalid, session); // key ring changed mid-window
    const access = await plugin.accessTokenFor(session);
    return { access, refreshToken: current.token };
  }

  if (generation < session.generation) {
    if (await plugin.revokeSession(config, session, 'reuse', request)) {
      await plugin.callHook('onReuseDetected', { userId: session.userId, sessionId: session.objectId, generation, ...requestInfo(request) });
    }
    throw refused(MESSAGES.refreshReused, session);
  }
  throw refused(MESSAGES.refreshInvalid, session);
}

function deadlinePassed() {
  const error = new Error('the refresh did not finish within endpointTimeout');
  error.code = 'ETIMEDOUT';
  return error;
}

/** Ends the session a genuine refresh token belongs to (any generation of its chain). */
async function revoke(plugin, config, { code }, request) {
  const { session } = await findChain(plugin, config, code, undefined);
  await plugin.revokeSession(config, session, 'revoke', request);
}

module.exports = { refresh, revoke };
