'use strict';
// Which binding loads: the native one by default, the WebAssembly fallback when asked for
// (NAPI_RS_FORCE_WASI=true, as `npm test` runs the core suites a second time) or when no native
// binary is there; and when nothing loads, an error that names the platform, what was tried and what
// to install or build.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const core = require('..');

const ROOT = path.join(__dirname, '..');

test('the binding that loaded is the one this run asked for', () => {
  const expected = process.env.NAPI_RS_FORCE_WASI === 'true' ? 'wasm32-wasi' : 'native';
  expect(core.bindingTarget).toBe(expected);
});

test('without a native binary, the WebAssembly fallback loads and the core works on it', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'psrt-wasm-only-'));
  try {
    for (const file of ['index.js', 'binding.js', 'package.json']) fs.copyFileSync(path.join(ROOT, file), path.join(dir, file));
    fs.cpSync(path.join(ROOT, 'lib'), path.join(dir, 'lib'), { recursive: true });
    for (const file of fs.readdirSync(ROOT).filter(name => /\.wasi\.cjs$|\.wasm$|^wasi-worker\.mjs$/.test(name))) {
      fs.copyFileSync(path.join(ROOT, file), path.join(dir, file));
    }
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'junction'); // junction: no privilege needed on Windows
    const script =
      "const core = require('./index.js');" +
      "const issuer = new core.TokenIssuer({ secret: 'x'.repeat(32), issuer: 'https://i', audience: 'a' });" +
      "const { accessToken } = issuer.createJWT({ sub: 'u', sid: 's' });" +
      'console.log(JSON.stringify({ target: core.bindingTarget, sub: issuer.verifyAccessToken(accessToken).sub }))';
    const env = { ...process.env };
    delete env.NAPI_RS_FORCE_WASI;
    const child = spawnSync(process.execPath, ['-e', script], { cwd: dir, encoding: 'utf8', env });
    expect(JSON.parse(child.stdout.trim())).toEqual({ target: 'wasm32-wasi', sub: 'u' });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('with neither binding, the error names the platform, what was tried and what to install or build', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'psrt-no-binding-'));
  for (const file of ['index.js', 'binding.js', 'package.json']) fs.copyFileSync(path.join(ROOT, file), path.join(dir, file));
  fs.cpSync(path.join(ROOT, 'lib'), path.join(dir, 'lib'), { recursive: true });
  const child = spawnSync(process.execPath, ['-e', "try { require('./index.js') } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })) }"], { cwd: dir, encoding: 'utf8' });
  fs.rmSync(dir, { recursive: true, force: true });
  const { code, message } = JSON.parse(child.stdout.trim());
  expect(code).toBe('NATIVE_BINDING_UNAVAILABLE');
  expect(message).toContain(`parse-server-refresh-token: neither a native binding nor the WebAssembly fallback loads on ${process.platform}-${process.arch}`);
  expect(message).toMatch(/Cannot find module '\.\/parse-server-refresh-token\.[a-z0-9-]+\.node'/);
  expect(message).toContain("Cannot find module 'parse-server-refresh-token-wasm32-wasi'");
  expect(message).not.toContain('npm has a bug'); // the generated loader's guess, which misleads
  expect(message).toContain('`npm install parse-server-refresh-token-wasm32-wasi`');
  expect(message).toContain('To build it from source: install Rust 1.88 or later (https://rustup.rs), then run `npm run build`');
});
