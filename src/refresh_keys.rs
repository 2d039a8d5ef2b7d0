//! The symmetric keys of refresh-token MACs, apart from the access-token keys (an asymmetric
//! deployment has no secret to derive them from). One signs: `refreshSecret` when configured,
//! else the key derived from the current HS256 key as before, so existing tokens stay valid.
//! All verify: `refreshSecret` and the key derived from every HS256 key of the ring, so that
//! adding `refreshSecret`, or rotating the HS256 key, does not end existing logins.

use crate::hmac_key::HmacKey;
use crate::keys::{KeyRing, KeyStatus};

#[derive(Debug)]
pub(crate) struct RefreshKeys {
  keys: Vec<HmacKey>,
  signing: usize,
}

impl RefreshKeys {
  /// None when there is no `refresh_secret` and the current key is not HS256 (`options` turns
  /// that into an error naming `refreshSecret`).
  pub(crate) fn new(refresh_secret: Option<&[u8]>, ring: &KeyRing) -> Option<Self> {
    let mut keys: Vec<HmacKey> = refresh_secret.map(HmacKey::new).into_iter().collect();
    let mut signing = if keys.is_empty() { None } else { Some(0) };
    for key in ring.keys() {
      if let Some(hmac) = key.hmac() {
        if signing.is_none() && key.status() == KeyStatus::Current {
          signing = Some(keys.len());
        }
        keys.push(hmac.derive_refresh_key());
      }
    }
    Some(RefreshKeys { keys, signing: signing? })
  }

  pub(crate) fn signing(&self) -> &HmacKey {
    &self.keys[self.signing]
  }

  pub(crate) fn all(&self) -> &[HmacKey] {
    &self.keys
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::keys::Key;

  #[test]
  fn signing_key_is_refresh_secret_else_derived_from_current() {
    let ring = KeyRing::new(vec![
      Key::hs256("old", KeyStatus::Retired, &[2u8; 32]),
      Key::hs256("new", KeyStatus::Current, &[1u8; 32]),
    ]);
    let derived = RefreshKeys::new(None, &ring).unwrap();
    assert_eq!(derived.all().len(), 2);
    assert_eq!(derived.signing, 1);
    let configured = RefreshKeys::new(Some(&[9u8; 32]), &ring).unwrap();
    assert_eq!(configured.all().len(), 3);
    assert_eq!(configured.signing, 0);
  }
}
