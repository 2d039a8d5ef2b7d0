// parse-server-refresh-token: the token core (HS256, ES256, EdDSA or RS256 access tokens, rotating
// refresh tokens, in-process revocation). Every error is an `Error` whose `code` is one of `ErrorCode`.

/// <reference types="node" />

/** Stable values of `err.code`. */
export type ErrorCode =
  | 'TOKEN_MALFORMED' // not a compact JWS we can read: segments, base64url, JSON, missing exp/sub/sid, crit, > 8192 bytes
  | 'TOKEN_ALGORITHM_REJECTED' // header alg is not the alg of the key its kid names (none, HS512, HS256 under an ES256 kid, ...)
  | 'TOKEN_TYPE_REJECTED' // header typ is missing or not at+jwt
  | 'TOKEN_KEY_UNKNOWN' // header kid missing or not in the key ring
  | 'TOKEN_SIGNATURE_INVALID' // signature does not match
  | 'TOKEN_ISSUER_REJECTED' // iss is not ours
  | 'TOKEN_AUDIENCE_REJECTED' // aud (string or array) does not contain ours
  | 'TOKEN_EXPIRED' // now >= exp + leeway
  | 'TOKEN_NOT_YET_VALID' // now + leeway < nbf
  | 'TOKEN_REVOKED' // the session (sid) is on the revocation list
  | 'CLAIM_RESERVED' // a custom claim uses iss, aud, client_id, sub, sid, iat, exp, jti or nbf
  | 'CLAIM_INVALID' // sub/sid missing or empty, claims not JSON-serialisable, token would exceed 8192 bytes
  | 'REFRESH_TOKEN_MALFORMED' // not a refresh token of ours (inspectRefreshToken)
  | 'INVALID_OPTION' // a wrong option; the message names it
  | 'INVALID_ARGUMENT' // a wrong argument (sid too long, bad seed, generation out of range, ...)
  | 'NOT_CONFIGURED'; // a module-level function was called before configure()

export interface CodedError extends Error {
  code: ErrorCode;
}

export declare const errorCodes: Readonly<{ [K in ErrorCode]: K }>;

/** A signing algorithm. ES256 is the recommended default for new set-ups; RS256 verifies only. */
export type Algorithm = 'HS256' | 'ES256' | 'EdDSA' | 'RS256';

/**
 * Where a key is in its rotation: `standby` (published, verifies, does not sign yet), `current`
 * (signs; exactly one), `retired` (verifies until its last token expires, still published).
 */
export type KeyStatus = 'standby' | 'current' | 'retired';

/** A PEM text, a JWK (object or JSON text), the same as bytes, or a node:crypto KeyObject. */
export type KeyText = string | Buffer | Uint8Array | JsonWebKey | import('crypto').KeyObject;

/** A JSON Web Key (RFC 7517). */
export interface JsonWebKey {
  kty: string;
  kid?: string;
  alg?: string;
  use?: string;
  crv?: string;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
  d?: string;
  [member: string]: unknown;
}

export interface KeyOptions {
  /** Key id, 1 to 256 bytes, unique in the ring; goes into every token header and the JWK Set. */
  kid: string;
  /** Default HS256 when `secret` is given; required otherwise. */
  alg?: Algorithm;
  /**
   * Give every key a status, or none: without statuses the first key is current and the others
   * retired.
   */
  status?: KeyStatus;
  /** HS256 secret, at least 32 bytes (a string counts its UTF-8 bytes). HS256 keys only. */
  secret?: string | Buffer | Uint8Array;
  /**
   * ES256 (P-256) or EdDSA (Ed25519) private key: PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`) or a
   * private JWK. Never with RS256, which verifies only. A copy made for the addon is wiped after use.
   */
  privateKey?: KeyText;
  /**
   * ES256, EdDSA or RS256 (2048 bits or more) public key: SPKI PEM (`-----BEGIN PUBLIC KEY-----`;
   * for RSA also `RSA PUBLIC KEY`) or a public JWK. Verifies only, so never the current key.
   */
  publicKey?: KeyText;
}

