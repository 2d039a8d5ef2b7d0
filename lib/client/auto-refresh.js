'use strict';
// enableAutoRefresh(Parse, options): keeps an app built on the Parse JavaScript SDK signed in. It sits
// in the SDK's own REST controller, so Parse.User.logIn / signUp / become / logOut, queries, cloud
// functions and LiveQuery work unchanged:
//   - a login's refresh token is taken out of the response before the SDK copies it onto the user:
//     it stays in the server's HttpOnly cookie (browsers) or in the storage the app gives (native);
//   - an access token is refreshed ahead of its expiry, and a request that still meets a 209 gets one
//     refresh and one retry; concurrent requests share one refresh, and so do tabs (Web Locks);
//   - a session that cannot be refreshed ends locally, once, and onSessionExpired says why;
//   - logOut reaches the server even with an expired access token (the refresh token ends it), and
//     signs the other tabs out;
//   - LiveQuery subscriptions are renewed with each new access token.
// No dependency and no native code: browsers (bundled), React Native and Node.
const { isAccessToken, expiryOf } = require('./token-clock');
const { createTabCoordination } = require('./tab-coordination');
const { REASONS } = require('./reasons');

const INSTALLED = Symbol.for('parse-server-refresh-token.autoRefresh');
const PAIR_FIELDS = ['accessToken', 'refreshToken', 'expires_in', 'token_type'];
// The server's 209 reasons that mean the session is over (refresh cannot help), and what we call them.
const ENDED = new Map([
  [REASONS.refreshTokenInvalid, 'revoked'],
  [REASONS.refreshTokenReused, 'reuse'],
  [REASONS.refreshTokenExpired, 'expired'],
  [REASONS.sessionIdle, 'idle'],
]);
const DEFAULTS = { refreshAhead: 60, lockWaitMs: 5000, requestTimeoutMs: 10000, retries: 3, retryDelayMs: 300 };

class SessionEndedError extends Error {
  constructor(reason, message) {
    super(message || `The session has ended (${reason}).`);
    this.reason = reason;
  }
}

function validate(Parse, options) {
  const fail = message => {
    throw new Error(`parse-server-refresh-token/client: ${message}`);
  };
  if (!Parse || !Parse.CoreManager || typeof Parse.CoreManager.getRESTController !== 'function') fail('enableAutoRefresh(Parse, options) needs the Parse JavaScript SDK object.');
  const storage = options.refreshTokenStorage;
  const isStorage = storage && typeof storage === 'object' && ['getItem', 'setItem', 'removeItem'].every(name => typeof storage[name] === 'function');
  if (storage !== 'cookie' && !isStorage) fail("option refreshTokenStorage must be 'cookie' (browsers) or an object with getItem, setItem and removeItem (native apps, Node).");
  if (options.onSessionExpired !== undefined && typeof options.onSessionExpired !== 'function') fail('option onSessionExpired must be a function.');
  for (const name of Object.keys(DEFAULTS)) {
    if (options[name] !== undefined && !(Number.isFinite(options[name]) && options[name] >= 0)) fail(`option ${name} must be a number >= 0.`);
  }
}

