'use strict';
// `npm start`: Parse Server 9 with the plugin, REST at /parse, GraphQL at /graphql and LiveQuery on
// the same port, on an embedded PostgreSQL kept in ./.data (or on DATABASE_URI if set), and a demo
// web page at / (the Parse JS SDK with the client helper; browsers get the refresh token as a cookie).
//
// Environment: PORT (1337), DATABASE_URI, APP_ID, MASTER_KEY, TOKEN_SECRET, TOKEN_ISSUER,
// ACCESS_TOKEN_TTL (1800; try 20 to watch the page refresh its token), REUSE_INTERVAL (10), PG_PORT
// (5433, the embedded PostgreSQL's port). A second `npm start` with another PORT and the first one's
// DATABASE_URI joins the same database.
const http = require('http');
const path = require('path');
const crypto = require('crypto');
const express = require('express');
const { ParseServer, ParseGraphQLServer } = require('parse-server');
const { refreshTokens } = require('..');
const { startEmbeddedPostgres } = require('./embedded-postgres');
const { mountDemoPage } = require('./web');

const env = process.env;
const PORT = Number(env.PORT || 1337);
const APP_ID = env.APP_ID || 'demo-app';
const MASTER_KEY = env.MASTER_KEY || 'demo-master-key';
const intEnv = (name, fallback) => (env[name] === undefined ? fallback : Number(env[name]));

async function main() {
  let postgres = null;
  let databaseURI = env.DATABASE_URI;
  if (!databaseURI) {
    postgres = await startEmbeddedPostgres({ databaseDir: path.join(__dirname, '..', '.data', 'postgres'), port: Number(env.PG_PORT || 5433) });
    databaseURI = postgres.uri('postgres');
  }

  let secret = env.TOKEN_SECRET;
  if (!secret) {
    // A demo convenience only: a restart invalidates every token. Set TOKEN_SECRET in real use.
    secret = crypto.randomBytes(32).toString('base64url');
    console.warn('TOKEN_SECRET is not set: using a random secret for this run (tokens die with the process).');
  }

  const serverURL = `http://127.0.0.1:${PORT}/parse`;
  const tokens = refreshTokens({
    secret,
    // The OAuth issuer is a URL (RFC 8414). Instances on other ports must share it: set TOKEN_ISSUER.
    issuer: env.TOKEN_ISSUER || serverURL,
    accessTokenTTL: intEnv('ACCESS_TOKEN_TTL', 1800),
    reuseInterval: intEnv('REUSE_INTERVAL', 10),
    browserRefresh: 'cookie', // the demo page keeps its refresh token in an HttpOnly cookie
  });
  const options = tokens.parseServerOptions({
    appId: APP_ID,
    masterKey: MASTER_KEY,
    masterKeyIps: ['127.0.0.1', '::1'],
    databaseURI,
    serverURL,
    logsFolder: null,
    liveQuery: { classNames: ['Note'] },
    allowClientClassCreation: true,
  });
  const api = new ParseServer(options);
  await api.start();

  const app = express();
  app.use('/parse', api.app);
  const metadata = tokens.oauthMetadataHandler(); // RFC 8414's path-inserted URL, at the host root
  app.get(metadata.path, metadata);
  mountDemoPage(app, { appId: APP_ID, mount: '/parse' });
  new ParseGraphQLServer(api, { graphQLPath: '/graphql' }).applyGraphQL(app);
  const httpServer = http.createServer(app);
  await new Promise((resolve, reject) => httpServer.listen(PORT, '127.0.0.1', resolve).on('error', reject));
  const liveQuery = await ParseServer.createLiveQueryServer(httpServer, { appId: APP_ID, masterKey: MASTER_KEY, serverURL }, options);

  console.log(`Demo page: http://127.0.0.1:${PORT}/`);
  console.log(`Parse Server with refresh tokens: ${serverURL}`);
  console.log(`GraphQL: http://127.0.0.1:${PORT}/graphql   LiveQuery: ws://127.0.0.1:${PORT}/parse`);
  console.log(`OAuth metadata: http://127.0.0.1:${PORT}${metadata.path}   JWKS: ${serverURL}/.well-known/jwks.json`);
  console.log(`Database: ${databaseURI}`);

  let stopping = false;
  async function stop(signal) {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping Parse Server, then PostgreSQL.`);
    try {
      await liveQuery.shutdown();
      // handleShutdown closes `api.server` (set by startApp only), then the database pool.
      api.server = httpServer;
      const closed = api.handleShutdown();
      httpServer.closeAllConnections();
      await closed;
      await new Promise(resolve => setTimeout(resolve, 200)); // let the pool's sockets close first
      if (postgres) await postgres.stop();
      process.exit(0);
    } catch (error) {
      console.error(error);
      process.exit(1);
    }
  }
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
