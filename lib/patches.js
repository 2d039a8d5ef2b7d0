'use strict';
// Patches on Parse Server's session lifecycle (docs/parse-session-paths.md maps it): every session is
// born in RestWrite.createSession, in-process cloud code and LiveQuery read sessions through
// Auth.getAuthForSessionToken, LiveQuery treats a bad token as anonymous unless getAuthFromClient
// refuses it, and sessions end in logout, password changes, replaced logins and deletes. Each patch
// is a no-op for apps that did not opt in (looked up by appId), and installing twice changes nothing.
// The request pipeline (which token a request carries) is wrapped in pipeline.js.
const { parseServerModules, evictSessionToken, deleteSessionRow, isKeyAuth } = require('./parse');
const { currentRequest } = require('./context');
const { redactValue } = require('./redact');
const { isAccessToken } = require('./plugin');
const { FIELD_NAMES, toSession } = require('./sessions');
const { MESSAGES, invalidSession, parseError } = require('./errors');
const registry = require('./registry');

const INSTALLED = Symbol.for('parse-server-refresh-token.patched');
// sessionData (as RestWrite.createSession returned it) -> its pair, for issueTokens.
const pairsBySessionData = new WeakMap();

function install() {
  const modules = parseServerModules();
  if (modules.Auth[INSTALLED]) return;
  patchCreateSession(modules);
  patchGetAuthForSessionToken(modules);
  patchSessionWrites(modules);
  patchLiveQuery(modules);
  patchLogOut(modules);
  patchPasswordChangeRevocation(modules);
  patchReplacedSessions(modules);
  patchDeletes(modules);
  patchPrivateFieldAggregates(modules);
  patchAuthDataLinking(modules);
  patchLogRedaction(modules);
  modules.Auth[INSTALLED] = true;
}

/** Every new session starts a refresh chain in the same insert, and gets its pair once written. */
function patchCreateSession({ RestWrite }) {
  const original = RestWrite.createSession;
  RestWrite.createSession = function createSessionWithRefreshChain(config, args) {
    const result = original.call(this, config, args);
    const plugin = registry.forApp(config && config.appId);
    if (!plugin) return result;
    const now = new Date();
    // No expiresAt when the app's sessions never expire (expireInactiveSessions: false).
    const expiresAt = result.sessionData.expiresAt;
    const sessionExpiresAt = expiresAt && expiresAt.iso ? new Date(expiresAt.iso) : undefined;
    const chain = plugin.newChain(now, sessionExpiresAt);
    // Overwrites anything a client slipped into additionalSessionData under our names.
    Object.assign(result.sessionData, chain.fields);
    if (chain.refreshExpiresAt && (!sessionExpiresAt || chain.refreshExpiresAt < sessionExpiresAt)) {
      result.sessionData.expiresAt = { __type: 'Date', iso: chain.refreshExpiresAt.toISOString() };
    }
    const write = result.createSession;
    result.createSession = async () => {
      await plugin.store.ensureSchema(config);
      const written = await write();
      const session = {
        objectId: written.response.objectId,
        userId: args.userId,
        installationId: args.installationId,
        sessionToken: result.sessionData.sessionToken,
      };
      const pair = { access: await plugin.accessTokenFor(session), refreshToken: chain.token };
      pairsBySessionData.set(result.sessionData, pair);
      // The pair belongs to the request this login runs for, and to no other response.
      const request = currentRequest();
      if (request && request.plugin === plugin) request.issued.set(session.sessionToken, pair);
      return written;
    };
    return result;
  };
}

/** An access token, wherever Parse reads a session in-process, stands for its session. */
function patchGetAuthForSessionToken({ Auth }) {
  const original = Auth.getAuthForSessionToken;
  Auth.getAuthForSessionToken = async function getAuthForAccessToken(args) {
    const token = args && args.sessionToken;
    if (isAccessToken(token)) {
      // Parse's own callers without a config (LiveQuery's role cache) mean the process's app.
      const plugin = args.config ? registry.forApp(args.config.appId) : registry.sole();
      if (plugin) {
        const { session } = await plugin.resolveAccessToken(args.config || plugin.config(), token);
        return original.call(this, { ...args, sessionToken: session.sessionToken });
      }
    }
    return original.call(this, args);
  };
}

/**
 * Writes of `_Session` by clients (REST, batch, GraphQL): the private fields cannot be written, and
 * a request authenticated by an access token cannot create a session (POST /sessions would turn a
 * 30-minute access token into a year-long session with its own refresh chain).
 */
