//! Access-token claims: writing them when we sign, reading the registered ones when we verify.
//!
//! Signing writes the payload JSON directly (the `iss`/`aud` prefix is encoded once per issuer).
//! Verifying parses only the registered claims into borrowed, typed fields; custom claims are
//! skipped by the parser and reach JavaScript untouched inside the validated payload JSON.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::error::{Error, ErrorCode};

/// Claims the issuer sets itself; a custom claim may not use these names.
pub const RESERVED_CLAIMS: [&str; 9] = ["iss", "aud", "client_id", "sub", "sid", "iat", "exp", "jti", "nbf"];

/// `aud`: one string or an array of strings (RFC 7519 4.1.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience<'a> {
  One(Cow<'a, str>),
  Many(Vec<Cow<'a, str>>),
}

impl Audience<'_> {
  pub fn contains(&self, audience: &str) -> bool {
    match self {
      Audience::One(a) => a == audience,
      Audience::Many(list) => list.iter().any(|a| a == audience),
    }
  }
}

impl<'de: 'a, 'a> Deserialize<'de> for Audience<'a> {
  fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
    struct AudienceVisitor;
    impl<'de> Visitor<'de> for AudienceVisitor {
      type Value = Audience<'de>;
      fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or an array of strings")
      }
      fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Audience::One(Cow::Borrowed(v)))
      }
      fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Audience::One(Cow::Owned(v.to_owned())))
      }
      fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut list = Vec::new();
        while let Some(item) = seq.next_element::<BorrowedStr<'de>>()? {
          list.push(item.0);
        }
        Ok(Audience::Many(list))
      }
    }
    deserializer.deserialize_any(AudienceVisitor)
  }
}

/// A string that borrows from the input when it has no escapes (serde's own `Cow<str>` always
/// allocates).
struct BorrowedStr<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for BorrowedStr<'a> {
  fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
    struct StrVisitor;
    impl<'de> Visitor<'de> for StrVisitor {
      type Value = BorrowedStr<'de>;
      fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
      }
      fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(BorrowedStr(Cow::Borrowed(v)))
      }
      fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(BorrowedStr(Cow::Owned(v.to_owned())))
      }
      fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(BorrowedStr(Cow::Owned(v)))
      }
    }
    deserializer.deserialize_str(StrVisitor)
  }
}

fn optional_str<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Cow<'de, str>>, D::Error> {
  Ok(Option::<BorrowedStr<'de>>::deserialize(deserializer)?.map(|s| s.0))
}

/// The registered claims of a token, typed. Unknown members are skipped, duplicates rejected.
#[derive(Debug, Deserialize)]
pub struct RegisteredClaims<'a> {
  #[serde(borrow, default, deserialize_with = "optional_str")]
  pub iss: Option<Cow<'a, str>>,
  #[serde(borrow, default)]
  pub aud: Option<Audience<'a>>,
  #[serde(borrow, default, deserialize_with = "optional_str")]
  pub sub: Option<Cow<'a, str>>,
  #[serde(borrow, default, deserialize_with = "optional_str")]
  pub sid: Option<Cow<'a, str>>,
  #[serde(borrow, default, deserialize_with = "optional_str")]
  pub jti: Option<Cow<'a, str>>,
  #[serde(default)]
  pub iat: Option<f64>,
  #[serde(default)]
  pub exp: Option<f64>,
  #[serde(default)]
  pub nbf: Option<f64>,
}

impl<'a> RegisteredClaims<'a> {
  /// Parses a payload. It must be a JSON object; registered claims must have their types; `exp`,
  /// `sub` and `sid` must be present (a token without `exp` would never expire; `sub` and `sid`
  /// are what the Parse layer looks up). Anything else is `TOKEN_MALFORMED`.
  pub fn parse(payload: &'a [u8]) -> Result<Self, Error> {
    if payload.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
      return Err(ErrorCode::TokenMalformed.into());
    }
    let claims: RegisteredClaims<'a> = serde_json::from_slice(payload).map_err(|_| ErrorCode::TokenMalformed)?;
    if claims.exp.is_none() || claims.sub.is_none() || claims.sid.is_none() {
      return Err(ErrorCode::TokenMalformed.into());
    }
    Ok(claims)
  }
}

/// Custom claims for one token, parsed from a JSON object and checked against `RESERVED_CLAIMS`.
#[derive(Debug, Default)]
pub struct CustomClaims(Map<String, Value>);

