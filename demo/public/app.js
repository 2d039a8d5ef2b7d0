/* global Parse, ParseRefreshToken, DEMO */
'use strict';
// The demo page: unmodified Parse SDK calls; the helper keeps the session alive.
Parse.initialize(DEMO.appId, DEMO.javascriptKey);
Parse.serverURL = `${location.origin}${DEMO.mount}`;

const $ = id => document.getElementById(id);
const state = { ok: 0, failed: 0, refreshes: 0, timer: null, lastToken: null };
window.demoState = state; // read by the browser tests

function log(text) {
  const line = `${new Date().toISOString().slice(11, 19)}  ${text}\n`;
  $('log').textContent = line + $('log').textContent;
}

const auto = ParseRefreshToken.enableAutoRefresh(Parse, {
  refreshTokenStorage: 'cookie',
  refreshAhead: Number(new URLSearchParams(location.search).get('ahead') || 5),
  onSessionExpired: reason => {
    log(`session ended: ${reason}`);
    stopRequests();
    render();
  },
});
window.demoAuto = auto;

function claims(token) {
  try {
    return JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
  } catch {
    return null;
  }
}

function render() {
  const user = Parse.User.current();
  $('user').textContent = user ? `${user.get('username')} (${user.id})` : 'nobody';
  const token = user && user.getSessionToken();
  if (token && token !== state.lastToken) {
    if (state.lastToken) {
      state.refreshes++;
      log('access token refreshed');
    }
    state.lastToken = token;
  }
  if (!token) state.lastToken = null;
  const c = token && claims(token);
  $('remaining').textContent = c ? `${Math.max(0, Math.round(c.exp - Date.now() / 1000))} s` : '–';
  $('ok').textContent = state.ok;
  $('failed').textContent = state.failed;
  $('refreshes').textContent = state.refreshes;
}
setInterval(render, 250);

async function request() {
  try {
    await new Parse.Query('Note').count();
    state.ok++;
  } catch (error) {
    state.failed++;
    log(`request failed: ${error.code} ${error.message}`);
  }
  render();
}

function startRequests(everyMs = 1000) {
  stopRequests();
  state.timer = setInterval(request, everyMs);
}
function stopRequests() {
  clearInterval(state.timer);
  state.timer = null;
}
window.startRequests = startRequests;
window.stopRequests = stopRequests;

async function run(label, work) {
  try {
    await work();
    log(label);
  } catch (error) {
    log(`${label} failed: ${error.message}`);
  }
  render();
}

$('signup').onclick = () => run('signed up', () => Parse.User.signUp($('username').value, $('password').value));
$('login').onclick = () => run('logged in', () => Parse.User.logIn($('username').value, $('password').value));
$('logout').onclick = () => run('logged out', async () => {
  stopRequests();
  await Parse.User.logOut();
});
$('start').onclick = () => startRequests();
$('stop').onclick = () => stopRequests();
render();
