'use strict';
// A pair goes only to the response of the request whose login created its session, and only into
// Parse's own token fields: no token is minted for token-shaped data or text, no access token buys
// a longer-lived credential, master-key clients get Parse's own rows, no token reaches a log, and
// browsers get refresh tokens only the way the operator chose.
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');
const Parse = require('parse/node');
const { sessionRows, signHS256, APP_ID, JAVASCRIPT_KEY, MASTER_KEY } = require('./support/parse-server');
const { serversForSuite, signUp, rawToken, username, PASSWORD } = require('./support/suite');

const RAW_TOKEN = /r:[0-9a-f]{32}/;
const JWS = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/;
const RAW_DATA = { 'X-Test-Raw-Data': '1' }; // this request returns token-shaped user data on purpose

const start = serversForSuite();

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

describe('no token is minted for token-shaped text', () => {
  let server;
  let rest;
  let alice;
  beforeAll(async () => {
    ({ server, rest } = await start({ tokens: { legacySessionTokens: 'deny' } }));
    alice = await signUp(rest);
    alice.raw = await rawToken(server, alice.userId);
  });

  test('a function name that is a live raw token: the error echoes the text, no access token', async () => {
    const response = await rest('POST', `/functions/${alice.raw}`, { body: {}, headers: RAW_DATA });
    expect(response.status).toBe(400);
    expect(response.body.error).toContain(alice.raw);
    expect(response.text).not.toMatch(JWS);
  });

  test('a public object storing a live raw token is read back as stored, by anyone, with no access token', async () => {
    const stored = await rest('POST', '/classes/Note', { body: { text: `token ${alice.raw}`, raw: alice.raw } });
    expect(stored.status).toBe(201);
    const read = await rest('GET', `/classes/Note/${stored.body.objectId}`, { headers: RAW_DATA });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ text: `token ${alice.raw}`, raw: alice.raw });
    expect(read.text).not.toMatch(JWS);
    // And in 'deny' mode the stored raw token stays refused.
    const refused = await rest('GET', '/users/me', { sessionToken: alice.raw });
    expect(refused.body).toEqual({ code: 209, error: 'Legacy session tokens are not accepted; log in again.', reason: 'legacy_session_token_denied' });
  });

  test('a 10 MB object of 300,000 token-shaped strings: every read and query of it answers', async () => {
    const hex = i => i.toString(16).padStart(32, '0');
    const text = Array.from({ length: 300000 }, (_, i) => `r:${hex(i)}`).join(' ');
    const stored = await rest('POST', '/classes/Bulk', { body: { text } });
    expect(stored.status).toBe(201);
    for (const sessionToken of [undefined, alice.sessionToken]) {
      const read = await rest('GET', `/classes/Bulk/${stored.body.objectId}`, { sessionToken, headers: RAW_DATA });
      expect(read.status).toBe(200);
      expect(read.body.text).toBe(text);
      const query = await rest('GET', '/classes/Bulk', { sessionToken, headers: RAW_DATA });
      expect(query.status).toBe(200);
      expect(query.body.results[0].text).toBe(text);
    }
  });
});

describe('pairs reach the response of the login that made them, never another', () => {
  test('200 concurrent logins while a master listing of _Session polls: each login gets its own pair', async () => {
    const { server, rest } = await start({});
    const users = [];
    for (let i = 0; i < 5; i++) users.push(await signUp(rest));
    let polling = true;
    const masterTexts = [];
    const poller = (async () => {
      while (polling) masterTexts.push((await rest('GET', '/sessions?limit=1000', { master: true })).text);
    })();
    const logins = [];
    for (let round = 0; round < 10; round++) {
      const batch = [];
      for (let i = 0; i < 20; i++) {
        const user = users[i % users.length];
        batch.push(rest('POST', '/login', { body: { username: user.username, password: PASSWORD } }).then(r => ({ user, r })));
      }
      logins.push(...(await Promise.all(batch)));
    }
    polling = false;
    await poller;
    expect(logins).toHaveLength(200);
    const sids = new Set();
    for (const { user, r } of logins) {
      expect(r.status).toBe(200);
      expect(typeof r.body.refreshToken).toBe('string');
      const claims = server.verify(r.body.sessionToken);
      expect(claims.sub).toBe(user.userId);
      sids.add(claims.sid);
    }
    expect(sids.size).toBe(200);
    expect(masterTexts.length).toBeGreaterThan(0);
    for (const text of masterTexts) {
      expect(text).not.toContain('refreshToken');
      expect(text).not.toMatch(JWS);
    }
  });
});