impl CustomClaims {
  pub fn parse(json: &str) -> Result<Self, Error> {
    let map: Map<String, Value> = serde_json::from_str(json)
      .map_err(|_| Error::new(ErrorCode::ClaimInvalid, "Custom claims must be a JSON object"))?;
    for name in map.keys() {
      if RESERVED_CLAIMS.contains(&name.as_str()) {
        return Err(Error::new(ErrorCode::ClaimReserved, format!("Claim {name} is reserved and set by the issuer")));
      }
    }
    Ok(CustomClaims(map))
  }

  pub fn len(&self) -> usize {
    self.0.len()
  }

  pub fn is_empty(&self) -> bool {
    self.0.is_empty()
  }
}

fn push_json_str(out: &mut Vec<u8>, s: &str) {
  // Writing a &str into a Vec cannot fail.
  let _ = serde_json::to_writer(&mut *out, s);
}

/// The part of every payload that is fixed per issuer: `{"iss":...,"aud":...,"sub":`, with
/// `"client_id":...` after `aud` when the issuer has one.
pub(crate) fn payload_prefix(issuer: &str, audience: &str, client_id: Option<&str>) -> Vec<u8> {
  let mut out = Vec::with_capacity(48 + issuer.len() + audience.len() + client_id.map_or(0, str::len));
  out.extend_from_slice(br#"{"iss":"#);
  push_json_str(&mut out, issuer);
  out.extend_from_slice(br#","aud":"#);
  push_json_str(&mut out, audience);
  if let Some(client_id) = client_id {
    out.extend_from_slice(br#","client_id":"#);
    push_json_str(&mut out, client_id);
  }
  out.extend_from_slice(br#","sub":"#);
  out
}

/// The claims of one new token.
pub(crate) struct NewClaims<'a> {
  pub sub: &'a str,
  pub sid: &'a str,
  pub iat: u64,
  pub exp: u64,
  pub jti: &'a str,
  pub custom: Option<&'a CustomClaims>,
}

/// Writes the payload JSON: prefix, then sub, sid, iat, exp, jti, then custom claims.
pub(crate) fn write_payload(prefix: &[u8], claims: &NewClaims<'_>, out: &mut Vec<u8>) {
  out.extend_from_slice(prefix);
  push_json_str(out, claims.sub);
  out.extend_from_slice(br#","sid":"#);
  push_json_str(out, claims.sid);
  out.extend_from_slice(br#","iat":"#);
  out.extend_from_slice(claims.iat.to_string().as_bytes());
  out.extend_from_slice(br#","exp":"#);
  out.extend_from_slice(claims.exp.to_string().as_bytes());
  out.extend_from_slice(br#","jti":""#);
  out.extend_from_slice(claims.jti.as_bytes()); // base64url: nothing to escape
  out.push(b'"');
  if let Some(custom) = claims.custom {
    for (name, value) in &custom.0 {
      out.push(b',');
      push_json_str(out, name);
      out.push(b':');
      let _ = serde_json::to_writer(&mut *out, value);
    }
  }
  out.push(b'}');
}

/// Separates the fields of `write_compact`'s output. A control character: JSON strings cannot hold
/// one unescaped, and the compact form is only used for strings without escapes.
pub const COMPACT_SEPARATOR: u8 = 0x01;

/// Reads a JSON string without escapes at `p[*pos..]`, returning its content and moving past it.
fn plain_str<'a>(p: &'a [u8], pos: &mut usize) -> Option<&'a [u8]> {
  let rest = p.get(*pos..)?;
  if rest.first() != Some(&b'"') {
    return None;
  }
  let end = memchr::memchr2(b'"', b'\\', &rest[1..])?;
  if rest[1 + end] != b'"' {
    return None;
  }
  *pos += end + 2;
  Some(&rest[1..1 + end])
}

/// Reads a non-negative integer of at most 15 digits (exact as a JavaScript number).
fn plain_int<'a>(p: &'a [u8], pos: &mut usize) -> Option<&'a [u8]> {
  let rest = p.get(*pos..)?;
  let n = rest.iter().take_while(|b| b.is_ascii_digit()).count();
  if n == 0 || n > 15 {
    return None;
  }
  *pos += n;
  Some(&rest[..n])
}

fn expect(p: &[u8], pos: &mut usize, literal: &[u8]) -> Option<()> {
  if p.get(*pos..)?.starts_with(literal) {
    *pos += literal.len();
    Some(())
  } else {
    None
  }
}

/// The claims of a verified payload in the exact form `write_payload` writes (`prefix` is the
/// issuer's `payload_prefix`), as `iat SEP exp SEP sub SEP sid SEP jti`, followed by
/// `SEP {custom claims JSON}` when there are custom claims; JavaScript turns that into the claims
/// object with a few slices and parses JSON only for the custom claims. Returns false (and leaves
/// `out` empty) for any other form: the caller then hands over the whole payload JSON.
///
/// `payload` must already be known valid JSON with well-typed registered claims (`verify_into`):
/// this only checks the layout, so strings here hold no control characters, and no escapes.
pub(crate) fn write_compact(payload: &[u8], prefix: &[u8], out: &mut Vec<u8>) -> bool {
  out.clear();
  let parsed = (|| {
    let mut pos = 0;
    expect(payload, &mut pos, prefix)?;
    let sub = plain_str(payload, &mut pos)?;
    expect(payload, &mut pos, br#","sid":"#)?;
    let sid = plain_str(payload, &mut pos)?;
    expect(payload, &mut pos, br#","iat":"#)?;
    let iat = plain_int(payload, &mut pos)?;
    expect(payload, &mut pos, br#","exp":"#)?;
    let exp = plain_int(payload, &mut pos)?;
    expect(payload, &mut pos, br#","jti":"#)?;
    let jti = plain_str(payload, &mut pos)?;
    let custom = match payload.get(pos..)? {
      b"}" => None,
      [b',', rest @ ..] => Some(rest),
      _ => return None,
    };
    Some((sub, sid, iat, exp, jti, custom))
  })();
  let Some((sub, sid, iat, exp, jti, custom)) = parsed else {
    return false;
  };
  for (i, field) in [iat, exp, sub, sid, jti].into_iter().enumerate() {
    if i > 0 {
      out.push(COMPACT_SEPARATOR);
    }
    out.extend_from_slice(field);
  }
  if let Some(rest) = custom {
    out.push(COMPACT_SEPARATOR);
    out.push(b'{');
    out.extend_from_slice(rest);
  }
  true
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn payload_is_valid_json_with_all_claims() {
    let custom = CustomClaims::parse(r#"{"role":"admin","n":[1,2],"q":"\"x\""}"#).unwrap();
    let mut out = Vec::new();
    let claims = NewClaims { sub: "u\"1", sid: "s1", iat: 10, exp: 20, jti: "abc", custom: Some(&custom) };
    write_payload(&payload_prefix("https://iss", "app", None), &claims, &mut out);
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
      v,
      serde_json::json!({"iss":"https://iss","aud":"app","sub":"u\"1","sid":"s1","iat":10,"exp":20,"jti":"abc","role":"admin","n":[1,2],"q":"\"x\""})
    );
  }

  #[test]
  fn client_id_follows_aud_and_keeps_the_compact_form() {
    let prefix = payload_prefix("https://iss", "app", Some("web"));
    let mut out = Vec::new();
    write_payload(&prefix, &NewClaims { sub: "u", sid: "s", iat: 1, exp: 2, jti: "j", custom: None }, &mut out);
    assert_eq!(
      std::str::from_utf8(&out).unwrap(),
      r#"{"iss":"https://iss","aud":"app","client_id":"web","sub":"u","sid":"s","iat":1,"exp":2,"jti":"j"}"#
    );
    let mut compact = Vec::new();
    assert!(write_compact(&out, &prefix, &mut compact));
    assert_eq!(compact, b"1\x012\x01u\x01s\x01j");
  }

  #[test]
  fn custom_claims_cannot_override_reserved_ones() {
    for name in RESERVED_CLAIMS {
      let err = CustomClaims::parse(&format!(r#"{{"{name}":1}}"#)).unwrap_err();
      assert_eq!(err.code(), ErrorCode::ClaimReserved);
      assert!(err.message().contains(name));
    }
    assert_eq!(CustomClaims::parse("[1]").unwrap_err().code(), ErrorCode::ClaimInvalid);
    assert_eq!(CustomClaims::parse("nope").unwrap_err().code(), ErrorCode::ClaimInvalid);
    assert!(CustomClaims::parse("{}").unwrap().is_empty());
  }

  #[test]
  fn registered_claims_parse_and_borrow() {
    let json = br#"{"iss":"i","aud":["x","app"],"sub":"u","sid":"s","iat":1,"exp":2.5,"jti":"j","custom":{"a":1}}"#;
    let c = RegisteredClaims::parse(json).unwrap();
    assert!(matches!(c.iss, Some(Cow::Borrowed("i"))));
    assert!(c.aud.as_ref().unwrap().contains("app"));
    assert!(!c.aud.as_ref().unwrap().contains("y"));
    assert_eq!(c.exp, Some(2.5));
    assert!(c.nbf.is_none());
    let one = RegisteredClaims::parse(br#"{"aud":"app","sub":"u","sid":"s","exp":2}"#).unwrap();
    assert_eq!(one.aud, Some(Audience::One(Cow::Borrowed("app"))));
  }

  #[test]
  fn registered_claims_reject_bad_shapes() {
    for json in [
      &br#"{"sub":"u","sid":"s"}"#[..],              // no exp
      br#"{"exp":1,"sid":"s"}"#,                     // no sub
      br#"{"exp":1,"sub":"u"}"#,                     // no sid
      br#"{"exp":"1","sub":"u","sid":"s"}"#,         // exp not a number
      br#"{"exp":1,"sub":"u","sid":"s","aud":5}"#,   // aud not a string
      br#"{"exp":1,"sub":"u","sid":"s","aud":[5]}"#, // aud item not a string
      br#"{"exp":1,"exp":2,"sub":"u","sid":"s"}"#,   // duplicate
      br#"[1,"u","s"]"#,                             // not an object
      br#"{"exp":1e999,"sub":"u","sid":"s"}"#,       // out of range
      b"\xff",
    ] {
      assert_eq!(
        RegisteredClaims::parse(json).unwrap_err().code(),
        ErrorCode::TokenMalformed,
        "{}",
        String::from_utf8_lossy(json)
      );
    }
  }

  fn compact(payload: &str) -> Option<String> {
    let mut out = Vec::new();
    write_compact(payload.as_bytes(), &payload_prefix("https://iss", "app", None), &mut out)
      .then(|| String::from_utf8(out).unwrap())
  }

  #[test]
  fn compact_form_of_our_payloads() {
    let mut out = Vec::new();
    let prefix = payload_prefix("https://iss", "app", None);
    let custom = CustomClaims::parse(r#"{"role":"admin","n":[1,{"a":"\u0001"}]}"#).unwrap();
    let mut claims = NewClaims { sub: "ユーザー", sid: "s1", iat: 10, exp: 1800000020, jti: "abc_-", custom: None };
    write_payload(&prefix, &claims, &mut out);
    assert_eq!(compact(std::str::from_utf8(&out).unwrap()).unwrap(), "10\u{1}1800000020\u{1}ユーザー\u{1}s1\u{1}abc_-");
    claims.custom = Some(&custom);
    out.clear();
    write_payload(&prefix, &claims, &mut out);
    assert_eq!(
      compact(std::str::from_utf8(&out).unwrap()).unwrap(),
      "10\u{1}1800000020\u{1}ユーザー\u{1}s1\u{1}abc_-\u{1}{\"n\":[1,{\"a\":\"\\u0001\"}],\"role\":\"admin\"}"
    );
  }

  #[test]
  fn other_payload_forms_are_not_compacted() {
    let ok = r#"{"iss":"https://iss","aud":"app","sub":"u","sid":"s","iat":1,"exp":2,"jti":"j"}"#;
    assert!(compact(ok).is_some());
    for other in [
      ok.replace(r#""sub":"u""#, r#""sub":"u\"""#),     // escape
      ok.replace(r#""sid":"s""#, r#""sid":"\u0001""#),  // escaped control character
      ok.replace(r#""aud":"app""#, r#""aud":["app"]"#), // other aud form
      ok.replace(r#""iss":"https://iss""#, r#""iss":"https:\/\/iss""#),
      ok.replace(r#""iat":1"#, r#""iat":1.5"#),
      ok.replace(r#""iat":1"#, r#""iat":1e3"#),
      ok.replace(r#""exp":2"#, r#""exp":-2"#),
      ok.replace(r#""exp":2"#, r#""exp":1234567890123456"#), // 16 digits
      ok.replace(r#""iat":1,"#, ""),                         // no iat
      ok.replace(r#","jti":"j""#, ""),                       // no jti
      ok.replace(r#""sub":"u","sid":"s""#, r#""sid":"s","sub":"u""#), // other order
      ok.replace(r#""sub":"u""#, r#""sub": "u""#),           // whitespace
      format!("{ok} "),
    ] {
      assert_eq!(compact(&other), None, "{other}");
    }
  }
}
