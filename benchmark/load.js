'use strict';
// Load figures on loopback, bounded in time and count (about a minute in all):
//  1. authenticated GET /parse/classes/Note/<id> with the access token (X-Parse-Session-Token) against
//     the same request with the raw `r:` token of the same session, on the same Parse Server (the
//     plugin in its default legacy 'allow' mode); and, for scale, with the raw token on a plain Parse
//     Server (no plugin) on the same database. autocannon, interleaved rounds after a warm-up, medians.
//     Target: access-token throughput >= 95% of raw-session-token throughput.
//  2. refreshes per second: concurrent clients, each rotating its own chain in a loop against
//     POST /parse/users/refresh, with where the time goes (the two store calls, PostgreSQL itself).
// Starts its own embedded PostgreSQL (a temporary directory) and the Parse Server processes
// (benchmark/load-server.js); stops them all (Parse first, then PostgreSQL) on the way out, even on error.
//
//   npm run bench            (benchmark/run.js: index.js, then this; or: node benchmark/load.js)
//   BENCH_LOAD_SECONDS=2 BENCH_LOAD_ROUNDS=9 BENCH_LOAD_CONNECTIONS=10 (GET runs)
//   BENCH_LOAD_CHAINS=10 BENCH_LOAD_REFRESH_SECONDS=5 (refresh run)
//   BENCH_LOAD_BASELINE=0    skip the plain-Parse row
//   BENCH_LOAD_PROFILE=dir   write a V8 CPU profile of the plugin's server to dir (--cpu-prof)

const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');
const autocannon = require('autocannon');
const { Client } = require('pg');
const { startEmbeddedPostgres, withClient } = require('../demo/embedded-postgres');

const env = process.env;
// Many short rounds rather than a few long ones: on a shared machine the load from other processes
// changes within seconds, and each round's adjacent pair of runs sees about the same share of it.
const SECONDS = Number(env.BENCH_LOAD_SECONDS) || 2;
// Parse Server's code paths need a few thousand requests before V8 has optimised them: shorter, and
// the first measured run comes out low.
const WARMUP_SECONDS = 3;
const ROUNDS = Number(env.BENCH_LOAD_ROUNDS) || 9;
const REFRESH_SECONDS = Number(env.BENCH_LOAD_REFRESH_SECONDS) || 5;
const CONNECTIONS = Number(env.BENCH_LOAD_CONNECTIONS) || 10;
const CHAINS = Number(env.BENCH_LOAD_CHAINS) || 10;
const BASELINE = env.BENCH_LOAD_BASELINE !== '0';
const PROFILE_DIR = env.BENCH_LOAD_PROFILE ? path.resolve(env.BENCH_LOAD_PROFILE) : null;
const MAX_REQUESTS = 500000; // per autocannon run: a bound on count as well as on time
const TARGET = 0.95;

const APP_ID = 'psrt-bench-app';
const MASTER_KEY = 'psrt-bench-master-key';
const SECRET = 'benchmark-secret-0123456789abcdefghijklmnop';

