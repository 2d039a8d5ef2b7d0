//! JSON Web Keys (RFC 7517, 7518, 8037): reading the ones operators configure, writing the public
//! ones we publish. jsonwebtoken reads public JWKs but not private ones, so a private key's `d`
//! is wrapped here in the PKCS#8 document its signers take (fixed prefixes: one curve each).
//!
//! Every error is a problem text for an option error: it names JWK members, never their values.

use jsonwebtoken::jwk::{Jwk, PublicKeyUse};
use jsonwebtoken::{DecodingKey, EncodingKey};
use serde::Deserialize;
use zeroize::Zeroizing;

use crate::algorithm::Algorithm;
use crate::base64url;

/// PKCS#8 `PrivateKeyInfo` up to the 32-byte P-256 scalar: version 0, id-ecPublicKey with
/// prime256v1, and a SEC1 `ECPrivateKey` (version 1) without the optional public key.
const P256_PKCS8_PREFIX: [u8; 35] = [
  0x30, 0x41, 0x02, 0x01, 0x00, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
  0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x04, 0x27, 0x30, 0x25, 0x02, 0x01, 0x01, 0x04, 0x20,
];
/// PKCS#8 `PrivateKeyInfo` up to the 32-byte Ed25519 seed (RFC 8410 section 7).
const ED25519_PKCS8_PREFIX: [u8; 16] =
  [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20];

/// The members we read. Unknown members are ignored; `d` is wiped when dropped.
#[derive(Deserialize)]
struct JwkInput {
  kty: Option<String>,
  crv: Option<String>,
  alg: Option<String>,
  x: Option<String>,
  y: Option<String>,
  n: Option<String>,
  e: Option<String>,
  d: Option<Zeroizing<String>>,
}

/// What a JWK holds, checked against the key's `alg`.
pub(crate) enum JwkKey {
  Private(EncodingKey),
  Public(DecodingKey),
}

fn expected(alg: Algorithm) -> (&'static str, Option<&'static str>) {
  match alg {
    Algorithm::ES256 => ("EC", Some("P-256")),
    Algorithm::EdDSA => ("OKP", Some("Ed25519")),
    Algorithm::RS256 => ("RSA", None),
    Algorithm::HS256 => ("oct", None),
  }
}

fn member<'a>(value: &'a Option<String>, name: &str) -> Result<&'a str, String> {
  value.as_deref().ok_or_else(|| format!("is a JWK without \"{name}\""))
}

/// Reads a JWK for `alg`. A JWK with `d` is private.
pub(crate) fn read(alg: Algorithm, text: &[u8]) -> Result<JwkKey, String> {
  let jwk: JwkInput =
    serde_json::from_slice(text).map_err(|_| "is neither a PEM key nor a JSON Web Key object".to_owned())?;
  let (kty, crv) = expected(alg);
  if jwk.kty.as_deref() != Some(kty) {
    return Err(format!("is a JWK whose kty is not \"{kty}\", which {} needs", alg.as_str()));
  }
  if let Some(crv) = crv {
    match jwk.crv.as_deref() {
      Some(c) if c == crv => {}
      Some(other) if other.len() <= 16 && other.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') => {
        return Err(format!("is a JWK on curve {other}; {} needs {crv}", alg.as_str()));
      }
      _ => return Err(format!("is a JWK whose crv is not \"{crv}\", which {} needs", alg.as_str())),
    }
  }
  if jwk.alg.as_deref().is_some_and(|a| a != alg.as_str()) {
    return Err(format!("is a JWK whose alg is not {}", alg.as_str()));
  }
  match (&jwk.d, alg) {
    (Some(d), Algorithm::ES256) => private(d, &P256_PKCS8_PREFIX, EncodingKey::from_ec_der),
    (Some(d), Algorithm::EdDSA) => private(d, &ED25519_PKCS8_PREFIX, EncodingKey::from_ed_der),
    (Some(_), _) => Err("is a private JWK, which this algorithm does not take".to_owned()),
    (None, Algorithm::ES256) => {
      DecodingKey::from_ec_components(member(&jwk.x, "x")?, member(&jwk.y, "y")?).map(JwkKey::Public).map_err(|_| bad())
    }
    (None, Algorithm::EdDSA) => {
      DecodingKey::from_ed_components(member(&jwk.x, "x")?).map(JwkKey::Public).map_err(|_| bad())
    }
    (None, Algorithm::RS256) => DecodingKey::from_rsa_components(member(&jwk.n, "n")?, member(&jwk.e, "e")?)
      .map(JwkKey::Public)
      .map_err(|_| bad()),
    (None, Algorithm::HS256) => Err(bad()),
  }
  .and_then(|key| match_public_members(&jwk, alg, key))
}

