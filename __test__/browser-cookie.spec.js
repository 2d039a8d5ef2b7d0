'use strict';
// Cookie mode in a real browser (headless Chromium): a page on an allowed origin logs in, refreshes
// and revokes across origins with the HttpOnly refresh cookie; a page on another origin of the same
// site, whose requests carry that cookie too, can neither refresh nor revoke, nor read an answer.
const { startParseServer, sessionRows, APP_ID, JAVASCRIPT_KEY } = require('./support/parse-server');
const { restClient } = require('./support/rest');
const { launchBrowser, servePage } = require('./support/browser');

const PASSWORD = 'pw-123456';

let browser;
let appPage;
let otherPage;
let server;
let rest;
let context;

beforeAll(async () => {
  appPage = await servePage();
  otherPage = await servePage();
  server = await startParseServer({ tokens: { browserRefresh: 'cookie', allowedOrigins: [appPage.origin] }, demoPage: true });
  rest = restClient(server);
  browser = await launchBrowser();
  context = await browser.newContext();
}, 120000);

afterAll(async () => {
  if (browser) await browser.close();
  await Promise.all([appPage && appPage.close(), otherPage && otherPage.close(), server && server.close()]);
});

/** Runs `calls` (a list of {path, fields}) in a page on `origin`, as the JS SDK sends them, with credentials. */
async function inPage(origin, calls) {
  const page = await context.newPage();
  try {
    await page.goto(`${origin}/`);
    return await page.evaluate(
      async ({ serverURL, appId, javascriptKey, calls }) => {
        const results = [];
        for (const { path, fields } of calls) {
          try {
            const response = await fetch(`${serverURL}${path}`, {
              method: 'POST',
              credentials: 'include',
              headers: { 'Content-Type': 'text/plain' },
              body: JSON.stringify({ _ApplicationId: appId, _JavaScriptKey: javascriptKey, ...fields }),
            });
            results.push({ status: response.status, body: await response.json() });
          } catch (error) {
            results.push({ blocked: String(error) }); // CORS: the page may not read the answer
          }
        }
        return results;
      },
      { serverURL: server.serverURL, appId: APP_ID, javascriptKey: JAVASCRIPT_KEY, calls }
    );
  } finally {
    await page.close();
  }
}

async function chainState(userId) {
  return (await sessionRows(server)).filter(row => row.user === userId).map(row => [row.objectId, row.refreshTokenHash, row.refreshTokenGeneration]);
}

test('a page on the allowed origin logs in, refreshes and revokes with the cookie; it never sees the refresh token', async () => {
  const name = `browser_${Date.now()}`;
  expect((await rest('POST', '/users', { body: { username: name, password: PASSWORD } })).status).toBe(201);
  const [login] = await inPage(appPage.origin, [{ path: '/login', fields: { _method: 'GET', username: name, password: PASSWORD } }]);
  const [refresh1, refresh2] = await inPage(appPage.origin, [
    { path: '/users/refresh', fields: { client: login.body.objectId } },
    { path: '/users/refresh', fields: { client: login.body.objectId } },
  ]);
  expect(login.status).toBe(200);
  expect(server.verify(login.body.sessionToken).sub).toBe(login.body.objectId);
  expect(login.body).not.toHaveProperty('refreshToken');
  for (const refresh of [refresh1, refresh2]) {
    expect(refresh.status).toBe(200);
    expect(server.verify(refresh.body.accessToken).sid).toBe(server.verify(login.body.sessionToken).sid);
    expect(refresh.body).not.toHaveProperty('refreshToken');
  }
  const cookies = await context.cookies(server.serverURL + '/users/refresh');
  expect(cookies.map(c => [c.name, c.httpOnly, c.secure, c.sameSite, c.path])).toEqual([['parse_refresh_token', true, true, 'Strict', '/parse/users/refresh']]);

  const [revoked, afterRevoke] = await inPage(appPage.origin, [
    { path: '/users/refresh/revoke', fields: {} },
    { path: '/users/refresh', fields: { client: login.body.objectId } },
  ]);
  expect(revoked).toEqual({ status: 200, body: {} });
  // The revoke ended the session and cleared the cookie: the browser has nothing left to send.
  expect(await context.cookies(server.serverURL + '/users/refresh')).toEqual([]);
  expect(afterRevoke).toEqual({ status: 400, body: { code: 142, error: 'code must be a non-empty string.' } });
  const { sid } = server.verify(login.body.sessionToken);
  expect((await chainState(login.body.objectId)).map(([objectId]) => objectId)).not.toContain(sid);
});

test('a page on another origin of the same site sends the cookie, and changes nothing', async () => {
  const name = `victim_${Date.now()}`;
  expect((await rest('POST', '/users', { body: { username: name, password: PASSWORD } })).status).toBe(201);
  const [login] = await inPage(appPage.origin, [{ path: '/login', fields: { _method: 'GET', username: name, password: PASSWORD } }]);
  const userId = login.body.objectId;
  const before = await chainState(userId);
  expect(before.map(([objectId]) => objectId)).toContain(server.verify(login.body.sessionToken).sid);

  const attempts = await inPage(otherPage.origin, [
    { path: '/users/refresh', fields: { client: userId } },
    { path: '/users/refresh/revoke', fields: {} },
  ]);
  for (const attempt of attempts) expect(attempt.blocked).toMatch(/TypeError/); // no answer readable
  expect(await chainState(userId)).toEqual(before); // nothing rotated, nothing revoked

  // The victim's page is unaffected: its cookie still refreshes.
  const [refresh] = await inPage(appPage.origin, [{ path: '/users/refresh', fields: { client: userId } }]);
  expect(refresh.status).toBe(200);
});

test('the Parse SDK with the client helper on the allowed origin, the API on another: login, refresh and logout work', async () => {
  const name = `sdk_${Date.now()}`;
  expect((await rest('POST', '/users', { body: { username: name, password: PASSWORD } })).status).toBe(201);
  const api = new URL(server.serverURL).origin;
  const page = await context.newPage();
  try {
    await page.goto(`${appPage.origin}/`);
    for (const script of ['/parse.min.js', '/parse-refresh-token-client.js']) await page.addScriptTag({ url: `${api}${script}` });
    const result = await page.evaluate(
      async ({ serverURL, appId, javascriptKey, name, password }) => {
        Parse.initialize(appId, javascriptKey);
        Parse.serverURL = serverURL;
        const auto = ParseRefreshToken.enableAutoRefresh(Parse, { refreshTokenStorage: 'cookie' });
        const user = await Parse.User.logIn(name, password);
        const first = user.getSessionToken();
        const second = await auto.refresh();
        const count = await new Parse.Query('Note').count();
        const held = JSON.stringify(user.toJSON());
        await Parse.User.logOut();
        return { id: user.id, first, second, count, held, current: Parse.User.current() };
      },
      { serverURL: server.serverURL, appId: APP_ID, javascriptKey: JAVASCRIPT_KEY, name, password: PASSWORD }
    );
    expect(server.verify(result.first).sub).toBe(result.id);
    expect(result.second).not.toBe(result.first);
    expect(server.verify(result.second).sid).toBe(server.verify(result.first).sid);
    expect(result.count).toBeGreaterThanOrEqual(0);
    expect(result.held).not.toContain('refreshToken');
    expect(result.current).toBeNull();
    // Logout ended the session on the server and cleared the cookie.
    expect((await sessionRows(server)).map(row => row.objectId)).not.toContain(server.verify(result.first).sid);
    expect(await context.cookies(server.serverURL + '/users/refresh')).toEqual([]);
  } finally {
    await page.close();
  }
});
