//! Refresh tokens, derived rather than stored.
//!
//! Each login has a random 256-bit seed (from the OS) and a generation counter, both stored
//! server-side. Its refresh token of generation `g` is
//!
//! ```text
//! base64url( 0x01 | len(sid) | sid | g as u32 BE | HMAC-SHA256(refresh_key, 0x01 | seed | len(sid) | sid | g) )
//! ```
//!
//! where `refresh_key` is one of `RefreshKeys` (`refreshSecret`, or derived from an HS256 secret
//! as `HMAC-SHA256(secret, "parse-server-refresh-token/refresh/v1")`). The server stores only the seed, the generation and SHA-256 of the token. A database leak
//! alone mints nothing (the key is missing); the key alone mints nothing (the seeds are missing);
//! and the current token can be derived again, so a client that lost a refresh race inside the
//! grace window can be handed the same chain's current token instead of a fork.

use hmac::Mac;
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::{Choice, ConstantTimeEq};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::base64url;
use crate::error::{Error, ErrorCode};
use crate::hmac_key::HmacKey;
use crate::refresh_keys::RefreshKeys;

const VERSION: u8 = 1;
/// Longest session id a refresh token carries (Parse object ids are 10 characters).
pub const MAX_SID_LEN: usize = 64;
const SEED_LEN: usize = 32;
const MAC_LEN: usize = 32;
const MIN_RAW_LEN: usize = 1 + 1 + 1 + 4 + MAC_LEN;
const MAX_RAW_LEN: usize = 1 + 1 + MAX_SID_LEN + 4 + MAC_LEN;

/// A per-login seed. Zeroized on drop, never printed.
#[derive(Zeroize, ZeroizeOnDrop)]
pub(crate) struct Seed([u8; SEED_LEN]);

impl Seed {
  pub(crate) fn generate() -> Seed {
    let mut bytes = [0u8; SEED_LEN];
    OsRng.fill_bytes(&mut bytes);
    Seed(bytes)
  }

  /// Parses the stored form (43 base64url characters).
  pub(crate) fn parse(text: &str) -> Result<Seed, Error> {
    base64url::decode_array::<SEED_LEN>(text.as_bytes())
      .map(Seed)
      .ok_or_else(|| Error::argument("seed", "must be the 43-character base64url seed returned by createRefreshToken"))
  }

  pub(crate) fn encode(&self) -> String {
    base64url::encode(&self.0)
  }
}

/// A refresh token and what the server stores for it.
#[derive(Clone, PartialEq, Eq)]
pub struct RefreshToken {
  /// Give to the client; never store.
  pub token: String,
  /// base64url SHA-256 of `token`: store and look up by this.
  pub hash: String,
  pub generation: u32,
}

impl std::fmt::Debug for RefreshToken {
  fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    f.debug_struct("RefreshToken").field("token", &"[redacted]").field("generation", &self.generation).finish()
  }
}

/// What a refresh token says about itself (readable without a key; not yet authenticated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshTokenInfo {
  pub sid: String,
  pub generation: u32,
}

pub(crate) fn check_sid(sid: &str) -> Result<(), Error> {
  if sid.is_empty() || sid.len() > MAX_SID_LEN {
    return Err(Error::argument("sid", &format!("must be a string of 1 to {MAX_SID_LEN} bytes")));
  }
  Ok(())
}

fn mac(key: &HmacKey, seed: &Seed, sid: &str, generation: u32) -> [u8; MAC_LEN] {
  let mut mac = key.mac();
  mac.update(&[VERSION]);
  mac.update(&seed.0);
  mac.update(&[sid.len() as u8]);
  mac.update(sid.as_bytes());
  mac.update(&generation.to_be_bytes());
  mac.finalize().into_bytes().into()
}

/// The token of `generation` for this seed and sid, under the signing refresh key. Deterministic.
pub(crate) fn derive(key: &HmacKey, seed: &Seed, sid: &str, generation: u32) -> Result<RefreshToken, Error> {
  check_sid(sid)?;
  let mut raw = Vec::with_capacity(MIN_RAW_LEN + sid.len());
  raw.push(VERSION);
  raw.push(sid.len() as u8);
  raw.extend_from_slice(sid.as_bytes());
  raw.extend_from_slice(&generation.to_be_bytes());
  raw.extend_from_slice(&mac(key, seed, sid, generation));
  let token = base64url::encode(&raw);
  raw.zeroize();
  let hash = hash(&token);
  Ok(RefreshToken { token, hash, generation })
}

/// Reads sid and generation; `REFRESH_TOKEN_MALFORMED` for any other shape.
pub(crate) fn inspect(token: &str) -> Result<(RefreshTokenInfo, [u8; MAC_LEN]), Error> {
  let malformed = || Error::from(ErrorCode::RefreshTokenMalformed);
  if token.len() > sign_len(MAX_RAW_LEN) || token.len() < sign_len(MIN_RAW_LEN) {
    return Err(malformed());
  }
  let raw = base64url::decode(token.as_bytes()).ok_or_else(malformed)?;
  if raw.len() < MIN_RAW_LEN || raw[0] != VERSION {
    return Err(malformed());
  }
  let sid_len = raw[1] as usize;
  if sid_len == 0 || sid_len > MAX_SID_LEN || raw.len() != MIN_RAW_LEN - 1 + sid_len {
    return Err(malformed());
  }
  let sid = std::str::from_utf8(&raw[2..2 + sid_len]).map_err(|_| malformed())?.to_owned();
  let rest = &raw[2 + sid_len..];
  let generation = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]);
  let mut tag = [0u8; MAC_LEN];
  tag.copy_from_slice(&rest[4..]);
  Ok((RefreshTokenInfo { sid, generation }, tag))
}

