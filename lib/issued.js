'use strict';
// Pairs minted when Parse created a session, waiting for the response that carries the session's
// `r:` token to a client (REST, /batch, GraphQL, a cloud function's result). The response rewriter
// takes them out; a pair nobody sent (an in-process login whose token stayed on the server) ages
// out. Bounded, short-lived, and never persisted.
const TTL_MS = 60 * 1000;
const CAPACITY = 10000;

class IssuedPairs {
  constructor() {
    this.pairs = new Map();
  }

  put(sessionToken, pair) {
    this.sweep();
    if (this.pairs.size >= CAPACITY) this.pairs.delete(this.pairs.keys().next().value);
    this.pairs.set(sessionToken, { pair, expires: Date.now() + TTL_MS });
  }

  take(sessionToken) {
    const entry = this.pairs.get(sessionToken);
    if (!entry) return undefined;
    this.pairs.delete(sessionToken);
    return entry.expires > Date.now() ? entry.pair : undefined;
  }

  sweep() {
    const now = Date.now();
    for (const [token, entry] of this.pairs) {
      if (entry.expires > now) break; // insertion order is expiry order
      this.pairs.delete(token);
    }
  }
}

module.exports = { IssuedPairs };
