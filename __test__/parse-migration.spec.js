'use strict';
// Migration and opt-in: without the plugin Parse Server answers exactly as
// before; turning the plugin on logs nobody out; turning it off leaves users and sessions intact.
// Every scenario runs on one database that is handed from one server process to the next.
const fs = require('fs');
const path = require('path');
const { startParseServer, createDatabase, sessionRows, withClient } = require('./support/parse-server');
const { restClient } = require('./support/rest');
const { PRIVATE_SESSION_FIELDS } = require('..');

const RAW_TOKEN = /^r:[0-9a-f]{32}$/;
const ANY_RAW_TOKEN = /r:[0-9a-f]{32}/;
const PASSWORD = 'pw-123456';
const OUR_FIELDS = ['accessToken', 'refreshToken', 'expires_in', 'token_type'];
const LEGACY_DENIED = 'Legacy session tokens are not accepted; log in again.';
const NATIVE_ADDON = 'parse-server-refresh-token.linux-x64-gnu.node';

const servers = new Set();
afterEach(async () => {
  for (const server of servers) await server.close();
  servers.clear();
});

async function start(options) {
  const server = await startParseServer(options);
  servers.add(server);
  return { server, rest: restClient(server) };
}

async function stop(server) {
  await server.close();
  servers.delete(server);
}

/**
 * A Parse Server process in which this package is not even loaded (its entry point is stubbed out
 * in the module cache before anything runs): the vanilla baseline.
 */
async function startWithoutPackage(options) {
  const saved = process.env.NODE_OPTIONS;
  process.env.NODE_OPTIONS = `${saved ? `${saved} ` : ''}--require ${path.join(__dirname, 'support', 'without-plugin.js')}`;
  try {
    return await start({ ...options, tokens: false });
  } finally {
    if (saved === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = saved;
  }
}

/** Whether the package's native addon is mapped into the server process (Linux: /proc/<pid>/maps). */
function addonLoaded(server) {
  return fs.readFileSync(`/proc/${server.child.pid}/maps`, 'utf8').includes(NATIVE_ADDON);
}

async function sessionColumns(server) {
  return withClient(server.databaseURI, async client => {
    const { rows } = await client.query(`SELECT column_name FROM information_schema.columns WHERE table_name = '_Session'`);
    return rows.map(r => r.column_name).sort();
  });
}

async function sessionIndexes(server) {
  return withClient(server.databaseURI, async client => {
    const { rows } = await client.query(`SELECT indexname FROM pg_indexes WHERE tablename = '_Session'`);
    return rows.map(r => r.indexname).sort();
  });
}

async function storedSessionSchemaFields(server) {
  return withClient(server.databaseURI, async client => {
    const { rows } = await client.query(`SELECT schema FROM "_SCHEMA" WHERE "className" = '_Session'`);
    return rows.length ? Object.keys(rows[0].schema.fields).sort() : [];
  });
}

function expectNothingOfOurs(response) {
  for (const name of OUR_FIELDS) expect(response.text).not.toContain(`"${name}"`);
  for (const name of PRIVATE_SESSION_FIELDS) expect(response.text).not.toContain(name);
  expect(response.headers.get('www-authenticate')).toBeNull();
  expect(response.headers.get('set-cookie')).toBeNull();
}

/** A JS SDK style request: text/plain body carrying app id, JavaScript key and session token. */
async function sdkRequest(server, method, urlPath, fields) {
  const body = { _method: method, _ApplicationId: server.appId, _JavaScriptKey: server.javascriptKey, _ClientVersion: 'js8.6.0', _InstallationId: 'inst-1', ...fields };
  const response = await fetch(`${server.serverURL}${urlPath}`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify(body) });
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, body: json };
}

/**
 * The everyday flows of a Parse app, on a fresh database, as a transcript of what the client sees:
 * status, header names, content type and the body, with ids, dates and tokens replaced by stable
 * placeholders (the n-th distinct value of each kind), so that two runs can be compared exactly.
 */
