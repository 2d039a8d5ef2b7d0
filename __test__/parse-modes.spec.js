'use strict';
// Options: where browsers get their refresh token (browserRefresh 'none',
// 'cookie', 'body'), validation at start-up, the access token lifetime and leeway, the claims hook.
const { startParseServer, sessionRows, SECRET } = require('./support/parse-server');
const { restClient } = require('./support/rest');
const { refreshTokens } = require('..');

const PASSWORD = 'pw-123456';
const RAW_TOKEN = /r:[0-9a-f]{32}/;
const COOKIE_ATTRIBUTES = 'Path=/parse/users/refresh; HttpOnly; Secure; SameSite=Strict';

const servers = [];
/**
 * `javascript: true` requests are sent as a browser page on the server's own origin sends them: with
 * the JavaScript key and an Origin header.
 */
async function start(options) {
  const server = await startParseServer(options);
  servers.push(server);
  const plain = restClient(server);
  const origin = new URL(server.serverURL).origin;
  const rest = (method, urlPath, opts = {}) => plain(method, urlPath, opts.javascript ? { ...opts, headers: { Origin: origin, ...opts.headers } } : opts);
  return { server, rest };
}
afterAll(() => Promise.all(servers.map(server => server.close())));

let counter = 0;
const username = () => `m${++counter}_${Date.now()}`;

async function signUp(rest) {
  const name = username();
  const response = await rest('POST', '/users', { body: { username: name, password: PASSWORD } });
  expect(response.status).toBe(201);
  return { username: name, userId: response.body.objectId, ...response.body };
}

