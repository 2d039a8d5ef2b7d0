'use strict';
// The plugin acts on what Parse Server itself decided: the app (req.config, bound to the mount), the
// keys (master, read-only master, maintenance) and the one token Parse uses (header, or the body's
// `_SessionToken`). Requests that name another app, carry two tokens or two keys, or use a path
// variant get exactly Parse's decision, checked by the plugin.
const path = require('path');
const { sessionRows, withClient, APP_ID, MASTER_KEY, JAVASCRIPT_KEY, SECOND_APP_ID, SECOND_MASTER_KEY, signHS256 } = require('./support/parse-server');
const { serversForSuite, signUp, rawToken, username, PASSWORD } = require('./support/suite');

const RAW_TOKEN = /r:[0-9a-f]{32}/;
const LEGACY_DENIED = 'Legacy session tokens are not accepted; log in again.';

const start = serversForSuite();

function expect209(response, message) {
  expect(response.status).toBe(400);
  expect(response.body).toMatchObject({ code: 209, error: message });
  expect(response.body.reason).toMatch(/^[a-z_]+$/);
  expect(response.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
}

/** A pair as the plugin answers it: an access token of this server, never a raw token. */
function expectPair(server, response) {
  expect(response.text).not.toMatch(RAW_TOKEN);
  expect(server.verify(response.body.sessionToken).sub).toBe(response.body.objectId);
  expect(typeof response.body.refreshToken).toBe('string');
}

/** A JS SDK style request: text/plain body naming the app, without any app id header. */
async function sdkPost(server, urlPath, fields, headers = {}) {
  const body = { _ApplicationId: APP_ID, _JavaScriptKey: JAVASCRIPT_KEY, _ClientVersion: 'js8.6.0', ...fields };
  const response = await fetch(`${server.serverURL}${urlPath}`, { method: 'POST', headers: { 'Content-Type': 'text/plain', ...headers }, body: JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: JSON.parse(text) };
}

describe('a request to this app that names another app is served, and checked, as this app', () => {
  let server;
  let rest;
  beforeAll(async () => {
    ({ server, rest } = await start({ tokens: { legacySessionTokens: 'deny' }, secondApp: { tokens: false } }));
  });

  const namingOtherApp = { 'X-Parse-Application-Id': SECOND_APP_ID };
  const basicOtherApp = { Authorization: `Basic ${Buffer.from(`${SECOND_APP_ID}:${SECOND_MASTER_KEY}`).toString('base64')}` };

  test('the other app really is served at its own mount, without the plugin', async () => {
    const response = await fetch(`${server.secondURL}/users`, {
      method: 'POST',
      headers: { 'X-Parse-Application-Id': SECOND_APP_ID, 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: username(), password: PASSWORD }),
    });
    expect(response.status).toBe(201);
    expect((await response.json()).sessionToken).toMatch(/^r:[0-9a-f]{32}$/);
  });

  test.each([
    ['its app id header', namingOtherApp],
    ['Basic credentials', basicOtherApp],
  ])('signup and login naming the other app by %s get this app\'s pair', async (label, headers) => {
    const name = username();
    const signup = await rest('POST', '/users', { body: { username: name, password: PASSWORD }, headers });
    expect(signup.status).toBe(201);
    expectPair(server, signup);
    const login = await rest('POST', '/login', { body: { username: name, password: PASSWORD }, headers });
    expect(login.status).toBe(200);
    expectPair(server, login);
  });

  test.each([
    ['its app id header', namingOtherApp],
    ['Basic credentials', basicOtherApp],
  ])("'deny' refuses this app's raw token when the request names the other app by %s", async (label, headers) => {
    const alice = await signUp(rest);
    const raw = await rawToken(server, alice.userId);
    expect209(await rest('GET', '/users/me', { sessionToken: raw, headers }), LEGACY_DENIED);
    // The access token still works the same way.
    const me = await rest('GET', '/users/me', { sessionToken: alice.sessionToken, headers });
    expect(me.status).toBe(200);
    expect(me.body.objectId).toBe(alice.userId);
  });
});

describe('the token Parse uses is the token the plugin checks', () => {
  let server;
  let rest;
  let alice;
  let victim;
  beforeAll(async () => {
    ({ server, rest } = await start({ tokens: { legacySessionTokens: 'deny' } }));
    alice = await signUp(rest);
    victim = await signUp(rest);
    victim.raw = await rawToken(server, victim.userId);
  });

  test.each([
    ['X-Parse-Session-Token', () => ({ 'X-Parse-Session-Token': alice.sessionToken })],
    ['Authorization: Bearer', () => ({ Authorization: `Bearer ${alice.sessionToken}` })],
  ])("a valid access token in %s beside a victim's raw token in the body: the body token is judged", async (label, headers) => {
    const response = await sdkPost(server, '/users/me', { _method: 'GET', _SessionToken: victim.raw }, headers());
    expect209(response, LEGACY_DENIED);
  });

  test('the same in GraphQL: Parse reads no body before its GraphQL headers step, and refuses it', async () => {
    const response = await fetch(server.graphqlURL, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain', 'X-Parse-Session-Token': alice.sessionToken },
      body: JSON.stringify({ _ApplicationId: APP_ID, _JavaScriptKey: JAVASCRIPT_KEY, _SessionToken: victim.raw, query: '{ viewer { user { username } } }' }),
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ error: 'unauthorized' });
  });

  test('an access token in the body wins over a bad header token, as Parse decides', async () => {
    const response = await sdkPost(server, '/users/me', { _method: 'GET', _SessionToken: alice.sessionToken }, { 'X-Parse-Session-Token': 'garbage' });
    expect(response.status).toBe(200);
    expect(response.body.objectId).toBe(alice.userId);
    expect(response.body.sessionToken).toBe(alice.sessionToken);
  });

  test('Authorization: Bearer is used only where Parse found no token', async () => {
    const both = await rest('GET', '/users/me', { sessionToken: victim.raw, headers: { Authorization: `Bearer ${alice.sessionToken}` } });
    expect209(both, LEGACY_DENIED);
    const bearerOnly = await rest('GET', '/users/me', { headers: { Authorization: `Bearer ${alice.sessionToken}` } });
    expect(bearerOnly.status).toBe(200);
    expect(bearerOnly.body.objectId).toBe(alice.userId);
  });
});

