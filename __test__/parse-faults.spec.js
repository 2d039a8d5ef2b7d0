'use strict';
// Faults: the database becomes unreachable during a refresh. The run's
// PostgreSQL is shared with other suites, so it is never stopped: this suite's Parse Server reaches it
// through a TCP proxy in the test process, and "the database goes away" is the proxy closing its
// listening socket and destroying every open connection (new connections are refused, queries in
// flight lose their connection). The client must get a clear error within a bound (no hang, no 2xx),
// the server must stay up, and once the proxy is back the same refresh token must still work (nothing
// half-rotated) while sessions that were not being refreshed are untouched.
const net = require('net');
const { startParseServer, createDatabase, withClient } = require('./support/parse-server');
const { restClient } = require('./support/rest');

const BOUND_MS = 15000; // the longest a client may wait for its answer while the database is away
const ENDPOINT_TIMEOUT = 3; // seconds; the plugin's endpointTimeout for this suite (default 10)
const UNAVAILABLE = { code: 1, error: 'Service temporarily unavailable.' };

/** A TCP proxy to PostgreSQL that can be cut (refuse and drop everything) and restored. */
class DatabaseProxy {
  constructor(targetPort) {
    this.targetPort = targetPort;
    this.sockets = new Set();
    this.port = 0;
    this.server = null;
    this.onClientData = null; // set by cutOnQuery
  }

  async start() {
    this.server = net.createServer(client => this.connect(client));
    await new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.port = this.server.address().port;
  }

