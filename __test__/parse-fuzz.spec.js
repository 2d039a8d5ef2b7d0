'use strict';
// Bad input and attacks: 10,000 fuzzed access tokens and refresh/revoke bodies against
// a real Parse Server, 16 in flight. Zero accepted, zero 5xx, zero crashes, every answer a Parse
// {code, error} (or the HTTP layer's 431/413 for oversize headers/bodies), and the `_Session` rows
// byte-for-byte the same afterwards. Inputs come from a seeded generator: PSRT_FUZZ_SEED=<n> replays
// a run (the seed is printed when an assertion fails).
const crypto = require('crypto');
const http = require('http');
const { startParseServer, withClient, signHS256, APP_ID, JAVASCRIPT_KEY, REST_KEY, SECRET } = require('./support/parse-server');
const { restClient } = require('./support/rest');

const SEED = Number(process.env.PSRT_FUZZ_SEED) || crypto.randomInt(1, 2 ** 31);
const CONCURRENCY = 16;
const OTHER_SECRET = 'another-apps-secret-of-at-least-32-bytes!!';

// ---- a small seeded PRNG (mulberry32), so that a failing run can be replayed
function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min, max) => min + Math.floor(next() * (max - min + 1));
  const pick = list => list[int(0, list.length - 1)];
  const bytes = n => Buffer.from(Array.from({ length: n }, () => int(0, 255)));
  return { next, int, pick, bytes };
}
const rng = prng(SEED);

const b64 = value => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const hmac = (algorithm, secret, input) => crypto.createHmac(algorithm, secret).update(input).digest('base64url');

// ---- what a rejection may say (README, Errors): every 209 names its reason
const ACCESS_MESSAGES = new Set([
  'Access token expired.',
  'Session revoked.',
  'Session expired.',
  'Access token not yet valid.',
  'Invalid access token: bad signature.',
  'Invalid access token: algorithm not accepted.',
  'Invalid access token: not an at+jwt access token.',
  'Invalid access token: wrong issuer.',
  'Invalid access token: wrong audience.',
  'Invalid access token: unknown key.',
  'Invalid access token: malformed.',
  // Parse's own answers for a token that is not one of ours (/users/me, /sessions/me):
  'Invalid session token',
  'Session token not found.',
  'Session token required.',
]);
const ENDPOINT_ANSWERS = new Set([
  '400 142 code must be a non-empty string.',
  '400 142 client must be a non-empty string.',
  '400 107 Invalid JSON body.',
  '400 107 The body must be a JSON object.',
  '400 209 Invalid refresh token.',
]);
const PARSE_OWN = new Set(['Invalid session token', 'Session token not found.', 'Session token required.']);
const isJws = token => typeof token === 'string' && token.length <= 8192 && /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/.test(token);
const MAX_BODY_BYTES = 16 * 1024; // the plugin's default maxBodyBytes
const JAVASCRIPT_KEY_REFRESH = "403 119 Refresh tokens are not available to browsers (browserRefresh is 'none').";

let server;
let rest;
let agent;
let alice; // the user whose real tokens are truncated, bit-flipped, replayed with others' client ids
let bob;
let carol;

beforeAll(async () => {
  server = await startParseServer();
  rest = restClient(server);
  agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const signUp = async name => {
    const r = await rest('POST', '/users', { body: { username: `${name}_${Date.now()}`, password: 'pw-123456' } });
    expect(r.status).toBe(201);
    return { userId: r.body.objectId, sid: server.verify(r.body.accessToken).sid, ...r.body };
  };
  alice = await signUp('alice');
  bob = await signUp('bob');
  carol = await signUp('carol');
  // Rotate Alice once, so that her chain has a predecessor (generation 0) a forgery could name.
  const r = await rest('POST', '/users/refresh', { body: { client: alice.userId, code: alice.refreshToken } });
  expect(r.status).toBe(200);
  alice.previousRefreshToken = alice.refreshToken;
  alice.refreshToken = r.body.refreshToken;
  alice.accessToken = r.body.accessToken;
  // Past the grace window the predecessor is reuse; the fuzzer never sends it, only forgeries of it.
});

afterAll(async () => {
  if (agent) agent.destroy();
  if (server) await server.close();
});