describe("master-key clients get Parse's own rows: the LiveQuery role cache works over HTTP", () => {
  test('with directAccess: false, a user who leaves a role stops receiving its events', async () => {
    const { server, rest } = await start({ server: { directAccess: false } });
    const alice = await signUp(rest);
    const role = await rest('POST', '/roles', {
      master: true,
      body: {
        name: `members${Date.now()}`,
        ACL: { '*': { read: true }, [alice.userId]: { write: true } },
        users: { __op: 'AddRelation', objects: [{ __type: 'Pointer', className: '_User', objectId: alice.userId }] },
      },
    });
    expect(role.status).toBe(201);
    const roleName = (await rest('GET', `/roles/${role.body.objectId}`, { master: true })).body.name;
    Parse.initialize(APP_ID, JAVASCRIPT_KEY);
    const client = new Parse.LiveQueryClient({ applicationId: APP_ID, serverURL: server.liveQueryURL, javascriptKey: JAVASCRIPT_KEY, sessionToken: alice.sessionToken });
    client.open();
    try {
      const subscription = client.subscribe(new Parse.Query('Note'), alice.sessionToken);
      await subscription.subscribePromise;
      const seen = [];
      subscription.on('create', object => seen.push(object.get('text')));
      const note = text => rest('POST', '/classes/Note', { master: true, body: { text, ACL: { [`role:${roleName}`]: { read: true } } } });
      await note('while a member');
      for (let i = 0; i < 50 && !seen.includes('while a member'); i++) await sleep(100);
      expect(seen).toEqual(['while a member']);
      const left = await rest('PUT', `/roles/${role.body.objectId}`, {
        sessionToken: alice.sessionToken,
        body: { users: { __op: 'RemoveRelation', objects: [{ __type: 'Pointer', className: '_User', objectId: alice.userId }] } },
      });
      expect(left.status).toBe(200);
      await sleep(500); // the LiveQuery server clears the role cache from its publisher channel
      await note('after leaving');
      await rest('POST', '/classes/Note', { master: true, body: { text: 'public', ACL: { '*': { read: true } } } });
      for (let i = 0; i < 50 && !seen.includes('public'); i++) await sleep(100);
      expect(seen).toEqual(['while a member', 'public']);
    } finally {
      await client.close();
    }
  });
});

