'use strict';
// parse-server-refresh-token: the token core. Hand-written on top of the generated napi loader
// (binding.js): JavaScript-side type checks and conversions, one native call per operation.
// Every error thrown here or by the addon is an Error with a stable `code` (see index.d.ts).

const { KeyObject } = require('crypto');

const NAME = 'parse-server-refresh-token';
const native = loadNativeBinding();

/**
 * The generated loader tries this checkout's own build, then the platform's package, then the
 * WebAssembly fallback (its own build, then its package). When nothing loads, say which platform it
 * was, what was tried, and what to install or build.
 */
function loadNativeBinding() {
  try {
    return require('./binding.js');
  } catch (error) {
    const report = process.platform === 'linux' && process.report && process.report.getReport ? process.report.getReport() : null;
    const libc = report ? (report.header && report.header.glibcVersionRuntime ? '-gnu' : '-musl') : '';
    // The loader's own message blames an npm bug; what it tried is its chain of causes, one per attempt.
    const tried = [];
    for (let cause = error.cause || error; cause && tried.length < 20; cause = cause.cause) tried.unshift(String(cause.message || cause).split('\n')[0]);
    const failure = new Error(
      `${NAME}: neither a native binding nor the WebAssembly fallback loads on ${process.platform}-${process.arch}${libc} ` +
        `(Node.js ${process.versions.node}). Tried: ${tried.join(' | ')}. ` +
        `Reinstall without --no-optional / --omit=optional so that npm installs the package for this platform, ` +
        `or install the fallback: \`npm install ${NAME}-wasm32-wasi\`. To build it from source: install Rust 1.88 ` +
        `or later (https://rustup.rs), then run \`npm run build\` in a checkout of ${NAME}.`
    );
    failure.code = 'NATIVE_BINDING_UNAVAILABLE';
    failure.cause = error;
    throw failure;
  }
}

/** What the token core runs on: 'native', or 'wasm32-wasi' for the (slower) WebAssembly fallback. */
const bindingTarget = native.__napiBindingTarget === 'wasm32-wasi' ? 'wasm32-wasi' : 'native';
if (bindingTarget === 'wasm32-wasi' && !process.env.NAPI_RS_FORCE_WASI) {
  process.emitWarning(`${NAME}: no native binary for ${process.platform}-${process.arch}; running on the WebAssembly fallback (slower).`, {
    code: 'PSRT_WASM_FALLBACK',
  });
}
const BENCHMARK_FLOORS = Symbol.for('parse-server-refresh-token.benchmarkFloors');
const MAX_GENERATION = 0xffffffff;
const JTI_LENGTH = 22; // 128 bits, base64url

/** Stable `err.code` values. */
const errorCodes = Object.freeze({
  TOKEN_MALFORMED: 'TOKEN_MALFORMED',
  TOKEN_ALGORITHM_REJECTED: 'TOKEN_ALGORITHM_REJECTED',
  TOKEN_TYPE_REJECTED: 'TOKEN_TYPE_REJECTED',
  TOKEN_KEY_UNKNOWN: 'TOKEN_KEY_UNKNOWN',
  TOKEN_SIGNATURE_INVALID: 'TOKEN_SIGNATURE_INVALID',
  TOKEN_ISSUER_REJECTED: 'TOKEN_ISSUER_REJECTED',
  TOKEN_AUDIENCE_REJECTED: 'TOKEN_AUDIENCE_REJECTED',
  TOKEN_EXPIRED: 'TOKEN_EXPIRED',
  TOKEN_NOT_YET_VALID: 'TOKEN_NOT_YET_VALID',
  TOKEN_REVOKED: 'TOKEN_REVOKED',
  CLAIM_RESERVED: 'CLAIM_RESERVED',
  CLAIM_INVALID: 'CLAIM_INVALID',
  REFRESH_TOKEN_MALFORMED: 'REFRESH_TOKEN_MALFORMED',
  INVALID_OPTION: 'INVALID_OPTION',
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  NOT_CONFIGURED: 'NOT_CONFIGURED',
});

function codedError(code, message) {
  const error = new Error(message);
  error.code = code;
  return error;
}

const optionError = (name, problem) => codedError('INVALID_OPTION', `${NAME} option ${name} ${problem}`);
const argumentError = (name, problem) => codedError('INVALID_ARGUMENT', `${NAME}: ${name} ${problem}`);

