// One call of the certified OAuth client `oauth4webapi`, used unchanged (ESM, so it runs in its own
// process). Input: PSRT_OAUTH_JOB = { op, issuer, clientId, clientSecret?, token? }. Output: one JSON
// line, { ok: true, result } or { ok: false, error: { name, message, error, status, cause } }.
import * as oauth from 'oauth4webapi';

const job = JSON.parse(process.env.PSRT_OAUTH_JOB);
const insecure = { [oauth.allowInsecureRequests]: true }; // the tests' server speaks http on loopback

async function discover() {
  const issuer = new URL(job.issuer);
  const response = await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure });
  return oauth.processDiscoveryResponse(issuer, response);
}

async function run() {
  const as = await discover();
  const client = { client_id: job.clientId };
  switch (job.op) {
    case 'discover':
      return as;
    case 'refresh': {
      const response = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), job.token, insecure);
      return oauth.processRefreshTokenResponse(as, client, response);
    }
    case 'revoke': {
      const response = await oauth.revocationRequest(as, client, oauth.None(), job.token, insecure);
      return (await oauth.processRevocationResponse(response)) ?? null;
    }
    case 'introspect': {
      const auth = oauth.ClientSecretBasic(job.clientSecret);
      const response = await oauth.introspectionRequest(as, client, auth, job.token, insecure);
      return oauth.processIntrospectionResponse(as, client, response);
    }
    default:
      throw new Error(`unknown op ${job.op}`);
  }
}

run().then(
  result => process.stdout.write(`${JSON.stringify({ ok: true, result })}\n`),
  error =>
    process.stdout.write(
      `${JSON.stringify({ ok: false, error: { name: error.name, message: error.message, error: error.error, status: error.status, cause: error.cause } })}\n`
    )
);
