'use strict';
// Every route the plugin adds to an app's router, in one table: method, path, body format, handler,
// and who identifies the app:
//   'parse'  Parse's own header step decides the app and checks its keys, as for /login;
//   'mount'  the app is the one whose mount (and router) the request reached: standard OAuth clients
//            and resource servers send no Parse headers, so no request field can name another app.
// Paths are matched with Parse's own route matcher (case-insensitive, trailing slash).
const { matchesRoute } = require('./parse');
const { sendFailure } = require('./responses');
const { sendOAuthFailure } = require('./oauth-errors');
const { refreshEndpoint, revokeEndpoint, readEndpointBody } = require('./endpoints');
const { readOAuthForm } = require('./oauth-request');
const { tokenEndpoint } = require('./oauth-token');
const { revokeEndpoint: oauthRevokeEndpoint } = require('./oauth-revoke');
const { introspectEndpoint } = require('./oauth-introspect');
const { metadataEndpoint, jwksEndpoint, METADATA_PATH, JWKS_PATH } = require('./oauth-metadata');

const BODY_READERS = {
  json: readEndpointBody, // Parse's dialect: a JSON object
  form: readOAuthForm, // RFC 6749: application/x-www-form-urlencoded
  none: async () => true,
};

const FAILURES = { parse: sendFailure, mount: sendOAuthFailure };

const route = (method, path, body, app, handler) => Object.freeze({ method, path, body, app, handler });

const ROUTES = Object.freeze([
  route('POST', '/users/refresh', 'json', 'parse', refreshEndpoint),
  route('POST', '/users/revoke', 'json', 'parse', revokeEndpoint),
  route('POST', '/users/refresh/revoke', 'json', 'parse', revokeEndpoint), // cookie mode: the cookie's path
  route('POST', '/oauth/token', 'form', 'mount', tokenEndpoint),
  route('POST', '/oauth/revoke', 'form', 'mount', oauthRevokeEndpoint),
  route('POST', '/oauth/introspect', 'form', 'mount', introspectEndpoint),
  route('GET', METADATA_PATH, 'none', 'mount', metadataEndpoint),
  route('GET', JWKS_PATH, 'none', 'mount', jwksEndpoint),
]);

const methodMatches = (r, method) => method === r.method || (r.method === 'GET' && method === 'HEAD');

/** The route Parse's router sends this request to, or undefined. */
function routeFor(req) {
  return ROUTES.find(r => methodMatches(r, req.method) && matchesRoute(req.path, r.path));
}

/** Reads the route's body before Parse does; resolves false when the request has been answered. */
function readRouteBody(route, plugin, req, res) {
  return BODY_READERS[route.body](plugin, req, res);
}

function failRoute(route, res, error) {
  return FAILURES[route.app](res, error);
}

/**
 * Adds the routes to Parse's express router as plain Express routes, not PromiseRouter routes:
 * /batch and in-process REST calls do not reach them (no cookie, no client address there), and
 * Parse's verbose request log, which prints bodies, never sees a token.
 */
function mountRoutes(plugin, expressRouter, stateOf) {
  for (const r of ROUTES) {
    expressRouter[r.method.toLowerCase()](r.path, (req, res, next) => {
      const state = stateOf(req);
      Promise.resolve()
        .then(() => {
          if (!state) throw new Error('the plugin did not see this request in handleParseHeaders');
          return r.handler(plugin, state, req, res, next);
        })
        .catch(error => failRoute(r, res, error));
    });
  }
}

module.exports = { routeFor, readRouteBody, failRoute, mountRoutes, ROUTES };