export interface IssuerOptions {
  /** A single HS256 secret, at least 32 bytes. Exactly one of `secret` and `keys`. */
  secret?: string | Buffer | Uint8Array;
  /** kid of `secret`; default "default". Ignored with `keys`. */
  kid?: string;
  /** A key ring: exactly one key signs (the current one), every key verifies (key rotation). */
  keys?: KeyOptions[];
  /**
   * Key of the refresh-token MACs, at least 32 bytes. Required when the current key is not HS256;
   * without it the key is derived from the current HS256 secret (as before this option existed).
   * Adding it keeps refresh tokens made under a derived key valid.
   */
  refreshSecret?: string | Buffer | Uint8Array;
  /** Required; every token's `iss`, checked exactly on verify. */
  issuer: string;
  /** Required; every token's `aud` (the Parse appId); on verify `aud` must be it or an array containing it. */
  audience: string;
  /** When set, every access token's `client_id` (RFC 9068), e.g. the Parse appId. Not checked on verify. */
  clientId?: string;
  /** Access-token lifetime in seconds, integer 1..31536000. Default 1800. */
  accessTokenTTL?: number;
  /** Clock-skew allowance for exp/nbf in seconds, integer 0..300. Default 5. */
  leeway?: number;
  /** Maximum entries of the revocation list, integer 1..10000000. Default 100000. */
  revocationCapacity?: number;
}

/** A published key: the public parameters of an ES256, EdDSA or RS256 key, with `kid`, `alg` and `use: 'sig'`. */
export interface PublicJsonWebKey extends JsonWebKey {
  kid: string;
  alg: Exclude<Algorithm, 'HS256'>;
  use: 'sig';
}

/** A JWK Set (RFC 7517 section 5). */
export interface JsonWebKeySet {
  keys: PublicJsonWebKey[];
}

/** Claims for a new access token: `sub` (user objectId), `sid` (_Session objectId), plus custom claims. */
export interface NewClaims {
  sub: string;
  sid: string;
  [custom: string]: unknown;
}

export interface AccessToken {
  /** The JWT: header {"alg":<the current key's alg>,"typ":"at+jwt","kid":...}. */
  accessToken: string;
  /** Seconds until expiry (RFC 6749 expires_in). */
  expiresIn: number;
  /** Expiry, epoch seconds (the exp claim). */
  expiresAt: number;
  /** The token's unique id: 128 random bits, base64url. */
  jti: string;
}

/** The verified claims. */
export interface AccessTokenClaims {
  iss: string;
  aud: string | string[];
  /** Present when the issuer has `clientId`. */
  client_id?: string;
  sub: string;
  sid: string;
  iat?: number;
  exp: number;
  jti?: string;
  nbf?: number;
  [custom: string]: unknown;
}

/** A refresh token and what the server stores for it. */
export interface RefreshToken {
  /** Give to the client (base64url). Never store it. */
  token: string;
  /** base64url SHA-256 of token (43 characters): store it, look up by it. */
  hash: string;
  /** Rotation counter of the chain. */
  generation: number;
}

export interface NewRefreshToken extends RefreshToken {
  /** The chain's random 256-bit seed (base64url, 43 characters): store it with the session. */
  seed: string;
  generation: 0;
}

/** Where a chain stands, as stored server-side. */
export interface RefreshChain {
  sid: string;
  seed: string;
  generation: number;
}

export interface RefreshTokenInfo {
  sid: string;
  generation: number;
}

/** One key ring and policy. Several may live in one process; each has its own revocation list. */
export declare class TokenIssuer {
  /** @throws {CodedError} INVALID_OPTION, with a message naming the option. */
  constructor(options: IssuerOptions);

  /**
   * Signs an access token. Custom claims may not use a reserved name.
   * @throws {CodedError} CLAIM_INVALID, CLAIM_RESERVED
   */
  createJWT(claims: NewClaims): AccessToken;

  /**
   * Verifies an access token and returns its claims. Checks, in order: shape, header (alg known,
   * typ at+jwt, kid in the ring, alg that key's), signature, iss, aud, exp/nbf (with leeway), revocation.
   * Every call verifies fully and returns a new, unshared object (nothing is cached).
   * @throws {CodedError} TOKEN_*
   */
  verifyAccessToken(token: string): AccessTokenClaims;

  /** Starts a chain for a session (sid 1..64 bytes): generation 0, a fresh seed. @throws INVALID_ARGUMENT */
  createRefreshToken(sid: string): NewRefreshToken;

  /** The chain's token of `generation` again (deterministic, under the signing key). @throws INVALID_ARGUMENT */
  deriveRefreshToken(chain: RefreshChain): RefreshToken;

  /** The successor of `chain.generation`: generation + 1. @throws INVALID_ARGUMENT */
  rotateRefreshToken(chain: RefreshChain): RefreshToken;

