//! The key ring: keys parsed once, each a `{kid, alg, material}` with a status. The current key
//! signs; every key verifies (a standby key too: a peer instance may have promoted it already).
//! A token is checked with the key its `kid` names, and only if it carries that key's `alg`.

use hmac::Mac;
use serde_json::Value;

use crate::algorithm::Algorithm;
use crate::asymmetric::AsymmetricKey;
use crate::base64url;
use crate::error::{Error, ErrorCode};
use crate::header;
use crate::hmac_key::HmacKey;
use crate::jwk;

/// Where a key is in its rotation: published and verifying before it signs (`Standby`), signing
/// (`Current`, exactly one), verifying until its last token expires (`Retired`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyStatus {
  Standby,
  Current,
  Retired,
}

impl KeyStatus {
  pub fn parse(name: &str) -> Option<KeyStatus> {
    match name {
      "standby" => Some(KeyStatus::Standby),
      "current" => Some(KeyStatus::Current),
      "retired" => Some(KeyStatus::Retired),
      _ => None,
    }
  }
}

/// What a key signs and verifies with.
pub(crate) enum Material {
  /// HS256 on our own pre-keyed HMAC (the fast path).
  Hmac(HmacKey),
  /// ES256, EdDSA, RS256 through jsonwebtoken.
  Asymmetric(AsymmetricKey),
}

pub struct Key {
  kid: String,
  alg: Algorithm,
  status: KeyStatus,
  header_segment: String,
  material: Material,
}

impl Key {
  pub(crate) fn new(kid: &str, alg: Algorithm, status: KeyStatus, material: Material) -> Self {
    Key { kid: kid.to_owned(), alg, status, header_segment: header::encoded_header(alg, kid), material }
  }

  /// An HS256 key from its secret (length rules are checked by `options`).
  pub fn hs256(kid: &str, status: KeyStatus, secret: &[u8]) -> Self {
    Key::new(kid, Algorithm::HS256, status, Material::Hmac(HmacKey::new(secret)))
  }

  pub fn kid(&self) -> &str {
    &self.kid
  }

  pub fn alg(&self) -> Algorithm {
    self.alg
  }

  pub fn status(&self) -> KeyStatus {
    self.status
  }

  /// Whether it holds what signing needs (a secret or a private key).
  pub fn can_sign(&self) -> bool {
    match &self.material {
      Material::Hmac(_) => true,
      Material::Asymmetric(key) => key.can_sign(),
    }
  }

  /// The base64url header segment our tokens carry for this key.
  pub(crate) fn header_segment(&self) -> &str {
    &self.header_segment
  }

  pub(crate) fn hmac(&self) -> Option<&HmacKey> {
    match &self.material {
      Material::Hmac(key) => Some(key),
      Material::Asymmetric(_) => None,
    }
  }

  /// Appends `.signature` for the signing input already in `token`.
  pub(crate) fn sign_into(&self, token: &mut String) -> Result<(), Error> {
    let signature = match &self.material {
      Material::Hmac(key) => {
        let mut mac = key.mac();
        mac.update(token.as_bytes());
        token.push('.');
        base64url::encode_into(&mac.finalize().into_bytes(), token);
        return Ok(());
      }
      Material::Asymmetric(key) => key.sign(token.as_bytes()).ok_or_else(|| {
        Error::new(
          ErrorCode::InvalidOption,
          format!("parse-server-refresh-token: key {} cannot sign", self.alg.as_str()),
        )
      })?,
    };
    token.push('.');
    base64url::encode_into(&signature, token);
    Ok(())
  }

  /// Checks the base64url `signature` over `input`: TOKEN_MALFORMED when it is not base64url of
  /// the algorithm's length, TOKEN_SIGNATURE_INVALID when it does not verify. HMAC tags are
  /// compared in constant time.
  pub(crate) fn verify(&self, input: &[u8], signature: &[u8]) -> Result<(), Error> {
    match &self.material {
      Material::Hmac(key) => {
        let tag = base64url::decode_array::<32>(signature).ok_or(ErrorCode::TokenMalformed)?;
        let mut mac = key.mac();
        mac.update(input);
        mac.verify_slice(&tag).map_err(|_| ErrorCode::TokenSignatureInvalid.into())
      }
      Material::Asymmetric(key) => {
        let bytes = base64url::decode(signature).ok_or(ErrorCode::TokenMalformed)?;
        if self.alg.signature_len().is_some_and(|len| len != bytes.len()) {
          return Err(ErrorCode::TokenMalformed.into());
        }
        if key.verify(input, &bytes) {
          Ok(())
        } else {
          Err(ErrorCode::TokenSignatureInvalid.into())
        }
      }
    }
  }

