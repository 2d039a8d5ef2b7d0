'use strict';
// Others' code judges our tokens. Real Parse Servers with asymmetric keys publish them at the JWKS
// URL that RFC 8414 discovery names; `jose` (createRemoteJWKSet + jwtVerify) and Python's PyJWT
// (PyJWKClient) verify our ES256 and EdDSA access tokens from there, and the RS256 tokens of an
// external issuer whose public key is in our ring (verify-only). Forged tokens (algorithm confusion,
// `alg: none`, unknown or spoofed keys) are refused by the server with 209.
const crypto = require('crypto');
const path = require('path');
const { spawn } = require('child_process');
const { APP_ID, SECRET, signHS256 } = require('./support/parse-server');
const { serversForSuite, signUp } = require('./support/suite');

const REFRESH_SECRET = 'a-refresh-secret-for-the-asymmetric-rings-32b+';

const pem = (key, type) => key.export({ format: 'pem', type });
const es = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ed = crypto.generateKeyPairSync('ed25519');
// An external issuer during a migration: its private half stays here, our servers get the public one.
const partner = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const attacker = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });

const KIDS = { es: 'es-2026', ed: 'ed-2026', rs: 'partner-rs', hs: 'legacy-hs' };

// Server ES signs with ES256; the EdDSA key is published on standby, the partner's RS256 key and a
// legacy HS256 key are retired. Server ED signs with EdDSA.
const ES_KEYS = [
  { kid: KIDS.es, alg: 'ES256', privateKey: pem(es.privateKey, 'pkcs8'), status: 'current' },
  { kid: KIDS.ed, alg: 'EdDSA', publicKey: pem(ed.publicKey, 'spki'), status: 'standby' },
  { kid: KIDS.rs, alg: 'RS256', publicKey: pem(partner.publicKey, 'spki'), status: 'retired' },
  { kid: KIDS.hs, alg: 'HS256', secret: SECRET, status: 'retired' },
];
const ED_KEYS = [
  { kid: KIDS.ed, alg: 'EdDSA', privateKey: pem(ed.privateKey, 'pkcs8'), status: 'current' },
  { kid: KIDS.es, alg: 'ES256', publicKey: pem(es.publicKey, 'spki'), status: 'retired' },
  { kid: KIDS.rs, alg: 'RS256', publicKey: pem(partner.publicKey, 'spki'), status: 'retired' },
];

const start = serversForSuite();
let esServer;
let esRest;
let edServer;
let edRest;

beforeAll(async () => {
  [{ server: esServer, rest: esRest }, { server: edServer, rest: edRest }] = await Promise.all([
    start({ tokens: { keys: ES_KEYS, refreshSecret: REFRESH_SECRET } }),
    start({ tokens: { keys: ED_KEYS, refreshSecret: REFRESH_SECRET } }),
  ]);
});

/** Runs a verifier in its own process; resolves to the one JSON line it prints. */
function runVerifier(command, args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', chunk => (out += chunk));
    child.stderr.on('data', chunk => (err += chunk));
    child.on('error', reject);
    child.on('exit', code => {
      try {
        resolve(JSON.parse(out));
      } catch (error) {
        reject(new Error(`${command} exited with ${code}, printed ${out}\n${err}`));
      }
    });
  });
}

const ALGORITHMS = ['ES256', 'EdDSA', 'RS256'];

function jose(server, tokens, { algorithms = ALGORITHMS, audience = APP_ID } = {}) {
  const job = { issuer: server.serverURL, audience, algorithms, tokens };
  return runVerifier(process.execPath, [path.join(__dirname, 'support', 'jose-verifier.mjs')], { PSRT_JOSE_JOB: JSON.stringify(job) });
}

function pyjwt(server, tokens, { audience = APP_ID } = {}) {
  const job = { issuer: server.serverURL, audience, tokens };
  return runVerifier('python3', [path.join(__dirname, 'support', 'pyjwt-verifier.py')], { PSRT_PYJWT_JOB: JSON.stringify(job) });
}

const b64 = value => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const decode = segment => JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));

