'use strict';
// The native token core through its JavaScript API: round trip, every error code, tampering,
// algorithm and type confusion, expiry and leeway, key rotation, options, revocation.
const crypto = require('crypto');
const core = require('..');
const { TokenIssuer } = core;
const { b64url, craft, decodeSegment, thrown, nowSeconds } = require('./core-helpers');

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
const ISSUER = 'https://api.example.com/parse';
const AUDIENCE = 'myAppId';
const OPTIONS = { secret: SECRET, kid: 'k1', issuer: ISSUER, audience: AUDIENCE };

const header = (extra = {}) => ({ alg: 'HS256', typ: 'at+jwt', kid: 'k1', ...extra });
const claims = (extra = {}) => {
  const now = nowSeconds();
  return { iss: ISSUER, aud: AUDIENCE, sub: 'user1', sid: 'sess1', iat: now, exp: now + 60, jti: 'j1', ...extra };
};

function codeOf(issuer, token) {
  return thrown(() => issuer.verifyAccessToken(token)).code;
}

describe('round trip', () => {
  const issuer = new TokenIssuer(OPTIONS);

  test('createJWT returns the token, its lifetime, expiry and jti; verify returns the claims', () => {
    const before = nowSeconds();
    const result = issuer.createJWT({ sub: 'user1', sid: 'sess1', role: 'admin', tags: ['a', 'b'], n: 1.5 });
    expect(Object.keys(result).sort()).toEqual(['accessToken', 'expiresAt', 'expiresIn', 'jti']);
    expect(result.expiresIn).toBe(1800);
    expect(result.expiresAt).toBeGreaterThanOrEqual(before + 1800);
    expect(result.expiresAt).toBeLessThanOrEqual(nowSeconds() + 1800);
    expect(result.jti).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(decodeSegment(result.accessToken, 0)).toEqual({ alg: 'HS256', typ: 'at+jwt', kid: 'k1' });
    const verified = issuer.verifyAccessToken(result.accessToken);
    expect(verified).toEqual({
      iss: ISSUER,
      aud: AUDIENCE,
      sub: 'user1',
      sid: 'sess1',
      iat: result.expiresAt - 1800,
      exp: result.expiresAt,
      jti: result.jti,
      role: 'admin',
      tags: ['a', 'b'],
      n: 1.5,
    });
  });

  test('the raw payload holds exactly the documented claims', () => {
    const { accessToken } = issuer.createJWT({ sub: 'u', sid: 's' });
    expect(Object.keys(decodeSegment(accessToken, 1))).toEqual(['iss', 'aud', 'sub', 'sid', 'iat', 'exp', 'jti']);
  });

  test('each call gets its own claims object (no shared mutable state)', () => {
    const { accessToken } = issuer.createJWT({ sub: 'u', sid: 's' });
    const first = issuer.verifyAccessToken(accessToken);
    first.sub = 'changed';
    first.extra = true;
    const second = issuer.verifyAccessToken(accessToken);
    expect(second.sub).toBe('u');
    expect(second.extra).toBeUndefined();
    const nested = issuer.createJWT({ sub: 'u', sid: 's', obj: { a: 1 } }).accessToken;
    issuer.verifyAccessToken(nested).obj.a = 2;
    expect(issuer.verifyAccessToken(nested).obj.a).toBe(1);
  });

  test('the claims object equals JSON.parse of the payload, key order included', () => {
    // Our own tokens come back from the addon in a compact form (index.js slices it), anything
    // else as the payload JSON: both must give exactly what JSON.parse of the payload gives.
    const same = token => {
      const verified = issuer.verifyAccessToken(token);
      const parsed = decodeSegment(token, 1);
      expect(verified).toStrictEqual(parsed);
      expect(Object.keys(verified)).toEqual(Object.keys(parsed));
      return verified;
    };
    same(issuer.createJWT({ sub: 'u', sid: 's' }).accessToken);
    same(issuer.createJWT({ sub: 'Zoë 🚀', sid: 'séance', role: 'editor', n: 1.5, deep: { a: ['\u0001', null] } }).accessToken);
    same(issuer.createJWT({ sub: 'a"b\\c', sid: 'tab\there', x: '\u0001' }).accessToken); // escapes: payload JSON
    same(issuer.createJWT({ sub: '\u0001', sid: '\u0001\u0001' }).accessToken); // the separator itself, escaped
    same(issuer.createJWT({ sub: '123', sid: '{"x":1}', '': 0 }).accessToken);
    const proto = same(issuer.createJWT(JSON.parse('{"sub":"u","sid":"s","__proto__":{"admin":true}}')).accessToken);
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
    expect(proto.admin).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(proto, '__proto__')).toBe(true);
    // Tokens signed elsewhere, in other forms.
    const now = nowSeconds();
    const raw = text => `${b64url(header())}.${Buffer.from(text).toString('base64url')}`;
    const sign = input => `${input}.${crypto.createHmac('sha256', SECRET).update(input).digest('base64url')}`;
    for (const payload of [
      `{"iss":"${ISSUER}","aud":"${AUDIENCE}","sub":"u","sid":"s","iat":${now},"exp":${now + 60},"jti":"j"}`,
      `{"iss":"${ISSUER}","aud":"${AUDIENCE}","sub":"u","sid":"s","iat":${now},"exp":${now + 60},"jti":"j","nbf":${now}}`,
      `{"sid":"s","sub":"u","iss":"${ISSUER}","aud":"${AUDIENCE}","exp":${now + 60}}`,
      ` {"iss":"${ISSUER}", "aud":"${AUDIENCE}", "sub":"u", "sid":"s", "iat":${now}, "exp":${now + 60}, "jti":"j"} `,
      `{"iss":"${ISSUER}","aud":"${AUDIENCE}","sub":"u","sid":"s","iat":${now}.5,"exp":${now + 60},"jti":"j"}`,
      `{"iss":"${ISSUER}","aud":"${AUDIENCE}","sub":"u","sid":"s","iat":-1,"exp":${now + 60}e0,"jti":"j"}`,
      `{"iss":"${ISSUER}","aud":["${AUDIENCE}"],"sub":"u","sid":"s","iat":${now},"exp":${now + 60},"jti":"j"}`,
      `{"iss":"${ISSUER}","aud":"${AUDIENCE}","sub":"\\u0041","sid":"s","iat":${now},"exp":${now + 60},"jti":"\\u0001"}`,
      `{"iss":"${ISSUER}","aud":"${AUDIENCE}","sub":"u","sid":"s","iat":${now},"exp":${now + 60},"jti":"j","a":{"b":[1,"\\u0001"]}}`,
    ]) {
      same(sign(raw(payload)));
    }
  });

  test('jtis are distinct', () => {
    const jtis = new Set();
    for (let i = 0; i < 10000; i++) jtis.add(issuer.createJWT({ sub: 'u', sid: 's' }).jti);
    expect(jtis.size).toBe(10000);
  });

  test('unicode claims survive', () => {
    const { accessToken } = issuer.createJWT({ sub: 'ユーザー', sid: 's', name: 'Zoë 🚀' });
    expect(issuer.verifyAccessToken(accessToken)).toMatchObject({ sub: 'ユーザー', name: 'Zoë 🚀' });
  });

  test('a token signed by hand with the same key and our header verifies', () => {
    const token = craft(header(), claims(), { secret: SECRET });
    expect(issuer.verifyAccessToken(token)).toMatchObject({ sub: 'user1', sid: 'sess1' });
  });

  test('a valid header in another member order, with extra members, verifies', () => {
    const token = craft({ kid: 'k1', typ: 'application/at+jwt', alg: 'HS256', x5t: 'ignored' }, claims(), { secret: SECRET });
    expect(issuer.verifyAccessToken(token).sub).toBe('user1');
  });

  test('aud may be an array containing ours', () => {
    expect(issuer.verifyAccessToken(craft(header(), claims({ aud: ['other', AUDIENCE] }), { secret: SECRET })).aud).toEqual([
      'other',
      AUDIENCE,
    ]);
  });
});

