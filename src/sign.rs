//! HS256 compact JWS signing with a pre-keyed MAC.

use hmac::Mac;

use crate::base64url;
use crate::keys::SigningKey;

/// Base64url length of `n` bytes without padding.
pub(crate) const fn encoded_len(n: usize) -> usize {
  (n * 4).div_ceil(3)
}

/// `header.payload.signature` with our exact header for `key`.
pub(crate) fn sign(key: &SigningKey, payload_json: &[u8]) -> String {
  let header = key.header_segment();
  let mut token = String::with_capacity(header.len() + encoded_len(payload_json.len()) + 45);
  token.push_str(header);
  token.push('.');
  base64url::encode_into(payload_json, &mut token);
  let mut mac = key.access_mac();
  mac.update(token.as_bytes());
  let signature = mac.finalize().into_bytes();
  token.push('.');
  base64url::encode_into(&signature, &mut token);
  token
}

#[cfg(test)]
mod tests {
  use super::*;
  use hmac::Mac;

  #[test]
  fn matches_rfc_hmac_over_signing_input() {
    let key = SigningKey::new("k", b"0123456789abcdef0123456789abcdef");
    let token = sign(&key, br#"{"a":1}"#);
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3);
    assert_eq!(base64url::decode(parts[1].as_bytes()).unwrap(), br#"{"a":1}"#);
    let mut mac = crate::keys::HmacSha256::new_from_slice(b"0123456789abcdef0123456789abcdef").unwrap();
    mac.update(format!("{}.{}", parts[0], parts[1]).as_bytes());
    assert_eq!(base64url::encode(&mac.finalize().into_bytes()), parts[2]);
    assert_eq!(encoded_len(32), 43);
    assert!(token.capacity() >= token.len());
  }
}
