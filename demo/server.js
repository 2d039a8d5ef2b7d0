'use strict';
// `npm start`: Parse Server 9 with the plugin, REST at /parse, GraphQL at /graphql and LiveQuery on
// the same port, on an embedded PostgreSQL kept in ./.data (or on DATABASE_URI if set), and a demo
// web page at / (the Parse JS SDK with the client helper; browsers get the refresh token as a cookie).
//
// Environment: PORT (1337), DATABASE_URI, APP_ID, MASTER_KEY, TOKEN_ALG (HS256, ES256 or EdDSA),
// TOKEN_SECRET (HS256), TOKEN_PRIVATE_KEY and TOKEN_REFRESH_SECRET (ES256, EdDSA), TOKEN_ISSUER,
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

/** A private key from TOKEN_PRIVATE_KEY (PEM or JWK JSON), or a new pair for this run. */
function privateKeyFor(alg) {
  const given = env.TOKEN_PRIVATE_KEY;
  if (given) {
    const jwk = given.trim().startsWith('{') ? JSON.parse(given) : null;
    const key = jwk ? crypto.createPrivateKey({ key: jwk, format: 'jwk' }) : crypto.createPrivateKey(given);
    return { privateKey: given, kid: (jwk && jwk.kid) || kidOf(key) };
  }
  // A demo convenience only: a restart changes the key, and every access token dies with the process.
  console.warn(`TOKEN_PRIVATE_KEY is not set: using a new ${alg} key pair for this run.`);
  const pair = alg === 'ES256' ? crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }) : crypto.generateKeyPairSync('ed25519');
  return { privateKey: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), kid: kidOf(pair.privateKey) };
}

// Named after the public key, so that a verifier never meets two keys under one kid across restarts.
const kidOf = key => crypto.createHash('sha256').update(crypto.createPublicKey(key).export({ type: 'spki', format: 'der' })).digest('base64url').slice(0, 16);

/** The `secret` or `keys` (with `refreshSecret`) options for TOKEN_ALG. */
function signingOptions() {
  const alg = env.TOKEN_ALG || 'HS256';
  if (alg === 'HS256') {
    let secret = env.TOKEN_SECRET;
    if (!secret) {
      // A demo convenience only: a restart invalidates every token. Set TOKEN_SECRET in real use.
      secret = crypto.randomBytes(32).toString('base64url');
      console.warn('TOKEN_SECRET is not set: using a random secret for this run (tokens die with the process).');
    }
    return { secret };
  }
  if (alg === 'RS256') {
    console.error('TOKEN_ALG=RS256: RS256 keys only verify here (the RSA signing code available to the core leaks timing), so the demo cannot sign with one. Use TOKEN_ALG=ES256 or EdDSA.');
    process.exit(1);
  }
  if (alg !== 'ES256' && alg !== 'EdDSA') {
    console.error(`TOKEN_ALG must be HS256, ES256 or EdDSA (got ${alg}).`);
    process.exit(1);
  }
  const { privateKey, kid } = privateKeyFor(alg);
  let refreshSecret = env.TOKEN_REFRESH_SECRET;
  if (!refreshSecret) {
    // Refresh tokens are MACed, not signed: an asymmetric key pair still needs this secret.
    refreshSecret = crypto.randomBytes(32).toString('base64url');
    console.warn('TOKEN_REFRESH_SECRET is not set: using a random one for this run (refresh tokens die with the process).');
  }
  return { keys: [{ kid, alg, privateKey, status: 'current' }], refreshSecret };
}

async function main() {
  const signing = signingOptions(); // before PostgreSQL starts: a wrong TOKEN_ALG stops at once
  let postgres = null;
  let databaseURI = env.DATABASE_URI;
  if (!databaseURI) {
    postgres = await startEmbeddedPostgres({ databaseDir: path.join(__dirname, '..', '.data', 'postgres'), port: Number(env.PG_PORT || 5433) });
    databaseURI = postgres.uri('postgres');
  }

  const serverURL = `http://127.0.0.1:${PORT}/parse`;
  const tokens = refreshTokens({
    ...signing,
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
  console.log(`Access tokens: ${signing.keys ? `${signing.keys[0].alg}, kid ${signing.keys[0].kid}` : 'HS256 (no public keys: the JWKS is empty)'}`);
  console.log(`JWKS: ${serverURL}/.well-known/jwks.json`);
  console.log(`OAuth discovery: http://127.0.0.1:${PORT}${metadata.path} (also ${serverURL}/.well-known/oauth-authorization-server)`);
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
