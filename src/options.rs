//! Issuer options: defaults and validation. Every error is `INVALID_OPTION` and names the option
//! (Parse Server style). `index.js` checks JavaScript types first; these checks are the authority.

use std::collections::HashSet;

use crate::algorithm::Algorithm;
use crate::asymmetric::AsymmetricKey;
use crate::error::Error;
use crate::hmac_key::MIN_SECRET_LEN;
use crate::key_import;
use crate::keys::{Key, KeyRing, KeyStatus, Material};
use crate::refresh_keys::RefreshKeys;

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

/// One ring entry. Without `status` anywhere in the ring, the first key is current and the others
/// retired; without `alg`, a key with a `secret` is HS256.
#[derive(Clone, Copy, Default)]
pub struct KeyOptions<'a> {
  pub kid: &'a str,
  pub alg: Option<&'a str>,
  pub status: Option<&'a str>,
  /// HS256 secret, at least 32 bytes.
  pub secret: Option<&'a [u8]>,
  /// ES256 or EdDSA private key: PKCS#8 PEM or a JWK.
  pub private_key: Option<&'a [u8]>,
  /// ES256, EdDSA or RS256 public key: PEM or a JWK.
  pub public_key: Option<&'a [u8]>,
}

impl<'a> KeyOptions<'a> {
  /// The `{ kid, secret }` form.
  pub fn hs256(kid: &'a str, secret: &'a [u8]) -> Self {
    KeyOptions { kid, secret: Some(secret), ..Default::default() }
  }
}

impl std::fmt::Debug for KeyOptions<'_> {
  fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    let redacted = |v: Option<&[u8]>| v.map(|_| "[redacted]");
    f.debug_struct("KeyOptions")
      .field("kid", &self.kid)
      .field("alg", &self.alg)
      .field("status", &self.status)
      .field("secret", &redacted(self.secret))
      .field("private_key", &redacted(self.private_key))
      .field("public_key", &self.public_key.map(|_| "[public key]"))
      .finish()
  }
}

/// What `new TokenIssuer(options)` / `configure(options)` accept, as borrowed data.
#[derive(Debug, Default, Clone)]
pub struct IssuerOptions<'a> {
  /// A single HS256 secret (at least 32 bytes). Exactly one of `secret` and `keys`.
  pub secret: Option<&'a [u8]>,
  /// kid for `secret` (default "default").
  pub kid: Option<&'a str>,
  /// A key ring: exactly one key signs, all verify.
  pub keys: Option<Vec<KeyOptions<'a>>>,
  /// The refresh-token MAC key (at least 32 bytes); required when the current key is not HS256.
  pub refresh_secret: Option<&'a [u8]>,
  pub issuer: Option<&'a str>,
  pub audience: Option<&'a str>,
  /// `client_id` of every access token (RFC 9068 section 2.2), when set.
  pub client_id: Option<&'a str>,
  pub access_token_ttl: Option<f64>,
  pub leeway: Option<f64>,
  pub revocation_capacity: Option<f64>,
}

