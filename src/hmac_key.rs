//! A pre-keyed HMAC-SHA256 state: the inner and outer pads already absorbed, so each call clones
//! it instead of redoing the key setup (the HS256 fast path, and every refresh-token MAC). The
//! state is as sensitive as the secret: zeroized on drop, never printed.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::{Zeroize, ZeroizeOnDrop};

pub(crate) type HmacSha256 = Hmac<Sha256>;

/// Minimum HS256 secret length in bytes (RFC 7518 section 3.2: at least the hash output size).
pub const MIN_SECRET_LEN: usize = 32;

/// Context string of the refresh-key derivation from an HS256 secret: refresh MACs never share a
/// key with JWTs. Changing it would invalidate every refresh token issued under a derived key.
const REFRESH_KEY_CONTEXT: &[u8] = b"parse-server-refresh-token/refresh/v1";

pub(crate) struct HmacKey(HmacSha256);

impl HmacKey {
  /// HMAC accepts keys of every length (long ones are hashed first), so this cannot fail. Length
  /// rules are checked by `options`.
  pub(crate) fn new(secret: &[u8]) -> Self {
    HmacKey(<HmacSha256 as Mac>::new_from_slice(secret).unwrap_or_else(|_| unreachable!("HMAC takes any key length")))
  }

  /// A fresh MAC, already keyed.
  #[inline]
  pub(crate) fn mac(&self) -> HmacSha256 {
    self.0.clone()
  }

  /// The refresh-token key derived from this (HS256) key: HMAC(secret, REFRESH_KEY_CONTEXT).
  pub(crate) fn derive_refresh_key(&self) -> HmacKey {
    let mut derive = self.mac();
    derive.update(REFRESH_KEY_CONTEXT);
    let mut refresh_key: [u8; 32] = derive.finalize().into_bytes().into();
    let key = HmacKey::new(&refresh_key);
    refresh_key.zeroize();
    key
  }
}

impl Drop for HmacKey {
  fn drop(&mut self) {
    // SAFETY: `Hmac<Sha256>` is plain data (arrays and integers, no pointers, no Drop), the
    // all-zero bit pattern is a valid value of it, and we hold `&mut self`, so nobody else can
    // observe the bytes while they are overwritten.
    unsafe { zeroize::zeroize_flat_type(&mut self.0 as *mut HmacSha256) }
  }
}

impl ZeroizeOnDrop for HmacKey {}

impl std::fmt::Debug for HmacKey {
  fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    f.write_str("HmacKey([redacted])")
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  fn tag(mut mac: HmacSha256, message: &[u8]) -> Vec<u8> {
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
  }

  #[test]
  fn pre_keyed_state_matches_fresh_hmac() {
    let secret = b"0123456789abcdef0123456789abcdef-longer";
    let fresh = <HmacSha256 as Mac>::new_from_slice(secret).unwrap();
    assert_eq!(tag(HmacKey::new(secret).mac(), b"message"), tag(fresh, b"message"));
  }

  #[test]
  fn derived_refresh_key_is_the_documented_one() {
    let key = HmacKey::new(&[1u8; 32]);
    let expected_key = tag(HmacKey::new(&[1u8; 32]).mac(), REFRESH_KEY_CONTEXT);
    assert_eq!(tag(key.derive_refresh_key().mac(), b"m"), tag(HmacKey::new(&expected_key).mac(), b"m"));
    assert_ne!(tag(key.derive_refresh_key().mac(), b"m"), tag(key.mac(), b"m"));
  }

  #[test]
  fn debug_is_redacted() {
    assert_eq!(format!("{:?}", HmacKey::new(b"0123456789abcdef0123456789abcdef")), "HmacKey([redacted])");
  }
}