  /// The public JWK to publish, or None for an HS256 key (a secret is never published).
  pub(crate) fn public_jwk(&self) -> Option<Value> {
    match &self.material {
      Material::Hmac(_) => None,
      Material::Asymmetric(key) => Some(jwk::public_jwk(key.public_jwk().clone(), &self.kid, self.alg)),
    }
  }
}

impl std::fmt::Debug for Key {
  fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    f.debug_struct("Key")
      .field("kid", &self.kid)
      .field("alg", &self.alg)
      .field("status", &self.status)
      .field("material", &"[redacted]")
      .finish()
  }
}

/// The key ring, in the order given; exactly one key is current.
#[derive(Debug)]
pub struct KeyRing {
  keys: Vec<Key>,
  current: usize,
  jwks: String,
}

impl KeyRing {
  /// `keys` must be non-empty, with unique kids and exactly one current key that can sign
  /// (checked by `options`).
  pub(crate) fn new(keys: Vec<Key>) -> Self {
    let current = keys.iter().position(|k| k.status == KeyStatus::Current).unwrap_or(0);
    debug_assert!(keys.get(current).is_some_and(|k| k.status == KeyStatus::Current && k.can_sign()));
    let published: Vec<Value> = keys.iter().filter_map(Key::public_jwk).collect();
    let jwks = serde_json::json!({ "keys": published }).to_string();
    KeyRing { keys, current, jwks }
  }

  /// The key that signs.
  pub fn signing_key(&self) -> &Key {
    &self.keys[self.current]
  }

  pub fn keys(&self) -> &[Key] {
    &self.keys
  }

  pub fn find(&self, kid: &str) -> Option<&Key> {
    self.keys.iter().find(|k| k.kid == kid)
  }

  /// The JWK Set (RFC 7517 section 5) of every asymmetric key, whatever its status, as JSON.
  pub fn jwks_json(&self) -> &str {
    &self.jwks
  }

  /// The common case: the token's header segment is byte-for-byte one we produce.
  #[inline]
  pub(crate) fn match_header_segment(&self, segment: &[u8]) -> Option<&Key> {
    self.keys.iter().find(|k| k.header_segment.as_bytes() == segment)
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn debug_never_prints_key_material() {
    let key = Key::hs256("k1", KeyStatus::Current, b"0123456789abcdef0123456789abcdef");
    let text = format!("{key:?}");
    assert!(text.contains("[redacted]"));
    assert!(text.contains("k1"));
    assert!(!text.contains("0123456789"));
    let ring = KeyRing::new(vec![key]);
    assert!(!format!("{ring:?}").contains("0123456789"));
  }

  #[test]
  fn ring_lookup_and_current_key() {
    let ring = KeyRing::new(vec![
      Key::hs256("next", KeyStatus::Standby, &[3u8; 32]),
      Key::hs256("new", KeyStatus::Current, &[1u8; 32]),
      Key::hs256("old", KeyStatus::Retired, &[2u8; 32]),
    ]);
    assert_eq!(ring.signing_key().kid(), "new");
    assert_eq!(ring.find("old").map(|k| k.kid()), Some("old"));
    assert_eq!(ring.find("next").map(|k| k.status()), Some(KeyStatus::Standby));
    assert!(ring.find("other").is_none());
    let seg = ring.keys()[2].header_segment().to_owned();
    assert_eq!(ring.match_header_segment(seg.as_bytes()).map(|k| k.kid()), Some("old"));
    assert!(ring.match_header_segment(b"eyJ").is_none());
    assert_eq!(ring.jwks_json(), r#"{"keys":[]}"#, "HS256 keys are never published");
  }

  #[test]
  fn statuses_parse_exactly() {
    assert_eq!(KeyStatus::parse("standby"), Some(KeyStatus::Standby));
    assert_eq!(KeyStatus::parse("current"), Some(KeyStatus::Current));
    assert_eq!(KeyStatus::parse("retired"), Some(KeyStatus::Retired));
    assert_eq!(KeyStatus::parse("Current"), None);
    assert_eq!(KeyStatus::parse("revoked"), None);
  }
}
