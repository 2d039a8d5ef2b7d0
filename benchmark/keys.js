'use strict';
// ES256 and EdDSA sign and verify, side by side in one process: this addon (jsonwebtoken crate,
// RustCrypto backend), fast-jwt and @node-rs/jsonwebtoken (sync), jose (async API, awaited one at a
// time), plus the Rust floor and the WebAssembly fallback. Verification is measured on tokens new
// to the verifier (the public-key check every time) and on the same token again (answered from the
// verified-signature memory, as fast-jwt's cache answers a hit). A new key pair per run (node:crypto). Prints ops/s and ratios, and the
// goal: verify at least 1.5x the fastest JavaScript library without a cache.
//
//   node benchmark/keys.js   (BENCH_ROUND_MS=150 BENCH_ROUNDS=3 for a quicker, noisier run)

const crypto = require('crypto');
const os = require('os');
const { TokenIssuer } = require('..');
const { createSigner, createVerifier } = require('fast-jwt');
const nodeRs = require('@node-rs/jsonwebtoken');
const { bench, floor, run, table, report } = require('./harness');
const { ISSUER, AUDIENCE, SUB, SID, TTL, claims } = require('./claims');
const { loadWasmCore } = require('./wasm-core');

const wasm = loadWasmCore();

const KID = 'bench';
const REFRESH_SECRET = 'benchmark-refresh-secret-0123456789abcdef';
// Verify-side goal of the issue: ours against the fastest JavaScript library without a cache.
const VERIFY_GOAL = 1.5;

/** The rows of one algorithm; `pair` is a node:crypto key pair. */
function rows(alg, pair, jose, joseKeys) {
  const privatePem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' });
  const publicPem = pair.publicKey.export({ type: 'spki', format: 'pem' });
  const options = {
    keys: [{ kid: KID, alg, privateKey: privatePem, status: 'current' }],
    refreshSecret: REFRESH_SECRET,
    issuer: ISSUER,
    audience: AUDIENCE,
    accessTokenTTL: TTL,
  };
  const issuer = new TokenIssuer(options);
  const floors = issuer[Symbol.for('parse-server-refresh-token.benchmarkFloors')]();
  const wasmIssuer = wasm && new wasm.TokenIssuer(options);
  const token = issuer.createJWT({ sub: SUB, sid: SID }).accessToken;
  // Twice as many distinct tokens as the verified-signature memory holds, taken in turn: each is new
  // to it when it comes round again, so every verification runs the public-key check.
  const fresh = Array.from({ length: 8192 }, (_, i) => issuer.createJWT({ sub: SUB, sid: `s${i}` }).accessToken);
  let next = 0;
  const fastSign = createSigner({ key: privatePem, algorithm: alg, kid: KID, typ: 'at+jwt' });
  const fastVerify = createVerifier({ key: publicPem, algorithms: [alg], allowedIss: ISSUER, allowedAud: AUDIENCE, cache: false });
  const fastVerifyCached = createVerifier({ key: publicPem, algorithms: [alg], allowedIss: ISSUER, allowedAud: AUDIENCE, cache: true });
  const nodeRsHeader = { algorithm: nodeRs.Algorithm[alg], keyId: KID };
  const nodeRsValidation = { algorithms: [nodeRs.Algorithm[alg]], iss: [ISSUER], aud: [AUDIENCE], leeway: 5 };
  const joseHeader = { alg, typ: 'at+jwt', kid: KID };
  const joseOptions = { algorithms: [alg], issuer: ISSUER, audience: AUDIENCE };

  const sign = [
    bench(`parse-server-refresh-token createJWT`, () => issuer.createJWT({ sub: SUB, sid: SID })),
    floor('  Rust floor (same sign code, no napi)', () => floors.sign(2000, SUB, SID)),
    bench('fast-jwt', () => fastSign(claims())),
    bench('@node-rs/jsonwebtoken signSync', () => nodeRs.signSync(claims(), privatePem, nodeRsHeader)),
    bench('jose SignJWT (async, awaited)', () => new jose.SignJWT(claims()).setProtectedHeader(joseHeader).sign(joseKeys.private), { async: true }),
  ];
  const verify = [
    bench('parse-server-refresh-token verifyAccessToken, new tokens', () => issuer.verifyAccessToken(fresh[next++ & 8191])),
    floor('  Rust floor (same token, remembered, no napi)', () => floors.verify(token, 20000)),
    bench('fast-jwt (cache off)', () => fastVerify(token)),
    bench('@node-rs/jsonwebtoken verifySync', () => nodeRs.verifySync(token, publicPem, nodeRsValidation)),
    bench('jose jwtVerify (async, awaited)', () => jose.jwtVerify(token, joseKeys.public, joseOptions), { async: true }),
    bench('  fast-jwt (cache on, hit)', () => fastVerifyCached(token)),
    bench('  parse-server-refresh-token, the same token again', () => issuer.verifyAccessToken(token)),
  ];
  if (wasmIssuer) {
    sign.push(bench('  WebAssembly fallback createJWT', () => wasmIssuer.createJWT({ sub: SUB, sid: SID })));
    let wasmNext = 0;
    verify.push(bench('  WebAssembly fallback verifyAccessToken, new tokens', () => wasmIssuer.verifyAccessToken(fresh[wasmNext++ & 8191])));
  }
  return { alg, sign, verify };
}

async function main() {
  const jose = await import('jose');
  const started = Date.now();
  const pairs = { ES256: crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }), EdDSA: crypto.generateKeyPairSync('ed25519') };
  const groups = [];
  for (const [alg, pair] of Object.entries(pairs)) {
    // jose imports the key once, as a real deployment would.
    const joseKeys = {
      private: await jose.importPKCS8(pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), alg),
      public: await jose.importSPKI(pair.publicKey.export({ type: 'spki', format: 'pem' }), alg),
    };
    groups.push(rows(alg, pair, jose, joseKeys));
  }
  await run(groups.flatMap(g => [...g.sign, ...g.verify]));

  const cpu = (os.cpus()[0] || {}).model || 'unknown CPU';
  console.log(`\nES256 and EdDSA, ${new Date().toISOString().slice(0, 10)}, Node.js ${process.version}, ${os.cpus().length} x ${cpu}, ${os.platform()} ${os.arch()}`);
  const fastest = list => list.reduce((best, row) => (row.ops > best.ops ? row : best));
  const goals = [];
  for (const { alg, sign, verify } of groups) {
    // The JavaScript libraries without a cache: rows 2 to 4 (the floor, the cached row and the
    // WebAssembly fallback are not libraries' plain use).
    const bestSign = fastest(sign.slice(2, 5));
    const bestVerify = fastest(verify.slice(2, 5));
    table(`${alg} sign (ratio vs the fastest JavaScript library, ${bestSign.name})`, sign, { ...bestSign, name: 'fastest' });
    table(`${alg} verify (ratio vs the fastest JavaScript library without a cache, ${bestVerify.name})`, verify, { ...bestVerify, name: 'fastest' });
    goals.push([`${alg} verify, new tokens, >= ${VERIFY_GOAL}x the fastest JavaScript library`, verify[0].ops / bestVerify.ops, VERIFY_GOAL]);
    goals.push([`  ${alg} verify, the same token again, x fast-jwt's cache hit`, verify[6].ops / verify[5].ops]);
    goals.push([`  ${alg} sign x the fastest JavaScript library`, sign[0].ops / bestSign.ops]);
  }
  report(goals, started);
}

main().catch(error => {
  console.error(error);
  process.exitCode = 2;
});
