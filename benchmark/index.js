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
const { TokenIssuer } = require('..');
const { createSigner, createVerifier } = require('fast-jwt');
const nodeRs = require('@node-rs/jsonwebtoken');
const jsonwebtoken = require('jsonwebtoken');
const { bench, floor, run, table, report } = require('./harness');
const { ISSUER, AUDIENCE, SUB, SID, TTL, claims } = require('./claims');
const { loadWasmCore } = require('./wasm-core');

const SECRET = 'benchmark-secret-0123456789abcdefghijklmnop';
const KID = 'default';
const keyObject = crypto.createSecretKey(Buffer.from(SECRET));

const issuer = new TokenIssuer({ secret: SECRET, kid: KID, issuer: ISSUER, audience: AUDIENCE, accessTokenTTL: TTL });
const token = issuer.createJWT({ sub: SUB, sid: SID }).accessToken;
const floors = issuer[Symbol.for('parse-server-refresh-token.benchmarkFloors')]();
const wasm = loadWasmCore();
const wasmIssuer = wasm && new wasm.TokenIssuer({ secret: SECRET, kid: KID, issuer: ISSUER, audience: AUDIENCE, accessTokenTTL: TTL });
// Distinct tokens, as a server sees from many clients (nothing on our side depends on seeing the same
// token again; this checks it), and the same with two custom claims (parsed as JSON in index.js).
const distinct = Array.from({ length: 4096 }, (_, i) => issuer.createJWT({ sub: SUB, sid: `s${i}` }).accessToken);
const distinctCustom = Array.from({ length: 4096 }, (_, i) => issuer.createJWT({ sub: SUB, sid: `s${i}`, role: 'editor', tenant: `t${i}` }).accessToken);

const fastSign = createSigner({ key: SECRET, algorithm: 'HS256', kid: KID, typ: 'at+jwt' });
const fastVerify = createVerifier({ key: SECRET, algorithms: ['HS256'], allowedIss: ISSUER, allowedAud: AUDIENCE, cache: false });
const fastVerifyCached = createVerifier({ key: SECRET, algorithms: ['HS256'], allowedIss: ISSUER, allowedAud: AUDIENCE, cache: true });
const nodeRsHeader = { algorithm: nodeRs.Algorithm.HS256, keyId: KID };
const nodeRsValidation = { algorithms: [nodeRs.Algorithm.HS256], iss: [ISSUER], aud: [AUDIENCE], leeway: 5 };
const jwtSignOptions = { algorithm: 'HS256', keyid: KID, header: { typ: 'at+jwt' } };
const jwtVerifyOptions = { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE };

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
  if (!wasmIssuer) console.log('info  WebAssembly fallback not measured: build it with `npm run build:wasm`');
  report(targets, started);
}

main().catch(error => {
  console.error(error);
  process.exitCode = 2;
});
