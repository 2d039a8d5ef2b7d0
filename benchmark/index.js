'use strict';
// HS256 sign and verify, side by side in one process: this addon, its WebAssembly fallback, fast-jwt
// (cache off and on), @node-rs/jsonwebtoken, jose (async API, awaited one at a time) and jsonwebtoken
// (KeyObject), plus the Rust floor (the same verify/sign code looped inside Rust, no napi crossing).
// Prints ops/s, ratios and the issue's targets. Runs in well under a minute.
//
// Rounds are interleaved (round 1 of every row, then round 2, ...) and each row reports its median
// round, so that load from other processes on a shared machine falls on all rows alike.
//
//   npm run bench            (BENCH_ROUND_MS=150 BENCH_ROUNDS=3 for a quicker, noisier run)

const crypto = require('crypto');
const os = require('os');
const path = require('path');
const { TokenIssuer } = require('..');
const wasm = loadWasmCore();
const { createSigner, createVerifier } = require('fast-jwt');
const nodeRs = require('@node-rs/jsonwebtoken');
const jsonwebtoken = require('jsonwebtoken');

const ROUND_MS = Number(process.env.BENCH_ROUND_MS) || 300;
const ROUNDS = Number(process.env.BENCH_ROUNDS) || 5;
const SECRET = 'benchmark-secret-0123456789abcdefghijklmnop';
const ISSUER = 'https://api.example.com/parse';
const AUDIENCE = 'myAppId';
const KID = 'default';
const SUB = 'Xy7kLm2PqR';
const SID = 'Ab3dEf6GhJ';
const TTL = 1800;
const keyObject = crypto.createSecretKey(Buffer.from(SECRET));

const issuer = new TokenIssuer({ secret: SECRET, kid: KID, issuer: ISSUER, audience: AUDIENCE, accessTokenTTL: TTL });
const token = issuer.createJWT({ sub: SUB, sid: SID }).accessToken;
// Distinct tokens, as a server sees from many clients (nothing on our side depends on seeing the same
// token again; this checks it), and the same with two custom claims (parsed as JSON in index.js).
const distinct = Array.from({ length: 4096 }, (_, i) => issuer.createJWT({ sub: SUB, sid: `s${i}` }).accessToken);
const distinctCustom = Array.from({ length: 4096 }, (_, i) => issuer.createJWT({ sub: SUB, sid: `s${i}`, role: 'editor', tenant: `t${i}` }).accessToken);

const floors = issuer[Symbol.for('parse-server-refresh-token.benchmarkFloors')]();
const wasmIssuer = wasm && new wasm.TokenIssuer({ secret: SECRET, kid: KID, issuer: ISSUER, audience: AUDIENCE, accessTokenTTL: TTL });

/**
 * A second copy of the token core, loaded on the WebAssembly fallback (what a platform with no
 * native binary runs), so both are measured in the same process. Null when it is not built
 * (`npm run build:wasm`).
 */
function loadWasmCore() {
  const root = path.join(__dirname, '..');
  const cached = ['index.js', 'binding.js'].map(file => require.resolve(path.join(root, file)));
  const saved = cached.map(file => require.cache[file]);
  const previous = process.env.NAPI_RS_FORCE_WASI;
  process.env.NAPI_RS_FORCE_WASI = 'true';
  for (const file of cached) delete require.cache[file];
  try {
    const core = require(root);
    return core.bindingTarget === 'wasm32-wasi' ? core : null;
  } finally {
    if (previous === undefined) delete process.env.NAPI_RS_FORCE_WASI;
    else process.env.NAPI_RS_FORCE_WASI = previous;
    cached.forEach((file, i) => (require.cache[file] = saved[i]));
  }
}

const nowSeconds = () => Math.floor(Date.now() / 1000);
const jti = () => crypto.randomBytes(16).toString('base64url');
// The same claims for every library: iss, aud, sub, sid, iat, exp and a random 128-bit jti.
const claims = () => {
  const iat = nowSeconds();
  return { iss: ISSUER, aud: AUDIENCE, sub: SUB, sid: SID, iat, exp: iat + TTL, jti: jti() };
};

