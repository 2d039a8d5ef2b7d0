'use strict';
// POST /users/refresh and POST /users/revoke: rotation, revocation, logout, and bad input that
// changes nothing stored.
const { startParseServer, sessionRows } = require('./support/parse-server');
const { restClient } = require('./support/rest');

let server;
let rest;

beforeAll(async () => {
  server = await startParseServer({ tokens: { reuseInterval: 2 }, hooks: ['onRefresh', 'onRevoke', 'onReuseDetected'] });
  rest = restClient(server);
});

afterAll(() => server && server.close());

let counter = 0;
async function login() {
  const username = `r${++counter}_${Date.now()}`;
  const signup = await rest('POST', '/users', { body: { username, password: 'pw-123456' } });
  expect(signup.status).toBe(201);
  return { userId: signup.body.objectId, ...signup.body };
}

async function refresh(client, code, extra = {}) {
  return rest('POST', '/users/refresh', { body: { client, code }, ...extra });
}

describe('refresh', () => {
  test('returns a new pair; the old refresh token stops working; the new access token works', async () => {
    const user = await login();
    const r1 = await refresh(user.userId, user.refreshToken);
    expect(r1.status).toBe(200);
    expect(r1.headers.get('cache-control')).toBe('no-store');
    expect(r1.body.token_type).toBe('Bearer');
    expect(r1.body.expires_in).toBe(1800);
    expect(r1.body.refreshToken).not.toBe(user.refreshToken);
    expect(r1.body.accessToken).not.toBe(user.accessToken);
    expect(r1.body.sessionToken).toBe(r1.body.accessToken);
    const me = await rest('GET', '/users/me', { sessionToken: r1.body.accessToken });
    expect(me.status).toBe(200);
    expect(me.body.objectId).toBe(user.userId);
    // The same session: the chain moved, the row did not change identity.
    const claims0 = server.verify(user.accessToken);
    const claims1 = server.verify(r1.body.accessToken);
    expect(claims1.sid).toBe(claims0.sid);
    const row = (await sessionRows(server)).find(r => r.objectId === claims1.sid);
    expect(row.refreshTokenGeneration).toBe(1);
    expect((await server.events()).some(e => e.type === 'onRefresh' && e.sessionId === claims1.sid && e.userId === user.userId)).toBe(true);
  });

  test('rotation continues over many generations', async () => {
    const user = await login();
    let code = user.refreshToken;
    for (let i = 0; i < 5; i++) {
      const r = await refresh(user.userId, code);
      expect(r.status).toBe(200);
      code = r.body.refreshToken;
    }
    const sid = server.verify(user.accessToken).sid;
    expect((await sessionRows(server)).find(r => r.objectId === sid).refreshTokenGeneration).toBe(5);
  });

  test('reuse of a rotated token after the grace window revokes the session', async () => {
    const user = await login();
    const r1 = await refresh(user.userId, user.refreshToken);
    expect(r1.status).toBe(200);
    await new Promise(resolve => setTimeout(resolve, 2200));
    const replay = await refresh(user.userId, user.refreshToken);
    expect(replay.status).toBe(400);
    expect(replay.body).toEqual({ code: 209, error: 'Refresh token reuse detected; the session has been revoked.', reason: 'refresh_token_reused' });
    const sid = server.verify(r1.body.accessToken).sid;
    expect((await sessionRows(server)).find(r => r.objectId === sid)).toBeUndefined();
    const after = await refresh(user.userId, r1.body.refreshToken);
    expect(after.body.code).toBe(209);
    const me = await rest('GET', '/users/me', { sessionToken: r1.body.accessToken });
    expect(me.body.code).toBe(209);
    expect((await server.events()).some(e => e.type === 'onReuseDetected' && e.sessionId === sid && e.userId === user.userId)).toBe(true);
  });

  test('inside the grace window the predecessor gets the current token of the same chain', async () => {
    const user = await login();
    const r1 = await refresh(user.userId, user.refreshToken);
    const again = await refresh(user.userId, user.refreshToken);
    expect(again.status).toBe(200);
    expect(again.body.refreshToken).toBe(r1.body.refreshToken);
    const r2 = await refresh(user.userId, again.body.refreshToken);
    expect(r2.status).toBe(200);
  });
});

