//! Signatures an asymmetric key has already verified, so that the same token seen again (a client
//! sends its access token with every request for its whole lifetime) skips the public-key check,
//! which costs hundreds of microseconds for ES256 and RS256 against about one for this lookup.
//!
//! Only a signature that verified is remembered, as the SHA-256 of the exact signed input and
//! signature bytes, per key: nothing an attacker sends can add an entry, and removing a key (a new
//! issuer) drops its entries. Claims (exp, nbf, iss, aud) and revocation are still checked on every
//! call; this replaces only the signature check. Bounded, oldest entry evicted first.

use std::cell::RefCell;
use std::collections::{HashSet, VecDeque};

use sha2::{Digest, Sha256};

/// Entries per key: about 200 KB at most. A server with more live tokens than this per instance
/// still verifies every token correctly, only with fewer hits.
pub(crate) const CAPACITY: usize = 4096;

type Fingerprint = [u8; 32];

#[derive(Default)]
struct Entries {
  set: HashSet<Fingerprint>,
  order: VecDeque<Fingerprint>,
}

#[derive(Default)]
pub(crate) struct VerifiedSignatures {
  // The issuer is used from one JavaScript thread (it is neither Send nor Sync), so a RefCell is
  // enough; a failed borrow, which cannot happen, would only skip the cache.
  entries: RefCell<Entries>,
}

fn fingerprint(input: &[u8], signature: &[u8]) -> Fingerprint {
  let mut hash = Sha256::new();
  // The input's length first: no other (input, signature) split of the same bytes collides.
  hash.update((input.len() as u64).to_le_bytes());
  hash.update(input);
  hash.update(signature);
  hash.finalize().into()
}

impl VerifiedSignatures {
  /// True if `signature` over `input` verifies: from memory, or by running `check` (and then
  /// remembering it when it holds).
  pub(crate) fn verify(&self, input: &[u8], signature: &[u8], check: impl FnOnce() -> bool) -> bool {
    let print = fingerprint(input, signature);
    if self.entries.try_borrow().is_ok_and(|entries| entries.set.contains(&print)) {
      return true;
    }
    if !check() {
      return false;
    }
    if let Ok(mut entries) = self.entries.try_borrow_mut() {
      if entries.set.insert(print) {
        entries.order.push_back(print);
        if entries.order.len() > CAPACITY {
          if let Some(oldest) = entries.order.pop_front() {
            entries.set.remove(&oldest);
          }
        }
      }
    }
    true
  }

  #[cfg(test)]
  fn len(&self) -> usize {
    self.entries.borrow().set.len()
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use std::cell::Cell;

  #[test]
  fn remembers_only_what_verified_and_checks_once() {
    let cache = VerifiedSignatures::default();
    let calls = Cell::new(0);
    let good = || {
      calls.set(calls.get() + 1);
      true
    };
    assert!(cache.verify(b"input", b"sig", good));
    assert!(cache.verify(b"input", b"sig", good));
    assert_eq!(calls.get(), 1);
    // A failed check is not remembered: it is checked again, and fails again.
    assert!(!cache.verify(b"input", b"forged", || false));
    assert!(!cache.verify(b"input", b"forged", || false));
    assert_eq!(cache.len(), 1);
  }

  #[test]
  fn another_split_of_the_same_bytes_is_another_entry() {
    let cache = VerifiedSignatures::default();
    assert!(cache.verify(b"a.bX", b"Y", || true));
    assert!(!cache.verify(b"a.b", b"XY", || false));
  }

  #[test]
  fn is_bounded_and_evicts_the_oldest() {
    let cache = VerifiedSignatures::default();
    for i in 0..CAPACITY + 10 {
      assert!(cache.verify(&i.to_le_bytes(), b"s", || true));
    }
    assert_eq!(cache.len(), CAPACITY);
    // The first entries are gone: their check runs again.
    assert!(!cache.verify(&0usize.to_le_bytes(), b"s", || false));
    // The newest is still there.
    assert!(cache.verify(&(CAPACITY + 9).to_le_bytes(), b"s", || false));
  }
}
