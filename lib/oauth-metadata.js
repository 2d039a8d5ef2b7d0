'use strict';
// Discovery: GET <mount>/.well-known/oauth-authorization-server (RFC 8414), the same document from a
// handler the app mounts at the host root for the path-inserted URL strict clients derive from an
// issuer with a path, and GET <mount>/.well-known/jwks.json. Metadata needs an issuer that is an
// http(s) URL (https in production); with any other issuer the discovery routes answer 404, as
// logged at start-up.
const { sendJson } = require('./responses');
const { OAUTH_MESSAGES } = require('./oauth-errors');

const METADATA_PATH = '/.well-known/oauth-authorization-server';
const JWKS_PATH = '/.well-known/jwks.json';

/** The issuer as a URL RFC 8414 accepts (http or https, no query, no fragment), or null. */
function issuerURL(issuer) {
  let url;
  try {
    url = new URL(issuer);
  } catch {
    return null;
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.search || url.hash) return null;
  return url;
}

/** What start-up says about the issuer, or undefined when there is nothing to say. */
function issuerWarning(issuer) {
  const url = issuerURL(issuer);
  if (!url) return `the issuer '${issuer}' is not an http(s) URL without query or fragment: the OAuth discovery routes answer 404.`;
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol === 'http:' && !loopback) return `the issuer '${issuer}' is not https: RFC 8414 requires https in production.`;
  return undefined;
}

function metadata(plugin) {
  const base = plugin.serverURL.replace(/\/+$/, '');
  return {
    issuer: plugin.issuerName,
    token_endpoint: `${base}/oauth/token`,
    revocation_endpoint: `${base}/oauth/revoke`,
    introspection_endpoint: `${base}/oauth/introspect`,
    jwks_uri: `${base}${JWKS_PATH}`,
    grant_types_supported: ['refresh_token'],
    // No authorization endpoint (logins are Parse's): no response types.
    response_types_supported: [],
    token_endpoint_auth_methods_supported: ['none'],
    revocation_endpoint_auth_methods_supported: ['none'],
    introspection_endpoint_auth_methods_supported: ['client_secret_basic'],
    refresh_token_expiration_types_supported: ['refresh_token_timeout', 'authorization_expires_in'],
  };
}

const cacheFor = plugin => ({ 'Cache-Control': `public, max-age=${plugin.options.jwksMaxAge}` });

function sendMetadata(plugin, res) {
  if (!issuerURL(plugin.issuerName)) return sendJson(res, 404, { error: 'not_found', error_description: OAUTH_MESSAGES.noIssuerURL });
  return sendJson(res, 200, metadata(plugin), cacheFor(plugin));
}

const metadataEndpoint = (plugin, state, req, res) => sendMetadata(plugin, res);

/** The public keys (every status); an issuer with only HS256 keys publishes none. */
function jwksEndpoint(plugin, state, req, res) {
  return sendJson(res, 200, plugin.issuer.jwks(), cacheFor(plugin));
}

/**
 * An Express handler for the host root, at `handler.path` (RFC 8414 3: the well-known path inserted
 * before the issuer's path, e.g. /.well-known/oauth-authorization-server/parse).
 */
function rootMetadataHandler(plugin) {
  const handler = (req, res) => sendMetadata(plugin, res);
  const url = issuerURL(plugin.issuerName);
  const issuerPath = url ? url.pathname.replace(/\/+$/, '') : '';
  handler.path = `${METADATA_PATH}${issuerPath}`;
  return handler;
}

module.exports = { metadataEndpoint, jwksEndpoint, rootMetadataHandler, issuerWarning, METADATA_PATH, JWKS_PATH };
