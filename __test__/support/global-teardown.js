'use strict';

module.exports = async function globalTeardown() {
  const pg = globalThis.__PSRT_POSTGRES__;
  if (pg) await pg.stop();
};
