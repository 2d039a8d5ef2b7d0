//! `TokenIssuer`: one key ring and policy; every exported operation is one method here.

use std::sync::Arc;
use std::time::Instant;

use rand::RngCore;

use crate::base64url;
use crate::claims::{payload_prefix, write_compact, write_payload, CustomClaims, NewClaims};
use crate::clock::now_secs;
use crate::error::{Error, ErrorCode};
use crate::keys::KeyRing;
use crate::options::IssuerOptions;
use crate::refresh::{self, RefreshToken, RefreshTokenInfo, Seed};
use crate::refresh_keys::RefreshKeys;
use crate::revocation::RevocationList;
use crate::sign::sign;
use crate::verify::{self, Policy, MAX_TOKEN_LEN};

/// A new access token.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken {
  pub token: String,
  /// Seconds until expiry (RFC 6749 `expires_in`).
  pub expires_in: u64,
  /// Expiry, epoch seconds (the `exp` claim).
  pub expires_at: u64,
  pub jti: String,
}

impl std::fmt::Debug for AccessToken {
  fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    f.debug_struct("AccessToken")
      .field("token", &"[redacted]")
      .field("expires_at", &self.expires_at)
      .field("jti", &self.jti)
      .finish()
  }
}

#[derive(Debug)]
pub struct TokenIssuer {
  ring: KeyRing,
  refresh_keys: RefreshKeys,
  issuer: String,
  audience: String,
  client_id: Option<String>,
  access_token_ttl: u64,
  leeway: u64,
  payload_prefix: Vec<u8>,
  revocations: Arc<RevocationList>,
}

/// 128 random bits from the thread-local CSPRNG (ChaCha, seeded and reseeded from the OS).
fn new_jti() -> String {
  let mut bytes = [0u8; 16];
  rand::thread_rng().fill_bytes(&mut bytes);
  base64url::encode(&bytes)
}

impl TokenIssuer {
  /// An issuer with its own revocation list (`revocationCapacity` entries).
  pub fn new(options: &IssuerOptions<'_>) -> Result<Self, Error> {
    let valid = options.validate()?;
    let list = Arc::new(RevocationList::new(valid.revocation_capacity));
    Ok(Self::build(valid, list))
  }

  /// An issuer that shares `list` (the default issuer uses the global list, so that `configure`
  /// can replace the issuer without forgetting revocations). The list's capacity is set to
  /// `revocationCapacity`.
  pub fn with_revocation_list(options: &IssuerOptions<'_>, list: Arc<RevocationList>) -> Result<Self, Error> {
    let valid = options.validate()?;
    list.set_capacity(valid.revocation_capacity, now_secs());
    Ok(Self::build(valid, list))
  }

  fn build(valid: crate::options::ValidOptions, revocations: Arc<RevocationList>) -> Self {
    TokenIssuer {
      payload_prefix: payload_prefix(&valid.issuer, &valid.audience, valid.client_id.as_deref()),
      ring: valid.ring,
      refresh_keys: valid.refresh_keys,
      issuer: valid.issuer,
      audience: valid.audience,
      client_id: valid.client_id,
      access_token_ttl: valid.access_token_ttl,
      leeway: valid.leeway,
      revocations,
    }
  }

  pub fn ring(&self) -> &KeyRing {
    &self.ring
  }

  /// The public keys as a JWK Set (JSON): every asymmetric key, whatever its status.
  pub fn jwks_json(&self) -> &str {
    self.ring.jwks_json()
  }

  pub fn revocation_list(&self) -> &Arc<RevocationList> {
    &self.revocations
  }

  /// Signs an access token for `sub`/`sid` with optional custom claims (a JSON object).
  pub fn create_access_token(
    &self,
    sub: &str,
    sid: &str,
    custom_claims_json: Option<&str>,
  ) -> Result<AccessToken, Error> {
    self.create_access_token_at(sub, sid, custom_claims_json, now_secs())
  }

