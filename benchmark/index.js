'use strict';
// HS256 sign and verify, side by side in one process: this addon, fast-jwt (cache off and on),
// @node-rs/jsonwebtoken, jose (async API, awaited one at a time) and jsonwebtoken (KeyObject), plus
// the Rust floor (the same verify/sign code looped inside Rust, no napi crossing).
// Prints ops/s, ratios and the issue's targets. Runs in well under a minute.
//
//   npm run bench            (BENCH_ROUND_MS=300 for a quicker, noisier run)

const crypto = require('crypto');
const os = require('os');
const { TokenIssuer } = require('..');
const { createSigner, createVerifier } = require('fast-jwt');
const nodeRs = require('@node-rs/jsonwebtoken');
const jsonwebtoken = require('jsonwebtoken');

const ROUND_MS = Number(process.env.BENCH_ROUND_MS) || 500;
const ROUNDS = 3;
const SECRET = 'benchmark-secret-0123456789abcdefghijklmnop';
const ISSUER = 'https://api.example.com/parse';
const AUDIENCE = 'myAppId';
const KID = 'default';
const SUB = 'Xy7kLm2PqR';
const SID = 'Ab3dEf6GhJ';
const TTL = 1800;
const keyObject = crypto.createSecretKey(Buffer.from(SECRET));

const issuer = new TokenIssuer({ secret: SECRET, kid: KID, issuer: ISSUER, audience: AUDIENCE, accessTokenTTL: TTL });
const uncached = new TokenIssuer({ secret: SECRET, kid: KID, issuer: ISSUER, audience: AUDIENCE, claimsCacheSize: 0 });
const token = issuer.createJWT({ sub: SUB, sid: SID }).accessToken;
// More distinct tokens than the claims cache holds (1024), to measure its miss path too.
const distinct = Array.from({ length: 4096 }, (_, i) => issuer.createJWT({ sub: SUB, sid: `s${i}` }).accessToken);

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

async function bench(name, fn, { async = false } = {}) {
  // Warm up, then take the median of ROUNDS rounds.
  for (let i = 0; i < 2000; i++) await (async ? fn(i) : fn(i));
  const results = [];
  for (let r = 0; r < ROUNDS; r++) results.push(async ? await measureAsync(fn) : measureSync(fn));
  return { name, ops: median(results) };
}

function floor(name, nsPerOp) {
  const runs = [];
  for (let r = 0; r < ROUNDS; r++) runs.push(nsPerOp());
  return { name, ops: 1e9 / median(runs) };
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
    await bench('parse-server-refresh-token createJWT', () => issuer.createJWT({ sub: SUB, sid: SID })),
    floor('  Rust floor (same sign code, no napi)', () => issuer.benchSignFloor(200000, SUB, SID)),
    await bench('fast-jwt', () => fastSign(claims())),
    await bench('@node-rs/jsonwebtoken signSync', () => nodeRs.signSync(claims(), SECRET, nodeRsHeader)),
    await bench('jsonwebtoken (KeyObject)', () => jsonwebtoken.sign(claims(), keyObject, jwtSignOptions)),
  ];
  if (jose) {
    const header = { alg: 'HS256', typ: 'at+jwt', kid: KID };
    sign.push(await bench('jose SignJWT (async, awaited)', () => new jose.SignJWT(claims()).setProtectedHeader(header).sign(joseKey), { async: true }));
  }

  const mask = distinct.length - 1;
  let next = 0;
  const verify = [
    await bench('parse-server-refresh-token verifyAccessToken', () => issuer.verifyAccessToken(token)),
    await bench('  same, 4096 distinct tokens (claims cache misses)', () => issuer.verifyAccessToken(distinct[next++ & mask])),
    await bench('  same, 4096 distinct tokens, claimsCacheSize 0', () => uncached.verifyAccessToken(distinct[next++ & mask])),
    floor('  Rust floor (same verify code, no napi)', () => issuer.benchVerifyFloor(token, 200000)),
    await bench('fast-jwt (cache off)', () => fastVerify(token)),
    await bench('fast-jwt (cache on, hit)', () => fastVerifyCached(token)),
    await bench('@node-rs/jsonwebtoken verifySync', () => nodeRs.verifySync(token, SECRET, nodeRsValidation)),
    await bench('jsonwebtoken (KeyObject)', () => jsonwebtoken.verify(token, keyObject, jwtVerifyOptions)),
  ];
  if (jose) {
    verify.push(
      await bench('jose jwtVerify (async, awaited)', () => jose.jwtVerify(token, joseKey, { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE }), {
        async: true,
      })
    );
  }

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
    ['  (claims cache misses) within 2x of the Rust floor', verify[3].ops / verify[1].ops, 2, 'max'],
    ['  (claimsCacheSize 0) within 2x of the Rust floor', verify[3].ops / verify[2].ops, 2, 'max'],
    ['  (claimsCacheSize 0) >= 4x fast-jwt (no cache)', verify[2].ops / fastVerifyRow.ops, 4],
  ];
  console.log('\ntargets');
  let missed = 0;
  for (const [label, value, bound, kind] of targets) {
    const ok = kind === 'max' ? value <= bound : value >= bound;
    if (!ok && !label.startsWith('  ')) missed++;
    console.log(`${ok ? 'PASS' : 'MISS'}  ${label.padEnd(54)} ${value.toFixed(2)}`);
  }
  console.log(`\n${missed ? `${missed} target(s) missed` : 'all targets met'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.exitCode = missed ? 1 : 0;
}

main().catch(error => {
  console.error(error);
  process.exitCode = 2;
});