pub(crate) struct ValidOptions {
  pub ring: KeyRing,
  pub refresh_keys: RefreshKeys,
  pub issuer: String,
  pub audience: String,
  pub client_id: Option<String>,
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

fn check_kid(name: &str, kid: &str) -> Result<(), Error> {
  if kid.is_empty() || kid.len() > MAX_KID_LEN {
    return Err(Error::option(name, &format!("must be a string of 1 to {MAX_KID_LEN} bytes")));
  }
  Ok(())
}

fn check_secret(name: &str, secret: &[u8]) -> Result<(), Error> {
  if secret.len() < MIN_SECRET_LEN {
    return Err(Error::option(name, &format!("must be at least {MIN_SECRET_LEN} bytes")));
  }
  Ok(())
}

/// One entry of `keys`, `path` being its option path (`keys[1]`).
fn ring_key(path: &str, k: &KeyOptions<'_>, status: KeyStatus) -> Result<Key, Error> {
  let name = |member: &str| format!("{path}.{member}");
  check_kid(&name("kid"), k.kid)?;
  let alg = match (k.alg, k.secret) {
    (Some(alg), _) => {
      Algorithm::parse(alg).ok_or_else(|| Error::option(&name("alg"), "must be one of HS256, ES256, EdDSA, RS256"))?
    }
    (None, Some(_)) => Algorithm::HS256,
    (None, None) if k.private_key.is_none() && k.public_key.is_none() => {
      return Err(Error::option(&name("secret"), "is required (or alg with privateKey or publicKey)"))
    }
    (None, None) => return Err(Error::option(&name("alg"), "is required with privateKey or publicKey")),
  };
  if alg == Algorithm::HS256 {
    for (member, given) in [("privateKey", k.private_key.is_some()), ("publicKey", k.public_key.is_some())] {
      if given {
        return Err(Error::option(&name(member), "does not belong to an HS256 key (give secret)"));
      }
    }
    let secret = k.secret.ok_or_else(|| Error::option(&name("secret"), "is required for an HS256 key"))?;
    check_secret(&name("secret"), secret)?;
    return Ok(Key::hs256(k.kid, status, secret));
  }
  if k.secret.is_some() {
    return Err(Error::option(&name("secret"), &format!("belongs to HS256 keys only, not {}", alg.as_str())));
  }
  let key = match (k.private_key, k.public_key) {
    (Some(_), Some(_)) => return Err(Error::option(&name("publicKey"), "and privateKey cannot both be set")),
    (None, None) => return Err(Error::option(&name("privateKey"), "or publicKey is required")),
    (Some(_), None) if !alg.can_sign() => {
      return Err(Error::option(
        &name("privateKey"),
        &format!(
          "is refused: {0} keys verify only here (the rsa crate's private-key operations leak timing, \
           RUSTSEC-2023-0071); give the {0} publicKey, and sign with ES256 or EdDSA",
          alg.as_str()
        ),
      ))
    }
    (Some(text), None) => key_import::private_key(alg, text)
      .and_then(|key| AsymmetricKey::from_private(alg, key))
      .map_err(|problem| Error::option(&name("privateKey"), &problem))?,
    (None, Some(text)) => key_import::public_key(alg, text)
      .and_then(|key| AsymmetricKey::from_public(alg, key))
      .map_err(|problem| Error::option(&name("publicKey"), &problem))?,
  };
  if status == KeyStatus::Current && !key.can_sign() {
    let why = if alg.can_sign() {
      "needs a key that signs: a publicKey only verifies (give privateKey)".to_owned()
    } else {
      format!("cannot be current for an {} key, which verifies only", alg.as_str())
    };
    return Err(Error::option(&name("status"), &why));
  }
  Ok(Key::new(k.kid, alg, status, Material::Asymmetric(key)))
}

/// Each key's status: as given, or (when no key gives one) the first current, the rest retired.
fn statuses(list: &[KeyOptions<'_>]) -> Result<Vec<KeyStatus>, Error> {
  if list.iter().all(|k| k.status.is_none()) {
    return Ok((0..list.len()).map(|i| if i == 0 { KeyStatus::Current } else { KeyStatus::Retired }).collect());
  }
  let mut current: Option<usize> = None;
  let mut out = Vec::with_capacity(list.len());
  for (i, k) in list.iter().enumerate() {
    let name = format!("keys[{i}].status");
    let status = match k.status {
      None => return Err(Error::option(&name, "is required when another key has a status")),
      Some(s) => KeyStatus::parse(s).ok_or_else(|| Error::option(&name, "must be one of standby, current, retired"))?,
    };
    if status == KeyStatus::Current {
      if let Some(first) = current {
        return Err(Error::option(&name, &format!("is current, and so is keys[{first}]: exactly one key signs")));
      }
      current = Some(i);
    }
    out.push(status);
  }
  if current.is_none() {
    return Err(Error::option("keys", "must have exactly one key with status current (none has)"));
  }
  Ok(out)
}

fn ring(options: &IssuerOptions<'_>) -> Result<KeyRing, Error> {
  match (&options.secret, &options.keys) {
    (Some(_), Some(_)) => Err(Error::option("secret", "and keys cannot both be set")),
    (None, None) => Err(Error::option("secret", "is required (or keys)")),
    (Some(secret), None) => {
      let kid = options.kid.unwrap_or(DEFAULT_KID);
      check_kid("kid", kid)?;
      check_secret("secret", secret)?;
      Ok(KeyRing::new(vec![Key::hs256(kid, KeyStatus::Current, secret)]))
    }
    // `kid` belongs to `secret`; with `keys`, each key names its own and `kid` is ignored.
    (None, Some(list)) => {
      if list.is_empty() {
        return Err(Error::option("keys", "must contain at least one key"));
      }
      let statuses = statuses(list)?;
      let mut seen = HashSet::new();
      let mut keys = Vec::with_capacity(list.len());
      for (i, (k, status)) in list.iter().zip(statuses).enumerate() {
        if !seen.insert(k.kid) {
          return Err(Error::option(&format!("keys[{i}].kid"), "is used twice"));
        }
        keys.push(ring_key(&format!("keys[{i}]"), k, status)?);
      }
      Ok(KeyRing::new(keys))
    }
  }
}

impl IssuerOptions<'_> {
  pub(crate) fn validate(&self) -> Result<ValidOptions, Error> {
    let ring = ring(self)?;
    if let Some(secret) = self.refresh_secret {
      check_secret("refreshSecret", secret)?;
    }
    let refresh_keys = RefreshKeys::new(self.refresh_secret, &ring).ok_or_else(|| {
      Error::option(
        "refreshSecret",
        &format!(
          "is required when the current key is {} (refresh tokens are MACed with a symmetric key, \
           which only an HS256 key can otherwise provide)",
          ring.signing_key().alg().as_str()
        ),
      )
    })?;
    Ok(ValidOptions {
      ring,
      refresh_keys,
      issuer: text("issuer", self.issuer)?,
      audience: text("audience", self.audience)?,
      client_id: self.client_id.map(|id| text("clientId", Some(id))).transpose()?,
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
    let two = vec![KeyOptions::hs256("a", SECRET), KeyOptions::hs256("a", SECRET)];
    assert!(
      message(IssuerOptions { secret: None, keys: Some(two), ..base() }).contains("option keys[1].kid is used twice")
    );
    let short = vec![KeyOptions::hs256("a", SECRET), KeyOptions::hs256("b", b"x")];
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
    assert!(!format!("{:?}", KeyOptions::hs256("k", secret)).contains("super-secret"));
  }

  const ES256_PRIVATE: &str = include_str!("../testdata/es256-private.pem");
  const ES256_PUBLIC: &str = include_str!("../testdata/es256-public.pem");
  const ES256_PRIVATE_JWK: &str = include_str!("../testdata/es256-private.jwk");
  const P384_PRIVATE: &str = include_str!("../testdata/p384-private.pem");
  const P384_PUBLIC: &str = include_str!("../testdata/p384-public.pem");
  const EDDSA_PRIVATE: &str = include_str!("../testdata/eddsa-private.pem");
  const EDDSA_PUBLIC_JWK: &str = include_str!("../testdata/eddsa-public.jwk");
  const RS256_PUBLIC: &str = include_str!("../testdata/rs256-public.pem");
  const RS256_PRIVATE: &str = include_str!("../testdata/rs256-private.pem");
  const RS1024_PUBLIC: &str = include_str!("../testdata/rs1024-public.pem");
  const REFRESH: &[u8] = b"refresh-secret-0123456789abcdefgh";

  fn key<'a>(kid: &'a str, alg: &'a str, status: &'a str) -> KeyOptions<'a> {
    KeyOptions { kid, alg: Some(alg), status: Some(status), ..Default::default() }
  }

  fn ring_of(keys: Vec<KeyOptions<'_>>) -> IssuerOptions<'_> {
    IssuerOptions { secret: None, keys: Some(keys), refresh_secret: Some(REFRESH), ..base() }
  }

  fn private<'a>(k: KeyOptions<'a>, pem: &'a str) -> KeyOptions<'a> {
    KeyOptions { private_key: Some(pem.as_bytes()), ..k }
  }

  fn public<'a>(k: KeyOptions<'a>, pem: &'a str) -> KeyOptions<'a> {
    KeyOptions { public_key: Some(pem.as_bytes()), ..k }
  }

  fn current_hs256() -> KeyOptions<'static> {
    KeyOptions { status: Some("current"), ..KeyOptions::hs256("current-hs", SECRET) }
  }

  #[test]
  fn asymmetric_rings_validate() {
    let v = ring_of(vec![
      public(key("next", "EdDSA", "standby"), EDDSA_PUBLIC_JWK),
      private(key("now", "ES256", "current"), ES256_PRIVATE),
      public(key("old", "RS256", "retired"), RS256_PUBLIC),
      KeyOptions { status: Some("retired"), ..KeyOptions::hs256("hs", SECRET) },
    ])
    .validate()
    .unwrap();
    assert_eq!(v.ring.signing_key().kid(), "now");
    assert_eq!(v.ring.signing_key().alg(), Algorithm::ES256);
    assert!(ring_of(vec![private(key("jwk", "ES256", "current"), ES256_PRIVATE_JWK)]).validate().is_ok());
    assert!(ring_of(vec![private(key("ed", "EdDSA", "current"), EDDSA_PRIVATE)]).validate().is_ok());
  }

  #[test]
  fn bad_keys_stop_start_up_naming_the_option() {
    let cases: Vec<(KeyOptions<'_>, &str)> = vec![
      (private(key("k", "ES256", "current"), P384_PRIVATE), "keys[0].privateKey is not a P-256 key, which ES256 needs"),
      (public(key("k", "ES256", "retired"), P384_PUBLIC), "keys[0].publicKey is a P-384 key; ES256 needs P-256"),
      (private(key("k", "EdDSA", "current"), ES256_PRIVATE), "keys[0].privateKey is not an Ed25519 private key"),
      (private(key("k", "ES256", "current"), EDDSA_PRIVATE), "keys[0].privateKey is not an EC P-256 private key"),
      (public(key("k", "ES256", "current"), ES256_PUBLIC), "keys[0].status needs a key that signs"),
      (private(key("k", "ES256", "current"), ES256_PUBLIC), "keys[0].privateKey is a public key"),
      (public(key("k", "ES256", "retired"), ES256_PRIVATE), "keys[0].publicKey is a private key"),
      (public(key("k", "ES256", "retired"), ES256_PRIVATE_JWK), "keys[0].publicKey is a private JWK"),
      (private(key("k", "RS256", "retired"), RS256_PRIVATE), "keys[0].privateKey is refused: RS256 keys verify only"),
      (public(key("k", "RS256", "current"), RS256_PUBLIC), "keys[0].status cannot be current for an RS256 key"),
      (public(key("k", "RS256", "retired"), RS1024_PUBLIC), "keys[0].publicKey is an RSA key shorter than 2048 bits"),
      (public(key("k", "EdDSA", "retired"), ES256_PUBLIC), "keys[0].publicKey is not an Ed25519 public key"),
      (key("k", "ES256", "current"), "keys[0].privateKey or publicKey is required"),
      (key("k", "HS512", "current"), "keys[0].alg must be one of HS256, ES256, EdDSA, RS256"),
      (key("k", "none", "current"), "keys[0].alg must be one of"),
      (KeyOptions { kid: "k", status: Some("current"), ..Default::default() }, "keys[0].secret is required (or alg"),
      (
        public(KeyOptions { kid: "k", status: Some("retired"), ..Default::default() }, ES256_PUBLIC),
        "keys[0].alg is required",
      ),
      (key("k", "ES256", "active"), "keys[0].status must be one of standby, current, retired"),
      (
        KeyOptions { alg: Some("HS256"), status: Some("current"), ..KeyOptions::hs256("k", b"short") },
        "keys[0].secret must be at least 32 bytes",
      ),
      (
        public(KeyOptions { status: Some("current"), ..KeyOptions::hs256("k", SECRET) }, ES256_PUBLIC),
        "keys[0].publicKey does not belong to an HS256 key",
      ),
      (
        KeyOptions { secret: Some(SECRET), ..private(key("k", "ES256", "current"), ES256_PRIVATE) },
        "keys[0].secret belongs to HS256 keys only",
      ),
    ];
    for (k, expected) in cases {
      // A key that is not current gets a current one beside it, so that its own error is the first.
      let ring = if k.status == Some("current") { vec![k] } else { vec![k, current_hs256()] };
      let msg = message(ring_of(ring));
      assert!(msg.starts_with(&format!("parse-server-refresh-token option {expected}")), "{msg}");
      for secret in [ES256_PRIVATE, P384_PRIVATE, EDDSA_PRIVATE, RS256_PRIVATE] {
        let body: String = secret.lines().filter(|l| !l.starts_with("-----")).collect();
        assert!(!msg.contains(&body[..24]), "{msg}");
      }
      let d = serde_json::from_str::<serde_json::Value>(ES256_PRIVATE_JWK).unwrap()["d"].as_str().unwrap().to_owned();
      assert!(!msg.contains(&d));
    }
  }

  #[test]
  fn ring_shape_errors() {
    let current = || private(key("a", "ES256", "current"), ES256_PRIVATE);
    let dup = ring_of(vec![current(), public(key("a", "RS256", "retired"), RS256_PUBLIC)]);
    assert!(message(dup).contains("option keys[1].kid is used twice"));
    let two = ring_of(vec![current(), private(key("b", "EdDSA", "current"), EDDSA_PRIVATE)]);
    assert!(message(two).contains("option keys[1].status is current, and so is keys[0]: exactly one key signs"));
    let none = ring_of(vec![public(key("a", "RS256", "retired"), RS256_PUBLIC)]);
    assert!(message(none).contains("option keys must have exactly one key with status current"));
    let partial = ring_of(vec![current(), KeyOptions::hs256("b", SECRET)]);
    assert!(message(partial).contains("option keys[1].status is required when another key has a status"));
  }

  #[test]
  fn refresh_secret_rules() {
    let es = vec![private(key("a", "ES256", "current"), ES256_PRIVATE)];
    let msg = message(IssuerOptions { refresh_secret: None, ..ring_of(es.clone()) });
    assert!(
      msg.starts_with("parse-server-refresh-token option refreshSecret is required when the current key is ES256")
    );
    assert!(message(IssuerOptions { refresh_secret: Some(b"short"), ..ring_of(es) })
      .contains("option refreshSecret must be at least 32 bytes"));
    // An HS256 deployment derives it, as before.
    assert!(IssuerOptions { refresh_secret: None, ..base() }.validate().is_ok());
  }

  #[test]
  fn debug_of_key_options_hides_material() {
    let k = private(key("k", "ES256", "current"), ES256_PRIVATE);
    let text = format!("{:?}", KeyOptions { secret: Some(b"the-secret-bytes"), ..k });
    assert!(!text.contains("PRIVATE") && !text.contains("the-secret") && text.contains("[redacted]"));
  }

  #[test]
  fn client_id_must_be_non_empty_when_set() {
    assert!(
      message(IssuerOptions { client_id: Some(""), ..base() }).contains("option clientId must be a non-empty string")
    );
    assert_eq!(
      IssuerOptions { client_id: Some("web"), ..base() }.validate().unwrap().client_id.as_deref(),
      Some("web")
    );
  }
}
