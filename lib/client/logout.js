'use strict';
// Client side, for apps that use the Parse JavaScript SDK against a server with the plugin.
// No dependencies: browsers and React Native can load it on its own
// (`require('parse-server-refresh-token/client')`) without the native addon or Parse Server.
//
// The SDK's logOut() calls POST /logout only for tokens that contain "r:" (its isRevocableSession
// check); our access tokens are JWTs, so without this the SDK forgets the user locally while the
// server session (and its refresh token) stays alive. installParseLogout(Parse) makes
// Parse.User.logOut() also end the server session for such tokens: it clears the current user as the
// SDK always does, then POSTs /logout with the token it held. Like the SDK's own logout of an r:
// token, the returned promise rejects if the server refuses (e.g. 209 for an expired access token),
// the user being logged out locally either way.

const INSTALLED = Symbol.for('parse-server-refresh-token.parseLogout');

function isRevocableSession(token) {
  // The SDK's own test (parse/lib/*/isRevocableSession.js): the SDK already POSTs /logout for these.
  return token.indexOf('r:') > -1;
}

/** Patches the given Parse SDK (`require('parse')`, `parse/node`, `parse/react-native`). Idempotent. */
function installParseLogout(Parse) {
  const CoreManager = Parse && Parse.CoreManager;
  if (!CoreManager || typeof CoreManager.getUserController !== 'function') {
    throw new Error('parse-server-refresh-token: installParseLogout(Parse) needs the Parse JavaScript SDK object.');
  }
  const controller = CoreManager.getUserController();
  if (controller[INSTALLED]) return Parse;
  const originalLogOut = controller.logOut;
  const logOut = async function logOutEndingServerSession(options) {
    // Parse.User.logOut({ sessionToken }) already POSTs /logout with that token, whatever its shape.
    if (options && options.sessionToken) return originalLogOut.call(this, options);
    const current = await controller.currentUserAsync();
    const token = current ? current.getSessionToken() : undefined;
    const result = await originalLogOut.call(this, options);
    if (typeof token !== 'string' || token === '' || isRevocableSession(token)) return result;
    return CoreManager.getRESTController().request('POST', 'logout', {}, { sessionToken: token });
  };
  CoreManager.setUserController({ ...controller, logOut, [INSTALLED]: true });
  return Parse;
}

module.exports = { installParseLogout };
