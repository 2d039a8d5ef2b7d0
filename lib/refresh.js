'use strict';
// Refresh and revoke: the rotation rules (README, Refresh and revoke), on the server clock. They
// return outcomes as values; each transport (the Parse routes, the OAuth routes) maps them onto its
// own errors.
//
// The presented token names its chain (the family) and its generation; the row holds the current
// generation and the hashes of the current token and of its immediate predecessor.
//   current generation            -> rotate with one conditional update; the loser of a race retries
//                                    below, as the holder of the predecessor            -> 'rotated'
//   predecessor, inside the grace -> the current token again (derived, not stored) and a new access
//                                    token: the same chain, never a fork                -> 'grace'
//   anything older, genuine       -> reuse: the whole session ends                      -> 'reused'
//   past the absolute lifetime or the idle timeout: the session ends        -> 'expired', 'idle'
//   not genuine (bad MAC, other user's client id, unknown family): nothing changes      -> 'invalid'
const { requestInfo } = require('./plugin');
const { MESSAGES, REFUSALS } = require('./errors');

// Families are 22 base64url characters (16 random bytes); anything else in a token is not ours, and
// must not reach a database query (PostgreSQL fails on a NUL byte).
const FAMILY = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_TOKEN_LENGTH = 1024;

const OUTCOMES = Object.freeze({
  rotated: 'rotated',
  grace: 'grace',
  reused: 'reused',
  expired: 'expired',
  idle: 'idle',
  invalid: 'invalid',
  revoked: 'revoked',
});

/** The outcomes after which the client holds a working pair. */
const isGranted = outcome => outcome === OUTCOMES.rotated || outcome === OUTCOMES.grace;

function inspect(plugin, code) {
  if (typeof code !== 'string' || code.length > MAX_TOKEN_LENGTH) return null;
  let info;
  try {
    info = plugin.issuer.inspectRefreshToken(code);
  } catch (error) {
    if (error && error.code === 'REFRESH_TOKEN_MALFORMED') return null;
    throw error;
  }
  return FAMILY.test(info.sid) ? info : null;
}

/** The session a genuine refresh token belongs to, or null; reads only. */
async function findChain(plugin, config, code, clientId) {
  const info = inspect(plugin, code);
  if (!info) return null;
  const session = await plugin.store.byFamily(config, info.sid);
  if (!session || (clientId !== undefined && session.userId !== clientId)) return null;
  if (!plugin.issuer.verifyRefreshToken(code, session.seed)) return { session, family: info.sid, generation: info.generation, genuine: false };
  return { session, family: info.sid, generation: info.generation, genuine: true };
}

/**
 * Where a genuine token stands in its chain at `now`, without changing anything: 'expired', 'idle',
 * 'current', 'predecessor' (inside the grace window), 'older' (a reuse) or 'invalid'.
 */
function chainPosition(plugin, { session, generation }, code, now) {
  if (session.refreshExpiresAt && session.refreshExpiresAt <= now) return OUTCOMES.expired;
  const idle = plugin.options.idleTimeout;
  if (idle > 0 && session.usedAt && now - session.usedAt > idle * 1000) return OUTCOMES.idle;
  if (generation === session.generation && plugin.issuer.refreshTokenMatches(code, session.hash)) return 'current';
  const graceMs = plugin.options.reuseInterval * 1000;
  const isPredecessor =
    generation === session.generation - 1 && session.previousHash && plugin.issuer.refreshTokenMatches(code, session.previousHash);
  if (isPredecessor && graceMs > 0 && session.rotatedAt && now - session.rotatedAt <= graceMs) return 'predecessor';
  if (generation < session.generation) return 'older';
  return OUTCOMES.invalid;
}

/**
 * Resolves to `{ outcome, session?, access?, refreshToken? }`: 'rotated' or 'grace' with a pair, or a
 * refusal. Throws only for failures that are not a verdict (the database, endpointTimeout).
 */
