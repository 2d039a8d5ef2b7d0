'use strict';
// The real Parse JavaScript SDK (npm `parse`, in Node) as the client: signup and login hand it an
// access token as its `sessionToken`, and everything it does with that token works as with an `r:`
// token (objects under ACLs, queries, cloud functions, triggers, LiveQuery, become, logout), while
// a forged, expired or revoked token is refused. Also: the SDK's logOut() skips POST /logout for
// tokens without "r:", and installParseLogout(Parse) (lib/client.js) is the client-side fix.
const Parse = require('parse/node');
const { installParseLogout } = require('..');
const { startParseServer, sessionRows, signHS256, APP_ID, JAVASCRIPT_KEY } = require('./support/parse-server');
const { restClient } = require('./support/rest');

const RAW_SESSION_TOKEN = /r:[0-9a-f]{32}/;
const PASSWORD = 'pw-123456';

let server;
let rest;
const liveQueryClients = [];

beforeAll(async () => {
  server = await startParseServer();
  rest = restClient(server);
  Parse.initialize(APP_ID, JAVASCRIPT_KEY);
  Parse.serverURL = server.serverURL;
  Parse.liveQueryServerURL = server.liveQueryURL;
  Parse.User.enableUnsafeCurrentUser(); // Node: let the SDK keep a current user, as a browser app does
});

afterAll(async () => {
  for (const client of liveQueryClients) await client.close().catch(() => {});
  await Parse.LiveQuery.close().catch(() => {});
  if (server) await server.close();
});

let counter = 0;
const username = () => `sdk${++counter}_${Date.now()}`;

/** Signs up through the SDK; the new user becomes the SDK's current user. */
async function sdkSignUp() {
  const user = new Parse.User();
  user.set({ username: username(), password: PASSWORD });
  await user.signUp();
  return user;
}

/** A user signed up over REST (REST key: the refresh token comes in the body). */
async function restSignUp() {
  const name = username();
  const r = await rest('POST', '/users', { body: { username: name, password: PASSWORD } });
  expect(r.status).toBe(201);
  return { userId: r.body.objectId, username: name, ...r.body };
}

async function sessionRow(token) {
  const { sid } = server.verify(token);
  return (await sessionRows(server)).find(row => row.objectId === sid);
}

/** A token signed with the server's secret (unless told otherwise), with the claims a test needs. */
function forge({ secret, claims = {}, exp } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const payload = { iss: server.serverURL, aud: APP_ID, sub: 'nobody', sid: 'whatever', iat: now - 120, exp: exp || now + 600, jti: 'forged', ...claims };
  return signHS256({ alg: 'HS256', typ: 'at+jwt', kid: 'default' }, payload, secret);
}

async function expectParseError(promise, code, message) {
  let error;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(Parse.Error);
  expect({ code: error.code, message: error.message }).toEqual({ code, message });
}

function privateNote(owner, text, extra = {}) {
  const note = new Parse.Object('Note');
  note.set({ text, ...extra });
  note.setACL(new Parse.ACL(owner));
  return note;
}

function openLiveQueryClient(sessionToken) {
  const client = new Parse.LiveQueryClient({ applicationId: APP_ID, serverURL: server.liveQueryURL, javascriptKey: JAVASCRIPT_KEY, sessionToken });
  client.open();
  liveQueryClients.push(client);
  return client;
}

/** Records every create event of a subscription; `waitFor(id)` resolves when that object arrives. */
function recordCreates(subscription) {
  const seen = [];
  const waiters = [];
  subscription.on('create', object => {
    seen.push(object);
    for (const w of waiters) if (w.id === object.id) w.resolve(object);
  });
  return {
    seen,
    waitFor: id =>
      new Promise((resolve, reject) => {
        const found = seen.find(o => o.id === id);
        if (found) return resolve(found);
        const timer = setTimeout(() => reject(new Error(`no create event for ${id} within 5 s`)), 5000);
        waiters.push({ id, resolve: o => (clearTimeout(timer), resolve(o)) });
      }),
  };
}

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

/** A subscription the server must refuse: the promise rejects with 209 and the 'error' event fires. */
async function expectRefusedSubscription(client, sessionToken, message) {
  const subscription = client.subscribe(new Parse.Query('Note'), sessionToken);
  const errorEvent = new Promise(resolve => subscription.on('error', resolve));
  const creates = recordCreates(subscription);
  await expectParseError(subscription.subscribePromise, 209, message);
  expect(await errorEvent).toBe(message);
  return creates;
}

