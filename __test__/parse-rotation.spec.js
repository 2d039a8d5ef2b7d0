'use strict';
// A staged rotation of the ES256 signing key (k1 current → k2 standby → k2 current, k1 retired → k1
// removed) over two Parse Server instances on one database, each stage a rolling restart (A first
// while B still runs the old keys, then B), as the README's runbook says. Traffic runs throughout:
// logins and refreshes on both instances, and every live access token is checked on both instances
// and by a resource server that knows only the JWKS URL. Not one valid token may be refused.
const crypto = require('crypto');
const http = require('http');
const { startParseServer, startResourceServer } = require('./support/parse-server');
const { restClient } = require('./support/rest');

const ISSUER = 'https://rotation.psrt.test/parse'; // shared by both instances, as behind a load balancer
const TTL = 4; // accessTokenTTL, s: short, so that the last k1 token is soon gone
const LEEWAY = 1;
const JWKS_MAX_AGE = 1; // jwksMaxAge, s: what the edge in front of the JWKS may cache
const VERIFIER_CACHE_MS = 2000; // the resource server's own cache of the key set
const REFRESH_SECRET = crypto.randomBytes(32).toString('base64url');

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));
const header = token => JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString());
const payload = token => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());

/** A fresh ES256 key pair as PEM, the way an operator would put it in the environment. */
function es256(kid) {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { kid, privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }), publicKey: publicKey.export({ type: 'spki', format: 'pem' }) };
}
const signing = (key, status) => ({ kid: key.kid, alg: 'ES256', privateKey: key.privateKey, status });
// A retired key only verifies: its public half is enough.
const verifying = (key, status) => ({ kid: key.kid, alg: 'ES256', publicKey: key.publicKey, status });

const tokensOptions = keys => ({ keys, refreshSecret: REFRESH_SECRET, issuer: ISSUER, accessTokenTTL: TTL, leeway: LEEWAY, jwksMaxAge: JWKS_MAX_AGE });

async function jwksOf(server) {
  const response = await fetch(`${server.serverURL}/.well-known/jwks.json`);
  expect(response.status).toBe(200);
  expect(response.headers.get('cache-control')).toBe(`public, max-age=${JWKS_MAX_AGE}`);
  const { keys } = await response.json();
  for (const key of keys) expect(key).toMatchObject({ alg: 'ES256', kty: 'EC', crv: 'P-256', use: 'sig' });
  return keys.map(key => key.kid).sort();
}

/**
 * The public JWKS URL: forwards to the instances in turn, skipping one that is restarting (a load
 * balancer), and keeps each answer for its Cache-Control max-age (a CDN or proxy cache).
 */