// ---- options: JavaScript types are checked here; values, ranges and defaults in Rust (options.rs),
// which names the option in its message. A wrong-typed number or string is handed over as NaN or ''
// so that Rust reports it with the same message as an out-of-range value.

function secretBuffer(name, value) {
  if (typeof value === 'string') return { buffer: Buffer.from(value, 'utf8'), copied: true };
  if (Buffer.isBuffer(value)) return { buffer: value, copied: false };
  if (value instanceof Uint8Array) return { buffer: Buffer.from(value.buffer, value.byteOffset, value.byteLength), copied: false };
  throw optionError(name, 'must be a string or a Buffer of at least 32 bytes');
}

/**
 * A PEM or JWK as bytes for the addon: a JWK object, or a node:crypto KeyObject as its JWK, is
 * serialised (and the copy wiped after).
 */
function keyBuffer(name, value) {
  if (value instanceof KeyObject) value = value.export({ format: 'jwk' });
  if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) {
    return { buffer: Buffer.from(JSON.stringify(value), 'utf8'), copied: true };
  }
  if (typeof value === 'string' || value instanceof Uint8Array) return secretBuffer(name, value);
  throw optionError(name, 'must be a PEM string, a JWK (object or JSON string), a KeyObject or a Buffer');
}

const asNumber = value => (value == null ? undefined : typeof value === 'number' ? value : Number.NaN);
const asString = value => (value == null ? undefined : typeof value === 'string' ? value : '');

const KEY_SHAPE = '{ kid, alg, status, secret | privateKey | publicKey }';

function nativeOptions(options, shared) {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw codedError('INVALID_OPTION', `${NAME} options must be an object`);
  }
  const copies = [];
  const take = ({ buffer, copied }) => {
    if (copied) copies.push(buffer);
    return buffer;
  };
  const result = {
    issuer: asString(options.issuer),
    audience: asString(options.audience),
    clientId: asString(options.clientId),
    accessTokenTTL: asNumber(options.accessTokenTTL),
    leeway: asNumber(options.leeway),
    revocationCapacity: asNumber(options.revocationCapacity),
    sharedRevocationList: shared,
  };
  if (options.secret != null) result.secret = take(secretBuffer('secret', options.secret));
  if (options.refreshSecret != null) result.refreshSecret = take(secretBuffer('refreshSecret', options.refreshSecret));
  if (options.kid != null) result.kid = asString(options.kid);
  if (options.keys != null) {
    if (!Array.isArray(options.keys)) throw optionError('keys', `must be an array of ${KEY_SHAPE}`);
    result.keys = options.keys.map((key, i) => {
      if (key === null || typeof key !== 'object') throw optionError(`keys[${i}]`, `must be an object ${KEY_SHAPE}`);
      const native = { kid: typeof key.kid === 'string' ? key.kid : '', alg: asString(key.alg), status: asString(key.status) };
      if (key.secret != null) native.secret = take(secretBuffer(`keys[${i}].secret`, key.secret));
      if (key.privateKey != null) native.privateKey = take(keyBuffer(`keys[${i}].privateKey`, key.privateKey));
      if (key.publicKey != null) native.publicKey = take(keyBuffer(`keys[${i}].publicKey`, key.publicKey));
      return native;
    });
  }
  return { options: result, copies };
}

function createNative(options, shared) {
  const { options: normalized, copies } = nativeOptions(options, shared);
  try {
    return native.createIssuer(normalized);
  } finally {
    // Secrets and keys given as strings or JWK objects were copied into Buffers for the addon,
    // which keeps only parsed key state: wipe the copies rather than leave them to the garbage
    // collector. (The caller's own strings are immutable in V8 and cannot be wiped from here.)
    for (const buffer of copies) buffer.fill(0);
  }
}

// ---- arguments

function stringArgument(name, value) {
  if (typeof value !== 'string') throw argumentError(name, 'must be a string');
  return value;
}

function chainArgument(chain) {
  if (chain === null || typeof chain !== 'object') throw argumentError('the argument', 'must be { sid, seed, generation }');
  const { sid, seed, generation } = chain;
  stringArgument('sid', sid);
  stringArgument('seed', seed);
  if (!Number.isInteger(generation) || generation < 0 || generation > MAX_GENERATION) {
    throw argumentError('generation', `must be an integer from 0 to ${MAX_GENERATION}`);
  }
  return chain;
}

