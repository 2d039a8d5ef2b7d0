'use strict';
// The demo web page: a small app on the Parse JavaScript SDK (its browser build) with the client
// helper in cookie mode, served on the API's own origin. Mounted by demo/server.js and by the test
// harness, so that the browser tests exercise exactly what `npm start` shows.
const fs = require('fs');
const path = require('path');

const CLIENT_DIR = path.join(__dirname, '..', 'lib', 'client');
const CLIENT_MODULES = ['index.js', 'auto-refresh.js', 'token-clock.js', 'tab-coordination.js', 'logout.js', 'reasons.js'];

/**
 * The client helper's CommonJS files as one browser script defining `window.ParseRefreshToken`
 * (what a bundler does for an app; the demo has no build step).
 */
function clientBundle() {
  const modules = CLIENT_MODULES.map(name => {
    const source = fs.readFileSync(path.join(CLIENT_DIR, name), 'utf8');
    return `${JSON.stringify('./' + name.replace(/\.js$/, ''))}: function (module, exports, require) {\n${source}\n}`;
  });
  return `(function () {
  var definitions = {${modules.join(',\n')}};
  var cache = {};
  function load(name) {
    if (!cache[name]) {
      var module = { exports: {} };
      cache[name] = module;
      definitions[name](module, module.exports, load);
    }
    return cache[name].exports;
  }
  window.ParseRefreshToken = load('./index');
})();`;
}

/** Serves the page at `/` of `app` for the Parse app mounted at `mount`. */
function mountDemoPage(app, { appId, mount = '/parse', javascriptKey }) {
  const sdk = require.resolve('parse/dist/parse.min.js');
  const bundle = clientBundle();
  const config = `window.DEMO = ${JSON.stringify({ appId, mount, javascriptKey })};`;
  const send = (type, body) => (req, res) => {
    res.set('Content-Type', `${type}; charset=utf-8`);
    res.set('Cache-Control', 'no-store');
    res.send(body);
  };
  app.get('/', send('text/html', fs.readFileSync(path.join(__dirname, 'public', 'index.html'), 'utf8')));
  app.get('/app.js', send('text/javascript', fs.readFileSync(path.join(__dirname, 'public', 'app.js'), 'utf8')));
  app.get('/config.js', send('text/javascript', config));
  app.get('/parse-refresh-token-client.js', send('text/javascript', bundle));
  app.get('/parse.min.js', (req, res) => res.sendFile(sdk));
}

module.exports = { mountDemoPage, clientBundle };
