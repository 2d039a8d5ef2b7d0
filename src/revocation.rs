//! The in-process revocation list: session id -> "revoked until" (epoch seconds).
//!
//! Bounded: at `capacity`, expired entries are purged, then the entry that expires soonest is
//! evicted. That is safe because this list is a fast path, not the authority: the Parse layer
//! also checks on every request that the session still exists, and a revoked session is deleted.
//! Losing an entry only means the next check falls through to that lookup (and the entry that
//! goes first is the one whose protection would have ended soonest anyway).

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use once_cell::sync::Lazy;

use crate::options::DEFAULT_REVOCATION_CAPACITY;

#[derive(Default)]
struct Entries {
  capacity: usize,
  until_by_sid: HashMap<String, u64>,
  by_until: BTreeSet<(u64, String)>,
}

impl Entries {
  fn remove(&mut self, sid: &str) {
    if let Some(until) = self.until_by_sid.remove(sid) {
      self.by_until.remove(&(until, sid.to_owned()));
    }
  }

  fn purge_expired(&mut self, now: u64) {
    while let Some((until, _)) = self.by_until.first() {
      if *until > now {
        break;
      }
      if let Some((_, sid)) = self.by_until.pop_first() {
        self.until_by_sid.remove(&sid);
      }
    }
  }

  fn evict_soonest(&mut self) {
    if let Some((_, sid)) = self.by_until.pop_first() {
      self.until_by_sid.remove(&sid);
    }
  }

  fn shrink_to(&mut self, capacity: usize, now: u64) {
    if self.until_by_sid.len() > capacity {
      self.purge_expired(now);
    }
    while self.until_by_sid.len() > capacity {
      self.evict_soonest();
    }
  }
}

/// A bounded map of revoked session ids, safe to share between threads.
pub struct RevocationList {
  entries: Mutex<Entries>,
  /// Entry count, read without the lock so that an empty list costs one atomic load per verify.
  len: AtomicUsize,
}

impl RevocationList {
  pub fn new(capacity: usize) -> Self {
    RevocationList {
      entries: Mutex::new(Entries { capacity: capacity.max(1), ..Default::default() }),
      len: AtomicUsize::new(0),
    }
  }

  fn lock(&self) -> MutexGuard<'_, Entries> {
    // The map stays consistent even if a holder panicked; keep serving it.
    self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
  }

  /// Revokes `sid` until `until` (epoch seconds). A later `until` extends an entry; an earlier
  /// one never shortens it; an `until` not after `now` adds nothing.
  pub fn revoke(&self, sid: &str, until: u64, now: u64) {
    let mut entries = self.lock();
    match entries.until_by_sid.get(sid).copied() {
      Some(current) if current >= until => {}
      Some(current) => {
        entries.by_until.remove(&(current, sid.to_owned()));
        entries.by_until.insert((until, sid.to_owned()));
        entries.until_by_sid.insert(sid.to_owned(), until);
      }
      None if until <= now => {}
      None => {
        let capacity = entries.capacity;
        entries.shrink_to(capacity - 1, now);
        entries.until_by_sid.insert(sid.to_owned(), until);
        entries.by_until.insert((until, sid.to_owned()));
      }
    }
    self.len.store(entries.until_by_sid.len(), Ordering::Release);
  }

  /// True while `sid` has an entry with `until` after `now`. An expired entry found here is
  /// dropped on the spot.
  pub fn is_revoked(&self, sid: &str, now: u64) -> bool {
    if self.len.load(Ordering::Acquire) == 0 {
      return false;
    }
    let mut entries = self.lock();
    match entries.until_by_sid.get(sid).copied() {
      Some(until) if until > now => true,
      Some(_) => {
        entries.remove(sid);
        self.len.store(entries.until_by_sid.len(), Ordering::Release);
        false
      }
      None => false,
    }
  }

  /// Changes the bound, evicting as `revoke` would if the list shrinks.
  pub fn set_capacity(&self, capacity: usize, now: u64) {
    let mut entries = self.lock();
    entries.capacity = capacity.max(1);
    let capacity = entries.capacity;
    entries.shrink_to(capacity, now);
    self.len.store(entries.until_by_sid.len(), Ordering::Release);
  }

  pub fn capacity(&self) -> usize {
    self.lock().capacity
  }

  /// Entries currently held (expired ones included until purged).
  pub fn len(&self) -> usize {
    self.len.load(Ordering::Acquire)
  }

  pub fn is_empty(&self) -> bool {
    self.len() == 0
  }
}

impl std::fmt::Debug for RevocationList {
  fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    f.debug_struct("RevocationList").field("len", &self.len()).finish()
  }
}

static GLOBAL: Lazy<Arc<RevocationList>> =
  Lazy::new(|| Arc::new(RevocationList::new(DEFAULT_REVOCATION_CAPACITY as usize)));

/// The process-wide list shared by every issuer that `configure` creates, so that replacing the
/// default issuer (key rotation) does not forget revocations.
pub fn global_revocation_list() -> Arc<RevocationList> {
  Arc::clone(&GLOBAL)
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn entries_expire_by_themselves() {
    let list = RevocationList::new(10);
    assert!(!list.is_revoked("s", 100));
    list.revoke("s", 110, 100);
    assert!(list.is_revoked("s", 100));
    assert!(list.is_revoked("s", 109));
    assert!(!list.is_revoked("s", 110));
    assert_eq!(list.len(), 0, "expired entry dropped on lookup");
    list.revoke("t", 90, 100);
    assert!(list.is_empty(), "already expired: nothing stored");
  }

  #[test]
  fn later_until_extends_earlier_never_shortens() {
    let list = RevocationList::new(10);
    list.revoke("s", 110, 100);
    list.revoke("s", 105, 100);
    assert!(list.is_revoked("s", 108));
    list.revoke("s", 200, 100);
    assert!(list.is_revoked("s", 150));
    assert_eq!(list.len(), 1);
  }

  #[test]
  fn bounded_purges_expired_then_evicts_soonest() {
    let list = RevocationList::new(3);
    list.revoke("a", 150, 100);
    list.revoke("b", 300, 100);
    list.revoke("c", 200, 100);
    list.revoke("d", 400, 100); // full: evicts a (soonest)
    assert_eq!(list.len(), 3);
    assert!(!list.is_revoked("a", 101));
    assert!(list.is_revoked("b", 101) && list.is_revoked("c", 101) && list.is_revoked("d", 101));
    list.revoke("e", 500, 250); // c expired at 200: purged, b and d stay
    assert!(list.is_revoked("b", 250) && list.is_revoked("d", 250) && list.is_revoked("e", 250));
    assert_eq!(list.len(), 3);
    list.set_capacity(1, 250);
    assert_eq!(list.len(), 1);
    assert!(list.is_revoked("e", 260));
    assert_eq!(list.capacity(), 1);
  }

  #[test]
  fn stays_bounded_under_load() {
    let list = RevocationList::new(1000);
    for i in 0..10_000u64 {
      list.revoke(&format!("s{i}"), 1_000 + i, 100);
    }
    assert_eq!(list.len(), 1000);
    assert!(list.is_revoked("s9999", 100));
    assert!(!list.is_revoked("s0", 100));
  }

  #[test]
  fn global_list_is_shared() {
    assert!(Arc::ptr_eq(&global_revocation_list(), &global_revocation_list()));
  }
}