const median = values => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)];
const fmt = (n, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

// ---- processes --------------------------------------------------------------------------------

const children = [];

function startServer(name, config) {
  const args = PROFILE_DIR && config.tokens ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [];
  const child = spawn(process.execPath, [...args, path.join(__dirname, 'load-server.js')], {
    env: { ...env, PSRT_BENCH_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise(resolve => child.once('exit', resolve));
  const entry = { name, child, exited };
  children.push(entry);
  let stderr = '';
  child.stderr.on('data', chunk => {
    stderr = (stderr + chunk).slice(-20000);
  });
  return new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`${name} did not start in 30 s:\n${stderr}`)), 30000);
    child.stdout.on('data', chunk => {
      stdout += chunk;
      const match = /READY (\d+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        entry.port = Number(match[1]);
        resolve(entry);
      }
    });
    child.once('exit', code => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code}:\n${stderr}`));
    });
  });
}

async function stopServer(entry) {
  const { child, exited } = entry;
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
  await exited;
  clearTimeout(timer);
}

// ---- CPU time (Linux /proc; null elsewhere) -----------------------------------------------------

const TICK = 100; // USER_HZ on Linux
function procTimes(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[1] = ppid; [11..14] = utime stime cutime cstime
    return { ppid: Number(fields[1]), cpu: (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / TICK };
  } catch {
    return null;
  }
}

/** CPU seconds used so far by `pid`, and (with `tree`) by its direct children (PostgreSQL backends). */
function cpuSeconds(pid, tree = false) {
  const own = procTimes(pid);
  if (!own) return null;
  let total = own.cpu;
  if (tree) {
    for (const name of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      const times = procTimes(name);
      if (times && times.ppid === pid) total += times.cpu;
    }
  }
  return total;
}

function postgresPid(databaseDir) {
  try {
    return Number(fs.readFileSync(path.join(databaseDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return null;
  }
}

/** Runs `work` and returns its result with the CPU seconds the server process and PostgreSQL used. */
async function withCpu(serverPid, pgPid, work) {
  const before = [cpuSeconds(serverPid), pgPid && cpuSeconds(pgPid, true)];
  const result = await work();
  const after = [cpuSeconds(serverPid), pgPid && cpuSeconds(pgPid, true)];
  const delta = (a, b) => (a === null || b === null || a === undefined || b === undefined ? null : b - a);
  return { result, serverCpu: delta(before[0], after[0]), pgCpu: delta(before[1], after[1]) };
}

// ---- HTTP -----------------------------------------------------------------------------------------

const agent = new http.Agent({ keepAlive: true, maxSockets: Math.max(CHAINS, 4) });

function request(port, method, urlPath, { body, headers = {} } = {}) {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: urlPath,
        agent,
        timeout: 10000,
        headers: {
          'X-Parse-Application-Id': APP_ID,
          ...(payload === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) }),
          ...headers,
        },
      },
      res => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', chunk => (text += chunk));
        res.on('end', () => {
          let json = null;
          try {
            json = JSON.parse(text);
          } catch {
            // left null
          }
          resolve({ status: res.statusCode, json, text });
        });
      }
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${urlPath}: timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

async function expectOk(promise, what) {
  const response = await promise;
  if (response.status < 200 || response.status >= 300) throw new Error(`${what}: HTTP ${response.status} ${response.text}`);
  return response.json;
}

// ---- measurements -----------------------------------------------------------------------------------

/** One autocannon run of GET `urlPath` with `token` as X-Parse-Session-Token; requests/s (2xx only). */
async function cannon(port, urlPath, token, seconds) {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${urlPath}`,
    connections: CONNECTIONS,
    duration: seconds,
    maxOverallRequests: MAX_REQUESTS,
    timeout: 10,
    headers: { 'X-Parse-Application-Id': APP_ID, 'X-Parse-Session-Token': token },
  });
  const bad = result.non2xx + result.errors + result.timeouts;
  if (bad > 0) throw new Error(`GET ${urlPath}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`);
  return { rps: result['2xx'] / result.duration, requests: result['2xx'], latency: result.latency.average };
}

/** CHAINS clients, each refreshing its own chain back to back for `seconds`. */
async function refreshStorm(port, chains, userId, seconds) {
  const deadline = Date.now() + seconds * 1000;
  const latencies = [];
  let failures = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    chains.map(async chain => {
      let code = chain;
      while (Date.now() < deadline) {
        const t0 = process.hrtime.bigint();
        const response = await request(port, 'POST', '/parse/users/refresh', { body: { client: userId, code } });
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        if (response.status !== 200 || !response.json || !response.json.refreshToken) {
          failures++;
          throw new Error(`refresh: HTTP ${response.status} ${response.text}`);
        }
        code = response.json.refreshToken;
      }
    })
  );
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  return {
    count: latencies.length,
    failures,
    rps: latencies.length / elapsed,
    meanMs: latencies.reduce((a, b) => a + b, 0) / latencies.length,
    p50: latencies[Math.floor(latencies.length * 0.5)],
    p99: latencies[Math.floor(latencies.length * 0.99)],
  };
}

/** Mean ms of the two statements a refresh sends, straight over `pg` (one connection, sequential). */
async function postgresFloor(databaseURI, family, iterations = 300) {
  const client = new Client({ connectionString: databaseURI });
  await client.connect();
  try {
    const time = async (sql, params) => {
      for (let i = 0; i < 20; i++) await client.query(sql, params);
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < iterations; i++) await client.query(sql, params);
      return Number(process.hrtime.bigint() - t0) / 1e6 / iterations;
    };
    const select = await time('SELECT * FROM "_Session" WHERE "refreshTokenFamily" = $1 LIMIT 1', [family]);
    // The shape of the conditional rotation, but a no-op (the hash never matches): the round trip and
    // the index lookup, without churning the row under the chains.
    const update = await time('UPDATE "_Session" SET "refreshTokenGeneration" = "refreshTokenGeneration" WHERE "objectId" = $1 AND "refreshTokenHash" = $2', [
      'none',
      'none',
    ]);
    return { select, update };
  } finally {
    await client.end();
  }
}

