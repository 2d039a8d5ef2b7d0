'use strict';
// The request a piece of work belongs to. Parse Server runs a request's handlers, its /batch
// sub-requests and its in-process cloud code (directAccess) in that request's async context, so a
// session created anywhere in it (RestWrite.createSession) can hand its pair to that request's
// response, and to no other.
const { AsyncLocalStorage } = require('async_hooks');

const storage = new AsyncLocalStorage();

/** Runs `work` (and everything it starts) as part of the request whose state is `state`. */
function runInRequest(state, work) {
  return storage.run(state, work);
}

/** The state of the request the current code runs for, or undefined outside any request. */
function currentRequest() {
  return storage.getStore();
}

module.exports = { runInRequest, currentRequest };
