'use strict';
// Two Parse Server processes on ONE PostgreSQL database: reuse
// detection, the grace window, concurrent refresh storms, revocation and a crash, across instances.
const { startParseServer, sessionRows } = require('./support/parse-server');
const { restClient } = require('./support/rest');

// Instances behind one load balancer share one issuer name. The default issuer is each instance's own
// serverURL, which differs here (one port per process), so it is set explicitly.
const ISSUER = 'https://cluster.psrt.test/parse';
const CACHE_TTL = 1000; // Parse's cacheTTL (ms): the bound for revocation to reach the other instance
const HOOKS = ['onRefresh', 'onRevoke', 'onReuseDetected'];
const REUSED = { code: 209, error: 'Refresh token reuse detected; the session has been revoked.', reason: 'refresh_token_reused' };
const INVALID = { code: 209, error: 'Invalid refresh token.', reason: 'refresh_token_invalid' };
const REVOKED = { code: 209, error: 'Session revoked.', reason: 'session_revoked' };

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

/** Starts A, then B on A's database, with the same plugin options. */
async function startPair(tokens) {
  const options = { tokens: { issuer: ISSUER, ...tokens }, server: { cacheTTL: CACHE_TTL }, hooks: HOOKS };
  const a = await startParseServer(options);
  const b = await startParseServer({ ...options, databaseURI: a.databaseURI });
  for (const s of [a, b]) s.rest = restClient(s);
  return { a, b };
}

let counter = 0;
async function login(server) {
  const username = `c${++counter}_${Date.now()}_${Math.random().toString(36).slice(2, 8)}`;
  const signup = await server.rest('POST', '/users', { body: { username, password: 'pw-123456' } });
  expect(signup.status).toBe(201);
  expect(typeof signup.body.refreshToken).toBe('string');
  return { userId: signup.body.objectId, accessToken: signup.body.accessToken, refreshToken: signup.body.refreshToken, sid: server.verify(signup.body.accessToken).sid };
}

const refreshOn = (server, client, code, extra = {}) => server.rest('POST', '/users/refresh', { body: { client, code }, ...extra });
const me = (server, token) => server.rest('GET', '/users/me', { sessionToken: token });
const rowOf = async (server, sid) => (await sessionRows(server)).find(r => r.objectId === sid);

async function expectAccepted(server, token, userId) {
  const r = await me(server, token);
  expect(r.status).toBe(200);
  expect(r.body.objectId).toBe(userId);
  const who = await server.rest('POST', '/functions/whoAmI', { sessionToken: token, body: {} });
  expect(who.status).toBe(200);
  expect(who.body.result.id).toBe(userId);
}

