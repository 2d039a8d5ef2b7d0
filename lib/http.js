'use strict';
// The Express middleware mounted in front of Parse Server (and of its GraphQL endpoint):
//  - incoming: an access token (X-Parse-Session-Token, Authorization: Bearer, or the JS SDK's
//    `_SessionToken` body field) is verified and swapped for its session's `r:` token, so every Parse
//    handler (including those that read the token themselves: /users/me, /logout, /sessions/me) works
//    unchanged; a bad one is answered 209 here, with its reason and a Bearer challenge;
//  - the refresh and revoke endpoints;
//  - outgoing: bodies are rewritten so that no raw `r:` token and no private field leaves.
const { parseServerModules } = require('./parse');
const { isAccessToken, RefreshTokenPlugin } = require('./plugin');
const { MESSAGES, invalidSession, parseError, sendParseError, bearerChallenge } = require('./errors');
const { readJsonBody, hasBody, MALFORMED, TOO_LARGE } = require('./body');
const { rewriteBody, needsRewrite } = require('./rewrite');
const { refresh, revoke } = require('./refresh');

const REFRESH_PATH = '/users/refresh';
const REVOKE_PATH = '/users/revoke';
// The refresh cookie is scoped to REFRESH_PATH, so browsers send it only below it: cookie clients
// revoke here.
const COOKIE_REVOKE_PATH = '/users/refresh/revoke';
const FILE_DOWNLOAD = /^\/files\/([^/]+)\//;
const REVOKE_PATHS = [REVOKE_PATH, COOKIE_REVOKE_PATH];
const REFRESH_NOT_FOR_JAVASCRIPT_KEY = "Refresh tokens are not available to JavaScript-key requests (javascriptKeyRefresh is 'none').";
const LOGIN_ROUTE = /^\/login\/?$/i; // as Parse's matchesExactRoute(req.path, '/login')
const CLIENT_KEYS = [
  ['clientKey', 'x-parse-client-key'],
  ['javascriptKey', 'x-parse-javascript-key'],
  ['dotNetKey', 'x-parse-windows-key'],
  ['restAPIKey', 'x-parse-rest-api-key'],
];

/** `graphql: true` for the instance mounted in front of Parse's GraphQL endpoint. */
function createMiddleware(plugin, { graphql = false } = {}) {
  return function parseServerRefreshToken(req, res, next) {
    handle(plugin, graphql, req, res, next).catch(error => failInternal(plugin, res, error));
  };
}