async function startEdge(nodes) {
  let cached = null;
  let turn = 0;
  const server = http.createServer(async (req, res) => {
    try {
      if (!cached || Date.now() >= cached.until) {
        const up = nodes.filter(node => node.up);
        const node = up[turn++ % up.length];
        const response = await fetch(`${node.server.serverURL}/.well-known/jwks.json`);
        const maxAge = Number(/max-age=(\d+)/.exec(response.headers.get('cache-control'))[1]);
        cached = { body: await response.text(), until: Date.now() + maxAge * 1000 };
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(cached.body);
    } catch (error) {
      res.writeHead(502);
      res.end(String(error));
    }
  });
  await new Promise(resolve => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/parse/.well-known/jwks.json`, close: () => new Promise(resolve => server.close(resolve)) };
}

/**
 * Rounds of traffic until stopped. Each round, on every instance that is up: a new login, and a
 * refresh of one long-lived user (so its refresh tokens cross instances and stages); then every
 * access token still valid for at least another second goes to every instance that is up and to the
 * resource server. Refusals are collected, not thrown (this runs beside the test's own steps).
 */
function startTraffic(nodes, resource, veteran) {
  const issued = [];
  const refused = [];
  const rounds = [];
  let phase = 'start';
  let stopped = false;
  let inRound = null;
  let counter = 0;

  async function round() {
    const up = nodes.filter(node => node.up);
    const record = { phase, instances: up.map(node => node.name), checks: 0 };
    for (const node of up) {
      const username = `rot${++counter}_${Date.now()}`;
      const signup = await node.rest('POST', '/users', { body: { username, password: 'pw-123456' } });
      if (signup.status !== 201) refused.push({ phase, what: `signup on ${node.name}`, status: signup.status, body: signup.body });
      else issued.push({ token: signup.body.accessToken, by: node.name, phase });
      const refresh = await node.rest('POST', '/users/refresh', { body: { client: veteran.userId, code: veteran.refreshToken } });
      if (refresh.status !== 200) refused.push({ phase, what: `refresh on ${node.name}`, status: refresh.status, body: refresh.body });
      else {
        veteran.refreshToken = refresh.body.refreshToken;
        issued.push({ token: refresh.body.accessToken, by: node.name, phase });
      }
    }
    const live = issued.filter(t => payload(t.token).exp - 1 > Date.now() / 1000);
    await Promise.all(
      live.map(async t => {
        for (const node of up) {
          const me = await node.rest('GET', '/users/me', { sessionToken: t.token });
          record.checks++;
          if (me.status !== 200) refused.push({ phase, what: `${header(t.token).kid} token of ${t.by} (${t.phase}) on ${node.name}`, status: me.status, body: me.body });
        }
        const verdict = await resource.check(t.token);
        record.checks++;
        if (verdict.status !== 200) refused.push({ phase, what: `${header(t.token).kid} token of ${t.by} (${t.phase}) by the resource server`, body: verdict.body });
      }),
    );
    rounds.push(record);
  }

  const loop = (async () => {
    while (!stopped) {
      inRound = round();
      await inRound;
      inRound = null;
      await sleep(100);
    }
  })();

  return {
    issued,
    refused,
    rounds,
    set phase(value) {
      phase = value;
    },
    /** Resolves when the round in flight (if any) has finished: a stopped instance gets no request. */
    drain: () => inRound || Promise.resolve(),
    /** Resolves after `n` whole rounds that started after this call. */
    async settle(n = 1) {
      const start = rounds.length + (inRound ? 1 : 0);
      while (rounds.length < start + n) await sleep(50);
    },
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

describe('staged ES256 rotation, two instances, rolling restarts', () => {
  const k1 = es256('k1');
  const k2 = es256('k2');
  const nodes = [
    { name: 'A', up: false },
    { name: 'B', up: false },
  ];
  let databaseURI;
  let edge;
  let resource;
  let traffic;

  async function start(node, keys) {
    node.server = await startParseServer({ tokens: tokensOptions(keys), databaseURI, port: node.server && node.server.port });
    databaseURI = node.server.databaseURI;
    node.rest = restClient(node.server);
    node.up = true;
  }

  /** One instance of a rolling restart: out of the balancer, stopped, started with `keys`, back in. */
  async function roll(node, keys, expectedKids) {
    node.up = false;
    await traffic.drain();
    await node.server.close();
    await start(node, keys);
    expect(await jwksOf(node.server)).toEqual(expectedKids);
    traffic.phase = `${traffic.phaseName}: ${node.name} rolled`;
    await traffic.settle(1); // a whole round with A on the new keys and B still on the old ones (or both new)
  }

  afterAll(async () => {
    if (traffic) await traffic.stop();
    await Promise.all([...nodes.map(node => node.server && node.server.close()), edge && edge.close(), resource && resource.close()]);
  });

  test('every access token of either instance is accepted everywhere at every step; k2 takes over; k1 goes', async () => {
    // Stage 0: k1 signs.
    const stage0 = [signing(k1, 'current')];
    await start(nodes[0], stage0);
    await start(nodes[1], stage0);
    for (const node of nodes) expect(await jwksOf(node.server)).toEqual(['k1']);
    edge = await startEdge(nodes);
    resource = await startResourceServer({ jwksURL: edge.url, issuer: ISSUER, cacheMs: VERIFIER_CACHE_MS, leeway: LEEWAY });
    const signup = await nodes[0].rest('POST', '/users', { body: { username: `veteran_${Date.now()}`, password: 'pw-123456' } });
    expect(signup.status).toBe(201);
    const veteran = { userId: signup.body.objectId, refreshToken: signup.body.refreshToken };
    traffic = startTraffic(nodes, resource, veteran);
    const stage = name => {
      traffic.phaseName = name;
      traffic.phase = name;
    };
    stage('0 k1 current');
    await traffic.settle(2);
    const fetchesBefore = await resource.fetches();

    // Stage 1: k2 published as standby on every instance; nothing signs with it yet.
    stage('1 k2 standby');
    const stage1 = [signing(k1, 'current'), signing(k2, 'standby')];
    await roll(nodes[0], stage1, ['k1', 'k2']);
    await roll(nodes[1], stage1, ['k1', 'k2']);
    // The runbook's wait: the edge's max-age, then the verifier's own cache.
    stage('1 k2 standby: caches expire');
    await sleep(JWKS_MAX_AGE * 1000 + VERIFIER_CACHE_MS + 500);
    await traffic.settle(1);
    expect(await resource.fetches()).toBeGreaterThan(fetchesBefore);

    // Stage 2: k2 signs, k1 retired (its public key verifies what it signed).
    stage('2 k2 current, k1 retired');
    const stage2 = [signing(k2, 'current'), verifying(k1, 'retired')];
    await roll(nodes[0], stage2, ['k1', 'k2']);
    await roll(nodes[1], stage2, ['k1', 'k2']);
    const promoted = Date.now();

    // Stage 3: once the last k1 token has expired (accessTokenTTL + leeway after the promotion), k1 goes.
    stage('2 k2 current: k1 tokens expire');
    await sleep(Math.max(0, promoted + (TTL + LEEWAY) * 1000 + 200 - Date.now()));
    const k1Tokens = traffic.issued.filter(t => header(t.token).kid === 'k1');
    const lastK1Exp = Math.max(...k1Tokens.map(t => payload(t.token).exp));
    expect(lastK1Exp + LEEWAY).toBeLessThanOrEqual(Date.now() / 1000);
    stage('3 k1 removed');
    const stage3 = [signing(k2, 'current')];
    await roll(nodes[0], stage3, ['k2']);
    await roll(nodes[1], stage3, ['k2']);
    await traffic.settle(1);
    await traffic.stop();

    // Zero refusals, at every step, of logins, refreshes and every live token.
    expect(traffic.refused).toEqual([]);
    const phases = [...new Set(traffic.rounds.filter(r => r.instances.length === 2 && r.checks > 0).map(r => r.phase))];
    expect(phases).toEqual(
      expect.arrayContaining(['0 k1 current', '1 k2 standby: A rolled', '1 k2 standby: B rolled', '2 k2 current, k1 retired: A rolled', '2 k2 current, k1 retired: B rolled', '3 k1 removed: A rolled', '3 k1 removed: B rolled']),
    );
    // Who signed what: k1 until the promotion reached an instance, k2 after, both while it rolled.
    const kidsOf = (phase, by) => [...new Set(traffic.issued.filter(t => t.phase === phase && (!by || t.by === by)).map(t => header(t.token).kid))];
    expect(kidsOf('1 k2 standby: caches expire')).toEqual(['k1']);
    expect(kidsOf('2 k2 current, k1 retired: A rolled', 'A')).toEqual(['k2']);
    expect(kidsOf('2 k2 current, k1 retired: A rolled', 'B')).toEqual(['k1']);
    expect(kidsOf('3 k1 removed: B rolled')).toEqual(['k2']);

    // The last k1 token is refused now that k1 is gone: by both instances (unknown key, not merely
    // expired: the key is looked up first) and by the resource server.
    const last = k1Tokens[k1Tokens.length - 1].token;
    for (const node of nodes) {
      const me = await node.rest('GET', '/users/me', { sessionToken: last });
      expect(me.status).toBe(400);
      expect(me.body).toMatchObject({ code: 209, reason: 'access_token_key_unknown' });
    }
    expect((await resource.check(last)).status).toBe(401);
    // The long-lived user's login outlived the whole rotation: refresh tokens do not depend on the signing key.
    const refresh = await nodes[1].rest('POST', '/users/refresh', { body: { client: veteran.userId, code: veteran.refreshToken } });
    expect(refresh.status).toBe(200);
    expect(header(refresh.body.accessToken).kid).toBe('k2');
  }, 120000);
});

test('a k1 token still live when k1 is removed too early gets 209; one refresh brings a k2 token', async () => {
  const k1 = es256('k1');
  const k2 = es256('k2');
  const server = await startParseServer({ tokens: { ...tokensOptions([signing(k1, 'current')]), accessTokenTTL: 600 } });
  let restarted;
  try {
    const rest = restClient(server);
    const signup = await rest('POST', '/users', { body: { username: `early_${Date.now()}`, password: 'pw-123456' } });
    expect(signup.status).toBe(201);
    expect(header(signup.body.accessToken).kid).toBe('k1');
    await server.close();
    restarted = await startParseServer({ tokens: tokensOptions([signing(k2, 'current')]), databaseURI: server.databaseURI, port: server.port });
    const again = restClient(restarted);
    expect(await jwksOf(restarted)).toEqual(['k2']);
    const me = await again('GET', '/users/me', { sessionToken: signup.body.accessToken });
    expect(me.status).toBe(400);
    expect(me.body).toEqual({ code: 209, error: 'Invalid access token: unknown key.', reason: 'access_token_key_unknown' });
    const refresh = await again('POST', '/users/refresh', { body: { client: signup.body.objectId, code: signup.body.refreshToken } });
    expect(refresh.status).toBe(200);
    expect(header(refresh.body.accessToken).kid).toBe('k2');
    expect((await again('GET', '/users/me', { sessionToken: refresh.body.accessToken })).status).toBe(200);
  } finally {
    await Promise.all([server.close(), restarted && restarted.close()]);
  }
});
