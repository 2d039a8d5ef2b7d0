'use strict';
// The access token works wherever Parse reads a session; a bad one gets 209 with the reason and a
// Bearer challenge, and changes nothing stored.
const { startParseServer, sessionRows, signHS256, APP_ID } = require('./support/parse-server');
const { restClient } = require('./support/rest');

let server;
let rest;

beforeAll(async () => {
  server = await startParseServer();
  rest = restClient(server);
  // A class whose CLP lets only signed-in users find objects.
  const schema = await rest('POST', '/schemas/Private', {
    master: true,
    body: { className: 'Private', fields: { text: { type: 'String' } }, classLevelPermissions: { find: { requiresAuthentication: true }, get: { requiresAuthentication: true }, create: { '*': true } } },
  });
  expect(schema.status).toBe(200);
});

afterAll(() => server && server.close());

let counter = 0;
async function login() {
  const username = `acc${++counter}_${Date.now()}`;
  const r = await rest('POST', '/users', { body: { username, password: 'pw-123456' } });
  expect(r.status).toBe(201);
  return { userId: r.body.objectId, username, ...r.body };
}

function expect209(response, message) {
  expect(response.status).toBe(400);
  expect(response.body).toMatchObject({ code: 209, error: message });
  expect(response.body.reason).toMatch(/^[a-z_]+$/);
  expect(response.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token", error_description="/);
}

/** A token signed with our secret (or another), with whatever header and claims a test needs. */
function forge({ secret, header = {}, claims = {}, exp } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const payload = { iss: server.serverURL, aud: APP_ID, sub: 'nobody', sid: 'whatever', iat: now - 120, exp: exp || now + 600, jti: 'forged', ...claims };
  return signHS256({ alg: 'HS256', typ: 'at+jwt', kid: 'default', ...header }, payload, secret);
}

