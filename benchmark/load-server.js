'use strict';
// The Parse Server process that benchmark/load.js measures: REST at /parse on loopback, with the
// plugin in front (or plain Parse Server with `tokens: false`), and nothing else (no GraphQL, no
// LiveQuery, no test-only response scanning), so that the figures are the plugin's and Parse's own.
// Configured by PSRT_BENCH_CONFIG (JSON); prints "READY <port>"; stops on SIGTERM (Parse first,
// then its database pool). With the plugin, GET /__timings returns (and resets) the wall time spent
// in the refresh endpoint and in its two store calls, for the refresh-rate split.
const http = require('http');
const path = require('path');
const express = require('express');
const { ParseServer } = require('parse-server');
const { refreshTokens } = require('..');

const config = JSON.parse(process.env.PSRT_BENCH_CONFIG);

/** Wraps `object[name]` (an async method) to add its wall time to `timings[label]`. */
function timed(timings, label, object, name) {
  const original = object[name];
  object[name] = async function timedCall(...args) {
    const start = process.hrtime.bigint();
    try {
      return await original.apply(this, args);
    } finally {
      const slot = timings[label] || (timings[label] = { calls: 0, ns: 0 });
      slot.calls++;
      slot.ns += Number(process.hrtime.bigint() - start);
    }
  };
}

/**
 * Counts the SQL statements Parse Server's pg client sends (pg-promise's own copy of `pg`), by their
 * first words, into `timings.queries`: the database round trips a refresh costs.
 */
const counting = { on: false }; // off during the GET runs, so that they carry no measuring cost

function countQueries(timings) {
  const pgPath = require.resolve('pg', { paths: [path.dirname(require.resolve('pg-promise', { paths: [path.dirname(require.resolve('parse-server'))] }))] });
  const { Client } = require(pgPath);
  const original = Client.prototype.query;
  Client.prototype.query = function countedQuery(query, ...rest) {
    if (!counting.on) return original.call(this, query, ...rest);
    const text = typeof query === 'string' ? query : query && query.text;
    if (typeof text === 'string') {
      // Literals (pg-promise inlines values) become '?', so that statements group by shape.
      const key = text.replace(/'(?:[^']|'')*'/g, '?').replace(/\s+/g, ' ').trim().slice(0, 56);
      const queries = timings.queries || (timings.queries = {});
      queries[key] = (queries[key] || 0) + 1;
    }
    return original.call(this, query, ...rest);
  };
}

async function main() {
  const tokens = config.tokens === false ? null : refreshTokens(config.tokens);
  let options = {
    appId: config.appId,
    masterKey: config.masterKey,
    masterKeyIps: ['127.0.0.1', '::1'],
    databaseURI: config.databaseURI,
    serverURL: 'http://127.0.0.1:1/parse', // replaced below, once the port is known
    logsFolder: null,
    silent: true,
    logLevel: 'error',
    allowClientClassCreation: true,
  };
  const app = express();
  const httpServer = http.createServer(app);
  await new Promise(resolve => httpServer.listen(0, '127.0.0.1', resolve));
  const port = httpServer.address().port;
  options.serverURL = `http://127.0.0.1:${port}/parse`;
  if (tokens) options = tokens.parseServerOptions(options);
  const api = new ParseServer(options);
  await api.start();

  const timings = {};
  if (tokens) {
    const store = tokens.plugin.store;
    timed(timings, 'byFamily', store, 'byFamily');
    timed(timings, 'rotate', store, 'rotate');
    countQueries(timings);
    app.use('/parse/users/refresh', (req, res, next) => {
      const start = process.hrtime.bigint();
      res.once('finish', () => {
        const slot = timings.endpoint || (timings.endpoint = { calls: 0, ns: 0 });
        slot.calls++;
        slot.ns += Number(process.hrtime.bigint() - start);
      });
      next();
    });
    // GET /__timings?count=1 also starts counting statements (for the refresh run).
    app.get('/__timings', (req, res) => {
      counting.on = req.query.count === '1';
      res.json(timings);
      for (const key of Object.keys(timings)) delete timings[key];
    });
  }
  app.use('/parse', api.app);

  let stopping = false;
  process.on('SIGTERM', async () => {
    if (stopping) return;
    stopping = true;
    // handleShutdown closes `api.server` (set by startApp only), then the database pool.
    api.server = httpServer;
    const closed = api.handleShutdown();
    httpServer.closeAllConnections();
    await closed;
    process.exit(0); // --cpu-prof writes its profile here
  });
  process.stdout.write(`READY ${port}\n`);
}

main().catch(error => {
  process.stderr.write(`load-server failed: ${error && error.stack}\n`);
  process.exit(1);
});
