'use strict';
// Builds the token core from source in a checkout of this repository:
//   node scripts/build.js native   this machine's platform (`npm install` runs it through `prepare`)
//   node scripts/build.js wasm     the WebAssembly fallback (wasm32-wasip1-threads)
//   node scripts/build.js cross <rust target>   another Linux target, linked by zig (cargo-zigbuild
//                                  and ziglang from PyPI), as the release workflow builds them
// A package installed from npm never runs this: it loads a prebuilt binary from its platform package
// (see scripts/pack.js), so an adopting app needs no Rust.
const { spawnSync } = require('child_process');
const path = require('path');

const ROOT = path.join(__dirname, '..');
const WASM_TARGET = 'wasm32-wasip1-threads';
const NAPI = path.join(ROOT, 'node_modules', '@napi-rs', 'cli', 'dist', 'cli.js');

function fail(message) {
  console.error(`parse-server-refresh-token: ${message}`);
  process.exit(1);
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit' });
  if (result.error) fail(`${command} could not start: ${result.error.message}`);
  if (result.status !== 0) process.exit(result.status || 1);
}

function requireRust() {
  const probe = spawnSync('cargo', ['--version'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    fail(
      'building from source needs Rust 1.88 or later (https://rustup.rs) with cargo on PATH. ' +
        'An app that installs the package from npm needs no Rust: it gets a prebuilt binary.'
    );
  }
}

function ensureRustTarget(target) {
  const installed = spawnSync('rustup', ['target', 'list', '--installed'], { encoding: 'utf8' });
  if (installed.status !== 0) fail(`the ${target} target needs rustup (https://rustup.rs) to install it.`);
  if (!installed.stdout.split('\n').includes(target)) run('rustup', ['target', 'add', target]);
}

const builds = {
  // Every build writes the generated loader (binding.js) and its types: napi deletes the root files it
  // manages that a build did not write, so a build without them would delete the loader.
  native: () => run(process.execPath, [NAPI, 'build', '--platform', '--release', '--js', 'binding.js', '--dts', 'binding.d.ts']),
  wasm: () => {
    ensureRustTarget(WASM_TARGET);
    run(process.execPath, [NAPI, 'build', '--platform', '--release', '--target', WASM_TARGET, '--js', 'binding.js', '--dts', 'binding.d.ts']);
  },
  cross: target => {
    if (!target) fail('usage: node scripts/build.js cross <rust target>, e.g. x86_64-unknown-linux-musl');
    const zigbuild = spawnSync('cargo', ['zigbuild', '--help'], { stdio: 'ignore' });
    if (zigbuild.status !== 0) fail('cross builds link with zig: `pip install ziglang cargo-zigbuild`.');
    ensureRustTarget(target);
    run(process.execPath, [NAPI, 'build', '--platform', '--release', '--cross-compile', '--target', target, '--js', 'binding.js', '--dts', 'binding.d.ts']);
  },
};

const which = process.argv[2];
if (!builds[which]) fail(`usage: node scripts/build.js ${Object.keys(builds).join('|')}`);
requireRust();
builds[which](process.argv[3]);
