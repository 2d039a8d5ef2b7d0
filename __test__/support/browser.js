'use strict';
// A real headless Chromium for browser tests: the one @sparticuz/chromium ships inside its npm
// package (unpacked to the temp directory on first use, no download), driven by playwright-core.
// Pages are served from tiny local HTTP servers, one per origin a test needs.
const http = require('http');
const path = require('path');
const { spawnSync } = require('child_process');

/** @sparticuz/chromium is an ES module, which Jest's CommonJS runtime cannot load: ask a child Node. */
function packagedChromium() {
  const script = "import('@sparticuz/chromium').then(async ({ default: c }) => console.log(JSON.stringify({ path: await c.executablePath() })))";
  const child = spawnSync(process.execPath, ['-e', script], { cwd: path.join(__dirname, '..', '..'), encoding: 'utf8', timeout: 120000 });
  if (child.status !== 0) throw new Error(`@sparticuz/chromium could not unpack its browser: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').pop());
}

async function launchBrowser() {
  const { chromium: playwright } = require('playwright-core');
  const chromium = packagedChromium();
  // Not the package's own argument list: it is made for AWS Lambda and turns web security (CORS, the
  // same-origin policy) off, which is exactly what these tests are about. Without the
  // background-networking flags Chromium keeps calling out to hosts this machine cannot reach.
  const args = ['--no-sandbox', '--disable-setuid-sandbox', '--no-zygote', '--disable-gpu', '--use-gl=angle', '--use-angle=swiftshader', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
  return playwright.launch({ executablePath: chromium.path, args, headless: true });
}

/** Serves one empty HTML page at http://127.0.0.1:<port>/: a page on its own origin. */
async function servePage() {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>page</title>');
  });
  await new Promise(resolve => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return { origin, close: () => new Promise(resolve => server.close(resolve)) };
}

module.exports = { launchBrowser, servePage };
