'use strict';
// `npm start` with TOKEN_ALG=ES256: the demo signs with a key pair of its own, prints its JWKS URL,
// and a resource server that knows only that URL accepts a login's access token.
const path = require('path');
const { spawn } = require('child_process');
const { createDatabase, startResourceServer } = require('./support/parse-server');
const { freePort } = require('../demo/embedded-postgres');

const DEMO = path.join(__dirname, '..', 'demo', 'server.js');

/** Runs the demo with `env`; resolves when `pattern` appears in its output, or when it exits. */
function runDemo(env, pattern) {
  const child = spawn(process.execPath, [DEMO], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const done = new Promise(resolve => {
    const timer = setTimeout(() => resolve(), 45000);
    const look = chunk => {
      output += chunk;
      if (pattern && pattern.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', look);
    child.stderr.on('data', look);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  return { child, done, output: () => output };
}

test('TOKEN_ALG=ES256: the printed JWKS URL verifies a login, with jose', async () => {
  const port = await freePort();
  const demo = runDemo({ PORT: String(port), DATABASE_URI: await createDatabase('demo'), TOKEN_ALG: 'ES256', TOKEN_ISSUER: '', TOKEN_PRIVATE_KEY: '', TOKEN_REFRESH_SECRET: '' }, /OAuth discovery: .*\n/);
  let resource;
  try {
    await demo.done;
    const output = demo.output();
    const jwksURL = /^JWKS: (\S+)$/m.exec(output);
    expect(jwksURL).not.toBeNull();
    expect(output).toMatch(/TOKEN_PRIVATE_KEY is not set/);
    expect(output).toMatch(new RegExp(`^OAuth discovery: http://127\\.0\\.0\\.1:${port}/\\.well-known/oauth-authorization-server/parse `, 'm'));
    const discovery = await fetch(`http://127.0.0.1:${port}/.well-known/oauth-authorization-server/parse`);
    expect((await discovery.json()).jwks_uri).toBe(jwksURL[1]);

    const serverURL = `http://127.0.0.1:${port}/parse`;
    const signup = await fetch(`${serverURL}/users`, {
      method: 'POST',
      headers: { 'X-Parse-Application-Id': 'demo-app', 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'demo-es256', password: 'demo-pw-123' }),
    });
    expect(signup.status).toBe(201);
    const { accessToken } = await signup.json();
    expect(JSON.parse(Buffer.from(accessToken.split('.')[0], 'base64url').toString()).alg).toBe('ES256');

    resource = await startResourceServer({ jwksURL: jwksURL[1], issuer: serverURL, audience: 'demo-app', cacheMs: 60000 });
    const verdict = await resource.check(accessToken);
    expect(verdict.status).toBe(200);
    expect(verdict.body.kid).toBe(/kid (\S+)/.exec(output)[1]);
  } finally {
    const exited = new Promise(resolve => (demo.child.exitCode !== null ? resolve() : demo.child.once('exit', resolve)));
    demo.child.kill('SIGTERM');
    await Promise.all([exited, resource && resource.close()]);
  }
}, 60000);

test('TOKEN_ALG=RS256 stops at start-up and says why', async () => {
  const demo = runDemo({ TOKEN_ALG: 'RS256', DATABASE_URI: 'postgres://unused' });
  await demo.done;
  expect(demo.child.exitCode).toBe(1);
  expect(demo.output()).toMatch(/RS256 keys only verify here .* Use TOKEN_ALG=ES256 or EdDSA/);
});