async function expectRejected(server, token) {
  const r = await me(server, token);
  expect(r.status).toBe(400);
  expect(r.body).toEqual(REVOKED);
  expect(r.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
}

/**
 * Polls the cloud function whoAmI (a request that relies on the instance's caches, unlike /users/me,
 * which reads the `_Session` table itself) until the access token is rejected. Returns how long that
 * took from `since`, how many requests were still accepted on the way (each for the right user) and
 * the rejection: a 209 from the plugin ('Session revoked.') or from Parse's own auth once its user
 * cache has expired ('Invalid session token'), whichever cache runs out first.
 */
async function pollUntilRejected(server, token, userId, since, boundMs) {
  let accepted = 0;
  for (;;) {
    const r = await server.rest('POST', '/functions/whoAmI', { sessionToken: token, body: {} });
    if (r.status !== 200) {
      expect(r.status).toBe(400);
      expect([REVOKED, { code: 209, error: 'Invalid session token', reason: 'invalid_session_token' }]).toContainEqual(r.body);
      return { elapsed: Date.now() - since, accepted, error: r.body.error };
    }
    expect(r.body.result.id).toBe(userId);
    accepted++;
    if (Date.now() - since > boundMs) return { elapsed: Date.now() - since, accepted };
    await sleep(25);
  }
}

/** Once cacheTTL has passed since the revocation, every instance answers with the plugin's verdict. */
async function expectRejectedAfterCacheTTL(server, token, since) {
  const wait = since + CACHE_TTL + 50 - Date.now();
  if (wait > 0) await sleep(wait);
  await expectRejected(server, token);
  const r = await server.rest('POST', '/functions/whoAmI', { sessionToken: token, body: {} });
  expect(r.body).toEqual(REVOKED);
}

/** `n` refreshes of one token fired at once, alternating between the two instances. */
function storm(a, b, user, code, n = 50) {
  return Promise.all(Array.from({ length: n }, (_, i) => refreshOn(i % 2 === 0 ? a : b, user.userId, code)));
}

const observed = [];
afterAll(() => {
  // The numbers the report quotes (visible with --verbose or in the console output).
  // eslint-disable-next-line no-console
  console.log(`parse-cluster observations:\n${observed.map(o => `  ${o}`).join('\n')}`);
});

describe('two instances, reuseInterval 2 s', () => {
  let a;
  let b;
  beforeAll(async () => {
    ({ a, b } = await startPair({ reuseInterval: 2 }));
  });
  afterAll(async () => {
    await Promise.all([a && a.close(), b && b.close()]);
  });

  test('a rotated token replayed on the OTHER instance after the window revokes the whole session', async () => {
    const user = await login(a);
    const r1 = await refreshOn(a, user.userId, user.refreshToken);
    expect(r1.status).toBe(200);
    expect(a.verify(r1.body.accessToken).sid).toBe(user.sid);
    await sleep(2200); // past the 2 s grace window
    // Both instances have the session cached right before the replay.
    await expectAccepted(a, r1.body.accessToken, user.userId);
    await expectAccepted(b, r1.body.accessToken, user.userId);
    await expectAccepted(b, user.accessToken, user.userId);

    const since = Date.now();
    const replay = await refreshOn(b, user.userId, user.refreshToken, { headers: { 'X-Parse-Installation-Id': 'install-cluster-1' } });
    expect(replay.status).toBe(400);
    expect(replay.body).toEqual(REUSED);
    expect(replay.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);

    // B, which detected the reuse: every access token of the session is rejected at once.
    await expectRejected(b, r1.body.accessToken);
    await expectRejected(b, user.accessToken);
    // A: within cacheTTL.
    const onA = await pollUntilRejected(a, r1.body.accessToken, user.userId, since, CACHE_TTL + 1000);
    expect(onA.elapsed).toBeLessThanOrEqual(CACHE_TTL + 1000);
    observed.push(`reuse on B -> A rejects after ${onA.elapsed} ms (${onA.accepted} requests still accepted from A's cache; first rejection: ${onA.error})`);
    await expectRejectedAfterCacheTTL(a, r1.body.accessToken, since);
    await expectRejected(a, user.accessToken);

    // The current refresh token died with the session, on both instances; the row is gone.
    expect(await rowOf(a, user.sid)).toBeUndefined();
    expect((await refreshOn(a, user.userId, r1.body.refreshToken)).body).toEqual(INVALID);
    expect((await refreshOn(b, user.userId, r1.body.refreshToken)).body).toEqual(INVALID);

    // The hook fired on B (the instance that saw the reuse) with the user, session, IP and installation.
    const reuseOnB = (await b.events()).filter(e => e.type === 'onReuseDetected' && e.sessionId === user.sid);
    expect(reuseOnB).toEqual([
      { type: 'onReuseDetected', userId: user.userId, sessionId: user.sid, generation: 0, ip: '127.0.0.1', installationId: 'install-cluster-1' },
    ]);
    expect((await b.events()).filter(e => e.type === 'onRevoke' && e.sessionId === user.sid)).toEqual([
      { type: 'onRevoke', userId: user.userId, sessionId: user.sid, reason: 'reuse', ip: '127.0.0.1', installationId: 'install-cluster-1' },
    ]);
    expect((await a.events()).some(e => e.type === 'onReuseDetected' && e.sessionId === user.sid)).toBe(false);
  });

  test('grace window: the immediate predecessor, on either instance, continues the same chain; after the window it is reuse', async () => {
    const user = await login(a);
    const r1 = await refreshOn(a, user.userId, user.refreshToken);
    expect(r1.status).toBe(200);
    // Inside the window, on B and on A: the winner's refresh token again, a fresh access token of the same session.
    const onB = await refreshOn(b, user.userId, user.refreshToken);
    const onA = await refreshOn(a, user.userId, user.refreshToken);
    for (const r of [onB, onA]) {
      expect(r.status).toBe(200);
      expect(r.body.refreshToken).toBe(r1.body.refreshToken);
      expect(b.verify(r.body.accessToken).sid).toBe(user.sid);
    }
    await expectAccepted(a, onB.body.accessToken, user.userId);
    await expectAccepted(b, onA.body.accessToken, user.userId);
    // No fork: the row moved once.
    let row = await rowOf(a, user.sid);
    expect(row.refreshTokenGeneration).toBe(1);

    // The chain continues on B; now r1 is the immediate predecessor and r0 is two behind.
    const r2 = await refreshOn(b, user.userId, r1.body.refreshToken);
    expect(r2.status).toBe(200);
    const graced = await refreshOn(a, user.userId, r1.body.refreshToken);
    expect(graced.status).toBe(200);
    expect(graced.body.refreshToken).toBe(r2.body.refreshToken);
    row = await rowOf(b, user.sid);
    expect(row.refreshTokenGeneration).toBe(2);

    // After the window the predecessor is reuse, on the other instance than the one that rotated.
    await sleep(2200);
    const late = await refreshOn(a, user.userId, r1.body.refreshToken);
    expect(late.status).toBe(400);
    expect(late.body).toEqual(REUSED);
    expect(await rowOf(a, user.sid)).toBeUndefined();
    expect((await refreshOn(b, user.userId, r2.body.refreshToken)).body).toEqual(INVALID);
  });

  test('inside the window a token two generations back is reuse (only the immediate predecessor is graced)', async () => {
    const user = await login(b);
    const r1 = await refreshOn(a, user.userId, user.refreshToken);
    const r2 = await refreshOn(b, user.userId, r1.body.refreshToken);
    expect([r1.status, r2.status]).toEqual([200, 200]);
    const old = await refreshOn(a, user.userId, user.refreshToken);
    expect(old.status).toBe(400);
    expect(old.body).toEqual(REUSED);
    expect(await rowOf(a, user.sid)).toBeUndefined();
    expect((await refreshOn(b, user.userId, r2.body.refreshToken)).body).toEqual(INVALID);
  });

  test('revocation on A: A rejects the access token at once, B within cacheTTL', async () => {
    const user = await login(b);
    // Both instances have the session cached.
    await expectAccepted(a, user.accessToken, user.userId);
    await expectAccepted(b, user.accessToken, user.userId);
    const since = Date.now();
    const revoked = await a.rest('POST', '/users/revoke', { body: { code: user.refreshToken } });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toEqual({});
    await expectRejected(a, user.accessToken);
    const onB = await pollUntilRejected(b, user.accessToken, user.userId, since, CACHE_TTL + 1000);
    expect(onB.elapsed).toBeLessThanOrEqual(CACHE_TTL + 1000);
    observed.push(`revoke on A -> B rejects after ${onB.elapsed} ms (${onB.accepted} requests still accepted from B's cache; first rejection: ${onB.error})`);
    await expectRejectedAfterCacheTTL(b, user.accessToken, since);
    expect(await rowOf(a, user.sid)).toBeUndefined();
    expect((await refreshOn(b, user.userId, user.refreshToken)).body).toEqual(INVALID);
    expect((await a.events()).filter(e => e.type === 'onRevoke' && e.sessionId === user.sid).map(e => e.reason)).toEqual(['revoke']);
  });
});

describe('two instances, default grace window (10 s)', () => {
  let a;
  let b;
  beforeAll(async () => {
    ({ a, b } = await startPair({}));
  });
  afterAll(async () => {
    await Promise.all([a && a.close(), b && b.close()]);
  });

  test('50 concurrent refreshes of one token over both instances: one chain, the session kept', async () => {
    for (let round = 1; round <= 3; round++) {
      const user = await login(round % 2 ? a : b);
      const before = await rowOf(a, user.sid);
      const responses = await storm(a, b, user, user.refreshToken);
      const ok = responses.filter(r => r.status === 200);
      const rejected = responses.filter(r => r.status !== 200);
      for (const r of rejected) {
        expect(r.status).toBe(400);
        expect(r.body.code).toBe(209);
      }
      expect(ok.length).toBeGreaterThanOrEqual(1);
      const chain = new Set(ok.map(r => r.body.refreshToken));
      expect(chain.size).toBe(1);
      for (const r of ok) expect(a.verify(r.body.accessToken).sid).toBe(user.sid);
      const after = await rowOf(a, user.sid);
      expect(after).toBeDefined();
      expect(after.refreshTokenGeneration).toBe(before.refreshTokenGeneration + 1);
      observed.push(`grace storm round ${round}: ${ok.length} x 200, ${rejected.length} x 209 (${[...new Set(rejected.map(r => r.body.error))].join('; ') || '-'})`);

      // The single surviving token works once more, and the session's access tokens still work.
      const [next] = chain;
      const more = await refreshOn(round % 2 ? b : a, user.userId, next);
      expect(more.status).toBe(200);
      expect((await rowOf(a, user.sid)).refreshTokenGeneration).toBe(before.refreshTokenGeneration + 2);
      await expectAccepted(a, ok[0].body.accessToken, user.userId);
      await expectAccepted(b, more.body.accessToken, user.userId);
      expect((await a.events()).concat(await b.events()).some(e => e.type === 'onReuseDetected' && e.sessionId === user.sid)).toBe(false);
    }
  });

  test('SIGKILL of A during a refresh storm loses no session; the refreshed ones stay usable on B', async () => {
    const existing = (await sessionRows(b)).length;
    const users = await Promise.all(Array.from({ length: 20 }, (_, i) => login(i % 2 ? a : b)));
    const rowsBefore = await sessionRows(b);
    expect(rowsBefore.length).toBe(existing + 20);
    const hot = users.slice(0, 5);
    const cold = users.slice(5);

    let steps = 0;
    let killed = false;
    let lostInFlight = 0;
    for (const u of hot) u.known = { refreshToken: u.refreshToken, accessToken: u.accessToken, generation: 0 };
    // Each hot session: a client that refreshes over and over, each step sent three times at once (a
    // retrying client), all against A.
    const worker = async u => {
      while (!killed) {
        const settled = await Promise.allSettled([1, 2, 3].map(() => refreshOn(a, u.userId, u.known.refreshToken)));
        const got = settled.filter(s => s.status === 'fulfilled').map(s => s.value);
        lostInFlight += settled.length - got.length;
        for (const r of got) expect(r.status).toBe(200);
        if (got.length > 0) {
          expect(new Set(got.map(r => r.body.refreshToken)).size).toBe(1);
          u.known = { refreshToken: got[0].body.refreshToken, accessToken: got[0].body.accessToken, generation: u.known.generation + 1 };
          steps++;
        }
        if (got.length < settled.length) return; // A is gone
      }
    };
    const workers = hot.map(worker);
    while (steps < 30) await sleep(2);
    await a.kill();
    killed = true;
    await Promise.all(workers);

    const rowsAfter = await sessionRows(b);
    expect(rowsAfter.map(r => r.objectId)).toEqual(rowsBefore.map(r => r.objectId)); // no row lost
    // Sessions nobody was refreshing: untouched, and fully usable on B.
    for (const u of cold) {
      expect(rowsAfter.find(r => r.objectId === u.sid)).toEqual(rowsBefore.find(r => r.objectId === u.sid));
      await expectAccepted(b, u.accessToken, u.userId);
      const r = await refreshOn(b, u.userId, u.refreshToken);
      expect(r.status).toBe(200);
    }
    // Sessions being refreshed: the client's latest-known token works on B, either as the current token
    // or, if A committed a rotation whose response was lost, as the predecessor inside the window.
    const outcomes = { current: 0, predecessor: 0 };
    for (const u of hot) {
      const row = rowsAfter.find(r => r.objectId === u.sid);
      const ahead = row.refreshTokenGeneration - u.known.generation;
      expect([0, 1]).toContain(ahead);
      outcomes[ahead === 0 ? 'current' : 'predecessor']++;
      await expectAccepted(b, u.known.accessToken, u.userId);
      const r = await refreshOn(b, u.userId, u.known.refreshToken);
      expect(r.status).toBe(200);
      expect((await rowOf(b, u.sid)).refreshTokenGeneration).toBe(u.known.generation + 1);
      await expectAccepted(b, r.body.accessToken, u.userId);
      const again = await refreshOn(b, u.userId, r.body.refreshToken);
      expect(again.status).toBe(200);
    }
    observed.push(
      `kill storm: ${steps} completed steps (x3 requests) before SIGKILL, ${lostInFlight} requests lost in flight; ` +
        `hot sessions usable with latest-known token as current: ${outcomes.current}, as predecessor in grace: ${outcomes.predecessor}`
    );
  });
});

describe('two instances, grace window off (reuseInterval 0)', () => {
  let a;
  let b;
  beforeAll(async () => {
    ({ a, b } = await startPair({ reuseInterval: 0 }));
  });
  afterAll(async () => {
    await Promise.all([a && a.close(), b && b.close()]);
  });

  test('50 concurrent refreshes of one token: at most one succeeds, never two live chains', async () => {
    for (let round = 1; round <= 3; round++) {
      const user = await login(round % 2 ? a : b);
      const responses = await storm(a, b, user, user.refreshToken);
      const ok = responses.filter(r => r.status === 200);
      const rejected = responses.filter(r => r.status !== 200);
      expect(ok.length).toBeLessThanOrEqual(1);
      expect(ok.length + rejected.length).toBe(50);
      for (const r of rejected) {
        expect(r.status).toBe(400);
        expect([REUSED, INVALID]).toContainEqual(r.body);
      }
      const events = (await a.events()).concat(await b.events()).filter(e => e.sessionId === user.sid);
      const reuseEvents = events.filter(e => e.type === 'onReuseDetected');
      const revokeEvents = events.filter(e => e.type === 'onRevoke');
      const row = await rowOf(a, user.sid);
      if (reuseEvents.length > 0) expect(row).toBeUndefined(); // ended by reuse detection: the row is gone
      // One session ended once: one reuse event and one revoke event, however many requests saw the reuse.
      expect(reuseEvents.length).toBe(row ? 0 : 1);
      expect(revokeEvents.map(e => e.reason)).toEqual(row ? [] : ['reuse']);

      // At most one refresh token works afterwards: the winner's (if any), then the original (never).
      const candidates = [...ok.map(r => r.body.refreshToken), user.refreshToken];
      let working = 0;
      for (const code of candidates) {
        const r = await refreshOn(round % 2 ? b : a, user.userId, code);
        if (r.status === 200) working++;
        else expect([REUSED, INVALID]).toContainEqual(r.body);
      }
      expect(working).toBeLessThanOrEqual(1);
      if (!row) {
        expect(working).toBe(0);
        for (const r of ok) {
          await expectRejected(a, r.body.accessToken);
          await expectRejected(b, r.body.accessToken);
        }
      }
      const reused = rejected.filter(r => r.body.error === REUSED.error).length;
      observed.push(
        `no-grace storm round ${round}: ${ok.length} x 200, ${rejected.length} x 209 (${reused} reuse-detected, ${rejected.length - reused} invalid), ` +
          `session ${row ? 'kept' : 'revoked'}, ${reuseEvents.length} onReuseDetected calls`
      );
    }
  });
});
