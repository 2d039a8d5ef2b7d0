'use strict';
// Shared steps of the integration suites: servers closed after the suite, users signed up over REST,
// and the raw token behind a user's session as stored (what an attacker who saw it would hold).
const { startParseServer, sessionRows } = require('./parse-server');
const { restClient } = require('./rest');

const PASSWORD = 'pw-123456';

/** `start(options)` starts a server closed (and checked for leaks) when the suite ends. */
function serversForSuite() {
  const servers = [];
  afterAll(() => Promise.all(servers.map(server => server.close())));
  return async function start(options) {
    const server = await startParseServer(options);
    servers.push(server);
    return { server, rest: restClient(server) };
  };
}

let counter = 0;
const username = (prefix = 'u') => `${prefix}${++counter}_${Date.now()}_${process.pid}`;

/** Signs up a new user over REST; resolves to the response body with `username` and `userId`. */
async function signUp(rest, { fields = {}, headers } = {}) {
  const name = username();
  const response = await rest('POST', '/users', { body: { username: name, password: PASSWORD, ...fields }, headers });
  expect(response.status).toBe(201);
  return { username: name, userId: response.body.objectId, ...response.body };
}

/** The raw `r:` token of a user's newest session, as stored (a client never sees it). */
async function rawToken(server, userId) {
  const rows = (await sessionRows(server)).filter(row => row.user === userId);
  return rows[rows.length - 1].sessionToken;
}

module.exports = { serversForSuite, signUp, rawToken, username, PASSWORD };
