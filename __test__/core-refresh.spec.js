'use strict';
// Refresh tokens (derived from a per-session seed, a generation and the key) and revocation.
const { TokenIssuer } = require('..');
const { thrown, nowSeconds } = require('./core-helpers');

const OPTIONS = { secret: 'refresh-test-secret-0123456789abcdef', issuer: 'https://api.example.com', audience: 'app' };

describe('refresh tokens', () => {
  const issuer = new TokenIssuer(OPTIONS);

  test('createRefreshToken: 256-bit seed, base64url token, hash of the token, generation 0', () => {
    const t = issuer.createRefreshToken('sessA');
    expect(Object.keys(t).sort()).toEqual(['generation', 'hash', 'seed', 'token']);
    expect(t.generation).toBe(0);
    expect(t.seed).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(t.seed, 'base64url')).toHaveLength(32);
    expect(t.token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(t.token, 'base64url').length).toBeGreaterThanOrEqual(32 + 4 + 1);
    expect(t.hash).toBe(require('crypto').createHash('sha256').update(t.token).digest('base64url'));
    expect(issuer.hashRefreshToken(t.token)).toBe(t.hash);
    expect(issuer.inspectRefreshToken(t.token)).toEqual({ sid: 'sessA', generation: 0 });
    expect(issuer.verifyRefreshToken(t.token, t.seed)).toBe(true);
  });

  test('100,000 refresh tokens are all distinct and each matches its stored hash', () => {
    const tokens = new Set();
    const hashes = new Set();
    let matched = 0;
    for (let i = 0; i < 100000; i++) {
      const { token, hash } = issuer.createRefreshToken('s');
      tokens.add(token);
      hashes.add(hash);
      if (issuer.refreshTokenMatches(token, hash)) matched++;
    }
    expect(tokens.size).toBe(100000);
    expect(hashes.size).toBe(100000);
    expect(matched).toBe(100000);
  });

  test('rotation: each generation differs; derive gives the current token again (grace window)', () => {
    const first = issuer.createRefreshToken('sessB');
    const chain = { sid: 'sessB', seed: first.seed };
    const second = issuer.rotateRefreshToken({ ...chain, generation: 0 });
    const third = issuer.rotateRefreshToken({ ...chain, generation: 1 });
    expect([second.generation, third.generation]).toEqual([1, 2]);
    expect(new Set([first.token, second.token, third.token]).size).toBe(3);
    expect(issuer.deriveRefreshToken({ ...chain, generation: 2 })).toEqual(third);
    expect(issuer.deriveRefreshToken({ ...chain, generation: 0 })).toEqual({ token: first.token, hash: first.hash, generation: 0 });
    expect(issuer.inspectRefreshToken(third.token)).toEqual({ sid: 'sessB', generation: 2 });
    for (const t of [first, second, third]) expect(issuer.verifyRefreshToken(t.token, first.seed)).toBe(true);
  });

  test('refreshTokenMatches is exact', () => {
    const a = issuer.createRefreshToken('s');
    const b = issuer.createRefreshToken('s');
    expect(issuer.refreshTokenMatches(a.token, a.hash)).toBe(true);
    expect(issuer.refreshTokenMatches(a.token, b.hash)).toBe(false);
    expect(issuer.refreshTokenMatches(a.token, a.hash.slice(1))).toBe(false);
    expect(issuer.refreshTokenMatches(a.token.slice(1), a.hash)).toBe(false);
    expect(issuer.refreshTokenMatches(undefined, a.hash)).toBe(false);
    expect(issuer.refreshTokenMatches(a.token, null)).toBe(false);
  });

  test('a database leak alone mints nothing: another key or another seed does not verify', () => {
    const t = issuer.createRefreshToken('sessC');
    const other = new TokenIssuer({ ...OPTIONS, secret: 'a-completely-different-secret-0123456789' });
    const forged = other.deriveRefreshToken({ sid: 'sessC', seed: t.seed, generation: 0 });
    expect(forged.token).not.toBe(t.token);
    expect(issuer.verifyRefreshToken(forged.token, t.seed)).toBe(false);
    expect(issuer.verifyRefreshToken(t.token, issuer.createRefreshToken('sessC').seed)).toBe(false);
  });

  test('a token moved to another sid or generation fails verification', () => {
    const t = issuer.createRefreshToken('sessD');
    const raw = Buffer.from(t.token, 'base64url');
    const otherGeneration = Buffer.from(raw);
    otherGeneration[2 + 5 + 3] ^= 1; // last generation byte
    expect(issuer.inspectRefreshToken(otherGeneration.toString('base64url')).generation).toBe(1);
    expect(issuer.verifyRefreshToken(otherGeneration.toString('base64url'), t.seed)).toBe(false);
    const otherSid = Buffer.from(raw);
    otherSid[2] ^= 1;
    expect(issuer.verifyRefreshToken(otherSid.toString('base64url'), t.seed)).toBe(false);
  });

  test('REFRESH_TOKEN_MALFORMED from inspect; verify of garbage is false', () => {
    const seed = issuer.createRefreshToken('s').seed;
    for (const bad of ['', 'abc', 'a.b.c', '!!!!', 'A'.repeat(300), Buffer.alloc(40, 2).toString('base64url'), undefined, 42]) {
      expect(thrown(() => issuer.inspectRefreshToken(bad)).code).toBe('REFRESH_TOKEN_MALFORMED');
      expect(issuer.verifyRefreshToken(bad, seed)).toBe(false);
    }
  });

  test('INVALID_ARGUMENT: sid length, seed, generation', () => {
    const { seed } = issuer.createRefreshToken('s');
    expect(thrown(() => issuer.createRefreshToken('')).code).toBe('INVALID_ARGUMENT');
    expect(thrown(() => issuer.createRefreshToken('x'.repeat(65))).code).toBe('INVALID_ARGUMENT');
    expect(issuer.createRefreshToken('x'.repeat(64)).generation).toBe(0);
    expect(thrown(() => issuer.createRefreshToken(5)).code).toBe('INVALID_ARGUMENT');
    expect(thrown(() => issuer.deriveRefreshToken({ sid: 's', seed: 'short', generation: 0 })).code).toBe('INVALID_ARGUMENT');
    expect(thrown(() => issuer.deriveRefreshToken({ sid: 's', seed, generation: -1 })).code).toBe('INVALID_ARGUMENT');
    expect(thrown(() => issuer.deriveRefreshToken({ sid: 's', seed, generation: 1.5 })).code).toBe('INVALID_ARGUMENT');
    expect(thrown(() => issuer.rotateRefreshToken({ sid: 's', seed, generation: 0xffffffff })).code).toBe('INVALID_ARGUMENT');
    expect(thrown(() => issuer.rotateRefreshToken(null)).code).toBe('INVALID_ARGUMENT');
    expect(thrown(() => issuer.verifyRefreshToken('x', 'not-a-seed')).code).toBe('INVALID_ARGUMENT');
    expect(thrown(() => issuer.hashRefreshToken(1)).code).toBe('INVALID_ARGUMENT');
  });
});

