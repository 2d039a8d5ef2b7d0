'use strict';
// Lifetimes on the server clock, with short TTLs instead of minutes of sleep:
//  - the absolute lifetime of a login (refreshTokenTTL): rotation never extends it;
//  - the idle timeout (idleTimeout): a refresh after longer idleness fails and ends the session, a
//    refresh inside the window keeps it alive and starts the window again;
//  - the access token TTL (accessTokenTTL, leeway 0).
const { startParseServer, sessionRows } = require('./support/parse-server');
const { restClient } = require('./support/rest');

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

let absolute; // refreshTokenTTL: 3
let idle; // idleTimeout: 2
let short; // accessTokenTTL: 1, leeway: 0

beforeAll(async () => {
  const start = async tokens => {
    const server = await startParseServer({ tokens, hooks: ['onRevoke'] });
    return { server, rest: restClient(server) };
  };
  [absolute, idle, short] = await Promise.all([
    start({ refreshTokenTTL: 3 }),
    start({ idleTimeout: 2 }),
    start({ accessTokenTTL: 1, leeway: 0 }),
  ]);
});

afterAll(() => Promise.all([absolute, idle, short].filter(Boolean).map(s => s.server.close())));

let counter = 0;
async function signUp({ rest }) {
  const username = `life${++counter}_${Date.now()}`;
  const before = Date.now();
  const r = await rest('POST', '/users', { body: { username, password: 'pw-123456' } });
  const after = Date.now();
  expect(r.status).toBe(201);
  return { userId: r.body.objectId, username, before, after, ...r.body };
}

const refresh = ({ rest }, user, code) => rest('POST', '/users/refresh', { body: { client: user.userId, code } });

async function row({ server }, sid) {
  return (await sessionRows(server)).find(r => r.objectId === sid);
}

function expect209(response, message) {
  expect(response.status).toBe(400);
  expect(response.body).toMatchObject({ code: 209, error: message });
  expect(response.body.reason).toMatch(/^[a-z_]+$/);
  expect(response.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token", error_description="/);
}

describe('absolute lifetime (refreshTokenTTL)', () => {
  test('rotation never extends it; after it the refresh fails with 209 and the session is gone', async () => {
    const s = absolute;
    const user = await signUp(s);
    const sid = s.server.verify(user.accessToken).sid;
    const first = await row(s, sid);
    const limit = first.refreshTokenExpiresAt.getTime();
    // Set on the server clock at login: login time + 3 s.
    expect(limit).toBeGreaterThanOrEqual(user.before + 3000 - 50);
    expect(limit).toBeLessThanOrEqual(user.after + 3000 + 50);
    // Parse's own session expiry is not later than the absolute lifetime either.
    expect(first.expiresAt.getTime()).toBeLessThanOrEqual(limit);

    let code = user.refreshToken;
    let access = user.accessToken;
    for (let i = 1; i <= 3; i++) {
      await sleep(500);
      const r = await refresh(s, user, code);
      expect(r.status).toBe(200);
      code = r.body.refreshToken;
      access = r.body.accessToken;
      const now = await row(s, sid);
      expect(now.refreshTokenGeneration).toBe(i);
      // The chain moved; the lifetime did not.
      expect(now.refreshTokenExpiresAt.getTime()).toBe(limit);
      expect(now.expiresAt.getTime()).toBe(first.expiresAt.getTime());
    }
    expect((await s.rest('GET', '/users/me', { sessionToken: access })).status).toBe(200);

    await sleep(Math.max(0, limit - Date.now()) + 300);
    // The access token (30 min TTL) still verifies, but its session has outlived its lifetime.
    expect209(await s.rest('GET', '/users/me', { sessionToken: access }), 'Session expired.');
    expect209(await refresh(s, user, code), 'Refresh token expired.');
    expect(await row(s, sid)).toBeUndefined();
    expect((await s.server.events()).some(e => e.type === 'onRevoke' && e.sessionId === sid && e.reason === 'expired')).toBe(true);
    // The session is gone: nothing of it works any more.
    expect209(await s.rest('GET', '/users/me', { sessionToken: access }), 'Session revoked.');
    expect209(await refresh(s, user, code), 'Invalid refresh token.');
  });

  test('each login has its own lifetime, counted from that login', async () => {
    const s = absolute;
    const user = await signUp(s);
    await sleep(1000);
    const again = await s.rest('POST', '/login', { body: { username: user.username, password: 'pw-123456' } });
    expect(again.status).toBe(200);
    const sid = s.server.verify(again.body.accessToken).sid;
    const limit = (await row(s, sid)).refreshTokenExpiresAt.getTime();
    const firstLimit = (await row(s, s.server.verify(user.accessToken).sid)).refreshTokenExpiresAt.getTime();
    expect(limit - firstLimit).toBeGreaterThanOrEqual(900);
  });
});