describe('path variants reach the checks Parse routes them to', () => {
  let server;
  let rest;
  let alice;
  beforeAll(async () => {
    ({ server, rest } = await start({ tokens: { legacySessionTokens: 'deny' } }));
    alice = await signUp(rest);
    alice.raw = await rawToken(server, alice.userId);
  });

  test.each(['/files/APP/x.txt', '//files/APP/x.txt', '/FILES/APP/x.txt', '/files/%70srt-test-app/x.txt', '/files/APP/metadata/x.txt'])(
    "a file download at %s with a raw token is refused in 'deny' mode",
    async variant => {
      const url = `${server.serverURL}${variant.replace('APP', APP_ID)}`;
      const refused = await fetch(url, { headers: { 'X-Parse-Session-Token': alice.raw } });
      expect(refused.status).toBe(400);
      expect(await refused.json()).toEqual({ code: 209, error: LEGACY_DENIED, reason: 'legacy_session_token_denied' });
      // With the access token the request gets Parse's own answer for a file that is not there.
      const served = await fetch(url, { headers: { 'X-Parse-Session-Token': alice.sessionToken } });
      expect(served.status).not.toBe(400);
      expect(await served.text()).not.toMatch(RAW_TOKEN);
    }
  );

  test('the refresh endpoint answers at every spelling Parse routes to it', async () => {
    let code = alice.refreshToken;
    for (const variant of ['/users/refresh/', '/USERS/refresh', '//users/refresh', '/users/Refresh']) {
      const response = await rest('POST', variant, { body: { client: alice.userId, code } });
      expect(response.status).toBe(200);
      expect(server.verify(response.body.accessToken).sub).toBe(alice.userId);
      code = response.body.refreshToken;
    }
  });
});

