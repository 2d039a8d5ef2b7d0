'use strict';
// `npm run test:package`: the package as an adopting app gets it (packed tarballs, a fresh Parse
// Server app, no Rust). Separate from `npm test` because it installs Parse Server from the npm
// registry into a new directory; `.ci/run` runs both.
const path = require('path');

module.exports = {
  rootDir: path.join(__dirname, '..', '..'),
  testMatch: ['<rootDir>/__test__/package/*.spec.js'],
  testEnvironment: 'node',
  testTimeout: 300000,
  globalSetup: '<rootDir>/__test__/support/global-setup.js',
  globalTeardown: '<rootDir>/__test__/support/global-teardown.js',
};
