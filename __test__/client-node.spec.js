'use strict';
// The client helper (parse-server-refresh-token/client) with the real Parse JavaScript SDK in Node,
// against a real Parse Server whose access tokens live 3 seconds: apps stay signed in with unmodified
// SDK calls, concurrent requests share one refresh, a dead session ends once, logout reaches the
// server, storage failures lose nothing, LiveQuery keeps its events.
const Parse = require('parse/node');
const { enableAutoRefresh } = require('../lib/client');
const { startParseServer, sessionRows, APP_ID, JAVASCRIPT_KEY } = require('./support/parse-server');
const { restClient } = require('./support/rest');

const PASSWORD = 'pw-123456';
const TTL = 3;
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

let server;
let rest;
let auto;
let expired;
const storage = new Map();
const memoryStorage = {
  failNext: 0,
  delayMs: 0,
  getItem: key => storage.get(key) ?? null,
  async setItem(key, value) {
    if (this.delayMs) await sleep(this.delayMs);
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('disk full');
    }
    storage.set(key, value);
  },
  removeItem: key => storage.delete(key),
};

beforeAll(async () => {
  server = await startParseServer({ tokens: { accessTokenTTL: TTL, leeway: 0, reuseInterval: 10 }, hooks: ['onRefresh', 'onRevoke'] });
  rest = restClient(server);
  Parse.initialize(APP_ID, JAVASCRIPT_KEY);
  Parse.serverURL = server.serverURL;
  Parse.liveQueryServerURL = server.liveQueryURL;
  Parse.User.enableUnsafeCurrentUser();
  auto = enableAutoRefresh(Parse, { refreshTokenStorage: memoryStorage, refreshAhead: 1, retryDelayMs: 50, onSessionExpired: reason => expired.push(reason) });
}, 60000);

beforeEach(async () => {
  expired = [];
  memoryStorage.failNext = 0;
  memoryStorage.delayMs = 0;
});

afterAll(async () => {
  await Parse.LiveQuery.close().catch(() => {});
  if (auto) auto.stop();
  if (server) await server.close();
});

let counter = 0;
async function logIn() {
  const username = `client${++counter}_${Date.now()}`;
  expect((await rest('POST', '/users', { body: { username, password: PASSWORD } })).status).toBe(201);
  const user = await Parse.User.logIn(username, PASSWORD);
  return { user, username };
}

const refreshesOf = async userId => (await server.events()).filter(e => e.type === 'onRefresh' && e.userId === userId).length;
const storedCode = () => JSON.parse(storage.get(`parse-refresh-token:${APP_ID}`)).code;

/** Makes the helper believe the current token is fresh for a minute (a device clock jump). */
async function withClockAhead(work) {
  const realNow = Date.now;
  Date.now = () => realNow() + 60000;
  try {
    return await work();
  } finally {
    Date.now = realNow;
  }
}

test('a login keeps the refresh token out of the user: it is in the storage the app gave', async () => {
  const { user } = await logIn();
  expect(user.get('refreshToken')).toBeUndefined();
  expect(user.get('accessToken')).toBeUndefined();
  expect(JSON.stringify(user._toFullJSON())).not.toContain(storedCode());
  expect(server.verify(user.getSessionToken()).sub).toBe(user.id);
  expect(JSON.parse(storage.get(`parse-refresh-token:${APP_ID}`)).client).toBe(user.id);
});

/** Makes the helper believe the current token is due although the server still takes it. */
async function withClockBehind(work) {
  const realNow = Date.now;
  Date.now = () => realNow() - 60000;
  try {
    return await work();
  } finally {
    Date.now = realNow;
  }
}

test('100 concurrent queries that all meet an expired token: exactly one refresh, no failed request', async () => {
  const { user } = await withClockAhead(() => logIn()); // no refresh ahead: the server decides
  const first = user.getSessionToken();
  await sleep((TTL + 0.5) * 1000);
  const results = await Promise.allSettled(Array.from({ length: 100 }, () => new Parse.Query('Note').find()));
  expect(results.filter(r => r.status === 'rejected')).toEqual([]);
  expect(await refreshesOf(user.id)).toBe(1);
  expect(Parse.User.current().getSessionToken()).not.toBe(first);
  expect(server.verify(Parse.User.current().getSessionToken()).sid).toBe(server.verify(first).sid);
});

