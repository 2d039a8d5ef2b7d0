'use strict';
// Outgoing bodies: no raw `r:` session token and no private `_Session` field leaves the server.
// A token Parse just created becomes the pair minted for it; the token the request was translated
// from becomes the access token the client sent; any other becomes a fresh access token for its
// session (or disappears if it has none).
const { RefreshTokenPlugin } = require('./plugin');
const { FIELD_NAMES } = require('./sessions');

const SESSION_TOKEN = /^r:[0-9a-f]{32}$/;
// A token inside a longer string ("Bearer r:...", a message a cloud function built) counts too.
const EMBEDDED_TOKEN = /r:[0-9a-f]{32}/g;
const HAS_TOKEN = /r:[0-9a-f]{32}/;
const PRIVATE = new Set(FIELD_NAMES);

/** Cheap pre-check on the serialized body: most responses carry neither a token nor a private field. */
function needsRewrite(serialized) {
  return serialized.includes('"refreshToken') || HAS_TOKEN.test(serialized);
}

// `asSessionToken` collects the tokens found under a `sessionToken` key: only there does the pair's
// refresh token reach the client (see applyReplacements).
function collectTokens(value, found, asSessionToken, key) {
  if (typeof value === 'string') {
    if (SESSION_TOKEN.test(value)) {
      found.add(value);
      if (key === 'sessionToken') asSessionToken.add(value);
    } else {
      for (const embedded of value.match(EMBEDDED_TOKEN) || []) found.add(embedded);
    }
  } else if (Array.isArray(value)) {
    for (const item of value) collectTokens(item, found, asSessionToken);
  } else if (value && typeof value === 'object') {
    for (const name of Object.keys(value)) {
      for (const embedded of name.match(EMBEDDED_TOKEN) || []) found.add(embedded); // a token as a key
      collectTokens(value[name], found, asSessionToken, name);
    }
  }
}

/**
 * What each raw token in the body becomes: `{ sessionToken, extra }` where `extra` holds the pair's
 * other fields (only for freshly issued or exchanged sessions), or `null` to drop the token.
 */
async function resolveReplacements(tokens, ctx, asSessionToken) {
  const { plugin, config } = ctx;
  const replacements = new Map();
  const others = [];
  for (const token of tokens) {
    const issued = plugin.issued.take(token);
    if (issued) {
      replacements.set(token, pairReplacement(issued.access, issued.refreshToken, ctx));
    } else if (ctx.translated && token === ctx.translated.sessionToken) {
      replacements.set(token, { sessionToken: ctx.translated.accessToken, extra: null });
    } else if (ctx.legacyToken === token && asSessionToken.has(token)) {
      // The one-time exchange starts a chain only where its refresh token can be delivered; a legacy
      // token elsewhere (e.g. a cloud function's result) just becomes an access token, below.
      const exchanged = await plugin.exchangeLegacy(config, token);
      replacements.set(token, exchanged ? pairReplacement(exchanged.access, exchanged.refreshToken, ctx) : null);
    } else {
      others.push(token);
    }
  }
  // Any other token (a master-key listing of /sessions, a token a cloud function returned): an
  // access token for its session, all found in one query; a token with no session is dropped.
  const sessions = others.length ? await plugin.store.byTokens(config, others) : new Map();
  for (const token of others) {
    const session = sessions.get(token);
    const access = session && session.userId ? await plugin.accessTokenFor(session) : null;
    replacements.set(token, access ? { sessionToken: access.accessToken, extra: null } : null);
  }
  return replacements;
}

function pairReplacement(access, refreshToken, ctx) {
  const delivery = ctx.refreshDelivery; // 'body' | 'cookie' | 'none'
  if (delivery === 'cookie' && refreshToken) ctx.setRefreshCookie(refreshToken);
  const fields = RefreshTokenPlugin.pairFields(access, delivery === 'body' ? refreshToken : undefined);
  const { sessionToken, ...extra } = fields;
  return { sessionToken, extra };
}

function applyReplacements(value, replacements, ctx) {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      value[i] = replaceValue(value[i], replacements, ctx);
    }
    return value;
  }
  if (!value || typeof value !== 'object') return value;
  if (ctx.refreshDelivery !== 'body' && isPair(value)) {
    // A pair made in cloud code (issueTokens): its refresh token follows javascriptKeyRefresh too.
    if (ctx.refreshDelivery === 'cookie') ctx.setRefreshCookie(value.refreshToken);
    delete value.refreshToken;
  }
  for (let key of Object.keys(value)) {
    if (PRIVATE.has(key)) {
      delete value[key];
      continue;
    }
    if (HAS_TOKEN.test(key)) {
      const renamed = replaceValue(key, replacements, ctx) || '';
      value[renamed] = value[key];
      delete value[key];
      key = renamed;
    }
    const item = value[key];
    if (typeof item === 'string' && replacements.has(item)) {
      const replacement = replacements.get(item);
      if (!replacement) {
        delete value[key];
      } else {
        value[key] = replacement.sessionToken;
        if (replacement.extra && key === 'sessionToken') {
          if (ctx.graphql) ctx.graphqlPairs.push({ sessionToken: replacement.sessionToken, ...replacement.extra });
          else Object.assign(value, replacement.extra);
        }
      }
    } else {
      value[key] = replaceValue(item, replacements, ctx);
    }
  }
  return value;
}

function isPair(value) {
  return typeof value.refreshToken === 'string' && typeof value.accessToken === 'string' && value.token_type === 'Bearer';
}

function replaceValue(item, replacements, ctx) {
  if (typeof item === 'string') {
    if (replacements.has(item)) {
      const replacement = replacements.get(item);
      return replacement ? replacement.sessionToken : null;
    }
    return item.replace(EMBEDDED_TOKEN, token => {
      const replacement = replacements.get(token);
      return replacement ? replacement.sessionToken : '';
    });
  }
  return applyReplacements(item, replacements, ctx);
}

/** Rewrites `body` in place (and returns it). */
async function rewriteBody(body, ctx) {
  const tokens = new Set();
  const asSessionToken = new Set();
  collectTokens(body, tokens, asSessionToken);
  const replacements = tokens.size ? await resolveReplacements(tokens, ctx, asSessionToken) : new Map();
  const result = applyReplacements(body, replacements, ctx);
  if (ctx.graphql && ctx.graphqlPairs.length && result && typeof result === 'object' && !Array.isArray(result)) {
    // GraphQL answers only the fields a query asked for; the pair travels in `extensions`.
    result.extensions = { ...(result.extensions || {}), refreshTokens: ctx.graphqlPairs };
  }
  return result;
}

module.exports = { rewriteBody, needsRewrite, SESSION_TOKEN };