function patchSessionWrites({ RestWrite, Parse }) {
  const original = RestWrite.prototype.handleSession;
  RestWrite.prototype.handleSession = function guardedHandleSession() {
    if (this.className === '_Session' && !isKeyAuth(this.auth) && registry.forApp(this.config.appId)) {
      const forbidden = FIELD_NAMES.find(name => Object.prototype.hasOwnProperty.call(this.data || {}, name));
      if (forbidden) throw parseError(Parse.Error.INVALID_KEY_NAME, `Invalid key name: ${forbidden}`);
      const request = currentRequest();
      if (!this.query && request && request.translated) throw parseError(Parse.Error.OPERATION_FORBIDDEN, MESSAGES.sessionFromAccessToken);
    }
    return original.apply(this, arguments);
  };
}

/**
 * LiveQuery: it calls Auth without a config, so resolve the access token here, where the server's
 * appId is known; and refuse a subscription whose token is bad instead of serving it anonymously.
 */
function patchLiveQuery({ LiveQueryServer }) {
  const proto = LiveQueryServer.prototype;
  const originalGetAuth = proto.getAuthForSessionToken;
  proto.getAuthForSessionToken = async function getAuthForAccessToken(sessionToken) {
    const plugin = registry.forApp(this.config && this.config.appId);
    if (!plugin || !sessionToken) return originalGetAuth.call(this, sessionToken);
    if (isAccessToken(sessionToken)) {
      try {
        const { session } = await plugin.resolveAccessToken(plugin.config(), sessionToken);
        return await originalGetAuth.call(this, session.sessionToken);
      } catch (error) {
        if (error && error.code === 209) return { error };
        throw error;
      }
    }
    if (plugin.options.legacySessionTokens === 'deny') return { error: invalidSession(MESSAGES.legacyDenied) };
    return originalGetAuth.call(this, sessionToken);
  };

  const originalFromClient = proto.getAuthFromClient;
  proto.getAuthFromClient = async function refuseBadTokens(client, requestId, sessionToken) {
    const plugin = registry.forApp(this.config && this.config.appId);
    if (plugin) {
      const info = client.getSubscriptionInfo(requestId);
      const token = sessionToken || (info && info.sessionToken) || client.sessionToken;
      if (token) {
        const result = await this.getAuthForSessionToken(token);
        if (result && result.error) throw result.error;
      }
    }
    return originalFromClient.call(this, client, requestId, sessionToken);
  };
}

/**
 * Logout (REST and GraphQL share this handler): Parse deletes the row; we also put the session on
 * this instance's revocation list, so its access tokens die here at once rather than after the cache.
 */
function patchLogOut({ UsersRouter }) {
  const original = UsersRouter.prototype.handleLogOut;
  UsersRouter.prototype.handleLogOut = async function handleLogOutAndRevoke(req) {
    const plugin = registry.forApp(req.config && req.config.appId);
    const token = req.info && req.info.sessionToken;
    const session = plugin && typeof token === 'string' && token ? await plugin.store.byToken(req.config, token) : null;
    const result = await original.call(this, req);
    if (session) await plugin.sessionEnded(session, 'logout');
    // Cookie mode: the browser's refresh cookie belonged to the session that just ended.
    const request = currentRequest();
    if (session && request && request.plugin === plugin && plugin.options.browserRefresh === 'cookie') request.clearRefreshCookie();
    return result;
  };
}

/**
 * A password change or reset deletes the user's sessions (revokeSessionOnPasswordReset); we also put
 * them on this instance's revocation list, so their access tokens stop here at once.
 */
function patchPasswordChangeRevocation({ RestWrite }) {
  const original = RestWrite.prototype.handleFollowup;
  RestWrite.prototype.handleFollowup = async function handleFollowupAndRevoke() {
    const plugin = registry.forApp(this.config && this.config.appId);
    if (!plugin || !this.storage || !this.storage.clearSessions || !this.config.revokeSessionOnPasswordReset) {
      return original.apply(this, arguments);
    }
    const where = { user: { __type: 'Pointer', className: '_User', objectId: this.objectId() } };
    return endingSessions(plugin, this.config, where, 'password-change', () => original.apply(this, arguments));
  };
}

/**
 * A new login on the same installation replaces the user's older session there (Parse deletes it
 * without clearing any cache); we also put it on this instance's revocation list.
 */
