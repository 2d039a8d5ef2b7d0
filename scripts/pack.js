'use strict';
// Packs what npm publishes: one package per platform with its prebuilt binary (npm/<platform>), the
// WebAssembly fallback package, and the main package, whose optionalDependencies name every platform
// package so that npm, pnpm and yarn install only the one that fits (the wasm fallback has no `cpu`
// field, so it installs everywhere and loads where no native binary does).
//
//   node scripts/pack.js [--artifacts DIR] [--out DIR] [--require-all]
//
// Binaries are looked for in the artifacts directory (default: this checkout, where `npm run build`
// and `npm run build:wasm` put them; the release workflow downloads every target's build there).
// --require-all fails when a target has no binary (the release workflow publishes only complete sets).
// The main package is packed from a staging copy: the checkout's own package.json keeps building from
// source (`prepare`), the packed one never builds.
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const ROOT = path.join(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

function argument(name, fallback) {
  const at = process.argv.indexOf(name);
  return at === -1 ? fallback : path.resolve(process.argv[at + 1]);
}
const artifacts = argument('--artifacts', ROOT);
const out = argument('--out', path.join(ROOT, 'dist'));
const requireAll = process.argv.includes('--require-all');

function npmPack(dir) {
  const [{ filename }] = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', out], { cwd: dir, encoding: 'utf8' }));
  return path.join(out, filename);
}

function stage(name) {
  const dir = path.join(out, 'stage', name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** Packs one platform package when its files are present; returns its tarball or null. */
function packPlatform(platform) {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'npm', platform, 'package.json'), 'utf8'));
  const missing = manifest.files.filter(file => !fs.existsSync(path.join(artifacts, file)));
  // Type declarations of the wasm package are optional: the main package carries the types.
  const needed = missing.filter(file => !file.endsWith('.d.cts'));
  if (needed.length) return { name: manifest.name, missing: needed };
  const dir = stage(platform);
  const files = manifest.files.filter(file => !missing.includes(file));
  for (const file of files) fs.copyFileSync(path.join(artifacts, file), path.join(dir, file));
  fs.copyFileSync(path.join(ROOT, 'LICENSE'), path.join(dir, 'LICENSE'));
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ ...manifest, version: pkg.version, files: [...files, 'LICENSE'] }, null, 2) + '\n');
  return { name: manifest.name, tarball: npmPack(dir) };
}

function packMain(platformNames) {
  const dir = stage('main');
  for (const entry of pkg.files) fs.cpSync(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
  const { devDependencies, scripts, ...published } = pkg;
  published.optionalDependencies = Object.fromEntries(platformNames.map(name => [name, pkg.version]));
  // No build step survives into the published package: an install never compiles.
  published.scripts = {};
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(published, null, 2) + '\n');
  return npmPack(dir);
}

fs.mkdirSync(out, { recursive: true });
const platforms = fs.readdirSync(path.join(ROOT, 'npm')).sort();
const results = platforms.map(packPlatform);
const absent = results.filter(result => result.missing);
for (const { name, missing } of absent) console.error(`not built here: ${name} (missing ${missing.join(', ')})`);
if (requireAll && absent.length) process.exit(1);
const tarballs = results.filter(result => result.tarball).map(result => result.tarball);
tarballs.push(packMain(results.map(result => result.name)));
fs.rmSync(path.join(out, 'stage'), { recursive: true, force: true });
for (const tarball of tarballs) console.log(tarball);
