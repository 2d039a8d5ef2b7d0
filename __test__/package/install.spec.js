'use strict';
// An adopting app installs the packed tarballs (the main package, this platform's package and the
// WebAssembly fallback) into a fresh Parse Server app, on an environment with no Rust: no cargo on
// PATH, no ~/.cargo. The README's Set-up block, copied into the app, then serves a signup, a refresh
// and an authenticated query: on the native binary, again with the native package removed (the
// WebAssembly fallback), and once more installed by pnpm, which runs no build scripts.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync, spawn, spawnSync } = require('child_process');
const { createDatabase } = require('../support/parse-server');
const { setupBlock } = require('../support/readme');
const { freePort } = require('../../demo/embedded-postgres');

const ROOT = path.join(__dirname, '..', '..');
const NAME = 'parse-server-refresh-token';
const WASM_PACKAGE = `${NAME}-wasm32-wasi`;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'psrt-adopt-'));
const npmCache = execFileSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).trim();
const versions = {
  express: require('express/package.json').version,
  'parse-server': require('parse-server/package.json').version,
};

function platformPackage() {
  const report = process.platform === 'linux' ? process.report.getReport() : null;
  const abi = process.platform === 'linux' ? (report.header.glibcVersionRuntime ? '-gnu' : '-musl') : process.platform === 'win32' ? '-msvc' : '';
  return `${NAME}-${process.platform}-${process.arch}${abi}`;
}

/** The environment of a machine without Rust: cargo and rustc are not on PATH, ~/.cargo does not exist. */
function withoutRust() {
  const home = path.join(work, 'home');
  fs.mkdirSync(home, { recursive: true });
  const env = { ...process.env, HOME: home, npm_config_cache: npmCache, npm_config_update_notifier: 'false' };
  for (const name of Object.keys(env)) if (/^(CARGO|RUSTUP|RUSTC|RUST_)/.test(name) || name === 'NAPI_RS_FORCE_WASI') delete env[name];
  env.PATH = env.PATH.split(path.delimiter)
    .filter(dir => !['cargo', 'rustc', 'rustup'].some(tool => fs.existsSync(path.join(dir, tool))))
    .join(path.delimiter);
  return env;
}
const env = withoutRust();

function pack() {
  const out = path.join(work, 'dist');
  const printed = execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'pack.js'), '--out', out], { encoding: 'utf8' });
  const tarballs = printed.trim().split('\n');
  const tarball = name => tarballs.find(file => path.basename(file) === `${name}-${require(path.join(ROOT, 'package.json')).version}.tgz`);
  return { main: tarball(NAME), native: tarball(platformPackage()), wasm: tarball(WASM_PACKAGE) };
}

/** A fresh app that depends on parse-server, express and the main tarball, which names the platform packages. */
function createApp(name, tarballs, overridesKey) {
  const dir = path.join(work, name);
  fs.mkdirSync(dir);
  const overrides = { router: '2.2.0', [platformPackage()]: `file:${tarballs.native}`, [WASM_PACKAGE]: `file:${tarballs.wasm}` };
  const manifest = {
    name: `adopting-app-${name}`,
    private: true,
    dependencies: { express: versions.express, 'parse-server': versions['parse-server'], [NAME]: `file:${tarballs.main}` },
  };
  if (overridesKey === 'pnpm') manifest.pnpm = { overrides };
  else manifest.overrides = overrides;
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  return dir;
}

function install(dir, command, args) {
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: dir, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
  const seconds = (Date.now() - started) / 1000;
  console.log(`${command} ${args.join(' ')} in ${path.basename(dir)}: ${seconds.toFixed(1)} s`);
  return result;
}

