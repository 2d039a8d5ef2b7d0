'use strict';
// The musl build (Alpine, the base of Parse Server's official image), checked as far as a glibc
// machine can: it is an x86-64 ELF shared object that needs only musl's libc.so, carries no glibc
// symbol versions, and every symbol it needs from outside (other than Node-API's, which Node.js
// provides) is one musl's libc.so defines. The glibc build, put through the same check, fails it:
// the check tells the two apart. The release workflow also loads the musl build on node:*-alpine.
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const ROOT = path.join(__dirname, '..', '..');
const MUSL_LIBC = '/usr/lib/x86_64-linux-musl/libc.so'; // Debian's `musl` package
const musl = path.join(ROOT, 'parse-server-refresh-token.linux-x64-musl.node');
const glibc = path.join(ROOT, 'parse-server-refresh-token.linux-x64-gnu.node');

const tool = (name, args) => execFileSync(name, args, { encoding: 'utf8' });
const needed = file => [...tool('readelf', ['-d', file]).matchAll(/\(NEEDED\)\s+Shared library: \[(.+)\]/g)].map(match => match[1]);
/** Symbols the file needs from other objects (strong references; weak ones may be absent). */
const strongImports = file =>
  tool('nm', ['-D', '--undefined-only', file])
    .split('\n')
    .map(line => line.trim().split(/\s+/))
    .filter(([kind]) => kind === 'U')
    .map(([, symbol]) => symbol);
const defined = new Set(
  tool('nm', ['-D', '--defined-only', MUSL_LIBC])
    .split('\n')
    .map(line => line.trim().split(/\s+/)[2])
    .filter(Boolean)
);
const unresolvedAgainstMusl = file => strongImports(file).filter(symbol => !symbol.startsWith('napi_') && !defined.has(symbol.replace(/@.*/, '')));

test('the musl build is an x86-64 shared object that needs only musl libc', () => {
  expect(tool('readelf', ['-h', musl])).toMatch(/Type:\s+DYN[\s\S]*Machine:\s+Advanced Micro Devices X86-64/);
  expect(needed(musl)).toEqual(['libc.so']);
  expect(strongImports(musl).filter(symbol => symbol.includes('@GLIBC'))).toEqual([]);
});

test("every symbol the musl build imports, except Node-API's, is defined by musl's libc.so", () => {
  expect(defined.has('malloc')).toBe(true);
  expect(strongImports(musl).length).toBeGreaterThan(20);
  expect(unresolvedAgainstMusl(musl)).toEqual([]);
});

test('the same check fails the glibc build', () => {
  expect(fs.existsSync(glibc)).toBe(true);
  expect(needed(glibc)).not.toEqual(['libc.so']);
  expect(unresolvedAgainstMusl(glibc).length).toBeGreaterThan(0);
});
