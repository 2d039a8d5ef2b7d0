//! The JOSE header. We produce exactly `{"alg":<key's alg>,"typ":"at+jwt","kid":<kid>}` (RFC 9068).
//! Tokens carrying that exact encoding skip parsing (`KeyRing::match_header_segment`); any other
//! encoding (another member order, extra members, as other JOSE libraries write it) is parsed
//! and checked here, so each rejection gets its precise code.

use std::borrow::Cow;

use serde::de::IgnoredAny;
use serde::Deserialize;

use crate::algorithm::Algorithm;
use crate::base64url;
use crate::error::{Error, ErrorCode};
use crate::keys::{Key, KeyRing};

/// RFC 9068 access-token type.
pub const TOKEN_TYPE: &str = "at+jwt";

/// The base64url header segment for a key.
pub(crate) fn encoded_header(alg: Algorithm, kid: &str) -> String {
  let mut json = String::with_capacity(48 + kid.len());
  json.push_str(r#"{"alg":""#);
  json.push_str(alg.as_str());
  json.push_str(r#"","typ":"at+jwt","kid":"#);
  json.push_str(&serde_json::to_string(kid).unwrap_or_default());
  json.push('}');
  base64url::encode(json.as_bytes())
}

#[derive(Deserialize)]
struct RawHeader<'a> {
  #[serde(borrow, default)]
  alg: Option<Cow<'a, str>>,
  #[serde(borrow, default)]
  typ: Option<Cow<'a, str>>,
  #[serde(borrow, default)]
  kid: Option<Cow<'a, str>>,
  /// Whether a `crit` member is there at all (`"crit": null` included).
  #[serde(default, deserialize_with = "present")]
  crit: bool,
}

fn present<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
  IgnoredAny::deserialize(deserializer).map(|_| true)
}

/// `typ` is a media type, compared case-insensitively; `application/` may be omitted (RFC 7515 4.1.9).
fn is_access_token_type(typ: &str) -> bool {
  let bare = match typ.get(..12) {
    Some(prefix) if prefix.eq_ignore_ascii_case("application/") => &typ[12..],
    _ => typ,
  };
  bare.eq_ignore_ascii_case(TOKEN_TYPE)
}