describe("Parse's rateLimit and routeAllowList apply to the endpoints", () => {
  test('refresh and revoke are rate limited like any Parse route', async () => {
    const { rest } = await start({
      server: {
        rateLimit: [
          // includeInternalRequests: Parse exempts 127.0.0.1, where the tests run, by default.
          { requestPath: '/users/refresh', requestTimeWindow: 60000, requestCount: 3, includeInternalRequests: true },
          { requestPath: '/users/revoke', requestTimeWindow: 60000, requestCount: 2, includeInternalRequests: true },
        ],
      },
    });
    const alice = await signUp(rest);
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push((await rest('POST', '/users/refresh', { body: { client: alice.userId, code: 'not-a-token' } })).status);
    expect(answers).toEqual([400, 400, 400, 429, 429]);
    const limited = await rest('POST', '/users/refresh', { body: { client: alice.userId, code: alice.refreshToken } });
    expect(limited.body).toEqual({ code: 100, error: 'Too many requests.' }); // Parse's own answer
    const revokes = [];
    for (let i = 0; i < 3; i++) revokes.push((await rest('POST', '/users/revoke', { body: { code: 'not-a-token' } })).status);
    expect(revokes).toEqual([400, 400, 429]);
    // The limited refresh changed nothing: the token still works once the window allows it (not here).
    expect((await rest('GET', '/users/me', { sessionToken: alice.sessionToken })).status).toBe(200);
  });

  test('a routeAllowList without the endpoints refuses them; with them, they work', async () => {
    const { rest: closed } = await start({ server: { routeAllowList: ['users', 'login'] } });
    const bob = await signUp(closed);
    const refused = await closed('POST', '/users/refresh', { body: { client: bob.userId, code: bob.refreshToken } });
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({ code: 119, error: 'Permission denied' }); // Parse's sanitized answer
    const { rest: open } = await start({ server: { routeAllowList: ['users', 'login', 'users/refresh', 'users/revoke'] } });
    const carol = await signUp(open);
    const refreshed = await open('POST', '/users/refresh', { body: { client: carol.userId, code: carol.refreshToken } });
    expect(refreshed.status).toBe(200);
  });
});