  /// `create_access_token` with an explicit clock (seconds), for tests and tools.
  pub fn create_access_token_at(
    &self,
    sub: &str,
    sid: &str,
    custom_claims_json: Option<&str>,
    now: u64,
  ) -> Result<AccessToken, Error> {
    if sub.is_empty() {
      return Err(Error::new(ErrorCode::ClaimInvalid, "Claim sub must be a non-empty string"));
    }
    if sid.is_empty() {
      return Err(Error::new(ErrorCode::ClaimInvalid, "Claim sid must be a non-empty string"));
    }
    let custom = custom_claims_json.map(CustomClaims::parse).transpose()?;
    let jti = new_jti();
    let exp = now + self.access_token_ttl;
    let claims = NewClaims { sub, sid, iat: now, exp, jti: &jti, custom: custom.as_ref() };
    let mut payload = Vec::with_capacity(self.payload_prefix.len() + sub.len() + sid.len() + 80);
    write_payload(&self.payload_prefix, &claims, &mut payload);
    let token = sign(self.ring.signing_key(), &payload)?;
    if token.len() > MAX_TOKEN_LEN {
      return Err(Error::new(
        ErrorCode::ClaimInvalid,
        format!("Claims make the token longer than {MAX_TOKEN_LEN} bytes, which verification rejects"),
      ));
    }
    Ok(AccessToken { token, expires_in: self.access_token_ttl, expires_at: exp, jti })
  }

  /// Verifies an access token and returns its payload JSON (an object with well-typed claims).
  pub fn verify_access_token(&self, token: &str) -> Result<String, Error> {
    self.verify_access_token_at(token, now_secs())
  }

  /// `verify_access_token` with an explicit clock (seconds), for tests and tools.
  pub fn verify_access_token_at(&self, token: &str, now: u64) -> Result<String, Error> {
    let mut out = Vec::new();
    self.verify_access_token_into(token.as_bytes(), now, &mut out)?;
    String::from_utf8(out).map_err(|_| ErrorCode::TokenMalformed.into())
  }

  /// The hot path: verifies `token` (bytes; tokens are ASCII) and leaves the payload JSON, valid
  /// UTF-8, in `out`, a buffer the caller reuses.
  pub fn verify_access_token_into(&self, token: &[u8], now: u64, out: &mut Vec<u8>) -> Result<(), Error> {
    let policy = Policy { issuer: &self.issuer, audience: &self.audience, leeway: self.leeway };
    verify::verify_into(&self.ring, &policy, &self.revocations, token, now, out)
  }

  /// The binding's hot path: verifies `token` and leaves in `out` the claims in the compact form of
  /// `claims::write_compact` (our own tokens; starts with a digit) or else the payload JSON (starts
  /// with `{` or whitespace). `scratch` and `out` are buffers the caller reuses.
  pub fn verify_access_token_compact_into(
    &self,
    token: &[u8],
    now: u64,
    scratch: &mut Vec<u8>,
    out: &mut Vec<u8>,
  ) -> Result<(), Error> {
    self.verify_access_token_into(token, now, scratch)?;
    if !write_compact(scratch, &self.payload_prefix, out) {
      std::mem::swap(scratch, out);
    }
    Ok(())
  }

  /// The `iss` and `aud` claims this issuer writes and requires.
  pub fn issuer_and_audience(&self) -> (&str, &str) {
    (&self.issuer, &self.audience)
  }

  /// The `client_id` claim of every token, when the issuer has one.
  pub fn client_id(&self) -> Option<&str> {
    self.client_id.as_deref()
  }

  /// Access-token lifetime in seconds (`expiresIn`).
  pub fn access_token_ttl(&self) -> u64 {
    self.access_token_ttl
  }

  /// A new login's refresh token (generation 0) and its random seed (store both seed and hash).
  pub fn create_refresh_token(&self, sid: &str) -> Result<(RefreshToken, String), Error> {
    refresh::check_sid(sid)?;
    let seed = Seed::generate();
    let token = refresh::derive(self.refresh_keys.signing(), &seed, sid, 0)?;
    Ok((token, seed.encode()))
  }

  /// The token of `generation` again (deterministic): the grace window's "current token".
  pub fn derive_refresh_token(&self, sid: &str, seed: &str, generation: u32) -> Result<RefreshToken, Error> {
    let seed = Seed::parse(seed)?;
    refresh::derive(self.refresh_keys.signing(), &seed, sid, generation)
  }

  /// The successor of `generation`.
  pub fn rotate_refresh_token(&self, sid: &str, seed: &str, generation: u32) -> Result<RefreshToken, Error> {
    let next = generation.checked_add(1).ok_or_else(|| Error::argument("generation", "cannot be rotated further"))?;
    self.derive_refresh_token(sid, seed, next)
  }

