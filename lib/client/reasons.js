'use strict';
// The stable reason of every 209 the server answers (the body's `reason`, and the Bearer challenge's
// error_description): the words that cross HTTP, shared by the server (lib/errors.js) and this
// client, so that neither matches sentences. No dependency: it is bundled with the client.
const REASONS = Object.freeze({
  accessTokenExpired: 'access_token_expired',
  accessTokenNotYetValid: 'access_token_not_yet_valid',
  accessTokenSignatureInvalid: 'access_token_signature_invalid',
  accessTokenAlgorithmRejected: 'access_token_algorithm_rejected',
  accessTokenTypeRejected: 'access_token_type_rejected',
  accessTokenIssuerRejected: 'access_token_issuer_rejected',
  accessTokenAudienceRejected: 'access_token_audience_rejected',
  accessTokenKeyUnknown: 'access_token_key_unknown',
  accessTokenMalformed: 'access_token_malformed',
  sessionRevoked: 'session_revoked',
  sessionExpired: 'session_expired',
  sessionIdle: 'session_idle',
  legacySessionTokenDenied: 'legacy_session_token_denied',
  refreshTokenInvalid: 'refresh_token_invalid',
  refreshTokenExpired: 'refresh_token_expired',
  refreshTokenReused: 'refresh_token_reused',
  // Parse's own answer for an unknown session token, and any other 209.
  invalidSessionToken: 'invalid_session_token',
});

module.exports = { REASONS };