/** Starts the README's Set-up in `dir`, then signs up, refreshes and queries as a client would. */
async function serveReadmeSetup(dir) {
  const port = await freePort();
  fs.writeFileSync(path.join(dir, 'server.js'), setupBlock().replace(/1337/g, String(port)));
  const child = spawn(process.execPath, ['server.js'], {
    cwd: dir,
    env: { ...env, TOKEN_SECRET: 'an-adopting-app-secret-of-at-least-32-bytes', MASTER_KEY: 'adopting-master', DATABASE_URI: await createDatabase('adopt') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', chunk => (output += chunk));
  child.stderr.on('data', chunk => (output += chunk));
  const base = `http://127.0.0.1:${port}/parse`;
  const headers = { 'X-Parse-Application-Id': 'myAppId', 'Content-Type': 'application/json' };
  try {
    let signup;
    for (let i = 0; i < 150 && !signup; i++) {
      await new Promise(resolve => setTimeout(resolve, 200));
      if (child.exitCode !== null) throw new Error(`the app exited:\n${output}`);
      signup = await fetch(`${base}/users`, { method: 'POST', headers, body: JSON.stringify({ username: 'adopter', password: 'adopter-pw' }) }).catch(() => undefined);
    }
    expect(signup.status).toBe(201);
    const user = await signup.json();
    expect(user.sessionToken).toMatch(/^eyJ/);

    const refresh = await fetch(`${base}/users/refresh`, { method: 'POST', headers, body: JSON.stringify({ client: user.objectId, code: user.refreshToken }) });
    expect(refresh.status).toBe(200);
    const pair = await refresh.json();
    expect(pair.accessToken).toMatch(/^eyJ/);
    expect(pair.refreshToken).not.toBe(user.refreshToken);

    const me = await fetch(`${base}/users/me`, { headers: { ...headers, Authorization: `Bearer ${pair.accessToken}` } });
    expect(me.status).toBe(200);
    expect((await me.json()).username).toBe('adopter');
    return output;
  } finally {
    child.kill('SIGKILL');
  }
}

const coreTarget = dir => execFileSync(process.execPath, ['-p', `require('${NAME}').bindingTarget`], { cwd: dir, env, encoding: 'utf8' }).trim();

let tarballs;
beforeAll(() => {
  tarballs = pack();
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

test('the environment has no Rust', () => {
  expect(spawnSync('cargo', ['--version'], { env }).error.code).toBe('ENOENT');
  expect(fs.existsSync(path.join(env.HOME, '.cargo'))).toBe(false);
});

test('pack gives the main package, this platform package and the WebAssembly fallback, with no build step and no stray files', () => {
  expect(Object.values(tarballs).every(Boolean)).toBe(true);
  const listing = execFileSync('tar', ['tzf', tarballs.main], { encoding: 'utf8' }).split('\n').filter(Boolean);
  expect(listing).toContain('package/LICENSE');
  expect(listing).toContain('package/lib/client/index.d.ts');
  expect(listing.filter(file => /\.node$|\.wasm$|^package\/(src|target|__test__|benchmark|demo)\//.test(file))).toEqual([]);
  const manifest = JSON.parse(execFileSync('tar', ['xzOf', tarballs.main, 'package/package.json'], { encoding: 'utf8' }));
  expect(manifest.scripts).toEqual({});
  expect(manifest.dependencies).toBeUndefined();
  expect(manifest.optionalDependencies).toMatchObject({ [platformPackage()]: manifest.version, [WASM_PACKAGE]: manifest.version });
});

describe('installed with npm', () => {
  let app;
  beforeAll(() => {
    app = createApp('npm', tarballs, 'npm');
    install(app, 'npm', ['install', '--no-audit', '--no-fund', '--prefer-offline']);
  });

  test('nothing is compiled: no sources, no target directory, the native binary loads', () => {
    const installed = path.join(app, 'node_modules', NAME);
    for (const absent of ['src', 'target', 'Cargo.toml', 'build.rs']) expect(fs.existsSync(path.join(installed, absent))).toBe(false);
    expect(fs.existsSync(path.join(app, 'node_modules', '@napi-rs', 'cli'))).toBe(false);
    expect(coreTarget(app)).toBe('native');
  });

  test("the README's Set-up serves a signup, a refresh and an authenticated query", async () => {
    await serveReadmeSetup(app);
  });

  test('TypeScript finds the types of both entry points through the exports map', () => {
    fs.writeFileSync(
      path.join(app, 'check.ts'),
      [
        "import { refreshTokens, bindingTarget, TokenIssuer } from 'parse-server-refresh-token';",
        "import { enableAutoRefresh, SessionEndedError } from 'parse-server-refresh-token/client';",
        "const target: 'native' | 'wasm32-wasi' = bindingTarget;",
        "const issuer: TokenIssuer = new TokenIssuer({ secret: 'x'.repeat(32), issuer: 'https://api.example.com/parse', audience: 'app' });",
        "const claims: string = issuer.verifyAccessToken('token').sub;",
        "const plugin = refreshTokens({ keys: [{ kid: 'k1', alg: 'ES256', privateKey: 'PEM', status: 'current' }], refreshSecret: 'r'.repeat(32) });",
        'const metadataPath: string = plugin.oauthMetadataHandler().path;',
        "export const used = [target, claims, metadataPath, enableAutoRefresh, SessionEndedError];",
        '// Wrong uses must fail: were the types missing, everything would be `any` and these would pass.',
        '// @ts-expect-error',
        'refreshTokens(42);',
        '// @ts-expect-error',
        "issuer.benchVerifyFloor('token');",
        '// @ts-expect-error',
        "refreshTokens({ keys: [{ kid: 'k1', alg: 'HS512', secret: 'x' }] });",
      ].join('\n')
    );
    const tsc = require.resolve('typescript/bin/tsc');
    const flags = ['--noEmit', '--strict', '--skipLibCheck', '--module', 'node16', '--moduleResolution', 'node16', 'check.ts'];
    const result = spawnSync(process.execPath, [tsc, ...flags], { cwd: app, env, encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  test('with the native package removed, the WebAssembly fallback loads and serves the same', async () => {
    fs.rmSync(path.join(app, 'node_modules', platformPackage()), { recursive: true, force: true });
    expect(coreTarget(app)).toBe('wasm32-wasi');
    const output = await serveReadmeSetup(app);
    expect(output).toContain('running on the WebAssembly fallback');
  });

  test('with neither binding, the client entry point still loads (it has no native code) and the server entry point says what to do', () => {
    fs.rmSync(path.join(app, 'node_modules', WASM_PACKAGE), { recursive: true, force: true });
    const script =
      `const client = require('${NAME}/client');` +
      'let failure; try { require(' + `'${NAME}'` + '); } catch (error) { failure = error; }' +
      'console.log(JSON.stringify({ client: typeof client.enableAutoRefresh, code: failure && failure.code, message: failure && failure.message }));';
    const result = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: app, env, encoding: 'utf8' }));
    expect(result.client).toBe('function');
    expect(result.code).toBe('NATIVE_BINDING_UNAVAILABLE');
    expect(result.message).toContain(`npm install ${WASM_PACKAGE}`);
  });
});

describe('installed with pnpm, which runs no build scripts', () => {
  let app;
  beforeAll(() => {
    app = createApp('pnpm', tarballs, 'pnpm');
    install(app, 'npx', ['--yes', 'pnpm@10', 'install', '--config.confirmModulesPurge=false']);
  });

  test("the native binary loads and the README's Set-up serves a signup, a refresh and an authenticated query", async () => {
    expect(coreTarget(app)).toBe('native');
    await serveReadmeSetup(app);
  });
});
