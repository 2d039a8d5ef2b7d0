'use strict';
// The request side of the OAuth endpoints: their form body, read before Parse's parsers (bounded in
// size and time, like the Parse endpoints' bodies), and its parameters (RFC 6749 3.2: an empty value
// is an omitted parameter, a repeated one is invalid_request).
const { readBody, parseForm, TOO_LARGE, TOO_SLOW } = require('./body');
const { OAuthError, OAUTH_MESSAGES, sendOAuthError } = require('./oauth-errors');

const FORM = Symbol('parse-server-refresh-token.oauth-form');
const FORM_TYPE = 'application/x-www-form-urlencoded';

/** Reads the form; resolves false when the request has been answered here. */
async function readOAuthForm(plugin, req, res) {
  const raw = await readBody(req, plugin.options.maxBodyBytes, plugin.options.endpointTimeout * 1000);
  if (raw === TOO_LARGE) return refuse(res, new OAuthError('invalid_request', OAUTH_MESSAGES.tooLarge, 413));
  if (raw === TOO_SLOW) {
    refuse(res, new OAuthError('invalid_request', OAUTH_MESSAGES.tooSlow, 408));
    req.destroy();
    return false;
  }
  const type = String(req.headers['content-type'] || '').split(';')[0].trim().toLowerCase();
  if (type !== FORM_TYPE) return refuse(res, new OAuthError('invalid_request', OAUTH_MESSAGES.notForm));
  req[FORM] = parseForm(raw);
  // Parse's parsers skip the finished stream, and nothing of the form reaches Parse's own steps
  // (no `_method` override, no body `_ApplicationId`).
  req.body = {};
  return true;
}

function refuse(res, error) {
  sendOAuthError(res, error);
  return false;
}

const formOf = req => req[FORM] || new Map();

/** The one value of a parameter, or undefined when it is absent or empty. */
function optionalParam(form, name) {
  const values = (form.get(name) || []).filter(value => value !== '');
  if (values.length > 1) throw new OAuthError('invalid_request', OAUTH_MESSAGES.repeated(name));
  return values[0];
}

function requiredParam(form, name) {
  const value = optionalParam(form, name);
  if (value === undefined) throw new OAuthError('invalid_request', OAUTH_MESSAGES.required(name));
  return value;
}

/**
 * A public client names itself with client_id, the app id of the app whose mount the request reached
 * (Parse's handleParseAuth bound req.config to it); naming any other app is invalid_client.
 */
function checkClientId(form, config, { required }) {
  const clientId = required ? requiredParam(form, 'client_id') : optionalParam(form, 'client_id');
  if (clientId !== undefined && clientId !== config.applicationId) throw new OAuthError('invalid_client', OAUTH_MESSAGES.unknownClient);
}

module.exports = { readOAuthForm, formOf, optionalParam, requiredParam, checkClientId };
