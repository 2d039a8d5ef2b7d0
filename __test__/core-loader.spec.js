'use strict';
// When no native binding loads (no build in the package, no platform package), requiring the package
// fails with an error that names the platform, what was tried and how to build from source.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const ROOT = path.join(__dirname, '..');

test('without any native binding, the error names the platform, what was tried and how to build', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'psrt-no-binding-'));
  for (const file of ['index.js', 'binding.js', 'package.json']) fs.copyFileSync(path.join(ROOT, file), path.join(dir, file));
  fs.cpSync(path.join(ROOT, 'lib'), path.join(dir, 'lib'), { recursive: true });
  const child = spawnSync(process.execPath, ['-e', "try { require('./index.js') } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })) }"], { cwd: dir, encoding: 'utf8' });
  fs.rmSync(dir, { recursive: true, force: true });
  const { code, message } = JSON.parse(child.stdout.trim());
  expect(code).toBe('NATIVE_BINDING_UNAVAILABLE');
  expect(message).toContain(`parse-server-refresh-token: no native binding loads on ${process.platform}-${process.arch}`);
  expect(message).toMatch(/Tried: Cannot find module '\.\/parse-server-refresh-token\.[a-z0-9-]+\.node'/);
  expect(message).not.toContain('npm has a bug'); // the generated loader's guess, which misleads
  expect(message).toContain('To build it from source: install Rust 1.88 or later (https://rustup.rs), then run `npm run build` in');
});
