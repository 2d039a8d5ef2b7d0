'use strict';
// The token every micro-benchmark signs and verifies: the same claims for every library (iss, aud,
// sub, sid, iat, exp and a random 128-bit jti).
const crypto = require('crypto');

const ISSUER = 'https://api.example.com/parse';
const AUDIENCE = 'myAppId';
const SUB = 'Xy7kLm2PqR';
const SID = 'Ab3dEf6GhJ';
const TTL = 1800;

const claims = () => {
  const iat = Math.floor(Date.now() / 1000);
  return { iss: ISSUER, aud: AUDIENCE, sub: SUB, sid: SID, iat, exp: iat + TTL, jti: crypto.randomBytes(16).toString('base64url') };
};

module.exports = { ISSUER, AUDIENCE, SUB, SID, TTL, claims };
