'use strict';
// Tokens never reach a log. Parse Server logs function results and triggers at info level and whole
// requests and responses at verbose level; for a plugin app every log line goes through here first.
// Redaction is by shape (Parse's `r:` tokens, compact JWS access tokens, this plugin's refresh
// tokens) and by field name, so a token is hidden wherever a function or a trigger put it.

const REDACTED = '[redacted]';
const SHAPES = [
  /r:[0-9a-f]{32}/g, // Parse's session tokens
  /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g, // access tokens (any compact JWS)
  /(?<![A-Za-z0-9_-])AR[A-Za-z0-9_-]{78}(?![A-Za-z0-9_-])/g, // refresh tokens: version 1, a 22-character family
];
const TOKEN_FIELDS = new Set(['sessionToken', 'accessToken', 'refreshToken', 'code', '_SessionToken']);
const JSON_TOKEN_FIELD = /("(?:sessionToken|accessToken|refreshToken|_SessionToken)"\s*:\s*")[^"]*"/g;
const MAX_DEPTH = 12;

function redactText(text) {
  let result = text.replace(JSON_TOKEN_FIELD, `$1${REDACTED}"`);
  for (const shape of SHAPES) result = result.replace(shape, REDACTED);
  return result;
}

/** Deeper than MAX_DEPTH: the subtree as redacted JSON text (nothing passes unredacted). */
function redactedJson(value) {
  try {
    return redactText(JSON.stringify(value));
  } catch {
    return REDACTED; // cyclic or not serialisable: say nothing of it
  }
}

/**
 * A redacted copy of a log argument (never the argument itself: it may be a live response body).
 * `copies` maps each object already copied to its copy: a shared object is redacted every time it
 * appears, and a cycle ends at the copy being made.
 */
function redactValue(value, depth = 0, copies = new Map()) {
  if (typeof value === 'string') return redactText(value);
  if (typeof value === 'function') return (...args) => redactValue(value(...args), depth, copies);
  if (!value || typeof value !== 'object') return value;
  if (copies.has(value)) return copies.get(value);
  if (depth > MAX_DEPTH) return redactedJson(value);
  if (value instanceof Error) {
    const copy = Object.create(Object.getPrototypeOf(value));
    copies.set(value, copy);
    for (const key of Object.getOwnPropertyNames(value)) copy[key] = redactValue(value[key], depth + 1, copies);
    return copy;
  }
  if (Array.isArray(value)) {
    const copy = [];
    copies.set(value, copy);
    for (const item of value) copy.push(redactValue(item, depth + 1, copies));
    return copy;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    // Class instances (Parse objects, Buffers): logged through their JSON form when they have one,
    // else as redacted JSON text.
    return typeof value.toJSON === 'function' ? redactValue(value.toJSON(), depth + 1, copies) : redactedJson(value);
  }
  const copy = {};
  copies.set(value, copy);
  for (const key of Object.keys(value)) {
    const item = value[key];
    copy[key] = TOKEN_FIELDS.has(key) && typeof item === 'string' ? REDACTED : redactValue(item, depth + 1, copies);
  }
  return copy;
}

module.exports = { redactValue, redactText, REDACTED };
