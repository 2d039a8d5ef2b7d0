'use strict';
// 10,000 random, truncated and mutated tokens: none is accepted, none crashes, each gets a code.
const crypto = require('crypto');
const { TokenIssuer, errorCodes } = require('..');
const { b64url } = require('./core-helpers');

const issuer = new TokenIssuer({ secret: 'fuzz-test-secret-0123456789abcdefghij', issuer: 'https://api', audience: 'app' });
const good = issuer.createJWT({ sub: 'user1', sid: 'sess1', role: 'x' }).accessToken;
const TOKEN_CODES = new Set(Object.keys(errorCodes).filter(code => code.startsWith('TOKEN_')));

// A seeded generator, so a failure reproduces.
let state = 0x9e3779b9;
function random() {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return (state >>> 0) / 0x100000000;
}
const int = n => Math.floor(random() * n);
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ \u00e9\u{1F600}\0';
const randomString = length => Array.from({ length }, () => ALPHABET[int(ALPHABET.length)]).join('');

function candidates() {
  const list = [];
  // Every truncation of a valid token.
  for (let i = 0; i < good.length; i++) list.push(good.slice(0, i));
  // Single-character substitutions, deletions and insertions anywhere.
  while (list.length < 4000) {
    const at = int(good.length);
    const c = ALPHABET[int(ALPHABET.length)];
    const kind = int(3);
    const mutated =
      kind === 0 ? good.slice(0, at) + c + good.slice(at + 1) : kind === 1 ? good.slice(0, at) + good.slice(at + 1) : good.slice(0, at) + c + good.slice(at);
    if (mutated !== good) list.push(mutated);
  }
  // Random strings with and without dots.
  while (list.length < 6000) list.push(randomString(int(400)));
  while (list.length < 7000) list.push(`${randomString(int(60))}.${randomString(int(200))}.${randomString(int(50))}`);
  // Random bytes as base64url segments.
  while (list.length < 8000) {
    list.push([int(80), int(300), int(64)].map(n => crypto.randomBytes(n).toString('base64url')).join('.'));
  }
  // Random JSON headers and payloads around our shapes, with random signatures.
  const algs = ['HS256', 'none', 'HS512', 'RS256', 'ES256', '', null, 7, 'HS256 '];
  const typs = ['at+jwt', 'JWT', 'AT+JWT', 'application/at+jwt', '', undefined, 1];
  const kids = ['default', 'x', '', undefined, null, ['default']];
  while (list.length < 9500) {
    const h = { alg: algs[int(algs.length)], typ: typs[int(typs.length)], kid: kids[int(kids.length)] };
    const p = { iss: 'https://api', aud: 'app', sub: 'u', sid: 's', exp: Math.floor(Date.now() / 1000) + 60 };
    list.push(`${b64url(h)}.${b64url(p)}.${crypto.randomBytes(int(2) ? 32 : int(70)).toString('base64url')}`);
  }
  // Huge and odd inputs.
  while (list.length < 10000) {
    const pick = int(4);
    list.push(
      pick === 0 ? 'a'.repeat(8192 + int(100)) : pick === 1 ? `${good}.${good}` : pick === 2 ? good.repeat(2 + int(30)) : good.split('.').reverse().join('.')
    );
  }
  return list;
}

test('10,000 random, truncated and garbage tokens: none accepted, none crashes, each gets a code', () => {
  const list = candidates();
  expect(list.length).toBe(10000);
  const seen = {};
  for (const token of list) {
    let code;
    try {
      issuer.verifyAccessToken(token);
      code = 'ACCEPTED';
    } catch (error) {
      code = error.code;
    }
    if (!TOKEN_CODES.has(code)) throw new Error(`unexpected outcome ${code} for ${JSON.stringify(token.slice(0, 80))}`);
    seen[code] = (seen[code] || 0) + 1;
  }
  expect(seen.ACCEPTED).toBeUndefined();
  expect(Object.values(seen).reduce((a, b) => a + b, 0)).toBe(10000);
  // The corpus reaches the main rejection paths.
  for (const code of ['TOKEN_MALFORMED', 'TOKEN_SIGNATURE_INVALID', 'TOKEN_ALGORITHM_REJECTED', 'TOKEN_TYPE_REJECTED', 'TOKEN_KEY_UNKNOWN']) {
    expect([code, seen[code] > 0]).toEqual([code, true]);
  }
  // And the valid token still verifies afterwards.
  expect(issuer.verifyAccessToken(good).sub).toBe('user1');
});

test('non-string inputs are malformed, never a crash', () => {
  for (const value of [undefined, null, 1, {}, [], Buffer.from(good), Symbol('t'), () => good]) {
    let code;
    try {
      issuer.verifyAccessToken(value);
    } catch (error) {
      code = error.code;
    }
    expect(code).toBe('TOKEN_MALFORMED');
  }
});