// ---- the stored state, compared as PostgreSQL prints it
async function sessionSnapshot() {
  return withClient(server.databaseURI, async client => {
    const { rows } = await client.query(`SELECT "objectId", t::text AS text FROM "_Session" t ORDER BY "objectId"`);
    return rows;
  });
}

// ---- one raw HTTP request (node:http, so that any header bytes can be sent), never throws
function send({ method = 'GET', path, headers = {}, body, fresh = false }) {
  return new Promise(resolve => {
    const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body);
    const h = { ...headers };
    if (payload) h['Content-Length'] = payload.length;
    let req;
    try {
      req = http.request({ host: '127.0.0.1', port: server.port, method, path: `/parse${path}`, headers: h, agent: fresh ? false : agent }, res => {
        const chunks = [];
        res.on('data', chunk => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', error => resolve({ clientError: error }));
      });
    } catch (error) {
      resolve({ clientError: error }); // a header the HTTP client itself refuses to send
      return;
    }
    req.on('error', error => resolve({ clientError: error }));
    req.setTimeout(30000, () => req.destroy(new Error('timeout')));
    req.end(payload);
  });
}

/** A header value Node will send: UTF-8 bytes as latin1, without the control characters HTTP forbids. */
function headerSafe(token) {
  const latin1 = /^[\t\x20-\x7e\x80-\xff]*$/.test(token) ? token : Buffer.from(token, 'utf8').toString('latin1');
  return latin1.replace(/[^\t\x20-\x7e\x80-\xff]/g, '');
}

// ---- access token generators
function now() {
  return Math.floor(Date.now() / 1000);
}
function claims(extra = {}) {
  const t = now();
  return { iss: server.serverURL, aud: APP_ID, sub: alice.userId, sid: alice.sid, iat: t - 10, exp: t + 600, jti: crypto.randomBytes(16).toString('base64url'), ...extra };
}
const HEADER = { alg: 'HS256', typ: 'at+jwt', kid: 'default' };

function randomUnicode(n) {
  const ranges = [
    [0x20, 0x7e],
    [0xa0, 0x2ff],
    [0x400, 0x4ff],
    [0x600, 0x6ff],
    [0x200b, 0x200f], // zero-width and direction marks
    [0x202a, 0x202e],
    [0x4e00, 0x9fff],
    [0xd800, 0xdfff], // lone surrogates
    [0xfff0, 0xffff],
    [0x1f300, 0x1f6ff],
    [0x0, 0x1f],
  ];
  let out = '';
  for (let i = 0; i < n; i++) {
    const [lo, hi] = rng.pick(ranges);
    out += String.fromCodePoint(rng.int(lo, hi));
  }
  return out;
}

function flipBit(text) {
  const i = rng.int(0, text.length - 1);
  const flipped = String.fromCharCode(text.charCodeAt(i) ^ (1 << rng.int(0, 6)));
  return text.slice(0, i) + flipped + text.slice(i + 1);
}

function flipDecodedBit(token) {
  const parts = token.split('.');
  const index = rng.int(0, parts.length - 1);
  const bytes = Buffer.from(parts[index], 'base64url');
  if (bytes.length === 0) return flipBit(token);
  const i = rng.int(0, bytes.length - 1);
  bytes[i] ^= 1 << rng.int(0, 7);
  parts[index] = bytes.toString('base64url');
  return parts.join('.');
}

const KIDS = () => [
  '../../etc/passwd',
  '../../../../../../dev/null',
  "' OR '1'='1",
  "default' --",
  '"; DROP TABLE "_Session"; --',
  '{"$ne":null}',
  'x'.repeat(rng.pick([65, 1000, 5000])),
  'unknown-key',
  'Default',
  'default ',
  'default\u0000',
  '',
  null,
  0,
  ['default'],
  { $ne: null },
  'https://attacker.example/jwks.json',
];