/** A compact JWS signed with a node:crypto private key (RS256, or ES256 in JOSE's r||s form). */
function signWith(privateKey, header, payload) {
  const input = `${b64(header)}.${b64(payload)}`;
  const options = header.alg === 'ES256' ? { key: privateKey, dsaEncoding: 'ieee-p1363' } : privateKey;
  return `${input}.${crypto.sign('sha256', Buffer.from(input), options).toString('base64url')}`;
}

/** The claims our servers write, for the real session behind `user` (sub and sid of a real login). */
function claimsFor(server, user, overrides = {}) {
  const { sid } = server.verify(user.accessToken);
  const now = Math.floor(Date.now() / 1000);
  return { iss: server.serverURL, aud: APP_ID, client_id: APP_ID, sub: user.userId, sid, iat: now, exp: now + 600, jti: crypto.randomBytes(16).toString('base64url'), ...overrides };
}

/** What the partner, an external RS256 issuer, signs for a session of ours. */
const partnerToken = (server, user, overrides) =>
  signWith(partner.privateKey, { alg: 'RS256', typ: 'at+jwt', kid: KIDS.rs }, claimsFor(server, user, overrides));

/** A token whose payload was changed after signing (the signature is the original's). */
function tamper(token) {
  const [header, payload, signature] = token.split('.');
  return `${header}.${b64({ ...decode(payload), sub: 'someone-else' })}.${signature}`;
}

const me = (rest, token) => rest('GET', '/users/me', { headers: { Authorization: `Bearer ${token}` } });

