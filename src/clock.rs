//! The server clock: whole seconds since the Unix epoch.

use std::time::{SystemTime, UNIX_EPOCH};

pub(crate) fn now_secs() -> u64 {
  SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
  #[test]
  fn now_is_after_2024() {
    assert!(super::now_secs() > 1_704_067_200);
  }
}
