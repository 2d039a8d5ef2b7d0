'use strict';
// Signing keys: ES256, EdDSA and RS256 beside HS256, key statuses, the JWK Set, refreshSecret and
// clientId, checked against `jose` as an independent verifier and signer. Key pairs are new each run.
const crypto = require('crypto');
const { TokenIssuer } = require('..');
const { craft, decodeSegment, joseKeysBatch, thrown, nowSeconds } = require('./core-helpers');

const ISSUER = 'https://api.example.com/parse';
const AUDIENCE = 'myAppId';
const REFRESH_SECRET = 'refresh-secret-0123456789abcdefghijkl';
const HS_SECRET = 'hs256-secret-0123456789abcdefghijklmno';

const pair = (type, options) => crypto.generateKeyPairSync(type, options);
const pem = {
  private: key => key.privateKey.export({ type: 'pkcs8', format: 'pem' }),
  public: key => key.publicKey.export({ type: 'spki', format: 'pem' }),
};
const jwk = {
  private: key => key.privateKey.export({ format: 'jwk' }),
  public: key => key.publicKey.export({ format: 'jwk' }),
};
const es256 = pair('ec', { namedCurve: 'P-256' });
const eddsa = pair('ed25519');
const rsa = pair('rsa', { modulusLength: 2048 });
const p384 = pair('ec', { namedCurve: 'P-384' });
const es256Other = pair('ec', { namedCurve: 'P-256' });

const base = { issuer: ISSUER, audience: AUDIENCE, refreshSecret: REFRESH_SECRET };

/** A ring whose current key is `current`, with the other algorithms beside it as verify-only keys. */
function ring(current) {
  const keys = [
    { kid: 'es', alg: 'ES256', privateKey: pem.private(es256), status: 'retired' },
    { kid: 'ed', alg: 'EdDSA', privateKey: jwk.private(eddsa), status: 'standby' },
    { kid: 'rs', alg: 'RS256', publicKey: pem.public(rsa), status: 'retired' },
    { kid: 'hs', alg: 'HS256', secret: HS_SECRET, status: 'retired' },
  ];
  return keys.map(key => (key.kid === current ? { ...key, status: 'current' } : key));
}

const issuers = { ES256: new TokenIssuer({ ...base, keys: ring('es') }), EdDSA: new TokenIssuer({ ...base, keys: ring('ed') }) };

function claims(extra = {}) {
  const now = nowSeconds();
  return { iss: ISSUER, aud: AUDIENCE, sub: 'user2', sid: 'sess2', iat: now, exp: now + 120, jti: 'j1', ...extra };
}

test('jwks() publishes every asymmetric key, public parameters only, and never an HS256 secret', () => {
  const { keys } = issuers.ES256.jwks();
  expect(keys.map(k => [k.kid, k.alg, k.use, k.kty])).toEqual([
    ['es', 'ES256', 'sig', 'EC'],
    ['ed', 'EdDSA', 'sig', 'OKP'],
    ['rs', 'RS256', 'sig', 'RSA'],
  ]);
  expect(keys[0]).toEqual({ kid: 'es', alg: 'ES256', use: 'sig', ...jwk.public(es256) });
  expect(keys[1]).toEqual({ kid: 'ed', alg: 'EdDSA', use: 'sig', ...jwk.public(eddsa) });
  expect(keys[2]).toEqual({ kid: 'rs', alg: 'RS256', use: 'sig', ...jwk.public(rsa) });
  const text = JSON.stringify(keys);
  expect(text).not.toContain(jwk.private(es256).d);
  expect(text).not.toContain(jwk.private(eddsa).d);
  expect(text).not.toContain(Buffer.from(HS_SECRET).toString('base64url'));
  expect(issuers.ES256.jwks()).not.toBe(issuers.ES256.jwks()); // a fresh object each call
  expect(new TokenIssuer({ secret: HS_SECRET, issuer: ISSUER, audience: AUDIENCE }).jwks()).toEqual({ keys: [] });
});