fn bad() -> String {
  "is a JWK whose members are not valid base64url".to_owned()
}

fn private(d: &str, prefix: &[u8], build: fn(&[u8]) -> EncodingKey) -> Result<JwkKey, String> {
  let scalar = Zeroizing::new(base64url::decode(d.as_bytes()).ok_or_else(bad)?);
  if scalar.len() != 32 {
    return Err("is a JWK whose \"d\" is not 32 bytes".to_owned());
  }
  let mut der = Zeroizing::new(Vec::with_capacity(prefix.len() + 32));
  der.extend_from_slice(prefix);
  der.extend_from_slice(&scalar);
  Ok(JwkKey::Private(build(&der)))
}

/// A private JWK's public members, when present, must be the ones its `d` gives.
fn match_public_members(jwk: &JwkInput, alg: Algorithm, key: JwkKey) -> Result<JwkKey, String> {
  let JwkKey::Private(private) = &key else { return Ok(key) };
  if jwk.x.is_none() && jwk.y.is_none() {
    return Ok(key);
  }
  let derived =
    Jwk::from_encoding_key(private, alg.to_jsonwebtoken()).map_err(|_| "is not a valid private key".to_owned())?;
  let derived: serde_json::Value = serde_json::to_value(&derived).unwrap_or_default();
  let same = |name: &str, given: &Option<String>| given.as_deref().is_none_or(|g| derived[name].as_str() == Some(g));
  if same("x", &jwk.x) && same("y", &jwk.y) {
    Ok(key)
  } else {
    Err("is a JWK whose public members (x, y) do not belong to its private key".to_owned())
  }
}

/// The public JWK we publish for a key: its parameters plus `kid`, `alg` and `use: sig`.
pub(crate) fn public_jwk(mut jwk: Jwk, kid: &str, alg: Algorithm) -> serde_json::Value {
  jwk.common.key_id = Some(kid.to_owned());
  jwk.common.public_key_use = Some(PublicKeyUse::Signature);
  let mut value = serde_json::to_value(&jwk).unwrap_or_default();
  // `alg` by its JOSE name (jsonwebtoken writes it from its own enum; same names, set here once).
  value["alg"] = serde_json::Value::from(alg.as_str());
  value
}

#[cfg(test)]
mod tests {
  use super::*;

  fn problem(alg: Algorithm, text: &str) -> String {
    read(alg, text.as_bytes()).err().expect("should fail")
  }

  #[test]
  fn prefixes_have_their_lengths() {
    // Outer SEQUENCE length: everything after its two header bytes, scalar included.
    assert_eq!(usize::from(P256_PKCS8_PREFIX[1]), P256_PKCS8_PREFIX.len() - 2 + 32);
    assert_eq!(usize::from(ED25519_PKCS8_PREFIX[1]), ED25519_PKCS8_PREFIX.len() - 2 + 32);
  }

  #[test]
  fn wrong_shapes_are_named_without_values() {
    assert!(problem(Algorithm::ES256, "not json").contains("neither a PEM key nor a JSON Web Key"));
    assert!(problem(Algorithm::ES256, r#"{"kty":"OKP","crv":"Ed25519","x":"AA"}"#).contains("kty is not \"EC\""));
    let p384 = problem(Algorithm::ES256, r#"{"kty":"EC","crv":"P-384","x":"AA","y":"AA"}"#);
    assert_eq!(p384, "is a JWK on curve P-384; ES256 needs P-256");
    assert!(problem(Algorithm::ES256, r#"{"kty":"EC","crv":"P-256","y":"AA"}"#).contains("without \"x\""));
    assert!(problem(Algorithm::ES256, r#"{"kty":"EC","crv":"P-256","alg":"ES384","x":"AA","y":"AA"}"#)
      .contains("alg is not ES256"));
    let secret_d = "c2VjcmV0LXNjYWxhci12YWx1ZQ";
    let short = problem(Algorithm::EdDSA, &format!(r#"{{"kty":"OKP","crv":"Ed25519","d":"{secret_d}"}}"#));
    assert!(short.contains("not 32 bytes") && !short.contains(secret_d));
    assert!(problem(Algorithm::RS256, r#"{"kty":"RSA","n":"AQAB","e":"AQAB","d":"AQAB"}"#).contains("private JWK"));
  }
}