  pub fn inspect_refresh_token(&self, token: &str) -> Result<RefreshTokenInfo, Error> {
    refresh::inspect(token).map(|(info, _)| info)
  }

  /// True iff `token` is genuine for `seed` under any refresh key. Malformed tokens are `false`;
  /// a malformed seed (a server-side bug) is `INVALID_ARGUMENT`.
  pub fn verify_refresh_token(&self, token: &str, seed: &str) -> Result<bool, Error> {
    let seed = Seed::parse(seed)?;
    Ok(refresh::verify(&self.refresh_keys, token, &seed))
  }

  pub fn hash_refresh_token(&self, token: &str) -> String {
    refresh::hash(token)
  }

  pub fn refresh_token_matches(&self, token: &str, stored_hash: &str) -> bool {
    refresh::matches(token, stored_hash)
  }

  /// Revokes a session's access tokens until `until` (epoch seconds; fractions round up).
  pub fn revoke(&self, sid: &str, until: f64) -> Result<(), Error> {
    if sid.is_empty() {
      return Err(Error::argument("sid", "must be a non-empty string"));
    }
    if !until.is_finite() || until < 0.0 {
      return Err(Error::argument("untilEpochSeconds", "must be a finite number of seconds"));
    }
    self.revocations.revoke(sid, until.ceil() as u64, now_secs());
    Ok(())
  }

  pub fn is_revoked(&self, sid: &str) -> bool {
    self.revocations.is_revoked(sid, now_secs())
  }

  /// The benchmark floor: nanoseconds per `verify_access_token(token)` run in a Rust loop.
  /// Runs the binding's path (`verify_access_token_compact_into` with reused buffers, clock read per call).
  pub fn bench_verify_floor(&self, token: &str, iterations: u32) -> Result<f64, Error> {
    let mut scratch = Vec::with_capacity(token.len());
    let mut out = Vec::with_capacity(token.len());
    self.verify_access_token_compact_into(token.as_bytes(), now_secs(), &mut scratch, &mut out)?;
    let iterations = iterations.max(1);
    let start = Instant::now();
    for _ in 0..iterations {
      self.verify_access_token_compact_into(
        std::hint::black_box(token.as_bytes()),
        now_secs(),
        &mut scratch,
        &mut out,
      )?;
      std::hint::black_box(&out);
    }
    Ok(start.elapsed().as_nanos() as f64 / f64::from(iterations))
  }

  /// The benchmark floor: nanoseconds per `create_access_token(sub, sid)` run in a Rust loop.
  pub fn bench_sign_floor(&self, sub: &str, sid: &str, iterations: u32) -> Result<f64, Error> {
    self.create_access_token(sub, sid, None)?;
    let iterations = iterations.max(1);
    let start = Instant::now();
    for _ in 0..iterations {
      std::hint::black_box(self.create_access_token(std::hint::black_box(sub), sid, None)?);
    }
    Ok(start.elapsed().as_nanos() as f64 / f64::from(iterations))
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::options::KeyOptions;
  use std::collections::HashSet;

  const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

  fn options() -> IssuerOptions<'static> {
    IssuerOptions {
      secret: Some(SECRET),
      issuer: Some("https://api.example.com"),
      audience: Some("appId"),
      ..Default::default()
    }
  }