function patchReplacedSessions({ RestWrite }) {
  const original = RestWrite.prototype.destroyDuplicatedSessions;
  RestWrite.prototype.destroyDuplicatedSessions = async function destroyAndRevokeDuplicates() {
    const plugin = registry.forApp(this.config && this.config.appId);
    const { user, installationId, sessionToken } = this.data || {};
    if (!plugin || this.className !== '_Session' || this.query || !user || !user.objectId || !installationId) {
      return original.apply(this, arguments);
    }
    const where = { user, installationId, sessionToken: { $ne: sessionToken } };
    return endingSessions(plugin, this.config, where, 'replaced', () => original.apply(this, arguments));
  };
}

/**
 * Runs `deleteThem(ending)` (Parse's own deletion of the sessions matching `where`, given them as
 * read before), then tells the plugin each of those sessions ended, so that their access tokens stop
 * on this instance at once.
 */
async function endingSessions(plugin, config, where, reason, deleteThem) {
  const ending = (await config.database.find('_Session', where, {})).map(toSession);
  const result = await deleteThem(ending);
  for (const session of ending) await plugin.sessionEnded(session, reason);
  return result;
}

/**
 * Deletes through Parse's REST layer (`DELETE /sessions/:id`, `/classes/_Session/:id`, `/users/:id`,
 * in /batch or GraphQL): a deleted session, or every session of a deleted user, ends at once. Parse
 * evicts its cache by the row's token, which the plugin hides from its owner, and leaves a deleted
 * user's sessions in place.
 */
function patchDeletes({ rest }) {
  const original = rest.del;
  rest.del = async function delAndEndSessions(config, auth, className, objectId) {
    const plugin = (className === '_Session' || className === '_User') && config && registry.forApp(config.appId);
    if (!plugin || typeof objectId !== 'string') return original.apply(this, arguments);
    const deletingUser = className === '_User';
    const where = deletingUser ? { user: { __type: 'Pointer', className: '_User', objectId } } : { objectId };
    return endingSessions(plugin, config, where, deletingUser ? 'user-deleted' : 'deleted', async ending => {
      const result = await original.apply(this, arguments);
      for (const session of ending) {
        if (deletingUser) await deleteSessionRow(config, session.objectId);
        await evictSessionToken(config, session.sessionToken);
      }
      return result;
    });
  };
}

/**
 * Aggregates and distinct queries of `_Session` that name a private field are refused, for every
 * caller: protectedFields hides the fields by name, and a pipeline could otherwise return their
 * values under any name (`$group: {_id: '$refreshTokenSeed'}`).
 */
function patchPrivateFieldAggregates({ rest, Parse }) {
  const original = rest.find;
  rest.find = function findWithoutPrivateAggregates(config, auth, className, where, options) {
    if (className === '_Session' && options && (options.pipeline || options.distinct) && config && registry.forApp(config.appId)) {
      const text = JSON.stringify([options.pipeline, options.distinct]);
      if (FIELD_NAMES.some(name => text.includes(name))) {
        throw parseError(Parse.Error.OPERATION_FORBIDDEN, MESSAGES.privateFieldAggregate);
      }
    }
    return original.apply(this, arguments);
  };
}

/**
 * Linking a login provider to an existing user (`PUT /users/:id` with authData) creates a way in that
 * outlives the access token that did it. With authDataLinking 'deny', a request authenticated by an
 * access token cannot link one (unlinking, `{provider: null}`, still works).
 */
function patchAuthDataLinking({ RestWrite, Parse }) {
  const original = RestWrite.prototype.validateAuthData;
  RestWrite.prototype.validateAuthData = function validateAuthDataLinking() {
    const plugin = this.className === '_User' && this.query && registry.forApp(this.config.appId);
    const authData = this.data && this.data.authData;
    if (plugin && plugin.options.authDataLinking === 'deny' && authData && typeof authData === 'object' && !isKeyAuth(this.auth)) {
      const linking = Object.keys(authData).some(provider => authData[provider] !== null);
      const request = currentRequest();
      if (linking && request && request.translated) throw parseError(Parse.Error.OPERATION_FORBIDDEN, MESSAGES.linkingRefused);
    }
    return original.apply(this, arguments);
  };
}

/** A plugin app's log lines carry no token (see redact.js); other apps' logs are untouched. */
function patchLogRedaction({ LoggerController }) {
  const original = LoggerController.prototype.maskSensitive;
  LoggerController.prototype.maskSensitive = function maskSensitiveAndTokens(argArray) {
    const masked = original.call(this, argArray);
    return registry.forApp(this.appId) ? masked.map(arg => redactValue(arg)) : masked;
  };
}

/** The pair minted for a session RestWrite.createSession created (undefined for other apps). */
function pairFor(sessionData) {
  return pairsBySessionData.get(sessionData);
}

module.exports = { install, pairFor };
