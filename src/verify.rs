//! Access-token verification. Order (each step's failure has its own code):
//! shape -> header (alg, typ, kid) -> signature -> claims (iss, aud, exp, nbf) -> revocation.
//!
//! The payload is base64-decoded with the shape checks but parsed only after the signature checks
//! out, so unauthenticated input never reaches the JSON parser beyond the (small) header.

use crate::base64url;
use crate::claims::RegisteredClaims;
use crate::error::{Error, ErrorCode};
use crate::keys::KeyRing;
use crate::revocation::RevocationList;

/// Longest token we look at; longer ones are `TOKEN_MALFORMED` before any work.
pub const MAX_TOKEN_LEN: usize = 8192;

/// What a token must satisfy besides its signature.
pub(crate) struct Policy<'a> {
  pub issuer: &'a str,
  pub audience: &'a str,
  pub leeway: u64,
}

/// A token's parts: header, payload, signature, and the length of the signed input.
type Segments<'a> = (&'a [u8], &'a [u8], &'a [u8], usize);

/// Splits `a.b.c` into its three segments; header and payload must be non-empty, the signature
/// may be empty so that an unsecured (`alg: none`) token is rejected for its algorithm.
/// (memchr: SIMD scans; the token is long.)
#[inline]
fn split(token: &[u8]) -> Option<Segments<'_>> {
  let first = memchr::memchr(b'.', token)?;
  let last = memchr::memrchr(b'.', token)?;
  if first == 0 || last <= first + 1 {
    return None;
  }
  let payload = &token[first + 1..last];
  if memchr::memchr(b'.', payload).is_some() {
    return None;
  }
  Some((&token[..first], payload, &token[last + 1..], last))
}

/// Verifies `token` at time `now` (seconds) and leaves its payload JSON in `out` (cleared first;
/// meaningless after an error),
/// known to be a JSON object with well-typed registered claims. `out` is reused across calls so the
/// hot path allocates nothing. Tokens are ASCII; any other byte makes them malformed.
pub(crate) fn verify_into(
  ring: &KeyRing,
  policy: &Policy<'_>,
  revocations: &RevocationList,
  bytes: &[u8],
  now: u64,
  out: &mut Vec<u8>,
) -> Result<(), Error> {
  out.clear();
  // Shape.
  if bytes.len() > MAX_TOKEN_LEN {
    return Err(ErrorCode::TokenMalformed.into());
  }
  let (header, payload, signature, signed_len) = split(bytes).ok_or(ErrorCode::TokenMalformed)?;

  // Header: the exact bytes we write, or parsed and checked.
  let key = match ring.match_header_segment(header) {
    Some(key) => key,
    None => crate::header::check_header(header, ring)?,
  };

  // The payload is decoded now but parsed only once the signature holds.
  base64url::decode_into(payload, out).ok_or(ErrorCode::TokenMalformed)?;

  // Signature, with the key's own algorithm.
  key.verify(&bytes[..signed_len], signature)?;

  // Claims.
  let claims = RegisteredClaims::parse(out)?;
  if claims.iss.as_deref() != Some(policy.issuer) {
    return Err(ErrorCode::TokenIssuerRejected.into());
  }
  if !claims.aud.as_ref().is_some_and(|aud| aud.contains(policy.audience)) {
    return Err(ErrorCode::TokenAudienceRejected.into());
  }
  let now_f = now as f64;
  let leeway = policy.leeway as f64;
  // Valid while now < exp + leeway (RFC 7519 4.1.4: "on or after" exp is expired).
  if claims.exp.is_some_and(|exp| now_f >= exp + leeway) {
    return Err(ErrorCode::TokenExpired.into());
  }
  if claims.nbf.is_some_and(|nbf| now_f + leeway < nbf) {
    return Err(ErrorCode::TokenNotYetValid.into());
  }

  // Revocation.
  if let Some(sid) = claims.sid.as_deref() {
    if revocations.is_revoked(sid, now) {
      return Err(ErrorCode::TokenRevoked.into());
    }
  }
  drop(claims);
  // serde_json checked the strings it read; skipped ones may hold anything. Text must be UTF-8.
  if !out.is_ascii() && std::str::from_utf8(out).is_err() {
    return Err(ErrorCode::TokenMalformed.into());
  }
  Ok(())
}

