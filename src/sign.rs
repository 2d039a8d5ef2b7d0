//! Compact JWS signing: our exact header for the key, the payload, the key's signature.

use crate::base64url;
use crate::error::Error;
use crate::keys::Key;

/// Base64url length of `n` bytes without padding.
pub(crate) const fn encoded_len(n: usize) -> usize {
  (n * 4).div_ceil(3)
}

/// `header.payload.signature` with our exact header for `key`.
pub(crate) fn sign(key: &Key, payload_json: &[u8]) -> Result<String, Error> {
  let header = key.header_segment();
  // RSA never signs here (verify-only), so every signature length is known.
  let signature_len = encoded_len(key.alg().signature_len().unwrap_or(512));
  let mut token = String::with_capacity(header.len() + encoded_len(payload_json.len()) + signature_len + 2);
  token.push_str(header);
  token.push('.');
  base64url::encode_into(payload_json, &mut token);
  key.sign_into(&mut token)?;
  Ok(token)
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::keys::KeyStatus;
  use hmac::Mac;

  #[test]
  fn matches_rfc_hmac_over_signing_input() {
    let key = Key::hs256("k", KeyStatus::Current, b"0123456789abcdef0123456789abcdef");
    let token = sign(&key, br#"{"a":1}"#).unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3);
    assert_eq!(base64url::decode(parts[1].as_bytes()).unwrap(), br#"{"a":1}"#);
    let mut mac = crate::hmac_key::HmacSha256::new_from_slice(b"0123456789abcdef0123456789abcdef").unwrap();
    mac.update(format!("{}.{}", parts[0], parts[1]).as_bytes());
    assert_eq!(base64url::encode(&mac.finalize().into_bytes()), parts[2]);
    assert_eq!(encoded_len(32), 43);
    assert!(token.capacity() >= token.len());
  }
}