const fn sign_len(raw: usize) -> usize {
  crate::sign::encoded_len(raw)
}

/// True iff `token` is genuine for its own sid and generation under `seed` and any refresh key.
/// Every key is tried, and the tags are compared in constant time.
pub(crate) fn verify(keys: &RefreshKeys, token: &str, seed: &Seed) -> bool {
  let Ok((info, tag)) = inspect(token) else {
    return false;
  };
  let mut ok = Choice::from(0);
  for key in keys.all() {
    ok |= mac(key, seed, &info.sid, info.generation).ct_eq(&tag);
  }
  ok.into()
}

/// base64url SHA-256 of the token text (43 characters).
pub(crate) fn hash(token: &str) -> String {
  base64url::encode(&Sha256::digest(token.as_bytes()))
}

/// Constant-time comparison of `hash(token)` with a stored hash.
pub(crate) fn matches(token: &str, stored_hash: &str) -> bool {
  let computed = hash(token);
  computed.len() == stored_hash.len() && bool::from(computed.as_bytes().ct_eq(stored_hash.as_bytes()))
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::keys::{Key, KeyRing, KeyStatus};
  use std::collections::HashSet;

  /// Refresh keys derived from two HS256 keys, as `options` builds them without `refreshSecret`.
  fn ring_keys(secrets: &[[u8; 32]]) -> RefreshKeys {
    let keys = secrets
      .iter()
      .enumerate()
      .map(|(i, s)| Key::hs256(&format!("k{i}"), if i == 0 { KeyStatus::Current } else { KeyStatus::Retired }, s))
      .collect();
    RefreshKeys::new(None, &KeyRing::new(keys)).unwrap()
  }

  fn ring() -> RefreshKeys {
    ring_keys(&[[1u8; 32], [2u8; 32]])
  }

  #[test]
  fn derive_is_deterministic_and_generations_differ() {
    let ring = ring();
    let seed = Seed::generate();
    let a = derive(ring.signing(), &seed, "sess1", 0).unwrap();
    let b = derive(ring.signing(), &seed, "sess1", 0).unwrap();
    let c = derive(ring.signing(), &seed, "sess1", 1).unwrap();
    assert_eq!(a, b);
    assert_ne!(a.token, c.token);
    assert_eq!(a.hash, hash(&a.token));
    assert_eq!(a.hash.len(), 43);
    assert!(a.token.len() >= 52);
    assert!(a.token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
  }

  #[test]
  fn inspect_and_verify() {
    let ring = ring();
    let seed = Seed::generate();
    let t = derive(ring.signing(), &seed, "sess1", 7).unwrap();
    let (info, _) = inspect(&t.token).unwrap();
    assert_eq!(info, RefreshTokenInfo { sid: "sess1".into(), generation: 7 });
    assert!(verify(&ring, &t.token, &seed));
    assert!(!verify(&ring, &t.token, &Seed::generate()), "other seed");
    // Old key still verifies.
    let old = derive(&ring.all()[1], &seed, "sess1", 7).unwrap();
    assert!(verify(&ring, &old.token, &seed));
    let other_ring = ring_keys(&[[3u8; 32]]);
    assert!(!verify(&other_ring, &t.token, &seed), "other key");
    // A token re-labelled with another generation or sid fails.
    let mut raw = base64url::decode(t.token.as_bytes()).unwrap();
    let g = 2 + 5 + 3;
    raw[g] ^= 1;
    assert!(!verify(&ring, &base64url::encode(&raw), &seed));
  }

  #[test]
  fn malformed_tokens() {
    for bad in
      ["", "abc", "!!!!", &"A".repeat(200), &base64url::encode(&[2u8; 40]), &base64url::encode(&[1, 0, 0, 0, 0, 0, 0])]
    {
      assert_eq!(inspect(bad).unwrap_err().code(), ErrorCode::RefreshTokenMalformed, "{bad}");
      assert!(!verify(&ring(), bad, &Seed::generate()));
    }
    let mut raw = vec![1u8, 2, 0xff, 0xfe, 0, 0, 0, 0];
    raw.extend_from_slice(&[0u8; 32]);
    assert_eq!(inspect(&base64url::encode(&raw)).unwrap_err().code(), ErrorCode::RefreshTokenMalformed, "not utf-8");
  }

  #[test]
  fn sid_and_seed_are_checked() {
    let ring = ring();
    let seed = Seed::generate();
    assert_eq!(derive(ring.signing(), &seed, "", 0).unwrap_err().code(), ErrorCode::InvalidArgument);
    assert_eq!(derive(ring.signing(), &seed, &"s".repeat(65), 0).unwrap_err().code(), ErrorCode::InvalidArgument);
    assert!(derive(ring.signing(), &seed, &"s".repeat(64), 0).is_ok());
    assert_eq!(Seed::parse(&seed.encode()).unwrap().0, seed.0);
    assert_eq!(Seed::parse("short").err().unwrap().code(), ErrorCode::InvalidArgument);
  }

  #[test]
  fn hash_match_is_exact() {
    let t = "token-value";
    let h = hash(t);
    assert!(matches(t, &h));
    assert!(!matches("token-valuf", &h));
    assert!(!matches(t, &h[..42]));
    assert!(!matches(t, ""));
  }

  #[test]
  fn seeds_are_distinct() {
    let mut seen = HashSet::new();
    for _ in 0..1000 {
      assert!(seen.insert(Seed::generate().encode()));
    }
  }
}
