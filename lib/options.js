'use strict';
// One source of truth for the plugin's options: defaults, then validation that fails fast at start-up
// with a message naming the option (the key material itself is checked again by the native core).

const PREFIX = 'parse-server-refresh-token';

const DEFAULTS = Object.freeze({
  accessTokenTTL: 1800, // seconds
  refreshTokenTTL: undefined, // seconds, absolute per login; undefined = Parse Server's sessionLength
  idleTimeout: 0, // seconds without a refresh after which the session ends; 0 = off
  reuseInterval: 10, // seconds in which the immediate predecessor of a refresh token still gets the pair
  leeway: 5, // seconds of clock skew accepted on exp/nbf
  issuer: undefined, // defaults to Parse Server's serverURL
  audience: undefined, // defaults to Parse Server's appId
  browserRefresh: 'none', // where browsers get the refresh token: 'none' | 'cookie' | 'body'
  legacySessionTokens: 'allow', // 'allow' | 'deny'
  authDataLinking: 'allow', // linking a login provider with an access token: 'allow' | 'deny'
  cookieName: 'parse_refresh_token',
  cookieSameSite: 'Strict',
  allowedOrigins: undefined, // browser origins that may use the refresh cookie; default: Parse's allowOrigin, else the server's own origin
  maxBodyBytes: 16 * 1024, // refresh and revoke bodies are tiny
  endpointTimeout: 10, // seconds a refresh or revoke may wait for its body (408), then on the database (503)
  introspectionClients: undefined, // resource servers that may call /oauth/introspect: [{ id, secret }]
  jwksMaxAge: 300, // seconds clients may cache the JWKS and the OAuth metadata
  hooks: {},
});

// Earlier names, still accepted.
const RENAMED = Object.freeze({ javascriptKeyRefresh: 'browserRefresh' });

const HOOKS = ['claims', 'onRefresh', 'onRevoke', 'onReuseDetected'];

function fail(message) {
  throw new Error(`${PREFIX}: ${message}`);
}

function checkInteger(options, name, { min, max, optional = false }) {
  const value = options[name];
  if (value === undefined && optional) return;
  if (!Number.isInteger(value) || value < min || (max !== undefined && value > max)) {
    const range = max === undefined ? `>= ${min}` : `between ${min} and ${max}`;
    fail(`option ${name} must be an integer number of seconds ${range} (got ${JSON.stringify(value)}).`);
  }
}

function checkEnum(options, name, allowed) {
  if (!allowed.includes(options[name])) {
    fail(`option ${name} must be one of ${allowed.map(a => `'${a}'`).join(', ')} (got ${JSON.stringify(options[name])}).`);
  }
}

function checkSecret(secret, name) {
  const isBuffer = Buffer.isBuffer(secret);
  if (typeof secret !== 'string' && !isBuffer) fail(`option ${name} must be a string or a Buffer.`);
  const bytes = isBuffer ? secret.length : Buffer.byteLength(secret, 'utf8');
  if (bytes < 32) fail(`option ${name} must be at least 32 bytes long (got ${bytes}).`);
}

// A key of the ring: an HS256 secret, or an asymmetric key pair or public key (see README, Signing
// keys). The shape is checked here; the key material, its algorithm, statuses and the refresh key are
// checked by the native core, whose messages name the option too.
const KEY_SHAPE = '{ kid, alg?, status?, secret | privateKey | publicKey }';

function checkKeys(options) {
  const hasSecret = options.secret !== undefined;
  const hasKeys = options.keys !== undefined;
  if (hasSecret === hasKeys) fail('exactly one of the options secret or keys is required.');
  if (options.refreshSecret !== undefined) checkSecret(options.refreshSecret, 'refreshSecret');
  if (hasSecret) return checkSecret(options.secret, 'secret');
  if (!Array.isArray(options.keys) || options.keys.length === 0) fail(`option keys must be a non-empty array of ${KEY_SHAPE}.`);
  const seen = new Set();
  options.keys.forEach((key, i) => {
    if (!key || typeof key !== 'object' || Array.isArray(key)) fail(`option keys[${i}] must be an object ${KEY_SHAPE}.`);
    if (typeof key.kid !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(key.kid)) {
      fail(`option keys[${i}].kid must be 1 to 64 characters of A-Z a-z 0-9 . _ -.`);
    }
    if (seen.has(key.kid)) fail(`option keys[${i}].kid '${key.kid}' is used twice.`);
    seen.add(key.kid);
    const material = ['secret', 'privateKey', 'publicKey'].filter(name => key[name] !== undefined);
    if (material.length !== 1) fail(`option keys[${i}] must have exactly one of secret, privateKey or publicKey.`);
    if (key.secret !== undefined) checkSecret(key.secret, `keys[${i}].secret`);
  });
}