describe('Parse options and pages that must keep working', () => {
  test('expireInactiveSessions: false: signup, login and refresh work; nothing is left behind', async () => {
    const { server, rest } = await start({ server: { expireInactiveSessions: false } });
    const name = username();
    const signup = await rest('POST', '/users', { body: { username: name, password: PASSWORD } });
    expect(signup.status).toBe(201);
    expectPair(server, signup);
    const alice = { username: name, userId: signup.body.objectId };
    const login = await rest('POST', '/login', { body: { username: alice.username, password: PASSWORD } });
    expect(login.status).toBe(200);
    expectPair(server, login);
    const refreshed = await rest('POST', '/users/refresh', { body: { client: alice.userId, code: login.body.refreshToken } });
    expect(refreshed.status).toBe(200);
    const rows = await sessionRows(server);
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row.expiresAt).toBeNull();
      expect(row.refreshTokenExpiresAt).toBeNull();
    }
  });

  test('refreshTokenTTL still bounds a login when sessions never expire', async () => {
    const { server, rest } = await start({ tokens: { refreshTokenTTL: 3600 }, server: { expireInactiveSessions: false } });
    const alice = await signUp(rest);
    const [row] = await sessionRows(server);
    expect(Math.abs(new Date(row.expiresAt).getTime() - (Date.now() + 3600 * 1000))).toBeLessThan(60 * 1000);
    expect(new Date(row.refreshTokenExpiresAt).getTime()).toBe(new Date(row.expiresAt).getTime());
    expect(alice.refreshToken).toEqual(expect.any(String));
  });

  test("Parse's password reset page takes its form-encoded body", async () => {
    const { server, rest } = await start({ emails: true });
    const address = `reset${Date.now()}@example.com`;
    const alice = await signUp(rest, { fields: { email: address } });
    expect((await rest('POST', '/requestPasswordReset', { body: { email: address } })).status).toBe(200);
    let email;
    for (let i = 0; i < 50 && !email; i++) {
      email = (await server.emails()).find(e => e.type === 'reset' && e.username === alice.username);
      if (!email) await new Promise(resolve => setTimeout(resolve, 100));
    }
    const token = new URL(email.link).searchParams.get('token');
    const page = await fetch(`${server.serverURL}/apps/${APP_ID}/request_password_reset`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ new_password: 'a-new-password-1', token }).toString(),
      redirect: 'manual',
    });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Success!');
    const login = await rest('POST', '/login', { body: { username: alice.username, password: 'a-new-password-1' } });
    expect(login.status).toBe(200);
    expectPair(server, login);
  });

  test('a form-encoded request naming its app in the body is served', async () => {
    const { server, rest } = await start({});
    const alice = await signUp(rest);
    const response = await fetch(`${server.serverURL}/functions/whoAmI`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _ApplicationId: APP_ID, _JavaScriptKey: JAVASCRIPT_KEY, _SessionToken: alice.sessionToken }).toString(),
    });
    expect(response.status).toBe(200);
    expect((await response.json()).result.id).toBe(alice.userId);
  });

  test('a form-encoded request with a cloud-code context header: the function gets both', async () => {
    const { server, rest } = await start({});
    const alice = await signUp(rest);
    const response = await fetch(`${server.serverURL}/functions/echoContext`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Parse-Cloud-Context': JSON.stringify({ source: 'test' }) },
      body: new URLSearchParams({ _ApplicationId: APP_ID, _JavaScriptKey: JAVASCRIPT_KEY, _SessionToken: alice.sessionToken, note: 'hi' }).toString(),
    });
    expect(response.status).toBe(200);
    expect((await response.json()).result).toEqual({ context: { source: 'test' }, params: { note: 'hi' }, user: alice.userId });
  });
});

