'use strict';
// Which session a request acts as, decided on Parse's own decision. When this runs, Parse's
// handleParseHeaders has chosen the app (req.config), the keys (req.auth for the master, read-only
// master and maintenance keys) and the one session token it will use (req.info.sessionToken: the
// header, or the JavaScript SDK's body `_SessionToken`, dropped on /login). This step checks exactly
// that token, and swaps an access token for its session's `r:` token, so that every Parse handler
// (including those that read the token themselves: /users/me, /logout, /sessions/me) works unchanged.
const { MESSAGES, invalidSession } = require('./errors');
const { isAccessToken } = require('./plugin');
const { matchesRoute, anonymousAuth, isKeyAuth } = require('./parse');

const BEARER = /^Bearer\s+/i;

/** Resolves when the request may go on to Parse's session step; throws a 209 Parse.Error otherwise. */
async function admitSessionToken(plugin, req, state) {
  const info = req.info;
  if (state.endpoint) {
    // The refresh and revoke endpoints act on the refresh token alone: like /login, they ignore a
    // session token (clients send their expired access token along with every request).
    delete info.sessionToken;
    if (!req.auth) req.auth = anonymousAuth(req.config, info.installationId);
    return;
  }
  // Parse authenticates the master, read-only master and maintenance keys first and ignores the
  // session for authorization: a stale token beside a key must not turn the request away.
  const keyAuth = isKeyAuth(req.auth);
  state.keyRequest = keyAuth;
  adoptBearerToken(req);
  const token = info.sessionToken;
  if (typeof token !== 'string' || token === '') return;
  if (isAccessToken(token)) {
    try {
      const { session } = await plugin.resolveAccessToken(() => req.config, token);
      info.sessionToken = session.sessionToken;
      state.translated = { accessToken: token, sessionToken: session.sessionToken, session };
    } catch (error) {
      if (keyAuth && error && error.code === 209) return;
      throw error;
    }
    return;
  }
  if (token.includes('\u0000')) {
    // No stored session token holds a NUL, and PostgreSQL fails on one in a query: for a key request
    // the token is simply unknown; for any other, it is what Parse answers for an unknown token.
    if (keyAuth) return void delete info.sessionToken;
    throw invalidSession('Invalid session token');
  }
  if (plugin.options.legacySessionTokens === 'deny' && !keyAuth) throw invalidSession(MESSAGES.legacyDenied);
  state.legacyToken = token;
}

/**
 * `Authorization: Bearer <token>` is a session token where Parse found none (no header, no body
 * field): the request then carries one token, never two, and Parse's own choice always wins.
 */
function adoptBearerToken(req) {
  const info = req.info;
  if (info.sessionToken || req.userFromJWT || matchesRoute(req.path, '/login')) return;
  const header = req.headers.authorization;
  const token = typeof header === 'string' && BEARER.test(header) ? header.replace(BEARER, '').trim() : '';
  if (!token) return;
  const auth = req.auth;
  // Parse gave a request without a token an anonymous Auth; with the Bearer token it needs the
  // session step instead. A key Auth stays as it is.
  if (auth && !isKeyAuth(auth) && !auth.user) delete req.auth;
  info.sessionToken = token;
}

module.exports = { admitSessionToken };