describe('idle timeout (idleTimeout)', () => {
  test('refreshes inside the window keep the session alive past the timeout and reset the window', async () => {
    const s = idle;
    const user = await signUp(s);
    const sid = s.server.verify(user.accessToken).sid;
    let code = user.refreshToken;
    let last = (await row(s, sid)).refreshTokenUsedAt.getTime();
    const started = Date.now();
    // 5 refreshes 1 s apart: 5 s in all, more than twice the 2 s timeout, never 2 s idle.
    for (let i = 0; i < 5; i++) {
      await sleep(1000);
      const r = await refresh(s, user, code);
      expect(r.status).toBe(200);
      code = r.body.refreshToken;
      const usedAt = (await row(s, sid)).refreshTokenUsedAt.getTime();
      expect(usedAt).toBeGreaterThan(last); // the window starts again at each refresh
      last = usedAt;
    }
    expect(Date.now() - started).toBeGreaterThan(4000);
    expect((await row(s, sid)).refreshTokenGeneration).toBe(5);
    const me = await s.rest('GET', '/users/me', { sessionToken: user.accessToken });
    expect(me.status).toBe(200);
  });

  test('a refresh after more than the timeout of idleness fails with 209 and ends the session', async () => {
    const s = idle;
    const user = await signUp(s);
    const sid = s.server.verify(user.accessToken).sid;
    const r1 = await refresh(s, user, user.refreshToken);
    expect(r1.status).toBe(200);
    await sleep(2500);
    expect209(await refresh(s, user, r1.body.refreshToken), 'Session expired after inactivity.');
    expect(await row(s, sid)).toBeUndefined();
    expect((await s.server.events()).some(e => e.type === 'onRevoke' && e.sessionId === sid && e.reason === 'idle')).toBe(true);
    // Ended, not just refused: its access tokens and refresh token are dead.
    expect209(await s.rest('GET', '/users/me', { sessionToken: r1.body.accessToken }), 'Session revoked.');
    expect209(await refresh(s, user, r1.body.refreshToken), 'Invalid refresh token.');
  });

  test('idleness counts from the login when there was no refresh', async () => {
    const s = idle;
    const user = await signUp(s);
    await sleep(2500);
    expect209(await refresh(s, user, user.refreshToken), 'Session expired after inactivity.');
    expect(await row(s, s.server.verify(user.accessToken).sid)).toBeUndefined();
  });
});

describe('access token TTL (accessTokenTTL)', () => {
  test('accessTokenTTL 1 with leeway 0: accepted at once, 209 Access token expired after ~2 s', async () => {
    const s = short;
    const user = await signUp(s);
    expect(user.expires_in).toBe(1);
    const claims = s.server.verify(user.accessToken);
    expect(claims.exp - claims.iat).toBe(1);
    const before = await sessionRows(s.server);
    const me = await s.rest('GET', '/users/me', { sessionToken: user.accessToken });
    expect(me.status).toBe(200);
    await sleep(2100);
    expect209(await s.rest('GET', '/users/me', { sessionToken: user.accessToken }), 'Access token expired.');
    expect209(await s.rest('GET', '/users/me', { headers: { Authorization: `Bearer ${user.accessToken}` } }), 'Access token expired.');
    // An expired access token changes nothing stored: the session lives on, and the refresh token
    // gets a new pair whose access token works.
    expect(await sessionRows(s.server)).toEqual(before);
    const r = await refresh(s, user, user.refreshToken);
    expect(r.status).toBe(200);
    expect(r.body.expires_in).toBe(1);
    expect((await s.rest('GET', '/users/me', { sessionToken: r.body.accessToken })).status).toBe(200);
  });
});
