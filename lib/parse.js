'use strict';
// The parse-server copy we integrate with, and the Parse SDK copy *it* uses: our errors must be
// instances of its Parse.Error (Parse Server checks with instanceof), and our patches must land on
// the very module objects its routers call.
const path = require('path');

let cached;

function parseServerModules() {
  if (cached) return cached;
  const root = path.dirname(require.resolve('parse-server/package.json'));
  const lib = name => require(path.join(root, 'lib', name));
  const Parse = require(require.resolve('parse/node', { paths: [root] }));
  cached = {
    root,
    Parse,
    Auth: lib('Auth'),
    RestWrite: lib('RestWrite'),
    Config: lib('Config'),
    LiveQueryServer: lib('LiveQuery/ParseLiveQueryServer').ParseLiveQueryServer,
    UsersRouter: lib('Routers/UsersRouter').UsersRouter,
    Utils: lib('Utils'),
    AppCache: lib('cache').AppCache, // the apps this process serves, as handleParseHeaders looks them up
  };
  return cached;
}

module.exports = { parseServerModules };