describe('no token in the logs', () => {
  let server;
  let rest;
  let logsFolder;
  beforeAll(async () => {
    logsFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'psrt-logs-'));
    ({ server, rest } = await start({ hooks: [], server: { logsFolder, silent: false, logLevel: 'verbose', verbose: true } }));
  });

  const allLogs = () => server.output() + fs.readdirSync(logsFolder).map(name => fs.readFileSync(path.join(logsFolder, name), 'utf8')).join('\n');
  /** The logs once every marker is in them (file transports write asynchronously), at most 5 s on. */
  async function logsWith(...markers) {
    let logs = allLogs();
    for (let i = 0; i < 50 && !markers.every(marker => logs.includes(marker)); i++) {
      await sleep(100);
      logs = allLogs();
    }
    return logs;
  }

  test("the documented issueTokens pattern: the client gets the pair, Parse's logs get no token", async () => {
    const alice = await signUp(rest);
    const custom = await rest('POST', '/functions/customLogin', { body: { username: alice.username, code: 'letmein' } });
    expect(custom.status).toBe(200);
    const { result } = custom.body;
    expect(typeof result.refreshToken).toBe('string');
    expect(server.verify(result.accessToken).sub).toBe(alice.userId);
    const refreshed = await rest('POST', '/users/refresh', { body: { client: alice.userId, code: result.refreshToken } });
    expect(refreshed.status).toBe(200);
    const logs = await logsWith('Ran cloud function customLogin');
    expect(logs).toContain('Ran cloud function customLogin'); // the function result was logged...
    for (const token of [result.refreshToken, result.accessToken, alice.refreshToken, alice.sessionToken, refreshed.body.refreshToken, refreshed.body.accessToken]) {
      expect(logs).not.toContain(token); // ...without any token
    }
    expect(logs).not.toMatch(RAW_TOKEN);
  });

  test('tokens deep inside function input and output, and an object logged twice, are redacted too', async () => {
    const carol = await signUp(rest);
    let deep = { refreshToken: carol.refreshToken, at: `Bearer ${carol.sessionToken}`, text: `x ${carol.refreshToken} y` };
    for (let i = 0; i < 16; i++) deep = { n: deep };
    expect((await rest('POST', '/functions/whoAmI', { sessionToken: carol.sessionToken, body: { deep } })).status).toBe(200);
    expect((await rest('POST', '/functions/logTwice', { sessionToken: carol.sessionToken, body: {} })).body).toEqual({ result: 'logged' });
    const deepResult = await rest('POST', '/functions/deepResult', { sessionToken: carol.sessionToken, body: {} });
    expect(JSON.stringify(deepResult.body)).toContain(carol.sessionToken); // the caller gets its own access token back
    const logs = await logsWith('logTwice', 'Ran cloud function deepResult');
    expect(logs).toContain('logTwice');
    expect(logs).toContain('Ran cloud function deepResult');
    for (const token of [carol.refreshToken, carol.sessionToken]) expect(logs).not.toContain(token);
    expect(logs).not.toMatch(RAW_TOKEN);
  });

  test('reuse, revocation and refused refreshes are logged with ids and reasons, never a token', async () => {
    const bob = await signUp(rest);
    const first = await rest('POST', '/users/refresh', { body: { client: bob.userId, code: bob.refreshToken } });
    const { sid } = server.verify(bob.sessionToken);
    // Two rotations later the first token is no longer the immediate predecessor: its use is reuse.
    const second = await rest('POST', '/users/refresh', { body: { client: bob.userId, code: first.body.refreshToken } });
    expect(second.status).toBe(200);
    const reused = await rest('POST', '/users/refresh', { body: { client: bob.userId, code: bob.refreshToken } });
    expect(reused.body).toEqual({ code: 209, error: 'Refresh token reuse detected; the session has been revoked.', reason: 'refresh_token_reused' });
    const unknown = await rest('POST', '/users/refresh', { body: { client: bob.userId, code: 'not-a-refresh-token' } });
    expect(unknown.body.code).toBe(209);
    const logs = await logsWith('refresh token reuse detected', 'refresh refused');
    const lines = logs.split('\n');
    const reuseLine = lines.find(line => line.includes('refresh token reuse detected') && line.includes(sid));
    expect(reuseLine).toBeDefined();
    expect(reuseLine).toContain(bob.userId);
    expect(lines.some(line => line.includes('refresh refused') && line.includes('Invalid refresh token.'))).toBe(true);
    for (const token of [bob.refreshToken, first.body.refreshToken, second.body.refreshToken]) expect(logs).not.toContain(token);
  });
});

describe('linking a login provider with an access token', () => {
  const link = (rest, user, id) =>
    rest('PUT', `/users/${user.userId}`, { sessionToken: user.sessionToken, body: { authData: { anonymous: { id } } } });
  const loginWith = (rest, id) => rest('POST', '/users', { body: { authData: { anonymous: { id } } } });

  test("authDataLinking 'deny': refused, nothing linked; unlinking still works", async () => {
    const { server, rest } = await start({ tokens: { authDataLinking: 'deny' } });
    const victim = await signUp(rest);
    const id = `attacker-${Date.now()}`;
    const refused = await link(rest, victim, id);
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({ code: 119, error: "A login provider cannot be linked with an access token (authDataLinking is 'deny')." });
    const other = await loginWith(rest, id);
    expect(other.body.objectId).not.toBe(victim.userId); // a new anonymous user, not a way into the victim's
    const unlink = await rest('PUT', `/users/${victim.userId}`, { sessionToken: victim.sessionToken, body: { authData: { anonymous: null } } });
    expect(unlink.status).toBe(200);
    expect(server.verify(victim.sessionToken).sub).toBe(victim.userId);
  });

  test("authDataLinking 'allow' (the default): Parse's linking works, as documented", async () => {
    const { rest } = await start({});
    const user = await signUp(rest);
    const id = `own-${Date.now()}`;
    expect((await link(rest, user, id)).status).toBe(200);
    const viaProvider = await loginWith(rest, id);
    expect(viaProvider.body.objectId).toBe(user.userId);
  });
});

