'use strict';
// POST <mount>/oauth/revoke (RFC 7009): 200 with an empty body for any token, valid or not. A refresh
// token ends its session, as /users/revoke does; so does an access token, since revocation here is by
// session (the revocation list holds session ids, not token ids), ending every token of that login.
const { isAccessToken } = require('./plugin');
const { revoke, requestFacts } = require('./refresh');
const { sendJson, withinTimeout } = require('./responses');
const { NO_STORE } = require('./oauth-errors');
const { formOf, optionalParam, requiredParam, checkClientId } = require('./oauth-request');

async function revokeEndpoint(plugin, state, req, res) {
  const form = formOf(req);
  checkClientId(form, state.config, { required: false });
  const token = requiredParam(form, 'token');
  // The hint is only a hint (RFC 7009 2.1): both kinds are recognised by their shape.
  optionalParam(form, 'token_type_hint');
  const request = requestFacts(plugin, req);
  await withinTimeout(plugin, revokeToken(plugin, state.config, token, request));
  return sendJson(res, 200, undefined, NO_STORE);
}

async function revokeToken(plugin, config, token, request) {
  if (isAccessToken(token)) {
    const live = await plugin.sessionOfAccessToken(config, token);
    if (live) await plugin.revokeSession(config, live.session, 'revoke', request);
    return;
  }
  await revoke(plugin, config, { code: token }, request);
}

module.exports = { revokeEndpoint };