test('our ES256 and EdDSA tokens verify with jose through our JWK Set; jose-signed ES256, EdDSA and RS256 tokens verify with ours', () => {
  const ours = Object.entries(issuers).map(([alg, issuer]) => [alg, issuer, issuer.createJWT({ sub: 'user1', sid: 'sess1', role: 'admin' })]);
  const theirs = [
    ['ES256', 'es', jwk.private(es256)],
    ['EdDSA', 'ed', jwk.private(eddsa)],
    ['RS256', 'rs', jwk.private(rsa)],
  ];
  const results = joseKeysBatch([
    ...ours.map(([, issuer, t]) => ({ op: 'verify', token: t.accessToken, jwks: issuer.jwks(), issuer: ISSUER, audience: AUDIENCE })),
    ...theirs.map(([alg, kid, privateJwk]) => ({ op: 'sign', jwk: privateJwk, header: { alg, typ: 'at+jwt', kid }, payload: claims({ jti: alg }) })),
    // Under another key pair of the same kid, jose's signature does not hold.
    { op: 'sign', jwk: jwk.private(es256Other), header: { alg: 'ES256', typ: 'at+jwt', kid: 'es' }, payload: claims() },
  ]);
  ours.forEach(([alg, issuer, t], i) => {
    expect(results[i]).toMatchObject({ ok: true, protectedHeader: { alg, typ: 'at+jwt', kid: alg === 'ES256' ? 'es' : 'ed' } });
    expect(results[i].payload).toEqual(issuer.verifyAccessToken(t.accessToken));
    expect(results[i].payload).toMatchObject({ sub: 'user1', sid: 'sess1', role: 'admin', jti: t.jti, exp: t.expiresAt });
  });
  theirs.forEach(([alg], i) => {
    const { ok, token } = results[ours.length + i];
    expect(ok).toBe(true);
    for (const issuer of Object.values(issuers)) expect(issuer.verifyAccessToken(token)).toEqual(claims({ jti: alg, iat: decodeSegment(token, 1).iat, exp: decodeSegment(token, 1).exp }));
  });
  const forged = results[ours.length + theirs.length];
  expect(thrown(() => issuers.EdDSA.verifyAccessToken(forged.token)).code).toBe('TOKEN_SIGNATURE_INVALID');
});

test('ES256 signatures from OpenSSL verify whatever their s (ECDSA signatures are not unique; half have a high s)', () => {
  const header = Buffer.from(JSON.stringify({ alg: 'ES256', typ: 'at+jwt', kid: 'es' })).toString('base64url');
  for (let i = 0; i < 40; i++) {
    const input = `${header}.${Buffer.from(JSON.stringify(claims({ jti: `n${i}` }))).toString('base64url')}`;
    const signature = crypto.sign('sha256', Buffer.from(input), { key: es256.privateKey, dsaEncoding: 'ieee-p1363' });
    expect(issuers.EdDSA.verifyAccessToken(`${input}.${signature.toString('base64url')}`).jti).toBe(`n${i}`);
    // The same signature DER-encoded is not a JWS signature.
    const der = crypto.sign('sha256', Buffer.from(input), es256.privateKey);
    expect(thrown(() => issuers.EdDSA.verifyAccessToken(`${input}.${der.toString('base64url')}`)).code).toBe('TOKEN_MALFORMED');
  }
});

