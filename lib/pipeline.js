'use strict';
// The plugin inside Parse Server's own request pipeline. It acts where Parse acts, on what Parse has
// decided, never on its own reading of a request:
//   handleParseAuth    (Parse binds req.config to the mounted app): the plugin's own endpoints read
//                      their small bodies here, bounded in size and time, before Parse's parser;
//   handleParseHeaders (Parse decides the app, the keys and the token): the response rewriter is
//                      attached for the app Parse chose;
//   handleParseSession (Parse is about to resolve that token): an access token is verified and
//                      swapped for its session's token, or refused with 209;
//   Parse's router     the plugin's endpoints (lib/routes.js) are Parse routes, so Parse's CORS, route
//                      matching, routeAllowList and rateLimit apply to them as to /login; Parse's
//                      key checks apply to its own dialect's endpoints, while the OAuth endpoints
//                      belong to the app whose mount the request reached (standard clients send no
//                      Parse headers).
// Parse captures these middlewares when it builds an app, so they are wrapped before the first
// `new ParseServer` (parseServerOptions); every wrapper is a no-op for apps without the plugin.
const { parseServerModules, assertSupportedParseServer, builtAppIds, identifyByMount, applyRateLimits } = require('./parse');
const registry = require('./registry');
const { runInRequest } = require('./context');
const { admitSessionToken } = require('./admission');
const { hookResponse, sendFailure } = require('./responses');
const { bearerChallenge } = require('./errors');
const { refreshCookie } = require('./endpoints');
const { routeFor, readRouteBody, failRoute, mountRoutes } = require('./routes');

const INSTALLED = Symbol.for('parse-server-refresh-token.pipeline');
const STATE = Symbol('parse-server-refresh-token.request');
const GRAPHQL = Symbol('parse-server-refresh-token.graphql');
// The app id of the pipeline (hence the router) a request to a mount-identified route is in.
const MOUNTED_APP = Symbol('parse-server-refresh-token.mounted-app');

// Apps Parse built before the wrappers existed: their pipeline holds Parse's unwrapped middlewares.
let builtUnwrapped = new Set();

function install() {
  const modules = assertSupportedParseServer();
  const { middlewares } = modules;
  if (middlewares[INSTALLED]) return;
  builtUnwrapped = new Set(builtAppIds());
  wrapCrossDomain(middlewares);
  wrapParseAuth(middlewares);
  wrapParseHeaders(middlewares);
  wrapParseSession(middlewares);
  addEndpointRoutes(modules);
  markGraphQLRequests(modules);
  middlewares[INSTALLED] = true;
}

const pluginFor = req => (req.config ? registry.forApp(req.config.appId) : undefined);

/**
 * Cookie mode: an allowed browser origin gets CORS with credentials (its exact origin, never '*'),
 * on every answer of the app, preflights included, so its pages can log in, refresh and revoke.
 */
function wrapCrossDomain(middlewares) {
  const original = middlewares.allowCrossDomain;
  middlewares.allowCrossDomain = function allowCrossDomainWithCredentials(appId) {
    const cors = original.call(this, appId);
    return function corsWithCredentials(req, res, next) {
      const plugin = registry.forApp(appId);
      const origin = req.headers.origin;
      if (!plugin || !origin || !plugin.cookieOriginAllowed(origin)) return cors(req, res, next);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.append('Vary', 'Origin');
      const header = res.header;
      res.header = function exactOrigin(name, value) {
        return header.call(this, name, String(name).toLowerCase() === 'access-control-allow-origin' ? origin : value);
      };
      try {
        return cors(req, res, next);
      } finally {
        res.header = header;
      }
    };
  };
}

function wrapParseAuth(middlewares) {
  const original = middlewares.handleParseAuth;
  middlewares.handleParseAuth = function handleParseAuthWithEndpointGuard(appId) {
    const parseAuth = original.call(this, appId);
    return function parseAuthWithEndpointBodies(req, res, next) {
      const plugin = registry.forApp(appId);
      const route = plugin && routeFor(req);
      if (!route) return parseAuth(req, res, next);
      // `appId` is this pipeline's own app, the one Parse built it (and its router) for.
      if (route.app === 'mount') req[MOUNTED_APP] = appId;
      return readRouteBody(route, plugin, req, res).then(
        go => (go ? parseAuth(req, res, next) : undefined),
        error => failRoute(route, res, error)
      );
    };
  };
}

function wrapParseHeaders(middlewares) {
  const original = middlewares.handleParseHeaders;
  middlewares.handleParseHeaders = function handleParseHeadersThenRewrite(req, res, next) {
    const mounted = mountedPlugin(req);
    if (mounted) return headersFromMount(mounted, req, res, next);
    return original.call(this, req, res, error => {
      const plugin = !error && pluginFor(req);
      if (!plugin || !req.info) return next(error);
      const state = requestState(plugin, req, res);
      if (!state.endpoint) hookResponse(res, state);
      // Everything Parse does for this request from here on runs in its context (see context.js).
      return runInRequest(state, () => next());
    });
  };
}

/**
 * The plugin of a mount-identified route's request, when Parse bound it to that very app: its
 * handleParseAuth step (the mounted app's config) ran, and the route is that app's.
 */
