'use strict';
// Outgoing bodies of one request. Only tokens that belong to this request are touched:
//  - a session created by this request (a login, a signup, a cloud function's Parse.User.logIn): its
//    raw token becomes the pair minted for it, the refresh token beside the `sessionToken` field that
//    carries it (GraphQL: in `extensions.refreshTokens`, whatever the query selected);
//  - the session the request was authenticated with: its raw token becomes the access token the
//    client sent (it already holds it), except in answers to the master or maintenance key;
//  - a pair made by issueTokens in this request: its refresh token joins the access token it was
//    returned with, in the body or as the cookie;
//  - the request's own legacy `r:` token, where Parse returns it as `sessionToken`: the one-time
//    exchange for a pair.
// No token is ever minted for other token-shaped text (user data, error messages): it is not looked
// up, so the work per response is bounded by its size. The private `_Session` fields are removed.
const { RefreshTokenPlugin } = require('./plugin');
const { FIELD_NAMES } = require('./sessions');

const PRIVATE = new Set(FIELD_NAMES);
const PRIVATE_PREFIX = '"refreshToken'; // every private field name starts with it

/** Cheap pre-check on the serialized body: most responses carry nothing of this request's. */
function needsRewrite(serialized, state) {
  if (serialized.includes(PRIVATE_PREFIX)) return true;
  if (state.graphql && state.issued.size) return true;
  for (const token of ownTokens(state)) if (serialized.includes(token)) return true;
  for (const access of state.issuedAccess.keys()) if (serialized.includes(access)) return true;
  return false;
}

function ownTokens(state) {
  const tokens = [...state.issued.keys()];
  if (state.keyRequest) return tokens;
  if (state.translated) tokens.push(state.translated.sessionToken);
  if (state.legacyToken) tokens.push(state.legacyToken);
  return tokens;
}

/**
 * raw token -> { sessionToken, pair }: the access token it becomes and, for a session created or
 * exchanged in this request, the pair whose other fields join it where Parse returns it.
 */
async function replacementsFor(body, serialized, state) {
  const replacements = new Map();
  for (const [token, pair] of state.issued) replacements.set(token, { sessionToken: pair.access.accessToken, pair });
  // A key request (master, maintenance) gets Parse's own answer: its clients (the LiveQuery server
  // clearing its role cache) look sessions up by the raw token, even when a session token rides along.
  if (state.keyRequest) return replacements;
  if (state.translated) replacements.set(state.translated.sessionToken, { sessionToken: state.translated.accessToken });
  const legacy = state.legacyToken;
  if (legacy && !replacements.has(legacy) && serialized.includes(legacy)) {
    // The request's own legacy token: exchanged for a pair where Parse returns it as sessionToken
    // (its refresh token can be delivered there), else an access token for the same session.
    const exchange = returnsAsSessionToken(body, legacy);
    const exchanged = await state.plugin.exchangeLegacy(state.config, legacy, { startChain: exchange });
    if (exchanged) replacements.set(legacy, { sessionToken: exchanged.access.accessToken, pair: exchange ? exchanged : undefined });
  }
  return replacements;
}

/** True if `token` is the value of a `sessionToken` field somewhere in `value`. */
function returnsAsSessionToken(value, token) {
  if (Array.isArray(value)) return value.some(item => returnsAsSessionToken(item, token));
  if (!value || typeof value !== 'object') return false;
  return Object.keys(value).some(key => (key === 'sessionToken' && value[key] === token) || returnsAsSessionToken(value[key], token));
}

/** A pair's response fields; its refresh token is delivered once (body, cookie, or not at all). */
function pairFields(pair, state) {
  const refreshToken = state.delivered.has(pair) ? undefined : deliver(pair.refreshToken, state);
  state.delivered.add(pair);
  return RefreshTokenPlugin.pairFields(pair.access, refreshToken);
}

/** The refresh token if it goes in the body; set as the cookie in cookie mode; else dropped. */
function deliver(refreshToken, state) {
  if (!refreshToken) return undefined;
  if (state.refreshDelivery === 'cookie') state.setRefreshCookie(refreshToken);
  return state.refreshDelivery === 'body' ? refreshToken : undefined;
}

/** A pattern for the known tokens inside longer text ("Bearer r:...", a message a function built). */
function embeddedPattern(replacements) {
  const tokens = [...replacements.keys()].map(token => token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return tokens.length ? new RegExp(tokens.join('|')) : null;
}

function applyReplacements(value, context) {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = replaceValue(value[i], context);
    return value;
  }
  if (!value || typeof value !== 'object') return value;
  const { replacements, state } = context;
  for (let key of Object.keys(value)) {
    if (PRIVATE.has(key)) {
      delete value[key];
      continue;
    }
    if (context.pattern && context.pattern.test(key)) {
      const renamed = replaceText(key, context);
      value[renamed] = value[key];
      delete value[key];
      key = renamed;
    }
    const item = value[key];
    const replacement = typeof item === 'string' ? replacements.get(item) : undefined;
    if (replacement) {
      value[key] = replacement.sessionToken;
      if (replacement.pair && key === 'sessionToken' && !state.graphql) {
        const { sessionToken, ...extra } = pairFields(replacement.pair, state);
        Object.assign(value, extra);
      }
    } else {
      value[key] = replaceValue(item, context);
    }
  }
  // A pair issueTokens made in this request: its refresh token follows the delivery rules.
  const issued = typeof value.accessToken === 'string' && state.issuedAccess.get(value.accessToken);
  if (issued) {
    const { refreshToken } = pairFields(issued, state);
    if (refreshToken && !state.graphql) value.refreshToken = refreshToken;
  }
  return value;
}

function replaceValue(item, context) {
  if (typeof item === 'string') return context.pattern && context.pattern.test(item) ? replaceText(item, context) : item;
  return applyReplacements(item, context);
}

function replaceText(text, context) {
  return text.replace(new RegExp(context.pattern.source, 'g'), token => context.replacements.get(token).sessionToken);
}

/** Rewrites `body` in place (and returns it). */
async function rewriteBody(body, serialized, state) {
  const replacements = await replacementsFor(body, serialized, state);
  const context = { replacements, state, pattern: embeddedPattern(replacements) };
  const result = applyReplacements(body, context);
  if (state.graphql && state.issued.size && result && typeof result === 'object' && !Array.isArray(result)) {
    // GraphQL answers only the fields a query asked for (under its aliases): this request's pairs
    // travel in `extensions`, whether or not the query selected the token.
    const pairs = [...state.issued.values()].map(pair => pairFields(pair, state));
    result.extensions = { ...(result.extensions || {}), refreshTokens: pairs };
  }
  return result;
}

module.exports = { rewriteBody, needsRewrite };