  #[test]
  fn round_trip() {
    let issuer = TokenIssuer::new(&options()).unwrap();
    let t = issuer.create_access_token("user1", "sess1", Some(r#"{"role":"admin"}"#)).unwrap();
    assert_eq!(t.expires_in, 1800);
    assert_eq!(t.jti.len(), 22);
    let payload: serde_json::Value = serde_json::from_str(&issuer.verify_access_token(&t.token).unwrap()).unwrap();
    assert_eq!(payload["sub"], "user1");
    assert_eq!(payload["sid"], "sess1");
    assert_eq!(payload["role"], "admin");
    assert_eq!(payload["jti"], t.jti.as_str());
    assert_eq!(payload["exp"].as_u64(), Some(t.expires_at));
    assert_eq!(payload["exp"].as_u64().unwrap() - payload["iat"].as_u64().unwrap(), 1800);
  }

  #[test]
  fn claims_are_checked_on_create() {
    let issuer = TokenIssuer::new(&options()).unwrap();
    assert_eq!(issuer.create_access_token("", "s", None).unwrap_err().code(), ErrorCode::ClaimInvalid);
    assert_eq!(issuer.create_access_token("u", "", None).unwrap_err().code(), ErrorCode::ClaimInvalid);
    assert_eq!(
      issuer.create_access_token("u", "s", Some(r#"{"exp":1}"#)).unwrap_err().code(),
      ErrorCode::ClaimReserved
    );
    let big = format!(r#"{{"blob":"{}"}}"#, "x".repeat(7000));
    assert_eq!(issuer.create_access_token("u", "s", Some(&big)).unwrap_err().code(), ErrorCode::ClaimInvalid);
  }

  #[test]
  fn expiry_inside_and_past_leeway() {
    let issuer = TokenIssuer::new(&IssuerOptions { access_token_ttl: Some(60.0), ..options() }).unwrap();
    let now = now_secs();
    let inside = issuer.create_access_token_at("u", "s", None, now - 62).unwrap();
    assert!(issuer.verify_access_token(&inside.token).is_ok());
    let past = issuer.create_access_token_at("u", "s", None, now - 70).unwrap();
    assert_eq!(issuer.verify_access_token(&past.token).unwrap_err().code(), ErrorCode::TokenExpired);
  }

  #[test]
  fn key_rotation() {
    let old =
      TokenIssuer::new(&IssuerOptions { secret: None, keys: Some(vec![KeyOptions::hs256("k1", SECRET)]), ..options() })
        .unwrap();
    let rotated = TokenIssuer::new(&IssuerOptions {
      secret: None,
      keys: Some(vec![KeyOptions::hs256("k2", &[7u8; 32]), KeyOptions::hs256("k1", SECRET)]),
      ..options()
    })
    .unwrap();
    let old_token = old.create_access_token("u", "s", None).unwrap().token;
    assert!(rotated.verify_access_token(&old_token).is_ok());
    let new_token = rotated.create_access_token("u", "s", None).unwrap().token;
    assert_eq!(old.verify_access_token(&new_token).unwrap_err().code(), ErrorCode::TokenKeyUnknown);
    // Refresh tokens: old generation verifies with the rotated ring.
    let (first, seed) = old.create_refresh_token("s").unwrap();
    assert!(rotated.verify_refresh_token(&first.token, &seed).unwrap());
    let next = rotated.rotate_refresh_token("s", &seed, first.generation).unwrap();
    assert_eq!(next.generation, 1);
    assert!(!old.verify_refresh_token(&next.token, &seed).unwrap());
  }

  #[test]
  fn refresh_chain() {
    let issuer = TokenIssuer::new(&options()).unwrap();
    let (t0, seed) = issuer.create_refresh_token("sess1").unwrap();
    assert_eq!(t0.generation, 0);
    assert_eq!(seed.len(), 43);
    let t1 = issuer.rotate_refresh_token("sess1", &seed, 0).unwrap();
    assert_eq!(issuer.derive_refresh_token("sess1", &seed, 1).unwrap(), t1);
    assert_eq!(
      issuer.inspect_refresh_token(&t1.token).unwrap(),
      RefreshTokenInfo { sid: "sess1".into(), generation: 1 }
    );
    assert!(issuer.verify_refresh_token(&t1.token, &seed).unwrap());
    assert!(issuer.refresh_token_matches(&t1.token, &t1.hash));
    assert!(!issuer.refresh_token_matches(&t0.token, &t1.hash));
    assert_eq!(issuer.hash_refresh_token(&t1.token), t1.hash);
    assert_eq!(issuer.rotate_refresh_token("sess1", &seed, u32::MAX).unwrap_err().code(), ErrorCode::InvalidArgument);
    assert_eq!(issuer.verify_refresh_token(&t1.token, "bad").unwrap_err().code(), ErrorCode::InvalidArgument);
    assert_eq!(issuer.create_refresh_token("").unwrap_err().code(), ErrorCode::InvalidArgument);
  }

  #[test]
  fn tokens_and_jtis_are_distinct() {
    let issuer = TokenIssuer::new(&options()).unwrap();
    let mut jtis = HashSet::new();
    let mut refresh = HashSet::new();
    for _ in 0..2000 {
      assert!(jtis.insert(issuer.create_access_token("u", "s", None).unwrap().jti));
      assert!(refresh.insert(issuer.create_refresh_token("s").unwrap().0.token));
    }
  }

  #[test]
  fn revocation_via_issuer() {
    let issuer = TokenIssuer::new(&options()).unwrap();
    let t = issuer.create_access_token("u", "sess9", None).unwrap();
    issuer.revoke("sess9", (now_secs() + 60) as f64).unwrap();
    assert!(issuer.is_revoked("sess9"));
    assert_eq!(issuer.verify_access_token(&t.token).unwrap_err().code(), ErrorCode::TokenRevoked);
    assert!(issuer.revoke("", 1.0).is_err());
    assert!(issuer.revoke("x", f64::NAN).is_err());
  }

  #[test]
  fn shared_list_survives_replacement() {
    let list = Arc::new(RevocationList::new(10));
    let a = TokenIssuer::with_revocation_list(&options(), Arc::clone(&list)).unwrap();
    a.revoke("s", (now_secs() + 60) as f64).unwrap();
    let b =
      TokenIssuer::with_revocation_list(&IssuerOptions { revocation_capacity: Some(5.0), ..options() }, list).unwrap();
    assert!(b.is_revoked("s"));
    assert_eq!(b.revocation_list().capacity(), 5);
  }

  #[test]
  fn bench_floors_run() {
    let issuer = TokenIssuer::new(&options()).unwrap();
    let t = issuer.create_access_token("u", "s", None).unwrap();
    assert!(issuer.bench_verify_floor(&t.token, 10).unwrap() > 0.0);
    assert!(issuer.bench_sign_floor("u", "s", 10).unwrap() > 0.0);
    assert_eq!(issuer.bench_verify_floor("x", 10).unwrap_err().code(), ErrorCode::TokenMalformed);
  }

  /// The independent oracle: the jsonwebtoken crate decodes our tokens with the same key.
  #[test]
  fn jsonwebtoken_crate_accepts_our_tokens() {
    use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
    let issuer = TokenIssuer::new(&IssuerOptions { kid: Some("main"), ..options() }).unwrap();
    let t = issuer.create_access_token("user1", "sess1", Some(r#"{"n":1}"#)).unwrap();
    let header = decode_header(&t.token).unwrap();
    assert_eq!(header.alg, Algorithm::HS256);
    assert_eq!(header.typ.as_deref(), Some("at+jwt"));
    assert_eq!(header.kid.as_deref(), Some("main"));
    let mut validation = Validation::new(Algorithm::HS256);
    validation.leeway = 0;
    validation.set_issuer(&["https://api.example.com"]);
    validation.set_audience(&["appId"]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    let data = decode::<serde_json::Value>(&t.token, &DecodingKey::from_secret(SECRET).unwrap(), &validation).unwrap();
    assert_eq!(data.claims["sid"], "sess1");
    assert_eq!(data.claims["n"], 1);
    // And a token the crate signs (its own header order) verifies with ours.
    let mut h = jsonwebtoken::Header::new(Algorithm::HS256);
    h.typ = Some("at+jwt".into());
    h.kid = Some("main".into());
    let claims =
      serde_json::json!({"iss":"https://api.example.com","aud":"appId","sub":"u","sid":"s","exp": now_secs() + 60});
    let theirs = jsonwebtoken::encode(&h, &claims, &jsonwebtoken::EncodingKey::from_secret(SECRET).unwrap()).unwrap();
    assert!(issuer.verify_access_token(&theirs).is_ok());
  }

  const ES256_PRIVATE: &str = include_str!("../testdata/es256-private.pem");
  const EDDSA_PRIVATE: &str = include_str!("../testdata/eddsa-private.pem");
  const EDDSA_PUBLIC: &str = include_str!("../testdata/eddsa-public.pem");
  const RS256_PUBLIC: &str = include_str!("../testdata/rs256-public.pem");
  const REFRESH: &[u8] = b"refresh-secret-0123456789abcdefgh";

  fn asymmetric(kid: &'static str, alg: &'static str, private: &'static str) -> TokenIssuer {
    TokenIssuer::new(&IssuerOptions {
      secret: None,
      keys: Some(vec![
        KeyOptions {
          kid,
          alg: Some(alg),
          status: Some("current"),
          private_key: Some(private.as_bytes()),
          ..Default::default()
        },
        KeyOptions {
          kid: "rsa",
          alg: Some("RS256"),
          status: Some("retired"),
          public_key: Some(RS256_PUBLIC.as_bytes()),
          ..Default::default()
        },
      ]),
      refresh_secret: Some(REFRESH),
      client_id: Some("web"),
      ..options()
    })
    .unwrap()
  }

  fn craft(header: &str, payload: &str, sign: impl Fn(&[u8]) -> Vec<u8>) -> String {
    let mut token = base64url::encode(header.as_bytes());
    token.push('.');
    token.push_str(&base64url::encode(payload.as_bytes()));
    let signature = sign(token.as_bytes());
    token.push('.');
    token.push_str(&base64url::encode(&signature));
    token
  }

  fn hmac_with(secret: &'static [u8]) -> impl Fn(&[u8]) -> Vec<u8> {
    move |input| {
      let mut mac = <crate::hmac_key::HmacSha256 as hmac::Mac>::new_from_slice(secret).unwrap();
      hmac::Mac::update(&mut mac, input);
      hmac::Mac::finalize(mac).into_bytes().to_vec()
    }
  }

  #[test]
  fn asymmetric_round_trips_and_jsonwebtoken_agrees() {
    use jsonwebtoken::{decode, jwk::JwkSet, DecodingKey, Validation};
    for (kid, alg, private) in [("ec", "ES256", ES256_PRIVATE), ("ed", "EdDSA", EDDSA_PRIVATE)] {
      let issuer = asymmetric(kid, alg, private);
      let t = issuer.create_access_token("user1", "sess1", Some(r#"{"n":1}"#)).unwrap();
      let payload: serde_json::Value = serde_json::from_str(&issuer.verify_access_token(&t.token).unwrap()).unwrap();
      assert_eq!(payload["client_id"], "web");
      assert_eq!(payload["n"], 1);
      // The crate verifies it with the key we publish, and the header is ours.
      let set: JwkSet = serde_json::from_str(issuer.jwks_json()).unwrap();
      assert_eq!(set.keys.len(), 2);
      let jwk = set.find(kid).unwrap();
      let jwt_alg = crate::Algorithm::parse(alg).unwrap().to_jsonwebtoken();
      let mut validation = Validation::new(jwt_alg);
      validation.set_audience(&["appId"]);
      let data = decode::<serde_json::Value>(&t.token, &DecodingKey::from_jwk(jwk).unwrap(), &validation).unwrap();
      assert_eq!(data.header.kid.as_deref(), Some(kid));
      assert_eq!(data.header.typ.as_deref(), Some("at+jwt"));
      assert_eq!(data.claims["sub"], "user1");
      // A token the crate signs with the same private key verifies with ours.
      let mut h = jsonwebtoken::Header::new(jwt_alg);
      h.typ = Some("at+jwt".into());
      h.kid = Some(kid.into());
      let claims =
        serde_json::json!({"iss":"https://api.example.com","aud":"appId","sub":"u","sid":"s","exp": now_secs() + 60});
      let key = match alg {
        "ES256" => jsonwebtoken::EncodingKey::from_ec_pem(private.as_bytes()),
        _ => jsonwebtoken::EncodingKey::from_ed_pem(private.as_bytes()),
      }
      .unwrap();
      let theirs = jsonwebtoken::encode(&h, &claims, &key).unwrap();
      assert!(issuer.verify_access_token(&theirs).is_ok());
      // Tampering is caught; a signature of the wrong length is malformed.
      let (input, _) = theirs.rsplit_once('.').unwrap();
      let forged = format!("{input}.{}", base64url::encode(&[7u8; 64]));
      assert_eq!(issuer.verify_access_token(&forged).unwrap_err().code(), ErrorCode::TokenSignatureInvalid);
      let short = format!("{input}.{}", base64url::encode(&[7u8; 32]));
      assert_eq!(issuer.verify_access_token(&short).unwrap_err().code(), ErrorCode::TokenMalformed);
    }
  }

  #[test]
  fn debug_output_holds_no_key_material() {
    let issuer = asymmetric("ec", "ES256", ES256_PRIVATE);
    let text = format!("{issuer:?}");
    let body: String = ES256_PRIVATE.lines().filter(|l| !l.starts_with("-----")).collect();
    for chunk in body.as_bytes().chunks(16) {
      assert!(!text.contains(std::str::from_utf8(chunk).unwrap()), "{text}");
    }
    assert!(!text.contains("refresh-secret") && text.contains("[redacted]"));
  }

  #[test]
  fn jwks_publishes_public_parameters_only() {
    let issuer = asymmetric("ec", "ES256", ES256_PRIVATE);
    let set: serde_json::Value = serde_json::from_str(issuer.jwks_json()).unwrap();
    let keys = set["keys"].as_array().unwrap();
    assert_eq!(keys[0]["kid"], "ec");
    assert_eq!(keys[0]["alg"], "ES256");
    assert_eq!(keys[0]["use"], "sig");
    assert_eq!(keys[0]["kty"], "EC");
    assert_eq!(keys[0]["crv"], "P-256");
    assert!(keys[0].get("d").is_none());
    assert_eq!(keys[1]["kid"], "rsa");
    assert_eq!(keys[1]["alg"], "RS256");
    assert_eq!(keys[1]["kty"], "RSA");
    assert!(keys[1]["n"].is_string() && keys[1]["e"].is_string());
  }

  #[test]
  fn algorithm_confusion_is_rejected() {
    let issuer = asymmetric("ed", "EdDSA", EDDSA_PRIVATE);
    let payload =
      format!(r#"{{"iss":"https://api.example.com","aud":"appId","sub":"u","sid":"s","exp":{}}}"#, now_secs() + 60);
    // The classic: HS256 "signed" with the RS256 public key's text as the HMAC secret.
    for header in [
      r#"{"alg":"HS256","typ":"at+jwt","kid":"rsa"}"#,
      r#"{"alg":"HS256","typ":"at+jwt","kid":"ed"}"#,
      r#"{"alg":"ES256","typ":"at+jwt","kid":"ed"}"#,
      r#"{"alg":"none","typ":"at+jwt","kid":"ed"}"#,
    ] {
      let token = craft(header, &payload, hmac_with(RS256_PUBLIC.as_bytes()));
      assert_eq!(issuer.verify_access_token(&token).unwrap_err().code(), ErrorCode::TokenAlgorithmRejected, "{header}");
    }
    let eddsa_as_hs =
      craft(r#"{"alg":"HS256","typ":"at+jwt","kid":"ed"}"#, &payload, hmac_with(EDDSA_PUBLIC.as_bytes()));
    assert_eq!(issuer.verify_access_token(&eddsa_as_hs).unwrap_err().code(), ErrorCode::TokenAlgorithmRejected);
  }

  #[test]
  fn refresh_secret_keeps_existing_refresh_tokens_valid() {
    let before = TokenIssuer::new(&options()).unwrap();
    let (t0, seed) = before.create_refresh_token("s").unwrap();
    let with_refresh = TokenIssuer::new(&IssuerOptions { refresh_secret: Some(REFRESH), ..options() }).unwrap();
    assert!(with_refresh.verify_refresh_token(&t0.token, &seed).unwrap(), "derived key still verifies");
    let t1 = with_refresh.rotate_refresh_token("s", &seed, 0).unwrap();
    assert!(!before.verify_refresh_token(&t1.token, &seed).unwrap(), "new tokens use refreshSecret");
    // The asymmetric issuer with the same refreshSecret accepts them: one key, apart from the JWT keys.
    let es = asymmetric("ec", "ES256", ES256_PRIVATE);
    assert!(es.verify_refresh_token(&t1.token, &seed).unwrap());
    assert!(!es.verify_refresh_token(&t0.token, &seed).unwrap(), "no HS256 key: nothing derived");
  }

  /// A token from before the key model changed: HS256, kid "default", signed with SECRET, and its
  /// refresh token under the derived key. Both must keep verifying.
  #[test]
  fn tokens_of_the_previous_release_still_verify() {
    let issuer = TokenIssuer::new(&options()).unwrap();
    let payload = format!(
      r#"{{"iss":"https://api.example.com","aud":"appId","sub":"u","sid":"s","iat":1,"exp":{}}}"#,
      now_secs() + 60
    );
    let header = r#"{"alg":"HS256","typ":"at+jwt","kid":"default"}"#;
    let token = craft(header, &payload, hmac_with(SECRET));
    assert_eq!(token.split('.').next(), Some(issuer.ring().signing_key().header_segment()));
    assert!(issuer.verify_access_token(&token).is_ok());
    let seed = Seed::parse("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").unwrap().encode();
    // Generation 0 of sid "s", all-zero seed, under the key derived from SECRET (as the README specifies).
    let previous = issuer.derive_refresh_token("s", &seed, 0).unwrap();
    assert_eq!(previous.token, "AQFzAAAAAPRu4GzYz9cT-950n6FRZ76-P1FoZMQkH_ZHdyU_V4Rb");
  }
}