describe('accepted wherever Parse reads a session', () => {
  test('X-Parse-Session-Token and Authorization: Bearer on /users/me', async () => {
    const user = await login();
    const header = await rest('GET', '/users/me', { sessionToken: user.accessToken });
    expect(header.status).toBe(200);
    expect(header.body.objectId).toBe(user.userId);
    const bearer = await rest('GET', '/users/me', { headers: { Authorization: `Bearer ${user.accessToken}` } });
    expect(bearer.status).toBe(200);
    expect(bearer.body.objectId).toBe(user.userId);
  });

  test("the JavaScript SDK's text/plain body with _SessionToken", async () => {
    const user = await login();
    const response = await fetch(`${server.serverURL}/users/me`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body: JSON.stringify({ _method: 'GET', _ApplicationId: APP_ID, _JavaScriptKey: server.javascriptKey, _SessionToken: user.accessToken }),
    });
    const body = await response.json();
    expect(response.status).toBe(200);
    expect(body.objectId).toBe(user.userId);
    expect(body.sessionToken).toBe(user.accessToken);
  });

  test('class objects under ACLs and CLPs', async () => {
    const alice = await login();
    const bob = await login();
    const acl = { [alice.userId]: { read: true, write: true } };
    const created = await rest('POST', '/classes/Private', { sessionToken: alice.accessToken, body: { text: 'secret', ACL: acl } });
    expect(created.status).toBe(201);
    const mine = await rest('GET', '/classes/Private', { headers: { Authorization: `Bearer ${alice.accessToken}` } });
    expect(mine.status).toBe(200);
    expect(mine.body.results.map(o => o.objectId)).toEqual([created.body.objectId]);
    const theirs = await rest('GET', '/classes/Private', { sessionToken: bob.accessToken });
    expect(theirs.status).toBe(200);
    expect(theirs.body.results).toEqual([]);
    const anonymous = await rest('GET', '/classes/Private');
    // CLP requiresAuthentication: Parse 9 answers 101 Permission denied without a session.
    expect(anonymous.status).toBe(404);
    expect(anonymous.body).toEqual({ code: 101, error: 'Permission denied' });
  });

  test('/sessions/me names the session of the access token', async () => {
    const user = await login();
    const me = await rest('GET', '/sessions/me', { sessionToken: user.accessToken });
    expect(me.status).toBe(200);
    expect(me.body.objectId).toBe(server.verify(user.accessToken).sid);
    expect(me.body.sessionToken).toBeUndefined();
  });

  test('request.user in cloud functions and triggers', async () => {
    const user = await login();
    const fn = await rest('POST', '/functions/whoAmI', { headers: { Authorization: `Bearer ${user.accessToken}` }, body: {} });
    expect(fn.status).toBe(200);
    expect(fn.body.result.id).toBe(user.userId);
    const count = await rest('POST', '/functions/countNotes', { sessionToken: user.accessToken, body: {} });
    expect(count.status).toBe(200);
    expect(typeof count.body.result).toBe('number');
  });

  test('GraphQL viewer with the access token', async () => {
    const user = await login();
    const response = await fetch(server.graphqlURL, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Parse-Application-Id': APP_ID, 'X-Parse-Javascript-Key': server.javascriptKey, 'X-Parse-Session-Token': user.accessToken },
      body: JSON.stringify({ query: '{ viewer { sessionToken user { username } } }' }),
    });
    const body = await response.json();
    expect(body.data.viewer.user.username).toBe(user.username);
    expect(body.data.viewer.sessionToken).toBe(user.accessToken);
  });

  test('file upload as a signed-in user', async () => {
    const user = await login();
    const upload = await fetch(`${server.serverURL}/files/hello.txt`, {
      method: 'POST',
      headers: { 'X-Parse-Application-Id': APP_ID, 'X-Parse-REST-API-Key': server.restKey, 'X-Parse-Session-Token': user.accessToken, 'Content-Type': 'text/plain' },
      body: 'hello',
    });
    expect(upload.status).toBe(201);
    // The download route names the app in its path; its session token is checked here too.
    const { url } = await upload.json();
    const download = await fetch(url, { headers: { 'X-Parse-Session-Token': user.accessToken } });
    expect(download.status).toBe(200);
    expect(await download.text()).toBe('hello');
    const forged = await fetch(url, { headers: { 'X-Parse-Session-Token': forge({ exp: Math.floor(Date.now() / 1000) - 60 }) } });
    expect(forged.status).toBe(400);
    expect(await forged.json()).toEqual({ code: 209, error: 'Access token expired.', reason: 'access_token_expired' });
    expect(forged.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
    const anonymous = await fetch(`${server.serverURL}/files/hello.txt`, {
      method: 'POST',
      headers: { 'X-Parse-Application-Id': APP_ID, 'X-Parse-REST-API-Key': server.restKey, 'Content-Type': 'text/plain' },
      body: 'hello',
    });
    expect(anonymous.status).toBe(400);
    expect(await anonymous.json()).toEqual({ code: 130, error: 'File upload by public is disabled.' });
  });

  test('a password change revokes the other sessions at once, and keeps the changing one', async () => {
    const user = await login();
    const second = await rest('POST', '/login', { body: { username: user.username, password: 'pw-123456' } });
    expect((await rest('GET', '/users/me', { sessionToken: second.body.accessToken })).status).toBe(200);
    const change = await rest('PUT', `/users/${user.userId}`, { sessionToken: user.accessToken, body: { password: 'pw-654321' } });
    expect(change.status).toBe(200);
    expect209(await rest('GET', '/users/me', { sessionToken: second.body.accessToken }), 'Session revoked.');
    const refresh = await rest('POST', '/users/refresh', { body: { client: user.userId, code: second.body.refreshToken } });
    expect(refresh.body.code).toBe(209);
    const rows = (await sessionRows(server)).filter(r => r.user === user.userId);
    expect(rows).toHaveLength(1);
  });
});