describe('every verify error code', () => {
  const issuer = new TokenIssuer(OPTIONS);
  const good = issuer.createJWT({ sub: 'user1', sid: 'sess1' }).accessToken;
  const [h, p, s] = good.split('.');
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });

  test('TOKEN_MALFORMED: shape, base64url, JSON, size, missing required claims, crit', () => {
    for (const token of [
      '',
      'abc',
      `${h}.${p}`,
      `${h}.${p}.${s}.x`,
      `.${p}.${s}`,
      `${h}..${s}`,
      `${h}.${p}.`,
      `${h}.${p}.${s}=`,
      `${h}.${p}+.${s}`,
      `${h}.${p}.${s.slice(0, -1)}`,
      `${h} .${p}.${s}`,
      'a'.repeat(9000),
      craft(header(), 'not json', { secret: SECRET }),
      craft(header(), [1, 2], { secret: SECRET }),
      craft(header(), claims({ exp: undefined }), { secret: SECRET }),
      craft(header(), claims({ exp: '123' }), { secret: SECRET }),
      craft(header(), claims({ sid: undefined }), { secret: SECRET }),
      craft(header(), claims({ sub: 42 }), { secret: SECRET }),
      craft(header({ crit: ['b64'], b64: false }), claims(), { secret: SECRET }),
      `${b64url('{"alg":"HS256","alg":"HS256","typ":"at+jwt","kid":"k1"}')}.${p}.${s}`,
      `${b64url('[]')}.${p}.${s}`,
    ]) {
      expect([token.slice(0, 40), codeOf(issuer, token)]).toEqual([token.slice(0, 40), 'TOKEN_MALFORMED']);
    }
    expect(thrown(() => issuer.verifyAccessToken(undefined)).code).toBe('TOKEN_MALFORMED');
    expect(thrown(() => issuer.verifyAccessToken({ token: good })).code).toBe('TOKEN_MALFORMED');
  });

  test('TOKEN_ALGORITHM_REJECTED: alg none, HS512 and RS256 against our HS256 key', () => {
    expect(codeOf(issuer, craft(header({ alg: 'none' }), claims()))).toBe('TOKEN_ALGORITHM_REJECTED');
    expect(codeOf(issuer, `${b64url({ alg: 'none', typ: 'at+jwt', kid: 'k1' })}.${p}.${s}`)).toBe('TOKEN_ALGORITHM_REJECTED');
    expect(codeOf(issuer, craft(header({ alg: 'HS512' }), claims(), { secret: SECRET }))).toBe('TOKEN_ALGORITHM_REJECTED');
    expect(codeOf(issuer, craft(header({ alg: 'RS256' }), claims(), { rsaKey: privateKey }))).toBe('TOKEN_ALGORITHM_REJECTED');
    expect(codeOf(issuer, craft(header({ alg: 'hs256' }), claims(), { secret: SECRET }))).toBe('TOKEN_ALGORITHM_REJECTED');
  });

  test('TOKEN_TYPE_REJECTED: typ JWT or missing', () => {
    expect(codeOf(issuer, craft(header({ typ: 'JWT' }), claims(), { secret: SECRET }))).toBe('TOKEN_TYPE_REJECTED');
    expect(codeOf(issuer, craft({ alg: 'HS256', kid: 'k1' }, claims(), { secret: SECRET }))).toBe('TOKEN_TYPE_REJECTED');
  });

  test('TOKEN_KEY_UNKNOWN: unknown or missing kid', () => {
    expect(codeOf(issuer, craft(header({ kid: 'k2' }), claims(), { secret: SECRET }))).toBe('TOKEN_KEY_UNKNOWN');
    expect(codeOf(issuer, craft({ alg: 'HS256', typ: 'at+jwt' }, claims(), { secret: SECRET }))).toBe('TOKEN_KEY_UNKNOWN');
  });

  test('TOKEN_SIGNATURE_INVALID: tampered header, payload and signature; wrong key', () => {
    const reordered = b64url({ typ: 'at+jwt', alg: 'HS256', kid: 'k1' });
    expect(codeOf(issuer, `${reordered}.${p}.${s}`)).toBe('TOKEN_SIGNATURE_INVALID');
    const payload = decodeSegment(good, 1);
    expect(codeOf(issuer, `${h}.${b64url({ ...payload, sub: 'admin' })}.${s}`)).toBe('TOKEN_SIGNATURE_INVALID');
    const flipped = s.slice(0, 10) + (s[10] === 'A' ? 'B' : 'A') + s.slice(11);
    expect(codeOf(issuer, `${h}.${p}.${flipped}`)).toBe('TOKEN_SIGNATURE_INVALID');
    expect(codeOf(issuer, craft(header(), claims(), { secret: `${SECRET}-other` }))).toBe('TOKEN_SIGNATURE_INVALID');
  });

  test('TOKEN_ISSUER_REJECTED and TOKEN_AUDIENCE_REJECTED', () => {
    expect(codeOf(issuer, craft(header(), claims({ iss: 'https://evil.example.com' }), { secret: SECRET }))).toBe(
      'TOKEN_ISSUER_REJECTED'
    );
    expect(codeOf(issuer, craft(header(), claims({ iss: undefined }), { secret: SECRET }))).toBe('TOKEN_ISSUER_REJECTED');
    expect(codeOf(issuer, craft(header(), claims({ aud: 'otherApp' }), { secret: SECRET }))).toBe('TOKEN_AUDIENCE_REJECTED');
    expect(codeOf(issuer, craft(header(), claims({ aud: ['a', 'b'] }), { secret: SECRET }))).toBe('TOKEN_AUDIENCE_REJECTED');
    expect(codeOf(issuer, craft(header(), claims({ aud: undefined }), { secret: SECRET }))).toBe('TOKEN_AUDIENCE_REJECTED');
  });

  test('TOKEN_EXPIRED past the leeway; accepted inside it (default 5 s)', () => {
    const now = nowSeconds();
    expect(issuer.verifyAccessToken(craft(header(), claims({ exp: now - 3 }), { secret: SECRET })).sub).toBe('user1');
    expect(codeOf(issuer, craft(header(), claims({ exp: now - 6 }), { secret: SECRET }))).toBe('TOKEN_EXPIRED');
    expect(codeOf(issuer, craft(header(), claims({ exp: now - 3600 }), { secret: SECRET }))).toBe('TOKEN_EXPIRED');
    const strict = new TokenIssuer({ ...OPTIONS, leeway: 0 });
    expect(codeOf(strict, craft(header(), claims({ exp: now - 1 }), { secret: SECRET }))).toBe('TOKEN_EXPIRED');
    const lenient = new TokenIssuer({ ...OPTIONS, leeway: 120 });
    expect(lenient.verifyAccessToken(craft(header(), claims({ exp: now - 60 }), { secret: SECRET })).sub).toBe('user1');
  });

  test('TOKEN_NOT_YET_VALID: nbf beyond the leeway', () => {
    const now = nowSeconds();
    expect(codeOf(issuer, craft(header(), claims({ nbf: now + 60 }), { secret: SECRET }))).toBe('TOKEN_NOT_YET_VALID');
    expect(issuer.verifyAccessToken(craft(header(), claims({ nbf: now + 2 }), { secret: SECRET })).nbf).toBe(now + 2);
  });

  test('TOKEN_REVOKED', () => {
    const token = issuer.createJWT({ sub: 'u', sid: 'revoked-session' }).accessToken;
    issuer.revoke('revoked-session', nowSeconds() + 60);
    expect(codeOf(issuer, token)).toBe('TOKEN_REVOKED');
    expect(issuer.isRevoked('revoked-session')).toBe(true);
  });

  test('checks run in order: header before signature before claims before revocation', () => {
    // Bad alg and bad signature: the header wins.
    expect(codeOf(issuer, `${b64url(header({ alg: 'HS512' }))}.${p}.${s}`)).toBe('TOKEN_ALGORITHM_REJECTED');
    // Wrong issuer and bad signature: the signature wins.
    const wrongIss = craft(header(), claims({ iss: 'x' }), { secret: 'another-secret-of-sufficient-length!!' });
    expect(codeOf(issuer, wrongIss)).toBe('TOKEN_SIGNATURE_INVALID');
    // Expired and revoked: expiry wins.
    issuer.revoke('sess-expired', nowSeconds() + 60);
    expect(codeOf(issuer, craft(header(), claims({ sid: 'sess-expired', exp: nowSeconds() - 600 }), { secret: SECRET }))).toBe(
      'TOKEN_EXPIRED'
    );
  });

  test('error messages never contain the token or the secret', () => {
    const tokens = [good.slice(0, -2), craft(header({ typ: 'JWT' }), claims(), { secret: SECRET }), `${h}.${p}.${s}x`];
    for (const token of tokens) {
      const error = thrown(() => issuer.verifyAccessToken(token));
      expect(Object.prototype.toString.call(error)).toBe('[object Error]');
      expect(error.message).not.toContain(token.slice(0, 20));
      expect(error.message).not.toContain(SECRET.slice(0, 10));
      expect(error.stack).not.toContain(SECRET.slice(0, 10));
    }
  });
});