describe('browsers get refresh tokens only as the operator chose', () => {
  let server;
  let rest;
  beforeAll(async () => {
    ({ server, rest } = await start({ server: { javascriptKey: null, restAPIKey: null } })); // Parse 9's default: no client keys
  });

  /** A login the way a browser page sends it with the JS SDK and no JavaScript key. */
  async function browserLogin(name, origin) {
    const headers = { 'Content-Type': 'text/plain' };
    if (origin) headers.Origin = origin;
    const response = await fetch(`${server.serverURL}/login`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ _ApplicationId: APP_ID, _ClientVersion: 'js8.6.0', _method: 'GET', username: name, password: PASSWORD }),
    });
    return { status: response.status, body: await response.json(), cookies: response.headers.getSetCookie() };
  }

  test('a browser-shaped login without a JavaScript key gets no refresh token; native and server clients do', async () => {
    const alice = await signUp(rest);
    const browser = await browserLogin(alice.username, 'https://app.example');
    expect(browser.status).toBe(200);
    expect(server.verify(browser.body.sessionToken).sub).toBe(alice.userId);
    expect(browser.body).not.toHaveProperty('refreshToken');
    expect(browser.cookies).toEqual([]);
    const native = await browserLogin(alice.username, undefined);
    expect(native.status).toBe(200);
    expect(typeof native.body.refreshToken).toBe('string');
  });
});

