'use strict';
// Cloud code for the integration tests. `plugin()` returns the refresh-token plugin (or null).
module.exports = plugin => Parse => {
  Parse.Cloud.define('loginInCloud', async request => {
    const user = await Parse.User.logIn(request.params.username, request.params.password);
    return { user, token: user.getSessionToken() };
  });
  Parse.Cloud.define('whoAmI', request => ({ id: request.user && request.user.id, token: request.user && request.user.getSessionToken() }));
  Parse.Cloud.define('customLogin', async request => {
    // A custom flow: the caller proves who they are some other way; here, by a shared code.
    if (request.params.code !== 'letmein') throw new Parse.Error(Parse.Error.VALIDATION_ERROR, 'Bad code.');
    const user = await new Parse.Query(Parse.User).equalTo('username', request.params.username).first({ useMasterKey: true });
    if (!user) throw new Parse.Error(Parse.Error.OBJECT_NOT_FOUND, 'No such user.');
    return plugin().issueTokens(user, { installationId: request.installationId });
  });
  Parse.Cloud.define('revokeMySessions', async request => {
    if (!request.user) throw new Parse.Error(Parse.Error.INVALID_SESSION_TOKEN, 'Login required.');
    return plugin().revokeSessions(request.user, { exceptSessionId: request.params.keepSessionId });
  });
  Parse.Cloud.define('logOutElsewhere', async request => {
    if (!request.user) throw new Parse.Error(Parse.Error.INVALID_SESSION_TOKEN, 'Login required.');
    return plugin().revokeSessions(request.user, { exceptSessionToken: request.user.getSessionToken() });
  });
  Parse.Cloud.define('tokenInText', request => {
    // A careless function that puts the caller's session token into text and into a key.
    const token = request.user.getSessionToken();
    return { message: `your token is ${token}!`, list: [`Bearer ${token}`], byToken: { [token]: 'yes' } };
  });
  Parse.Cloud.define('echoContext', request => ({ context: request.context, params: request.params, user: request.user && request.user.id }));
  // parse-bound.spec.js: what a careless function may put in Parse's logs.
  Parse.Cloud.define('logTwice', request => {
    const note = { note: `token ${request.user.getSessionToken()}` };
    request.log.info('logTwice', { first: note, second: note });
    return 'logged';
  });
  Parse.Cloud.define('deepResult', request => {
    let value = { sessionToken: request.user.getSessionToken() };
    for (let i = 0; i < 16; i++) value = { n: value };
    return value;
  });
  Parse.Cloud.define('countNotes', async request => {
    return new Parse.Query('Note').count({ sessionToken: request.user && request.user.getSessionToken() });
  });
  // parse-sdk.spec.js: a trigger sees request.user; only Notes that ask for it are stamped.
  Parse.Cloud.beforeSave('Note', request => {
    if (request.object.get('stampUser') === true) request.object.set('savedBy', request.user ? request.user.id : 'anonymous');
  });
};
