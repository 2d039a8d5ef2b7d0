'use strict';
// The demo page (the Parse JS SDK with the client helper in cookie mode) in a real headless Chromium,
// against a server whose access tokens live 4 seconds: two tabs making requests for a minute stay
// signed in with one refresh per expiry between them; a reload keeps the session; a tab that holds
// the refresh lock (or is closed holding it) blocks nobody; logout in one tab signs the other out and
// ends the server session; page JavaScript never sees the refresh token.
const os = require('os');
const path = require('path');
const { startParseServer, sessionRows } = require('./support/parse-server');
const { launchBrowser } = require('./support/browser');

const TTL = 4;
const AHEAD = 1;
const RUN_MS = 60000;
const PASSWORD = 'pw-123456';
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

let server;
let browser;
let context;
let pageURL;

beforeAll(async () => {
  server = await startParseServer({ tokens: { browserRefresh: 'cookie', accessTokenTTL: TTL, leeway: 0 }, hooks: ['onRefresh', 'onRevoke', 'onReuseDetected'], demoPage: true });
  pageURL = `${new URL(server.serverURL).origin}/?ahead=${AHEAD}`;
  browser = await launchBrowser();
  context = await browser.newContext();
}, 120000);

afterAll(async () => {
  if (browser) await browser.close();
  if (server) await server.close();
});

async function openTab() {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', error => errors.push(error.message));
  await page.goto(pageURL);
  await page.waitForFunction(() => window.demoAuto !== undefined);
  page.errors = errors;
  return page;
}

const tabState = page => page.evaluate(() => ({ ...window.demoState, timer: undefined, user: Parse.User.current() && Parse.User.current().id }));
const eventsOf = async (type, userId) => (await server.events()).filter(e => e.type === type && e.userId === userId);

test('two tabs for a minute, a reload, a stuck and a closed tab, then logout from one tab', async () => {
  const username = `tabs_${Date.now()}`;
  const first = await openTab();
  await first.fill('#username', username);
  await first.fill('#password', PASSWORD);
  await first.click('#signup');
  await first.waitForFunction(() => Parse.User.current() !== null);
  const userId = (await tabState(first)).user;
  const second = await openTab();
  expect((await tabState(second)).user).toBe(userId); // the SDK's stored user, shared by the tabs

  // The refresh token is nowhere page JavaScript can read.
  const [cookie] = await context.cookies(server.serverURL + '/users/refresh');
  expect(cookie).toMatchObject({ name: 'parse_refresh_token', httpOnly: true });
  for (const page of [first, second]) {
    const visible = await page.evaluate(() => document.cookie + JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
    expect(visible).not.toContain(cookie.value);
    expect(visible).not.toContain('refreshToken');
  }

  // A minute of requests from both tabs.
  const started = Date.now();
  await first.evaluate(() => window.startRequests(250));
  await second.evaluate(() => window.startRequests(250));
  await sleep(RUN_MS / 2);
  await first.reload(); // a reload keeps the session (the stored user, the cookie)
  await first.waitForFunction(() => window.demoAuto !== undefined);
  expect((await tabState(first)).user).toBe(userId);
  await first.evaluate(() => window.startRequests(250));
  await sleep(RUN_MS / 2);
  const elapsed = Date.now() - started;
  await first.evaluate(() => window.stopRequests());
  await second.evaluate(() => window.stopRequests());
  const states = [await tabState(first), await tabState(second)];
  for (const state of states) {
    expect(state.failed).toBe(0);
    expect(state.ok).toBeGreaterThan(40);
  }
  const refreshes = (await eventsOf('onRefresh', userId)).length;
  // At most one refresh per access-token lifetime (refreshed AHEAD seconds early) across both tabs.
  expect(refreshes).toBeGreaterThanOrEqual(Math.floor(elapsed / (TTL * 1000)) - 1);
  expect(refreshes).toBeLessThanOrEqual(Math.ceil(elapsed / ((TTL - AHEAD) * 1000 - 500)) + 1);
  expect(await eventsOf('onReuseDetected', userId)).toEqual([]);
  expect(await eventsOf('onRevoke', userId)).toEqual([]);

  // A tab that holds the refresh lock and never lets go: the other still refreshes (bounded wait)...
  const stuck = await openTab();
  await stuck.evaluate(() => {
    navigator.locks.request(`parse-refresh-token:${Parse.applicationId}`, () => new Promise(() => {}));
  });
  const before = (await eventsOf('onRefresh', userId)).length;
  await sleep(TTL * 1000 + 500);
  const afterStuck = await second.evaluate(() => new Parse.Query('Note').count().then(() => 'ok', error => `${error.code} ${error.message}`));
  expect(afterStuck).toBe('ok');
  expect((await eventsOf('onRefresh', userId)).length).toBeGreaterThan(before);
  // ...and closing it releases the lock at once.
  await stuck.close();
  await sleep(TTL * 1000 + 500);
  expect(await second.evaluate(() => new Parse.Query('Note').count().then(() => 'ok', e => `${e.code} ${e.message}`))).toBe('ok');

  await first.screenshot({ path: path.join(os.tmpdir(), 'parse-server-refresh-token-demo.png'), fullPage: true });

  // Logout in one tab: the other tab is signed out too, and the server session is gone.
  const { sid } = server.verify(await second.evaluate(() => Parse.User.current().getSessionToken()));
  await first.click('#logout');
  // logOut() resolves once the server has ended the session (the page then logs it).
  await first.waitForFunction(() => /logged out/.test(document.getElementById('log').textContent));
  expect(await first.evaluate(() => Parse.User.current())).toBeNull();
  await second.waitForFunction(() => Parse.User.current() === null, null, { timeout: 5000 });
  expect(await second.evaluate(() => document.getElementById('log').textContent)).toContain('session ended: logout');
  expect((await sessionRows(server)).map(row => row.objectId)).not.toContain(sid);
  expect(first.errors.concat(second.errors)).toEqual([]);
}, 180000);