test('100 concurrent queries when the token is due: one refresh ahead of them, no failed request', async () => {
  const { user } = await withClockBehind(() => logIn()); // the helper sees the token as due at once
  const results = await Promise.allSettled(Array.from({ length: 100 }, () => new Parse.Query('Note').find()));
  expect(results.filter(r => r.status === 'rejected')).toEqual([]);
  expect(await refreshesOf(user.id)).toBe(1);
});

test('a request that meets a 209 mid-flight is refreshed and retried once', async () => {
  const { user } = await withClockAhead(() => logIn());
  await sleep((TTL + 0.5) * 1000); // the server's token has expired; the helper thinks it has not
  const count = await new Parse.Query('Note').count();
  expect(count).toBeGreaterThanOrEqual(0);
  expect(await refreshesOf(user.id)).toBe(1);
});

test('the app stays signed in across many access-token lifetimes with unmodified SDK calls', async () => {
  const { user } = await logIn();
  const deadline = Date.now() + 4 * TTL * 1000;
  let calls = 0;
  while (Date.now() < deadline) {
    await new Parse.Object('Note').save({ text: `n${calls}` });
    await Parse.Cloud.run('whoAmI').then(result => expect(result.id).toBe(user.id));
    calls += 2;
    await sleep(400);
  }
  expect(calls).toBeGreaterThan(10);
  expect(await refreshesOf(user.id)).toBeGreaterThanOrEqual(3);
  expect((await server.events()).filter(e => e.type === 'onRevoke' && e.userId === user.id)).toEqual([]);
});

test('a revoked session ends once: onSessionExpired("revoked"), the user is signed out locally', async () => {
  const { user } = await withClockAhead(() => logIn());
  const { sid } = server.verify(user.getSessionToken());
  expect((await rest('POST', '/users/revoke', { body: { code: storedCode() } })).status).toBe(200);
  const results = await Promise.allSettled(Array.from({ length: 20 }, () => new Parse.Query('Note').find()));
  expect(results.every(r => r.status === 'rejected' && r.reason.code === 209)).toBe(true);
  expect(expired).toEqual(['revoked']);
  expect(Parse.User.current()).toBeNull();
  expect(storage.has(`parse-refresh-token:${APP_ID}`)).toBe(false);
  expect((await sessionRows(server)).map(row => row.objectId)).not.toContain(sid);
});

test('a refresh token spent twice elsewhere ends the session as reuse, told by the reason code: onSessionExpired("reuse")', async () => {
  const { user } = await logIn();
  const first = await rest('POST', '/users/refresh', { body: { client: user.id, code: storedCode() } });
  expect(first.status).toBe(200);
  const second = await rest('POST', '/users/refresh', { body: { client: user.id, code: first.body.refreshToken } });
  expect(second.status).toBe(200);
  // The helper still holds the first token, two generations old: reuse, whatever the grace window.
  await expect(auto.refresh()).rejects.toMatchObject({ reason: 'reuse' });
  expect(expired).toEqual(['reuse']);
  expect(Parse.User.current()).toBeNull();
});

test('logOut after the access token expired still ends the server session', async () => {
  const { user } = await withClockAhead(() => logIn());
  const { sid } = server.verify(user.getSessionToken());
  await sleep((TTL + 0.5) * 1000);
  await Parse.User.logOut();
  expect(Parse.User.current()).toBeNull();
  expect((await sessionRows(server)).map(row => row.objectId)).not.toContain(sid);
  expect(storage.has(`parse-refresh-token:${APP_ID}`)).toBe(false);
});

test('storage that throws: a clear error, and nothing lost (the next refresh works)', async () => {
  const { user } = await withClockAhead(() => logIn());
  await sleep((TTL + 0.5) * 1000);
  memoryStorage.failNext = 10;
  await expect(new Parse.Query('Note').find()).rejects.toThrow(/could not store the refresh token \(disk full\); the previous one is kept/);
  memoryStorage.failNext = 0;
  await expect(new Parse.Query('Note').find()).resolves.toEqual(expect.any(Array));
  expect(expired).toEqual([]);
  expect(Parse.User.current().id).toBe(user.id);
});

