'use strict';
// parse-server-refresh-token/client: for apps built on the Parse JavaScript SDK (browsers, React
// Native, Node). No dependency, no native code, nothing of the server side.
const { enableAutoRefresh, SessionEndedError } = require('./auto-refresh');
const { installParseLogout } = require('./logout');
const { REASONS } = require('./reasons');

module.exports = { enableAutoRefresh, installParseLogout, SessionEndedError, REASONS };