const fastSign = createSigner({ key: SECRET, algorithm: 'HS256', kid: KID, typ: 'at+jwt' });
const fastVerify = createVerifier({ key: SECRET, algorithms: ['HS256'], allowedIss: ISSUER, allowedAud: AUDIENCE, cache: false });
const fastVerifyCached = createVerifier({ key: SECRET, algorithms: ['HS256'], allowedIss: ISSUER, allowedAud: AUDIENCE, cache: true });
const nodeRsHeader = { algorithm: nodeRs.Algorithm.HS256, keyId: KID };
const nodeRsValidation = { algorithms: [nodeRs.Algorithm.HS256], iss: [ISSUER], aud: [AUDIENCE], leeway: 5 };
const jwtSignOptions = { algorithm: 'HS256', keyid: KID, header: { typ: 'at+jwt' } };
const jwtVerifyOptions = { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE };

/** Runs `fn` in batches for ROUND_MS; returns ops/s. */
function measureSync(fn) {
  let ops = 0;
  let batch = 256;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(ROUND_MS) * 1000000n;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < batch; i++) fn(i);
    ops += batch;
    now = process.hrtime.bigint();
  }
  return ops / (Number(now - start) / 1e9);
}

async function measureAsync(fn) {
  let ops = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(ROUND_MS) * 1000000n;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < 64; i++) await fn(i);
    ops += 64;
    now = process.hrtime.bigint();
  }
  return ops / (Number(now - start) / 1e9);
}

const median = values => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** A row measured by `run`: ops/s of `fn` called in a loop. */
const bench = (name, fn, { async = false } = {}) => ({ name, fn, async, runs: [] });

/** A row measured by `run`: `nsPerOp()` returns nanoseconds per operation (a Rust loop). */
const floor = (name, nsPerOp) => ({ name, nsPerOp, runs: [] });

/** Warms every row up, then measures ROUNDS interleaved rounds; sets each row's median `ops`. */
async function run(rows) {
  for (const row of rows) {
    if (row.nsPerOp) row.nsPerOp();
    else for (let i = 0; i < 2000; i++) await (row.async ? row.fn(i) : row.fn(i));
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (const row of rows) {
      if (row.nsPerOp) row.runs.push(1e9 / row.nsPerOp());
      else row.runs.push(row.async ? await measureAsync(row.fn) : measureSync(row.fn));
    }
  }
  for (const row of rows) row.ops = median(row.runs);
}

