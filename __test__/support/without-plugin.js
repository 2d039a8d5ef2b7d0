'use strict';
// Preloaded (node --require) into a Parse Server process that must run as if this package were not
// installed at all: the package's entry point is replaced in the module cache by a stub, so neither
// index.js, lib/ nor the native addon is ever loaded. Used by the parity tests as the vanilla
// baseline (see parse-migration.spec.js).
const path = require('path');

const entry = require.resolve(path.join(__dirname, '..', '..'));
const stub = {
  refreshTokens() {
    throw new Error('parse-server-refresh-token is not installed in this process');
  },
  TokenIssuer: class {},
};
require.cache[entry] = { id: entry, filename: entry, loaded: true, exports: stub, children: [], paths: [] };
process.env.PSRT_PLUGIN_STUBBED = '1';