function enableAutoRefresh(Parse, options = {}) {
  validate(Parse, options);
  // Idempotent: React Strict Mode and hot reloads call it twice; one controller serves both.
  if (Parse[INSTALLED]) return Parse[INSTALLED];
  const settings = { ...DEFAULTS, ...options };
  const CoreManager = Parse.CoreManager;
  const cookieMode = settings.refreshTokenStorage === 'cookie';
  const storage = cookieMode ? null : settings.refreshTokenStorage;
  const appId = () => CoreManager.get('APPLICATION_ID');
  const storageKey = settings.storageKey || `parse-refresh-token:${appId()}`;
  const rest = CoreManager.getRESTController();
  const userController = CoreManager.getUserController();
  const originalRequest = rest.request;
  const originalLogOut = userController.logOut;
  const tabs = createTabCoordination(`parse-refresh-token:${appId()}`, { lockWaitMs: settings.lockWaitMs });
  const liveQueryClients = new Set();

  let expiresAt = 0; // local ms when the current access token expires
  let knownToken = null; // the access token expiresAt belongs to
  let inflight = null;
  let timer = null;
  let ended = false;
  let stopped = false;

  // ---- the current session, as the SDK holds it
  const currentUser = () => userController.currentUserAsync();
  async function currentToken() {
    const user = await currentUser();
    return user ? user.getSessionToken() : null;
  }
  function due(token) {
    if (token !== knownToken) {
      knownToken = token;
      expiresAt = expiryOf(token);
    }
    return Date.now() >= expiresAt - settings.refreshAhead * 1000;
  }
  /** From now on `token` is the session's access token, valid until `expiry` (local ms). */
  function track(token, expiry) {
    knownToken = token;
    expiresAt = expiry;
    schedule();
  }
  /** A new access token for the signed-in user: in the SDK's user (stored unless told), and LiveQuery. */
  async function adopt(accessToken, { expiresIn, until, persist = true } = {}) {
    track(accessToken, until || expiryOf(accessToken, { expiresIn }));
    const user = await currentUser();
    if (user && user.getSessionToken() !== accessToken) {
      const previous = user.getSessionToken();
      user._finishFetch({ sessionToken: accessToken });
      if (persist) await userController.setCurrentUser(user);
      renewLiveQuery(previous, accessToken);
    }
  }

  // ---- the refresh token, where it belongs
  async function readStored() {
    if (!storage) return null;
    const text = await storage.getItem(storageKey);
    if (typeof text !== 'string' || !text) return null;
    try {
      const stored = JSON.parse(text);
      return stored && typeof stored.code === 'string' ? stored : null;
    } catch {
      return null;
    }
  }
  async function store(client, code) {
    if (!storage || typeof code !== 'string') return;
    try {
      await storage.setItem(storageKey, JSON.stringify({ client, code })); // one write replaces the old token
    } catch (error) {
      // The old token stays stored: inside the server's grace window it still yields the current one.
      throw new Error(`parse-server-refresh-token/client: could not store the refresh token (${error && error.message}); the previous one is kept.`);
    }
  }
  async function forget() {
    if (storage) await Promise.resolve(storage.removeItem(storageKey)).catch(() => {});
  }

  // ---- talking to the refresh endpoints (not through the SDK: no session token, cookies included)
  async function post(path, fields) {
    const body = { _ApplicationId: appId(), _ClientVersion: CoreManager.get('VERSION'), ...fields };
    const javascriptKey = CoreManager.get('JAVASCRIPT_KEY');
    if (javascriptKey) body._JavaScriptKey = javascriptKey;
    const controller = new AbortController();
    const timeout = setTimeout(() => controller.abort(), settings.requestTimeoutMs);
    try {
      const response = await fetch(`${CoreManager.get('SERVER_URL')}${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'text/plain' },
        body: JSON.stringify(body),
        credentials: cookieMode ? 'include' : 'same-origin',
        signal: controller.signal,
      });
      let json = null;
      try {
        json = await response.json();
      } catch {
        json = null;
      }
      return { status: response.status, json };
    } finally {
      clearTimeout(timeout);
    }
  }

  async function callRefresh() {
    const user = await currentUser();
    const stored = await readStored();
    const client = (user && user.id) || (stored && stored.client);
    if (!client) throw new SessionEndedError('no-session', 'There is no signed-in user to refresh.');
    const fields = { client };
    if (!cookieMode) {
      if (!stored) throw new SessionEndedError('no-refresh-token', 'No refresh token is stored for this session.');
      fields.code = stored.code;
    }
    let lastError;
    for (let attempt = 0; attempt <= settings.retries; attempt++) {
      if (attempt > 0) await sleep(settings.retryDelayMs * 2 ** (attempt - 1));
      let answer;
      try {
        answer = await post('/users/refresh', fields);
      } catch (error) {
        lastError = error; // network failure or timeout: retry
        continue;
      }
      const { status, json } = answer;
      if (status === 200 && json && isAccessToken(json.accessToken)) {
        if (!cookieMode) await store(client, json.refreshToken);
        return json;
      }
      if (json && json.code === 209) throw new SessionEndedError(ENDED.get(json.reason) || 'revoked', json.error);
      if (json && typeof json.code === 'number' && status < 500) {
        throw new Parse.Error(json.code, `The refresh was refused: ${json.error}`); // a set-up problem, not the session's end
      }
      lastError = new Error(`the refresh answered ${status}${json ? '' : ' with no JSON'}`); // 5xx or garbage: retry
    }
    throw new Parse.Error(Parse.Error.CONNECTION_FAILED, `The access token could not be refreshed: ${lastError && lastError.message}`);
  }

  /** One refresh for everyone who found `staleToken` too old: this process's callers and other tabs. */
  function refreshFrom(staleToken) {
    if (inflight) return inflight;
    inflight = tabs
      .exclusive(async () => {
        const current = await currentToken();
        if (current && current !== staleToken && isAccessToken(current) && !due(current)) return current; // done here already
        const shared = tabs.latest(); // another tab of this browser did it while we waited
        if (shared && shared.accessToken !== staleToken && shared.accessToken !== current && Date.now() < shared.expiresAt - settings.refreshAhead * 1000) {
          await adopt(shared.accessToken, { until: shared.expiresAt });
          return shared.accessToken;
        }
        const pair = await callRefresh();
        await adopt(pair.accessToken, { expiresIn: pair.expires_in });
        tabs.publish({ type: 'refreshed', accessToken: pair.accessToken, expiresAt });
        await sleep(0); // let the other tabs hear it before the lock is released
        return pair.accessToken;
      })
      .catch(async error => {
        if (error instanceof SessionEndedError) await endSession(error.reason);
        throw error;
      })
      .finally(() => {
        inflight = null;
      });
    return inflight;
  }

  async function endSession(reason, { tell = true } = {}) {
    if (ended) return;
    ended = true;
    clearTimeout(timer);
    await forget();
    await originalLogOut.call(userController).catch(() => {}); // local only: the SDK calls /logout for r: tokens alone
    if (tell) tabs.publish({ type: 'ended', reason });
    if (settings.onSessionExpired) {
      try {
        await settings.onSessionExpired(reason);
      } catch {
        // the app's handler failing must not break the request that found the session gone
      }
    }
  }

  function schedule() {
    clearTimeout(timer);
    if (stopped || !knownToken) return;
    const wait = Math.max(expiresAt - settings.refreshAhead * 1000 - Date.now(), 0);
    timer = setTimeout(() => {
      // Checked again when it fires: the device may have slept, or its clock moved.
      currentToken()
        .then(token => (isAccessToken(token) && due(token) ? refreshFrom(token) : schedule()))
        .catch(() => {}); // the next request will try again, and report
    }, wait);
    if (timer && typeof timer.unref === 'function') timer.unref();
  }

  // ---- the SDK's requests
  async function request(method, path, data, requestOptions) {
    if (stopped) return originalRequest.call(this, method, path, data, requestOptions);
    const opts = { ...(requestOptions || {}) };
    const explicit = typeof opts.sessionToken === 'string';
    let token = explicit ? opts.sessionToken : opts.useMasterKey ? null : await currentToken();
    const send = async () => capture(path, await originalRequest.call(this, method, path, data, explicit ? { ...opts, sessionToken: token } : opts));
    if (isAccessToken(token) && due(token) && !isLogin(path)) {
      try {
        token = await refreshFrom(token);
      } catch (error) {
        if (error instanceof SessionEndedError) throw sessionError(error);
        // Not refreshed now (network): the token may still be valid; the request decides.
      }
    }
    try {
      return await send();
    } catch (error) {
      if (!(error && error.code === 209) || !isAccessToken(token) || isLogin(path)) throw error;
      try {
        token = await refreshFrom(token);
      } catch (refreshError) {
        throw refreshError instanceof SessionEndedError ? sessionError(refreshError) : refreshError;
      }
      return send(); // once
    }
  }

  /** A login's answer: the refresh token leaves it before the SDK makes the rest a user. */
  async function capture(path, response) {
    if (!response || typeof response !== 'object' || !isAccessToken(response.sessionToken)) return response;
    const { refreshToken, expires_in: expiresIn } = response;
    for (const name of PAIR_FIELDS) delete response[name];
    if (refreshToken) await store(response.objectId, refreshToken);
    ended = false;
    track(response.sessionToken, expiryOf(response.sessionToken, { expiresIn }));
    return response;
  }

  function sessionError(error) {
    return new Parse.Error(Parse.Error.INVALID_SESSION_TOKEN, error.message);
  }

  // ---- logout that reaches the server
  async function logOut(logOutOptions) {
    const token = logOutOptions && logOutOptions.sessionToken ? logOutOptions.sessionToken : await currentToken();
    const stored = await readStored();
    clearTimeout(timer);
    await originalLogOut.call(userController, logOutOptions);
    tabs.publish({ type: 'ended', reason: 'logout' });
    if (typeof token !== 'string' || !isAccessToken(token)) return forget();
    let ended209 = false;
    try {
      await originalRequest.call(rest, 'POST', 'logout', {}, { sessionToken: token });
    } catch (error) {
      if (!(error && error.code === 209)) throw error;
      ended209 = true; // the access token is dead: end the session with the refresh token instead
    }
    if (ended209) {
      if (cookieMode) await post('/users/refresh/revoke', {});
      else if (stored) await post('/users/revoke', { code: stored.code });
    }
    await forget();
  }

  // ---- LiveQuery: subscriptions keep their session across refreshes
  const LiveQueryClient = Parse.LiveQueryClient;
  const originalSubscribe = LiveQueryClient && LiveQueryClient.prototype.subscribe;
  if (originalSubscribe) {
    LiveQueryClient.prototype.subscribe = function subscribeTracked() {
      liveQueryClients.add(this);
      return originalSubscribe.apply(this, arguments);
    };
  }
  function renewLiveQuery(previous, accessToken) {
    for (const client of liveQueryClients) {
      let renewed = false;
      if (client.sessionToken === previous) client.sessionToken = accessToken;
      for (const subscription of client.subscriptions.values()) {
        if (subscription.sessionToken === previous) {
          subscription.sessionToken = accessToken;
          renewed = true;
        }
      }
      if (renewed) client.resubscribe();
    }
  }

  // ---- other tabs
  const unsubscribe = tabs.subscribe(message => {
    if (!message || stopped) return;
    if (message.type === 'refreshed' && isAccessToken(message.accessToken)) {
      adopt(message.accessToken, { until: message.expiresAt, persist: false }).catch(() => {});
    } else if (message.type === 'ended') {
      endSession(message.reason || 'logout', { tell: false }).catch(() => {});
    }
  });

  CoreManager.setRESTController({ ...rest, request });
  CoreManager.setUserController({ ...userController, logOut });
  const restoreFetch = cookieMode ? includeCookiesCrossOrigin(() => CoreManager.get('SERVER_URL')) : () => {};

  const handle = {
    /** Custom login flows (a cloud function that returned issueTokens' pair): sign that user in. */
    async adoptTokens(pair) {
      if (!pair || !isAccessToken(pair.accessToken || pair.sessionToken)) throw new Error('parse-server-refresh-token/client: adoptTokens(pair) needs the pair a login returned.');
      const accessToken = pair.accessToken || pair.sessionToken;
      const user = await Parse.User.become(accessToken);
      if (pair.refreshToken) await store(user.id, pair.refreshToken);
      ended = false;
      track(accessToken, expiryOf(accessToken, { expiresIn: pair.expires_in }));
      return user;
    },
    /** Refreshes now (normally not needed). Resolves to the new access token. */
    refresh: async () => refreshFrom(await currentToken()),
    /** Stops refreshing and restores the SDK's own controllers. */
    stop() {
      stopped = true;
      clearTimeout(timer);
      unsubscribe();
      tabs.close();
      CoreManager.setRESTController({ ...CoreManager.getRESTController(), request: originalRequest });
      CoreManager.setUserController({ ...CoreManager.getUserController(), logOut: originalLogOut });
      if (originalSubscribe) LiveQueryClient.prototype.subscribe = originalSubscribe;
      restoreFetch();
      delete Parse[INSTALLED];
    },
  };
  Parse[INSTALLED] = handle;
  currentToken()
    .then(token => {
      if (isAccessToken(token)) {
        due(token);
        schedule();
      }
    })
    .catch(() => {});
  return handle;
}

/**
 * Cookie mode on a page whose origin is not the server's: the SDK's own requests (a login that sets
 * the cookie, a logout) must carry credentials too. Only requests to the Parse server are changed.
 * Returns the function that undoes it.
 */
function includeCookiesCrossOrigin(serverURL) {
  if (typeof location === 'undefined' || typeof globalThis.fetch !== 'function') return () => {};
  const originalFetch = globalThis.fetch;
  const crossOrigin = () => {
    try {
      return new URL(serverURL(), location.href).origin !== location.origin;
    } catch {
      return false;
    }
  };
  globalThis.fetch = function fetchWithCookies(input, init) {
    const url = typeof input === 'string' ? input : input && input.url;
    if (crossOrigin() && typeof url === 'string' && url.startsWith(serverURL())) {
      return originalFetch.call(this, input, { ...init, credentials: 'include' });
    }
    return originalFetch.call(this, input, init);
  };
  return () => {
    globalThis.fetch = originalFetch;
  };
}

/** Login routes take no session (Parse ignores the token there): never refreshed for. */
function isLogin(path) {
  return path === 'login' || path === 'loginAs';
}

function sleep(ms) {
  return new Promise(resolve => setTimeout(resolve, ms));
}

module.exports = { enableAutoRefresh, SessionEndedError };
