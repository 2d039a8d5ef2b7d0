//! Strict base64url (RFC 7515 section 2): URL alphabet, no padding, canonical trailing bits.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// Appends the base64url encoding of `bytes` to `out`.
pub(crate) fn encode_into(bytes: &[u8], out: &mut String) {
  URL_SAFE_NO_PAD.encode_string(bytes, out);
}

pub(crate) fn encode(bytes: &[u8]) -> String {
  URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes strictly: rejects padding, other alphabets, and non-zero trailing bits.
pub(crate) fn decode(text: &[u8]) -> Option<Vec<u8>> {
  URL_SAFE_NO_PAD.decode(text).ok()
}

/// Decodes strictly, appending to `out` (no allocation once `out` has grown).
pub(crate) fn decode_into(text: &[u8], out: &mut Vec<u8>) -> Option<()> {
  URL_SAFE_NO_PAD.decode_vec(text, out).ok()
}

/// Decodes exactly `N` bytes or nothing.
pub(crate) fn decode_array<const N: usize>(text: &[u8]) -> Option<[u8; N]> {
  if text.len() != (N * 4).div_ceil(3) {
    return None;
  }
  let mut out = [0u8; N];
  match URL_SAFE_NO_PAD.decode_slice(text, &mut out) {
    Ok(n) if n == N => Some(out),
    _ => None,
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn round_trip_and_strictness() {
    assert_eq!(encode(b"\xfb\xff"), "-_8");
    assert_eq!(decode(b"-_8").unwrap(), b"\xfb\xff");
    assert!(decode(b"-_8=").is_none(), "padding");
    assert!(decode(b"+/8").is_none(), "standard alphabet");
    assert!(decode(b"-_9").is_none(), "non-canonical trailing bits");
    assert!(decode(b"a").is_none(), "impossible length");
    assert!(decode(b"ab c").is_none(), "whitespace");
    let mut s = String::from("x.");
    encode_into(b"hi", &mut s);
    assert_eq!(s, "x.aGk");
    let mut v = b"ab".to_vec();
    assert!(decode_into(b"aGk", &mut v).is_some());
    assert_eq!(v, b"abhi");
    assert!(decode_into(b"aGk=", &mut v).is_none());
  }

  #[test]
  fn fixed_size_decode() {
    let text = encode(&[7u8; 32]);
    assert_eq!(text.len(), 43);
    assert_eq!(decode_array::<32>(text.as_bytes()), Some([7u8; 32]));
    assert_eq!(decode_array::<32>(&text.as_bytes()[..42]), None);
    assert_eq!(decode_array::<16>(text.as_bytes()), None);
  }
}