/** Each returns { token } or { value } (a non-string, body only), and what the rejection must say. */
const ACCESS = {
  randomLatin1: () => ({ token: rng.bytes(rng.int(1, 400)).toString('latin1') }),
  randomBase64url: () => ({ token: rng.bytes(rng.int(1, 600)).toString('base64url') }),
  jwtShapedRandom: () => ({ token: `eyJ${rng.bytes(rng.int(0, 80)).toString('base64url')}.${rng.bytes(rng.int(0, 300)).toString('base64url')}.${rng.bytes(rng.int(0, 40)).toString('base64url')}` }),
  truncation: () => ({ token: alice.accessToken.slice(0, rng.int(1, alice.accessToken.length - 1)) }),
  bitFlipChar: () => ({ token: flipBit(alice.accessToken) }),
  bitFlipDecoded: () => ({ token: flipDecodedBit(alice.accessToken) }),
  unicode: () => {
    const u = randomUnicode(rng.int(1, 60));
    const t = alice.accessToken;
    const at = rng.int(0, t.length);
    return { token: rng.next() < 0.5 ? u : t.slice(0, at) + u + t.slice(at) };
  },
  algNone: () => {
    const alg = rng.pick(['none', 'None', 'NONE', 'nOnE', '', null]);
    const header = { ...HEADER, alg };
    if (rng.next() < 0.3) delete header.kid;
    const input = `${b64(header)}.${b64(claims())}`;
    return { token: rng.pick([`${input}.`, input, `${input}.${hmac('sha256', SECRET, input)}`]), expect: 'algorithm' };
  },
  algConfusion: () => {
    const alg = rng.pick(['HS384', 'HS512', 'RS256', 'RS512', 'ES256', 'PS256', 'EdDSA', 'hs256', 'HS256 ']);
    const input = `${b64({ ...HEADER, alg })}.${b64(claims())}`;
    // The secret as an HMAC key under every algorithm name: what a confused verifier would accept.
    const digest = { HS384: 'sha384', HS512: 'sha512' }[alg] || 'sha256';
    const signature = rng.next() < 0.8 ? hmac(digest, SECRET, input) : rng.bytes(rng.pick([64, 256])).toString('base64url');
    const extra = rng.next() < 0.2 ? { jwk: { kty: 'oct', k: b64(SECRET) } } : {};
    const token = Object.keys(extra).length ? signHS256({ ...HEADER, ...extra, alg }, claims()) : `${input}.${signature}`;
    return { token, expect: 'algorithm' };
  },
  kidInjection: () => {
    const kid = rng.pick(KIDS());
    return { token: signHS256({ ...HEADER, kid }, claims()), expect: 'kid' };
  },
  strippedSignature: () => {
    const [h, p] = alice.accessToken.split('.');
    return { token: rng.pick([`${h}.${p}.`, `${h}.${p}`, `${h}.${p}..`, `${h}.${p}.A`]) };
  },
  otherSecret: () => ({ token: signHS256(HEADER, claims(), OTHER_SECRET), expect: ['Invalid access token: bad signature.'] }),
  otherAudienceOrIssuer: () => {
    const which = rng.pick(['aud', 'iss']);
    const value = rng.pick(which === 'aud' ? ['another-app', ['another-app'], '', `${APP_ID} `, 42, null] : ['https://attacker.example/parse', '', `${'http://127.0.0.1'}`, 7]);
    // Signed with the other app's secret, or (what only a key holder could do) with ours.
    const secret = rng.next() < 0.5 ? OTHER_SECRET : SECRET;
    const token = signHS256(HEADER, claims({ [which]: value }), secret);
    return {
      token,
      expect:
        secret === OTHER_SECRET
          ? ['Invalid access token: bad signature.']
          : ['Invalid access token: wrong audience.', 'Invalid access token: wrong issuer.', 'Invalid access token: malformed.'],
    };
  },
  malformedSegments: () => {
    const pieces = [
      () => b64('not json'),
      () => b64('[]'),
      () => b64('null'),
      () => b64('{"alg":"HS256","alg":"none","typ":"at+jwt","kid":"default"}'),
      () => b64(`${'['.repeat(5000)}${']'.repeat(5000)}`),
      () => b64({ ...HEADER, crit: ['exp'] }),
      () => b64({ ...HEADER, typ: 'JWT' }),
      () => b64(claims({ exp: 'tomorrow' })),
      () => b64(claims({ exp: 1e309 })),
      () => b64(claims({ sub: { $ne: null } })),
      () => b64(claims({ sid: ["' OR 1=1 --"] })),
      () => b64(claims({ nbf: now() + 3600 })),
      () => b64(claims({ exp: now() - 3600 })),
      () => `${b64(HEADER)}=`,
    ];
    const input = `${rng.pick(pieces)()}.${rng.pick(pieces)()}`;
    return { token: `${input}.${hmac('sha256', rng.next() < 0.5 ? OTHER_SECRET : SECRET, input)}` };
  },
  huge: () => {
    const size = rng.pick([8193, 16 * 1024 + 1, 64 * 1024, 1024 * 1024]);
    const t = alice.accessToken;
    const token = rng.next() < 0.5 ? t + 'A'.repeat(size - t.length) : `eyJ${'A'.repeat(size - 8)}.eyJ.A`;
    return { token };
  },
  sessionTokenTypes: () => ({ value: rng.pick([{ $ne: null }, { $regex: '.*' }, { $gt: '' }, { $exists: true }, 42, true, ['r:x'], [alice.accessToken], { __type: 'Pointer' }]), only: 'body' }),
};
const ACCESS_COUNTS = {
  randomLatin1: 600,
  randomBase64url: 500,
  jwtShapedRandom: 500,
  truncation: 500,
  bitFlipChar: 500,
  bitFlipDecoded: 500,
  unicode: 500,
  algNone: 300,
  algConfusion: 400,
  kidInjection: 400,
  strippedSignature: 200,
  otherSecret: 300,
  otherAudienceOrIssuer: 300,
  malformedSegments: 340,
  huge: 60,
  sessionTokenTypes: 100,
};
const TRANSPORTS = ['header', 'bearer', 'body'];
const ACCESS_PATHS = ['/users/me', '/sessions/me'];

