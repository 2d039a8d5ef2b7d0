'use strict';
// The OAuth 2.0 endpoints under the Parse mount: discovery (RFC 8414), refresh (RFC 6749 6),
// revocation (RFC 7009) and introspection (RFC 7662), driven by the certified client oauth4webapi
// unchanged, and bad input on each of them: the RFC's error, nothing stored changed, never a 5xx.
const path = require('path');
const { spawn } = require('child_process');
const { startParseServer, sessionRows, APP_ID, MASTER_KEY, SECOND_APP_ID } = require('./support/parse-server');
const { restClient, readResponse } = require('./support/rest');

const RESOURCE_SERVER = { id: 'orders-api', secret: 'an-introspection-secret-of-32-bytes-or-more' };

let server;
let rest;

beforeAll(async () => {
  server = await startParseServer({
    tokens: { reuseInterval: 2, idleTimeout: 3600, refreshTokenTTL: 86400, introspectionClients: [RESOURCE_SERVER] },
    hooks: ['onReuseDetected'],
    secondApp: { tokens: {} },
  });
  rest = restClient(server);
});

afterAll(() => server && server.close());

/** One oauth4webapi call in its own process (the library is ESM). */
function oauthClient(op, fields = {}) {
  const job = { op, issuer: server.serverURL, clientId: APP_ID, ...fields };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, 'support', 'oauth-client.mjs')], {
      env: { ...process.env, PSRT_OAUTH_JOB: JSON.stringify(job) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', chunk => (out += chunk));
    child.on('error', reject);
    child.on('exit', () => {
      try {
        resolve(JSON.parse(out));
      } catch (error) {
        reject(new Error(`oauth client printed ${out}: ${error.message}`));
      }
    });
  });
}

/** A raw POST without any Parse header, as a standard OAuth client sends it. */
async function post(route, body, { contentType = 'application/x-www-form-urlencoded', headers = {}, mount = '/parse' } = {}) {
  const base = server.serverURL.replace(/\/parse$/, mount);
  const payload = typeof body === 'string' || body === undefined ? body : new URLSearchParams(body).toString();
  const headersSent = { ...(contentType ? { 'Content-Type': contentType } : {}), ...headers };
  return readResponse(await fetch(`${base}${route}`, { method: 'POST', headers: headersSent, body: payload }));
}

const basic = (id, secret) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

let counter = 0;
async function login() {
  const username = `o${++counter}_${Date.now()}`;
  const signup = await rest('POST', '/users', { body: { username, password: 'pw-123456' } });
  expect(signup.status).toBe(201);
  return { username, userId: signup.body.objectId, ...signup.body };
}

const rowOf = async sid => (await sessionRows(server)).find(row => row.objectId === sid);