function claimsOf(accessToken) {
  return JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString('utf8'));
}

// ---- main ---------------------------------------------------------------------------------------------

async function main() {
  const started = Date.now();
  const loadavg = os.loadavg().map(n => n.toFixed(2)).join(' ');
  const pg = await startEmbeddedPostgres({ persistent: false });
  cleanup.postgres = pg;
  const databaseURI = pg.uri('postgres');
  const pgPid = postgresPid(pg.databaseDir);
  cleanup.pgPid = pgPid;

  const plugin = await startServer('Parse Server with the plugin', { appId: APP_ID, masterKey: MASTER_KEY, databaseURI, tokens: { secret: SECRET } });
  const plain = BASELINE ? await startServer('plain Parse Server', { appId: APP_ID, masterKey: MASTER_KEY, databaseURI, tokens: false }) : null;

  // A user, a Note only that user can read, and both tokens of one session.
  const username = `bench-${Date.now()}`;
  const signup = await expectOk(request(plugin.port, 'POST', '/parse/users', { body: { username, password: 'bench-password' } }), 'sign up');
  const userId = signup.objectId;
  const accessToken = signup.sessionToken;
  if (!/^eyJ/.test(accessToken || '')) throw new Error(`sign up did not return an access token: ${JSON.stringify(signup)}`);
  const note = await expectOk(
    request(plugin.port, 'POST', '/parse/classes/Note', {
      body: { text: 'hello', ACL: { [userId]: { read: true, write: true } } },
      headers: { 'X-Parse-Session-Token': accessToken },
    }),
    'create Note'
  );
  const sid = claimsOf(accessToken).sid;
  const rows = await withClient(databaseURI, client => client.query('SELECT "sessionToken" FROM "_Session" WHERE "objectId" = $1', [sid]));
  const rawToken = rows.rows[0] && rows.rows[0].sessionToken;
  if (!/^r:/.test(rawToken || '')) throw new Error('no raw session token in _Session');
  const urlPath = `/parse/classes/Note/${note.objectId}`;

  const kinds = [
    { name: 'access token (JWT), plugin', port: plugin.port, pid: plugin.child.pid, token: accessToken, runs: [] },
    { name: 'raw r: token, same plugin server', port: plugin.port, pid: plugin.child.pid, token: rawToken, runs: [] },
  ];
  if (plain) kinds.push({ name: 'raw r: token, plain Parse (no plugin)', port: plain.port, pid: plain.child.pid, token: rawToken, runs: [], info: true });
  // Same answer for every kind, and nothing refused, before anything is timed.
  for (const kind of kinds) {
    const body = await expectOk(request(kind.port, 'GET', urlPath, { headers: { 'X-Parse-Session-Token': kind.token } }), `GET with ${kind.name}`);
    if (body.objectId !== note.objectId) throw new Error(`GET with ${kind.name}: unexpected body ${JSON.stringify(body)}`);
  }
  const anonymous = await request(plugin.port, 'GET', urlPath);
  if (anonymous.status === 200) throw new Error('the Note is readable without a session: the benchmark would not measure authentication');

  process.stdout.write(`load: warm-up ${WARMUP_SECONDS} s per kind, then ${ROUNDS} interleaved rounds of ${SECONDS} s, ${CONNECTIONS} connections\n`);
  for (const kind of kinds) await cannon(kind.port, urlPath, kind.token, WARMUP_SECONDS);
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate the order too, so neither kind always follows the other.
    const order = round % 2 === 0 ? kinds : kinds.slice().reverse();
    for (const kind of order) {
      const from = process.hrtime.bigint() / 1000n;
      const { result, serverCpu, pgCpu } = await withCpu(kind.pid, pgPid, () => cannon(kind.port, urlPath, kind.token, SECONDS));
      kind.runs.push({ ...result, serverCpu, pgCpu, window: [String(from), String(process.hrtime.bigint() / 1000n)] });
      process.stdout.write(`  round ${round + 1}  ${kind.name.padEnd(40)} ${fmt(result.rps).padStart(7)} req/s\n`);
    }
  }
  if (PROFILE_DIR) {
    // The runs' windows on the monotonic clock (microseconds, as in the .cpuprofile's samples).
    const windows = Object.fromEntries(kinds.map(kind => [kind.name, kind.runs.map(r => r.window)]));
    fs.writeFileSync(path.join(PROFILE_DIR, 'windows.json'), JSON.stringify(windows));
  }
  for (const kind of kinds) {
    kind.rps = median(kind.runs.map(r => r.rps));
    kind.latency = median(kind.runs.map(r => r.latency));
    // CPU per request over all rounds together (/proc counts in 10 ms ticks: sums are finer).
    const requests = kind.runs.reduce((sum, r) => sum + r.requests, 0);
    const perRequest = field => (kind.runs.some(r => r[field] === null) ? null : (kind.runs.reduce((sum, r) => sum + r[field], 0) * 1e6) / requests);
    kind.cpuUs = perRequest('serverCpu');
    kind.pgUs = perRequest('pgCpu');
  }

  // Refreshes: each chain is its own login of the same user (a session each).
  const chains = [];
  for (let i = 0; i < CHAINS; i++) {
    const login = await expectOk(request(plugin.port, 'POST', '/parse/login', { body: { username, password: 'bench-password' } }), 'log in');
    chains.push(login.refreshToken);
  }
  process.stdout.write(`refresh: warm-up 1 s, then ${CHAINS} chains for ${REFRESH_SECONDS} s\n`);
  await refreshStorm(plugin.port, chains, userId, 1);
  // Fresh chains for the measured run.
  const fresh = [];
  for (let i = 0; i < CHAINS; i++) {
    const login = await expectOk(request(plugin.port, 'POST', '/parse/login', { body: { username, password: 'bench-password' } }), 'log in');
    fresh.push(login.refreshToken);
  }
  await request(plugin.port, 'GET', '/__timings?count=1'); // reset (the logins are not refreshes), count SQL
  const stormStart = process.hrtime.bigint();
  const storm = await withCpu(plugin.child.pid, pgPid, () => refreshStorm(plugin.port, fresh, userId, REFRESH_SECONDS));
  // With BENCH_LOAD_PROFILE, the refresh run's window on the monotonic clock (microseconds, as in the
  // .cpuprofile's samples), to tell its samples from the GET runs'.
  if (PROFILE_DIR) console.log(`profile window of the refresh run (us): ${stormStart / 1000n} ${process.hrtime.bigint() / 1000n}`);
  const timings = (await request(plugin.port, 'GET', '/__timings')).json || {};
  const familyRow = await withClient(databaseURI, client => client.query('SELECT "refreshTokenFamily" FROM "_Session" WHERE "objectId" = $1', [sid]));
  const floor = await postgresFloor(databaseURI, familyRow.rows[0].refreshTokenFamily);

  // ---- report ----
  const cpu = (os.cpus()[0] || {}).model || 'unknown CPU';
  const [access, raw] = kinds;
  // The ratio of each round's adjacent pair of runs, then their median: steadier than the ratio of
  // the medians when the machine's load drifts.
  const ratios = access.runs.map((run, i) => run.rps / raw.runs[i].rps);
  const ratio = median(ratios);
  // The same comparison by the Parse Server process's CPU time per request: the server is one Node.js
  // thread near saturation, so this is the throughput ratio it would show with a core to itself, and
  // it hardly moves with other processes' load.
  const cpuRatio = access.cpuUs && raw.cpuUs ? raw.cpuUs / access.cpuUs : null;
  console.log(`\nload, ${new Date().toISOString().replace('T', ' ').slice(0, 16)} UTC, Node.js ${process.version}, ${os.cpus().length} x ${cpu}, ${os.platform()} ${os.arch()}`);
  console.log(`load average at start: ${loadavg}; client (autocannon), Parse Server and PostgreSQL share this machine`);
  console.log(`\nGET ${'/parse/classes/Note/<id>'} (one ACL'd object), ${CONNECTIONS} connections, median of ${ROUNDS} interleaved rounds x ${SECONDS} s`);
  console.log(`${'token'.padEnd(40)} ${'req/s'.padStart(7)} ${'x raw'.padStart(6)} ${'ms avg'.padStart(7)} ${'srv us/req'.padStart(11)} ${'pg us/req'.padStart(10)}  req/s of each round`);
  for (const kind of kinds) {
    const runs = kind.runs.map(r => fmt(r.rps)).join(' ');
    const us = v => (v === null ? 'n/a' : fmt(v));
    console.log(
      `${kind.name.padEnd(40)} ${fmt(kind.rps).padStart(7)} ${(kind.rps / raw.rps).toFixed(3).padStart(6)} ${kind.latency.toFixed(2).padStart(7)} ${us(kind.cpuUs).padStart(11)} ${us(kind.pgUs).padStart(10)}  ${runs}`
    );
  }
  console.log(`access / raw, per round: ${ratios.map(r => r.toFixed(3)).join(' ')}; median ${ratio.toFixed(3)} (min ${Math.min(...ratios).toFixed(3)}, max ${Math.max(...ratios).toFixed(3)})`);
  if (cpuRatio !== null) {
    console.log(
      `server CPU per request: access ${fmt(access.cpuUs)} us, raw ${fmt(raw.cpuUs)} us (${fmt(access.cpuUs - raw.cpuUs)} us, ${((access.cpuUs / raw.cpuUs - 1) * 100).toFixed(1)}%): CPU-bound throughput ratio ${cpuRatio.toFixed(3)}`
    );
  }

  const split = name => (timings[name] && timings[name].calls ? timings[name].ns / timings[name].calls / 1e6 : null);
  const endpointMs = split('endpoint');
  const byFamilyMs = split('byFamily');
  const rotateMs = split('rotate');
  const s = storm.result;
  console.log(`\nPOST /parse/users/refresh, ${CHAINS} chains refreshed back to back for ${REFRESH_SECONDS} s`);
  console.log(`refreshes/s ${fmt(s.rps)}  (${fmt(s.count)} refreshes, ${s.failures} failed; latency mean ${s.meanMs.toFixed(2)} ms, p50 ${s.p50.toFixed(2)} ms, p99 ${s.p99.toFixed(2)} ms)`);
  if (storm.serverCpu !== null) {
    const serverPct = (storm.serverCpu / REFRESH_SECONDS) * 100;
    const pgPct = storm.pgCpu === null ? null : (storm.pgCpu / REFRESH_SECONDS) * 100;
    console.log(
      `CPU per refresh: Parse Server ${fmt((storm.serverCpu * 1e6) / s.count)} us (${serverPct.toFixed(0)}% of a core), PostgreSQL ${pgPct === null ? 'n/a' : `${fmt((storm.pgCpu * 1e6) / s.count)} us (${pgPct.toFixed(0)}% of a core)`}`
    );
  }
  if (endpointMs !== null) {
    console.log(
      `wall time per refresh in the server: ${endpointMs.toFixed(2)} ms, of which store.byFamily (find by family) ${byFamilyMs.toFixed(2)} ms and store.rotate (conditional update) ${rotateMs.toFixed(2)} ms, through Parse's DatabaseController`
    );
  }
  if (timings.queries) {
    const statements = Object.entries(timings.queries).sort((a, b) => b[1] - a[1]);
    const perRefresh = statements.reduce((sum, [, n]) => sum + n, 0) / s.count;
    console.log(`SQL statements per refresh: ${perRefresh.toFixed(2)} (${statements.map(([sql, n]) => `${(n / s.count).toFixed(2)} x "${sql}"`).join('; ')})`);
  }
  console.log(`PostgreSQL alone (pg, one connection, sequential): SELECT by family ${floor.select.toFixed(3)} ms, conditional UPDATE ${floor.update.toFixed(3)} ms`);

  const ok = ratio >= TARGET;
  const cpuNote = cpuRatio === null ? '' : ` (by server CPU per request: ${(cpuRatio * 100).toFixed(1)}%)`;
  console.log(
    `\n${ok ? 'PASS' : 'MISS'}  access-token GET throughput is ${(ratio * 100).toFixed(1)}% of raw-session-token throughput${cpuNote}, target >= ${TARGET * 100}%; ${fmt(s.rps)} refreshes/s`
  );
  console.log(`load benchmark finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.exitCode = ok ? 0 : 1;
}


const cleanup = { postgres: null, pgPid: null, done: null, finished: false };
function stopAll() {
  if (!cleanup.done) {
    cleanup.done = (async () => {
      agent.destroy();
      // Parse Server first (it holds connections to PostgreSQL), then PostgreSQL.
      await Promise.all(children.map(entry => stopServer(entry).catch(() => {})));
      if (cleanup.postgres) await cleanup.postgres.stop().catch(error => console.error(`stopping PostgreSQL: ${error && error.message}`));
      cleanup.finished = true;
    })();
  }
  return cleanup.done;
}

// Last resort, if this process dies before the ordered stop finished (an uncaught error, a broken
// stdout pipe): nothing it started may outlive it.
process.on('exit', () => {
  if (cleanup.finished) return;
  for (const { child } of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  if (cleanup.pgPid) {
    try {
      process.kill(cleanup.pgPid, 'SIGINT'); // PostgreSQL's fast shutdown
    } catch {
      // already gone
    }
  }
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping Parse Server, then PostgreSQL`);
    stopAll().finally(() => process.exit(130));
  });
}

main()
  .catch(error => {
    console.error(error && error.stack ? error.stack : error);
    process.exitCode = 2;
  })
  .finally(() => stopAll());