/// Decodes and checks a header that is not byte-for-byte ours. Order: JSON object, alg (one we
/// know), typ, crit, kid, and then alg again: it must be the alg of the key `kid` names.
pub(crate) fn check_header<'r>(segment: &[u8], ring: &'r KeyRing) -> Result<&'r Key, Error> {
  let json = base64url::decode(segment).ok_or(ErrorCode::TokenMalformed)?;
  if json.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
    return Err(ErrorCode::TokenMalformed.into());
  }
  // Duplicate members are an error in serde's derived struct visitor: malformed.
  let header: RawHeader<'_> = serde_json::from_slice(&json).map_err(|_| ErrorCode::TokenMalformed)?;
  let alg = match header.alg.as_deref() {
    None => return Err(ErrorCode::TokenMalformed.into()),
    Some(name) => Algorithm::parse(name).ok_or(ErrorCode::TokenAlgorithmRejected)?,
  };
  match header.typ.as_deref() {
    Some(typ) if is_access_token_type(typ) => {}
    _ => return Err(ErrorCode::TokenTypeRejected.into()),
  }
  // We implement no JWS extension, so RFC 7515 4.1.11 says a token that marks any as critical
  // must be rejected. It is not a shape we can process: malformed.
  if header.crit {
    return Err(ErrorCode::TokenMalformed.into());
  }
  let kid = header.kid.ok_or(ErrorCode::TokenKeyUnknown)?;
  let key = ring.find(&kid).ok_or(ErrorCode::TokenKeyUnknown)?;
  // RFC 8725 section 3.1: the key decides the algorithm, never the token. (An HS256 token that
  // names an RS256 key must not be checked with the public key as an HMAC secret.)
  if key.alg() != alg {
    return Err(ErrorCode::TokenAlgorithmRejected.into());
  }
  Ok(key)
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::keys::KeyStatus;

  fn ring() -> KeyRing {
    KeyRing::new(vec![
      Key::hs256("k1", KeyStatus::Current, &[1u8; 32]),
      Key::hs256("k2", KeyStatus::Retired, &[2u8; 32]),
    ])
  }

  fn seg(json: &str) -> String {
    base64url::encode(json.as_bytes())
  }

  fn code(json: &str) -> ErrorCode {
    check_header(seg(json).as_bytes(), &ring()).map(|_| ()).unwrap_err().code()
  }

  #[test]
  fn our_header_is_exact() {
    let decoded = base64url::decode(encoded_header(Algorithm::HS256, "k1").as_bytes()).unwrap();
    assert_eq!(decoded, br#"{"alg":"HS256","typ":"at+jwt","kid":"k1"}"#);
    let escaped = base64url::decode(encoded_header(Algorithm::HS256, "a\"b").as_bytes()).unwrap();
    assert_eq!(escaped, br#"{"alg":"HS256","typ":"at+jwt","kid":"a\"b"}"#);
    let es256 = base64url::decode(encoded_header(Algorithm::ES256, "k").as_bytes()).unwrap();
    assert_eq!(es256, br#"{"alg":"ES256","typ":"at+jwt","kid":"k"}"#);
  }

  #[test]
  fn other_member_orders_are_accepted() {
    let ring = ring();
    let key = check_header(seg(r#"{"kid":"k2","typ":"at+jwt","alg":"HS256"}"#).as_bytes(), &ring).unwrap();
    assert_eq!(key.kid(), "k2");
    let key =
      check_header(seg(r#"{ "alg": "HS256", "typ": "application/AT+JWT", "kid": "k1", "x": [1] }"#).as_bytes(), &ring)
        .unwrap();
    assert_eq!(key.kid(), "k1");
  }

  #[test]
  fn rejections_have_precise_codes() {
    assert_eq!(code(r#"{"alg":"none","typ":"at+jwt","kid":"k1"}"#), ErrorCode::TokenAlgorithmRejected);
    assert_eq!(code(r#"{"alg":"HS512","typ":"at+jwt","kid":"k1"}"#), ErrorCode::TokenAlgorithmRejected);
    // A known algorithm, but not the named key's.
    assert_eq!(code(r#"{"alg":"RS256","typ":"at+jwt","kid":"k1"}"#), ErrorCode::TokenAlgorithmRejected);
    assert_eq!(code(r#"{"alg":"ES256","typ":"at+jwt","kid":"k1"}"#), ErrorCode::TokenAlgorithmRejected);
    assert_eq!(code(r#"{"alg":"EdDSA","typ":"at+jwt","kid":"k2"}"#), ErrorCode::TokenAlgorithmRejected);
    assert_eq!(code(r#"{"alg":"hs256","typ":"at+jwt","kid":"k1"}"#), ErrorCode::TokenAlgorithmRejected);
    assert_eq!(code(r#"{"typ":"at+jwt","kid":"k1"}"#), ErrorCode::TokenMalformed);
    assert_eq!(code(r#"{"alg":"HS256","typ":"JWT","kid":"k1"}"#), ErrorCode::TokenTypeRejected);
    assert_eq!(code(r#"{"alg":"HS256","kid":"k1"}"#), ErrorCode::TokenTypeRejected);
    assert_eq!(code(r#"{"alg":"HS256","typ":"at+jwt","kid":"k3"}"#), ErrorCode::TokenKeyUnknown);
    assert_eq!(code(r#"{"alg":"HS256","typ":"at+jwt"}"#), ErrorCode::TokenKeyUnknown);
    assert_eq!(
      code(r#"{"alg":"HS256","typ":"at+jwt","kid":"k1","crit":["b64"],"b64":false}"#),
      ErrorCode::TokenMalformed
    );
    assert_eq!(code(r#"{"alg":"HS256","typ":"at+jwt","kid":"k1","crit":null}"#), ErrorCode::TokenMalformed);
    assert_eq!(code(r#"{"alg":"HS256","alg":"HS256","typ":"at+jwt","kid":"k1"}"#), ErrorCode::TokenMalformed);
    assert_eq!(code(r#"["HS256","at+jwt","k1"]"#), ErrorCode::TokenMalformed);
    assert_eq!(code(r#"{"alg":256}"#), ErrorCode::TokenMalformed);
    assert_eq!(code("not json"), ErrorCode::TokenMalformed);
    assert_eq!(check_header(b"e30=", &ring()).map(|_| ()).unwrap_err().code(), ErrorCode::TokenMalformed);
  }
}