describe('discovery', () => {
  test('oauth4webapi discovers the server from the issuer at the path-inserted URL', async () => {
    const { ok, result } = await oauthClient('discover');
    expect(ok).toBe(true);
    const base = server.serverURL;
    expect(result).toMatchObject({
      issuer: base,
      token_endpoint: `${base}/oauth/token`,
      revocation_endpoint: `${base}/oauth/revoke`,
      introspection_endpoint: `${base}/oauth/introspect`,
      jwks_uri: `${base}/.well-known/jwks.json`,
      grant_types_supported: ['refresh_token'],
      response_types_supported: [],
      token_endpoint_auth_methods_supported: ['none'],
      revocation_endpoint_auth_methods_supported: ['none'],
      introspection_endpoint_auth_methods_supported: ['client_secret_basic'],
    });
    expect(result.refresh_token_expiration_types_supported).toEqual(['refresh_token_timeout', 'authorization_expires_in']);
  });

  test('the metadata under the mount equals the root one, and needs no Parse header', async () => {
    const mounted = await fetch(`${server.serverURL}/.well-known/oauth-authorization-server`);
    const root = await fetch(server.serverURL.replace(/\/parse$/, '/.well-known/oauth-authorization-server/parse'));
    expect(mounted.status).toBe(200);
    expect(await mounted.json()).toEqual(await root.json());
    expect(mounted.headers.get('cache-control')).toBe('public, max-age=300');
  });

  test('the JWKS answers with the keys the issuer publishes (none for HS256) and a max-age', async () => {
    const response = await fetch(`${server.serverURL}/.well-known/jwks.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('public, max-age=300');
    const body = await response.json();
    expect(Array.isArray(body.keys)).toBe(true);
    for (const key of body.keys) expect(key).not.toHaveProperty('d');
  });
});

describe('refresh through /oauth/token', () => {
  test('oauth4webapi refreshes: a new pair, lifetimes, no-store, and the access token works with client_id', async () => {
    const user = await login();
    const { ok, result } = await oauthClient('refresh', { token: user.refreshToken });
    expect(ok).toBe(true);
    expect(result.token_type).toBe('bearer'); // oauth4webapi lower-cases it
    expect(result.expires_in).toBe(1800);
    expect(result.refresh_token).not.toBe(user.refreshToken);
    expect(result.refresh_token_timeout).toBeGreaterThan(3590);
    expect(result.refresh_token_timeout).toBeLessThanOrEqual(3600);
    expect(result.authorization_expires_in).toBeGreaterThan(86300);
    expect(result.authorization_expires_in).toBeLessThanOrEqual(86400);
    const claims = server.verify(result.access_token);
    expect(claims.client_id).toBe(APP_ID);
    const me = await rest('GET', '/users/me', { sessionToken: result.access_token });
    expect(me.status).toBe(200);
    expect(me.body.objectId).toBe(user.userId);
    expect((await rowOf(claims.sid)).refreshTokenGeneration).toBe(1);
  });

  test('headers: Cache-Control no-store and Pragma no-cache, on answers and errors', async () => {
    const user = await login();
    const ok = await post('/oauth/token', { grant_type: 'refresh_token', refresh_token: user.refreshToken, client_id: APP_ID });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('cache-control')).toBe('no-store');
    expect(ok.headers.get('pragma')).toBe('no-cache');
    expect(ok.body.token_type).toBe('Bearer');
    const bad = await post('/oauth/token', { grant_type: 'refresh_token', refresh_token: 'nope', client_id: APP_ID });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('cache-control')).toBe('no-store');
    expect(bad.body).toEqual({ error: 'invalid_grant', error_description: 'Invalid refresh token.' });
  });

  test('the grace window gives the predecessor the current token of the same chain', async () => {
    const user = await login();
    const first = await post('/oauth/token', { grant_type: 'refresh_token', refresh_token: user.refreshToken, client_id: APP_ID });
    const again = await post('/oauth/token', { grant_type: 'refresh_token', refresh_token: user.refreshToken, client_id: APP_ID });
    expect(again.status).toBe(200);
    expect(again.body.refresh_token).toBe(first.body.refresh_token);
  });

  test('reuse after the grace window kills the family: invalid_grant, the session gone, the hook called', async () => {
    const user = await login();
    const sid = server.verify(user.accessToken).sid;
    const first = await oauthClient('refresh', { token: user.refreshToken });
    expect(first.ok).toBe(true);
    await new Promise(resolve => setTimeout(resolve, 2200));
    const replay = await post('/oauth/token', { grant_type: 'refresh_token', refresh_token: user.refreshToken, client_id: APP_ID });
    expect(replay.status).toBe(400);
    expect(replay.body).toEqual({ error: 'invalid_grant', error_description: 'Refresh token reuse detected; the session has been revoked.' });
    expect(await rowOf(sid)).toBeUndefined();
    const after = await oauthClient('refresh', { token: first.result.refresh_token });
    expect(after.ok).toBe(false);
    expect(after.error.error).toBe('invalid_grant');
    const me = await rest('GET', '/users/me', { sessionToken: first.result.access_token });
    expect(me.body).toMatchObject({ code: 209, reason: 'session_revoked' });
    expect((await server.events()).some(e => e.type === 'onReuseDetected' && e.sessionId === sid)).toBe(true);
  });

  test('/users/refresh and /oauth/token share one chain', async () => {
    const user = await login();
    const viaParse = await rest('POST', '/users/refresh', { body: { client: user.userId, code: user.refreshToken } });
    expect(viaParse.status).toBe(200);
    const viaOAuth = await post('/oauth/token', { grant_type: 'refresh_token', refresh_token: viaParse.body.refreshToken, client_id: APP_ID });
    expect(viaOAuth.status).toBe(200);
    const back = await rest('POST', '/users/refresh', { body: { client: user.userId, code: viaOAuth.body.refresh_token } });
    expect(back.status).toBe(200);
  });
});

describe('revocation through /oauth/revoke', () => {
  test('oauth4webapi revokes a refresh token: the session and its access tokens end', async () => {
    const user = await login();
    const sid = server.verify(user.accessToken).sid;
    const { ok } = await oauthClient('revoke', { token: user.refreshToken });
    expect(ok).toBe(true);
    expect(await rowOf(sid)).toBeUndefined();
    const me = await rest('GET', '/users/me', { sessionToken: user.accessToken });
    expect(me.status).toBe(400);
    expect(me.body).toEqual({ code: 209, error: 'Session revoked.', reason: 'session_revoked' });
    expect(me.headers.get('www-authenticate')).toBe('Bearer error="invalid_token", error_description="session_revoked"');
  });

  test('revoking an access token ends its session', async () => {
    const user = await login();
    const sid = server.verify(user.accessToken).sid;
    const r = await post('/oauth/revoke', { token: user.accessToken, token_type_hint: 'access_token', client_id: APP_ID });
    expect(r.status).toBe(200);
    expect(r.text).toBe('');
    expect(await rowOf(sid)).toBeUndefined();
  });

  test('any token, valid or not, answers 200 with an empty body and changes nothing', async () => {
    await login();
    const before = await sessionRows(server);
    for (const token of ['garbage', 'eyJhbGciOiJIUzI1NiJ9.e30.x', 'AR' + 'A'.repeat(78), 'x'.repeat(5000)]) {
      const r = await post('/oauth/revoke', { token });
      expect(r.status).toBe(200);
      expect(r.text).toBe('');
    }
    expect(await sessionRows(server)).toEqual(before);
  });
});

describe('introspection through /oauth/introspect', () => {
  test('oauth4webapi introspects a live access token with the app id and master key: active, claims, read-only', async () => {
    const user = await login();
    const claims = server.verify(user.accessToken);
    const before = await rowOf(claims.sid);
    const { ok, result } = await oauthClient('introspect', { token: user.accessToken, clientSecret: MASTER_KEY });
    expect(ok).toBe(true);
    const { iss, aud, iat, exp, jti, sid } = claims;
    expect(result).toMatchObject({ active: true, token_type: 'access_token', client_id: APP_ID, sub: user.userId, username: user.username });
    expect(result).toMatchObject({ iss, aud, iat, exp, jti, sid });
    expect(await rowOf(claims.sid)).toEqual(before);
  });

  test('a configured resource server introspects a live refresh token; the row is unchanged', async () => {
    const user = await login();
    const sid = server.verify(user.accessToken).sid;
    const before = await rowOf(sid);
    const r = await post('/oauth/introspect', { token: user.refreshToken }, { headers: { Authorization: basic(RESOURCE_SERVER.id, RESOURCE_SERVER.secret) } });
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.body).toEqual({ active: true, token_type: 'refresh_token', client_id: APP_ID, sub: user.userId, sid, exp: Math.floor(new Date(before.refreshTokenExpiresAt).getTime() / 1000) });
    expect(await rowOf(sid)).toEqual(before);
  });

  test('active:false for revoked, rotated, unknown and malformed tokens, without side effects', async () => {
    const user = await login();
    const sid = server.verify(user.accessToken).sid;
    const rotated = await post('/oauth/token', { grant_type: 'refresh_token', refresh_token: user.refreshToken, client_id: APP_ID });
    const before = await sessionRows(server);
    const auth = { headers: { Authorization: basic(APP_ID, MASTER_KEY) } };
    // The predecessor (still inside the grace window, and later a reuse) is not live, and asking changes nothing.
    for (const token of [user.refreshToken, 'garbage', 'eyJhbGciOiJIUzI1NiJ9.e30.x', 'AR' + 'A'.repeat(78)]) {
      const r = await post('/oauth/introspect', { token }, auth);
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ active: false });
    }
    expect(await sessionRows(server)).toEqual(before);
    await post('/oauth/revoke', { token: rotated.body.refresh_token });
    expect(await rowOf(sid)).toBeUndefined();
    for (const token of [rotated.body.refresh_token, rotated.body.access_token, user.accessToken]) {
      expect((await post('/oauth/introspect', { token }, auth)).body).toEqual({ active: false });
    }
  });

  test('wrong or missing client credentials: 401 invalid_client with a Basic challenge', async () => {
    const user = await login();
    const cases = [
      {},
      { Authorization: basic(APP_ID, 'wrong-master-key') },
      { Authorization: basic(RESOURCE_SERVER.id, `${RESOURCE_SERVER.secret}x`) },
      { Authorization: basic('nobody', RESOURCE_SERVER.secret) },
      { Authorization: basic(SECOND_APP_ID, MASTER_KEY) },
      { Authorization: 'Basic !!!' },
      { Authorization: `Bearer ${user.accessToken}` },
      { 'X-Parse-Application-Id': APP_ID, 'X-Parse-Master-Key': MASTER_KEY },
    ];
    for (const headers of cases) {
      const r = await post('/oauth/introspect', { token: user.accessToken }, { headers });
      expect(r.status).toBe(401);
      expect(r.body.error).toBe('invalid_client');
      expect(r.headers.get('www-authenticate')).toMatch(/^Basic /);
    }
    const viaOAuth = await oauthClient('introspect', { token: user.accessToken, clientSecret: 'wrong' });
    expect(viaOAuth.ok).toBe(false);
  });
});

describe('bad input changes nothing and is never a 5xx', () => {
  let user;
  beforeAll(async () => {
    user = await login();
  });

  const tokenCases = () => [
    ['JSON body', JSON.stringify({ grant_type: 'refresh_token', refresh_token: user.refreshToken, client_id: APP_ID }), 'application/json', 400, 'invalid_request'],
    ['text/plain body', `grant_type=refresh_token&refresh_token=${user.refreshToken}&client_id=${APP_ID}`, 'text/plain', 400, 'invalid_request'],
    ['no content type', `grant_type=refresh_token&refresh_token=${user.refreshToken}&client_id=${APP_ID}`, null, 400, 'invalid_request'],
    ['empty body', '', undefined, 400, 'invalid_request'],
    ['missing grant_type', { refresh_token: user.refreshToken, client_id: APP_ID }, undefined, 400, 'invalid_request'],
    ['missing refresh_token', { grant_type: 'refresh_token', client_id: APP_ID }, undefined, 400, 'invalid_request'],
    ['missing client_id', { grant_type: 'refresh_token', refresh_token: user.refreshToken }, undefined, 400, 'invalid_request'],
    ['repeated refresh_token', `grant_type=refresh_token&client_id=${APP_ID}&refresh_token=${user.refreshToken}&refresh_token=${user.refreshToken}`, undefined, 400, 'invalid_request'],
    ['repeated grant_type', `grant_type=refresh_token&grant_type=refresh_token&client_id=${APP_ID}&refresh_token=${user.refreshToken}`, undefined, 400, 'invalid_request'],
    ['unknown grant', { grant_type: 'client_credentials', client_id: APP_ID }, undefined, 400, 'unsupported_grant_type'],
    ['password grant', { grant_type: 'password', username: user.username, password: 'pw-123456', client_id: APP_ID }, undefined, 400, 'unsupported_grant_type'],
    ['authorization_code grant', { grant_type: 'authorization_code', code: 'x', client_id: APP_ID }, undefined, 400, 'unsupported_grant_type'],
    ['operator object as refresh_token', `grant_type=refresh_token&client_id=${APP_ID}&refresh_token[$ne]=x`, undefined, 400, 'invalid_request'],
    ['array as refresh_token', `grant_type=refresh_token&client_id=${APP_ID}&refresh_token[]=${user.refreshToken}`, undefined, 400, 'invalid_request'],
    ['a scope', { grant_type: 'refresh_token', refresh_token: user.refreshToken, client_id: APP_ID, scope: 'admin' }, undefined, 400, 'invalid_scope'],
    ['wrong client_id', { grant_type: 'refresh_token', refresh_token: user.refreshToken, client_id: 'someone-else' }, undefined, 401, 'invalid_client'],
    ["the other app's client_id on this mount", { grant_type: 'refresh_token', refresh_token: user.refreshToken, client_id: SECOND_APP_ID }, undefined, 401, 'invalid_client'],
    ['garbage refresh token', { grant_type: 'refresh_token', refresh_token: 'not-a-token', client_id: APP_ID }, undefined, 400, 'invalid_grant'],
    ['a NUL in the refresh token', { grant_type: 'refresh_token', refresh_token: `${user.refreshToken}\u0000`, client_id: APP_ID }, undefined, 400, 'invalid_grant'],
    ['huge refresh token', { grant_type: 'refresh_token', refresh_token: 'A'.repeat(8000), client_id: APP_ID }, undefined, 400, 'invalid_grant'],
    ['huge body', { grant_type: 'refresh_token', refresh_token: 'A'.repeat(200 * 1024), client_id: APP_ID }, undefined, 413, 'invalid_request'],
    ['_method override in the form', { grant_type: 'refresh_token', refresh_token: 'x', client_id: APP_ID, _method: 'GET' }, undefined, 400, 'invalid_grant'],
  ];

  test('POST /oauth/token: the RFC error for each, rows unchanged', async () => {
    const before = await sessionRows(server);
    for (const [name, body, contentType, status, error] of tokenCases()) {
      const r = await post('/oauth/token', body, contentType === undefined ? {} : { contentType });
      expect({ name, status: r.status, error: r.body && r.body.error }).toEqual({ name, status, error });
      expect(typeof r.body.error_description).toBe('string');
    }
    expect(await sessionRows(server)).toEqual(before);
    // The real token still works afterwards: nothing was lost.
    const ok = await post('/oauth/token', { grant_type: 'refresh_token', refresh_token: user.refreshToken, client_id: APP_ID });
    expect(ok.status).toBe(200);
    user.refreshToken = ok.body.refresh_token;
  });

  test('POST /oauth/revoke and /oauth/introspect: the RFC error for each, rows unchanged', async () => {
    const before = await sessionRows(server);
    const auth = { Authorization: basic(APP_ID, MASTER_KEY) };
    const cases = [
      ['/oauth/revoke', JSON.stringify({ token: user.refreshToken }), { contentType: 'application/json' }, 400, 'invalid_request'],
      ['/oauth/revoke', {}, {}, 400, 'invalid_request'],
      ['/oauth/revoke', `token=${user.refreshToken}&token=${user.refreshToken}`, {}, 400, 'invalid_request'],
      ['/oauth/revoke', `token[$ne]=x`, {}, 400, 'invalid_request'],
      ['/oauth/revoke', { token: user.refreshToken, client_id: SECOND_APP_ID }, {}, 401, 'invalid_client'],
      ['/oauth/revoke', { token: 'A'.repeat(200 * 1024) }, {}, 413, 'invalid_request'],
      ['/oauth/introspect', JSON.stringify({ token: user.accessToken }), { contentType: 'application/json', headers: auth }, 400, 'invalid_request'],
      ['/oauth/introspect', {}, { headers: auth }, 400, 'invalid_request'],
      ['/oauth/introspect', `token=${user.accessToken}&token=${user.accessToken}`, { headers: auth }, 400, 'invalid_request'],
      ['/oauth/introspect', `token[$ne]=x`, { headers: auth }, 400, 'invalid_request'],
      ['/oauth/introspect', { token: 'A'.repeat(200 * 1024) }, { headers: auth }, 413, 'invalid_request'],
    ];
    for (const [route, body, options, status, error] of cases) {
      const r = await post(route, body, options);
      expect({ route, status: r.status, error: r.body && r.body.error }).toEqual({ route, status, error });
    }
    expect(await sessionRows(server)).toEqual(before);
  });

  test('Parse headers and a session token change nothing about who the app is', async () => {
    const before = await sessionRows(server);
    const headers = { 'X-Parse-Application-Id': SECOND_APP_ID, 'X-Parse-Session-Token': user.accessToken, 'X-Parse-Master-Key': 'psrt-second-master-key' };
    const r = await post('/oauth/token', { grant_type: 'refresh_token', refresh_token: user.refreshToken, client_id: SECOND_APP_ID }, { headers });
    expect(r.status).toBe(401);
    expect(r.body.error).toBe('invalid_client');
    expect(await sessionRows(server)).toEqual(before);
  });

  test("app A's refresh token on app B's mount is invalid_client there, and invalid_grant with B's client_id", async () => {
    const before = await sessionRows(server);
    const named = await post('/oauth/token', { grant_type: 'refresh_token', refresh_token: user.refreshToken, client_id: APP_ID }, { mount: '/second' });
    expect(named.status).toBe(401);
    expect(named.body.error).toBe('invalid_client');
    const asB = await post('/oauth/token', { grant_type: 'refresh_token', refresh_token: user.refreshToken, client_id: SECOND_APP_ID }, { mount: '/second' });
    expect(asB.status).toBe(400);
    expect(asB.body.error).toBe('invalid_grant');
    expect(await sessionRows(server)).toEqual(before);
  });

  test('a browser request (Origin) gets no refresh token in the body: unauthorized_client, nothing rotates', async () => {
    const before = await sessionRows(server);
    const r = await post('/oauth/token', { grant_type: 'refresh_token', refresh_token: user.refreshToken, client_id: APP_ID }, { headers: { Origin: 'https://elsewhere.example' } });
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('unauthorized_client');
    expect(await sessionRows(server)).toEqual(before);
  });
});

describe("Parse's rateLimit and routeAllowList reach the OAuth routes, which send no Parse header", () => {
  test('the token endpoint is rate limited like any Parse route', async () => {
    const limited = await startParseServer({
      // includeInternalRequests: Parse exempts 127.0.0.1, where the tests run, by default.
      server: { rateLimit: [{ requestPath: '/oauth/token', requestTimeWindow: 60000, requestCount: 2, includeInternalRequests: true }] },
    });
    try {
      const statuses = [];
      for (let i = 0; i < 4; i++) {
        const response = await fetch(`${limited.serverURL}/oauth/token`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'refresh_token', client_id: APP_ID, refresh_token: 'not-a-token' }).toString(),
        });
        statuses.push(response.status);
      }
      expect(statuses).toEqual([400, 400, 429, 429]);
    } finally {
      await limited.close();
    }
  });

  test('a routeAllowList without the OAuth routes refuses them; with them, they answer', async () => {
    const form = new URLSearchParams({ grant_type: 'refresh_token', client_id: APP_ID, refresh_token: 'not-a-token' }).toString();
    const send = target => fetch(`${target.serverURL}/oauth/token`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: form });
    const closed = await startParseServer({ server: { routeAllowList: ['users', 'login'] } });
    try {
      const refused = await send(closed);
      expect(refused.status).toBe(400);
      expect(await refused.json()).toEqual({ code: 119, error: 'Permission denied' }); // Parse's own answer
    } finally {
      await closed.close();
    }
    const open = await startParseServer({ server: { routeAllowList: ['users', 'login', 'oauth/token'] } });
    try {
      const answered = await send(open);
      expect(answered.status).toBe(400);
      expect((await answered.json()).error).toBe('invalid_grant');
    } finally {
      await open.close();
    }
  });
});
