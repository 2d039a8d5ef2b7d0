'use strict';
// Helpers for the core specs: crafting tokens by hand (node:crypto) and running `jose` (ESM, which
// Jest's CommonJS runtime cannot require) in a child Node.js process.
const crypto = require('crypto');
const { execFileSync } = require('child_process');
const path = require('path');

const b64url = value => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** A compact JWS with any header and payload; HS* signed with `secret`, RS256 with `rsaKey`. */
function craft(header, payload, { secret, rsaKey } = {}) {
  const input = `${b64url(header)}.${b64url(payload)}`;
  let signature = '';
  if (header.alg === 'HS256' || header.alg === 'HS512') {
    signature = crypto.createHmac(header.alg === 'HS256' ? 'sha256' : 'sha512', secret).update(input).digest('base64url');
  } else if (header.alg === 'RS256') {
    signature = crypto.sign('sha256', Buffer.from(input), rsaKey).toString('base64url');
  }
  return `${input}.${signature}`;
}

function decodeSegment(token, index) {
  return JSON.parse(Buffer.from(token.split('.')[index], 'base64url').toString('utf8'));
}

const JOSE_SCRIPT = `
import * as jose from 'jose';
let input = '';
for await (const chunk of process.stdin) input += chunk;
const jobs = JSON.parse(input);
const out = [];
for (const job of jobs) {
  const key = new TextEncoder().encode(job.secret);
  try {
    if (job.op === 'verify') {
      const { payload, protectedHeader } = await jose.jwtVerify(job.token, key, {
        algorithms: ['HS256'], issuer: job.issuer, audience: job.audience, typ: 'at+jwt', clockTolerance: 0,
      });
      out.push({ ok: true, payload, protectedHeader });
    } else {
      const token = await new jose.SignJWT(job.payload).setProtectedHeader(job.header).sign(key);
      out.push({ ok: true, token });
    }
  } catch (error) {
    out.push({ ok: false, code: error.code || String(error) });
  }
}
process.stdout.write(JSON.stringify(out));
`;

// The same for asymmetric keys, as a remote verifier would: tokens are checked against our JWK Set
// (jose picks the key by kid and alg), and signed with a private JWK.
const JOSE_KEYS_SCRIPT = `
import * as jose from 'jose';
let input = '';
for await (const chunk of process.stdin) input += chunk;
const out = [];
for (const job of JSON.parse(input)) {
  try {
    if (job.op === 'verify') {
      const { payload, protectedHeader } = await jose.jwtVerify(job.token, jose.createLocalJWKSet(job.jwks), {
        issuer: job.issuer, audience: job.audience, typ: 'at+jwt', clockTolerance: 0,
      });
      out.push({ ok: true, payload, protectedHeader });
    } else {
      const key = await jose.importJWK(job.jwk, job.header.alg);
      out.push({ ok: true, token: await new jose.SignJWT(job.payload).setProtectedHeader(job.header).sign(key) });
    }
  } catch (error) {
    out.push({ ok: false, code: error.code || String(error) });
  }
}
process.stdout.write(JSON.stringify(out));
`;

function runModule(script, jobs) {
  const stdout = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    input: JSON.stringify(jobs),
    cwd: path.join(__dirname, '..'),
    encoding: 'utf8',
  });
  return JSON.parse(stdout);
}

/** Runs jose jobs ({ op: 'verify' | 'sign', ... }) in one child process; returns their results. */
const joseBatch = jobs => runModule(JOSE_SCRIPT, jobs);

/**
 * Runs jose jobs for asymmetric keys in one child process: { op: 'verify', token, jwks, issuer,
 * audience } or { op: 'sign', jwk (private), header, payload }.
 */
const joseKeysBatch = jobs => runModule(JOSE_KEYS_SCRIPT, jobs);

/** Calls `fn`, expects it to throw, returns the error. */
function thrown(fn) {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

module.exports = { b64url, craft, decodeSegment, joseBatch, joseKeysBatch, thrown, nowSeconds };