async function handle(plugin, graphql, req, res, next) {
  if (!plugin.appId) throw new Error('parse-server-refresh-token: call parseServerOptions() before mounting the middleware.');
  const path = req.path || '';
  const isEndpoint = !graphql && req.method === 'POST' && (path === REFRESH_PATH || REVOKE_PATHS.includes(path));
  let body;
  // Which app a request is for, decided exactly as Parse's handleParseHeaders decides it: HTTP Basic
  // auth naming a registered app, else the X-Parse-Application-Id header, else (when neither names a
  // registered app) the body's _ApplicationId, as the JS SDK's text/plain requests send it. Deciding
  // otherwise would let a request reach Parse without passing through here.
  const basic = basicAuth(req);
  let appId = basic && isRegistered(basic.appId) ? basic.appId : req.headers['x-parse-application-id'];
  const appFromBody = !isRegistered(appId);
  // To see a body's app id and session token we parse that body first. File uploads are left alone.
  if (isEndpoint || (appFromBody && hasBody(req) && !path.startsWith('/files/') && !isMultipart(req))) {
    body = await readJsonBody(req, isEndpoint ? plugin.options.maxBodyBytes : plugin.maxUploadBytes);
    if (!isEndpoint && body !== null && body !== MALFORMED && body !== TOO_LARGE) req.body = body;
  }
  const bodyObject = body && typeof body === 'object' && !Array.isArray(body) ? body : {};
  if (appFromBody) appId = typeof bodyObject._ApplicationId === 'string' ? bodyObject._ApplicationId : undefined;
  // File downloads name their app in the path (/files/<appId>/<name>) and may carry a session token.
  const fileDownload = req.method === 'GET' && FILE_DOWNLOAD.exec(path);
  if (appId === undefined && fileDownload) appId = fileDownload[1];
  const keys = presentedKeys(req, basic, bodyObject);
  if (appId !== plugin.appId) {
    if (isEndpoint && !appId) return sendParseError(res, parseError(parseServerModules().Parse.Error.OPERATION_FORBIDDEN, 'unauthorized'), 403);
    return next(); // another app, or none: Parse answers as it always did
  }
  // Config.get() builds a new config object on every call: get it only when a request needs the database.
  let config;
  const getConfig = () => config || (config = parseServerModules().Config.get(plugin.appId));
  // Parse checks client keys on every route but file downloads (they are fetched by plain URL).
  if (!fileDownload && !clientKeysMatch(plugin.clientKeys, keys)) {
    res.statusCode = 403;
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    return res.end(JSON.stringify({ error: 'unauthorized' }));
  }
  const ctx = {
    plugin,
    get config() {
      return getConfig();
    },
    translated: null,
    legacyToken: null,
    graphql,
    graphqlPairs: [],
    refreshDelivery: keys.javascriptKey !== undefined ? plugin.options.javascriptKeyRefresh : 'body',
    setRefreshCookie: token => res.append('Set-Cookie', refreshCookie(plugin, req, token)),
  };

  if (isEndpoint) return endpoint(plugin, ctx, req, res, body, path);

  const authorization = req.headers.authorization;
  if (!req.headers['x-parse-session-token'] && typeof authorization === 'string' && /^Bearer\s+/i.test(authorization)) {
    req.headers['x-parse-session-token'] = authorization.replace(/^Bearer\s+/i, '').trim();
  }
  const fromBody = !req.headers['x-parse-session-token'] && typeof bodyObject._SessionToken === 'string';
  const token = fromBody ? bodyObject._SessionToken : req.headers['x-parse-session-token'];
  // Parse ignores the session token on /login (GET and POST), so a stale one (the SDK sends its
  // current user's with every request) must not block logging in again.
  if (typeof token === 'string' && token !== '' && !LOGIN_ROUTE.test(path)) {
    if (isAccessToken(token)) {
      let resolved;
      try {
        resolved = await plugin.resolveAccessToken(getConfig, token);
      } catch (error) {
        if (error && error.code === 209) return sendParseError(res, error);
        throw error;
      }
      const sessionToken = resolved.session.sessionToken;
      if (fromBody) bodyObject._SessionToken = sessionToken;
      else req.headers['x-parse-session-token'] = sessionToken;
      ctx.translated = { accessToken: token, sessionToken, session: resolved.session };
    } else if (plugin.options.legacySessionTokens === 'deny') {
      return sendParseError(res, invalidSession(MESSAGES.legacyDenied));
    } else if (token.includes('\u0000')) {
      // No stored session token holds a NUL, and PostgreSQL fails (500) on one in a query: answer
      // what Parse answers for any unknown session token.
      return sendParseError(res, invalidSession('Invalid session token'));
    } else {
      ctx.legacyToken = token;
    }
  }
  if (!path.startsWith('/files/')) hookResponse(res, ctx); // file bodies are files, never Parse JSON
  next();
}

