'use strict';
// A Parse Server 9 process for the integration tests: REST at /parse, GraphQL at /graphql, LiveQuery
// on the same port, with or without the plugin. Configured by PSRT_SERVER_CONFIG (JSON); prints
// "READY <port>" when it accepts requests; stops in order (Parse Server, then the pool) on SIGTERM.
// Hooks are recorded and served at GET /__events so that tests can assert what they were called with.
const http = require('http');
const path = require('path');
const express = require('express');
const { ParseServer, ParseGraphQLServer, FileSystemAdapter } = require('parse-server');
const { refreshTokens } = require('../..');

const config = JSON.parse(process.env.PSRT_SERVER_CONFIG);
const events = [];
const record = type => event => {
  events.push({ type, ...event });
  if (type === 'claims') return config.claims || undefined;
};

// Every byte any response sends is searched for a raw session token: with the plugin on, none may
// leave, whatever the route. Served at GET /__leaks (the harness checks it when a server stops).
const RAW_TOKEN = /r:[0-9a-f]{32}/;
const leaks = [];
function watchForRawTokens(app) {
  return (req, res) => {
    const { write, end } = res;
    // The second app (at /second) may run without the plugin: its raw tokens are its own business.
    // A test that returns token-shaped user data on purpose marks its request with X-Test-Raw-Data.
    const exempt = req.url.startsWith('/second/') || req.headers['x-test-raw-data'] === '1'; // read now: Express rewrites req.url
    const scan = chunk => {
      // Master-key responses carry Parse's own rows, by design (the key reads them anyway), whether
      // the key came in a header or, as the Parse SDK sends it, in the body: Parse's verdict decides.
      if (exempt || (req.auth && req.auth.isMaster)) return;
      if (chunk && RAW_TOKEN.test(Buffer.isBuffer(chunk) ? chunk.toString('latin1') : String(chunk))) {
        leaks.push(`${req.method} ${req.url}`);
      }
    };
    res.write = function (chunk, ...rest) {
      scan(chunk);
      return write.call(this, chunk, ...rest);
    };
    res.end = function (chunk, ...rest) {
      if (typeof chunk !== 'function') scan(chunk);
      return end.call(this, chunk, ...rest);
    };
    app(req, res);
  };
}

// Emails Parse asks to send (password reset, verification), recorded and served at GET /__emails.
const emails = [];
const recordingEmailAdapter = {
  sendVerificationEmail: ({ link, user }) => emails.push({ type: 'verify', link, username: user.get('username') }),
  sendPasswordResetEmail: ({ link, user }) => emails.push({ type: 'reset', link, username: user.get('username') }),
  sendMail: () => {},
};

/** A second Parse Server app in the same process, at /second, with or without its own plugin. */
async function mountSecondApp(app, port, second) {
  const serverURL = `http://127.0.0.1:${port}/second`;
  const tokens = second.tokens ? refreshTokens(second.tokens) : null;
  let options = {
    appId: second.appId,
    masterKey: second.masterKey,
    databaseURI: second.databaseURI,
    serverURL,
    logsFolder: null,
    silent: true,
    logLevel: 'error',
    masterKeyIps: ['0.0.0.0/0', '::/0'],
    filesAdapter: new FileSystemAdapter(),
  };
  if (tokens) options = tokens.parseServerOptions(options);
  const api = new ParseServer(options);
  await api.start();
  app.use('/second', api.app);
}

async function main() {
  const app = express();
  const httpServer = http.createServer(config.tokens === false ? app : watchForRawTokens(app));
  await new Promise(resolve => httpServer.listen(config.port || 0, '127.0.0.1', resolve));
  const port = httpServer.address().port;
  const serverURL = `http://127.0.0.1:${port}/parse`;
  const hooks = {};
  for (const name of config.hooks || []) hooks[name] = record(name);
  const tokens = config.tokens === false ? null : refreshTokens({ ...config.tokens, hooks });
  let options = {
    appId: config.appId,
    masterKey: config.masterKey,
    javascriptKey: config.javascriptKey,
    restAPIKey: config.restAPIKey,
    databaseURI: config.databaseURI,
    serverURL,
    logsFolder: null,
    silent: true,
    logLevel: 'error',
    liveQuery: { classNames: ['Note'] },
    masterKeyIps: ['0.0.0.0/0', '::/0'],
    allowClientClassCreation: true,
    // Files on the local disk (the process runs in a temporary directory): GridFS needs MongoDB.
    filesAdapter: new FileSystemAdapter(),
    cloud: config.cloud ? require(path.resolve(config.cloud))(() => tokens) : undefined,
    ...(config.emails ? { emailAdapter: recordingEmailAdapter, appName: 'psrt', publicServerURL: serverURL } : {}),
    ...config.server,
  };
  for (const [key, value] of Object.entries(options)) if (value === null) delete options[key]; // `null` in config.server unsets
  if (tokens) options = tokens.parseServerOptions(options);
  const api = new ParseServer(options);
  await api.start();
  if (config.secondApp) await mountSecondApp(app, port, config.secondApp);
  app.get('/__events', (req, res) => res.json(events));
  app.get('/__emails', (req, res) => res.json(emails));
  app.get('/__leaks', (req, res) => res.json(leaks));
  app.use('/parse', api.app);
  // RFC 8414's path-inserted metadata URL for the issuer http://host/parse, at the host root.
  if (tokens && config.rootMetadata !== false) {
    const metadata = tokens.oauthMetadataHandler();
    app.get(metadata.path, metadata);
  }
  if (config.demoPage) require('../../demo/web').mountDemoPage(app, { appId: config.appId, mount: '/parse', javascriptKey: config.javascriptKey });
  new ParseGraphQLServer(api, { graphQLPath: '/graphql' }).applyGraphQL(app);
  const liveQuery = await ParseServer.createLiveQueryServer(httpServer, { appId: config.appId, masterKey: config.masterKey, serverURL }, options);

  let stopping = false;
  process.on('SIGTERM', async () => {
    if (stopping) return;
    stopping = true;
    await liveQuery.shutdown();
    // handleShutdown closes `api.server` (set by startApp only), then the database pool.
    api.server = httpServer;
    const closed = api.handleShutdown();
    httpServer.closeAllConnections();
    await closed;
    process.exit(0);
  });
  process.stdout.write(`READY ${port}\n`);
}

main().catch(error => {
  process.stderr.write(`server-process failed: ${error && error.stack}\n`);
  process.exit(1);
});