/** A JS SDK style request: text/plain body with app id and JavaScript key, no Parse headers. */
async function sdkRequest(server, urlPath, fields, headers = {}) {
  const body = { _ApplicationId: server.appId, _JavaScriptKey: server.javascriptKey, _ClientVersion: 'js8.6.0', _InstallationId: 'inst-1', ...fields };
  const origin = new URL(server.serverURL).origin;
  const response = await fetch(`${server.serverURL}${urlPath}`, { method: 'POST', headers: { 'Content-Type': 'text/plain', Origin: origin, ...headers }, body: JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: JSON.parse(text) };
}

function setCookies(response) {
  return response.headers.getSetCookie();
}

/** The value of the refresh cookie set on `response`, after checking its attributes exactly. */
function refreshCookie(response) {
  const cookies = setCookies(response);
  expect(cookies).toHaveLength(1);
  const match = /^parse_refresh_token=([A-Za-z0-9_-]{43,}); (.*)$/.exec(cookies[0]);
  expect(match).not.toBeNull();
  expect(match[2]).toBe(COOKIE_ATTRIBUTES);
  return match[1];
}

/** An access token without a refresh token in the body, and no cookie. */
function expectAccessOnly(response, server) {
  expect(response.text).not.toMatch(RAW_TOKEN);
  expect(typeof response.body.accessToken).toBe('string');
  expect(response.body.sessionToken).toBe(response.body.accessToken);
  expect(response.body.expires_in).toBe(1800);
  expect(response.body.token_type).toBe('Bearer');
  expect(response.body).not.toHaveProperty('refreshToken');
  expect(response.text).not.toContain('refreshToken');
  server.verify(response.body.accessToken);
}

function expectFullPair(response) {
  expect(typeof response.body.accessToken).toBe('string');
  expect(typeof response.body.refreshToken).toBe('string');
  expect(response.body.refreshToken.length).toBeGreaterThanOrEqual(43);
  expect(setCookies(response)).toEqual([]);
}

/** Whatever browserRefresh says, REST-key signup, login and refresh carry the full pair in the body. */
async function expectRestKeyPairs(rest) {
  const user = await signUp(rest);
  expect(typeof user.refreshToken).toBe('string'); // the signup's own pair
  const login = await rest('POST', '/login', { body: { username: user.username, password: PASSWORD } });
  expect(login.status).toBe(200);
  expectFullPair(login);
  const refreshed = await rest('POST', '/users/refresh', { body: { client: user.userId, code: login.body.refreshToken } });
  expect(refreshed.status).toBe(200);
  expectFullPair(refreshed);
}

describe("browserRefresh 'none' (the default)", () => {
  let server;
  let rest;
  beforeAll(async () => {
    ({ server, rest } = await start({}));
  });

  test('a login with the X-Parse-Javascript-Key header gets an access token but no refresh token and no cookie', async () => {
    const user = await signUp(rest);
    const login = await rest('POST', '/login', { javascript: true, body: { username: user.username, password: PASSWORD } });
    expect(login.status).toBe(200);
    expectAccessOnly(login, server);
    expect(setCookies(login)).toEqual([]);
    const signup = await rest('POST', '/users', { javascript: true, body: { username: username(), password: PASSWORD } });
    expect(signup.status).toBe(201);
    expectAccessOnly(signup, server);
    expect(setCookies(signup)).toEqual([]);
    // The access token is a full credential for the session all the same.
    const me = await rest('GET', '/users/me', { javascript: true, sessionToken: login.body.accessToken });
    expect(me.status).toBe(200);
    expect(me.body.objectId).toBe(user.userId);
  });

  test('a JS SDK style login (text/plain body with _ApplicationId and _JavaScriptKey) gets no refresh token either', async () => {
    const user = await signUp(rest);
    const login = await sdkRequest(server, '/login', { _method: 'POST', username: user.username, password: PASSWORD });
    expect(login.status).toBe(200);
    expectAccessOnly(login, server);
    expect(setCookies(login)).toEqual([]);
    const me = await sdkRequest(server, '/users/me', { _method: 'GET', _SessionToken: login.body.accessToken });
    expect(me.status).toBe(200);
    expect(me.body.objectId).toBe(user.userId);
    expect(me.body.sessionToken).toBe(login.body.accessToken);
  });

  test('a pair issued by cloud code (issueTokens) reaches a JavaScript-key client without its refresh token', async () => {
    const user = await signUp(rest);
    const viaJs = await rest('POST', '/functions/customLogin', { javascript: true, body: { username: user.username, code: 'letmein' } });
    expect(viaJs.status).toBe(200);
    expectAccessOnly({ ...viaJs, body: viaJs.body.result }, server);
    expect(setCookies(viaJs)).toEqual([]);
    const viaRest = await rest('POST', '/functions/customLogin', { body: { username: user.username, code: 'letmein' } });
    expect(typeof viaRest.body.result.refreshToken).toBe('string');
  });

  test('a JavaScript-key refresh is refused and changes nothing: the rotated token could not be handed back', async () => {
    const user = await signUp(rest); // REST key: this client holds a refresh token
    const before = await sessionRows(server);
    const refused = await rest('POST', '/users/refresh', { javascript: true, body: { client: user.userId, code: user.refreshToken } });
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({ code: 119, error: "Refresh tokens are not available to browsers (browserRefresh is 'none')." });
    expect(await sessionRows(server)).toEqual(before);
    const viaRest = await rest('POST', '/users/refresh', { body: { client: user.userId, code: user.refreshToken } });
    expect(viaRest.status).toBe(200);
    // Revoking needs nothing handed back: allowed with the JavaScript key.
    const revoked = await rest('POST', '/users/revoke', { javascript: true, body: { code: viaRest.body.refreshToken } });
    expect(revoked.status).toBe(200);
    expect(await sessionRows(server)).toHaveLength(before.length - 1);
  });

  test('a REST-key login gets the refresh token in the body', () => expectRestKeyPairs(rest));
});

describe("browserRefresh 'cookie'", () => {
  let server;
  let rest;
  beforeAll(async () => {
    ({ server, rest } = await start({ tokens: { browserRefresh: 'cookie', reuseInterval: 0 } }));
  });

  test('login sets an HttpOnly, Secure, SameSite=Strict cookie scoped to the refresh path; the body has no refresh token', async () => {
    const user = await signUp(rest);
    const login = await rest('POST', '/login', { javascript: true, body: { username: user.username, password: PASSWORD } });
    expect(login.status).toBe(200);
    expectAccessOnly(login, server);
    const cookie = refreshCookie(login);
    const sid = server.verify(login.body.accessToken).sid;
    const row = (await sessionRows(server)).find(r => r.objectId === sid);
    expect(row.refreshTokenHash).toHaveLength(43);
    expect(JSON.stringify(row)).not.toContain(cookie); // only its hash is stored

    // A JS SDK style login gets the cookie too.
    const sdkLogin = await sdkRequest(server, '/login', { _method: 'POST', username: user.username, password: PASSWORD });
    expect(sdkLogin.status).toBe(200);
    expectAccessOnly(sdkLogin, server);
    expect(refreshCookie(sdkLogin)).not.toBe(cookie);
  });

  test('the refresh endpoint reads the cookie, rotates it, and the old cookie is then refused', async () => {
    const user = await signUp(rest);
    const login = await rest('POST', '/login', { javascript: true, body: { username: user.username, password: PASSWORD } });
    const cookie1 = refreshCookie(login);
    const sid = server.verify(login.body.accessToken).sid;

    const r1 = await rest('POST', '/users/refresh', { javascript: true, headers: { Cookie: `other=1; parse_refresh_token=${cookie1}` }, body: { client: user.userId } });
    expect(r1.status).toBe(200);
    expect(r1.headers.get('cache-control')).toBe('no-store');
    expectAccessOnly(r1, server);
    const cookie2 = refreshCookie(r1);
    expect(cookie2).not.toBe(cookie1);
    expect(server.verify(r1.body.accessToken).sid).toBe(sid);
    const me = await rest('GET', '/users/me', { javascript: true, sessionToken: r1.body.accessToken });
    expect(me.status).toBe(200);
    expect(me.body.objectId).toBe(user.userId);

    // The rotated cookie works again, from a JS SDK style request as well.
    const r2 = await sdkRequest(server, '/users/refresh', { client: user.userId }, { Cookie: `parse_refresh_token=${cookie2}` });
    expect(r2.status).toBe(200);
    expectAccessOnly(r2, server);
    const cookie3 = refreshCookie(r2);
    expect((await sessionRows(server)).find(r => r.objectId === sid).refreshTokenGeneration).toBe(2);

    // No cookie and no code: nothing to refresh with.
    const before = await sessionRows(server);
    const none = await rest('POST', '/users/refresh', { javascript: true, body: { client: user.userId } });
    expect(none.status).toBe(400);
    expect(none.body).toEqual({ code: 142, error: 'code must be a non-empty string.' });
    // A REST-key client gets body delivery: the cookie is not read for it.
    const restWithCookie = await rest('POST', '/users/refresh', { headers: { Cookie: `parse_refresh_token=${cookie3}` }, body: { client: user.userId } });
    expect(restWithCookie.body).toEqual({ code: 142, error: 'code must be a non-empty string.' });
    expect(await sessionRows(server)).toEqual(before);

    // With reuseInterval 0, replaying a rotated cookie is reuse: the session ends.
    const replay = await rest('POST', '/users/refresh', { javascript: true, headers: { Cookie: `parse_refresh_token=${cookie1}` }, body: { client: user.userId } });
    expect(replay.status).toBe(400);
    expect(replay.body).toEqual({ code: 209, error: 'Refresh token reuse detected; the session has been revoked.', reason: 'refresh_token_reused' });
    expect((await sessionRows(server)).find(r => r.objectId === sid)).toBeUndefined();
  });

  test.each(['/users/revoke', '/users/refresh/revoke'])('revoke at %s reads the cookie, ends the session and clears the cookie', async path => {
    // Browsers send the cookie only below its Path (/parse/users/refresh): /users/refresh/revoke is the
    // route they can use; /users/revoke reads it too when a client sends it.
    const user = await signUp(rest);
    const login = await rest('POST', '/login', { javascript: true, body: { username: user.username, password: PASSWORD } });
    const cookie = refreshCookie(login);
    const sid = server.verify(login.body.accessToken).sid;
    const revoked = await rest('POST', path, { javascript: true, headers: { Cookie: `parse_refresh_token=${cookie}` }, body: {} });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toEqual({});
    expect(setCookies(revoked)).toEqual([`parse_refresh_token=; ${COOKIE_ATTRIBUTES}; Max-Age=0`]);
    expect((await sessionRows(server)).find(r => r.objectId === sid)).toBeUndefined();
    const me = await rest('GET', '/users/me', { javascript: true, sessionToken: login.body.accessToken });
    expect(me.status).toBe(400);
    expect(me.body).toEqual({ code: 209, error: 'Session revoked.', reason: 'session_revoked' });
    const again = await rest('POST', '/users/refresh', { javascript: true, headers: { Cookie: `parse_refresh_token=${cookie}` }, body: { client: user.userId } });
    expect(again.body).toEqual({ code: 209, error: 'Invalid refresh token.', reason: 'refresh_token_invalid' });
  });

  test('a pair issued by cloud code (issueTokens) sends its refresh token as the cookie', async () => {
    const user = await signUp(rest);
    const custom = await rest('POST', '/functions/customLogin', { javascript: true, body: { username: user.username, code: 'letmein' } });
    expect(custom.status).toBe(200);
    expectAccessOnly({ ...custom, body: custom.body.result }, server);
    const cookie = refreshCookie(custom);
    const refreshed = await rest('POST', '/users/refresh', { javascript: true, headers: { Cookie: `parse_refresh_token=${cookie}` }, body: { client: user.userId } });
    expect(refreshed.status).toBe(200);
    expect(server.verify(refreshed.body.accessToken).sid).toBe(server.verify(custom.body.result.accessToken).sid);
  });

  test('REST-key requests still get the refresh token in the body and no cookie', () => expectRestKeyPairs(rest));
});

describe("browserRefresh 'body'", () => {
  let server;
  let rest;
  beforeAll(async () => {
    ({ server, rest } = await start({ tokens: { browserRefresh: 'body' } }));
  });

  test('JavaScript-key logins and refreshes get the refresh token in the body, and no cookie', async () => {
    const user = await signUp(rest);
    const login = await rest('POST', '/login', { javascript: true, body: { username: user.username, password: PASSWORD } });
    expect(login.status).toBe(200);
    expectFullPair(login);
    const sdkLogin = await sdkRequest(server, '/login', { _method: 'POST', username: user.username, password: PASSWORD });
    expect(sdkLogin.status).toBe(200);
    expectFullPair(sdkLogin);
    const refreshed = await rest('POST', '/users/refresh', { javascript: true, body: { client: user.userId, code: login.body.refreshToken } });
    expect(refreshed.status).toBe(200);
    expectFullPair(refreshed);
    expect(refreshed.body.refreshToken).not.toBe(login.body.refreshToken);
    const me = await rest('GET', '/users/me', { javascript: true, sessionToken: refreshed.body.accessToken });
    expect(me.body.objectId).toBe(user.userId);
  });

  test('REST-key logins get the refresh token in the body', async () => {
    const user = await signUp(rest);
    const login = await rest('POST', '/login', { body: { username: user.username, password: PASSWORD } });
    expectFullPair(login);
  });
});

describe('option validation', () => {
  const PREFIX = 'parse-server-refresh-token: ';
  const cases = [
    ['secret too short', { secret: 'too-short' }, 'option secret must be at least 32 bytes long (got 9).'],
    ['no secret', {}, 'exactly one of the options secret or keys is required.'],
    ['accessTokenTTL 0', { secret: SECRET, accessTokenTTL: 0 }, 'option accessTokenTTL must be an integer number of seconds between 1 and 86400 (got 0).'],
    ['accessTokenTTL as a string', { secret: SECRET, accessTokenTTL: '1800' }, 'option accessTokenTTL must be an integer number of seconds between 1 and 86400 (got "1800").'],
    ['reuseInterval -1', { secret: SECRET, reuseInterval: -1 }, 'option reuseInterval must be an integer number of seconds between 0 and 300 (got -1).'],
    ['leeway 1.5', { secret: SECRET, leeway: 1.5 }, 'option leeway must be an integer number of seconds between 0 and 300 (got 1.5).'],
    ["browserRefresh 'x'", { secret: SECRET, browserRefresh: 'x' }, `option browserRefresh must be one of 'none', 'cookie', 'body' (got "x").`],
    ["legacySessionTokens 'maybe'", { secret: SECRET, legacySessionTokens: 'maybe' }, `option legacySessionTokens must be one of 'allow', 'deny' (got "maybe").`],
    ["authDataLinking 'no'", { secret: SECRET, authDataLinking: 'no' }, `option authDataLinking must be one of 'allow', 'deny' (got "no").`],
    ['allowedOrigins with a path', { secret: SECRET, allowedOrigins: ['https://app.example.com/'] }, "option allowedOrigins must be a non-empty array of origins such as 'https://app.example.com' ('*' is not accepted)."],
    ["allowedOrigins '*'", { secret: SECRET, allowedOrigins: ['*'] }, "option allowedOrigins must be a non-empty array of origins such as 'https://app.example.com' ('*' is not accepted)."],
    ['the old and the new name of one option', { secret: SECRET, browserRefresh: 'body', javascriptKeyRefresh: 'body' }, 'options javascriptKeyRefresh and browserRefresh are the same option: give only browserRefresh.'],
    ['unknown option', { secret: SECRET, accesTokenTTL: 60 }, 'unknown option accesTokenTTL.'],
    ['unknown hook', { secret: SECRET, hooks: { onLogin: () => {} } }, 'unknown hook hooks.onLogin (known: claims, onRefresh, onRevoke, onReuseDetected).'],
    ['hook not a function', { secret: SECRET, hooks: { claims: 'admin' } }, 'option hooks.claims must be a function.'],
  ];

  test.each(cases)('%s fails with a message naming the option', (_name, options, message) => {
    expect(() => refreshTokens(options)).toThrow(new Error(PREFIX + message));
  });

  test('valid options get the documented defaults', () => {
    const { options } = refreshTokens({ secret: SECRET });
    expect(options).toMatchObject({ accessTokenTTL: 1800, reuseInterval: 10, leeway: 5, idleTimeout: 0, browserRefresh: 'none', legacySessionTokens: 'allow', authDataLinking: 'allow' });
    expect(Object.isFrozen(options)).toBe(true);
    // The earlier name of browserRefresh still works.
    expect(refreshTokens({ secret: SECRET, javascriptKeyRefresh: 'cookie' }).options.browserRefresh).toBe('cookie');
  });

  test('a Parse Server started with a bad option does not start, and says which option', async () => {
    const started = startParseServer({ tokens: { browserRefresh: 'x' } });
    await expect(started).rejects.toThrow(/Parse Server exited with 1/);
    await expect(started).rejects.toThrow(`${PREFIX}option browserRefresh must be one of 'none', 'cookie', 'body' (got "x").`);
  });
});

describe('accessTokenTTL and leeway', () => {
  test('a 2 s access token expires (leeway 0: at once; default leeway: 5 s later), and a refresh gives a working one', async () => {
    const strict = await start({ tokens: { accessTokenTTL: 2, leeway: 0 } });
    const lenient = await start({ tokens: { accessTokenTTL: 2 } });
    const strictUser = await signUp(strict.rest);
    const lenientUser = await signUp(lenient.rest);
    expect(strictUser.expires_in).toBe(2);
    expect(lenientUser.expires_in).toBe(2);
    const claims = strict.server.verify(strictUser.accessToken);
    expect(claims.exp - claims.iat).toBe(2);
    expect((await strict.rest('GET', '/users/me', { sessionToken: strictUser.accessToken })).status).toBe(200);

    // Past exp (whole seconds) by a margin, well inside the default 5 s leeway.
    const lastExp = Math.max(claims.exp, lenient.server.verify(lenientUser.accessToken).exp);
    await new Promise(resolve => setTimeout(resolve, Math.max(0, (lastExp + 1) * 1000 - Date.now()) + 200));
    const before = await sessionRows(strict.server);
    const expired = await strict.rest('GET', '/users/me', { sessionToken: strictUser.accessToken });
    expect(expired.status).toBe(400);
    expect(expired.body).toEqual({ code: 209, error: 'Access token expired.', reason: 'access_token_expired' });
    expect(expired.headers.get('www-authenticate')).toBe('Bearer error="invalid_token", error_description="access_token_expired"');
    expect(await sessionRows(strict.server)).toEqual(before); // an expired access token ends nothing
    const stillValid = await lenient.rest('GET', '/users/me', { sessionToken: lenientUser.accessToken });
    expect(stillValid.status).toBe(200);
    expect(stillValid.body.objectId).toBe(lenientUser.userId);

    const refreshed = await strict.rest('POST', '/users/refresh', { body: { client: strictUser.userId, code: strictUser.refreshToken } });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.expires_in).toBe(2);
    const me = await strict.rest('GET', '/users/me', { sessionToken: refreshed.body.accessToken });
    expect(me.status).toBe(200);
    expect(me.body.objectId).toBe(strictUser.userId);
  });
});

describe('claims hook', () => {
  test('the access tokens of logins and refreshes carry the custom claims', async () => {
    const { server, rest } = await start({ hooks: ['claims'], claims: { role: 'admin', tier: 3 } });
    const user = await signUp(rest);
    const claims = server.verify(user.accessToken);
    expect(claims).toMatchObject({ role: 'admin', tier: 3, sub: user.userId });
    const events = (await server.events()).filter(e => e.type === 'claims');
    expect(events).toContainEqual(expect.objectContaining({ userId: user.userId, sessionId: claims.sid }));
    const refreshed = await rest('POST', '/users/refresh', { body: { client: user.userId, code: user.refreshToken } });
    expect(refreshed.status).toBe(200);
    expect(server.verify(refreshed.body.accessToken)).toMatchObject({ role: 'admin', tier: 3, sub: user.userId, sid: claims.sid });
    // The claims are the token's own: a client reading them sees no session credential.
    expect(JSON.stringify(claims)).not.toMatch(RAW_TOKEN);
    const me = await rest('GET', '/users/me', { sessionToken: refreshed.body.accessToken });
    expect(me.status).toBe(200);
  });
});