async function endpoint(plugin, ctx, req, res, body, path) {
  const { Parse } = parseServerModules();
  if (body === TOO_LARGE) return sendParseError(res, parseError(Parse.Error.VALIDATION_ERROR, 'Request body too large.'), 413);
  if (body === MALFORMED) return sendParseError(res, parseError(Parse.Error.INVALID_JSON, 'Invalid JSON body.'));
  const input = body && typeof body === 'object' && !Array.isArray(body) ? body : undefined;
  if (body !== undefined && !input) return sendParseError(res, parseError(Parse.Error.INVALID_JSON, 'The body must be a JSON object.'));
  const fields = input || {};
  let code = fields.code;
  if (code === undefined && ctx.refreshDelivery === 'cookie') code = readCookie(req, plugin.options.cookieName);
  const request = {
    ip: req.ip || (req.socket && req.socket.remoteAddress),
    installationId: req.headers['x-parse-installation-id'] || fields._InstallationId,
    deadline: Date.now() + plugin.options.endpointTimeout * 1000,
  };
  const invalid = name => sendParseError(res, parseError(Parse.Error.VALIDATION_ERROR, `${name} must be a non-empty string.`));
  if (!isTokenString(code, 1024)) return invalid('code');
  try {
    if (REVOKE_PATHS.includes(path)) {
      await withinTimeout(plugin, revoke(plugin, ctx.config, { code }, request));
      if (ctx.refreshDelivery === 'cookie') res.append('Set-Cookie', refreshCookie(plugin, req, '', true));
      return sendJson(res, 200, {});
    }
    const clientId = fields.client;
    if (!isTokenString(clientId, 128)) return invalid('client');
    // javascriptKeyRefresh 'none': the rotated token could not be handed back, so a refresh would only
    // strand the chain (and its next use would look like reuse). Refuse it; nothing changes.
    if (ctx.refreshDelivery === 'none') return sendParseError(res, parseError(Parse.Error.OPERATION_FORBIDDEN, REFRESH_NOT_FOR_JAVASCRIPT_KEY), 403);
    const pair = await withinTimeout(plugin, refresh(plugin, ctx.config, { clientId, code }, request));
    if (ctx.refreshDelivery === 'cookie') ctx.setRefreshCookie(pair.refreshToken);
    return sendJson(res, 200, RefreshTokenPlugin.pairFields(pair.access, ctx.refreshDelivery === 'body' ? pair.refreshToken : undefined));
  } catch (error) {
    if (error instanceof Parse.Error && error.code !== Parse.Error.INTERNAL_SERVER_ERROR) return sendParseError(res, error);
    throw error;
  }
}