describe('keys: Parse authenticates them first, and exempts them from the client-key check', () => {
  let server;
  let rest;
  let alice;
  beforeAll(async () => {
    ({ server, rest } = await start({ server: { maintenanceKey: 'psrt-maintenance-key', readOnlyMasterKey: 'psrt-read-only-master' } }));
    alice = await signUp(rest);
  });

  test('a master-key request carrying a stale access token is served', async () => {
    const expired = signHS256({ alg: 'HS256', typ: 'at+jwt', kid: 'default' }, { iss: server.serverURL, aud: APP_ID, sub: alice.userId, sid: 'x', iat: 1, exp: 2, jti: 'j' });
    for (const token of [expired, 'eyJhbGciOiJIUzI1NiJ9.e30.bad', alice.sessionToken.slice(0, -3) + 'abc']) {
      const response = await rest('GET', '/classes/_User', { master: true, sessionToken: token });
      expect(response.status).toBe(200);
      expect(response.body.results.length).toBeGreaterThan(0);
    }
    // Without the master key the same tokens are refused.
    expect209(await rest('GET', '/classes/_User', { sessionToken: expired }), 'Access token expired.');
  });

  test('a master-key request carrying a revoked access token is served', async () => {
    const bob = await signUp(rest);
    expect((await rest('POST', '/logout', { sessionToken: bob.sessionToken })).status).toBe(200);
    expect209(await rest('GET', '/users/me', { sessionToken: bob.sessionToken }), 'Session revoked.');
    const response = await rest('GET', `/users/${bob.userId}`, { master: true, sessionToken: bob.sessionToken });
    expect(response.status).toBe(200);
    expect(response.body.username).toBe(bob.username);
  });

  test('a master-key request with a valid access token acts for its session where Parse reads it, and gets Parse\'s own answer', async () => {
    const me = await rest('GET', '/users/me', { master: true, sessionToken: alice.sessionToken });
    expect(me.status).toBe(200);
    expect(me.body.objectId).toBe(alice.userId);
    expect(me.body.sessionToken).toBe(await rawToken(server, alice.userId)); // the key reads it anyway
  });

  test("a master-key listing of _Session that carries the caller's token returns every row as stored", async () => {
    const raw = await rawToken(server, alice.userId);
    const listing = await rest('GET', `/classes/_Session?where=${encodeURIComponent(JSON.stringify({ user: { __type: 'Pointer', className: '_User', objectId: alice.userId } }))}`, {
      master: true,
      sessionToken: alice.sessionToken,
    });
    expect(listing.status).toBe(200);
    expect(listing.body.results.map(row => row.sessionToken)).toContain(raw);
    expect(listing.text).not.toMatch(/eyJ[A-Za-z0-9_-]*\./);
  });

  /** A request with exactly these headers: no client key unless given. */
  const bare = async headers => {
    const response = await fetch(`${server.serverURL}/classes/_User`, { headers: { 'X-Parse-Application-Id': APP_ID, ...headers } });
    return { status: response.status, body: await response.json() };
  };

  test.each([
    ['the maintenance key', { 'X-Parse-Maintenance-Key': 'psrt-maintenance-key' }],
    ['the read-only master key', { 'X-Parse-Master-Key': 'psrt-read-only-master' }],
    ['the master key', { 'X-Parse-Master-Key': MASTER_KEY }],
  ])('%s needs no client key', async (label, headers) => {
    const response = await bare(headers);
    expect(response.status).toBe(200);
    expect(Array.isArray(response.body.results)).toBe(true);
  });

  test('without a key or a client key, Parse refuses the request as before', async () => {
    expect(await bare({})).toEqual({ status: 403, body: { error: 'unauthorized' } });
    expect(await bare({ 'X-Parse-Master-Key': 'not-the-key' })).toEqual({ status: 403, body: { error: 'unauthorized' } });
  });
});

describe('deletes end sessions at once', () => {
  let server;
  let rest;
  beforeAll(async () => {
    ({ server, rest } = await start({}));
  });

  test('DELETE /sessions/:id: its access token is refused on the next request, its refresh token too', async () => {
    const alice = await signUp(rest);
    expect((await rest('GET', '/users/me', { sessionToken: alice.sessionToken })).status).toBe(200); // cached now
    const mine = await rest('GET', '/sessions/me', { sessionToken: alice.sessionToken });
    expect(mine.status).toBe(200);
    const deleted = await rest('DELETE', `/sessions/${mine.body.objectId}`, { sessionToken: alice.sessionToken });
    expect(deleted.status).toBe(200);
    expect209(await rest('GET', '/users/me', { sessionToken: alice.sessionToken }), 'Session revoked.');
    const refresh = await rest('POST', '/users/refresh', { body: { client: alice.userId, code: alice.refreshToken } });
    expect209(refresh, 'Invalid refresh token.');
  });

  test('DELETE /users/:id: every session of the user ends', async () => {
    const alice = await signUp(rest);
    const second = await rest('POST', '/login', { body: { username: alice.username, password: PASSWORD } });
    expect((await rest('GET', '/users/me', { sessionToken: second.body.sessionToken })).status).toBe(200);
    const deleted = await rest('DELETE', `/users/${alice.userId}`, { sessionToken: alice.sessionToken });
    expect(deleted.status).toBe(200);
    expect((await sessionRows(server)).filter(row => row.user === alice.userId)).toEqual([]);
    expect209(await rest('GET', '/users/me', { sessionToken: second.body.sessionToken }), 'Session revoked.');
    const refresh = await rest('POST', '/users/refresh', { body: { client: alice.userId, code: second.body.refreshToken } });
    expect209(refresh, 'Invalid refresh token.');
  });

  test("GET /sessions/me: Parse lets an expired session through; an access token of one is refused", async () => {
    const alice = await signUp(rest);
    const raw = await rawToken(server, alice.userId);
    await withClient(server.databaseURI, client => client.query(`UPDATE "_Session" SET "expiresAt" = now() - interval '1 minute' WHERE "user" = $1`, [alice.userId]));
    const parseOwn = await rest('GET', '/sessions/me', { sessionToken: raw });
    expect(parseOwn.status).toBe(200); // Parse's design, unchanged for its own tokens
    expect(parseOwn.text).not.toMatch(RAW_TOKEN);
    expect209(await rest('GET', '/sessions/me', { sessionToken: alice.sessionToken }), 'Session expired.');
  });

  test('a delete the caller may not make ends nothing', async () => {
    const alice = await signUp(rest);
    const mallory = await signUp(rest);
    const mine = await rest('GET', '/sessions/me', { sessionToken: alice.sessionToken });
    const refused = await rest('DELETE', `/sessions/${mine.body.objectId}`, { sessionToken: mallory.sessionToken });
    expect(refused.status).not.toBe(200);
    expect((await rest('GET', '/users/me', { sessionToken: alice.sessionToken })).status).toBe(200);
  });
});