/// `verify_into` returning the payload as a `String`.
#[cfg(test)]
pub(crate) fn verify(
  ring: &KeyRing,
  policy: &Policy<'_>,
  revocations: &RevocationList,
  token: &str,
  now: u64,
) -> Result<String, Error> {
  let mut out = Vec::new();
  verify_into(ring, policy, revocations, token.as_bytes(), now, &mut out)?;
  Ok(String::from_utf8(out).unwrap_or_default())
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::keys::{Key, KeyStatus};
  use hmac::Mac;

  const NOW: u64 = 1_800_000_000;

  fn ring() -> KeyRing {
    KeyRing::new(vec![
      Key::hs256("k1", KeyStatus::Current, &[1u8; 32]),
      Key::hs256("k0", KeyStatus::Retired, &[0u8; 32]),
    ])
  }

  fn sign(key: &Key, payload: &[u8]) -> String {
    crate::sign::sign(key, payload).unwrap()
  }

  const POLICY: Policy<'static> = Policy { issuer: "https://api", audience: "app", leeway: 5 };

  fn payload(extra: &str) -> String {
    format!(r#"{{"iss":"https://api","aud":"app","sub":"u1","sid":"s1","iat":{NOW},"exp":{}{extra}}}"#, NOW + 60)
  }

  fn check(ring: &KeyRing, token: &str, now: u64) -> Result<String, ErrorCode> {
    verify(ring, &POLICY, &RevocationList::new(10), token, now).map_err(|e| e.code())
  }

  /// Signs with an arbitrary header, as another library would.
  fn sign_with_header(key_secret: &[u8], header_json: &str, payload_json: &str) -> String {
    let mut token = base64url::encode(header_json.as_bytes());
    token.push('.');
    token.push_str(&base64url::encode(payload_json.as_bytes()));
    let mut mac = crate::hmac_key::HmacSha256::new_from_slice(key_secret).unwrap();
    mac.update(token.as_bytes());
    token.push('.');
    token.push_str(&base64url::encode(&mac.finalize().into_bytes()));
    token
  }

  #[test]
  fn round_trip_returns_payload() {
    let ring = ring();
    let token = sign(ring.signing_key(), payload("").as_bytes());
    assert_eq!(check(&ring, &token, NOW).unwrap(), payload(""));
  }

  #[test]
  fn old_ring_key_still_verifies_and_other_orders_parse() {
    let ring = ring();
    let t = sign_with_header(&[0u8; 32], r#"{"kid":"k0","alg":"HS256","typ":"at+jwt"}"#, &payload(""));
    assert!(check(&ring, &t, NOW).is_ok());
    // Right kid header, wrong key bytes.
    let forged = sign_with_header(&[9u8; 32], r#"{"kid":"k0","alg":"HS256","typ":"at+jwt"}"#, &payload(""));
    assert_eq!(check(&ring, &forged, NOW), Err(ErrorCode::TokenSignatureInvalid));
  }

  #[test]
  fn each_failure_has_its_code() {
    let ring = ring();
    let good = sign(ring.signing_key(), payload("").as_bytes());
    let parts: Vec<&str> = good.split('.').collect();
    assert_eq!(check(&ring, "", NOW), Err(ErrorCode::TokenMalformed));
    assert_eq!(check(&ring, "a.b", NOW), Err(ErrorCode::TokenMalformed));
    assert_eq!(check(&ring, &format!("{}.{}.", parts[0], parts[1]), NOW), Err(ErrorCode::TokenMalformed));
    let none = base64url::encode(br#"{"alg":"none","typ":"at+jwt","kid":"k1"}"#);
    assert_eq!(check(&ring, &format!("{none}.{}.", parts[1]), NOW), Err(ErrorCode::TokenAlgorithmRejected));
    assert_eq!(check(&ring, &format!("{good}.x"), NOW), Err(ErrorCode::TokenMalformed));
    assert_eq!(check(&ring, &format!(".{}.{}", parts[1], parts[2]), NOW), Err(ErrorCode::TokenMalformed));
    assert_eq!(check(&ring, &"a".repeat(MAX_TOKEN_LEN + 1), NOW), Err(ErrorCode::TokenMalformed));
    assert_eq!(check(&ring, &format!("{}.{}.{}=", parts[0], parts[1], parts[2]), NOW), Err(ErrorCode::TokenMalformed));
    // Tampered payload and signature.
    let other_payload = base64url::encode(payload(r#","admin":true"#).as_bytes());
    assert_eq!(
      check(&ring, &format!("{}.{}.{}", parts[0], other_payload, parts[2]), NOW),
      Err(ErrorCode::TokenSignatureInvalid)
    );
    let mut sig = parts[2].as_bytes().to_vec();
    sig[10] = if sig[10] == b'A' { b'B' } else { b'A' };
    let tampered = format!("{}.{}.{}", parts[0], parts[1], String::from_utf8(sig).unwrap());
    assert_eq!(check(&ring, &tampered, NOW), Err(ErrorCode::TokenSignatureInvalid));
    // Claims.
    let s = |p: String| sign(ring.signing_key(), p.as_bytes());
    assert_eq!(
      check(&ring, &s(payload("").replace("https://api", "https://evil")), NOW),
      Err(ErrorCode::TokenIssuerRejected)
    );
    assert_eq!(
      check(&ring, &s(payload("").replace(r#""aud":"app""#, r#""aud":["x"]"#)), NOW),
      Err(ErrorCode::TokenAudienceRejected)
    );
    assert!(check(&ring, &s(payload("").replace(r#""aud":"app""#, r#""aud":["x","app"]"#)), NOW).is_ok());
    assert_eq!(
      check(&ring, &s(payload("").replace(r#""aud":"app","#, "")), NOW),
      Err(ErrorCode::TokenAudienceRejected)
    );
    assert_eq!(
      check(&ring, &s(payload("").replace(r#""iss":"https://api","#, "")), NOW),
      Err(ErrorCode::TokenIssuerRejected)
    );
    assert_eq!(check(&ring, &s(payload(&format!(r#","nbf":{}"#, NOW + 6))), NOW), Err(ErrorCode::TokenNotYetValid));
    assert!(check(&ring, &s(payload(&format!(r#","nbf":{}"#, NOW + 5))), NOW).is_ok());
    assert_eq!(check(&ring, &s("[]".into()), NOW), Err(ErrorCode::TokenMalformed));
  }

  #[test]
  fn expiry_respects_leeway() {
    let ring = ring();
    let token = sign(ring.signing_key(), payload("").as_bytes());
    let exp = NOW + 60;
    assert!(check(&ring, &token, exp - 1).is_ok());
    assert!(check(&ring, &token, exp + 4).is_ok(), "inside the 5 s leeway");
    assert_eq!(check(&ring, &token, exp + 5), Err(ErrorCode::TokenExpired));
    assert_eq!(check(&ring, &token, exp + 3600), Err(ErrorCode::TokenExpired));
  }

  #[test]
  fn revoked_session_is_rejected_last() {
    let ring = ring();
    let list = RevocationList::new(10);
    list.revoke("s1", NOW + 100, NOW);
    let token = sign(ring.signing_key(), payload("").as_bytes());
    assert_eq!(verify(&ring, &POLICY, &list, &token, NOW).unwrap_err().code(), ErrorCode::TokenRevoked);
    // An expired token reports expiry, not revocation.
    assert_eq!(verify(&ring, &POLICY, &list, &token, NOW + 80).unwrap_err().code(), ErrorCode::TokenExpired);
  }
}
