'use strict';
// The module-level API: configure() and the default issuer.
const { thrown, nowSeconds } = require('./core-helpers');

const OPTIONS = { secret: 'default-issuer-secret-0123456789abcdef', issuer: 'https://api.example.com', audience: 'app' };
const NAMES = [
  'createJWT',
  'verifyAccessToken',
  'createRefreshToken',
  'deriveRefreshToken',
  'rotateRefreshToken',
  'inspectRefreshToken',
  'verifyRefreshToken',
  'hashRefreshToken',
  'refreshTokenMatches',
  'revoke',
  'isRevoked',
  'jwks',
];

test('every module-level function throws NOT_CONFIGURED before configure()', () => {
  jest.isolateModules(() => {
    const fresh = require('..');
    for (const name of NAMES) {
      expect([name, thrown(() => fresh[name]('x')).code]).toEqual([name, 'NOT_CONFIGURED']);
    }
  });
});

test('configure sets the default issuer; its errors name the option', () => {
  jest.isolateModules(() => {
    const core = require('..');
    expect(thrown(() => core.configure({ ...OPTIONS, leeway: 'x' })).message).toBe(
      'parse-server-refresh-token option leeway must be an integer from 0 to 300'
    );
    const issuer = core.configure(OPTIONS);
    expect(issuer).toBeInstanceOf(core.TokenIssuer);
    const { accessToken } = core.createJWT({ sub: 'u1', sid: 'default-s1' });
    expect(core.verifyAccessToken(accessToken)).toMatchObject({ sub: 'u1', sid: 'default-s1' });
    const r = core.createRefreshToken('default-s1');
    const next = core.rotateRefreshToken({ sid: 'default-s1', seed: r.seed, generation: r.generation });
    expect(core.deriveRefreshToken({ sid: 'default-s1', seed: r.seed, generation: 1 })).toEqual(next);
    expect(core.inspectRefreshToken(next.token)).toEqual({ sid: 'default-s1', generation: 1 });
    expect(core.verifyRefreshToken(next.token, r.seed)).toBe(true);
    expect(core.refreshTokenMatches(next.token, core.hashRefreshToken(next.token))).toBe(true);
    expect(Object.keys(core.errorCodes)).toContain('TOKEN_REVOKED');
  });
});

test('configure replaces the issuer (key rotation) and keeps the revocation list', () => {
  jest.isolateModules(() => {
    const core = require('..');
    core.configure({ ...OPTIONS, keys: undefined, kid: 'old' });
    const old = core.createJWT({ sub: 'u', sid: 'default-rotated' }).accessToken;
    core.revoke('default-revoked', nowSeconds() + 60);
    core.configure({
      keys: [
        { kid: 'new', secret: 'a-brand-new-secret-for-rotation-0123456789' },
        { kid: 'old', secret: OPTIONS.secret },
      ],
      issuer: OPTIONS.issuer,
      audience: OPTIONS.audience,
    });
    expect(core.verifyAccessToken(old).sid).toBe('default-rotated');
    expect(core.isRevoked('default-revoked')).toBe(true);
    const revoked = core.createJWT({ sub: 'u', sid: 'default-revoked' }).accessToken;
    expect(thrown(() => core.verifyAccessToken(revoked)).code).toBe('TOKEN_REVOKED');
  });
});
