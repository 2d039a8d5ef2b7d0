'use strict';
// The plugin's own endpoints, mounted in Parse's router under the app's mount path:
//   POST /users/refresh         {client, code} -> a new pair (the cookie stands for `code` in cookie mode)
//   POST /users/revoke          {code}         -> the session ends
//   POST /users/refresh/revoke  (cookie mode: the browser sends the cookie only below its path)
// They run after Parse's CORS, key checks, routeAllowList and rateLimit, like any Parse route.
const { parseServerModules, matchesRoute } = require('./parse');
const { RefreshTokenPlugin, requestInfo } = require('./plugin');
const { MESSAGES, parseError, sendParseError } = require('./errors');
const { refresh, revoke } = require('./refresh');
const { sendJson, sendFailure } = require('./responses');
const { readJsonBody, MALFORMED, TOO_LARGE, TOO_SLOW } = require('./body');

const REFRESH_PATH = '/users/refresh';
const REVOKE_PATH = '/users/revoke';
const COOKIE_REVOKE_PATH = '/users/refresh/revoke';
const ENDPOINT_PATHS = [REFRESH_PATH, REVOKE_PATH, COOKIE_REVOKE_PATH];
const REFRESH_NOT_FOR_BROWSERS = "Refresh tokens are not available to browsers (browserRefresh is 'none').";

/** True for a request Parse's router sends to one of the endpoints (Parse's own matcher decides). */
function isEndpointRequest(req) {
  return req.method === 'POST' && ENDPOINT_PATHS.some(path => matchesRoute(req.path, path));
}

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

function mountEndpoints(plugin, expressRouter, stateOf) {
  const handle = action => (req, res, next) => {
    endpoint(plugin, action, stateOf(req), req, res, next).catch(error => sendFailure(res, error));
  };
  expressRouter.post(REFRESH_PATH, handle('refresh'));
  expressRouter.post(REVOKE_PATH, handle('revoke'));
  expressRouter.post(COOKIE_REVOKE_PATH, handle('revoke'));
}

async function endpoint(plugin, action, state, req, res, next) {
  const { Parse } = parseServerModules();
  const fail = error => next(error); // Parse's error handler answers, as for any Parse route
  if (!state) throw new Error('the plugin did not see this request in handleParseHeaders');
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
  const request = {
    ip: req.ip,
    installationId: req.info && req.info.installationId,
    deadline: Date.now() + plugin.options.endpointTimeout * 1000,
  };
  const invalid = name => fail(parseError(Parse.Error.VALIDATION_ERROR, `${name} must be a non-empty string.`));
  if (!isTokenString(code, 1024)) return invalid('code');
  try {
    if (action === 'revoke') {
      await withinTimeout(plugin, revoke(plugin, state.config, { code }, request));
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
    const pair = await withinTimeout(plugin, refresh(plugin, state.config, { clientId, code }, request));
    if (state.refreshDelivery === 'cookie') state.setRefreshCookie(pair.refreshToken);
    return sendJson(res, 200, RefreshTokenPlugin.pairFields(pair.access, state.refreshDelivery === 'body' ? pair.refreshToken : undefined));
  } catch (error) {
    if (error instanceof Parse.Error && error.code !== Parse.Error.INTERNAL_SERVER_ERROR) {
      if (error.code === Parse.Error.INVALID_SESSION_TOKEN) {
        plugin.logEvent('warn', `${action} refused`, { reason: error.message, ...(error.session || {}), ...requestInfo(request) });
      }
      return sendParseError(res, error);
    }
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

/**
 * The endpoint's database work, bounded by `endpointTimeout`: a database that stops answering (a
 * partition, not a refused connection) gets a 503 instead of a request that hangs without end.
 */
function withinTimeout(plugin, work) {
  const ms = plugin.options.endpointTimeout * 1000;
  let timer;
  const timeout = new Promise((resolve, reject) => {
    timer = setTimeout(() => {
      const error = new Error(`the database did not answer within ${ms} ms`);
      error.code = 'ETIMEDOUT';
      reject(error);
    }, ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

module.exports = { mountEndpoints, readEndpointBody, isEndpointRequest, refreshCookie, ENDPOINT_PATHS };