describe('start-up checks of the Parse Server coupling', () => {
  test('a Parse Server without a member the plugin wraps stops start-up, naming it', () => {
    const { parseServerModules } = require('../lib/parse');
    const { refreshTokens } = require('..');
    const { middlewares, version } = parseServerModules();
    const original = middlewares.matchesExactRoute;
    delete middlewares.matchesExactRoute;
    try {
      const tokens = refreshTokens({ secret: 'x'.repeat(32) });
      expect(() => tokens.parseServerOptions({ appId: 'startup-check', serverURL: 'http://localhost/parse' })).toThrow(
        new Error(`parse-server-refresh-token: parse-server ${version} has no middlewares.matchesExactRoute, which this plugin needs; parse-server 9.x is required.`)
      );
    } finally {
      middlewares.matchesExactRoute = original;
    }
  });

  test('parseServerOptions() after new ParseServer() for that app stops start-up', async () => {
    const child = require('child_process').spawnSync(
      process.execPath,
      [
        '-e',
        `const { ParseServer } = require('parse-server');
         const { refreshTokens } = require(${JSON.stringify(path.join(__dirname, '..'))});
         new ParseServer({ appId: 'late', masterKey: 'm', databaseURI: 'postgres://127.0.0.1:1/none', serverURL: 'http://localhost/parse' });
         try { refreshTokens({ secret: 'x'.repeat(32) }).parseServerOptions({ appId: 'late', serverURL: 'http://localhost/parse' }); }
         catch (error) { console.log(error.message); process.exit(0); }
         process.exit(3);`,
      ],
      { encoding: 'utf8', timeout: 30000 }
    );
    // (Parse prints its deprecation warnings on stdout first.)
    expect(child.stdout.trim().split('\n').pop()).toBe('parse-server-refresh-token: call parseServerOptions() before new ParseServer() for app late.');
    expect(child.status).toBe(0);
  });

  test('an app rebuilt after the plugin is in place (a restart in one process) is accepted', () => {
    const child = require('child_process').spawnSync(
      process.execPath,
      [
        '-e',
        `const { ParseServer } = require('parse-server');
         const { refreshTokens } = require(${JSON.stringify(path.join(__dirname, '..'))});
         const options = { appId: 'again', masterKey: 'm', databaseURI: 'postgres://127.0.0.1:1/none', serverURL: 'http://localhost/parse' };
         new ParseServer(refreshTokens({ secret: 'x'.repeat(32) }).parseServerOptions(options));
         new ParseServer(refreshTokens({ secret: 'x'.repeat(32) }).parseServerOptions(options));
         console.log('rebuilt');
         process.exit(0);`,
      ],
      { encoding: 'utf8', timeout: 30000 }
    );
    expect(child.stdout.trim().split('\n').pop()).toBe('rebuilt');
    expect(child.status).toBe(0);
  });
});
