'use strict';
// Error shapes: Parse's {code, error} on Parse routes, with the reason in words; the native core's
// stable err.code values mapped onto messages that say which check failed, never what the token held.
const { parseServerModules } = require('./parse');
const { REASONS } = require('./client/reasons');

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

// What a refused refresh says, by the outcome of the rotation rules (lib/refresh.js), on every transport.
const REFUSALS = Object.freeze({
  invalid: MESSAGES.refreshInvalid,
  expired: MESSAGES.refreshExpired,
  idle: MESSAGES.refreshIdle,
  reused: MESSAGES.refreshReused,
});

// The stable, machine-readable reason of each 209 message: the body's `reason` and the Bearer
// challenge's error_description, so that clients need not match sentences.
const REASON_OF_MESSAGE = new Map([
  [TOKEN_MESSAGES.TOKEN_EXPIRED, REASONS.accessTokenExpired],
  [TOKEN_MESSAGES.TOKEN_REVOKED, REASONS.sessionRevoked],
  [TOKEN_MESSAGES.TOKEN_NOT_YET_VALID, REASONS.accessTokenNotYetValid],
  [TOKEN_MESSAGES.TOKEN_SIGNATURE_INVALID, REASONS.accessTokenSignatureInvalid],
  [TOKEN_MESSAGES.TOKEN_ALGORITHM_REJECTED, REASONS.accessTokenAlgorithmRejected],
  [TOKEN_MESSAGES.TOKEN_TYPE_REJECTED, REASONS.accessTokenTypeRejected],
  [TOKEN_MESSAGES.TOKEN_ISSUER_REJECTED, REASONS.accessTokenIssuerRejected],
  [TOKEN_MESSAGES.TOKEN_AUDIENCE_REJECTED, REASONS.accessTokenAudienceRejected],
  [TOKEN_MESSAGES.TOKEN_KEY_UNKNOWN, REASONS.accessTokenKeyUnknown],
  [TOKEN_MESSAGES.TOKEN_MALFORMED, REASONS.accessTokenMalformed],
  [MESSAGES.sessionGone, REASONS.sessionRevoked],
  [MESSAGES.sessionExpired, REASONS.sessionExpired],
  [MESSAGES.legacyDenied, REASONS.legacySessionTokenDenied],
  [MESSAGES.refreshInvalid, REASONS.refreshTokenInvalid],
  [MESSAGES.refreshExpired, REASONS.refreshTokenExpired],
  [MESSAGES.refreshIdle, REASONS.sessionIdle],
  [MESSAGES.refreshReused, REASONS.refreshTokenReused],
]);

/** The stable reason of a 209 message. */
function reasonOf(message) {
  return REASON_OF_MESSAGE.get(message) || REASONS.invalidSessionToken;
}

/** A 209 body with its reason; any other body unchanged. */
function withReason(body) {
  if (!body || typeof body !== 'object' || Array.isArray(body) || body.code !== 209 || body.reason !== undefined) return body;
  return { ...body, reason: reasonOf(body.error) };
}

function parseError(code, message) {
  const { Parse } = parseServerModules();
  return new Parse.Error(code, message);
}

function invalidSession(message) {
  return parseError(parseServerModules().Parse.Error.INVALID_SESSION_TOKEN, message);
}

/** True for an error of verifyAccessToken that is a verdict on the token (not a bug). */
function isTokenVerdict(error) {
  return Boolean(error && Object.prototype.hasOwnProperty.call(TOKEN_MESSAGES, error.code));
}

/** Maps an error thrown by verifyAccessToken onto a 209 Parse.Error that says why. */
function accessTokenError(nativeError) {
  if (!isTokenVerdict(nativeError)) throw nativeError; // not a token verdict: a bug, let it surface as a 500
  return invalidSession(TOKEN_MESSAGES[nativeError.code]);
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
  res.end(JSON.stringify(withReason({ code, error: error.message })));
}

/** The RFC 6750 challenge of a 209: its stable reason as error_description (no quote can occur in one). */
function bearerChallenge(message) {
  return `Bearer error="invalid_token", error_description="${reasonOf(message)}"`;
}

module.exports = { MESSAGES, REFUSALS, parseError, invalidSession, accessTokenError, isTokenVerdict, sendParseError, bearerChallenge, reasonOf, withReason };