const hasOwn = Object.prototype.hasOwnProperty;

/** The custom claims (everything but sub and sid) as JSON text, or undefined when there are none. */
function customClaimsJSON(claims) {
  for (const name in claims) {
    if (name !== 'sub' && name !== 'sid' && hasOwn.call(claims, name)) {
      const { sub, sid, ...custom } = claims;
      try {
        return JSON.stringify(custom);
      } catch (error) {
        throw codedError('CLAIM_INVALID', `${NAME}: custom claims must be JSON-serialisable (${error.message})`);
      }
    }
  }
  return undefined;
}

// ---- verified claims: the addon returns them as one string (see verifyAccessTokenCompact in
// src/binding/issuer.rs). For our own tokens that is `iat SEP exp SEP sub SEP sid SEP jti` plus
// `SEP {custom claims JSON}` when there are custom claims (SEP is U+0001, which no field can hold:
// Rust uses this form only for strings without JSON escapes); for any other payload it is the
// payload JSON. Slicing costs a fraction of JSON.parse of the whole payload, so no cache is needed
// and every call returns a fresh object.

const SEP = '\u0001';

/** The integer written in out[from, to) (at most 15 ASCII digits: exact; no temporary string). */
function digits(out, from, to) {
  let n = 0;
  for (let i = from; i < to; i++) n = n * 10 + (out.charCodeAt(i) - 48);
  return n;
}

function claimsFrom(out, iss, aud, clientId) {
  const first = out.charCodeAt(0);
  if (first < 48 || first > 57) return JSON.parse(out); // not a digit: the payload JSON
  const a = out.indexOf(SEP);
  const b = out.indexOf(SEP, a + 1);
  const c = out.indexOf(SEP, b + 1);
  const d = out.indexOf(SEP, c + 1);
  const e = out.indexOf(SEP, d + 1);
  const sub = out.slice(b + 1, c);
  const sid = out.slice(c + 1, d);
  const iat = digits(out, 0, a);
  const exp = digits(out, a + 1, b);
  if (e === -1 && clientId === undefined) return { iss, aud, sub, sid, iat, exp, jti: out.slice(d + 1) };
  const jti = e === -1 ? out.slice(d + 1) : out.slice(d + 1, e);
  // Spread defines properties (a custom "__proto__" claim stays a plain own property). Key order
  // is the payload's: client_id, when the issuer sets one, follows aud.
  const custom = e === -1 ? undefined : JSON.parse(out.slice(e + 1));
  if (clientId === undefined) return { iss, aud, sub, sid, iat, exp, jti, ...custom };
  return { iss, aud, client_id: clientId, sub, sid, iat, exp, jti, ...custom };
}

const SHARED = Symbol('shared revocation list');

/**
 * One key ring and policy. Several may live in one process; each has its own revocation list,
 * except the default issuer of `configure`, which uses the process-wide one.
 */
class TokenIssuer {
  #native; // the addon's External handle
  #ttl;
  #iss; // the iss, aud (and client_id) claims of every token this issuer writes
  #aud;
  #clientId;