// ---- refresh and revoke generators: each returns { path, body (object or raw string), client? }
const NON_STRINGS = () => [
  0,
  -1,
  1e308,
  NaN, // serialised as null
  true,
  false,
  null,
  [],
  [alice.refreshToken],
  [[[]]],
  {},
  { $ne: null },
  { $regex: '.*' },
  { $gt: '' },
  { $exists: true },
  { $in: [alice.refreshToken] },
  { $where: 'sleep(1000)' },
  { __type: 'Pointer', className: '_User', objectId: alice.userId },
  { code: alice.refreshToken },
  { a: { b: { c: { d: {} } } } },
];

function realRefresh() {
  return rng.pick([alice.refreshToken, bob.refreshToken, carol.refreshToken]);
}
const clientOf = code => (code === alice.refreshToken ? alice : code === bob.refreshToken ? bob : carol).userId;

function forgedRefresh() {
  // The real layout (version | len(sid) | sid | generation | MAC) with a MAC we cannot compute.
  const raw = Buffer.from(alice.refreshToken, 'base64url');
  const sidLength = raw[1];
  const generationAt = 2 + sidLength;
  const generation = rng.pick([0, 1, 2, 0xffffffff, rng.int(0, 1000)]);
  raw.writeUInt32BE(generation >>> 0, generationAt);
  const mac = rng.pick([Buffer.alloc(32), rng.bytes(32), rng.bytes(rng.int(0, 40))]);
  return Buffer.concat([raw.subarray(0, generationAt + 4), mac]).toString('base64url');
}