  /** Reads sid and generation from a token (not authenticated: follow with verifyRefreshToken). @throws REFRESH_TOKEN_MALFORMED */
  inspectRefreshToken(token: string): RefreshTokenInfo;

  /** True iff the token is genuine for this seed (its own sid and generation) under any ring key. Constant time. @throws INVALID_ARGUMENT for a bad seed */
  verifyRefreshToken(token: string, seed: string): boolean;

  /** base64url SHA-256 of the token, 43 characters. */
  hashRefreshToken(token: string): string;

  /** Constant-time comparison of the token's hash with a stored hash. */
  refreshTokenMatches(token: string, hash: string): boolean;

  /** Rejects the session's access tokens (TOKEN_REVOKED) until `untilEpochSeconds`; the entry then drops itself. */
  revoke(sid: string, untilEpochSeconds: number): void;

  isRevoked(sid: string): boolean;

  /**
   * The public keys, for a JWKS endpoint: every ES256, EdDSA and RS256 key whatever its status
   * (standby keys so that verifiers have them before they sign, retired ones while their tokens
   * live). HS256 keys are never included. A new object on each call.
   */
  jwks(): JsonWebKeySet;
}

/**
 * Sets, or replaces (key rotation), the process-wide default issuer used by the functions below.
 * The process-wide revocation list survives a replacement. Returns the new default issuer.
 * @throws {CodedError} INVALID_OPTION
 */
export declare function configure(options: IssuerOptions): TokenIssuer;

// The default issuer's methods. Each throws NOT_CONFIGURED before configure().
export declare function createJWT(claims: NewClaims): AccessToken;
export declare function verifyAccessToken(token: string): AccessTokenClaims;
export declare function createRefreshToken(sid: string): NewRefreshToken;
export declare function deriveRefreshToken(chain: RefreshChain): RefreshToken;
export declare function rotateRefreshToken(chain: RefreshChain): RefreshToken;
export declare function inspectRefreshToken(token: string): RefreshTokenInfo;
export declare function verifyRefreshToken(token: string, seed: string): boolean;
export declare function hashRefreshToken(token: string): string;
export declare function refreshTokenMatches(token: string, hash: string): boolean;
export declare function revoke(sid: string, untilEpochSeconds: number): void;
export declare function isRevoked(sid: string): boolean;
export declare function jwks(): JsonWebKeySet;

/**
 * What the token core runs on: `'native'` (the platform's prebuilt binary, or a source build), or
 * `'wasm32-wasi'`, the WebAssembly fallback loaded where no native binary does (same behaviour, slower).
 */
export declare const bindingTarget: 'native' | 'wasm32-wasi';

// ---- The Parse Server plugin (lib/). See README.md for the commented set-up.

export interface RefreshTokenHookRequest {
  /** Express's req.ip: behind a proxy, configure Express's `trust proxy`. */
  ip?: string;
  installationId?: string;
}

export interface PluginHooks {
  /** Custom claims for every access token of a session; may not set iss, aud, sub, sid, iat, exp, jti, nbf. */
  claims?: (session: { userId: string; sessionId: string; installationId?: string }) => object | undefined | Promise<object | undefined>;
  onRefresh?: (event: { userId: string; sessionId: string; generation: number } & RefreshTokenHookRequest) => unknown;
  /** reason: 'logout' | 'revoke' | 'reuse' | 'expired' | 'idle' | 'password-change' | 'replaced' | 'admin' */
  onRevoke?: (event: { userId: string; sessionId: string; reason: string } & RefreshTokenHookRequest) => unknown;
  onReuseDetected?: (event: { userId: string; sessionId: string; generation: number } & RefreshTokenHookRequest) => unknown;
}