async function main() {
  let jose;
  try {
    jose = await import('jose');
  } catch {
    jose = null;
  }
  // jose's Node.js path is WebCrypto: import the key once, as a real deployment would.
  const joseKey = await globalThis.crypto.subtle.importKey('raw', Buffer.from(SECRET), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
  const started = Date.now();

  const sign = [
    bench('parse-server-refresh-token createJWT', () => issuer.createJWT({ sub: SUB, sid: SID })),
    floor('  Rust floor (same sign code, no napi)', () => floors.sign(200000, SUB, SID)),
    bench('fast-jwt', () => fastSign(claims())),
    bench('@node-rs/jsonwebtoken signSync', () => nodeRs.signSync(claims(), SECRET, nodeRsHeader)),
    bench('jsonwebtoken (KeyObject)', () => jsonwebtoken.sign(claims(), keyObject, jwtSignOptions)),
  ];
  if (wasmIssuer) sign.push(bench('  WebAssembly fallback createJWT', () => wasmIssuer.createJWT({ sub: SUB, sid: SID })));
  if (jose) {
    const header = { alg: 'HS256', typ: 'at+jwt', kid: KID };
    sign.push(bench('jose SignJWT (async, awaited)', () => new jose.SignJWT(claims()).setProtectedHeader(header).sign(joseKey), { async: true }));
  }

  const mask = distinct.length - 1;
  let next = 0;
  const verify = [
    bench('parse-server-refresh-token verifyAccessToken', () => issuer.verifyAccessToken(token)),
    bench('  same, 4096 distinct tokens', () => issuer.verifyAccessToken(distinct[next++ & mask])),
    bench('  same, 4096 distinct tokens, 2 custom claims', () => issuer.verifyAccessToken(distinctCustom[next++ & mask])),
    floor('  Rust floor (same verify code, no napi)', () => floors.verify(token, 200000)),
    bench('fast-jwt (cache off)', () => fastVerify(token)),
    bench('fast-jwt (cache on, hit)', () => fastVerifyCached(token)),
    bench('@node-rs/jsonwebtoken verifySync', () => nodeRs.verifySync(token, SECRET, nodeRsValidation)),
    bench('jsonwebtoken (KeyObject)', () => jsonwebtoken.verify(token, keyObject, jwtVerifyOptions)),
  ];
  if (wasmIssuer) verify.push(bench('  WebAssembly fallback verifyAccessToken', () => wasmIssuer.verifyAccessToken(token)));
  if (jose) {
    verify.push(
      bench('jose jwtVerify (async, awaited)', () => jose.jwtVerify(token, joseKey, { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE }), {
        async: true,
      })
    );
  }

  await run([...sign, ...verify]);

  const cpu = (os.cpus()[0] || {}).model || 'unknown CPU';
  console.log(`\nHS256, ${new Date().toISOString().slice(0, 10)}, Node.js ${process.version}, ${os.cpus().length} x ${cpu}, ${os.platform()} ${os.arch()}`);
  const table = (title, rows, base) => {
    console.log(`\n${title}`);
    console.log(`${'library'.padEnd(52)} ${'ops/s'.padStart(11)} ${'ns/op'.padStart(8)} ${`x ${base.name}`.padStart(8)}`);
    for (const row of rows) {
      const ratio = row.ops / base.ops;
      console.log(`${row.name.padEnd(52)} ${Math.round(row.ops).toLocaleString('en-US').padStart(11)} ${Math.round(1e9 / row.ops).toString().padStart(8)} ${ratio.toFixed(2).padStart(8)}`);
    }
  };
  const fastSignRow = sign[2];
  const fastVerifyRow = verify[4];
  table('sign (ratio vs fast-jwt)', sign, { ...fastSignRow, name: 'fast-jwt' });
  table('verify (ratio vs fast-jwt cache off)', verify, { ...fastVerifyRow, name: 'fast-jwt' });

  const targets = [
    ['sign >= 5x fast-jwt (no cache)', sign[0].ops / fastSignRow.ops, 5],
    ['verify >= 4x fast-jwt (no cache)', verify[0].ops / fastVerifyRow.ops, 4],
    ['verify >= 1.5x fast-jwt (cache hit)', verify[0].ops / verify[5].ops, 1.5],
    ['verify within 2x of the Rust floor (floor/ours <= 2)', verify[3].ops / verify[0].ops, 2, 'max'],
    ['verify, distinct tokens, >= 4x fast-jwt (no cache)', verify[1].ops / fastVerifyRow.ops, 4],
    ['verify, distinct tokens, within 2x of the Rust floor', verify[3].ops / verify[1].ops, 2, 'max'],
    ['  (2 custom claims) x fast-jwt (no cache)', verify[2].ops / fastVerifyRow.ops, 4],
  ];
  console.log('\ntargets');
  let missed = 0;
  for (const [label, value, bound, kind] of targets) {
    const ok = kind === 'max' ? value <= bound : value >= bound;
    const informational = label.startsWith('  '); // not one of the issue's targets
    if (!ok && !informational) missed++;
    console.log(`${informational ? 'info' : ok ? 'PASS' : 'MISS'}  ${label.padEnd(54)} ${value.toFixed(2)}`);
  }
  if (!wasmIssuer) console.log('info  WebAssembly fallback not measured: build it with `npm run build:wasm`');
  console.log(`\n${missed ? `${missed} target(s) missed` : 'all targets met'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.exitCode = missed ? 1 : 0;
}

main().catch(error => {
  console.error(error);
  process.exitCode = 2;
});