  connect(client) {
    const upstream = net.connect(this.targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => {}); // a cut connection errors on both sides; that is the point
    }
    client.on('data', chunk => {
      if (this.onClientData) this.onClientData(chunk);
      if (this.stalled) return; // dropped on the floor
      if (!upstream.destroyed) upstream.write(chunk);
    });
    upstream.on('data', chunk => {
      if (this.stalled) return;
      if (!client.destroyed) client.write(chunk);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }

  /** The database is gone: no new connection is accepted, every open one is dropped. */
  cut() {
    this.onClientData = null;
    if (this.server) {
      this.server.close();
      this.server = null;
    }
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  /** The database stops answering (a partition): connections stay open, nothing gets through. */
  stall() {
    this.onClientData = null;
    this.stalled = true;
  }

  /** Cuts (or stalls) as soon as `count` more chunks of client traffic (queries) reached the proxy. */
  failOnQuery(count, mode) {
    let seen = 0;
    return new Promise(resolve => {
      this.onClientData = () => {
        if (++seen >= count) {
          // Let this chunk through to PostgreSQL first, so the statement is in flight when it fails.
          setImmediate(() => {
            if (mode === 'stall') this.stall();
            else this.cut();
            resolve();
          });
          this.onClientData = null;
        }
      };
    });
  }

  /** Back: a stalled partition heals with its stale connections reset; a cut one listens again. */
  async restore() {
    if (this.stalled) {
      for (const socket of this.sockets) socket.destroy();
      this.sockets.clear();
      this.stalled = false;
    }
    if (!this.server) await this.start();
  }
}

let proxy;
let server;
let rest;
let directURI; // the same database without the proxy, for the test's own reads

beforeAll(async () => {
  directURI = await createDatabase('faults');
  const url = new URL(directURI);
  proxy = new DatabaseProxy(Number(url.port));
  await proxy.start();
  url.port = String(proxy.port);
  // reuseInterval 30: a client whose answer was lost retries with the token it holds; if that rotation
  // committed (or, abandoned after endpointTimeout, commits late) the retry is the predecessor and must
  // land inside the grace window. 30 s keeps that true on a loaded CI machine.
  server = await startParseServer({ databaseURI: url.toString(), tokens: { endpointTimeout: ENDPOINT_TIMEOUT, reuseInterval: 30 } });
  rest = restClient(server);
});

afterAll(async () => {
  if (proxy) await proxy.restore(); // let the server shut its pool down cleanly
  if (server) await server.close();
  if (proxy) proxy.cut();
});

/** After the database is back: the row is as it was before the fault, and the same token rotates once. */
async function expectUnmovedThenRefreshes(user, before) {
  expect(await rows([user.sid])).toEqual([before]);
  const after = await refresh(user);
  expect(after.status).toBe(200);
  expect((await rows([user.sid]))[0].generation).toBe(before.generation + 1);
  return after;
}

const summary = [];
afterAll(() => {
  // eslint-disable-next-line no-console
  if (summary.length) console.log(`faults:\n  ${summary.join('\n  ')}`);
});

let counter = 0;
async function signUp() {
  const username = `fault${++counter}_${Date.now()}`;
  const r = await rest('POST', '/users', { body: { username, password: 'pw-123456' } });
  expect(r.status).toBe(201);
  return { userId: r.body.objectId, sid: server.verify(r.body.accessToken).sid, accessToken: r.body.accessToken, refreshToken: r.body.refreshToken };
}

/** Rows read straight from PostgreSQL, past the proxy. */
async function rows(sids) {
  return withClient(directURI, async client => {
    const { rows: found } = await client.query(`SELECT "objectId", t::text AS text, "refreshTokenGeneration" AS generation FROM "_Session" t WHERE "objectId" = ANY($1) ORDER BY "objectId"`, [sids]);
    return found;
  });
}

async function timed(promise) {
  const started = Date.now();
  const result = await promise;
  return { ...result, ms: Date.now() - started };
}

const refresh = (user, code = user.refreshToken) => timed(rest('POST', '/users/refresh', { body: { client: user.userId, code } }));

async function healthy() {
  expect(server.child.exitCode).toBeNull();
  const health = await rest('GET', '/health');
  expect(health.status).toBe(200);
  expect(health.body).toEqual({ status: 'ok' });
}

/** Every failed answer while the database is away: bounded, not 2xx, a Parse-shaped 503. */
function expectUnavailable(response) {
  expect(response.ms).toBeLessThan(BOUND_MS);
  expect(response.status).toBe(503);
  expect(response.body).toEqual(UNAVAILABLE);
}

describe('the database becomes unreachable', () => {
  let bystanders;
  let bystanderRows;
  beforeAll(async () => {
    // Sessions nobody refreshes during the faults: they must come out byte-for-byte the same.
    bystanders = [await signUp(), await signUp(), await signUp()];
    bystanderRows = await rows(bystanders.map(u => u.sid));
    expect(bystanderRows).toHaveLength(3);
  });

  afterEach(async () => {
    await proxy.restore();
    expect(await rows(bystanders.map(u => u.sid))).toEqual(bystanderRows);
    for (const user of bystanders) {
      const me = await rest('GET', '/users/me', { sessionToken: user.accessToken });
      expect(me.status).toBe(200);
    }
  });

  test('before a refresh: a 503 within the bound, the server stays up, and afterwards the same token works', async () => {
    const user = await signUp();
    const [before] = await rows([user.sid]);
    proxy.cut();

    const r = await refresh(user);
    expectUnavailable(r);
    // A second attempt while it is still away: the same clear answer, no hang on a dead pool.
    expectUnavailable(await refresh(user));
    // Revocation needs the database too, and fails the same way (the session is not ended).
    const revoke = await timed(rest('POST', '/users/revoke', { body: { code: user.refreshToken } }));
    expectUnavailable(revoke);
    await healthy();

    await proxy.restore();
    const after = await expectUnmovedThenRefreshes(user, before);
    const me = await rest('GET', '/users/me', { sessionToken: after.body.accessToken });
    expect(me.status).toBe(200);
    expect(me.body.objectId).toBe(user.userId);
  });

  test('stops answering (a partition) before a refresh: 503 after endpointTimeout, not a hang', async () => {
    const user = await signUp();
    const [before] = await rows([user.sid]);
    proxy.stall();
    // Two at once: neither waits on the other's stuck connection without bound.
    const answers = await Promise.all([refresh(user), refresh(user), timed(rest('POST', '/users/revoke', { body: { code: user.refreshToken } }))]);
    for (const answer of answers) {
      expectUnavailable(answer);
      expect(answer.ms).toBeGreaterThanOrEqual(ENDPOINT_TIMEOUT * 1000 - 100);
    }
    await healthy();

    await proxy.restore();
    await expectUnmovedThenRefreshes(user, before);
  });

  // Cut (connections dropped, new ones refused) or stall (nothing answers) after the n-th query chunk
  // of a burst of 12 concurrent refreshes: it falls on the session lookup of some, on the rotation
  // update of others, and (stall) between a committed rotation and its answer.
  // Where it falls is a fraction of the chunks a burst takes when nothing fails (measured first).
  let burstChunks;
  const burst = async () => {
    const users = [];
    for (let i = 0; i < 12; i++) users.push(await signUp());
    return users;
  };
  beforeAll(async () => {
    const users = await burst();
    let seen = 0;
    proxy.onClientData = () => seen++;
    const answers = await Promise.all(users.map(user => refresh(user)));
    proxy.onClientData = null;
    expect(answers.map(a => a.status)).toEqual(Array(12).fill(200));
    burstChunks = seen;
    expect(burstChunks).toBeGreaterThanOrEqual(12);
  });

  test.each([
    ['cut', 0.05],
    ['cut', 0.4],
    ['cut', 0.7],
    ['cut', 0.9],
    ['stall', 0.5],
    ['stall', 0.9],
  ])('while 12 refreshes are in flight (%s after %f of their queries): no hang, no loss, nothing half-rotated', async (mode, fraction) => {
    const users = await burst();
    const at = Math.max(1, Math.round(burstChunks * fraction));
    const cut = proxy.failOnQuery(at, mode);
    const answers = await Promise.all(users.map(user => refresh(user)));
    await cut;

    let failed = 0;
    for (const [i, answer] of answers.entries()) {
      expect(answer.ms).toBeLessThan(BOUND_MS);
      if (answer.status === 200) {
        users[i].next = answer.body.refreshToken;
      } else {
        failed++;
        expectUnavailable(answer);
      }
    }
    if (fraction < 0.9) expect(failed).toBeGreaterThan(0); // it did hit refreshes in flight
    await healthy();
    // Still away: a refresh now fails just as clearly.
    expectUnavailable(await refresh(users[0], users[0].next || users[0].refreshToken));

    await proxy.restore();
    // Failed answers whose rotation committed anyway (the answer, not the write, was lost).
    const moved = (await rows(users.filter(u => !u.next).map(u => u.sid))).filter(r => r.generation === 1).length;
    summary.push(`${mode} at chunk ${at} of ~${burstChunks}: ${12 - failed} answered 200, ${failed} answered 503 (${moved} of them rotated before the answer was lost)`);
    for (const user of users) {
      // The token the client holds works once the database is back: the one it got, or, where the
      // answer was lost, the one it sent (if its rotation committed before the cut, the grace window
      // hands back the current token of the same chain instead of calling it reuse).
      const code = user.next || user.refreshToken;
      const again = await refresh(user, code);
      expect(again.status).toBe(200);
      const next = await refresh(user, again.body.refreshToken);
      expect(next.status).toBe(200);
      const me = await rest('GET', '/users/me', { sessionToken: next.body.accessToken });
      expect(me.status).toBe(200);
      expect(me.body.objectId).toBe(user.userId);
    }
    // One session per user, none lost, none forked.
    expect(await rows(users.map(u => u.sid))).toHaveLength(12);
  });
});