test('the key named by kid decides the algorithm: HS256, none or another alg under an asymmetric kid is rejected', () => {
  const issuer = issuers.ES256;
  const payload = claims();
  const cases = [
    // The classic confusion: HS256 "signed" with the RS256 public key's PEM as the HMAC secret.
    craft({ alg: 'HS256', typ: 'at+jwt', kid: 'rs' }, payload, { secret: pem.public(rsa) }),
    craft({ alg: 'HS256', typ: 'at+jwt', kid: 'es' }, payload, { secret: pem.public(es256) }),
    craft({ alg: 'HS256', typ: 'at+jwt', kid: 'ed' }, payload, { secret: JSON.stringify(jwk.public(eddsa)) }),
    craft({ alg: 'none', typ: 'at+jwt', kid: 'es' }, payload),
    craft({ alg: 'RS256', typ: 'at+jwt', kid: 'es' }, payload, { rsaKey: rsa.privateKey }),
    craft({ alg: 'ES256', typ: 'at+jwt', kid: 'hs' }, payload),
    craft({ alg: 'ES384', typ: 'at+jwt', kid: 'es' }, payload),
  ];
  for (const token of cases) expect([decodeSegment(token, 0), thrown(() => issuer.verifyAccessToken(token)).code]).toEqual([decodeSegment(token, 0), 'TOKEN_ALGORITHM_REJECTED']);
  // The HS256 key of the same ring still verifies HS256 tokens, and RS256 ones only under the RS256 key.
  expect(issuer.verifyAccessToken(craft({ alg: 'HS256', typ: 'at+jwt', kid: 'hs' }, payload, { secret: HS_SECRET })).sub).toBe('user2');
  expect(issuer.verifyAccessToken(craft({ alg: 'RS256', typ: 'at+jwt', kid: 'rs' }, payload, { rsaKey: rsa.privateKey })).sub).toBe('user2');
});

test('a token verified once is remembered by its exact bytes only: claims, forgeries and removed keys are still judged', () => {
  const issuer = new TokenIssuer({ ...base, keys: ring('es') });
  const now = nowSeconds();
  const token = craft({ alg: 'RS256', typ: 'at+jwt', kid: 'rs' }, claims({ exp: now + 2 }), { rsaKey: rsa.privateKey });
  expect(issuer.verifyAccessToken(token).sub).toBe('user2');
  expect(issuer.verifyAccessToken(token).sub).toBe('user2'); // from memory
  const [header, payload, signature] = token.split('.');
  // The remembered signature over another payload, or a changed signature over the same one: checked, refused.
  const otherPayload = Buffer.from(JSON.stringify(claims({ sub: 'mallory', exp: now + 2 }))).toString('base64url');
  expect(thrown(() => issuer.verifyAccessToken(`${header}.${otherPayload}.${signature}`)).code).toBe('TOKEN_SIGNATURE_INVALID');
  const flipped = Buffer.from(signature, 'base64url');
  flipped[10] ^= 1;
  expect(thrown(() => issuer.verifyAccessToken(`${header}.${payload}.${flipped.toString('base64url')}`)).code).toBe('TOKEN_SIGNATURE_INVALID');
  // Claims are checked on every call: revocation of its session applies to a remembered token.
  issuer.revoke('sess2', now + 60);
  expect(thrown(() => issuer.verifyAccessToken(token)).code).toBe('TOKEN_REVOKED');
  // A ring without the key (the key removed) does not know the token.
  const without = new TokenIssuer({ ...base, keys: ring('es').filter(key => key.kid !== 'rs') });
  expect(thrown(() => without.verifyAccessToken(token)).code).toBe('TOKEN_KEY_UNKNOWN');
});

test('a node:crypto KeyObject is taken as its JWK', () => {
  const issuer = new TokenIssuer({ ...base, keys: [{ kid: 'ko', alg: 'EdDSA', privateKey: eddsa.privateKey, status: 'current' }, { kid: 'pk', alg: 'ES256', publicKey: es256.publicKey, status: 'retired' }] });
  expect(issuer.jwks().keys.map(k => k.kid)).toEqual(['ko', 'pk']);
  expect(issuer.jwks().keys[1]).toMatchObject(jwk.public(es256));
  expect(issuer.jwks().keys[0]).toMatchObject(jwk.public(eddsa));
  expect(issuer.verifyAccessToken(issuer.createJWT({ sub: 'u', sid: 'key-object' }).accessToken).sid).toBe('key-object');
});