  constructor(options, internal) {
    this.#native = createNative(options, internal === SHARED);
    this.#ttl = native.accessTokenTtl(this.#native);
    const { iss, aud, clientId } = native.issuerClaims(this.#native);
    this.#iss = iss;
    this.#aud = aud;
    this.#clientId = clientId == null ? undefined : clientId;
  }

  createJWT(claims) {
    if (claims === null || typeof claims !== 'object' || Array.isArray(claims)) {
      throw codedError('CLAIM_INVALID', `${NAME}: claims must be an object with sub and sid`);
    }
    const { sub, sid } = claims;
    if (typeof sub !== 'string' || sub === '') throw codedError('CLAIM_INVALID', 'Claim sub must be a non-empty string');
    if (typeof sid !== 'string' || sid === '') throw codedError('CLAIM_INVALID', 'Claim sid must be a non-empty string');
    const now = Math.floor(Date.now() / 1000);
    // The addon returns the 22-character jti followed by the token (one string crossing).
    const jtiAndToken = native.createJWT(this.#native, sub, sid, customClaimsJSON(claims), now);
    return {
      accessToken: jtiAndToken.slice(JTI_LENGTH),
      expiresIn: this.#ttl,
      expiresAt: now + this.#ttl,
      jti: jtiAndToken.slice(0, JTI_LENGTH),
    };
  }

  verifyAccessToken(token) {
    if (typeof token !== 'string') throw codedError('TOKEN_MALFORMED', 'Token is malformed');
    // Every call verifies fully in Rust (signature, claims, clock, revocation); nothing is cached.
    return claimsFrom(native.verifyAccessTokenCompact(this.#native, token), this.#iss, this.#aud, this.#clientId);
  }

  /** The public keys as a JWK Set: every ES256, EdDSA and RS256 key, whatever its status. */
  jwks() {
    return JSON.parse(native.jwks(this.#native));
  }

  createRefreshToken(sid) {
    return native.createRefreshToken(this.#native, stringArgument('sid', sid));
  }

  deriveRefreshToken(chain) {
    const { sid, seed, generation } = chainArgument(chain);
    return native.deriveRefreshToken(this.#native, sid, seed, generation);
  }

  rotateRefreshToken(chain) {
    const { sid, seed, generation } = chainArgument(chain);
    return native.rotateRefreshToken(this.#native, sid, seed, generation);
  }

  inspectRefreshToken(token) {
    if (typeof token !== 'string') throw codedError('REFRESH_TOKEN_MALFORMED', 'Refresh token is malformed');
    return native.inspectRefreshToken(this.#native, token);
  }

  verifyRefreshToken(token, seed) {
    stringArgument('seed', seed);
    return typeof token === 'string' && native.verifyRefreshToken(this.#native, token, seed);
  }

  hashRefreshToken(token) {
    return native.hashRefreshToken(this.#native, stringArgument('token', token));
  }

  refreshTokenMatches(token, hash) {
    return typeof token === 'string' && typeof hash === 'string' && native.refreshTokenMatches(this.#native, token, hash);
  }

  revoke(sid, untilEpochSeconds) {
    stringArgument('sid', sid);
    if (typeof untilEpochSeconds !== 'number') throw argumentError('untilEpochSeconds', 'must be a number');
    native.revoke(this.#native, sid, untilEpochSeconds);
  }

  isRevoked(sid) {
    return typeof sid === 'string' && native.isRevoked(this.#native, sid);
  }

  /**
   * Benchmark floors, for benchmark/ only (outside the documented API): ns per verify or sign in a
   * Rust loop, with no napi crossing.
   */
  [BENCHMARK_FLOORS]() {
    return {
      verify: (token, iterations) => native.benchVerifyFloor(this.#native, stringArgument('token', token), iterations),
      sign: (iterations, sub, sid) => native.benchSignFloor(this.#native, sub, sid, iterations),
    };
  }
}

// ---- the process-wide default issuer

let defaultIssuer = null;

/**
 * Sets (or replaces, e.g. for key rotation) the default issuer. The revocation list survives a
 * replacement. Returns the new default issuer.
 */
function configure(options) {
  defaultIssuer = new TokenIssuer(options, SHARED);
  return defaultIssuer;
}

function current() {
  if (defaultIssuer === null) throw codedError('NOT_CONFIGURED', `${NAME}: call configure(options) first`);
  return defaultIssuer;
}

const core = {
  TokenIssuer,
  bindingTarget,
  configure,
  errorCodes,
  createJWT: claims => current().createJWT(claims),
  verifyAccessToken: token => current().verifyAccessToken(token),
  createRefreshToken: sid => current().createRefreshToken(sid),
  deriveRefreshToken: chain => current().deriveRefreshToken(chain),
  rotateRefreshToken: chain => current().rotateRefreshToken(chain),
  inspectRefreshToken: token => current().inspectRefreshToken(token),
  verifyRefreshToken: (token, seed) => current().verifyRefreshToken(token, seed),
  hashRefreshToken: token => current().hashRefreshToken(token),
  refreshTokenMatches: (token, hash) => current().refreshTokenMatches(token, hash),
  revoke: (sid, untilEpochSeconds) => current().revoke(sid, untilEpochSeconds),
  isRevoked: sid => current().isRevoked(sid),
  jwks: () => current().jwks(),
};

module.exports = { ...core, ...require('./lib') };