describe('revocation list', () => {
  test('revoked sessions are rejected until the entry expires by itself', async () => {
    const issuer = new TokenIssuer(OPTIONS);
    const token = issuer.createJWT({ sub: 'u', sid: 'short-lived' }).accessToken;
    const other = issuer.createJWT({ sub: 'u', sid: 'unrelated' }).accessToken;
    issuer.revoke('short-lived', nowSeconds() + 1);
    expect(issuer.isRevoked('short-lived')).toBe(true);
    expect(thrown(() => issuer.verifyAccessToken(token)).code).toBe('TOKEN_REVOKED');
    expect(issuer.verifyAccessToken(other).sid).toBe('unrelated');
    await new Promise(resolve => setTimeout(resolve, 2100));
    expect(issuer.isRevoked('short-lived')).toBe(false);
    expect(issuer.verifyAccessToken(token).sid).toBe('short-lived');
  });

  test('an until in the past revokes nothing; a later until extends', () => {
    const issuer = new TokenIssuer(OPTIONS);
    issuer.revoke('past', nowSeconds() - 10);
    expect(issuer.isRevoked('past')).toBe(false);
    issuer.revoke('s', nowSeconds() + 60);
    issuer.revoke('s', nowSeconds() + 1);
    expect(issuer.isRevoked('s')).toBe(true);
    expect(thrown(() => issuer.revoke('', nowSeconds() + 1)).code).toBe('INVALID_ARGUMENT');
    expect(thrown(() => issuer.revoke('s', 'soon')).code).toBe('INVALID_ARGUMENT');
    expect(thrown(() => issuer.revoke('s', Number.NaN)).code).toBe('INVALID_ARGUMENT');
  });

  test('bounded: at capacity the entry expiring soonest is evicted', () => {
    const issuer = new TokenIssuer({ ...OPTIONS, revocationCapacity: 3 });
    const now = nowSeconds();
    issuer.revoke('a', now + 100);
    issuer.revoke('b', now + 300);
    issuer.revoke('c', now + 200);
    issuer.revoke('d', now + 400);
    expect(['a', 'b', 'c', 'd'].map(sid => issuer.isRevoked(sid))).toEqual([false, true, true, true]);
  });

  test('each issuer has its own list', () => {
    const a = new TokenIssuer(OPTIONS);
    const b = new TokenIssuer(OPTIONS);
    a.revoke('mine', nowSeconds() + 60);
    expect(a.isRevoked('mine')).toBe(true);
    expect(b.isRevoked('mine')).toBe(false);
    expect(b.verifyAccessToken(a.createJWT({ sub: 'u', sid: 'mine' }).accessToken).sid).toBe('mine');
  });
});
