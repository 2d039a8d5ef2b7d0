'use strict';
// The token core's suites alone (no PostgreSQL, no Parse Server): `npm run test:core`. `npm test` runs
// them once more on the WebAssembly fallback with it; the release workflow runs them on every
// platform it builds, Alpine and the WebAssembly package included.
const path = require('path');

module.exports = {
  rootDir: path.join(__dirname, '..'),
  testMatch: ['<rootDir>/__test__/core*.spec.js'],
  testEnvironment: 'node',
  testTimeout: 60000,
};