const ENDPOINT = {
  typeConfusion: () => {
    const field = rng.pick(['code', 'client', 'both']);
    const body = { client: alice.userId, code: alice.refreshToken };
    if (field !== 'client') body.code = rng.pick(NON_STRINGS());
    if (field !== 'code') body.client = rng.pick(NON_STRINGS());
    if (rng.next() < 0.2) delete body[rng.pick(['code', 'client'])];
    return { body };
  },
  wholeBody: () => ({
    raw: rng.pick(['null', 'true', '0', '"code"', '[]', `[${JSON.stringify(alice.refreshToken)}]`, '{"code":', '{code: 1}', "{'code':'x'}", '\u0000', '{"code":"a"}garbage', ' ', '{"__proto__":{"code":"x"}}']),
  }),
  unicode: () => ({ body: { client: rng.next() < 0.5 ? alice.userId : randomUnicode(rng.int(1, 20)), code: rng.next() < 0.7 ? randomUnicode(rng.int(1, 200)) : alice.refreshToken + randomUnicode(2) } }),
  hugeStrings: () => {
    const size = rng.pick([1025, 2000, 16 * 1024, 64 * 1024, 1024 * 1024]);
    return { body: rng.next() < 0.7 ? { client: alice.userId, code: 'A'.repeat(size) } : { client: 'B'.repeat(size), code: alice.refreshToken } };
  },
  crossUser: () => {
    const code = realRefresh();
    const others = [alice, bob, carol].map(u => u.userId).filter(id => id !== clientOf(code));
    return { body: { client: rng.pick([...others, 'nobody1234', alice.sid, '*']), code }, only: 'refresh' };
  },
  truncated: () => {
    const code = realRefresh();
    return { body: { client: clientOf(code), code: code.slice(0, rng.int(1, code.length - 1)) } };
  },
  bitFlipped: () => {
    const code = realRefresh();
    return { body: { client: clientOf(code), code: rng.next() < 0.5 ? flipBit(code) : flipDecodedBit(code) } };
  },
  forged: () => ({ body: { client: alice.userId, code: forgedRefresh() } }),
  randomCodes: () => ({ body: { client: alice.userId, code: rng.pick([rng.bytes(rng.int(1, 80)).toString('base64url'), rng.bytes(rng.int(1, 200)).toString('latin1'), `r:${rng.bytes(16).toString('hex')}`]) } }),
  extraFields: () => ({
    body: {
      client: alice.userId,
      code: flipBit(alice.refreshToken),
      ...rng.pick([{ __proto__: { admin: true } }, { constructor: { prototype: { x: 1 } } }, { _method: 'DELETE' }, { sessionToken: alice.sessionToken }, { grant_type: 'refresh_token' }, { where: { $ne: null } }]),
    },
  }),
};
const ENDPOINT_COUNTS = {
  typeConfusion: 800,
  wholeBody: 300,
  unicode: 400,
  hugeStrings: 100,
  crossUser: 300,
  truncated: 500,
  bitFlipped: 600,
  forged: 400,
  randomCodes: 400,
  extraFields: 200,
};

// ---- turning generated inputs into requests
function accessRequest(category, index) {
  const transport = ACCESS[category]().only || TRANSPORTS[index % 3];
  const path = ACCESS_PATHS[index % 2];
  const base = { 'X-Parse-Application-Id': APP_ID, 'X-Parse-REST-API-Key': REST_KEY };
  for (;;) {
    const input = ACCESS[category]();
    if (transport === 'body') {
      if (input.token === alice.accessToken) continue;
      const body = { _method: 'GET', _ApplicationId: APP_ID, _JavaScriptKey: JAVASCRIPT_KEY, _SessionToken: input.value !== undefined ? input.value : input.token };
      return { kind: 'access', category, transport, input, sentToken: input.token, request: { method: 'POST', path, headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify(body) } };
    }
    const value = headerSafe(input.token);
    // What the server reads: Node trims spaces and tabs around a header value; the Bearer path trims
    // as String#trim does.
    const sentToken = transport === 'bearer' ? value.trim() : value.replace(/^[ \t]+|[ \t]+$/g, '');
    // Header-safe rewriting can give back the genuine token (a unicode insert of only control
    // characters), which is not an attack,
    // or nothing at all (a request without a token is not one with a bad token): draw again.
    if (sentToken === alice.accessToken || sentToken === '') continue;
    const headers = transport === 'header' ? { ...base, 'X-Parse-Session-Token': value } : { ...base, Authorization: `Bearer ${value}` };
    const oversize = value.length > 15 * 1024; // Node's server takes 16 KB of headers in all
    return { kind: 'access', category, transport, input, sentToken, oversize, request: { method: 'GET', path, headers, fresh: oversize } };
  }
}

function endpointRequest(category, index) {
  const input = ENDPOINT[category]();
  const path = input.only === 'refresh' || index % 4 !== 0 ? '/users/refresh' : '/users/revoke';
  // A genuine refresh token at /users/revoke is a genuine revocation (it needs no client id): the
  // fuzzer sends revoke only forgeries of one.
  if (path === '/users/revoke' && input.body && [alice, bob, carol].some(u => u.refreshToken === input.body.code)) input.body.code = flipBit(input.body.code);
  const sdkStyle = index % 10 === 9 && input.body; // the JS SDK's text/plain body with the app id inside
  const headers = sdkStyle ? { 'Content-Type': 'text/plain' } : { 'X-Parse-Application-Id': APP_ID, 'X-Parse-REST-API-Key': REST_KEY, 'Content-Type': 'application/json' };
  const body = input.raw !== undefined ? input.raw : JSON.stringify(sdkStyle ? { ...input.body, _ApplicationId: APP_ID, _JavaScriptKey: JAVASCRIPT_KEY } : input.body);
  return { kind: 'endpoint', category, path, input, sdkStyle: Boolean(sdkStyle), request: { method: 'POST', path, headers, body } };
}

