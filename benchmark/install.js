'use strict';
// Install time and installed size of an adopting Parse Server app, side by side: parse-server and
// express alone; with this package from its packed tarballs (prebuilt binary, nothing compiled);
// and, with --from-source FILE, with a package tarball that compiles Rust at install time (a pack of
// a version before the prebuilt packages, for the before/after figures in the README).
//
//   node benchmark/install.js [--rounds 3] [--from-source old.tgz]
//
// Rounds are interleaved; each install starts from an empty directory with npm's warm cache
// (--prefer-offline), so the times are mostly npm's own work plus, for the source build, cargo's.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync, spawnSync } = require('child_process');

const ROOT = path.join(__dirname, '..');
const NAME = 'parse-server-refresh-token';
const argument = (name, fallback) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : fallback);
const rounds = Number(argument('--rounds', 3));
const fromSource = argument('--from-source', null);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'psrt-install-bench-'));

const base = {
  express: require('express/package.json').version,
  'parse-server': require('parse-server/package.json').version,
};
const printed = execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'pack.js'), '--out', path.join(work, 'dist')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
const tarballs = printed.trim().split('\n');
const main = tarballs.find(file => new RegExp(`/${NAME}-\\d`).test(file));
const overrides = { router: '2.2.0' };
for (const file of tarballs.filter(file => file !== main)) overrides[path.basename(file).replace(/-\d+\.\d+\.\d+\.tgz$/, '')] = `file:${file}`;

const kinds = [
  { name: 'parse-server + express alone', dependencies: base, overrides: { router: '2.2.0' } },
  { name: `+ ${NAME} (prebuilt)`, dependencies: { ...base, [NAME]: `file:${main}` }, overrides },
];
if (fromSource) kinds.push({ name: `+ ${NAME} (built from source at install)`, dependencies: { ...base, [NAME]: `file:${path.resolve(fromSource)}` }, overrides: { router: '2.2.0' } });

const sizeOf = dir => Number(execFileSync('du', ['-sb', dir], { encoding: 'utf8' }).split('\t')[0]);
const mb = bytes => (bytes / 1e6).toFixed(1);

for (const kind of kinds) kind.runs = [];
for (let round = 0; round < rounds; round++) {
  for (const [i, kind] of kinds.entries()) {
    const dir = path.join(work, `app-${round}-${i}`);
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'adopting-app', private: true, dependencies: kind.dependencies, overrides: kind.overrides }));
    const started = process.hrtime.bigint();
    const result = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: dir, encoding: 'utf8' });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (result.status !== 0) throw new Error(`${kind.name}: npm install failed\n${result.stderr}`);
    kind.runs.push({ seconds, bytes: sizeOf(path.join(dir, 'node_modules')) });
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const median = values => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
console.log(`npm install of an adopting app, ${rounds} rounds, ${new Date().toISOString().slice(0, 10)}, Node.js ${process.version}, npm ${execFileSync('npm', ['--version'], { encoding: 'utf8' }).trim()}, ${os.cpus().length} CPUs`);
console.log(`${'app'.padEnd(58)} ${'seconds (median, min-max)'.padEnd(26)} node_modules MB`);
for (const kind of kinds) {
  const seconds = kind.runs.map(run => run.seconds);
  const bytes = kind.runs.map(run => run.bytes);
  console.log(`${kind.name.padEnd(58)} ${`${median(seconds).toFixed(1)} (${Math.min(...seconds).toFixed(1)}-${Math.max(...seconds).toFixed(1)})`.padEnd(26)} ${mb(median(bytes))}`);
}
fs.rmSync(work, { recursive: true, force: true });