test('slow storage: concurrent requests wait for the one refresh, none fails', async () => {
  const { user } = await withClockAhead(() => logIn());
  await sleep((TTL + 0.5) * 1000);
  memoryStorage.delayMs = 1500;
  const results = await Promise.allSettled(Array.from({ length: 20 }, () => new Parse.Query('Note').find()));
  expect(results.filter(r => r.status === 'rejected')).toEqual([]);
  expect(await refreshesOf(user.id)).toBe(1);
});

test('a network failure and a malformed answer during a refresh are retried; the session survives', async () => {
  const { user } = await withClockAhead(() => logIn());
  await sleep((TTL + 0.5) * 1000);
  const realFetch = global.fetch;
  let refreshCalls = 0;
  global.fetch = async (url, init) => {
    if (String(url).endsWith('/users/refresh')) {
      refreshCalls++;
      if (refreshCalls === 1) throw new TypeError('fetch failed');
      if (refreshCalls === 2) return new Response('<html>bad gateway</html>', { status: 502 });
    }
    return realFetch(url, init);
  };
  try {
    await expect(new Parse.Query('Note').find()).resolves.toEqual(expect.any(Array));
  } finally {
    global.fetch = realFetch;
  }
  expect(refreshCalls).toBe(3);
  expect(await refreshesOf(user.id)).toBe(1);
  expect(expired).toEqual([]);
});

test('LiveQuery subscriptions keep receiving events across refreshes', async () => {
  const { user } = await logIn();
  const subscription = await new Parse.Query('Note').equalTo('owner', user.id).subscribe();
  const seen = [];
  subscription.on('create', object => seen.push(object.get('text')));
  const note = async text => {
    const object = new Parse.Object('Note');
    object.setACL(new Parse.ACL(user));
    await object.save({ text, owner: user.id });
  };
  await note('before');
  await sleep((2 * TTL + 1) * 1000); // two refreshes later
  await note('after');
  for (let i = 0; i < 50 && seen.length < 2; i++) await sleep(100);
  expect(seen).toEqual(['before', 'after']);
  expect(await refreshesOf(user.id)).toBeGreaterThanOrEqual(2);
  await subscription.unsubscribe();
});

test('bad options are refused with a message that names them', () => {
  expect(() => enableAutoRefresh({}, { refreshTokenStorage: 'cookie' })).toThrow('parse-server-refresh-token/client: enableAutoRefresh(Parse, options) needs the Parse JavaScript SDK object.');
  expect(() => enableAutoRefresh(Parse, { refreshTokenStorage: 'localStorage' })).toThrow(/option refreshTokenStorage must be 'cookie'/);
  expect(() => enableAutoRefresh(Parse, { refreshTokenStorage: 'cookie', refreshAhead: -1 })).toThrow('parse-server-refresh-token/client: option refreshAhead must be a number >= 0.');
  expect(enableAutoRefresh(Parse, { refreshTokenStorage: memoryStorage })).toBe(auto); // idempotent
});

test('adoptTokens signs in with the pair a custom login flow (issueTokens) returned', async () => {
  const username = `custom${++counter}_${Date.now()}`;
  const signup = await rest('POST', '/users', { body: { username, password: PASSWORD } });
  const { result } = await Parse.Cloud.run('customLogin', { username, code: 'letmein' }).then(r => ({ result: r }));
  expect(typeof result.refreshToken).toBe('string'); // Node is not a browser: the pair, whole
  const user = await auto.adoptTokens(result);
  expect(user.id).toBe(signup.body.objectId);
  expect(Parse.User.current().getSessionToken()).toBe(result.accessToken);
  expect(storedCode()).toBe(result.refreshToken);
  expect(await auto.refresh()).not.toBe(result.accessToken);
  expect(await refreshesOf(user.id)).toBe(1);
});

test('adoptTokens refuses what is not a pair, and changes nothing', async () => {
  const before = Parse.User.current();
  for (const bad of [undefined, {}, { accessToken: 'r:0123456789abcdef0123456789abcdef' }, { sessionToken: 'not-a-token' }]) {
    await expect(auto.adoptTokens(bad)).rejects.toThrow('parse-server-refresh-token/client: adoptTokens(pair) needs the pair a login returned.');
  }
  expect(Parse.User.current()).toBe(before);
});
