// A resource server as a separate service would run one: it never sees a secret or a private key and
// verifies access tokens only with `jose` against the issuer's JWKS URL, keeping the key set as jose
// does (PSRT_RS_CACHE_MS is both its cacheMaxAge and its cooldown, so it refetches at most that often).
// GET /resource with Authorization: Bearer answers 200 { sub, kid } or 401 { error, code }.
// Prints "READY <port>".
import http from 'node:http';
import { createRemoteJWKSet, customFetch, jwtVerify } from 'jose';

const env = process.env;
const cache = Number(env.PSRT_RS_CACHE_MS);
// Counts the key set downloads, to show the cache was refreshed when a test waited for it.
const fetches = { count: 0 };
const counting = (...args) => {
  fetches.count++;
  return fetch(...args);
};
const jwks = createRemoteJWKSet(new URL(env.PSRT_RS_JWKS_URL), { cacheMaxAge: cache, cooldownDuration: cache, [customFetch]: counting });
const options = {
  issuer: env.PSRT_RS_ISSUER,
  audience: env.PSRT_RS_AUDIENCE,
  typ: 'at+jwt',
  algorithms: ['ES256', 'EdDSA', 'RS256'],
  clockTolerance: Number(env.PSRT_RS_LEEWAY || 0), // the same clock skew the issuer allows
};

const server = http.createServer(async (req, res) => {
  const send = (status, body) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (req.url === '/__fetches') return send(200, fetches);
  const match = /^Bearer (\S+)$/.exec(req.headers.authorization || '');
  if (req.url !== '/resource' || !match) return send(404, { error: 'not found' });
  try {
    const { payload, protectedHeader } = await jwtVerify(match[1], jwks, options);
    send(200, { sub: payload.sub, kid: protectedHeader.kid });
  } catch (error) {
    send(401, { error: error.message, code: error.code });
  }
});

server.listen(0, '127.0.0.1', () => process.stdout.write(`READY ${server.address().port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
