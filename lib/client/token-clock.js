'use strict';
// When an access token needs refreshing, measured the way the server meant it: from the moment the
// client received it, for the `expires_in` seconds the server said (a device clock that is minutes
// off does not matter). A token whose `expires_in` the client never saw (restored after a reload, or
// given to become()) is judged by its own claims: lifetime `exp - iat` from the moment it was seen,
// and never beyond `exp` on the device clock.

const JWS = /^eyJ[A-Za-z0-9_-]*\.([A-Za-z0-9_-]+)\.[A-Za-z0-9_-]+$/;

/** True for our access tokens (a compact JWS); Parse's own `r:` tokens are not refreshed. */
function isAccessToken(token) {
  return typeof token === 'string' && JWS.test(token);
}

function base64urlDecode(text) {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  if (typeof atob === 'function') {
    const binary = atob(base64);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return new TextDecoder().decode(bytes);
  }
  return Buffer.from(base64, 'base64').toString('utf8');
}

/** The claims of an access token, unverified (the server verifies; the client only reads times). */
function readClaims(token) {
  const match = JWS.exec(token || '');
  if (!match) return null;
  try {
    const claims = JSON.parse(base64urlDecode(match[1]));
    return claims && typeof claims === 'object' ? claims : null;
  } catch {
    return null;
  }
}

/** The local time (ms) at which `token` stops being valid, as best the client can tell. */
function expiryOf(token, { expiresIn, receivedAt = Date.now() } = {}) {
  if (Number.isFinite(expiresIn) && expiresIn > 0) return receivedAt + expiresIn * 1000;
  const claims = readClaims(token);
  if (!claims || !Number.isFinite(claims.exp)) return receivedAt; // unknown: treat as due now
  const byDeviceClock = claims.exp * 1000;
  const lifetime = Number.isFinite(claims.iat) ? (claims.exp - claims.iat) * 1000 : Infinity;
  return Math.min(byDeviceClock, receivedAt + lifetime);
}

module.exports = { isAccessToken, readClaims, expiryOf };