describe('createJWT claims', () => {
  const issuer = new TokenIssuer(OPTIONS);

  test.each(['iss', 'aud', 'iat', 'exp', 'jti', 'nbf'])('custom claim %s is CLAIM_RESERVED', name => {
    const error = thrown(() => issuer.createJWT({ sub: 'u', sid: 's', [name]: 1 }));
    expect(error.code).toBe('CLAIM_RESERVED');
    expect(error.message).toContain(name);
  });

  test('missing, empty or non-string sub/sid, and unserialisable claims are CLAIM_INVALID', () => {
    for (const bad of [null, 'x', [], {}, { sid: 's' }, { sub: 'u' }, { sub: '', sid: 's' }, { sub: 'u', sid: 7 }, { sub: 'u', sid: 's', big: 10n }]) {
      expect(thrown(() => issuer.createJWT(bad)).code).toBe('CLAIM_INVALID');
    }
    expect(thrown(() => issuer.createJWT({ sub: 'u', sid: 's', blob: 'x'.repeat(8000) })).code).toBe('CLAIM_INVALID');
  });

  test('undefined custom claims are dropped, as JSON does', () => {
    const { accessToken } = issuer.createJWT({ sub: 'u', sid: 's', gone: undefined });
    expect(issuer.verifyAccessToken(accessToken)).not.toHaveProperty('gone');
  });
});