describe('jose verifies our tokens from the JWKS that discovery names', () => {
  test('ES256 and EdDSA access tokens of real logins verify with typ, issuer, audience and an algorithm allow-list', async () => {
    const esUser = await signUp(esRest);
    const edUser = await signUp(edRest);
    const [esResult, edResult] = await Promise.all([jose(esServer, [esUser.accessToken]), jose(edServer, [edUser.accessToken])]);
    expect(esResult.jwksUri).toBe(`${esServer.serverURL}/.well-known/jwks.json`);
    expect(esResult.results[0]).toMatchObject({ ok: true, header: { alg: 'ES256', typ: 'at+jwt', kid: KIDS.es } });
    expect(esResult.results[0].payload).toMatchObject({ iss: esServer.serverURL, aud: APP_ID, client_id: APP_ID, sub: esUser.userId });
    expect(edResult.results[0]).toMatchObject({ ok: true, header: { alg: 'EdDSA', typ: 'at+jwt', kid: KIDS.ed } });
    expect(edResult.results[0].payload).toMatchObject({ iss: edServer.serverURL, aud: APP_ID, client_id: APP_ID, sub: edUser.userId });
  });

  test('jose refuses them outside its allow-list, for another audience, and with a changed payload', async () => {
    const user = await signUp(esRest);
    const [onlyEdDSA, otherAudience, tampered] = await Promise.all([
      jose(esServer, [user.accessToken], { algorithms: ['EdDSA'] }),
      jose(esServer, [user.accessToken], { audience: 'another-api' }),
      jose(esServer, [tamper(user.accessToken)]),
    ]);
    expect(onlyEdDSA.results[0]).toMatchObject({ ok: false, code: 'ERR_JOSE_ALG_NOT_ALLOWED' });
    expect(otherAudience.results[0]).toMatchObject({ ok: false, code: 'ERR_JWT_CLAIM_VALIDATION_FAILED' });
    expect(tampered.results[0]).toMatchObject({ ok: false, code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
  });

  test("an external issuer's RS256 token for a real session: our server accepts it, and jose verifies it through our JWKS", async () => {
    const user = await signUp(esRest);
    const token = partnerToken(esServer, user);
    const response = await me(esRest, token);
    expect(response.status).toBe(200);
    expect(response.body.objectId).toBe(user.userId);
    const { results } = await jose(esServer, [token]);
    expect(results[0]).toMatchObject({ ok: true, header: { alg: 'RS256', kid: KIDS.rs }, payload: { sub: user.userId } });
    // The same key is in the EdDSA server's ring: it accepts the partner's tokens for its own sessions.
    const edUser = await signUp(edRest);
    expect((await me(edRest, partnerToken(edServer, edUser))).status).toBe(200);
  });
});

describe('PyJWT with PyJWKClient verifies our tokens from the JWKS URL', () => {
  test('ES256, EdDSA and RS256 verify with audience and issuer checks; a tampered payload is refused', async () => {
    const esUser = await signUp(esRest);
    const edUser = await signUp(edRest);
    const rsToken = partnerToken(esServer, esUser);
    const [fromEs, fromEd, otherAudience] = await Promise.all([
      pyjwt(esServer, [esUser.accessToken, rsToken, tamper(esUser.accessToken), tamper(rsToken)]),
      pyjwt(edServer, [edUser.accessToken, tamper(edUser.accessToken)]),
      pyjwt(esServer, [esUser.accessToken], { audience: 'another-api' }),
    ]);
    expect(fromEs.jwksUri).toBe(`${esServer.serverURL}/.well-known/jwks.json`);
    const [esOk, rsOk, esTampered, rsTampered] = fromEs.results;
    expect(esOk).toMatchObject({ ok: true, alg: 'ES256', kid: KIDS.es, claims: { sub: esUser.userId, iss: esServer.serverURL, client_id: APP_ID } });
    expect(rsOk).toMatchObject({ ok: true, alg: 'RS256', kid: KIDS.rs, claims: { sub: esUser.userId } });
    expect(fromEd.results[0]).toMatchObject({ ok: true, alg: 'EdDSA', kid: KIDS.ed, claims: { sub: edUser.userId, iss: edServer.serverURL } });
    for (const refused of [esTampered, rsTampered, fromEd.results[1]]) {
      expect(refused.ok).toBe(false);
      expect(refused.error).toMatch(/^InvalidSignatureError/);
    }
    expect(otherAudience.results[0]).toMatchObject({ ok: false });
    expect(otherAudience.results[0].error).toMatch(/^InvalidAudienceError/);
  });
});

describe('forged tokens are refused by the server (209)', () => {
  let user;
  let claims;
  beforeAll(async () => {
    user = await signUp(esRest);
    claims = claimsFor(esServer, user);
  });

  const expectRefused = async token => {
    const response = await me(esRest, token);
    expect({ status: response.status, code: response.body && response.body.code }).toEqual({ status: 400, code: 209 });
    return response;
  };

  test('HS256 naming the ES256 key, with its public key as the HMAC secret (algorithm confusion)', async () => {
    const jwk = (await (await fetch(`${esServer.serverURL}/.well-known/jwks.json`)).json()).keys.find(k => k.kid === KIDS.es);
    const header = { alg: 'HS256', typ: 'at+jwt', kid: KIDS.es };
    // Every form a verifier might turn the public key into: PEM text, DER, the published JWK.
    for (const secret of [pem(es.publicKey, 'spki'), es.publicKey.export({ format: 'der', type: 'spki' }), JSON.stringify(jwk)]) {
      const response = await expectRefused(signHS256(header, claims, secret));
      expect(response.body.reason).toBe('access_token_algorithm_rejected');
    }
    // The same for the RS256 key, and an RS256 header naming the ES256 key.
    await expectRefused(signHS256({ alg: 'HS256', typ: 'at+jwt', kid: KIDS.rs }, claims, pem(partner.publicKey, 'spki')));
    await expectRefused(signWith(partner.privateKey, { alg: 'RS256', typ: 'at+jwt', kid: KIDS.es }, claims));
  });

  test('alg none, with or without a signature, is refused', async () => {
    for (const alg of ['none', 'None', 'NONE']) {
      const unsigned = `${b64({ alg, typ: 'at+jwt', kid: KIDS.es })}.${b64(claims)}.`;
      await expectRefused(unsigned);
      await expectRefused(`${unsigned}${crypto.randomBytes(64).toString('base64url')}`);
    }
  });

  test('a token signed by an unknown key, or by a key it merely names or embeds, is refused', async () => {
    await expectRefused(signWith(attacker.privateKey, { alg: 'ES256', typ: 'at+jwt', kid: 'attacker' }, claims));
    await expectRefused(signWith(attacker.privateKey, { alg: 'ES256', typ: 'at+jwt' }, claims));
    // Our kid, the attacker's key: carried in the header (jwk, jku, x5u) or not at all.
    const attackerJwk = attacker.publicKey.export({ format: 'jwk' });
    for (const extra of [{}, { jwk: attackerJwk }, { jku: 'https://attacker.example/jwks.json' }, { x5u: 'https://attacker.example/cert.pem' }]) {
      await expectRefused(signWith(attacker.privateKey, { alg: 'ES256', typ: 'at+jwt', kid: KIDS.es, ...extra }, claims));
    }
    // kid games: another key's kid, a path, an injected JSON fragment, an overlong one, a non-string.
    for (const kid of [KIDS.hs, KIDS.rs, '../../../etc/passwd', `${KIDS.es}","alg":"none`, 'k'.repeat(5000), 0, [KIDS.es], null]) {
      await expectRefused(signWith(attacker.privateKey, { alg: 'ES256', typ: 'at+jwt', kid }, claims));
    }
    // The partner's key signs only for our sessions' real claims: an expired token or a foreign audience is refused too.
    await expectRefused(partnerToken(esServer, user, { exp: Math.floor(Date.now() / 1000) - 3600 }));
    await expectRefused(partnerToken(esServer, user, { aud: 'psrt-second-app' }));
    await expectRefused(partnerToken(esServer, user, { iss: 'https://partner.example' }));
    // Nothing was hurt: the real token still works.
    expect((await me(esRest, user.accessToken)).status).toBe(200);
  });
});

describe('attack review: the JWKS and the discovery document', () => {
  // Members RFC 7518 and RFC 8037 define as public for each key type, plus kid, alg and use.
  const PUBLIC_MEMBERS = { EC: ['kty', 'crv', 'x', 'y'], OKP: ['kty', 'crv', 'x'], RSA: ['kty', 'n', 'e'] };

  test('only public members of the asymmetric keys, never an HS256 key or any secret', async () => {
    const response = await fetch(`${esServer.serverURL}/.well-known/jwks.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('public, max-age=300');
    const text = await response.text();
    const { keys } = JSON.parse(text);
    expect(keys.map(key => key.kid).sort()).toEqual([KIDS.ed, KIDS.es, KIDS.rs].sort());
    for (const key of keys) {
      expect(Object.keys(key).sort()).toEqual([...PUBLIC_MEMBERS[key.kty], 'kid', 'alg', 'use'].sort());
      expect(key.use).toBe('sig');
    }
    expect(keys.find(k => k.kid === KIDS.es)).toMatchObject({ alg: 'ES256', crv: 'P-256', ...es.publicKey.export({ format: 'jwk' }) });
    expect(keys.find(k => k.kid === KIDS.ed)).toMatchObject({ alg: 'EdDSA', crv: 'Ed25519', x: ed.publicKey.export({ format: 'jwk' }).x });
    expect(keys.find(k => k.kid === KIDS.rs)).toMatchObject({ alg: 'RS256', n: partner.publicKey.export({ format: 'jwk' }).n });
    for (const secret of [SECRET, REFRESH_SECRET, Buffer.from(SECRET).toString('base64url'), es.privateKey.export({ format: 'jwk' }).d]) {
      expect(text).not.toContain(secret);
    }
    const head = await fetch(`${esServer.serverURL}/.well-known/jwks.json`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  test('a request cannot move the endpoints: Host and X-Forwarded-* are ignored', async () => {
    const { request } = require('http');
    const get = (path, headers) =>
      new Promise((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: esServer.port, path, headers }, res => {
          let body = '';
          res.on('data', chunk => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode, body: JSON.parse(body) }));
        });
        req.on('error', reject);
        req.end();
      });
    const spoofed = { Host: 'attacker.example', 'X-Forwarded-Host': 'attacker.example', 'X-Forwarded-Proto': 'https' };
    for (const route of ['/parse/.well-known/oauth-authorization-server', '/.well-known/oauth-authorization-server/parse']) {
      const { status, body } = await get(route, spoofed);
      expect(status).toBe(200);
      expect(body.issuer).toBe(esServer.serverURL);
      expect(body.jwks_uri).toBe(`${esServer.serverURL}/.well-known/jwks.json`);
      expect(JSON.stringify(body)).not.toContain('attacker.example');
    }
  });
});

describe('attack review: the OAuth endpoints', () => {
  const { sessionRows } = require('./support/parse-server');
  const form = (server, route, fields, headers = {}) =>
    fetch(`${server.serverURL}${route}`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(fields) });
  const rowOf = async (server, sid) => (await sessionRows(server)).find(row => row.objectId === sid);

  test('revocation with a token the caller cannot use (expired, forged, or another server\'s) ends nothing', async () => {
    const user = await signUp(esRest);
    const { sid } = esServer.verify(user.accessToken);
    const edUser = await signUp(edRest);
    const attempts = [
      partnerToken(esServer, user, { exp: Math.floor(Date.now() / 1000) - 60 }), // expired (beyond the leeway)
      tamper(user.accessToken),
      signWith(attacker.privateKey, { alg: 'ES256', typ: 'at+jwt', kid: KIDS.es }, claimsFor(esServer, user)),
      signHS256({ alg: 'HS256', typ: 'at+jwt', kid: KIDS.es }, claimsFor(esServer, user), pem(es.publicKey, 'spki')),
      edUser.accessToken, // another issuer's token, for another database's session
      edUser.refreshToken,
    ];
    for (const token of attempts) {
      const response = await form(esServer, '/oauth/revoke', { token });
      expect(response.status).toBe(200);
    }
    expect(await rowOf(esServer, sid)).toBeDefined();
    expect((await me(esRest, user.accessToken)).status).toBe(200);
    expect((await me(edRest, edUser.accessToken)).status).toBe(200);
    // A live access token is a bearer credential: whoever holds one may end its session (as /logout allows).
    expect((await form(esServer, '/oauth/revoke', { token: partnerToken(esServer, user) })).status).toBe(200);
    expect(await rowOf(esServer, sid)).toBeUndefined();
  });

  test('/batch cannot reach the OAuth endpoints, so none runs without its own checks', async () => {
    const user = await signUp(esRest);
    const response = await esRest('POST', '/batch', {
      body: {
        requests: [
          { method: 'POST', path: '/parse/oauth/introspect', body: { token: user.accessToken } },
          { method: 'POST', path: '/parse/oauth/revoke', body: { token: user.refreshToken } },
          { method: 'GET', path: '/parse/.well-known/jwks.json' },
        ],
      },
    });
    expect(response.status).toBeLessThan(500);
    expect(response.text).not.toContain('"active"');
    expect((await me(esRest, user.accessToken)).status).toBe(200);
  });

  test('routes the OAuth table does not name still need Parse keys, however the path is spelled', async () => {
    for (const route of ['/oauth/token/x', '/oauth', '/.well-known/jwks.json/../users/me', '/oauth/introspect.json']) {
      const response = await fetch(`${esServer.serverURL}${route}`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'token=x' });
      expect({ route, status: response.status }).toEqual({ route, status: 403 });
    }
    const classes = await fetch(`${esServer.serverURL}/.well-known/jwks.json`, { method: 'POST', body: '{}' });
    expect(classes.status).toBe(403);
  });
});

describe('attack review: key options', () => {
  const { TokenIssuer } = require('..');
  const other = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const hs = { kid: 'hs', secret: REFRESH_SECRET, status: 'current' };

  /** The start-up error of a ring with `key` in it (as keys[1], or keys[0] when it is the current one). */
  function startUpError(key) {
    const keys = key.status === 'current' ? [key] : [hs, key];
    try {
      new TokenIssuer({ keys, refreshSecret: REFRESH_SECRET, issuer: 'https://api.example.com/parse', audience: APP_ID });
    } catch (error) {
      return error;
    }
    return null;
  }

  // Every run of 12 or more characters of key material a message must never quote.
  const materialOf = text => String(text).match(/[A-Za-z0-9+/_-]{12,}/g) || [];

  test('wrong keys stop start-up naming the option, never quoting the key', () => {
    const esJwk = es.privateKey.export({ format: 'jwk' });
    const cases = [
      [{ kid: 'k', alg: 'ES256', publicKey: esJwk, status: 'standby' }, 'keys[1].publicKey', esJwk.d],
      [{ kid: 'k', alg: 'ES256', publicKey: JSON.stringify(esJwk), status: 'standby' }, 'keys[1].publicKey', esJwk.d],
      [{ kid: 'k', alg: 'EdDSA', publicKey: ed.privateKey, status: 'standby' }, 'keys[1].publicKey', ed.privateKey.export({ format: 'jwk' }).d],
      [{ kid: 'k', alg: 'ES256', publicKey: pem(es.privateKey, 'pkcs8'), status: 'standby' }, 'keys[1].publicKey', pem(es.privateKey, 'pkcs8')],
      [{ kid: 'k', alg: 'RS256', publicKey: pem(partner.privateKey, 'pkcs1'), status: 'retired' }, 'keys[1].publicKey', pem(partner.privateKey, 'pkcs1')],
      [{ kid: 'k', alg: 'RS256', publicKey: partner.privateKey.export({ format: 'jwk' }), status: 'retired' }, 'keys[1].publicKey', partner.privateKey.export({ format: 'jwk' }).d],
      [{ kid: 'k', alg: 'RS256', privateKey: pem(partner.privateKey, 'pkcs8'), status: 'current' }, 'keys[0].privateKey', pem(partner.privateKey, 'pkcs8')],
      [{ kid: 'k', alg: 'ES256', privateKey: pem(ed.privateKey, 'pkcs8'), status: 'current' }, 'keys[0].privateKey', pem(ed.privateKey, 'pkcs8')],
      [{ kid: 'k', alg: 'ES256', privateKey: es.privateKey.export({ format: 'pem', type: 'sec1' }), status: 'current' }, 'keys[0].privateKey', es.privateKey.export({ format: 'pem', type: 'sec1' })],
      [{ kid: 'k', alg: 'ES256', privateKey: { ...esJwk, x: other.publicKey.export({ format: 'jwk' }).x }, status: 'current' }, 'keys[0].privateKey', esJwk.d],
      [{ kid: 'k', alg: 'ES256', publicKey: `{"kty":"EC","crv":"P-256","d":"${esJwk.d}"`, status: 'standby' }, 'keys[1].publicKey', esJwk.d],
      [{ kid: 'k', alg: 'ES256', publicKey: `-----BEGIN PUBLIC KEY-----\n${esJwk.d}${esJwk.d}\n-----END PUBLIC KEY-----\n`, status: 'standby' }, 'keys[1].publicKey', esJwk.d],
    ];
    for (const [key, option, material] of cases) {
      const error = startUpError(key);
      expect({ option, code: error && error.code }).toEqual({ option, code: 'INVALID_OPTION' });
      expect(error.message).toContain(`option ${option} `);
      for (const run of materialOf(material)) expect(error.message).not.toContain(run);
    }
  });

  test('a PEM option holds exactly one PEM block: extra blocks or text around it stop start-up', () => {
    const privatePem = pem(es.privateKey, 'pkcs8');
    const publicPem = pem(es.publicKey, 'spki');
    const cases = [
      // Two keys where one is expected: which one would sign or verify is not the operator's choice.
      [{ kid: 'k', alg: 'ES256', privateKey: privatePem + pem(other.privateKey, 'pkcs8'), status: 'current' }, 'keys[0].privateKey'],
      [{ kid: 'k', alg: 'ES256', publicKey: publicPem + pem(other.publicKey, 'spki'), status: 'standby' }, 'keys[1].publicKey'],
      // Text around the block: a truncated or concatenated variable, not a key.
      [{ kid: 'k', alg: 'ES256', privateKey: `${privatePem}garbage`, status: 'current' }, 'keys[0].privateKey'],
      [{ kid: 'k', alg: 'ES256', privateKey: `export TOKEN_PRIVATE_KEY=${privatePem}`, status: 'current' }, 'keys[0].privateKey'],
      [{ kid: 'k', alg: 'ES256', publicKey: `${publicPem}xx`, status: 'standby' }, 'keys[1].publicKey'],
      [{ kid: 'k', alg: 'RS256', publicKey: `# partner\n${pem(partner.publicKey, 'spki')}`, status: 'retired' }, 'keys[1].publicKey'],
    ];
    for (const [key, option] of cases) {
      const error = startUpError(key);
      expect({ option, code: error && error.code }).toEqual({ option, code: 'INVALID_OPTION' });
      expect(error.message).toContain(`option ${option} `);
      for (const run of materialOf(key.privateKey || key.publicKey)) expect(error.message).not.toContain(run);
    }
    // Surrounding whitespace (a trailing newline, an indented heredoc) is fine.
    expect(startUpError({ kid: 'k', alg: 'ES256', privateKey: `\n  ${privatePem}\n\n`, status: 'current' })).toBeNull();
    expect(startUpError({ kid: 'k', alg: 'ES256', publicKey: `${publicPem}\r\n`, status: 'standby' })).toBeNull();
  });
});

describe('attack review: introspection authentication', () => {
  const { MASTER_KEY } = require('./support/parse-server');
  const RESOURCE_SERVER = { id: 'orders-api', secret: 'an-introspection-secret-of-32-bytes-or-more' };
  const basic = (id, secret) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
  let server;
  let rest;

  beforeAll(async () => {
    // The master key only from an address the tests do not have.
    ({ server, rest } = await start({
      tokens: { keys: ES_KEYS, refreshSecret: REFRESH_SECRET, introspectionClients: [RESOURCE_SERVER] },
      server: { masterKeyIps: ['10.9.9.9/32'] },
    }));
  });

  const introspect = (token, headers) =>
    fetch(`${server.serverURL}/oauth/introspect`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams({ token }) });

  test("the master key outside masterKeyIps is refused, whatever X-Forwarded-For says; a resource server's secret works", async () => {
    const user = await signUp(rest);
    for (const spoof of [{}, { 'X-Forwarded-For': '10.9.9.9' }, { 'X-Real-IP': '10.9.9.9' }, { Forwarded: 'for=10.9.9.9' }]) {
      const response = await introspect(user.accessToken, { Authorization: basic(APP_ID, MASTER_KEY), ...spoof });
      expect({ spoof, status: response.status }).toEqual({ spoof, status: 401 });
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect((await response.json()).error).toBe('invalid_client');
    }
    const allowed = await introspect(user.accessToken, { Authorization: basic(RESOURCE_SERVER.id, RESOURCE_SERVER.secret) });
    expect(allowed.status).toBe(200);
    expect(await allowed.json()).toMatchObject({ active: true, sub: user.userId, client_id: APP_ID });
  });

  test("credentials are one client's id with that client's secret, not a mix", async () => {
    const user = await signUp(rest);
    const mixes = [
      basic(APP_ID, RESOURCE_SERVER.secret),
      basic(RESOURCE_SERVER.id, MASTER_KEY),
      basic(RESOURCE_SERVER.id.toUpperCase(), RESOURCE_SERVER.secret),
      basic(`${RESOURCE_SERVER.id} `, RESOURCE_SERVER.secret),
      basic(RESOURCE_SERVER.id, `${RESOURCE_SERVER.secret}\u0000`),
      basic(RESOURCE_SERVER.id, ''),
      `Basic ${Buffer.from(`${RESOURCE_SERVER.id}:${RESOURCE_SERVER.secret}`).toString('base64')}, Basic x`,
    ];
    for (const authorization of mixes) {
      const response = await introspect(user.accessToken, { Authorization: authorization });
      expect({ authorization, status: response.status }).toEqual({ authorization, status: 401 });
    }
  });
});