function mountedPlugin(req) {
  const appId = req[MOUNTED_APP];
  if (appId === undefined || !req.config || req.config.applicationId !== appId) return undefined;
  return registry.forApp(appId);
}

/**
 * Parse's header step for a mount-identified route: the app is the mount's, the request carries no
 * keys and no session (whatever headers it sends), and Parse's rate limits apply as they would.
 */
async function headersFromMount(plugin, req, res, next) {
  try {
    identifyByMount(req);
    if (!(await applyRateLimits(req, res))) return undefined;
  } catch (error) {
    return failRoute(routeFor(req), res, error);
  }
  const state = requestState(plugin, req, res);
  return runInRequest(state, () => next());
}

function wrapParseSession(middlewares) {
  const original = middlewares.handleParseSession;
  middlewares.handleParseSession = async function handleParseSessionWithAccessTokens(req, res, next) {
    const plugin = pluginFor(req);
    if (!plugin || !req.info) return original.call(this, req, res, next);
    // File downloads skip handleParseHeaders: their state starts here, without a response rewriter.
    const state = req[STATE] || requestState(plugin, req, res);
    try {
      await admitSessionToken(plugin, req, state);
    } catch (error) {
      const { Parse } = parseServerModules();
      if (error instanceof Parse.Error && error.code !== Parse.Error.INTERNAL_SERVER_ERROR) {
        if (error.code === Parse.Error.INVALID_SESSION_TOKEN) {
          res.setHeader('WWW-Authenticate', bearerChallenge(error.message));
          hookResponse(res, state); // file downloads have no rewriter yet: their 209 gets its reason too
        }
        return next(error); // Parse's own error handler answers, as for its own 209s
      }
      return sendFailure(res, error);
    }
    return runInRequest(state, () => original.call(this, req, res, next));
  };
}

/** Per-request state shared by the admission step, the response rewriter and the endpoints. */
function requestState(plugin, req, res) {
  if (!req[STATE]) {
    req[STATE] = {
      plugin,
      config: req.config,
      endpoint: routeFor(req) !== undefined,
      graphql: req[GRAPHQL] === true,
      keyRequest: false, // made with the master, read-only master or maintenance key (Parse's verdict)
      translated: null, // { accessToken, sessionToken, session } when authenticated by an access token
      legacyToken: null, // the raw token the request was authenticated with, in 'allow' mode
      issued: new Map(), // raw token -> pair, for sessions this request created
      issuedAccess: new Map(), // access token -> pair, for pairs issueTokens made in it
      delivered: new Set(), // pairs whose refresh token this response already carries
      refreshDelivery: refreshDeliveryFor(plugin, req),
      setRefreshCookie: token => res.append('Set-Cookie', refreshCookie(plugin, req.config, token)),
      clearRefreshCookie: () => res.append('Set-Cookie', refreshCookie(plugin, req.config, '', true)),
    };
  }
  return req[STATE];
}

/**
 * Where a login's refresh token goes. Browsers follow `browserRefresh`: a browser marks the requests
 * it sends with headers page scripts cannot set or remove (`Origin` on cross-origin requests and on
 * POSTs, `Sec-Fetch-Site` on all of them in current browsers; Node's fetch sends `Sec-Fetch-Mode`
 * but neither of these). Native apps and servers send neither and get it in the body, with or
 * without the JavaScript key.
 */
function refreshDeliveryFor(plugin, req) {
  const origin = req.headers.origin;
  const browser = origin !== undefined || req.headers['sec-fetch-site'] !== undefined;
  if (!browser) return 'body';
  // The cookie only for pages on an allowed origin; another page's request gets no refresh token.
  return plugin.cookieOriginRefused(origin) ? 'none' : plugin.options.browserRefresh;
}

/** The endpoints join the app's router, ahead of Parse's own routes (none of which they shadow). */
function addEndpointRoutes({ ParseServer }) {
  const original = ParseServer.promiseRouter;
  ParseServer.promiseRouter = function promiseRouterWithEndpoints(args) {
    const router = original.apply(this, arguments);
    const plugin = registry.forApp(args && args.appId);
    if (!plugin) return router;
    const mountOnto = router.mountOnto;
    router.mountOnto = function mountOntoWithEndpoints(expressRouter) {
      mountRoutes(plugin, expressRouter, req => req[STATE]);
      return mountOnto.call(this, expressRouter);
    };
    return router;
  };
}

/** GraphQL answers carry a login's pair in `extensions`: mark its requests before Parse reads them. */
function markGraphQLRequests({ ParseGraphQLServer }) {
  const original = ParseGraphQLServer.prototype.applyGraphQL;
  ParseGraphQLServer.prototype.applyGraphQL = function applyGraphQLMarked(app) {
    if (app && typeof app.use === 'function' && this.config && this.config.graphQLPath) {
      app.use(this.config.graphQLPath, (req, res, next) => {
        req[GRAPHQL] = true;
        next();
      });
    }
    return original.apply(this, arguments);
  };
}

/** True if Parse built this app before the plugin could wrap its pipeline. */
function builtWithoutPlugin(appId) {
  return builtUnwrapped.has(appId);
}

module.exports = { install, builtWithoutPlugin };
