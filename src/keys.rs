//! The key ring: HS256 keys parsed once, identified by `kid`. The first key signs, all verify.
//!
//! A key is kept only as pre-keyed HMAC state (the inner and outer pads already absorbed), which
//! each call clones instead of redoing the key setup. That state is as sensitive as the secret,
//! so it is zeroized on drop and never printed.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::header;

pub(crate) type HmacSha256 = Hmac<Sha256>;

/// Minimum HS256 secret length in bytes (RFC 7518 section 3.2: at least the hash output size).
pub const MIN_SECRET_LEN: usize = 32;

/// Context string of the refresh-token key derivation: refresh MACs never share a key with JWTs.
const REFRESH_KEY_CONTEXT: &[u8] = b"parse-server-refresh-token/refresh/v1";

fn keyed(secret: &[u8]) -> HmacSha256 {
  // HMAC accepts keys of every length (long ones are hashed first), so this cannot fail.
  <HmacSha256 as Mac>::new_from_slice(secret).unwrap_or_else(|_| unreachable!("HMAC takes any key length"))
}

/// One HS256 key: its `kid`, our exact encoded header for it, and pre-keyed MAC states.
pub struct SigningKey {
  kid: String,
  header_segment: String,
  access_mac: HmacSha256,
  refresh_mac: HmacSha256,
}

impl SigningKey {
  /// Builds a key from a secret. Length rules are checked by `options`; this only keys the MACs.
  pub fn new(kid: &str, secret: &[u8]) -> Self {
    let access_mac = keyed(secret);
    let mut derive = access_mac.clone();
    derive.update(REFRESH_KEY_CONTEXT);
    let mut refresh_key: [u8; 32] = derive.finalize().into_bytes().into();
    let refresh_mac = keyed(&refresh_key);
    refresh_key.zeroize();
    SigningKey { kid: kid.to_owned(), header_segment: header::encoded_header(kid), access_mac, refresh_mac }
  }

  pub fn kid(&self) -> &str {
    &self.kid
  }

  /// The base64url header segment our tokens carry for this key.
  pub(crate) fn header_segment(&self) -> &str {
    &self.header_segment
  }

  /// A fresh JWT MAC, already keyed.
  #[inline]
  pub(crate) fn access_mac(&self) -> HmacSha256 {
    self.access_mac.clone()
  }

  /// A fresh refresh-token MAC under the derived refresh key.
  #[inline]
  pub(crate) fn refresh_mac(&self) -> HmacSha256 {
    self.refresh_mac.clone()
  }
}

impl Drop for SigningKey {
  fn drop(&mut self) {
    // SAFETY: `Hmac<Sha256>` is plain data (arrays and integers, no pointers, no Drop), the
    // all-zero bit pattern is a valid value of it, and we hold `&mut self`, so nobody else can
    // observe the bytes while they are overwritten.
    unsafe {
      zeroize::zeroize_flat_type(&mut self.access_mac as *mut HmacSha256);
      zeroize::zeroize_flat_type(&mut self.refresh_mac as *mut HmacSha256);
    }
  }
}

impl ZeroizeOnDrop for SigningKey {}

impl std::fmt::Debug for SigningKey {
  fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    f.debug_struct("SigningKey").field("kid", &self.kid).field("secret", &"[redacted]").finish()
  }
}

/// The ordered key ring: `keys[0]` signs, every key verifies.
#[derive(Debug)]
pub struct KeyRing {
  keys: Vec<SigningKey>,
}

impl KeyRing {
  /// `keys` must be non-empty with unique kids (checked by `options`).
  pub(crate) fn new(keys: Vec<SigningKey>) -> Self {
    debug_assert!(!keys.is_empty());
    KeyRing { keys }
  }

  pub fn signing_key(&self) -> &SigningKey {
    &self.keys[0]
  }

  pub fn keys(&self) -> &[SigningKey] {
    &self.keys
  }

  pub fn find(&self, kid: &str) -> Option<&SigningKey> {
    self.keys.iter().find(|k| k.kid == kid)
  }

  /// The common case: the token's header segment is byte-for-byte one we produce.
  #[inline]
  pub(crate) fn match_header_segment(&self, segment: &[u8]) -> Option<&SigningKey> {
    self.keys.iter().find(|k| k.header_segment.as_bytes() == segment)
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn debug_never_prints_key_material() {
    let key = SigningKey::new("k1", b"0123456789abcdef0123456789abcdef");
    let text = format!("{key:?}");
    assert!(text.contains("[redacted]"));
    assert!(text.contains("k1"));
    assert!(!text.contains("0123456789"));
    let ring = KeyRing::new(vec![key]);
    assert!(!format!("{ring:?}").contains("0123456789"));
  }

  #[test]
  fn pre_keyed_state_matches_fresh_hmac() {
    let secret = b"0123456789abcdef0123456789abcdef-longer";
    let key = SigningKey::new("k", secret);
    let mut a = key.access_mac();
    a.update(b"message");
    let mut b = keyed(secret);
    b.update(b"message");
    assert_eq!(a.finalize().into_bytes(), b.finalize().into_bytes());
  }

  #[test]
  fn refresh_key_differs_from_access_key() {
    let key = SigningKey::new("k", &[1u8; 32]);
    let mut a = key.access_mac();
    a.update(b"m");
    let mut r = key.refresh_mac();
    r.update(b"m");
    assert_ne!(a.finalize().into_bytes(), r.finalize().into_bytes());
  }

  #[test]
  fn ring_lookup() {
    let ring = KeyRing::new(vec![SigningKey::new("new", &[1u8; 32]), SigningKey::new("old", &[2u8; 32])]);
    assert_eq!(ring.signing_key().kid(), "new");
    assert_eq!(ring.find("old").map(|k| k.kid()), Some("old"));
    assert!(ring.find("other").is_none());
    let seg = ring.keys()[1].header_segment().to_owned();
    assert_eq!(ring.match_header_segment(seg.as_bytes()).map(|k| k.kid()), Some("old"));
    assert!(ring.match_header_segment(b"eyJ").is_none());
  }
}
