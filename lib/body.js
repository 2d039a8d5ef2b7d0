'use strict';
// Reads a request body ourselves, with a byte limit, before Parse Server's parser runs (it then skips
// the finished stream and uses our req.body, exactly as if it had parsed it).

const MALFORMED = Symbol('malformed body');
const TOO_LARGE = Symbol('body too large'); // not `null`: that is what a JSON body of `null` parses to

function readRaw(req, limit) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', chunk => {
      size += chunk.length;
      if (size > limit) {
        tooLarge = true;
        chunks.length = 0; // keep draining, store nothing
      } else if (!tooLarge) {
        chunks.push(chunk);
      }
    });
    req.on('end', () => resolve(tooLarge ? TOO_LARGE : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * Parses a JSON body (any content type but multipart, as Parse Server does). Resolves to the parsed
 * value, `undefined` for an empty body, `MALFORMED` for bad JSON, or `TOO_LARGE` when over `limit` bytes.
 */
async function readJsonBody(req, limit) {
  if (req.body !== undefined && req.readableEnded) return req.body; // an earlier parser did it
  const raw = await readRaw(req, limit);
  if (raw === TOO_LARGE) return TOO_LARGE;
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return MALFORMED;
  }
}

function hasBody(req) {
  return req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
}

module.exports = { readJsonBody, hasBody, MALFORMED, TOO_LARGE };
