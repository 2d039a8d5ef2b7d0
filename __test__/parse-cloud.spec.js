'use strict';
// Cloud code helpers (issueTokens, revokeSessions) used from real cloud functions, and the hooks.
const { startParseServer, sessionRows } = require('./support/parse-server');
const { restClient } = require('./support/rest');

let server;
let rest;

beforeAll(async () => {
  server = await startParseServer({ hooks: ['claims', 'onRefresh', 'onRevoke'], claims: { plan: 'pro' } });
  rest = restClient(server);
});

afterAll(() => server && server.close());

let counter = 0;
async function signUp() {
  const username = `cloud${++counter}_${Date.now()}`;
  const r = await rest('POST', '/users', { body: { username, password: 'pw-123456' } });
  expect(r.status).toBe(201);
  return { userId: r.body.objectId, username, ...r.body };
}

test('issueTokens in a custom login flow hands the client a working pair', async () => {
  const user = await signUp();
  const r = await rest('POST', '/functions/customLogin', { body: { username: user.username, code: 'letmein' } });
  expect(r.status).toBe(200);
  expect(r.text).not.toMatch(/r:[0-9a-f]{32}/);
  const pair = r.body.result;
  expect(pair.token_type).toBe('Bearer');
  expect(pair.sessionToken).toBe(pair.accessToken);
  const claims = server.verify(pair.accessToken);
  expect(claims.sub).toBe(user.userId);
  const row = (await sessionRows(server)).find(s => s.objectId === claims.sid);
  expect(row.createdWith).toEqual({ action: 'login', authProvider: 'cloud' });
  const me = await rest('GET', '/users/me', { sessionToken: pair.accessToken });
  expect(me.body.objectId).toBe(user.userId);
  const refreshed = await rest('POST', '/users/refresh', { body: { client: user.userId, code: pair.refreshToken } });
  expect(refreshed.status).toBe(200);
});

test('a failing custom flow creates no session', async () => {
  const user = await signUp();
  const before = await sessionRows(server);
  const r = await rest('POST', '/functions/customLogin', { body: { username: user.username, code: 'wrong' } });
  expect(r.status).toBe(400);
  expect(r.body).toEqual({ code: 142, error: 'Bad code.' });
  expect(await sessionRows(server)).toEqual(before);
});

test('revokeSessions ends every other session of the user and keeps the current one', async () => {
  const user = await signUp();
  const other = await rest('POST', '/login', { body: { username: user.username, password: 'pw-123456' } });
  const keep = server.verify(user.accessToken).sid;
  const r = await rest('POST', '/functions/revokeMySessions', { sessionToken: user.accessToken, body: { keepSessionId: keep } });
  expect(r.status).toBe(200);
  expect(r.body.result).toBe(1);
  const gone = await rest('GET', '/users/me', { sessionToken: other.body.accessToken });
  expect(gone.body).toEqual({ code: 209, error: 'Session revoked.', reason: 'session_revoked' });
  expect((await rest('GET', '/users/me', { sessionToken: user.accessToken })).status).toBe(200);
  const rows = (await sessionRows(server)).filter(s => s.user === user.userId);
  expect(rows.map(s => s.objectId)).toEqual([keep]);
  const events = await server.events();
  expect(events).toContainEqual(expect.objectContaining({ type: 'onRevoke', userId: user.userId, sessionId: server.verify(other.body.accessToken).sid, reason: 'admin' }));
});

test("revokeSessions with the caller's own session token keeps exactly that session", async () => {
  const user = await signUp();
  const other = await rest('POST', '/login', { body: { username: user.username, password: 'pw-123456' } });
  const r = await rest('POST', '/functions/logOutElsewhere', { sessionToken: user.accessToken, body: {} });
  expect(r.status).toBe(200);
  expect(r.body.result).toBe(1);
  expect((await rest('GET', '/users/me', { sessionToken: other.body.accessToken })).body.code).toBe(209);
  const rows = (await sessionRows(server)).filter(s => s.user === user.userId);
  expect(rows.map(s => s.objectId)).toEqual([server.verify(user.accessToken).sid]);
});

test('the claims hook adds custom claims to every access token, including refreshed ones', async () => {
  const user = await signUp();
  expect(server.verify(user.accessToken).plan).toBe('pro');
  const refreshed = await rest('POST', '/users/refresh', { body: { client: user.userId, code: user.refreshToken } });
  expect(server.verify(refreshed.body.accessToken).plan).toBe('pro');
  const events = await server.events();
  const claimsCall = events.find(e => e.type === 'claims' && e.userId === user.userId);
  expect(claimsCall).toMatchObject({ type: 'claims', userId: user.userId, sessionId: server.verify(user.accessToken).sid });
  expect(events).toContainEqual(expect.objectContaining({ type: 'onRefresh', userId: user.userId, generation: 1 }));
});

test('onRevoke is called on logout and on revoke, with the reason', async () => {
  const a = await signUp();
  const b = await signUp();
  expect((await rest('POST', '/logout', { sessionToken: a.accessToken, body: {} })).status).toBe(200);
  expect((await rest('POST', '/users/revoke', { body: { code: b.refreshToken } })).status).toBe(200);
  const events = await server.events();
  expect(events).toContainEqual(expect.objectContaining({ type: 'onRevoke', userId: a.userId, reason: 'logout' }));
  expect(events).toContainEqual(expect.objectContaining({ type: 'onRevoke', userId: b.userId, reason: 'revoke' }));
});

test('a claims hook that sets a reserved claim fails the login with a message that says so', async () => {
  const broken = await startParseServer({ hooks: ['claims'], claims: { exp: 1 } });
  try {
    const r = await restClient(broken)('POST', '/users', { body: { username: `reserved${Date.now()}`, password: 'pw-123456' } });
    expect(r.status).toBe(500);
    expect(r.body).toEqual({ code: 1, error: 'The claims hook returned an invalid claim: Claim exp is reserved and set by the issuer' });
    expect(r.text).not.toMatch(/r:[0-9a-f]{32}/);
  } finally {
    await broken.close();
  }
});
