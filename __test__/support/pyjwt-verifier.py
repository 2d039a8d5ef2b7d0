"""Verifies access tokens as a Python resource server would, with PyJWT and PyJWKClient, knowing only
the issuer URL: the RFC 8414 metadata (at the path-inserted URL) gives the jwks_uri, PyJWKClient picks
the key by kid, and jwt.decode checks the signature with that key's algorithm, the audience, the
issuer and the required claims; the header's typ must be at+jwt (RFC 9068).

Input: PSRT_PYJWT_JOB = {"issuer", "audience", "tokens"}. Output: one JSON line,
{"jwksUri", "results": [{"ok": true, "alg", "kid", "claims"} | {"ok": false, "error"}]}.
"""
import json
import os
import sys
import urllib.parse
import urllib.request

import jwt

ALGORITHMS = ["ES256", "EdDSA", "RS256"]


def metadata(issuer):
    url = urllib.parse.urlsplit(issuer)
    well_known = f"{url.scheme}://{url.netloc}/.well-known/oauth-authorization-server{url.path.rstrip('/')}"
    with urllib.request.urlopen(well_known, timeout=10) as response:
        document = json.load(response)
    if document.get("issuer") != issuer:
        raise ValueError("the metadata names another issuer")
    return document


def verify(client, token, issuer, audience):
    header = jwt.get_unverified_header(token)
    if header.get("typ") != "at+jwt":
        raise jwt.InvalidTokenError("typ is not at+jwt")
    signing_key = client.get_signing_key_from_jwt(token)
    claims = jwt.decode(
        token,
        signing_key,
        algorithms=ALGORITHMS,
        audience=audience,
        issuer=issuer,
        options={"require": ["exp", "iat", "iss", "aud", "sub", "jti"]},
    )
    return {"ok": True, "alg": header.get("alg"), "kid": header.get("kid"), "claims": claims}


def main():
    job = json.loads(os.environ["PSRT_PYJWT_JOB"])
    jwks_uri = metadata(job["issuer"])["jwks_uri"]
    client = jwt.PyJWKClient(jwks_uri, cache_keys=True)
    results = []
    for token in job["tokens"]:
        try:
            results.append(verify(client, token, job["issuer"], job["audience"]))
        except Exception as error:  # every refusal is a result, not a crash
            results.append({"ok": False, "error": f"{type(error).__name__}: {error}"})
    sys.stdout.write(json.dumps({"jwksUri": jwks_uri, "results": results}) + "\n")


if __name__ == "__main__":
    main()
