'use strict';
// One embedded PostgreSQL for the whole Jest run; every suite creates its own database on it.
const { startEmbeddedPostgres } = require('../../demo/embedded-postgres');

module.exports = async function globalSetup() {
  const pg = await startEmbeddedPostgres({ persistent: false });
  globalThis.__PSRT_POSTGRES__ = pg;
  // Workers are forked after this runs, so they inherit the address.
  process.env.PSRT_TEST_PG_BASE = pg.uri('postgres').replace(/\/postgres$/, '');
};