describe('signup, login and the token the SDK keeps', () => {
  test('signUp: the SDK stores the access token as sessionToken; no raw token; in Node the pair, refresh token included', async () => {
    const user = await sdkSignUp();
    const token = user.getSessionToken();
    expect(Parse.User.current().id).toBe(user.id);
    expect(Parse.User.current().getSessionToken()).toBe(token);
    const claims = server.verify(token);
    expect(claims.sub).toBe(user.id);
    const row = await sessionRow(token);
    expect(row.user).toBe(user.id);
    expect(row.sessionToken).toMatch(/^r:/);
    expect(token).not.toContain(row.sessionToken);
    // What the SDK holds for the user: the pair's fields, never the raw token. Node is not a browser
    // (no Origin): it gets the refresh token, which the plain SDK keeps as a field of the user (the
    // client helper, lib/client, moves it into the app's storage instead).
    const held = JSON.stringify(user._toFullJSON());
    expect(held).not.toMatch(RAW_SESSION_TOKEN);
    expect(user.get('accessToken')).toBe(token);
    expect(user.get('token_type')).toBe('Bearer');
    expect(user.get('expires_in')).toBe(1800);
    expect(typeof user.get('refreshToken')).toBe('string');
  });

  test('logIn: a new session with its own access token; /users/me through the SDK', async () => {
    const signedUp = await sdkSignUp();
    const name = signedUp.getUsername();
    const user = await Parse.User.logIn(name, PASSWORD);
    expect(user.id).toBe(signedUp.id);
    const token = user.getSessionToken();
    expect(token).not.toBe(signedUp.getSessionToken());
    expect(server.verify(token).sid).not.toBe(server.verify(signedUp.getSessionToken()).sid);
    // Parse keeps one session per installation: the SDK's login replaced the signup session, and the
    // signup's access token died with it.
    const rows = (await sessionRows(server)).filter(row => row.user === user.id);
    expect(rows.map(row => row.objectId)).toEqual([server.verify(token).sid]);
    // The replaced session is on the revocation list at once (patched destroyDuplicatedSessions).
    const old = await rest('GET', '/users/me', { sessionToken: signedUp.getSessionToken() });
    expect(old.status).toBe(400);
    expect(old.body).toEqual({ code: 209, error: 'Session revoked.', reason: 'session_revoked' });
    expect(old.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
    const me = await Parse.User.me(token);
    expect(me.id).toBe(user.id);
    expect(me.getSessionToken()).toBe(token);
    const fetched = await Parse.User.current().fetch();
    expect(fetched.getUsername()).toBe(name);
  });

  test('logIn while the SDK still holds an expired or revoked access token works (Parse ignores the token on /login)', async () => {
    const user = await restSignUp();
    await Parse.User.become(user.accessToken);
    const revoked = await rest('POST', '/users/revoke', { body: { code: user.refreshToken } });
    expect(revoked.status).toBe(200);
    // The SDK sends the current user's (now dead) token with every request, the login included.
    const again = await Parse.User.logIn(user.username, PASSWORD);
    expect(again.id).toBe(user.userId);
    expect(server.verify(again.getSessionToken()).sub).toBe(user.userId);
    // An expired one, likewise (REST, the token in the header as the SDK would send it in the body).
    const expired = forge({ claims: { sub: user.userId, sid: server.verify(again.getSessionToken()).sid }, exp: Math.floor(Date.now() / 1000) - 60 });
    const login = await rest('POST', '/login', { sessionToken: expired, body: { username: user.username, password: PASSWORD } });
    expect(login.status).toBe(200);
    expect(login.body.objectId).toBe(user.userId);
    const getLogin = await rest('GET', `/login?username=${encodeURIComponent(user.username)}&password=${PASSWORD}`, { sessionToken: expired });
    expect(getLogin.status).toBe(200);
    // Elsewhere the dead token is still refused.
    expect((await rest('GET', '/users/me', { sessionToken: expired })).body).toEqual({ code: 209, error: 'Access token expired.', reason: 'access_token_expired' });
  });

  test('a wrong password is refused by the SDK with Parse\'s own error', async () => {
    const user = await sdkSignUp();
    await expectParseError(Parse.User.logIn(user.getUsername(), 'wrong'), 101, 'Invalid username/password.');
  });
});

describe('objects, queries, cloud code', () => {
  let alice;
  let aliceToken;
  let bob;
  let bobToken;
  beforeAll(async () => {
    bob = await sdkSignUp();
    bobToken = bob.getSessionToken();
    alice = await sdkSignUp(); // the current user from here on
    aliceToken = alice.getSessionToken();
  });

  test('save a Note readable only by its owner; the owner finds it, another user does not', async () => {
    expect(Parse.User.current().id).toBe(alice.id);
    const note = privateNote(alice, 'alice only');
    await note.save();
    expect(note.id).toBeTruthy();
    const mine = await new Parse.Query('Note').equalTo('text', 'alice only').find();
    expect(mine.map(o => o.id)).toEqual([note.id]);
    expect((await new Parse.Query('Note').get(note.id)).get('text')).toBe('alice only');
    const theirs = await new Parse.Query('Note').equalTo('text', 'alice only').find({ sessionToken: bobToken });
    expect(theirs).toEqual([]);
    await expectParseError(new Parse.Query('Note').get(note.id, { sessionToken: bobToken }), 101, 'Object not found.');
    // Writes follow the ACL too.
    note.set('text', 'alice only, edited');
    await note.save();
    await expectParseError(note.save({ text: 'bob was here' }, { sessionToken: bobToken }), 101, 'Object not found.');
    expect((await new Parse.Query('Note').get(note.id)).get('text')).toBe('alice only, edited');
  });

  test('a beforeSave trigger sees request.user of the access token', async () => {
    const note = privateNote(alice, 'stamped', { stampUser: true });
    await note.save();
    expect(note.get('savedBy')).toBe(alice.id);
    const bobs = privateNote(bob, 'stamped by bob', { stampUser: true });
    await bobs.save(null, { sessionToken: bobToken });
    expect(bobs.get('savedBy')).toBe(bob.id);
    const fromServer = await new Parse.Query('Note').get(bobs.id, { sessionToken: bobToken });
    expect(fromServer.get('savedBy')).toBe(bob.id);
  });

  test('a cloud function sees request.user; the session token it reads comes back as the access token', async () => {
    expect(await Parse.Cloud.run('whoAmI')).toEqual({ id: alice.id, token: aliceToken });
    expect(await Parse.Cloud.run('whoAmI', {}, { sessionToken: bobToken })).toEqual({ id: bob.id, token: bobToken });
    // Queries run inside cloud code with request.user's session follow the ACLs.
    const aliceCount = await Parse.Cloud.run('countNotes');
    const bobCount = await Parse.Cloud.run('countNotes', {}, { sessionToken: bobToken });
    const aliceNotes = await new Parse.Query('Note').count();
    const bobNotes = await new Parse.Query('Note').count({ sessionToken: bobToken });
    expect(aliceCount).toBe(aliceNotes);
    expect(bobCount).toBe(bobNotes);
    expect(aliceCount).toBeGreaterThan(0);
  });

  test('a forged or expired access token is refused by every SDK call with 209 and its reason', async () => {
    const expired = forge({ claims: { sub: alice.id, sid: server.verify(aliceToken).sid }, exp: Math.floor(Date.now() / 1000) - 60 });
    const before = await sessionRows(server);
    await expectParseError(new Parse.Query('Note').find({ sessionToken: expired }), 209, 'Access token expired.');
    await expectParseError(Parse.Cloud.run('whoAmI', {}, { sessionToken: expired }), 209, 'Access token expired.');
    const foreign = forge({ secret: 'another-apps-secret-of-at-least-32-bytes!!', claims: { sub: alice.id } });
    await expectParseError(privateNote(alice, 'nope').save(null, { sessionToken: foreign }), 209, 'Invalid access token: bad signature.');
    expect(await sessionRows(server)).toEqual(before);
  });
});

describe('Parse.User.become', () => {
  test('become(accessToken) makes that user current; later SDK calls use the access token', async () => {
    const user = await restSignUp();
    const became = await Parse.User.become(user.accessToken);
    expect(became.id).toBe(user.userId);
    expect(Parse.User.current().id).toBe(user.userId);
    expect(Parse.User.current().getSessionToken()).toBe(user.accessToken);
    expect(JSON.stringify(became._toFullJSON())).not.toMatch(RAW_SESSION_TOKEN);
    const note = privateNote(became, 'after become', { stampUser: true });
    await note.save();
    expect(note.get('savedBy')).toBe(user.userId);
    expect(await Parse.Cloud.run('whoAmI')).toEqual({ id: user.userId, token: user.accessToken });
  });

  test('become with a forged, expired or unknown-session token is refused and sets no user', async () => {
    const current = Parse.User.current();
    const user = await restSignUp();
    const sid = server.verify(user.accessToken).sid;
    await expectParseError(Parse.User.become(forge({ secret: 'another-apps-secret-of-at-least-32-bytes!!' })), 209, 'Invalid access token: bad signature.');
    await expectParseError(Parse.User.become(forge({ claims: { sub: user.userId, sid }, exp: Math.floor(Date.now() / 1000) - 60 })), 209, 'Access token expired.');
    await expectParseError(Parse.User.become(forge({ claims: { sub: user.userId, sid: 'noSuchSession' } })), 209, 'Session revoked.');
    expect(Parse.User.current()).toBe(current);
  });
});

describe('LiveQuery', () => {
  let alice;
  let aliceToken;
  let bob;
  let bobToken;
  beforeAll(async () => {
    bob = await sdkSignUp();
    bobToken = bob.getSessionToken();
    alice = await sdkSignUp();
    aliceToken = alice.getSessionToken();
  });

  test('a subscriber with an access token receives what its user may read, and nothing else', async () => {
    const aliceClient = openLiveQueryClient(aliceToken);
    const bobClient = openLiveQueryClient(bobToken);
    const aliceSub = aliceClient.subscribe(new Parse.Query('Note'), aliceToken);
    const bobSub = bobClient.subscribe(new Parse.Query('Note'), bobToken);
    await Promise.all([aliceSub.subscribePromise, bobSub.subscribePromise]);
    const aliceSees = recordCreates(aliceSub);
    const bobSees = recordCreates(bobSub);

    const forBob = privateNote(bob, 'live: bob only');
    await forBob.save(null, { sessionToken: bobToken });
    const forAlice = privateNote(alice, 'live: alice only');
    await forAlice.save(null, { sessionToken: aliceToken });

    expect((await aliceSees.waitFor(forAlice.id)).get('text')).toBe('live: alice only');
    expect((await bobSees.waitFor(forBob.id)).get('text')).toBe('live: bob only');
    await sleep(500); // let any event that should not come arrive
    expect(aliceSees.seen.map(o => o.id)).toEqual([forAlice.id]);
    expect(bobSees.seen.map(o => o.id)).toEqual([forBob.id]);
  });

  test('query.subscribe() on the default client uses the current user\'s access token', async () => {
    const user = await sdkSignUp(); // current user; the default LiveQuery client is created with its token
    const subscription = await new Parse.Query('Note').subscribe();
    const sees = recordCreates(subscription);
    const other = await restSignUp();
    const hidden = await rest('POST', '/classes/Note', { sessionToken: other.accessToken, body: { text: 'live: hidden', ACL: { [other.userId]: { read: true, write: true } } } });
    expect(hidden.status).toBe(201);
    const visible = privateNote(user, 'live: mine');
    await visible.save();
    await sees.waitFor(visible.id);
    await sleep(500);
    expect(sees.seen.map(o => o.id)).toEqual([visible.id]);
    await subscription.unsubscribe();
  });

  test('a forged, expired or revoked access token is refused (209), not served as anonymous', async () => {
    const victim = await restSignUp();
    const sid = server.verify(victim.accessToken).sid;
    const client = openLiveQueryClient(undefined);
    const forged = await expectRefusedSubscription(client, forge({ secret: 'another-apps-secret-of-at-least-32-bytes!!', claims: { sub: victim.userId, sid } }), 'Invalid access token: bad signature.');
    const expired = await expectRefusedSubscription(client, forge({ claims: { sub: victim.userId, sid }, exp: Math.floor(Date.now() / 1000) - 60 }), 'Access token expired.');
    const revoked = await rest('POST', '/users/revoke', { body: { code: victim.refreshToken } });
    expect(revoked.status).toBe(200);
    const afterRevoke = await expectRefusedSubscription(client, victim.accessToken, 'Session revoked.');
    // A token on the connection (no token on the subscription) is checked the same way.
    const forgedConnection = openLiveQueryClient(forge({ secret: 'another-apps-secret-of-at-least-32-bytes!!' }));
    const viaConnection = await expectRefusedSubscription(forgedConnection, undefined, 'Invalid access token: bad signature.');
    // An anonymous subscriber would receive a public Note: the refused ones receive nothing.
    const anonymous = client.subscribe(new Parse.Query('Note'));
    await anonymous.subscribePromise;
    const anonymousSees = recordCreates(anonymous);
    const publicNote = new Parse.Object('Note');
    publicNote.set('text', 'live: public');
    await publicNote.save(null, { sessionToken: (await restSignUp()).accessToken });
    await anonymousSees.waitFor(publicNote.id);
    await sleep(500);
    for (const refused of [forged, expired, afterRevoke, viaConnection]) expect(refused.seen).toEqual([]);
  });
});

describe('logout', () => {
  const originalController = Parse.CoreManager.getUserController();
  afterEach(() => Parse.CoreManager.setUserController(originalController));

  test("the SDK's logOut() alone leaves the server session alive (it POSTs /logout only for r: tokens)", async () => {
    const user = await sdkSignUp();
    const token = user.getSessionToken();
    expect(token).not.toContain('r:');
    await Parse.User.logOut();
    expect(Parse.User.current()).toBeNull();
    // The documented SDK behaviour: the row and the access token survive the SDK's logout.
    expect(await sessionRow(token)).toBeDefined();
    const me = await rest('GET', '/users/me', { sessionToken: token });
    expect(me.status).toBe(200);
    expect(me.body.objectId).toBe(user.id);
    // Clean up: the explicit-token form does POST /logout.
    await Parse.User.logOut({ sessionToken: token });
    expect(await sessionRow(token)).toBeUndefined();
  });

  test('with installParseLogout(Parse), logOut() ends the server session: row gone, access token 209', async () => {
    expect(installParseLogout(Parse)).toBe(Parse);
    installParseLogout(Parse); // idempotent: still one /logout per logOut()
    const user = await sdkSignUp();
    const name = user.getUsername();
    const token = user.getSessionToken();
    const other = await restSignUp(); // another user's session is not touched
    expect(await sessionRow(token)).toBeDefined();
    await Parse.User.logOut();
    expect(Parse.User.current()).toBeNull();
    expect(await sessionRow(token)).toBeUndefined();
    expect(await sessionRow(other.accessToken)).toBeDefined();
    const me = await rest('GET', '/users/me', { sessionToken: token });
    expect(me.status).toBe(400);
    expect(me.body).toEqual({ code: 209, error: 'Session revoked.', reason: 'session_revoked' });
    expect(me.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
    await expectParseError(Parse.User.become(token), 209, 'Session revoked.');
    // The user can log in again afterwards.
    const again = await Parse.User.logIn(name, PASSWORD);
    expect(again.id).toBe(user.id);
    const againToken = again.getSessionToken();
    expect(await sessionRow(againToken)).toBeDefined();
    await Parse.User.logOut();
    expect(await sessionRow(againToken)).toBeUndefined();
    // With nobody logged in, logOut() sends nothing and resolves.
    await expect(Parse.User.logOut()).resolves.toBeUndefined();
  });

  test('with installParseLogout, a token the server already revoked: logged out locally, the promise rejects with 209', async () => {
    installParseLogout(Parse);
    const user = await restSignUp();
    await Parse.User.become(user.accessToken);
    const revoked = await rest('POST', '/users/revoke', { body: { code: user.refreshToken } });
    expect(revoked.status).toBe(200);
    await expectParseError(Parse.User.logOut(), 209, 'Session revoked.');
    expect(Parse.User.current()).toBeNull();
  });

  test('POST /users/revoke with the refresh token ends the session the SDK is using', async () => {
    const user = await restSignUp(); // REST key: the refresh token is in the body
    await Parse.User.become(user.accessToken);
    const note = privateNote(Parse.User.current(), 'before revoke');
    await note.save();
    const revoked = await rest('POST', '/users/revoke', { body: { code: user.refreshToken } });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toEqual({});
    expect(await sessionRow(user.accessToken)).toBeUndefined();
    await expectParseError(new Parse.Query('Note').get(note.id), 209, 'Session revoked.');
    await expectParseError(Parse.Cloud.run('whoAmI'), 209, 'Session revoked.');
    await expectParseError(Parse.User.current().fetch(), 209, 'Session revoked.');
    const refresh = await rest('POST', '/users/refresh', { body: { client: user.userId, code: user.refreshToken } });
    expect(refresh.body).toEqual({ code: 209, error: 'Invalid refresh token.', reason: 'refresh_token_invalid' });
    await Parse.User.logOut().catch(() => {}); // local cleanup only: the session is already gone
    expect(Parse.User.current()).toBeNull();
  });
});
