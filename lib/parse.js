'use strict';
// The one place that knows Parse Server's internals: which copy of parse-server we integrate with,
// which of its modules and members we wrap or call, and the supported release range. Everything is
// checked once, at start-up (parseServerOptions), so an incompatible Parse Server stops the app with
// an error that names the missing member instead of failing at request time.
//
// Our errors must be instances of *its* Parse.Error (Parse Server checks with instanceof), and our
// patches must land on the very module objects its routers call: both come from the copy that
// `require('parse-server')` resolves to from here.
const path = require('path');

const PREFIX = 'parse-server-refresh-token';
const SUPPORTED_MAJOR = 9;
// The sanitized message Parse's database layer gives a driver failure (code 1).
const DATABASE_FAILURE_MESSAGE = 'An internal server error occurred';

// Every member the plugin wraps (w) or calls (c), by module. A missing one stops start-up.
const REQUIRED_MEMBERS = [
  ['middlewares', 'allowCrossDomain', 'w'],
  ['middlewares', 'handleParseAuth', 'w'],
  ['middlewares', 'handleParseHeaders', 'w'],
  ['middlewares', 'handleParseSession', 'w'],
  ['middlewares', 'matchesExactRoute', 'c'],
  ['middlewares', 'checkIp', 'c'],
  ['ParseServer', 'promiseRouter', 'w'],
  ['ParseGraphQLServer', 'prototype.applyGraphQL', 'w'],
  ['PromiseRouter', 'prototype.mountOnto', 'w'],
  ['Auth', 'getAuthForSessionToken', 'w'],
  ['Auth', 'Auth', 'c'],
  ['RestWrite', 'createSession', 'w'],
  ['RestWrite', 'prototype.handleSession', 'w'],
  ['RestWrite', 'prototype.handleFollowup', 'w'],
  ['RestWrite', 'prototype.destroyDuplicatedSessions', 'w'],
  ['RestWrite', 'prototype.validateAuthData', 'w'],
  ['rest', 'del', 'w'],
  ['rest', 'find', 'w'],
  ['LoggerController', 'prototype.maskSensitive', 'w'],
  ['UsersRouter', 'prototype.handleLogOut', 'w'],
  ['LiveQueryServer', 'prototype.getAuthForSessionToken', 'w'],
  ['LiveQueryServer', 'prototype.getAuthFromClient', 'w'],
  ['Config', 'get', 'c'],
  ['Config', 'prototype.loadMasterKey', 'c'],
  ['AppCache', 'get', 'c'],
];

let cached;

function parseServerModules() {
  if (cached) return cached;
  const root = path.dirname(require.resolve('parse-server/package.json'));
  const lib = name => require(path.join(root, 'lib', name));
  const Parse = require(require.resolve('parse/node', { paths: [root] }));
  cached = {
    root,
    version: require(path.join(root, 'package.json')).version,
    Parse,
    Auth: lib('Auth'),
    RestWrite: lib('RestWrite'),
    rest: lib('rest'),
    Config: lib('Config'),
    middlewares: lib('middlewares'),
    ParseServer: lib('ParseServer').default,
    ParseGraphQLServer: lib('GraphQL/ParseGraphQLServer').ParseGraphQLServer,
    PromiseRouter: lib('PromiseRouter').default,
    LiveQueryServer: lib('LiveQuery/ParseLiveQueryServer').ParseLiveQueryServer,
    UsersRouter: lib('Routers/UsersRouter').UsersRouter,
    AppCache: lib('cache').AppCache,
    LoggerController: lib('Controllers/LoggerController').LoggerController,
  };
  return cached;
}

function member(modules, moduleName, memberPath) {
  return memberPath.split('.').reduce((value, name) => (value == null ? undefined : value[name]), modules[moduleName]);
}

/**
 * Throws, naming the version or the member, unless the installed parse-server is one this plugin
 * supports and has every member it wraps or calls.
 */
function assertSupportedParseServer() {
  let modules;
  try {
    modules = parseServerModules();
  } catch (error) {
    throw new Error(`${PREFIX}: could not load parse-server's modules (${error.message}); parse-server ${SUPPORTED_MAJOR}.x is required.`);
  }
  const major = Number(String(modules.version).split('.')[0]);
  if (major !== SUPPORTED_MAJOR) {
    throw new Error(`${PREFIX}: parse-server ${modules.version} is not supported; parse-server ${SUPPORTED_MAJOR}.x is required.`);
  }
  for (const [moduleName, memberPath] of REQUIRED_MEMBERS) {
    if (typeof member(modules, moduleName, memberPath) !== 'function') {
      throw new Error(`${PREFIX}: parse-server ${modules.version} has no ${moduleName}.${memberPath}, which this plugin needs; parse-server ${SUPPORTED_MAJOR}.x is required.`);
    }
  }
  return modules;
}

