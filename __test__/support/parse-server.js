'use strict';
// Starts a real Parse Server 9 (REST, GraphQL, LiveQuery on one port) in its own process, on the
// run's embedded PostgreSQL, with or without the plugin. A process per server keeps Parse Server's
// process-wide state (its global Parse SDK, its caches) apart, as in a real deployment.
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');
const { withClient } = require('../../demo/embedded-postgres');
const { TokenIssuer } = require('../..');

const APP_ID = 'psrt-test-app';
const MASTER_KEY = 'psrt-test-master-key';
const JAVASCRIPT_KEY = 'psrt-test-javascript-key';
const REST_KEY = 'psrt-test-rest-key';
const SECRET = 'a-test-secret-that-is-at-least-32-bytes-long!';
const SECOND_APP_ID = 'psrt-second-app';
const SECOND_MASTER_KEY = 'psrt-second-master-key';

function pgBase() {
  const base = process.env.PSRT_TEST_PG_BASE;
  if (!base) throw new Error('PSRT_TEST_PG_BASE is not set: run the tests through Jest (global setup starts PostgreSQL).');
  return base;
}

/** A fresh database for one suite, so suites never see each other's rows. */
async function createDatabase(prefix = 'suite') {
  const name = `${prefix.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${crypto.randomBytes(4).toString('hex')}`;
  await withClient(`${pgBase()}/postgres`, client => client.query(`CREATE DATABASE "${name}"`));
  return `${pgBase()}/${name}`;
}


/**
 * `tokens`: plugin options (over a test secret) or `false` for plain Parse Server; `server`: extra
 * Parse Server options; `cloud`: a cloud code module (see support/cloud.js); `hooks`: names of hooks to
 * record; `claims`: what the claims hook returns.
 */
async function startParseServer({ databaseURI, tokens = {}, server = {}, cloud = path.join(__dirname, 'cloud.js'), hooks = [], claims, port, secondApp, emails = false, demoPage = false } = {}) {
  databaseURI = databaseURI || (await createDatabase());
  // A ring of `keys` replaces the test secret (the plugin takes one or the other).
  const pluginOptions = tokens === false ? false : tokens.keys ? { ...tokens } : { secret: SECRET, ...tokens };
  // `secondApp: { tokens }`: another app in the same process at /second. It shares the database:
  // Parse Server's schema cache is process-wide, so two apps of one process on two empty databases
  // do not start.
  const second = secondApp && {
    appId: SECOND_APP_ID,
    masterKey: SECOND_MASTER_KEY,
    databaseURI,
    tokens: secondApp.tokens ? { secret: `${SECRET}-second`, ...secondApp.tokens } : false,
  };
  const config = { appId: APP_ID, masterKey: MASTER_KEY, javascriptKey: JAVASCRIPT_KEY, restAPIKey: REST_KEY, databaseURI, tokens: pluginOptions, server, cloud, hooks, claims, port, secondApp: second, emails, demoPage };
  const child = spawn(process.execPath, [path.join(__dirname, 'server-process.js')], {
    cwd: fs.mkdtempSync(path.join(os.tmpdir(), 'psrt-server-')),
    env: { ...process.env, PSRT_SERVER_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let output = '';
  child.stdout.on('data', chunk => {
    output += chunk;
    if (output.length > 2000000) output = output.slice(-2000000);
  });
  child.stderr.on('data', chunk => {
    stderr += chunk;
    if (stderr.length > 20000) stderr = stderr.slice(-20000);
  });
  const listenPort = await new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`Parse Server did not start in 30 s:\n${stderr}`)), 30000);
    child.stdout.on('data', chunk => {
      stdout += chunk;
      const match = /READY (\d+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.on('exit', code => {
      clearTimeout(timer);
      reject(new Error(`Parse Server exited with ${code}:\n${stderr}`));
    });
  });
  const serverURL = `http://127.0.0.1:${listenPort}/parse`;
  const issuer =
    pluginOptions && new TokenIssuer({ secret: pluginOptions.secret, keys: pluginOptions.keys, refreshSecret: pluginOptions.refreshSecret, issuer: pluginOptions.issuer || serverURL, audience: pluginOptions.audience || APP_ID });
  const exited = new Promise(resolve => child.once('exit', resolve));
  return {
    child,
    port: listenPort,
    serverURL,
    graphqlURL: `http://127.0.0.1:${listenPort}/graphql`,
    liveQueryURL: `ws://127.0.0.1:${listenPort}/parse`,
    databaseURI,
    appId: APP_ID,
    masterKey: MASTER_KEY,
    javascriptKey: JAVASCRIPT_KEY,
    restKey: REST_KEY,
    /** Claims of an access token, checked with the same key as the server (throws like the server). */
    verify: token => issuer.verifyAccessToken(token),
    stderr: () => stderr,
    /** Everything the process wrote to stdout and stderr (Parse Server logs there unless silent). */
    output: () => output + stderr,
    secondURL: `http://127.0.0.1:${listenPort}/second`,
    async emails() {
      const response = await fetch(`http://127.0.0.1:${listenPort}/__emails`);
      return response.json();
    },
    async events() {
      const response = await fetch(`http://127.0.0.1:${listenPort}/__events`);
      return response.json();
    },
    /** Requests whose response carried a raw `r:` token (only watched with the plugin on). */
    async leaks() {
      const response = await fetch(`http://127.0.0.1:${listenPort}/__leaks`);
      return response.json();
    },
    /** Stops the server; with the plugin on, first fails if any response carried a raw token. */
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const leaked = pluginOptions ? await this.leaks().catch(() => []) : [];
      child.kill('SIGTERM');
      await exited;
      if (leaked.length) throw new Error(`raw session tokens left the server in: ${leaked.join(', ')}`);
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Every `_Session` row as stored, read straight from PostgreSQL. */
async function sessionRows(server) {
  return withClient(server.databaseURI, async client => {
    const exists = await client.query(`SELECT to_regclass('"_Session"') AS t`);
    if (!exists.rows[0].t) return [];
    const { rows } = await client.query('SELECT * FROM "_Session" ORDER BY "objectId"');
    return rows;
  });
}

module.exports = { startParseServer, createDatabase, sessionRows, withClient, APP_ID, MASTER_KEY, JAVASCRIPT_KEY, REST_KEY, SECRET, SECOND_APP_ID, SECOND_MASTER_KEY };

/** Signs a compact JWS with HS256 by hand (node:crypto), to forge the tokens the server must refuse. */
function signHS256(header, payload, secret = SECRET) {
  const encode = value => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
  const input = `${encode(header)}.${encode(payload)}`;
  const signature = require('crypto').createHmac('sha256', secret).update(input).digest('base64url');
  return `${input}.${signature}`;
}

module.exports.signHS256 = signHS256;