describe('options', () => {
  const invalid = (options, name) => {
    const error = thrown(() => new TokenIssuer(options));
    expect(error.code).toBe('INVALID_OPTION');
    expect(error.message).toContain(`option ${name} `);
    expect(error.message).not.toContain('short-secret');
    return error;
  };

  test('defaults: 1800 s TTL', () => {
    expect(new TokenIssuer({ secret: SECRET, issuer: ISSUER, audience: AUDIENCE }).createJWT({ sub: 'u', sid: 's' }).expiresIn).toBe(1800);
  });

  test('each wrong option is named', () => {
    expect(invalid({ ...OPTIONS, secret: 'short-secret' }, 'secret').message).toBe(
      'parse-server-refresh-token option secret must be at least 32 bytes'
    );
    invalid({ ...OPTIONS, secret: 12345 }, 'secret');
    invalid({ issuer: ISSUER, audience: AUDIENCE }, 'secret');
    invalid({ ...OPTIONS, keys: [{ kid: 'a', secret: SECRET }] }, 'secret');
    invalid({ issuer: ISSUER, audience: AUDIENCE, keys: [] }, 'keys');
    invalid({ issuer: ISSUER, audience: AUDIENCE, keys: 'k' }, 'keys');
    invalid({ issuer: ISSUER, audience: AUDIENCE, keys: [{ kid: 'a', secret: SECRET }, { kid: 'a', secret: SECRET }] }, 'keys[1].kid');
    invalid({ issuer: ISSUER, audience: AUDIENCE, keys: [{ kid: 'a', secret: SECRET }, { kid: 'b', secret: 'short-secret' }] }, 'keys[1].secret');
    invalid({ issuer: ISSUER, audience: AUDIENCE, keys: [{ secret: SECRET }] }, 'keys[0].kid');
    invalid({ ...OPTIONS, kid: '' }, 'kid');
    invalid({ ...OPTIONS, issuer: undefined }, 'issuer');
    invalid({ ...OPTIONS, issuer: 42 }, 'issuer');
    invalid({ ...OPTIONS, audience: '' }, 'audience');
    invalid({ ...OPTIONS, accessTokenTTL: 0 }, 'accessTokenTTL');
    invalid({ ...OPTIONS, accessTokenTTL: 1.5 }, 'accessTokenTTL');
    invalid({ ...OPTIONS, accessTokenTTL: '1800' }, 'accessTokenTTL');
    invalid({ ...OPTIONS, leeway: -1 }, 'leeway');
    invalid({ ...OPTIONS, leeway: 301 }, 'leeway');
    invalid({ ...OPTIONS, revocationCapacity: 0 }, 'revocationCapacity');
    expect(thrown(() => new TokenIssuer(null)).code).toBe('INVALID_OPTION');
  });

  test('secrets may be Buffers or Uint8Arrays, and count bytes not characters', () => {
    const buffer = crypto.randomBytes(32);
    const a = new TokenIssuer({ ...OPTIONS, secret: buffer });
    const b = new TokenIssuer({ ...OPTIONS, secret: new Uint8Array(buffer) });
    expect(b.verifyAccessToken(a.createJWT({ sub: 'u', sid: 's' }).accessToken).sub).toBe('u');
    // 11 three-byte characters = 33 bytes: long enough.
    expect(() => new TokenIssuer({ ...OPTIONS, secret: '€'.repeat(11) })).not.toThrow();
    expect(invalid({ ...OPTIONS, secret: Buffer.alloc(31) }, 'secret').code).toBe('INVALID_OPTION');
  });

  test('accessTokenTTL and kid are applied', () => {
    const issuer = new TokenIssuer({ ...OPTIONS, kid: 'main-2026', accessTokenTTL: 60 });
    const result = issuer.createJWT({ sub: 'u', sid: 's' });
    expect(result.expiresIn).toBe(60);
    expect(decodeSegment(result.accessToken, 0).kid).toBe('main-2026');
    const payload = decodeSegment(result.accessToken, 1);
    expect(payload.exp - payload.iat).toBe(60);
  });
});