async function refresh(plugin, config, { clientId, code }, request, attempt = 0) {
  const chain = await findChain(plugin, config, code, clientId);
  if (!chain) return { outcome: OUTCOMES.invalid };
  const { session, family } = chain;
  if (!chain.genuine) return { outcome: OUTCOMES.invalid, session };
  const now = new Date();
  const position = chainPosition(plugin, chain, code, now);

  if (position === OUTCOMES.expired || position === OUTCOMES.idle) {
    await plugin.revokeSession(config, session, position, request);
    return { outcome: position, session };
  }
  if (position === 'current') {
    const next = plugin.issuer.rotateRefreshToken({ sid: family, seed: session.seed, generation: chain.generation });
    // A request that already answered 503 (endpointTimeout) must not rotate late: its client keeps
    // the old token. The rotation time is taken now, not at the start, for the same reason.
    if (request && request.deadline && Date.now() > request.deadline) throw deadlinePassed();
    const rotatedAt = new Date();
    if (!(await plugin.store.rotate(config, session, next, rotatedAt))) {
      // Another request rotated first: from here on this token is the predecessor.
      if (attempt > 0) return { outcome: OUTCOMES.invalid, session };
      return refresh(plugin, config, { clientId, code }, request, attempt + 1);
    }
    plugin.store.cache.delete(session.objectId);
    const access = await plugin.accessTokenFor(session);
    await plugin.callHook('onRefresh', { userId: session.userId, sessionId: session.objectId, generation: next.generation, ...requestInfo(request) });
    return { outcome: OUTCOMES.rotated, session: { ...session, usedAt: rotatedAt }, access, refreshToken: next.token };
  }
  if (position === 'predecessor') {
    const current = plugin.issuer.deriveRefreshToken({ sid: family, seed: session.seed, generation: session.generation });
    // The key ring changed mid-window: the derived token is not the stored one.
    if (!plugin.issuer.refreshTokenMatches(current.token, session.hash)) return { outcome: OUTCOMES.invalid, session };
    const access = await plugin.accessTokenFor(session);
    return { outcome: OUTCOMES.grace, session, access, refreshToken: current.token };
  }
  if (position === 'older') {
    if (await plugin.revokeSession(config, session, 'reuse', request)) {
      await plugin.callHook('onReuseDetected', { userId: session.userId, sessionId: session.objectId, generation: chain.generation, ...requestInfo(request) });
    }
    return { outcome: OUTCOMES.reused, session };
  }
  return { outcome: OUTCOMES.invalid, session };
}

function deadlinePassed() {
  const error = new Error('the refresh did not finish within endpointTimeout');
  error.code = 'ETIMEDOUT';
  return error;
}

/** Ends the session a genuine refresh token belongs to (any generation of its chain): 'revoked' or 'invalid'. */
async function revoke(plugin, config, { code }, request) {
  const chain = await findChain(plugin, config, code, undefined);
  if (!chain || !chain.genuine) return { outcome: OUTCOMES.invalid, session: chain && chain.session };
  await plugin.revokeSession(config, chain.session, 'revoke', request);
  return { outcome: OUTCOMES.revoked, session: chain.session };
}

/**
 * A refresh token's state for introspection, read-only: the session and its position, or null when
 * the token is not one of ours. Reuse is not acted on here (see README, OAuth 2.0 endpoints).
 */
async function peek(plugin, config, code) {
  const chain = await findChain(plugin, config, code, undefined);
  if (!chain || !chain.genuine) return null;
  return { session: chain.session, position: chainPosition(plugin, chain, code, new Date()) };
}

/**
 * What the rotation rules, the hooks and the security log get about an endpoint's request (Parse's
 * or OAuth's): its address, its installation, and the deadline of its database work.
 */
function requestFacts(plugin, req) {
  return { ip: req.ip, installationId: req.info && req.info.installationId, deadline: Date.now() + plugin.options.endpointTimeout * 1000 };
}

/**
 * A refused refresh or revoke, on any transport: logged with the session it was about (never the
 * token), and answered with the sentence of its outcome.
 */
function refusalMessage(plugin, label, result, request) {
  const message = REFUSALS[result.outcome] || MESSAGES.refreshInvalid;
  const session = result.session ? { userId: result.session.userId, sessionId: result.session.objectId } : {};
  plugin.logEvent('warn', `${label} refused`, { reason: message, ...session, ...requestInfo(request) });
  return message;
}

module.exports = { refresh, revoke, peek, isGranted, requestFacts, refusalMessage, OUTCOMES };
