'use strict';
// A raw HTTP client for Parse's REST API, returning status, headers, text and the parsed body.
const { APP_ID, REST_KEY, MASTER_KEY, JAVASCRIPT_KEY } = require('./parse-server');

function restClient(server) {
  return async function call(method, path, { body, sessionToken, headers = {}, master = false, javascript = false, raw } = {}) {
    const h = { 'X-Parse-Application-Id': APP_ID, ...headers };
    if (master) h['X-Parse-Master-Key'] = MASTER_KEY;
    else if (javascript) h['X-Parse-Javascript-Key'] = JAVASCRIPT_KEY;
    else h['X-Parse-REST-API-Key'] = REST_KEY;
    if (sessionToken !== undefined) h['X-Parse-Session-Token'] = sessionToken;
    let payload = raw;
    if (body !== undefined && raw === undefined) {
      payload = JSON.stringify(body);
      h['Content-Type'] = 'application/json';
    }
    for (const [k, v] of Object.entries(h)) if (v === null) delete h[k];
    return readResponse(await fetch(`${server.serverURL}${path}`, { method, headers: h, body: payload }));
  };
}

/** A fetch response as status, headers, text and the parsed body (undefined when it is not JSON). */
async function readResponse(response) {
  const text = await response.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, body: json, text };
}

module.exports = { restClient, readResponse, APP_ID, JAVASCRIPT_KEY };