async function everydayFlows(server, rest) {
  const steps = [];
  const step = async (name, promise) => {
    const response = await promise;
    steps.push({ name, status: response.status, headers: [...response.headers.keys()].filter(h => h !== 'date').sort(), contentType: response.headers.get('content-type'), text: response.text });
    return response;
  };
  const alice = await step('signup POST /users', rest('POST', '/users', { body: { username: 'alice', password: PASSWORD, email: 'alice@example.com' } }));
  const bob = await step('signup POST /classes/_User', rest('POST', '/classes/_User', { body: { username: 'bob', password: PASSWORD } }));
  const aliceToken = alice.body.sessionToken;
  const bobToken = bob.body.sessionToken;
  const login = await step('POST /login', rest('POST', '/login', { body: { username: 'alice', password: PASSWORD } }));
  await step('GET /login', rest('GET', `/login?username=bob&password=${PASSWORD}`));
  await step('GET /users/me', rest('GET', '/users/me', { sessionToken: aliceToken }));
  await step('GET /users/:id', rest('GET', `/users/${alice.body.objectId}`, { sessionToken: aliceToken }));
  const acl = { [alice.body.objectId]: { read: true, write: true } };
  const note = await step('create with ACL', rest('POST', '/classes/Note', { sessionToken: aliceToken, body: { title: 'private', ACL: acl } }));
  await step('create public', rest('POST', '/classes/Note', { sessionToken: bobToken, body: { title: 'public' } }));
  await step('query as owner', rest('GET', '/classes/Note?order=title', { sessionToken: aliceToken }));
  await step('query as other user', rest('GET', '/classes/Note?order=title', { sessionToken: bobToken }));
  await step('query anonymous', rest('GET', '/classes/Note?order=title'));
  await step('get as other user', rest('GET', `/classes/Note/${note.body.objectId}`, { sessionToken: bobToken }));
  await step('update as owner', rest('PUT', `/classes/Note/${note.body.objectId}`, { sessionToken: aliceToken, body: { title: 'private, edited' } }));
  await step('update as other user', rest('PUT', `/classes/Note/${note.body.objectId}`, { sessionToken: bobToken, body: { title: 'hacked' } }));
  await step('cloud function with user', rest('POST', '/functions/whoAmI', { sessionToken: aliceToken, body: {} }));
  await step('cloud function with ACL query', rest('POST', '/functions/countNotes', { sessionToken: aliceToken, body: {} }));
  await step('cloud function anonymous', rest('POST', '/functions/whoAmI', { body: {} }));
  await step('GET /sessions/me', rest('GET', '/sessions/me', { sessionToken: aliceToken }));
  await step('batch login', rest('POST', '/batch', { body: { requests: [{ method: 'POST', path: '/parse/login', body: { username: 'bob', password: PASSWORD } }] } }));
  await step('JS SDK login', sdkRequest(server, 'POST', '/login', { username: 'alice', password: PASSWORD }));
  await step('JS SDK GET /users/me', sdkRequest(server, 'GET', '/users/me', { _SessionToken: aliceToken }));
  await step('javascript key header login', rest('POST', '/login', { javascript: true, body: { username: 'bob', password: PASSWORD } }));
  await step('logout', rest('POST', '/logout', { sessionToken: login.body.sessionToken, body: {} }));
  await step('GET /users/me after logout', rest('GET', '/users/me', { sessionToken: login.body.sessionToken }));
  await step('bad password', rest('POST', '/login', { body: { username: 'alice', password: 'wrong' } }));
  await step('unknown user', rest('POST', '/login', { body: { username: 'nobody', password: PASSWORD } }));
  await step('bad r: session token', rest('GET', '/users/me', { sessionToken: 'r:00000000000000000000000000000000' }));
  await step('JWT-shaped session token', rest('GET', '/classes/Note', { sessionToken: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln' }));
  await step('Authorization: Bearer is not a Parse header', rest('GET', '/users/me', { headers: { Authorization: `Bearer ${aliceToken}` } }));
  await step('POST /users/refresh does not exist', rest('POST', '/users/refresh', { body: { client: alice.body.objectId, code: 'x' } }));
  await step('POST /users/revoke does not exist', rest('POST', '/users/revoke', { body: { code: 'x' } }));
  return { steps, tokens: [aliceToken, bobToken, login.body.sessionToken] };
}

function normalize(steps) {
  const ids = new Set();
  for (const s of steps) for (const match of s.text.matchAll(/"(?:objectId|id)":"([A-Za-z0-9]{10})"/g)) ids.add(match[1]);
  const seen = new Map();
  const placeholder = (kind, value) => {
    const key = `${kind}:${value}`;
    if (!seen.has(key)) seen.set(key, `<${kind}${[...seen.keys()].filter(k => k.startsWith(`${kind}:`)).length + 1}>`);
    return seen.get(key);
  };
  return steps.map(s => ({
    ...s,
    text: s.text
      .replace(/r:[0-9a-f]{32}/g, t => placeholder('token', t))
      .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g, '<date>')
      .replace(/[A-Za-z0-9]{10}/g, word => (ids.has(word) ? placeholder('id', word) : word)),
  }));
}

describe('with the plugin off, Parse Server answers exactly as before', () => {
  test('the same flows give the same answers with the package absent and with it installed but off', async () => {
    const vanilla = await startWithoutPackage({ databaseURI: await createDatabase('vanilla') });
    const installed = await start({ databaseURI: await createDatabase('installed'), tokens: false });
    if (process.platform === 'linux') {
      // The baseline really runs without the package; the other process really has it loaded.
      expect(addonLoaded(vanilla.server)).toBe(false);
      expect(addonLoaded(installed.server)).toBe(true);
    }
    const a = await everydayFlows(vanilla.server, vanilla.rest);
    const b = await everydayFlows(installed.server, installed.rest);
    expect(normalize(b.steps)).toEqual(normalize(a.steps));
    if (process.env.PSRT_DUMP) console.log(JSON.stringify(normalize(b.steps), null, 1));
    expect(b.steps).toHaveLength(31);

    // What vanilla Parse answers, pinned, so that "the same" cannot mean "the same and both wrong".
    const byName = Object.fromEntries(normalize(b.steps).map(s => [s.name, s]));
    expect(byName['signup POST /users'].status).toBe(201);
    expect(byName['POST /login'].status).toBe(200);
    expect(byName['query as owner'].text).toContain('"title":"private"');
    expect(byName['query as other user'].text).not.toContain('"title":"private"');
    expect(byName['get as other user']).toMatchObject({ status: 404, text: '{"code":101,"error":"Object not found."}' });
    expect(byName['update as other user']).toMatchObject({ status: 404, text: '{"code":101,"error":"Object not found."}' });
    expect(byName['cloud function with ACL query'].text).toBe('{"result":2}');
    expect(byName['GET /users/me after logout']).toMatchObject({ status: 400, text: '{"code":209,"error":"Invalid session token"}' });
    expect(byName['bad password']).toMatchObject({ status: 404, text: '{"code":101,"error":"Invalid username/password."}' });
    expect(byName['unknown user']).toMatchObject({ status: 404, text: '{"code":101,"error":"Invalid username/password."}' });
    expect(byName['bad r: session token']).toMatchObject({ status: 400, text: '{"code":209,"error":"Invalid session token"}' });
    expect(byName['JWT-shaped session token']).toMatchObject({ status: 400, text: '{"code":209,"error":"Invalid session token"}' });
    expect(byName['POST /users/refresh does not exist'].status).toBe(404);
    expect(byName['POST /users/revoke does not exist'].status).toBe(404);
    // Parse ignores an Authorization header: the request is anonymous, and /users/me needs a session.
    expect(byName['Authorization: Bearer is not a Parse header']).toMatchObject({ status: 400, text: '{"code":209,"error":"Permission denied"}' });

    // Raw r: tokens reach the client, as they always did, and work.
    for (const token of b.tokens) expect(token).toMatch(RAW_TOKEN);
    const whoAmI = b.steps.find(s => s.name === 'cloud function with user');
    expect(JSON.parse(whoAmI.text).result.token).toBe(b.tokens[0]);
    for (const s of b.steps) {
      for (const name of OUR_FIELDS) expect(s.text).not.toContain(`"${name}"`);
      expect(s.headers).not.toContain('www-authenticate');
      expect(s.headers).not.toContain('set-cookie');
    }

    // Nothing of ours in the database: no private _Session columns, schema fields or index.
    for (const { server } of [vanilla, installed]) {
      const columns = await sessionColumns(server);
      expect(columns).toContain('sessionToken');
      for (const name of PRIVATE_SESSION_FIELDS) expect(columns).not.toContain(name);
      const schemaFields = await storedSessionSchemaFields(server);
      for (const name of PRIVATE_SESSION_FIELDS) expect(schemaFields).not.toContain(name);
      expect((await sessionIndexes(server)).some(name => name.startsWith('psrt'))).toBe(false);
      for (const row of await sessionRows(server)) expect(row.sessionToken).toMatch(RAW_TOKEN);
    }
    expect(await sessionColumns(installed.server)).toEqual(await sessionColumns(vanilla.server));
    expect(await sessionIndexes(installed.server)).toEqual(await sessionIndexes(vanilla.server));
  });
});

describe('turning the plugin on logs nobody out', () => {
  test('legacy r: tokens keep working, are exchanged once for a pair, and deny mode closes the door', async () => {
    const databaseURI = await createDatabase('legacy');
    // 1. Plain Parse Server: three users, each with a session; alice owns a private note.
    let { server, rest } = await start({ databaseURI, tokens: false });
    const users = {};
    for (const name of ['alice', 'bob', 'carol']) {
      const signup = await rest('POST', '/users', { body: { username: name, password: PASSWORD } });
      expect(signup.status).toBe(201);
      expect(signup.body.sessionToken).toMatch(RAW_TOKEN);
      users[name] = { id: signup.body.objectId, legacy: signup.body.sessionToken };
    }
    const note = await rest('POST', '/classes/Note', { sessionToken: users.alice.legacy, body: { title: 'private', ACL: { [users.alice.id]: { read: true, write: true } } } });
    expect(note.status).toBe(201);
    const rowsOff = await sessionRows(server);
    expect(rowsOff).toHaveLength(3);
    await stop(server);

    // 2. The same database with the plugin on, default legacySessionTokens 'allow'.
    ({ server, rest } = await start({ databaseURI }));
    const query = await rest('GET', '/classes/Note', { sessionToken: users.alice.legacy });
    expect(query.status).toBe(200);
    expect(query.body.results.map(r => r.title)).toEqual(['private']);
    const bobQuery = await rest('GET', '/classes/Note', { sessionToken: users.bob.legacy });
    expect(bobQuery.status).toBe(200);
    expect(bobQuery.body.results).toEqual([]);
    const count = await rest('POST', '/functions/countNotes', { sessionToken: users.alice.legacy, body: {} });
    expect(count.body).toEqual({ result: 1 });
    // A response that carries the r: token elsewhere than in `sessionToken` (here a cloud function's
    // result) gets an access token in its place, and does not use up the one-time exchange.
    const bobRow = rowsOff.find(r => r.user === users.bob.id);
    const who = await rest('POST', '/functions/whoAmI', { sessionToken: users.bob.legacy, body: {} });
    expect(who.status).toBe(200);
    expect(who.text).not.toMatch(ANY_RAW_TOKEN);
    expect(who.body.result.id).toBe(users.bob.id);
    expect(server.verify(who.body.result.token)).toMatchObject({ sub: users.bob.id, sid: bobRow.objectId });
    expect(who.text).not.toContain('refreshToken');
    expect((await sessionRows(server)).find(r => r.objectId === bobRow.objectId).refreshTokenFamily).toBeNull();
    const bobExchange = await rest('GET', '/users/me', { sessionToken: users.bob.legacy });
    expect(bobExchange.status).toBe(200);
    expect(typeof bobExchange.body.refreshToken).toBe('string');
    const bobRefreshed = await rest('POST', '/users/refresh', { body: { client: users.bob.id, code: bobExchange.body.refreshToken } });
    expect(bobRefreshed.status).toBe(200);
    expect(server.verify(bobRefreshed.body.accessToken).sid).toBe(bobRow.objectId);

    // The exchange: GET /users/me with the r: token answers with a pair for the same session.
    const aliceRow = rowsOff.find(r => r.user === users.alice.id);
    const exchange = await rest('GET', '/users/me', { sessionToken: users.alice.legacy });
    expect(exchange.status).toBe(200);
    expect(exchange.text).not.toMatch(ANY_RAW_TOKEN);
    expect(exchange.body.objectId).toBe(users.alice.id);
    expect(exchange.body.sessionToken).toBe(exchange.body.accessToken);
    expect(typeof exchange.body.refreshToken).toBe('string');
    expect(exchange.body.expires_in).toBe(1800);
    expect(exchange.body.token_type).toBe('Bearer');
    const claims = server.verify(exchange.body.accessToken);
    expect(claims).toMatchObject({ sub: users.alice.id, sid: aliceRow.objectId });
    let rows = await sessionRows(server);
    expect(rows.map(r => r.objectId)).toEqual(rowsOff.map(r => r.objectId)); // nobody logged out, no new row
    const exchangedRow = rows.find(r => r.objectId === aliceRow.objectId);
    expect(exchangedRow).toMatchObject({ sessionToken: users.alice.legacy, user: users.alice.id, refreshTokenGeneration: 0 });
    expect(exchangedRow.refreshTokenHash).toHaveLength(43);
    expect(rows.find(r => r.user === users.carol.id).refreshTokenFamily).toBeNull(); // not exchanged yet

    // Once: a second exchange of the same session gets an access token, never a second chain.
    const again = await rest('GET', '/users/me', { sessionToken: users.alice.legacy });
    expect(again.status).toBe(200);
    expect(again.text).not.toMatch(ANY_RAW_TOKEN);
    expect(typeof again.body.accessToken).toBe('string');
    expect(again.body.refreshToken).toBeUndefined();
    expect(server.verify(again.body.accessToken).sid).toBe(aliceRow.objectId);
    expect((await sessionRows(server)).find(r => r.objectId === aliceRow.objectId).refreshTokenHash).toBe(exchangedRow.refreshTokenHash);

    // The pair works: the access token on a query, the refresh token at /users/refresh.
    const viaAccess = await rest('GET', '/classes/Note', { sessionToken: exchange.body.accessToken });
    expect(viaAccess.body.results.map(r => r.title)).toEqual(['private']);
    const refreshed = await rest('POST', '/users/refresh', { body: { client: users.alice.id, code: exchange.body.refreshToken } });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refreshToken).not.toBe(exchange.body.refreshToken);
    expect(server.verify(refreshed.body.accessToken).sid).toBe(aliceRow.objectId);
    const me = await rest('GET', '/users/me', { sessionToken: refreshed.body.accessToken });
    expect(me.status).toBe(200);
    expect(me.body.objectId).toBe(users.alice.id);
    expect((await sessionRows(server)).find(r => r.objectId === aliceRow.objectId).refreshTokenGeneration).toBe(1);
    await stop(server);

    // 3. The same database with legacySessionTokens 'deny': r: tokens are refused, nothing changes.
    ({ server, rest } = await start({ databaseURI, tokens: { legacySessionTokens: 'deny' } }));
    const before = await sessionRows(server);
    const challenge = `Bearer error="invalid_token", error_description="legacy_session_token_denied"`;
    for (const attempt of [
      () => rest('GET', '/users/me', { sessionToken: users.carol.legacy }),
      () => rest('GET', '/classes/Note', { sessionToken: users.alice.legacy }),
      () => rest('POST', '/functions/whoAmI', { sessionToken: users.bob.legacy, body: {} }),
      () => rest('GET', '/users/me', { headers: { Authorization: `Bearer ${users.carol.legacy}` } }),
      () => sdkRequest(server, 'GET', '/users/me', { _SessionToken: users.carol.legacy }),
      // The app named by HTTP Basic credentials, or only in the body behind an unknown header app id,
      // as Parse itself resolves it: the same refusal.
      () => rest('GET', '/users/me', {
        sessionToken: users.carol.legacy,
        headers: { 'X-Parse-Application-Id': null, 'X-Parse-REST-API-Key': null, Authorization: `Basic ${Buffer.from(`${server.appId}:javascript-key=${server.javascriptKey}`).toString('base64')}` },
      }),
      () => rest('POST', '/users/me', {
        headers: { 'X-Parse-Application-Id': 'not-a-registered-app', 'X-Parse-REST-API-Key': null, 'Content-Type': 'text/plain' },
        raw: JSON.stringify({ _method: 'GET', _ApplicationId: server.appId, _JavaScriptKey: server.javascriptKey, _SessionToken: users.carol.legacy }),
      }),
    ]) {
      const denied = await attempt();
      expect(denied.status).toBe(400);
      expect(denied.body).toEqual({ code: 209, error: LEGACY_DENIED, reason: 'legacy_session_token_denied' });
      expect(denied.headers.get('www-authenticate')).toBe(challenge);
    }
    expect(await sessionRows(server)).toEqual(before); // denied, not deleted
    // New logins work and get a pair.
    const login = await rest('POST', '/login', { body: { username: 'carol', password: PASSWORD } });
    expect(login.status).toBe(200);
    expect(login.text).not.toMatch(ANY_RAW_TOKEN);
    expect(typeof login.body.refreshToken).toBe('string');
    const carolMe = await rest('GET', '/users/me', { sessionToken: login.body.accessToken });
    expect(carolMe.status).toBe(200);
    expect(carolMe.body.objectId).toBe(users.carol.id);
    // A session that was already exchanged keeps its chain: its refresh token still works.
    const stillRefreshes = await rest('POST', '/users/refresh', { body: { client: users.alice.id, code: refreshed.body.refreshToken } });
    expect(stillRefreshes.status).toBe(200);
    expect(server.verify(stillRefreshes.body.accessToken).sid).toBe(aliceRow.objectId);
  });
});

describe('turning the plugin off leaves users and sessions intact', () => {
  test('passwords still work, new logins get r: tokens, old rows stay, access tokens are refused', async () => {
    const databaseURI = await createDatabase('off');
    // The issuer defaults to serverURL, whose port changes with every test server; a deployment keeps it.
    const tokens = { issuer: 'https://app.example.test/parse' };
    // 1. With the plugin: two users, one with two logins; alice owns a private note.
    let { server, rest } = await start({ databaseURI, tokens });
    const alice = await rest('POST', '/users', { body: { username: 'alice', password: PASSWORD } });
    const bob = await rest('POST', '/users', { body: { username: 'bob', password: PASSWORD } });
    const bobLogin = await rest('POST', '/login', { body: { username: 'bob', password: PASSWORD } });
    for (const r of [alice, bob, bobLogin]) {
      expect(r.status === 200 || r.status === 201).toBe(true);
      expect(typeof r.body.refreshToken).toBe('string');
    }
    const note = await rest('POST', '/classes/Note', { sessionToken: alice.body.accessToken, body: { title: 'private', ACL: { [alice.body.objectId]: { read: true, write: true } } } });
    expect(note.status).toBe(201);
    const rowsOn = await sessionRows(server);
    expect(rowsOn).toHaveLength(3);
    for (const row of rowsOn) expect(row.refreshTokenHash).toHaveLength(43);
    await stop(server);

    // 2. The same database without the plugin.
    ({ server, rest } = await start({ databaseURI, tokens: false }));
    expect(await sessionRows(server)).toEqual(rowsOn); // nothing deleted, nothing changed
    // Access tokens mean nothing to plain Parse: 209 as for any unknown token, no challenge header.
    const refused = await rest('GET', '/users/me', { sessionToken: alice.body.accessToken });
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({ code: 209, error: 'Invalid session token' });
    expect(refused.headers.get('www-authenticate')).toBeNull();
    const refusedQuery = await rest('GET', '/classes/Note', { sessionToken: bobLogin.body.accessToken });
    expect(refusedQuery.body).toEqual({ code: 209, error: 'Invalid session token' });
    const noRefresh = await rest('POST', '/users/refresh', { body: { client: alice.body.objectId, code: alice.body.refreshToken } });
    expect(noRefresh.status).toBe(404);

    // Passwords are intact; a login answers as plain Parse does, with an r: token.
    const login = await rest('POST', '/login', { body: { username: 'alice', password: PASSWORD } });
    expect(login.status).toBe(200);
    expect(login.body.objectId).toBe(alice.body.objectId);
    expect(login.body.sessionToken).toMatch(RAW_TOKEN);
    expectNothingOfOurs(login);
    const me = await rest('GET', '/users/me', { sessionToken: login.body.sessionToken });
    expect(me.status).toBe(200);
    expect(me.body.sessionToken).toBe(login.body.sessionToken);
    expectNothingOfOurs(me);
    const query = await rest('GET', '/classes/Note', { sessionToken: login.body.sessionToken });
    expect(query.body.results.map(r => r.title)).toEqual(['private']);
    const sessionMe = await rest('GET', '/sessions/me', { sessionToken: login.body.sessionToken });
    expect(sessionMe.status).toBe(200);
    expect(sessionMe.body.sessionToken).toBe(login.body.sessionToken);
    const signup = await rest('POST', '/users', { body: { username: 'dave', password: PASSWORD } });
    expect(signup.status).toBe(201);
    expect(signup.body.sessionToken).toMatch(RAW_TOKEN);
    expectNothingOfOurs(signup);
    const rowsOff = await sessionRows(server);
    for (const row of rowsOn) expect(rowsOff).toContainEqual(row); // the old rows are all still there
    expect(rowsOff).toHaveLength(5);
    const newRow = rowsOff.find(r => r.sessionToken === login.body.sessionToken);
    expect(newRow.refreshTokenHash).toBeNull(); // plain Parse starts no chain
    await stop(server);

    // 3. And back on: the sessions kept while off are whole again, the off-time login is legacy.
    ({ server, rest } = await start({ databaseURI, tokens }));
    const refreshed = await rest('POST', '/users/refresh', { body: { client: bob.body.objectId, code: bobLogin.body.refreshToken } });
    expect(refreshed.status).toBe(200);
    expect(server.verify(refreshed.body.accessToken).sub).toBe(bob.body.objectId);
    const oldAccess = await rest('GET', '/users/me', { sessionToken: alice.body.accessToken });
    expect(oldAccess.status).toBe(200);
    expect(oldAccess.body.objectId).toBe(alice.body.objectId);
    const legacy = await rest('GET', '/users/me', { sessionToken: login.body.sessionToken });
    expect(legacy.status).toBe(200);
    expect(legacy.text).not.toMatch(ANY_RAW_TOKEN);
    expect(typeof legacy.body.refreshToken).toBe('string');
    expect(server.verify(legacy.body.accessToken).sid).toBe(newRow.objectId);
  });
});
