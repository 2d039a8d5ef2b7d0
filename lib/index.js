'use strict';
// The Parse Server side of parse-server-refresh-token.
const { RefreshTokenPlugin } = require('./plugin');
const { issueTokens, revokeSessions } = require('./cloud');
const { FIELD_NAMES } = require('./sessions');
const { DEFAULTS } = require('./options');
const { rootMetadataHandler } = require('./oauth-metadata');

/**
 * Creates the plugin for one Parse Server app. See README.md for the full, commented set-up:
 *
 *   const tokens = refreshTokens({ secret: process.env.TOKEN_SECRET });
 *   const api = new ParseServer(tokens.parseServerOptions({ appId, masterKey, serverURL, ... }));
 *   app.use('/parse', api.app);
 */
function refreshTokens(options) {
  const plugin = new RefreshTokenPlugin(options);
  return {
    options: plugin.options,
    parseServerOptions: parseOptions => plugin.parseServerOptions(parseOptions),
    issueTokens: (user, opts) => issueTokens(plugin, user, opts),
    revokeSessions: (user, opts) => revokeSessions(plugin, user, opts),
    verifyAccessToken: token => plugin.issuer.verifyAccessToken(token),
    /**
     * The RFC 8414 metadata handler for the host root, at `handler.path` (the path-inserted URL of
     * an issuer with a path): `const h = tokens.oauthMetadataHandler(); app.get(h.path, h);`.
     * Call it after parseServerOptions().
     */
    oauthMetadataHandler: () => {
      if (!plugin.issuerName) throw new Error('parse-server-refresh-token: call oauthMetadataHandler() after parseServerOptions().');
      return rootMetadataHandler(plugin);
    },
    get issuer() {
      return plugin.issuer;
    },
    plugin,
  };
}

module.exports = { refreshTokens, PRIVATE_SESSION_FIELDS: FIELD_NAMES, DEFAULT_OPTIONS: DEFAULTS, ...require('./client/logout') };