test('statuses: the current key signs; standby and retired keys verify; the old { kid, secret } form still rotates', () => {
  const a = issuers.ES256;
  const promoted = issuers.EdDSA; // a peer that has promoted the standby key
  expect(decodeSegment(a.createJWT({ sub: 'u', sid: 's' }).accessToken, 0)).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: 'es' });
  expect(a.verifyAccessToken(promoted.createJWT({ sub: 'u', sid: 'from-peer' }).accessToken).sid).toBe('from-peer');
  expect(promoted.verifyAccessToken(a.createJWT({ sub: 'u', sid: 'from-retired' }).accessToken).sid).toBe('from-retired');
  const legacy = new TokenIssuer({ issuer: ISSUER, audience: AUDIENCE, keys: [{ kid: 'new', secret: HS_SECRET }, { kid: 'old', secret: `${HS_SECRET}-old` }] });
  expect(decodeSegment(legacy.createJWT({ sub: 'u', sid: 's' }).accessToken, 0).kid).toBe('new');
});

test('refresh tokens: refreshSecret signs them, beside asymmetric keys; an HS256 deployment keeps its derived key', () => {
  const r = issuers.ES256.createRefreshToken('sess-r');
  expect(issuers.EdDSA.verifyRefreshToken(r.token, r.seed)).toBe(true); // same refreshSecret
  const hsOnly = new TokenIssuer({ secret: HS_SECRET, issuer: ISSUER, audience: AUDIENCE });
  const before = hsOnly.createRefreshToken('sess-h');
  const withRefreshSecret = new TokenIssuer({ secret: HS_SECRET, issuer: ISSUER, audience: AUDIENCE, refreshSecret: REFRESH_SECRET });
  expect(withRefreshSecret.verifyRefreshToken(before.token, before.seed)).toBe(true);
  const next = withRefreshSecret.rotateRefreshToken({ sid: 'sess-h', seed: before.seed, generation: 0 });
  expect(issuers.ES256.verifyRefreshToken(next.token, before.seed)).toBe(true);
  const error = thrown(() => new TokenIssuer({ issuer: ISSUER, audience: AUDIENCE, keys: ring('es') }));
  expect(error.code).toBe('INVALID_OPTION');
  expect(error.message).toMatch(/^parse-server-refresh-token option refreshSecret is required when the current key is ES256/);
});

test('clientId: every access token carries client_id (RFC 9068), a reserved claim name', () => {
  const issuer = new TokenIssuer({ ...base, keys: ring('es'), clientId: 'web-app' });
  const t = issuer.createJWT({ sub: 'u1', sid: 's1', role: 'x' });
  expect(decodeSegment(t.accessToken, 1)).toMatchObject({ aud: AUDIENCE, client_id: 'web-app' });
  const verified = issuer.verifyAccessToken(t.accessToken);
  expect(verified).toEqual(decodeSegment(t.accessToken, 1));
  expect(Object.keys(verified)).toEqual(Object.keys(decodeSegment(t.accessToken, 1)));
  expect(Object.keys(issuer.verifyAccessToken(issuer.createJWT({ sub: 'u1', sid: 's1' }).accessToken))).toEqual(['iss', 'aud', 'client_id', 'sub', 'sid', 'iat', 'exp', 'jti']);
  expect(thrown(() => issuer.createJWT({ sub: 'u', sid: 's', client_id: 'other' })).code).toBe('CLAIM_RESERVED');
  expect(issuers.ES256.verifyAccessToken(issuers.ES256.createJWT({ sub: 'u', sid: 's' }).accessToken)).not.toHaveProperty('client_id');
  expect(thrown(() => new TokenIssuer({ ...base, keys: ring('es'), clientId: '' })).message).toBe('parse-server-refresh-token option clientId must be a non-empty string');
});