describe('revoke and logout', () => {
  test('revoke ends the session: access tokens rejected at once, refresh token dead', async () => {
    const user = await login();
    const revoked = await rest('POST', '/users/revoke', { body: { code: user.refreshToken } });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toEqual({});
    const me = await rest('GET', '/users/me', { sessionToken: user.accessToken });
    expect(me.status).toBe(400);
    expect(me.body).toEqual({ code: 209, error: 'Session revoked.', reason: 'session_revoked' });
    expect(me.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
    const r = await refresh(user.userId, user.refreshToken);
    expect(r.body).toEqual({ code: 209, error: 'Invalid refresh token.', reason: 'refresh_token_invalid' });
  });

  test('revoke with an unknown code answers 209 Invalid session token semantics and changes nothing', async () => {
    await login();
    const before = await sessionRows(server);
    const r = await rest('POST', '/users/revoke', { body: { code: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe(209);
    expect(await sessionRows(server)).toEqual(before);
  });

  test('logout with an access token ends the session and its refresh token', async () => {
    const user = await login();
    const out = await rest('POST', '/logout', { sessionToken: user.accessToken, body: {} });
    expect(out.status).toBe(200);
    const me = await rest('GET', '/users/me', { sessionToken: user.accessToken });
    expect(me.body.code).toBe(209);
    const r = await refresh(user.userId, user.refreshToken);
    expect(r.body.code).toBe(209);
  });
});

describe('bad input changes nothing', () => {
  let user;
  let other;
  beforeAll(async () => {
    user = await login();
    other = await login();
  });

  const cases = [
    ['missing code', () => ({ client: user.userId }), 142, 'code must be a non-empty string.'],
    ['missing client', () => ({ code: user.refreshToken }), 142, 'client must be a non-empty string.'],
    ['numeric code', () => ({ client: user.userId, code: 12345 }), 142, 'code must be a non-empty string.'],
    ['operator object as code', () => ({ client: user.userId, code: { $ne: null } }), 142, 'code must be a non-empty string.'],
    ['operator object as client', () => ({ client: { $ne: null }, code: user.refreshToken }), 142, 'client must be a non-empty string.'],
    ['array as code', () => ({ client: user.userId, code: [user.refreshToken] }), 142, 'code must be a non-empty string.'],
    ['empty code', () => ({ client: user.userId, code: '' }), 142, 'code must be a non-empty string.'],
    ['garbage code', () => ({ client: user.userId, code: 'not-a-token' }), 209, 'Invalid refresh token.'],
    ['unknown client id', () => ({ client: 'nobody12345', code: user.refreshToken }), 209, 'Invalid refresh token.'],
    ["another user's refresh token", () => ({ client: user.userId, code: other.refreshToken }), 209, 'Invalid refresh token.'],
    ['tampered refresh token', () => ({ client: user.userId, code: flipLast(user.refreshToken) }), 209, 'Invalid refresh token.'],
    // Our wire format (version, sid length, sid, generation, MAC) naming a session id with a NUL byte.
    ['a token naming a session id with a NUL byte', () => ({ client: user.userId, code: Buffer.concat([Buffer.from([1, 1, 0]), Buffer.alloc(36)]).toString('base64url') }), 209, 'Invalid refresh token.'],
  ];

  test.each(cases)('%s', async (_name, body, code, message) => {
    const before = await sessionRows(server);
    const r = await rest('POST', '/users/refresh', { body: body() });
    expect(r.status).toBe(400);
    // A 209 carries its stable reason beside the sentence.
    expect(r.body).toEqual(code === 209 ? { code, error: message, reason: 'refresh_token_invalid' } : { code, error: message });
    expect(await sessionRows(server)).toEqual(before);
  });

  test('malformed JSON, a non-object body and an oversized body', async () => {
    const before = await sessionRows(server);
    const bad = await rest('POST', '/users/refresh', { raw: '{"client":', headers: { 'Content-Type': 'application/json' } });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ code: 107, error: 'Invalid JSON body.' });
    const array = await rest('POST', '/users/refresh', { body: [user.userId, user.refreshToken] });
    expect(array.body).toEqual({ code: 107, error: 'The body must be a JSON object.' });
    const huge = await rest('POST', '/users/refresh', { body: { client: user.userId, code: 'x'.repeat(200 * 1024) } });
    expect(huge.status).toBe(413);
    expect(huge.body).toEqual({ code: 142, error: 'Request body too large.' });
    const longCode = await rest('POST', '/users/refresh', { body: { client: user.userId, code: 'x'.repeat(2000) } });
    expect(longCode.body).toEqual({ code: 142, error: 'code must be a non-empty string.' });
    expect(await sessionRows(server)).toEqual(before);
    // And the real token still works afterwards: nothing was lost.
    const ok = await refresh(user.userId, user.refreshToken);
    expect(ok.status).toBe(200);
    user.refreshToken = ok.body.refreshToken;
  });

  test('an expired refresh token is refused and ends its session', async () => {
    const { databaseURI } = server;
    await server.close();
    server = await startParseServer({ databaseURI, tokens: { refreshTokenTTL: 1 } });
    rest = restClient(server);
    const u = await login();
    await new Promise(resolve => setTimeout(resolve, 1500));
    const r = await refresh(u.userId, u.refreshToken);
    expect(r.body).toEqual({ code: 209, error: 'Refresh token expired.', reason: 'refresh_token_expired' });
    const sid = server.verify(u.accessToken).sid;
    expect((await sessionRows(server)).find(row => row.objectId === sid)).toBeUndefined();
  });

  test('the endpoints require the app id', async () => {
    const r = await rest('POST', '/users/refresh', { body: { client: user.userId, code: user.refreshToken }, headers: { 'X-Parse-Application-Id': null } });
    expect(r.status).toBe(403);
  });
});

function flipLast(token) {
  const last = token[token.length - 1];
  return token.slice(0, -1) + (last === 'A' ? 'B' : 'A');
}
