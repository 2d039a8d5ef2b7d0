//! Issuer options: defaults and validation. Every error is `INVALID_OPTION` and names the option
//! (Parse Server style). `index.js` checks JavaScript types first; these checks are the authority.

use std::collections::HashSet;

use crate::error::Error;
use crate::keys::{KeyRing, SigningKey, MIN_SECRET_LEN};

/// Access-token lifetime when `accessTokenTTL` is not given: 30 minutes.
pub const DEFAULT_ACCESS_TOKEN_TTL: u32 = 1800;
/// Clock-skew allowance when `leeway` is not given (never the jsonwebtoken crate's 60 s).
pub const DEFAULT_LEEWAY: u32 = 5;
/// Revocation-list size when `revocationCapacity` is not given.
pub const DEFAULT_REVOCATION_CAPACITY: u32 = 100_000;

const MAX_ACCESS_TOKEN_TTL: u32 = 31_536_000; // one year
const MAX_LEEWAY: u32 = 300;
const MAX_REVOCATION_CAPACITY: u32 = 10_000_000;
const MAX_KID_LEN: usize = 256;
/// kid used for a single `secret` without `kid`.
pub const DEFAULT_KID: &str = "default";

/// One ring entry.
#[derive(Clone, Copy)]
pub struct KeyOptions<'a> {
  pub kid: &'a str,
  pub secret: &'a [u8],
}

impl std::fmt::Debug for KeyOptions<'_> {
  fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    f.debug_struct("KeyOptions").field("kid", &self.kid).field("secret", &"[redacted]").finish()
  }
}

/// What `new TokenIssuer(options)` / `configure(options)` accept, as borrowed data.
#[derive(Debug, Default, Clone)]
pub struct IssuerOptions<'a> {
  /// A single HS256 secret (at least 32 bytes). Exactly one of `secret` and `keys`.
  pub secret: Option<&'a [u8]>,
  /// kid for `secret` (default "default").
  pub kid: Option<&'a str>,
  /// A key ring: the first key signs, all verify.
  pub keys: Option<Vec<KeyOptions<'a>>>,
  pub issuer: Option<&'a str>,
  pub audience: Option<&'a str>,
  pub access_token_ttl: Option<f64>,
  pub leeway: Option<f64>,
  pub revocation_capacity: Option<f64>,
}

pub(crate) struct ValidOptions {
  pub ring: KeyRing,
  pub issuer: String,
  pub audience: String,
  pub access_token_ttl: u64,
  pub leeway: u64,
  pub revocation_capacity: usize,
}

fn integer(name: &str, value: Option<f64>, default: u32, min: u32, max: u32) -> Result<u32, Error> {
  match value {
    None => Ok(default),
    Some(v) if v.fract() == 0.0 && v >= f64::from(min) && v <= f64::from(max) => Ok(v as u32),
    Some(_) => Err(Error::option(name, &format!("must be an integer from {min} to {max}"))),
  }
}

fn text(name: &str, value: Option<&str>) -> Result<String, Error> {
  match value {
    Some(v) if !v.is_empty() => Ok(v.to_owned()),
    _ => Err(Error::option(name, "must be a non-empty string")),
  }
}

fn key(kid_name: &str, secret_name: &str, kid: &str, secret: &[u8]) -> Result<SigningKey, Error> {
  if kid.is_empty() || kid.len() > MAX_KID_LEN {
    return Err(Error::option(kid_name, &format!("must be a string of 1 to {MAX_KID_LEN} bytes")));
  }
  if secret.len() < MIN_SECRET_LEN {
    return Err(Error::option(secret_name, &format!("must be at least {MIN_SECRET_LEN} bytes")));
  }
  Ok(SigningKey::new(kid, secret))
}

