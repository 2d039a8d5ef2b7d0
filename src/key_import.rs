//! Key text as operators give it (PEM or a JWK, e.g. from an environment variable) turned into
//! jsonwebtoken keys for one algorithm. Errors are problem texts for an option error; they say
//! what kind of key was expected and never quote the text.

use jsonwebtoken::{DecodingKey, EncodingKey};

use crate::algorithm::Algorithm;
use crate::jwk::{self, JwkKey};

fn is_jwk(text: &[u8]) -> bool {
  text.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

fn contains(text: &[u8], needle: &[u8]) -> bool {
  text.windows(needle.len()).any(|w| w == needle)
}

fn pem_kind(alg: Algorithm) -> &'static str {
  match alg {
    Algorithm::ES256 => "EC P-256",
    Algorithm::EdDSA => "Ed25519",
    Algorithm::RS256 => "RSA",
    Algorithm::HS256 => "HMAC",
  }
}

/// A private key (PKCS#8 PEM, `-----BEGIN PRIVATE KEY-----`, or a JWK with `d`) for `alg`.
pub(crate) fn private_key(alg: Algorithm, text: &[u8]) -> Result<EncodingKey, String> {
  if is_jwk(text) {
    return match jwk::read(alg, text)? {
      JwkKey::Private(key) => Ok(key),
      JwkKey::Public(_) => Err("is a public JWK (no \"d\"); a private key is needed here".to_owned()),
    };
  }
  if contains(text, b"PUBLIC KEY-----") {
    return Err("is a public key; a private key is needed here".to_owned());
  }
  let parsed = match alg {
    Algorithm::ES256 => EncodingKey::from_ec_pem(text),
    Algorithm::EdDSA => EncodingKey::from_ed_pem(text),
    Algorithm::RS256 | Algorithm::HS256 => return Err("is not a key this algorithm signs with".to_owned()),
  };
  parsed.map_err(|_| {
    format!("is not an {} private key in PKCS#8 PEM (-----BEGIN PRIVATE KEY-----) or a JWK", pem_kind(alg))
  })
}

/// A public key (SPKI PEM, `-----BEGIN PUBLIC KEY-----`, PKCS#1 `RSA PUBLIC KEY` for RS256, or a
/// JWK without `d`) for `alg`.
pub(crate) fn public_key(alg: Algorithm, text: &[u8]) -> Result<DecodingKey, String> {
  if is_jwk(text) {
    return match jwk::read(alg, text)? {
      JwkKey::Public(key) => Ok(key),
      JwkKey::Private(_) => Err("is a private JWK; give it as privateKey, or remove \"d\"".to_owned()),
    };
  }
  if contains(text, b"PRIVATE KEY-----") {
    return Err("is a private key; give it as privateKey, or give the public key here".to_owned());
  }
  let parsed = match alg {
    Algorithm::ES256 => DecodingKey::from_ec_pem(text),
    Algorithm::EdDSA => DecodingKey::from_ed_pem(text),
    Algorithm::RS256 => DecodingKey::from_rsa_pem(text),
    Algorithm::HS256 => return Err("is not a key this algorithm verifies with".to_owned()),
  };
  parsed.map_err(|_| format!("is not an {} public key in PEM (-----BEGIN PUBLIC KEY-----) or a JWK", pem_kind(alg)))
}