describe('key rotation', () => {
  const oldKey = { kid: '2026-10', secret: crypto.randomBytes(32) };
  const newKey = { kid: '2026-11', secret: crypto.randomBytes(32) };
  const before = new TokenIssuer({ keys: [oldKey], issuer: ISSUER, audience: AUDIENCE });
  const after = new TokenIssuer({ keys: [newKey, oldKey], issuer: ISSUER, audience: AUDIENCE });

  test('tokens of the old key still verify; new tokens are signed by the first key', () => {
    const old = before.createJWT({ sub: 'u', sid: 's' }).accessToken;
    expect(after.verifyAccessToken(old).sub).toBe('u');
    const fresh = after.createJWT({ sub: 'u', sid: 's' }).accessToken;
    expect(decodeSegment(fresh, 0).kid).toBe('2026-11');
    expect(codeOf(before, fresh)).toBe('TOKEN_KEY_UNKNOWN');
    const dropped = new TokenIssuer({ keys: [newKey], issuer: ISSUER, audience: AUDIENCE });
    expect(codeOf(dropped, old)).toBe('TOKEN_KEY_UNKNOWN');
  });

  test('a kid with the wrong key is a bad signature', () => {
    const forged = craft({ alg: 'HS256', typ: 'at+jwt', kid: '2026-10' }, claims(), { secret: newKey.secret });
    expect(codeOf(after, forged)).toBe('TOKEN_SIGNATURE_INVALID');
  });

  test('refresh tokens of the old key verify; rotation signs with the new key', () => {
    const chain = before.createRefreshToken('sessR');
    expect(after.verifyRefreshToken(chain.token, chain.seed)).toBe(true);
    const next = after.rotateRefreshToken({ sid: 'sessR', seed: chain.seed, generation: 0 });
    expect(after.verifyRefreshToken(next.token, chain.seed)).toBe(true);
    expect(before.verifyRefreshToken(next.token, chain.seed)).toBe(false);
  });
});

describe('benchmark floors', () => {
  test('are outside the public API, reached by benchmark/ through a symbol, and return nanoseconds per operation', () => {
    const core = require('..');
    expect(Object.keys(core).filter(name => /bench/i.test(name))).toEqual([]);
    const issuer = new TokenIssuer(OPTIONS);
    expect(Object.getOwnPropertyNames(Object.getPrototypeOf(issuer)).filter(name => /bench/i.test(name))).toEqual([]);
    const floors = issuer[Symbol.for('parse-server-refresh-token.benchmarkFloors')]();
    const token = issuer.createJWT({ sub: 'u', sid: 's' }).accessToken;
    expect(floors.verify(token, 1000)).toBeGreaterThan(0);
    expect(floors.sign(1000, 'u', 's')).toBeGreaterThan(0);
    expect(thrown(() => floors.verify('nope', 10)).code).toBe('TOKEN_MALFORMED');
  });
});
