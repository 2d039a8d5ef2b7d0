'use strict';
// The README's Set-up block, as the tests run it: copied out of README.md verbatim.
const fs = require('fs');
const path = require('path');

function setupBlock() {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Set-up'));
  return /```js\n([\s\S]*?)```/.exec(section)[1];
}

module.exports = { setupBlock };
