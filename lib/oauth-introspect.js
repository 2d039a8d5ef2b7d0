'use strict';
// POST <mount>/oauth/introspect (RFC 7662), for resource servers. Client authentication is
// client_secret_basic: the app id with the master key (within Parse's masterKeyIps), or a configured
// `introspectionClients` id and secret; secrets are compared in constant time. It only reads: no
// session is touched, no cache filled, no revocation recorded, and reuse of an old refresh token is
// not acted on here (that is the token endpoint's job): the answer is active:false.
const crypto = require('crypto');
const { isAccessToken } = require('./plugin');
const { peek } = require('./refresh');
const { masterKeyOf, masterKeyIpAllowed, findUsername } = require('./parse');
const { sendJson, withinTimeout } = require('./responses');
const { OAuthError, OAUTH_MESSAGES, NO_STORE } = require('./oauth-errors');
const { formOf, optionalParam, requiredParam } = require('./oauth-request');

const INACTIVE = Object.freeze({ active: false });
const BASIC = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i;

async function introspectEndpoint(plugin, state, req, res) {
  await authenticate(plugin, state.config, req);
  const form = formOf(req);
  const token = requiredParam(form, 'token');
  optionalParam(form, 'token_type_hint'); // both kinds are recognised by their shape
  const body = await withinTimeout(plugin, introspect(plugin, state.config, token));
  return sendJson(res, 200, body, NO_STORE);
}

/** RFC 6749 2.3.1: id and secret are form-encoded before Base64; a client that did not encode them still matches. */
function basicCredentials(header) {
  const match = typeof header === 'string' ? BASIC.exec(header) : null;
  if (!match) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
}

function formDecode(text) {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** Equal in time independent of where they differ (digests of equal length). */
function secretsEqual(presented, expected) {
  if (typeof presented !== 'string' || typeof expected !== 'string') return false;
  const digest = value => crypto.createHash('sha256').update(value, 'utf8').digest();
  return crypto.timingSafeEqual(digest(presented), digest(expected));
}

async function authenticate(plugin, config, req) {
  const credentials = basicCredentials(req.headers.authorization);
  if (!credentials) throw new OAuthError('invalid_client', OAUTH_MESSAGES.clientAuthentication);
  let known = false;
  for (const client of plugin.options.introspectionClients || []) {
    // Every secret is compared, so the time taken does not say which id matched.
    if (secretsEqual(credentials.secret, client.secret) && client.id === credentials.id) known = true;
  }
  if (credentials.id === config.applicationId) {
    if (secretsEqual(credentials.secret, await masterKeyOf(config)) && masterKeyIpAllowed(config, req.ip)) known = true;
  }
  if (!known) throw new OAuthError('invalid_client', OAUTH_MESSAGES.clientAuthentication);
}

async function introspect(plugin, config, token) {
  if (isAccessToken(token)) {
    const live = await plugin.sessionOfAccessToken(config, token);
    if (!live) return INACTIVE;
    const { claims } = live;
    const username = await findUsername(config, claims.sub);
    return {
      active: true,
      token_type: 'access_token',
      client_id: claims.client_id || plugin.appId,
      sub: claims.sub,
      sid: claims.sid,
      iss: claims.iss,
      aud: claims.aud,
      iat: claims.iat,
      exp: claims.exp,
      jti: claims.jti,
      ...(username ? { username } : {}),
    };
  }
  const chain = await peek(plugin, config, token);
  // Only the chain's current token is live: a predecessor inside the grace window is answered
  // active:false too (it would only get the current token again).
  if (!chain || chain.position !== 'current') return INACTIVE;
  const { session } = chain;
  if (session.expiresAt && session.expiresAt.getTime() <= Date.now()) return INACTIVE;
  return {
    active: true,
    token_type: 'refresh_token',
    client_id: plugin.appId,
    sub: session.userId,
    sid: session.objectId,
    ...(session.refreshExpiresAt ? { exp: Math.floor(session.refreshExpiresAt.getTime() / 1000) } : {}),
  };
}

module.exports = { introspectEndpoint };
