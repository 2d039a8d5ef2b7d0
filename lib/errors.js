'use strict';
// Error shapes: Parse's {code, error} on Parse routes, with the reason in words; the native core's
// stable err.code values mapped onto messages that say which check failed, never what the token held.
const { parseServerModules } = require('./parse');

const TOKEN_MESSAGES = {
  TOKEN_EXPIRED: 'Access token expired.',
  TOKEN_REVOKED: 'Session revoked.',
  TOKEN_NOT_YET_VALID: 'Access token not yet valid.',
  TOKEN_SIGNATURE_INVALID: 'Invalid access token: bad signature.',
  TOKEN_ALGORITHM_REJECTED: 'Invalid access token: algorithm not accepted.',
  TOKEN_TYPE_REJECTED: 'Invalid access token: not an at+jwt access token.',
  TOKEN_ISSUER_REJECTED: 'Invalid access token: wrong issuer.',
  TOKEN_AUDIENCE_REJECTED: 'Invalid access token: wrong audience.',
  TOKEN_KEY_UNKNOWN: 'Invalid access token: unknown key.',
  TOKEN_MALFORMED: 'Invalid access token: malformed.',
};

const MESSAGES = {
  sessionGone: 'Session revoked.',
  sessionExpired: 'Session expired.',
  legacyDenied: 'Legacy session tokens are not accepted; log in again.',
  refreshInvalid: 'Invalid refresh token.',
  refreshExpired: 'Refresh token expired.',
  refreshIdle: 'Session expired after inactivity.',
  refreshReused: 'Refresh token reuse detected; the session has been revoked.',
  sessionFromAccessToken: 'A session cannot be created with an access token; log in instead.',
  linkingRefused: 'A login provider cannot be linked with an access token (authDataLinking is \'deny\').',
  privateFieldAggregate: "The plugin's private _Session fields cannot be aggregated or listed.",
  originRefused: 'This origin may not use the refresh cookie.',
};

function parseError(code, message) {
  const { Parse } = parseServerModules();
  return new Parse.Error(code, message);
}

function invalidSession(message) {
  return parseError(parseServerModules().Parse.Error.INVALID_SESSION_TOKEN, message);
}

/** Maps an error thrown by verifyAccessToken onto a 209 Parse.Error that says why. */
function accessTokenError(nativeError) {
  const message = TOKEN_MESSAGES[nativeError && nativeError.code];
  if (!message) throw nativeError; // not a token verdict: a bug, let it surface as a 500
  return invalidSession(message);
}

/** Sends a Parse-shaped error; 209 also carries the RFC 6750 challenge. */
function sendParseError(res, error, status) {
  const { Parse } = parseServerModules();
  const code = error.code;
  if (code === Parse.Error.INVALID_SESSION_TOKEN) {
    res.setHeader('WWW-Authenticate', bearerChallenge(error.message));
  }
  res.statusCode = status || (code === Parse.Error.INTERNAL_SERVER_ERROR ? 500 : 400);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(JSON.stringify({ code, error: error.message }));
}

function bearerChallenge(description) {
  const safe = String(description || 'Invalid token').replace(/["\\\r\n]/g, '');
  return `Bearer error="invalid_token", error_description="${safe}"`;
}

module.exports = { MESSAGES, parseError, invalidSession, accessTokenError, sendParseError, bearerChallenge };