function buildCases() {
  const cases = [];
  for (const [category, count] of Object.entries(ACCESS_COUNTS)) for (let i = 0; i < count; i++) cases.push(() => accessRequest(category, i));
  for (const [category, count] of Object.entries(ENDPOINT_COUNTS)) for (let i = 0; i < count; i++) cases.push(() => endpointRequest(category, i));
  // Interleave categories so that every batch in flight mixes paths and attacks.
  for (let i = cases.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [cases[i], cases[j]] = [cases[j], cases[i]];
  }
  return cases;
}

/** Checks one answer; returns a problem description, or null when it is an acceptable rejection. */
function judge(c, response) {
  if (response.clientError) {
    // Node's HTTP client refuses to send some header values; nothing reached the server.
    if (response.clientError.code === 'ERR_INVALID_CHAR' || response.clientError.code === 'ERR_HTTP_INVALID_HEADER_VALUE') return null;
    // Over 16 KB of headers Node's server answers 431 and closes at once; while the client is still
    // writing its 1 MB it may see the reset before it reads that 431. Either way: refused, no 5xx.
    if (c.oversize && ['ECONNRESET', 'EPIPE'].includes(response.clientError.code)) return null;
    return `client error ${response.clientError.code || response.clientError.message}`;
  }
  const { status } = response;
  if (status >= 200 && status < 300) return `ACCEPTED with ${status}`;
  if (status >= 500) return `5xx: ${status} ${response.text.slice(0, 200)}`;
  if (status === 431) return c.oversize ? null : `unexpected 431`;
  if (c.category === 'sessionTokenTypes') {
    // A non-string _SessionToken: Parse's own refusal (middlewares.invalidRequest), before any lookup.
    return status === 403 && response.text === '{"error":"unauthorized"}' ? null : `sessionTokenTypes: ${status} ${response.text.slice(0, 200)}`;
  }
  let body;
  try {
    body = JSON.parse(response.text);
  } catch {
    return `not JSON: ${status} ${response.text.slice(0, 200)}`;
  }
  const keys = body && typeof body === 'object' ? Object.keys(body).sort().join(',') : '';
  // Parse's {code, error}; a 209 adds its stable machine-readable reason.
  const shape = body && body.code === 209 ? 'code,error,reason' : 'code,error';
  if (keys !== shape || typeof body.code !== 'number' || typeof body.error !== 'string') return `not Parse-shaped: ${status} ${response.text.slice(0, 200)}`;
  if (body.code === 209 && !/^[a-z_]+$/.test(body.reason)) return `209 without a reason code: ${response.text.slice(0, 200)}`;
  if (c.kind === 'access') {
    if (status !== 400 || body.code !== 209) return `access: ${status} ${response.text.slice(0, 200)}`;
    if (!ACCESS_MESSAGES.has(body.error)) return `access: unknown message ${body.error}`;
    // Every token shaped like ours is judged by the plugin (a reason in words); anything else is left
    // to Parse, which answers its own 209.
    const token = c.sentToken;
    if (isJws(token) !== !PARSE_OWN.has(body.error)) return `${isJws(token) ? 'JWS judged by Parse' : 'non-JWS judged by the plugin'}: ${body.error}`;
    if (!isJws(token)) return null;
    if (!/^Bearer error="invalid_token"/.test(response.headers['www-authenticate'] || '')) return 'access: 209 without a Bearer challenge';
    const expected = c.input.expect;
    if (expected === 'algorithm' && !['Invalid access token: algorithm not accepted.', 'Invalid access token: malformed.'].includes(body.error)) return `algorithm: ${body.error}`;
    if (expected === 'kid' && !['Invalid access token: unknown key.', 'Invalid access token: malformed.'].includes(body.error)) return `kid: ${body.error}`;
    if (Array.isArray(expected) && !expected.includes(body.error)) return `${c.category}: ${body.error}`;
    return null;
  }
  const answer = `${status} ${body.code} ${body.error}`;
  const large = Buffer.byteLength(c.request.body) > MAX_BODY_BYTES;
  // Too large to read the app id from a text/plain body: refused as a request without one.
  if (large && c.sdkStyle && answer === '403 119 unauthorized') return null;
  if (large !== (answer === '413 142 Request body too large.')) return `endpoint: ${answer} for ${Buffer.byteLength(c.request.body)} bytes`;
  if (large) return null;
  // The JS SDK's body names the JavaScript key: with browserRefresh 'none' a refresh is refused.
  if (c.sdkStyle && c.path === '/users/refresh' && answer === JAVASCRIPT_KEY_REFRESH) return null;
  // Parse's method override makes the request a DELETE of the user named by the path: Parse's route
  // answers it, as it would without the plugin.
  if (/"_method":"DELETE"/.test(c.request.body) && answer === '400 206 Insufficient auth to delete user') return null;
  if (!ENDPOINT_ANSWERS.has(answer)) return `endpoint: ${answer}`;
  if (body.code === 209 && !/^Bearer error="invalid_token"/.test(response.headers['www-authenticate'] || '')) return 'endpoint: 209 without a Bearer challenge';
  return null;
}

