'use strict';
// `npm run bench`: the HS256 micro-benchmark (index.js), then the load benchmark (load.js), each in
// its own process. Both always run (a missed target in the first must not hide the second's figures);
// the exit code is the worse of the two.
const path = require('path');
const { spawnSync } = require('child_process');

let code = 0;
for (const script of ['index.js', 'load.js']) {
  const result = spawnSync(process.execPath, [path.join(__dirname, script)], { stdio: 'inherit' });
  const status = result.status === null ? 2 : result.status;
  code = Math.max(code, status);
  if (result.signal === 'SIGINT' || result.signal === 'SIGTERM') break;
}
process.exitCode = code;