export interface PluginOptions {
  /** HS256 secret, at least 32 bytes. Exactly one of `secret` and `keys`. */
  secret?: string | Buffer;
  /** kid of `secret` (default "default"). */
  kid?: string;
  /**
   * A key ring (ES256, EdDSA, HS256; RS256 verifies only): exactly one `current` key signs, every key
   * verifies, asymmetric keys are published at `<mount>/.well-known/jwks.json`. Without statuses the
   * first key signs and the others verify. Kids are 1 to 64 characters of A-Z a-z 0-9 . _ -.
   */
  keys?: KeyOptions[];
  /** Key of the refresh-token MACs, at least 32 bytes; required when the current key is not HS256. */
  refreshSecret?: string | Buffer;
  /** Seconds (default 1800). */
  accessTokenTTL?: number;
  /** Absolute lifetime of a login in seconds; rotation never extends it (default: Parse's sessionLength). */
  refreshTokenTTL?: number;
  /** Seconds without a refresh after which the session ends (default 0: off). */
  idleTimeout?: number;
  /** Grace window for the immediate predecessor, seconds (default 10; 0: off). */
  reuseInterval?: number;
  /** Clock skew accepted on exp/nbf, seconds (default 5). */
  leeway?: number;
  /** `iss` (default publicServerURL, else serverURL). */
  issuer?: string;
  /** `aud` (default the appId). */
  audience?: string;
  /**
   * Refresh-token delivery to browsers, recognised by the `Origin` and `Sec-Fetch-Site` headers they set
   * (default 'none'); native apps and servers always get it in the body.
   */
  browserRefresh?: 'none' | 'cookie' | 'body';
  /** @deprecated The earlier name of `browserRefresh`. */
  javascriptKeyRefresh?: 'none' | 'cookie' | 'body';
  /** Whether raw `r:` session tokens are still accepted (default 'allow'). */
  legacySessionTokens?: 'allow' | 'deny';
  /** Whether a request authenticated by an access token may link a login provider (default 'allow'). */
  authDataLinking?: 'allow' | 'deny';
  /** Name of the refresh cookie (default 'parse_refresh_token'). */
  cookieName?: string;
  /** SameSite of the refresh cookie (default 'Strict'). */
  cookieSameSite?: 'Strict' | 'Lax' | 'None';
  /**
   * Browser origins whose pages may use the refresh cookie (cookie mode); requests from other origins
   * are refused with 403 and get no cookie. Default: Parse Server's `allowOrigin` when it names
   * origins, else the origin of `publicServerURL` (or `serverURL`).
   */
  allowedOrigins?: string[];
  /** Largest refresh/revoke body, bytes (default 16384). */
  maxBodyBytes?: number;
  /** Seconds a refresh or revoke may wait for its body, and then on the database, before it answers 408 or 503 (default 10). */
  endpointTimeout?: number;
  /** Resource servers that may call `POST <mount>/oauth/introspect` with HTTP Basic; secrets of at least 32 bytes. */
  introspectionClients?: Array<{ id: string; secret: string }>;
  /** Seconds clients may cache the JWKS and the OAuth metadata (`Cache-Control: public, max-age`; default 300). */
  jwksMaxAge?: number;
  hooks?: PluginHooks;
}

/** What a login answers with (also `issueTokens`). `refreshToken` is absent where the client may not hold it. */
export interface TokenPair {
  sessionToken: string;
  accessToken: string;
  refreshToken?: string;
  expires_in: number;
  token_type: 'Bearer';
}


export interface RefreshTokensPlugin {
  readonly options: Readonly<PluginOptions>;
  /** Parse Server options with the plugin's needs added; binds the plugin to that app. Call before `new ParseServer`. */
  parseServerOptions<T extends { appId: string }>(parseOptions: T): T;
  /** Creates a session for `user` (a Parse.User or objectId) and returns its pair (custom login flows). */
  issueTokens(user: string | { id: string }, options?: { installationId?: string }): Promise<TokenPair>;
  /** Ends the user's sessions, except one; resolves to how many ended. */
  revokeSessions(user: string | { id: string }, options?: { exceptSessionId?: string; exceptSessionToken?: string; reason?: string }): Promise<number>;
  verifyAccessToken(token: string): AccessTokenClaims;
  /**
   * The RFC 8414 metadata handler for the host root, at `handler.path` (the path-inserted URL strict
   * clients derive from an issuer with a path): `const h = tokens.oauthMetadataHandler(); app.get(h.path, h);`.
   * Call it after parseServerOptions().
   */
  oauthMetadataHandler(): ((req: unknown, res: unknown) => void) & { readonly path: string };
  readonly issuer: TokenIssuer;
}

/** Creates the plugin for one Parse Server app. A wrong option throws an Error that names it. */
export declare function refreshTokens(options: PluginOptions): RefreshTokensPlugin;

/** The private `_Session` fields the plugin owns. */
export declare const PRIVATE_SESSION_FIELDS: readonly string[];
export declare const DEFAULT_OPTIONS: Readonly<PluginOptions>;

/**
 * Makes the Parse JS SDK's `Parse.User.logOut()` call /logout for access tokens too (the SDK only does
 * for tokens containing 'r:'). Also loadable alone, with no native code: require('parse-server-refresh-token/client').
 */
export declare function installParseLogout<T>(Parse: T): T;