async function runPool(cases, worker) {
  let next = 0;
  const run = async () => {
    while (next < cases.length) await worker(cases[next++]);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, run));
}

test(`10,000 fuzzed access tokens and refresh/revoke bodies: zero accepted, zero 5xx, rows unchanged (seed ${SEED})`, async () => {
  const before = await sessionSnapshot();
  expect(before.map(r => r.objectId).sort()).toEqual([alice.sid, bob.sid, carol.sid].sort());
  const cases = buildCases();
  expect(cases.length).toBe(10000);

  const started = Date.now();
  const problems = [];
  const tally = {};
  let sent = 0;
  let refused431 = 0;
  let notSent = 0;
  await runPool(cases, async make => {
    const c = make();
    const response = await send(c.request);
    sent++;
    if (response.status === 431) refused431++;
    if (response.clientError) notSent++;
    const problem = judge(c, response);
    const key = `${c.kind}/${c.category}${c.transport ? `/${c.transport}` : ''} -> ${response.status || response.clientError.code}`;
    tally[key] = (tally[key] || 0) + 1;
    if (problem && problems.length < 20) problems.push({ problem, category: c.category, transport: c.transport, path: c.path, sample: JSON.stringify(c.input).slice(0, 300) });
  });
  const seconds = (Date.now() - started) / 1000;
  // eslint-disable-next-line no-console
  console.log(`fuzz seed ${SEED}: ${sent} requests in ${seconds.toFixed(1)} s, ${refused431} x 431, ${notSent} not sendable\n${Object.entries(tally).sort().map(([k, v]) => `  ${k}: ${v}`).join('\n')}`);

  expect(sent).toBe(10000);
  expect(problems).toEqual([]);
  // Almost everything got an HTTP answer (the exceptions: resets right after a 431 for 1 MB headers).
  expect(notSent).toBeLessThan(100);

  // Zero crashes: the same process answers, and no request reached the 500 path.
  expect(server.child.exitCode).toBeNull();
  const health = await send({ path: '/health' });
  expect(health.status).toBe(200);
  expect(JSON.parse(health.text)).toEqual({ status: 'ok' });
  expect(server.stderr()).not.toMatch(/parse-server-refresh-token:/);

  // Nothing stored changed: every `_Session` row byte-for-byte as before.
  expect(await sessionSnapshot()).toEqual(before);

  // Controls: the genuine tokens still work, so nothing was revoked behind our back.
  for (const user of [alice, bob, carol]) {
    const me = await rest('GET', '/users/me', { sessionToken: user.accessToken });
    expect(me.status).toBe(200);
    expect(me.body.objectId).toBe(user.userId);
  }
  const control = await rest('POST', '/users/refresh', { body: { client: alice.userId, code: alice.refreshToken } });
  expect(control.status).toBe(200);
  const after = await sessionSnapshot();
  // Only Alice's row moved, and only by the control refresh.
  expect(after.filter(r => r.objectId !== alice.sid)).toEqual(before.filter(r => r.objectId !== alice.sid));
  expect(after.find(r => r.objectId === alice.sid).text).not.toBe(before.find(r => r.objectId === alice.sid).text);
}, 120000);
