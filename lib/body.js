'use strict';
// The body of a plugin endpoint, read before Parse's own parser (which then skips the finished stream
// and works on our req.body exactly as if it had parsed it: JSON, any content type but multipart).
// Read here so that it is bounded in size and in time: these endpoints take no session, and their
// bodies are a few hundred bytes.

const MALFORMED = Symbol('malformed body');
const TOO_LARGE = Symbol('body too large'); // not `null`: that is what a JSON body of `null` parses to
const TOO_SLOW = Symbol('body too slow');

function readRaw(req, limit, timeoutMs) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    let tooLarge = false;
    const timer = setTimeout(() => resolve(TOO_SLOW), timeoutMs);
    req.on('data', chunk => {
      size += chunk.length;
      if (size > limit) {
        tooLarge = true;
        chunks.length = 0; // keep draining, store nothing
      } else if (!tooLarge) {
        chunks.push(chunk);
      }
    });
    req.on('end', () => {
      clearTimeout(timer);
      resolve(tooLarge ? TOO_LARGE : Buffer.concat(chunks));
    });
    req.on('error', error => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** Resolves to the body's bytes, or `TOO_LARGE` (over `limit` bytes) or `TOO_SLOW` (not all there within `timeoutMs`). */
async function readBody(req, limit, timeoutMs) {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume(); // drain what the client still sends, store nothing
    return TOO_LARGE;
  }
  return readRaw(req, limit, timeoutMs);
}

/**
 * Resolves to the parsed value, `undefined` for an empty body, or `MALFORMED`, `TOO_LARGE` (over
 * `limit` bytes) or `TOO_SLOW` (not all there within `timeoutMs`).
 */
async function readJsonBody(req, limit, timeoutMs) {
  const raw = await readBody(req, limit, timeoutMs);
  if (typeof raw === 'symbol') return raw;
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return MALFORMED;
  }
}

/**
 * An application/x-www-form-urlencoded body as name -> every value given for it, so that a repeated
 * parameter can be told from a single one. Names are taken literally: `a[b]=c` is the name `a[b]`.
 */
function parseForm(raw) {
  const form = new Map();
  for (const [name, value] of new URLSearchParams(raw.toString('utf8'))) {
    if (!form.has(name)) form.set(name, []);
    form.get(name).push(value);
  }
  return form;
}

module.exports = { readBody, readJsonBody, parseForm, MALFORMED, TOO_LARGE, TOO_SLOW };