describe('cookie mode: the cookie works only for allowed origins, with CORS for them', () => {
  let server;
  let rest;
  const allowed = 'http://localhost:4321';
  beforeAll(async () => {
    ({ server, rest } = await start({ tokens: { browserRefresh: 'cookie', allowedOrigins: [allowed] } }));
  });

  async function login(origin) {
    const { username: name } = await signUp(rest);
    const response = await fetch(`${server.serverURL}/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain', Origin: origin },
      body: JSON.stringify({ _ApplicationId: APP_ID, _JavaScriptKey: JAVASCRIPT_KEY, _method: 'GET', username: name, password: PASSWORD }),
    });
    const body = await response.json();
    return { response, body, cookies: response.headers.getSetCookie() };
  }

  const cookieValue = cookies => /^parse_refresh_token=([^;]+)/.exec(cookies[0])[1];

  test('a page on an allowed origin: cookie at login, CORS with credentials, refresh and revoke work', async () => {
    const { response, body, cookies } = await login(allowed);
    expect(response.headers.get('access-control-allow-origin')).toBe(allowed);
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
    expect(cookies).toHaveLength(1);
    const refresh = await fetch(`${server.serverURL}/users/refresh`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain', Origin: allowed, Cookie: `parse_refresh_token=${cookieValue(cookies)}` },
      body: JSON.stringify({ _ApplicationId: APP_ID, _JavaScriptKey: JAVASCRIPT_KEY, client: body.objectId }),
    });
    expect(refresh.status).toBe(200);
    expect(refresh.headers.get('access-control-allow-origin')).toBe(allowed);
    expect(refresh.headers.get('access-control-allow-credentials')).toBe('true');
    const preflight = await fetch(`${server.serverURL}/users/refresh`, { method: 'OPTIONS', headers: { Origin: allowed, 'Access-Control-Request-Method': 'POST' } });
    expect(preflight.headers.get('access-control-allow-origin')).toBe(allowed);
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
  });

  test('a cross-site-shaped request from another origin, carrying the cookie, changes nothing', async () => {
    const { body, cookies } = await login(allowed);
    const before = await sessionRows(server);
    for (const urlPath of ['/users/refresh', '/users/refresh/revoke']) {
      const attack = await fetch(`${server.serverURL}${urlPath}`, {
        method: 'POST',
        headers: { 'Content-Type': 'text/plain', Origin: 'https://evil.example', Cookie: `parse_refresh_token=${cookieValue(cookies)}` },
        body: JSON.stringify({ _ApplicationId: APP_ID, _JavaScriptKey: JAVASCRIPT_KEY, client: body.objectId }),
      });
      expect(attack.status).toBe(403);
      expect(await attack.json()).toEqual({ code: 119, error: 'This origin may not use the refresh cookie.' });
      expect(attack.headers.get('access-control-allow-credentials')).toBeNull();
      expect(attack.headers.getSetCookie()).toEqual([]);
    }
    expect(await sessionRows(server)).toEqual(before);
  });

  test('a login from another origin gets no cookie', async () => {
    const { response, body, cookies } = await login('https://evil.example');
    expect(response.status).toBe(200);
    expect(cookies).toEqual([]);
    expect(body).not.toHaveProperty('refreshToken');
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
  });
});

describe('smaller holes', () => {
  let server;
  let rest;
  beforeAll(async () => {
    ({ server, rest } = await start({ tokens: { endpointTimeout: 1 } }));
  });

  const graphql = async (query, variables) => {
    const response = await fetch(server.graphqlURL, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Parse-Application-Id': APP_ID, 'X-Parse-Master-Key': MASTER_KEY },
      body: JSON.stringify({ query, variables }),
    });
    return response.json();
  };

  test.each([
    ['an alias for sessionToken', 't: sessionToken'],
    ['no sessionToken selected', 'user { objectId }'],
  ])('GraphQL logIn with %s still carries the pair in extensions', async (label, selection) => {
    const alice = await signUp(rest);
    const result = await graphql(`mutation L($u: String!, $p: String!) { logIn(input: { username: $u, password: $p }) { viewer { ${selection} } } }`, { u: alice.username, p: PASSWORD });
    expect(result.errors).toBeUndefined();
    const [pair] = result.extensions.refreshTokens;
    expect(server.verify(pair.accessToken).sub).toBe(alice.userId);
    expect(typeof pair.refreshToken).toBe('string');
    const refreshed = await rest('POST', '/users/refresh', { body: { client: alice.userId, code: pair.refreshToken } });
    expect(refreshed.status).toBe(200);
  });

  test.each([
    ['a $group on a private field', { pipeline: [{ $group: { _id: '$refreshTokenSeed' } }] }],
    ['a $project of a private field', { pipeline: [{ $project: { seed: '$refreshTokenHash' } }] }],
    ['distinct of a private field', { distinct: 'refreshTokenFamily' }],
  ])('a master aggregate of _Session with %s is refused', async (label, query) => {
    await signUp(rest);
    const params = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
    const response = await rest('GET', `/aggregate/_Session?${params}`, { master: true });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ code: 119, error: "The plugin's private _Session fields cannot be aggregated or listed." });
    const allowed = await rest('GET', `/aggregate/_Session?${new URLSearchParams({ distinct: 'installationId' })}`, { master: true });
    expect(allowed.status).toBe(200);
  });

  test('a refresh body that does not arrive within endpointTimeout is answered 408 and closed', async () => {
    const { port } = server;
    const answer = await new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.write(`POST /parse/users/refresh HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Parse-Application-Id: ${APP_ID}\r\nX-Parse-REST-API-Key: ${server.restKey}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"client":`);
      });
      let data = '';
      socket.on('data', chunk => (data += chunk));
      socket.on('close', () => resolve(data));
      socket.on('error', reject);
      setTimeout(() => reject(new Error('the server kept the request open')), 8000);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(answer).toContain('{"code":155,"error":"Request body not received in time."}');
  });

  test('a validly signed access token whose sid holds a NUL is a 209, not a 503', async () => {
    const alice = await signUp(rest);
    const now = Math.floor(Date.now() / 1000);
    const token = signHS256({ alg: 'HS256', typ: 'at+jwt', kid: 'default' }, { iss: server.serverURL, aud: APP_ID, sub: alice.userId, sid: 'abc\u0000def', iat: now, exp: now + 600, jti: 'j' });
    const response = await rest('GET', '/users/me', { sessionToken: token });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ code: 209, error: 'Session revoked.', reason: 'session_revoked' });
  });
});
