'use strict';
// OAuth 2.0 answers (RFC 6749 5.1 and 5.2, RFC 7009, RFC 7662): errors as `{error, error_description}`,
// 400 unless the client failed to authenticate (401, with a Basic challenge); never cached.
const { isDatabaseUnavailable } = require('./parse');
const { sendJson } = require('./responses');

const NO_STORE = Object.freeze({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });

// Every sentence the OAuth endpoints say, in one place.
const OAUTH_MESSAGES = Object.freeze({
  notForm: 'The body must be application/x-www-form-urlencoded.',
  tooLarge: 'Request body too large.',
  tooSlow: 'Request body not received in time.',
  required: name => `The parameter ${name} is required.`,
  repeated: name => `The parameter ${name} is repeated.`,
  passwordGrant: 'The password grant is not supported (RFC 9700): log in through Parse, then use grant_type=refresh_token.',
  unsupportedGrant: 'Only grant_type=refresh_token is supported.',
  unknownClient: 'Unknown client_id for this server.',
  clientAuthentication: 'Client authentication failed: use HTTP Basic with a known client id and secret.',
  scope: 'Scopes are not supported.',
  notForBrowsers: browserRefresh => `Refresh tokens are not available to browsers at this endpoint (browserRefresh is '${browserRefresh}').`,
  unavailable: 'Service temporarily unavailable.',
  internal: 'Internal server error.',
  noIssuerURL: 'OAuth metadata needs an issuer that is an http(s) URL.',
});

const STATUS = Object.freeze({ invalid_client: 401, server_error: 500, temporarily_unavailable: 503 });

class OAuthError extends Error {
  constructor(code, description, status) {
    super(description);
    this.oauthCode = code;
    this.status = status || STATUS[code] || 400;
  }
}

function sendOAuthError(res, error) {
  if (res.headersSent) return res.end();
  // HTTP requires a challenge with a 401; Basic is the one client authentication we accept.
  const headers = error.status === 401 ? { ...NO_STORE, 'WWW-Authenticate': 'Basic realm="oauth", charset="UTF-8"' } : NO_STORE;
  return sendJson(res, error.status, { error: error.oauthCode, error_description: error.message }, headers);
}

/** Any failure of an OAuth route: its RFC error, or 503/500 for what is not a verdict. */
function sendOAuthFailure(res, error) {
  if (error instanceof OAuthError) return sendOAuthError(res, error);
  // eslint-disable-next-line no-console
  console.error(`parse-server-refresh-token: ${error && error.stack ? error.stack : error}`);
  const unavailable = isDatabaseUnavailable(error);
  return sendOAuthError(
    res,
    unavailable ? new OAuthError('temporarily_unavailable', OAUTH_MESSAGES.unavailable) : new OAuthError('server_error', OAUTH_MESSAGES.internal)
  );
}

module.exports = { OAuthError, OAUTH_MESSAGES, NO_STORE, sendOAuthError, sendOAuthFailure };
