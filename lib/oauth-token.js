'use strict';
// POST <mount>/oauth/token (RFC 6749 section 6): grant_type=refresh_token for a public client whose
// client_id is the app id. The same rotation rules as /users/refresh (lib/refresh.js), answered in
// OAuth's terms, with the lifetimes of draft-ietf-oauth-refresh-token-expiration.
const { refresh, isGranted, requestFacts, refusalMessage } = require('./refresh');
const { sendJson, withinTimeout } = require('./responses');
const { OAuthError, OAUTH_MESSAGES, NO_STORE } = require('./oauth-errors');
const { formOf, optionalParam, requiredParam, checkClientId } = require('./oauth-request');

async function tokenEndpoint(plugin, state, req, res) {
  const form = formOf(req);
  const grantType = requiredParam(form, 'grant_type');
  if (grantType === 'password') throw new OAuthError('unsupported_grant_type', OAUTH_MESSAGES.passwordGrant);
  if (grantType !== 'refresh_token') throw new OAuthError('unsupported_grant_type', OAUTH_MESSAGES.unsupportedGrant);
  checkClientId(form, state.config, { required: true });
  const code = requiredParam(form, 'refresh_token');
  // No scopes are granted, so none can be asked for (RFC 6749 6: no scope beyond the original grant).
  if (optionalParam(form, 'scope') !== undefined) throw new OAuthError('invalid_scope', OAUTH_MESSAGES.scope);
  // The rotated token goes back in the body only: a browser gets it there only where browserRefresh
  // says 'body' (and a page of a refused origin never), as on /users/refresh.
  if (state.refreshDelivery !== 'body') {
    throw new OAuthError('unauthorized_client', OAUTH_MESSAGES.notForBrowsers(plugin.options.browserRefresh));
  }
  const request = requestFacts(plugin, req);
  const result = await withinTimeout(plugin, refresh(plugin, state.config, { code }, request));
  if (!isGranted(result.outcome)) throw new OAuthError('invalid_grant', refusalMessage(plugin, 'oauth token', result, request));
  return sendJson(res, 200, tokenResponse(plugin, result), NO_STORE);
}

/** RFC 6749 5.1, plus refresh_token_timeout (idle time left) and authorization_expires_in (to the absolute end). */
function tokenResponse(plugin, { access, refreshToken, session }) {
  const now = Date.now();
  const body = { access_token: access.accessToken, token_type: 'Bearer', expires_in: access.expiresIn, refresh_token: refreshToken };
  const idle = plugin.options.idleTimeout;
  if (idle > 0) {
    const usedAt = session.usedAt ? session.usedAt.getTime() : now;
    body.refresh_token_timeout = Math.max(0, Math.floor(idle - (now - usedAt) / 1000));
  }
  if (session.refreshExpiresAt) body.authorization_expires_in = Math.max(0, Math.floor((session.refreshExpiresAt.getTime() - now) / 1000));
  return body;
}

module.exports = { tokenEndpoint };