/** Rewrites what Parse sends (res.json for REST, res.send(string) for GraphQL) before it leaves. */
function hookResponse(res, ctx) {
  const { json, send } = res;
  const restore = () => {
    res.json = json;
    res.send = send;
  };
  const deliver = (serialized, parsed) => {
    restore();
    if (!needsRewrite(serialized)) {
      finish(res, ctx, parsed);
      return send.call(res, serialized);
    }
    rewriteBody(parsed, ctx)
      .then(body => {
        finish(res, ctx, body);
        send.call(res, JSON.stringify(body));
      })
      .catch(error => failInternal(ctx.plugin, res, error));
    return res;
  };
  res.json = function jsonWithoutSessionTokens(body) {
    if (!res.get('Content-Type')) res.set('Content-Type', 'application/json; charset=utf-8');
    const serialized = JSON.stringify(body);
    if (serialized === undefined) {
      restore();
      return json.call(res, body);
    }
    return deliver(serialized, body);
  };
  res.send = function sendWithoutSessionTokens(body) {
    // Only JSON can carry a session token; look at the first bytes before decoding a whole Buffer.
    const looksLikeJson = Buffer.isBuffer(body) ? /^\s*[[{]/.test(body.subarray(0, 64).toString('latin1')) : typeof body === 'string' && /^\s*[[{]/.test(body);
    const text = looksLikeJson && Buffer.isBuffer(body) ? body.toString('utf8') : body;
    if (!looksLikeJson) {
      restore();
      return send.call(res, body);
    }
    let parsed;
    try {
      parsed = JSON.parse(text);
    } catch {
      restore();
      return send.call(res, body);
    }
    return deliver(text, parsed);
  };
}

/** After the body is final: the Bearer challenge on 209, and local revocation after a logout. */
function finish(res, ctx, body) {
  if (body && typeof body === 'object' && body.code === 209) res.set('WWW-Authenticate', bearerChallenge(body.error));
  if (Array.isArray(body && body.errors) && body.errors.some(e => e && e.extensions && e.extensions.code === 209)) {
    res.set('WWW-Authenticate', bearerChallenge('Invalid session token'));
  }
}

/** HTTP Basic credentials as Parse reads them: `appId:masterKey` or `appId:javascript-key=KEY`. */
function basicAuth(req) {
  const header = req.headers.authorization;
  if (typeof header !== 'string' || header.toLowerCase().indexOf('basic ') !== 0) return undefined;
  const credentials = Buffer.from(header.slice(6), 'base64').toString().split(':');
  if (credentials.length !== 2) return { appId: undefined };
  const [appId, key] = credentials;
  return key.indexOf('javascript-key=') === 0 ? { appId, javascriptKey: key.slice('javascript-key='.length) } : { appId, masterKey: key };
}

function isRegistered(appId) {
  return typeof appId === 'string' && appId !== '' && parseServerModules().AppCache.get(appId) != null; // null when unknown
}

/** The client keys a request presents, from its headers, its Basic credentials and its body. */
function presentedKeys(req, basic, bodyObject) {
  const keys = {};
  for (const [key, header] of CLIENT_KEYS) if (req.headers[header] !== undefined) keys[key] = req.headers[header];
  if (req.headers['x-parse-master-key'] !== undefined) keys.masterKey = req.headers['x-parse-master-key'];
  if (basic && basic.javascriptKey !== undefined) keys.javascriptKey = basic.javascriptKey;
  if (basic && basic.masterKey !== undefined) keys.masterKey = basic.masterKey;
  if (keys.javascriptKey === undefined && bodyObject._JavaScriptKey !== undefined) keys.javascriptKey = bodyObject._JavaScriptKey;
  if (keys.masterKey === undefined && typeof bodyObject._MasterKey === 'string') keys.masterKey = bodyObject._MasterKey;
  return keys;
}

function refreshCookie(plugin, req, value, expire = false) {
  const path = `${req.baseUrl || ''}${REFRESH_PATH}`;
  const parts = [`${plugin.options.cookieName}=${value}`, `Path=${path}`, 'HttpOnly', 'Secure', `SameSite=${plugin.options.cookieSameSite}`];
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

/** As Parse Server: if any client key is configured, one must match (or the master key). */
function clientKeysMatch(config, keys) {
  const configured = CLIENT_KEYS.filter(([key]) => config[key] !== undefined);
  if (configured.length === 0) return true;
  if (keys.masterKey !== undefined && keys.masterKey === config.masterKey) return true;
  return configured.some(([key]) => keys[key] === config[key]);
}

function isTokenString(value, maxLength) {
  return typeof value === 'string' && value.length > 0 && value.length <= maxLength;
}

function isMultipart(req) {
  return /^multipart\//i.test(req.headers['content-type'] || '');
}

function sendJson(res, status, body) {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store'); // RFC 6749 5.1: token responses are never cached
  res.end(JSON.stringify(body));
}

function failInternal(plugin, res, error) {
  // eslint-disable-next-line no-console
  console.error(`parse-server-refresh-token: ${error && error.stack ? error.stack : error}`);
  if (res.headersSent) return res.end();
  const { Parse } = parseServerModules();
  const unavailable = isDatabaseUnavailable(error);
  sendParseError(
    res,
    parseError(Parse.Error.INTERNAL_SERVER_ERROR, unavailable ? 'Service temporarily unavailable.' : 'Internal server error.'),
    unavailable ? 503 : 500
  );
}

function isDatabaseUnavailable(error) {
  // Parse's database layer turns a driver failure in find() into this sanitized Parse.Error (code 1).
  if (error && error.code === 1 && error.message === 'An internal server error occurred') return true;
  const text = String((error && (error.code || error.message)) || '');
  return /ECONNREFUSED|ECONNRESET|ETIMEDOUT|57P01|connection|terminat/i.test(text);
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

module.exports = { createMiddleware };
