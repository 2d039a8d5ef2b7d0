'use strict';
// Cloud code helpers: what a custom login flow or an admin function needs.
const { parseServerModules } = require('./parse');
const { RefreshTokenPlugin } = require('./plugin');
const { parseError } = require('./errors');
const { currentRequest } = require('./context');

function userIdOf(user) {
  const id = typeof user === 'string' ? user : user && (user.id || user.objectId);
  if (typeof id !== 'string' || id === '') {
    const { Parse } = parseServerModules();
    throw parseError(Parse.Error.INVALID_VALUE, 'A user (Parse.User or objectId string) is required.');
  }
  return id;
}

/**
 * Creates a session for `user` and returns its pair, as a login would. For custom login flows in
 * `Parse.Cloud.define`: verify the user however you need, then return this to the client. Inside a
 * request the refresh token is not in the returned object (Parse logs function results): it is added
 * to the response as it leaves. Outside any request (a job, a script) it is returned.
 * With an `installationId`, Parse replaces the user's existing session on that installation.
 */
async function issueTokens(plugin, user, { installationId } = {}) {
  const { RestWrite, Parse } = parseServerModules();
  const userId = userIdOf(user);
  const config = plugin.config();
  const users = await config.database.find('_User', { objectId: userId }, { limit: 1 });
  if (users.length !== 1) throw parseError(Parse.Error.OBJECT_NOT_FOUND, 'User not found.');
  const { sessionData, createSession } = RestWrite.createSession(config, {
    userId,
    createdWith: { action: 'login', authProvider: 'cloud' },
    installationId,
  });
  await createSession();
  const pair = require('./patches').pairFor(sessionData);
  const request = currentRequest();
  if (request && request.plugin === plugin) {
    // Returned from a cloud function: Parse logs function results. The refresh token stays out of
    // the result and joins it only as the response leaves (body or cookie, by the delivery rules).
    request.issued.delete(sessionData.sessionToken);
    request.issuedAccess.set(pair.access.accessToken, pair);
    return RefreshTokenPlugin.pairFields(pair.access, undefined);
  }
  return RefreshTokenPlugin.pairFields(pair.access, pair.refreshToken);
}

/**
 * Ends every session of `user`, except the one named by `exceptSessionId` (its objectId) or by
 * `exceptSessionToken` (in cloud code: `request.user.getSessionToken()`; an access token works too).
 */
async function revokeSessions(plugin, user, { exceptSessionId, exceptSessionToken, reason = 'admin' } = {}) {
  const userId = userIdOf(user);
  const config = plugin.config();
  if (typeof exceptSessionToken === 'string' && exceptSessionToken !== '') {
    const { isAccessToken } = require('./plugin');
    const kept = isAccessToken(exceptSessionToken)
      ? (await plugin.resolveAccessToken(config, exceptSessionToken)).session
      : await plugin.store.byToken(config, exceptSessionToken);
    if (kept) exceptSessionId = kept.objectId;
  }
  const where = { user: { __type: 'Pointer', className: '_User', objectId: userId } };
  const rows = await config.database.find('_Session', where, {});
  const { toSession } = require('./sessions');
  let revoked = 0;
  for (const row of rows) {
    if (row.objectId === exceptSessionId) continue;
    await plugin.revokeSession(config, toSession(row), reason);
    revoked++;
  }
  return revoked;
}

module.exports = { issueTokens, revokeSessions };
