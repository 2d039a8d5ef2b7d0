// Verifies access tokens as a resource server using `jose` would, knowing only the issuer URL:
// RFC 8414 discovery (oauth4webapi, unchanged) gives the jwks_uri, and jose's createRemoteJWKSet
// and jwtVerify check each token with an algorithm allow-list, `typ: at+jwt`, issuer and audience.
// Input: PSRT_JOSE_JOB = { issuer, audience, algorithms, tokens }. Output: one JSON line,
// { jwksUri, results: [{ ok: true, header, payload } | { ok: false, code, message }] }.
import * as oauth from 'oauth4webapi';
import { createRemoteJWKSet, jwtVerify } from 'jose';

const job = JSON.parse(process.env.PSRT_JOSE_JOB);

async function run() {
  const issuer = new URL(job.issuer);
  // The tests' server speaks http on loopback.
  const response = await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', [oauth.allowInsecureRequests]: true });
  const as = await oauth.processDiscoveryResponse(issuer, response);
  const jwks = createRemoteJWKSet(new URL(as.jwks_uri));
  const results = [];
  for (const token of job.tokens) {
    try {
      const { protectedHeader, payload } = await jwtVerify(token, jwks, {
        typ: 'at+jwt',
        issuer: job.issuer,
        audience: job.audience,
        algorithms: job.algorithms,
        requiredClaims: ['exp', 'iat', 'sub', 'jti'],
      });
      results.push({ ok: true, header: protectedHeader, payload });
    } catch (error) {
      results.push({ ok: false, code: error.code, message: error.message });
    }
  }
  return { jwksUri: as.jwks_uri, results };
}

run().then(
  out => process.stdout.write(`${JSON.stringify(out)}\n`),
  error => process.stdout.write(`${JSON.stringify({ error: { name: error.name, message: error.message } })}\n`)
);
