'use strict';
// The README's Set-up block runs as written: copied into a file inside this package (so that
// `require('parse-server-refresh-token')` resolves to it, as in an app), started with the three
// environment variables it reads, it serves logins with pairs. Only the port is changed, to a free one.
const fs = require('fs');
const path = require('path');
const { spawn } = require('child_process');
const { createDatabase } = require('./support/parse-server');
const { setupBlock } = require('./support/readme');
const { freePort } = require('../demo/embedded-postgres');

const ROOT = path.join(__dirname, '..');

test("the README's Set-up block starts a Parse Server that answers a signup with a pair", async () => {
  const port = await freePort();
  const dir = path.join(ROOT, '.tmp');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `readme-setup-${process.pid}.js`);
  fs.writeFileSync(file, setupBlock().replace(/1337/g, String(port)));
  const child = spawn(process.execPath, [file], {
    cwd: dir,
    env: { ...process.env, TOKEN_SECRET: 'a-readme-secret-that-is-at-least-32-bytes!', MASTER_KEY: 'readme-master', DATABASE_URI: await createDatabase('readme') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', chunk => (output += chunk));
  child.stderr.on('data', chunk => (output += chunk));
  try {
    let signup;
    for (let i = 0; i < 100 && !signup; i++) {
      await new Promise(resolve => setTimeout(resolve, 200));
      if (child.exitCode !== null) throw new Error(`the Set-up block exited:\n${output}`);
      signup = await fetch(`http://localhost:${port}/parse/users`, {
        method: 'POST',
        headers: { 'X-Parse-Application-Id': 'myAppId', 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: 'readme', password: 'readme-pw' }),
      }).catch(() => undefined);
    }
    expect(signup.status).toBe(201);
    const body = await signup.json();
    expect(body.sessionToken).toMatch(/^eyJ/);
    expect(typeof body.refreshToken).toBe('string');
  } finally {
    child.kill('SIGKILL');
    fs.rmSync(file, { force: true });
  }
}, 60000);
