'use strict';
// `npm run bench`: the HS256 micro-benchmark (index.js), the ES256/EdDSA one (keys.js), then the load
// benchmark (load.js), each in its own process. All always run (a missed target in one must not hide
// the others' figures); the exit code is the worst of them.
const path = require('path');
const { spawnSync } = require('child_process');

let code = 0;
for (const script of ['index.js', 'keys.js', 'load.js']) {
  const result = spawnSync(process.execPath, [path.join(__dirname, script)], { stdio: 'inherit' });
  const status = result.status === null ? 2 : result.status;
  code = Math.max(code, status);
  if (result.signal === 'SIGINT' || result.signal === 'SIGTERM') break;
}
process.exitCode = code;