impl IssuerOptions<'_> {
  pub(crate) fn validate(&self) -> Result<ValidOptions, Error> {
    let ring = match (&self.secret, &self.keys) {
      (Some(_), Some(_)) => return Err(Error::option("secret", "and keys cannot both be set")),
      (None, None) => return Err(Error::option("secret", "is required (or keys)")),
      (Some(secret), None) => KeyRing::new(vec![key("kid", "secret", self.kid.unwrap_or(DEFAULT_KID), secret)?]),
      // `kid` belongs to `secret`; with `keys`, each key names its own and `kid` is ignored.
      (None, Some(list)) => {
        if list.is_empty() {
          return Err(Error::option("keys", "must contain at least one key"));
        }
        let mut seen = HashSet::new();
        let mut keys = Vec::with_capacity(list.len());
        for (i, k) in list.iter().enumerate() {
          let kid_name = format!("keys[{i}].kid");
          if !seen.insert(k.kid) {
            return Err(Error::option(&kid_name, "is used twice"));
          }
          keys.push(key(&kid_name, &format!("keys[{i}].secret"), k.kid, k.secret)?);
        }
        KeyRing::new(keys)
      }
    };
    Ok(ValidOptions {
      ring,
      issuer: text("issuer", self.issuer)?,
      audience: text("audience", self.audience)?,
      access_token_ttl: u64::from(integer(
        "accessTokenTTL",
        self.access_token_ttl,
        DEFAULT_ACCESS_TOKEN_TTL,
        1,
        MAX_ACCESS_TOKEN_TTL,
      )?),
      leeway: u64::from(integer("leeway", self.leeway, DEFAULT_LEEWAY, 0, MAX_LEEWAY)?),
      revocation_capacity: integer(
        "revocationCapacity",
        self.revocation_capacity,
        DEFAULT_REVOCATION_CAPACITY,
        1,
        MAX_REVOCATION_CAPACITY,
      )? as usize,
    })
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::error::ErrorCode;

  const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

  fn base() -> IssuerOptions<'static> {
    IssuerOptions { secret: Some(SECRET), issuer: Some("https://api"), audience: Some("app"), ..Default::default() }
  }

  fn message(options: IssuerOptions<'_>) -> String {
    let err = options.validate().err().expect("should fail");
    assert_eq!(err.code(), ErrorCode::InvalidOption);
    err.message().to_owned()
  }

  #[test]
  fn defaults() {
    let v = base().validate().unwrap();
    assert_eq!(v.access_token_ttl, 1800);
    assert_eq!(v.leeway, 5);
    assert_eq!(v.revocation_capacity, 100_000);
    assert_eq!(v.ring.signing_key().kid(), "default");
  }

  #[test]
  fn errors_name_the_option() {
    assert_eq!(
      message(IssuerOptions { secret: Some(b"short"), ..base() }),
      "parse-server-refresh-token option secret must be at least 32 bytes"
    );
    assert!(message(IssuerOptions { secret: None, ..base() }).contains("option secret is required"));
    assert!(message(IssuerOptions { keys: Some(vec![]), ..base() }).contains("secret and keys"));
    assert!(message(IssuerOptions { secret: None, keys: Some(vec![]), ..base() }).contains("option keys must"));
    let two = vec![KeyOptions { kid: "a", secret: SECRET }, KeyOptions { kid: "a", secret: SECRET }];
    assert!(
      message(IssuerOptions { secret: None, keys: Some(two), ..base() }).contains("option keys[1].kid is used twice")
    );
    let short = vec![KeyOptions { kid: "a", secret: SECRET }, KeyOptions { kid: "b", secret: b"x" }];
    assert!(message(IssuerOptions { secret: None, keys: Some(short), ..base() })
      .contains("option keys[1].secret must be at least 32"));
    assert!(message(IssuerOptions { kid: Some(""), ..base() }).contains("option kid must"));
    assert!(message(IssuerOptions { issuer: None, ..base() }).contains("option issuer must"));
    assert!(message(IssuerOptions { audience: Some(""), ..base() }).contains("option audience must"));
    assert!(message(IssuerOptions { access_token_ttl: Some(0.0), ..base() })
      .contains("option accessTokenTTL must be an integer from 1"));
    assert!(message(IssuerOptions { access_token_ttl: Some(1.5), ..base() }).contains("accessTokenTTL"));
    assert!(message(IssuerOptions { leeway: Some(301.0), ..base() })
      .contains("option leeway must be an integer from 0 to 300"));
    assert!(message(IssuerOptions { leeway: Some(f64::NAN), ..base() }).contains("leeway"));
    assert!(message(IssuerOptions { revocation_capacity: Some(0.0), ..base() }).contains("option revocationCapacity"));
  }

  #[test]
  fn messages_never_contain_the_secret() {
    let secret = b"super-secret-value";
    let msg = message(IssuerOptions { secret: Some(secret), ..base() });
    assert!(!msg.contains("super-secret"));
    assert!(!format!("{:?}", KeyOptions { kid: "k", secret }).contains("super-secret"));
  }
}
