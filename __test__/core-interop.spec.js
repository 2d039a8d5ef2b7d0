'use strict';
// An independent check with the `jose` library (run in a child process: it is ESM-only).
const { TokenIssuer } = require('..');
const { joseBatch, decodeSegment, thrown, nowSeconds } = require('./core-helpers');

const SECRET = 'interop-test-secret-0123456789abcdefghij';
const ISSUER = 'https://api.example.com/parse';
const AUDIENCE = 'myAppId';
const issuer = new TokenIssuer({ secret: SECRET, kid: 'k1', issuer: ISSUER, audience: AUDIENCE });

test('our tokens verify with jose given the same key; jose-signed at+jwt tokens verify with ours', () => {
  const ours = issuer.createJWT({ sub: 'user1', sid: 'sess1', role: 'admin', list: [1, 2] });
  const now = nowSeconds();
  const payload = { iss: ISSUER, aud: AUDIENCE, sub: 'user2', sid: 'sess2', iat: now, exp: now + 120, jti: 'jose-1', custom: { a: 1 } };
  const results = joseBatch([
    { op: 'verify', token: ours.accessToken, secret: SECRET, issuer: ISSUER, audience: AUDIENCE },
    { op: 'verify', token: ours.accessToken, secret: `${SECRET}x`, issuer: ISSUER, audience: AUDIENCE },
    { op: 'sign', secret: SECRET, header: { alg: 'HS256', typ: 'at+jwt', kid: 'k1' }, payload },
    { op: 'sign', secret: SECRET, header: { kid: 'k1', alg: 'HS256', typ: 'at+jwt' }, payload: { ...payload, aud: ['x', AUDIENCE] } },
    { op: 'sign', secret: SECRET, header: { alg: 'HS256', typ: 'JWT', kid: 'k1' }, payload },
    { op: 'sign', secret: SECRET, header: { alg: 'HS512', typ: 'at+jwt', kid: 'k1' }, payload },
    { op: 'sign', secret: SECRET, header: { alg: 'HS256', typ: 'at+jwt', kid: 'k1' }, payload: { ...payload, exp: now - 60 } },
  ]);
  // jose accepts ours, with the right header and claims; rejects them under another key.
  expect(results[0]).toMatchObject({ ok: true, protectedHeader: { alg: 'HS256', typ: 'at+jwt', kid: 'k1' } });
  expect(results[0].payload).toEqual(issuer.verifyAccessToken(ours.accessToken));
  expect(results[0].payload).toMatchObject({ sub: 'user1', sid: 'sess1', role: 'admin', list: [1, 2], jti: ours.jti, exp: ours.expiresAt });
  expect(results[1]).toEqual({ ok: false, code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
  // Ours accepts jose's, in either header member order and with an aud array.
  for (const r of results.slice(2, 7)) expect(r.ok).toBe(true);
  expect(issuer.verifyAccessToken(results[2].token)).toEqual(payload);
  expect(decodeSegment(results[3].token, 0)).toEqual({ kid: 'k1', alg: 'HS256', typ: 'at+jwt' });
  expect(issuer.verifyAccessToken(results[3].token).sub).toBe('user2');
  // ...and rejects what it should.
  expect(thrown(() => issuer.verifyAccessToken(results[4].token)).code).toBe('TOKEN_TYPE_REJECTED');
  expect(thrown(() => issuer.verifyAccessToken(results[5].token)).code).toBe('TOKEN_ALGORITHM_REJECTED');
  expect(thrown(() => issuer.verifyAccessToken(results[6].token)).code).toBe('TOKEN_EXPIRED');
});