describe('the app named as Parse names it: Basic credentials, or the body behind an unknown header', () => {
  const basic = () => `Basic ${Buffer.from(`${APP_ID}:javascript-key=${server.javascriptKey}`).toString('base64')}`;

  test('a login with HTTP Basic credentials gets an access token, never the raw token', async () => {
    const user = await login();
    const r = await rest('POST', '/login', {
      headers: { 'X-Parse-Application-Id': null, 'X-Parse-REST-API-Key': null, Authorization: basic() },
      body: { username: user.username, password: 'pw-123456' },
    });
    expect(r.status).toBe(200);
    expect(r.text).not.toMatch(/r:[0-9a-f]{32}/);
    expect(server.verify(r.body.sessionToken).sub).toBe(user.userId);
    expect(typeof r.body.refreshToken).toBe('string'); // not a browser (no Origin): the whole pair
  });

  test("a cloud function called with an access token and Basic credentials returns the access token, not the session's", async () => {
    const user = await login();
    const r = await rest('POST', '/functions/whoAmI', {
      sessionToken: user.accessToken,
      headers: { 'X-Parse-Application-Id': null, 'X-Parse-REST-API-Key': null, Authorization: basic() },
      body: {},
    });
    expect(r.status).toBe(200);
    expect(r.body.result).toEqual({ id: user.userId, token: user.accessToken });
  });

  test('an unknown header app id with the app in a text/plain body is ours too', async () => {
    const user = await login();
    const r = await rest('POST', '/login', {
      headers: { 'X-Parse-Application-Id': 'not-a-registered-app', 'X-Parse-REST-API-Key': null, 'Content-Type': 'text/plain' },
      raw: JSON.stringify({ _method: 'GET', _ApplicationId: APP_ID, _JavaScriptKey: server.javascriptKey, username: user.username, password: 'pw-123456' }),
    });
    expect(r.status).toBe(200);
    expect(r.text).not.toMatch(/r:[0-9a-f]{32}/);
    expect(server.verify(r.body.sessionToken).sub).toBe(user.userId);
  });
});

describe('rejected with 209, its reason, and nothing changed', () => {
  let user;
  let before;
  beforeAll(async () => {
    user = await login();
  });
  beforeEach(async () => {
    before = await sessionRows(server);
  });
  afterEach(async () => {
    expect(await sessionRows(server)).toEqual(before);
  });

  test('expired', async () => {
    const claims = server.verify(user.accessToken);
    const token = forge({ claims: { sub: claims.sub, sid: claims.sid }, exp: Math.floor(Date.now() / 1000) - 60 });
    expect209(await rest('GET', '/users/me', { sessionToken: token }), 'Access token expired.');
  });

  test('tampered payload', async () => {
    const [h, p, s] = user.accessToken.split('.');
    const payload = JSON.parse(Buffer.from(p, 'base64url'));
    payload.sub = 'someoneElse';
    const tampered = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
    expect209(await rest('GET', '/users/me', { sessionToken: tampered }), 'Invalid access token: bad signature.');
  });

  test("another app's secret", async () => {
    const token = forge({ secret: 'another-apps-secret-of-at-least-32-bytes!!' });
    expect209(await rest('GET', '/classes/Private', { sessionToken: token }), 'Invalid access token: bad signature.');
  });

  test('another audience with our secret', async () => {
    const token = forge({ claims: { aud: 'another-app' } });
    expect209(await rest('GET', '/users/me', { sessionToken: token }), 'Invalid access token: wrong audience.');
  });

  test('alg none and a plain JWT typ', async () => {
    const [, p] = user.accessToken.split('.');
    const none = `${Buffer.from('{"alg":"none","typ":"at+jwt"}').toString('base64url')}.${p}.`;
    expect209(await rest('GET', '/users/me', { sessionToken: none }), 'Invalid access token: algorithm not accepted.');
    const plain = forge({ header: { typ: 'JWT' } });
    expect209(await rest('GET', '/users/me', { sessionToken: plain }), 'Invalid access token: not an at+jwt access token.');
  });

  test('a valid signature for a session that does not exist', async () => {
    const token = forge({ claims: { sub: user.userId, sid: 'noSuchSession' } });
    expect209(await rest('GET', '/users/me', { sessionToken: token }), 'Session revoked.');
  });

  test('via Authorization: Bearer and in a GraphQL request', async () => {
    const token = forge({ exp: Math.floor(Date.now() / 1000) - 60 });
    expect209(await rest('GET', '/users/me', { headers: { Authorization: `Bearer ${token}` } }), 'Access token expired.');
    const response = await fetch(server.graphqlURL, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Parse-Application-Id': APP_ID, 'X-Parse-REST-API-Key': server.restKey, 'X-Parse-Session-Token': token },
      body: JSON.stringify({ query: '{ viewer { sessionToken } }' }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ code: 209, error: 'Access token expired.', reason: 'access_token_expired' });
  });

  test('a garbage token that is not a JWT is Parse\'s own 209', async () => {
    const r = await rest('GET', '/users/me', { sessionToken: 'garbage' });
    expect209(r, 'Invalid session token');
  });
});
