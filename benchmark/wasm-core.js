'use strict';
// A second copy of the token core, loaded on the WebAssembly fallback (what a platform with no native
// binary runs), so that the benchmarks measure it beside the native binding in the same process.
// Null when it is not built (`npm run build:wasm`).
const path = require('path');

function loadWasmCore() {
  const root = path.join(__dirname, '..');
  const cached = ['index.js', 'binding.js'].map(file => require.resolve(path.join(root, file)));
  const saved = cached.map(file => require.cache[file]);
  const previous = process.env.NAPI_RS_FORCE_WASI;
  process.env.NAPI_RS_FORCE_WASI = 'true';
  for (const file of cached) delete require.cache[file];
  try {
    const core = require(root);
    return core.bindingTarget === 'wasm32-wasi' ? core : null;
  } finally {
    if (previous === undefined) delete process.env.NAPI_RS_FORCE_WASI;
    else process.env.NAPI_RS_FORCE_WASI = previous;
    cached.forEach((file, i) => (require.cache[file] = saved[i]));
  }
}

module.exports = { loadWasmCore };