function checkIntrospectionClients(clients) {
  if (clients === undefined) return;
  if (!Array.isArray(clients)) fail('option introspectionClients must be an array of { id, secret }.');
  const seen = new Set();
  clients.forEach((client, i) => {
    if (!client || typeof client !== 'object') fail(`option introspectionClients[${i}] must be an object { id, secret }.`);
    if (typeof client.id !== 'string' || !/^[\x21-\x7e]{1,128}$/.test(client.id) || client.id.includes(':')) {
      fail(`option introspectionClients[${i}].id must be 1 to 128 printable ASCII characters without ':' or spaces.`);
    }
    if (seen.has(client.id)) fail(`option introspectionClients[${i}].id '${client.id}' is used twice.`);
    seen.add(client.id);
    if (typeof client.secret !== 'string' || Buffer.byteLength(client.secret, 'utf8') < 32) {
      fail(`option introspectionClients[${i}].secret must be a string of at least 32 bytes.`);
    }
  });
}

function isOrigin(value) {
  if (typeof value !== 'string') return false;
  try {
    return new URL(value).origin === value;
  } catch {
    return false;
  }
}

/** Returns the normalised options, or throws an Error naming the first bad option. */
function validateOptions(input) {
  if (!input || typeof input !== 'object' || Array.isArray(input)) fail('options must be an object.');
  const known = new Set([...Object.keys(DEFAULTS), 'secret', 'keys', 'kid', 'refreshSecret', ...Object.keys(RENAMED)]);
  for (const name of Object.keys(input)) {
    if (!known.has(name)) fail(`unknown option ${name}.`);
  }
  const options = { ...DEFAULTS, ...input, hooks: { ...(input.hooks || {}) } };
  for (const [old, name] of Object.entries(RENAMED)) {
    if (input[old] === undefined) continue;
    if (input[name] !== undefined) fail(`options ${old} and ${name} are the same option: give only ${name}.`);
    options[name] = input[old];
    delete options[old];
  }
  checkKeys(options);
  checkInteger(options, 'accessTokenTTL', { min: 1, max: 24 * 3600 });
  checkInteger(options, 'refreshTokenTTL', { min: 1, optional: true });
  checkInteger(options, 'idleTimeout', { min: 0 });
  checkInteger(options, 'reuseInterval', { min: 0, max: 300 });
  checkInteger(options, 'leeway', { min: 0, max: 300 });
  for (const name of ['issuer', 'audience']) {
    if (options[name] !== undefined && (typeof options[name] !== 'string' || options[name] === '')) {
      fail(`option ${name} must be a non-empty string.`);
    }
  }
  checkEnum(options, 'browserRefresh', ['none', 'cookie', 'body']);
  checkEnum(options, 'legacySessionTokens', ['allow', 'deny']);
  checkEnum(options, 'authDataLinking', ['allow', 'deny']);
  checkEnum(options, 'cookieSameSite', ['Strict', 'Lax', 'None']);
  if (typeof options.cookieName !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(options.cookieName)) {
    fail('option cookieName must be 1 to 64 characters of A-Z a-z 0-9 _ -.');
  }
  if (options.allowedOrigins !== undefined) {
    const origins = options.allowedOrigins;
    if (!Array.isArray(origins) || origins.length === 0 || !origins.every(isOrigin)) {
      fail("option allowedOrigins must be a non-empty array of origins such as 'https://app.example.com' ('*' is not accepted).");
    }
  }
  checkInteger(options, 'maxBodyBytes', { min: 256, max: 1024 * 1024 });
  checkInteger(options, 'endpointTimeout', { min: 1, max: 300 });
  checkInteger(options, 'jwksMaxAge', { min: 0, max: 7 * 86400 });
  checkIntrospectionClients(options.introspectionClients);
  if (typeof input.hooks !== 'undefined' && (typeof input.hooks !== 'object' || input.hooks === null)) {
    fail('option hooks must be an object.');
  }
  for (const name of Object.keys(options.hooks)) {
    if (!HOOKS.includes(name)) fail(`unknown hook hooks.${name} (known: ${HOOKS.join(', ')}).`);
    if (typeof options.hooks[name] !== 'function') fail(`option hooks.${name} must be a function.`);
  }
  return Object.freeze(options);
}

module.exports = { validateOptions, DEFAULTS, PREFIX };
