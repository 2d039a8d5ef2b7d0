'use strict';
// What leaves the server for a request of a plugin app: Parse's answers are rewritten before they
// are sent (res.json for REST, res.send(string) for GraphQL) so that no raw `r:` token and no private
// field leaves, and the plugin's own answers share one shape.
const { parseServerModules, isDatabaseUnavailable } = require('./parse');
const { parseError, sendParseError, bearerChallenge, withReason } = require('./errors');
const { rewriteBody, needsRewrite } = require('./rewrite');

const HOOKED = Symbol('parse-server-refresh-token.hooked');

/** Rewrites what Parse sends for this request before it leaves. */
function hookResponse(res, state) {
  if (res[HOOKED]) return;
  res[HOOKED] = true;
  const { json, send } = res;
  const restore = () => {
    res.json = json;
    res.send = send;
  };
  const deliver = (serialized, parsed) => {
    restore();
    // Parse's own 209s (its error handler's bodies) get the same stable reason as the plugin's.
    const reasoned = withReason(parsed);
    if (reasoned !== parsed) {
      parsed = reasoned;
      serialized = JSON.stringify(reasoned);
    }
    if (!needsRewrite(serialized, state)) {
      finish(res, parsed);
      return send.call(res, serialized);
    }
    rewriteBody(parsed, serialized, state)
      .then(body => {
        finish(res, body);
        send.call(res, JSON.stringify(body));
      })
      .catch(error => sendFailure(res, error));
    return res;
  };
  res.json = function jsonWithoutSessionTokens(body) {
    if (!res.get('Content-Type')) res.set('Content-Type', 'application/json; charset=utf-8');
    const serialized = JSON.stringify(body);
    if (serialized === undefined) {
      restore();
      return json.call(res, body);
    }
    return deliver(serialized, body);
  };
  res.send = function sendWithoutSessionTokens(body) {
    // Only JSON can carry a session token; look at the first bytes before decoding a whole Buffer.
    const looksLikeJson = Buffer.isBuffer(body) ? /^\s*[[{]/.test(body.subarray(0, 64).toString('latin1')) : typeof body === 'string' && /^\s*[[{]/.test(body);
    const text = looksLikeJson && Buffer.isBuffer(body) ? body.toString('utf8') : body;
    if (!looksLikeJson) {
      restore();
      return send.call(res, body);
    }
    let parsed;
    try {
      parsed = JSON.parse(text);
    } catch {
      restore();
      return send.call(res, body);
    }
    return deliver(text, parsed);
  };
}

/** After the body is final: Parse's own 209s carry the Bearer challenge too. */
function finish(res, body) {
  if (body && typeof body === 'object' && body.code === 209) res.set('WWW-Authenticate', bearerChallenge(body.error));
  if (Array.isArray(body && body.errors) && body.errors.some(e => e && e.extensions && e.extensions.code === 209)) {
    res.set('WWW-Authenticate', bearerChallenge('Invalid session token'));
  }
}

function sendJson(res, status, body, headers = {}) {
  res.statusCode = status;
  if (body !== undefined) res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store'); // RFC 6749 5.1: token responses are never cached
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.end(body === undefined ? undefined : JSON.stringify(body));
}

/** A failure that is not a Parse verdict: 503 when the database is out of reach, else 500. */
function sendFailure(res, error) {
  const unavailable = isDatabaseUnavailable(error);
  // eslint-disable-next-line no-console
  console.error(`parse-server-refresh-token: ${error && error.stack ? error.stack : error}`);
  if (res.headersSent) return res.end();
  const { Parse } = parseServerModules();
  return sendParseError(
    res,
    parseError(Parse.Error.INTERNAL_SERVER_ERROR, unavailable ? 'Service temporarily unavailable.' : 'Internal server error.'),
    unavailable ? 503 : 500
  );
}

/**
 * An endpoint's database work, bounded by `endpointTimeout`: a database that stops answering (a
 * partition, not a refused connection) gets a 503 instead of a request that hangs without end.
 */
function withinTimeout(plugin, work) {
  const ms = plugin.options.endpointTimeout * 1000;
  let timer;
  const timeout = new Promise((resolve, reject) => {
    timer = setTimeout(() => {
      const error = new Error(`the database did not answer within ${ms} ms`);
      error.code = 'ETIMEDOUT';
      reject(error);
    }, ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

module.exports = { hookResponse, sendJson, sendFailure, withinTimeout };