/** The app ids Parse Server has built in this process so far (its AppCache). */
function builtAppIds() {
  return Object.keys(parseServerModules().AppCache.cache || {});
}

/** Parse's own route matcher (what its router and rate limiter use: case-insensitive, trailing slash). */
function matchesRoute(path, route) {
  return parseServerModules().middlewares.matchesExactRoute(path, route);
}

/** A request's Auth as Parse builds it for a caller without a session. */
function anonymousAuth(config, installationId) {
  const { Auth } = parseServerModules();
  return new Auth.Auth({ config, installationId, isMaster: false });
}

function isKeyAuth(auth) {
  return Boolean(auth && (auth.isMaster || auth.isMaintenance));
}

/** Forgets Parse's cached auth for a session token (its `user:<token>` cache entry). */
function evictSessionToken(config, sessionToken) {
  if (typeof sessionToken === 'string' && sessionToken) return config.cacheController.user.del(sessionToken);
  return undefined;
}

/**
 * Deletes one `_Session` row through the storage adapter. Resolves true if this call deleted it, false
 * if it was already gone: Parse's DatabaseController.destroy resolves either way, while the adapter
 * (PostgreSQL and MongoDB alike) rejects with OBJECT_NOT_FOUND when nothing matched.
 */
async function deleteSessionRow(config, objectId) {
  const database = config.database;
  const schema = await (await database.loadSchema()).getOneSchema('_Session');
  try {
    await database.adapter.deleteObjectsByQuery('_Session', schema, { objectId }, database._transactionalSession);
    return true;
  } catch (error) {
    if (error && error.code === parseServerModules().Parse.Error.OBJECT_NOT_FOUND) return false;
    throw error;
  }
}

/**
 * What Parse's handleParseHeaders establishes, for a request identified by its mount alone: the app
 * is the one handleParseAuth bound (req.config), and the request carries no key and no session,
 * whatever headers or Basic credentials it sends (handleParseAuth's header keys are dropped too).
 */
function identifyByMount(req) {
  const config = req.config;
  config.headers = req.headers || {};
  config.ip = req.ip;
  req.info = { appId: config.applicationId, app: parseServerModules().AppCache.get(config.applicationId), context: {} };
  req.auth = anonymousAuth(config, undefined);
}

/**
 * Parse's rateLimit for a request whose header step the plugin took (Parse's own step is where it
 * runs them). Resolves false when the request has been answered with Parse's 429.
 */
async function applyRateLimits(req, res) {
  const { Parse } = parseServerModules();
  try {
    for (const limit of req.config.rateLimits || []) {
      const pathExp = limit.path.regexp || limit.path;
      if (!pathExp.test(req.path)) continue;
      await limit.handler(req, res, error => {
        if (error && error.code === Parse.Error.CONNECTION_FAILED) throw error;
      });
    }
  } catch (error) {
    if (!error || error.code !== Parse.Error.CONNECTION_FAILED) throw error;
    res.status(429);
    res.json({ code: Parse.Error.CONNECTION_FAILED, error: error.message });
    return false;
  }
  return true;
}

/** The app's master key (Parse resolves a key given as a function). */
function masterKeyOf(config) {
  return config.loadMasterKey();
}

/** True if the master key may be used from `ip` (Parse's masterKeyIps). */
function masterKeyIpAllowed(config, ip) {
  const { middlewares } = parseServerModules();
  return middlewares.checkIp(ip, config.masterKeyIps || [], config.masterKeyIpsStore);
}

/** A user's username, read as the master reads it (no trigger, no session). */
async function findUsername(config, userId) {
  const rows = await config.database.find('_User', { objectId: userId }, { limit: 1 });
  return rows.length === 1 && typeof rows[0].username === 'string' ? rows[0].username : undefined;
}

function isDatabaseUnavailable(error) {
  if (error && error.code === 1 && error.message === DATABASE_FAILURE_MESSAGE) return true;
  const text = String((error && (error.code || error.message)) || '');
  return /ECONNREFUSED|ECONNRESET|ETIMEDOUT|57P01|connection|terminat/i.test(text);
}

module.exports = {
  parseServerModules,
  assertSupportedParseServer,
  matchesRoute,
  builtAppIds,
  anonymousAuth,
  isKeyAuth,
  evictSessionToken,
  deleteSessionRow,
  isDatabaseUnavailable,
  identifyByMount,
  applyRateLimits,
  masterKeyOf,
  masterKeyIpAllowed,
  findUsername,
};
