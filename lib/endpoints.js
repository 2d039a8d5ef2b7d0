'use strict';
// The plugin's Parse-dialect endpoints (listed in lib/routes.js), under the app's mount path:
//   POST /users/refresh         {client, code} -> a new pair (the cookie stands for `code` in cookie mode)
//   POST /users/revoke          {code}         -> the session ends
//   POST /users/refresh/revoke  (cookie mode: the browser sends the cookie only below its path)
// They run after Parse's CORS, key checks, routeAllowList and rateLimit, like any Parse route, and
// answer the rotation rules' outcomes with Parse's errors.
const { parseServerModules } = require('./parse');
const { RefreshTokenPlugin } = require('./plugin');
const { MESSAGES, parseError, invalidSession, sendParseError } = require('./errors');
const { refresh, revoke, isGranted, requestFacts, refusalMessage, OUTCOMES } = require('./refresh');
const { sendJson, sendFailure, withinTimeout } = require('./responses');
const { readJsonBody, MALFORMED, TOO_LARGE, TOO_SLOW } = require('./body');

const REFRESH_PATH = '/users/refresh';
const REFRESH_NOT_FOR_BROWSERS = "Refresh tokens are not available to browsers (browserRefresh is 'none').";

/**
 * Reads an endpoint's body before Parse does, bounded by `maxBodyBytes` and `endpointTimeout`.
 * Resolves false when the request has been answered here (a body too large, too slow or not JSON).
 */
async function readEndpointBody(plugin, req, res) {
  const { Parse } = parseServerModules();
  const body = await readJsonBody(req, plugin.options.maxBodyBytes, plugin.options.endpointTimeout * 1000);
  if (body === TOO_LARGE) return refuse(res, parseError(Parse.Error.VALIDATION_ERROR, 'Request body too large.'), 413);
  if (body === TOO_SLOW) {
    refuse(res, parseError(Parse.Error.REQUEST_LIMIT_EXCEEDED, 'Request body not received in time.'), 408);
    req.destroy();
    return false;
  }
  if (body === MALFORMED) return refuse(res, parseError(Parse.Error.INVALID_JSON, 'Invalid JSON body.'));
  if (body !== undefined) req.body = body;
  return true;
}

function refuse(res, error, status) {
  sendParseError(res, error, status);
  return false;
}

const refreshEndpoint = (plugin, state, req, res, next) => endpoint(plugin, 'refresh', state, req, res, next);
const revokeEndpoint = (plugin, state, req, res, next) => endpoint(plugin, 'revoke', state, req, res, next);

/** A refused refresh or revoke as Parse's 209. */
const refusal = (plugin, action, result, request) => invalidSession(refusalMessage(plugin, action, result, request));

async function endpoint(plugin, action, state, req, res, next) {
  const { Parse } = parseServerModules();
  const fail = error => next(error); // Parse's error handler answers, as for any Parse route
  const body = req.body;
  if (body !== undefined && (body === null || typeof body !== 'object' || Array.isArray(body))) {
    return fail(parseError(Parse.Error.INVALID_JSON, 'The body must be a JSON object.'));
  }
  const fields = body || {};
  // Cookie mode: a browser request from a page on another origin (a cross-site form or fetch that
  // carries the cookie) changes nothing.
  const origin = req.headers.origin;
  if (plugin.cookieOriginRefused(origin)) {
    plugin.logEvent('warn', `${action} refused`, { reason: MESSAGES.originRefused, origin, ip: req.ip });
    return sendParseError(res, parseError(Parse.Error.OPERATION_FORBIDDEN, MESSAGES.originRefused), 403);
  }
  let code = fields.code;
  if (code === undefined && state.refreshDelivery === 'cookie') code = readCookie(req, plugin.options.cookieName);
  const request = requestFacts(plugin, req);
  const invalid = name => fail(parseError(Parse.Error.VALIDATION_ERROR, `${name} must be a non-empty string.`));
  if (!isTokenString(code, 1024)) return invalid('code');
  try {
    if (action === 'revoke') {
      const result = await withinTimeout(plugin, revoke(plugin, state.config, { code }, request));
      if (result.outcome !== OUTCOMES.revoked) return sendParseError(res, refusal(plugin, action, result, request));
      if (state.refreshDelivery === 'cookie') state.clearRefreshCookie();
      return sendJson(res, 200, {});
    }
    const clientId = fields.client;
    if (!isTokenString(clientId, 128)) return invalid('client');
    // browserRefresh 'none': the rotated token could not be handed back, so a refresh would only
    // strand the chain (and its next use would look like reuse). Refuse it; nothing changes.
    if (state.refreshDelivery === 'none') {
      return sendParseError(res, parseError(Parse.Error.OPERATION_FORBIDDEN, REFRESH_NOT_FOR_BROWSERS), 403);
    }
    const result = await withinTimeout(plugin, refresh(plugin, state.config, { clientId, code }, request));
    if (!isGranted(result.outcome)) return sendParseError(res, refusal(plugin, action, result, request));
    if (state.refreshDelivery === 'cookie') state.setRefreshCookie(result.refreshToken);
    return sendJson(res, 200, RefreshTokenPlugin.pairFields(result.access, state.refreshDelivery === 'body' ? result.refreshToken : undefined));
  } catch (error) {
    if (error instanceof Parse.Error && error.code !== Parse.Error.INTERNAL_SERVER_ERROR) return sendParseError(res, error);
    return sendFailure(res, error);
  }
}

/** The refresh cookie, scoped to the refresh path under the app's public mount path. */
function refreshCookie(plugin, config, value, expire = false) {
  const mount = new URL(config.publicServerURL || config.serverURL).pathname.replace(/\/+$/, '');
  const parts = [`${plugin.options.cookieName}=${value}`, `Path=${mount}${REFRESH_PATH}`, 'HttpOnly', 'Secure', `SameSite=${plugin.options.cookieSameSite}`];
  if (expire) parts.push('Max-Age=0');
  return parts.join('; ');
}

function readCookie(req, name) {
  const header = req.headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return undefined;
}

function isTokenString(value, maxLength) {
  return typeof value === 'string' && value.length > 0 && value.length <= maxLength;
}

module.exports = { refreshEndpoint, revokeEndpoint, readEndpointBody, refreshCookie };