describe('a wrong key stops start-up with INVALID_OPTION naming the option, and no key material in the message', () => {
  const secrets = [pem.private(es256), pem.private(p384), pem.private(eddsa), pem.private(rsa), HS_SECRET, 'short-secret'];
  const jwkSecrets = [jwk.private(es256).d, jwk.private(eddsa).d, jwk.private(rsa).d, jwk.private(p384).d];
  const bodies = secrets.map(text => text.split('\n').filter(line => line && !line.startsWith('-----')).join(''));
  const current = { kid: 'c', alg: 'ES256', privateKey: pem.private(es256Other), status: 'current' };
  const cases = [
    ['too-short HS256 secret', [{ kid: 'h', alg: 'HS256', secret: 'short-secret', status: 'current' }], 'keys[0].secret must be at least 32 bytes'],
    ['P-384 private key for ES256', [{ kid: 'k', alg: 'ES256', privateKey: pem.private(p384), status: 'current' }], 'keys[0].privateKey is not a P-256 key, which ES256 needs'],
    ['P-384 public key for ES256', [current, { kid: 'k', alg: 'ES256', publicKey: pem.public(p384), status: 'retired' }], 'keys[1].publicKey is a P-384 key; ES256 needs P-256'],
    ['P-384 JWK for ES256', [{ kid: 'k', alg: 'ES256', privateKey: jwk.private(p384), status: 'current' }], 'keys[0].privateKey is a JWK on curve P-384; ES256 needs P-256'],
    ['public-only key as current', [{ kid: 'k', alg: 'ES256', publicKey: pem.public(es256), status: 'current' }], 'keys[0].status needs a key that signs'],
    ['public key given as privateKey', [{ kid: 'k', alg: 'EdDSA', privateKey: pem.public(eddsa), status: 'current' }], 'keys[0].privateKey is a public key'],
    ['private key given as publicKey', [current, { kid: 'k', alg: 'ES256', publicKey: pem.private(es256), status: 'retired' }], 'keys[1].publicKey is a private key'],
    ['Ed25519 key for ES256', [{ kid: 'k', alg: 'ES256', privateKey: pem.private(eddsa), status: 'current' }], 'keys[0].privateKey is not an EC P-256 private key'],
    ['EC key for EdDSA', [{ kid: 'k', alg: 'EdDSA', privateKey: jwk.private(es256), status: 'current' }], 'keys[0].privateKey is a JWK whose kty is not "OKP"'],
    ['RSA public key for ES256', [current, { kid: 'k', alg: 'ES256', publicKey: pem.public(rsa), status: 'retired' }], 'keys[1].publicKey is not an EC P-256 public key'],
    ['RS256 private key', [current, { kid: 'k', alg: 'RS256', privateKey: pem.private(rsa), status: 'retired' }], 'keys[1].privateKey is refused: RS256 keys verify only'],
    ['RS256 as current', [{ kid: 'k', alg: 'RS256', publicKey: pem.public(rsa), status: 'current' }], 'keys[0].status cannot be current for an RS256 key'],
    ['duplicate kid', [current, { kid: 'c', alg: 'EdDSA', publicKey: pem.public(eddsa), status: 'retired' }], 'keys[1].kid is used twice'],
    ['no current key', [{ ...current, status: 'retired' }], 'keys must have exactly one key with status current'],
    ['two current keys', [current, { kid: 'k', alg: 'EdDSA', privateKey: pem.private(eddsa), status: 'current' }], 'keys[1].status is current, and so is keys[0]'],
    ['unknown status', [{ ...current, status: 'revoked' }], 'keys[0].status must be one of standby, current, retired'],
    ['unknown alg', [{ ...current, alg: 'PS256' }], 'keys[0].alg must be one of HS256, ES256, EdDSA, RS256'],
    ['alg none', [{ ...current, alg: 'none' }], 'keys[0].alg must be one of'],
    ['a key that is no key', [{ ...current, privateKey: 42 }], 'keys[0].privateKey must be a PEM string, a JWK'],
    ['a secret KeyObject', [{ ...current, privateKey: crypto.createSecretKey(Buffer.alloc(32, 7)) }], 'keys[0].privateKey is a JWK whose kty is not "EC"'],
    ['garbage text', [{ ...current, privateKey: 'not a key at all' }], 'keys[0].privateKey is not an EC P-256 private key'],
  ];
  test.each(cases)('%s', (_, keys, expected) => {
    const error = thrown(() => new TokenIssuer({ ...base, keys }));
    expect(error.code).toBe('INVALID_OPTION');
    expect(error.message.startsWith(`parse-server-refresh-token option ${expected}`)).toBe(true);
    for (const body of bodies) expect(error.message).not.toContain(body.slice(0, 24));
    for (const d of jwkSecrets) expect(error.message).not.toContain(d);
    expect(error.message).not.toContain(HS_SECRET);
  });
});
