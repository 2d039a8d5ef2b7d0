//! The issuer exports: free functions taking the issuer as an `External` handle. (A napi-rs class
//! method call measured ~300 ns of fixed cost here against ~130 ns for a free function with an
//! External; these calls are on every request.) index.js wraps the handle in its `TokenIssuer`.

use napi::bindgen_prelude::{External, Result};
use napi_derive::napi;

use super::error::to_js;
use super::options::NativeIssuerOptions;
use super::text::{with_scratch_and_output, OutputText, Text, TokenArg};
use crate::clock::now_secs;
use crate::error::{Error, ErrorCode};
use crate::issuer::TokenIssuer;
use crate::refresh::RefreshToken;
use crate::revocation::global_revocation_list;

/// Handle to one key ring and policy (a Rust `TokenIssuer`), freed with the JavaScript object.
pub type IssuerHandle = External<TokenIssuer>;

#[napi(object)]
pub struct NativeNewRefreshToken {
  pub token: String,
  pub hash: String,
  pub seed: String,
  pub generation: u32,
}

#[napi(object)]
pub struct NativeRefreshToken {
  pub token: String,
  pub hash: String,
  pub generation: u32,
}

#[napi(object)]
pub struct NativeRefreshTokenInfo {
  pub sid: String,
  pub generation: u32,
}

impl From<RefreshToken> for NativeRefreshToken {
  fn from(t: RefreshToken) -> Self {
    NativeRefreshToken { token: t.token, hash: t.hash, generation: t.generation }
  }
}

/// Builds an issuer from options normalised by index.js. Errors: INVALID_OPTION.
#[napi(ts_return_type = "ExternalObject<'TokenIssuer'>")]
pub fn create_issuer(options: NativeIssuerOptions) -> Result<IssuerHandle, ErrorCode> {
  let core = options.as_core();
  let issuer = if options.shared_revocation_list == Some(true) {
    TokenIssuer::with_revocation_list(&core, global_revocation_list())
  } else {
    TokenIssuer::new(&core)
  }
  .map_err(to_js)?;
  Ok(External::new(issuer))
}

#[napi(object)]
pub struct NativeIssuerClaims {
  pub iss: String,
  pub aud: String,
  pub client_id: Option<String>,
}

/// The `iss`, `aud` and (when set) `client_id` claims of this issuer's tokens (the compact form
/// of verify leaves them out).
#[napi(ts_args_type = "issuer: ExternalObject<'TokenIssuer'>")]
pub fn issuer_claims(issuer: &IssuerHandle) -> NativeIssuerClaims {
  let (iss, aud) = issuer.issuer_and_audience();
  NativeIssuerClaims { iss: iss.to_owned(), aud: aud.to_owned(), client_id: issuer.client_id().map(str::to_owned) }
}

/// The JWK Set of the issuer's asymmetric keys, as JSON text (index.js parses it).
#[napi(ts_args_type = "issuer: ExternalObject<'TokenIssuer'>")]
pub fn jwks(issuer: &IssuerHandle) -> String {
  issuer.jwks_json().to_owned()
}

/// Access-token lifetime in seconds (`expiresIn`).
#[napi(ts_args_type = "issuer: ExternalObject<'TokenIssuer'>")]
pub fn access_token_ttl(issuer: &IssuerHandle) -> u32 {
  issuer.access_token_ttl() as u32
}

/// Signs an access token issued at `now` (epoch seconds, the caller's reading of the server
/// clock). `customClaims` is a JSON object text, or undefined for none. Returns the 22-character
/// jti followed by the token: one string crossing instead of an object (index.js splits it).
#[napi(
  js_name = "createJWT",
  ts_args_type = "issuer: ExternalObject<'TokenIssuer'>, sub: string, sid: string, customClaims: string | undefined, now: number",
  ts_return_type = "string"
)]
pub fn create_jwt(
  issuer: &IssuerHandle,
  sub: String,
  sid: String,
  custom_claims: Option<String>,
  now: f64,
) -> Result<Text, ErrorCode> {
  if !now.is_finite() || now < 0.0 {
    return Err(to_js(Error::argument("now", "must be epoch seconds")));
  }
  let t = issuer.create_access_token_at(&sub, &sid, custom_claims.as_deref(), now as u64).map_err(to_js)?;
  let mut out = t.jti;
  out.push_str(&t.token);
  Ok(Text(out))
}

/// Verifies an access token. Returns its claims as one string: for a payload in the exact form
/// createJWT writes, `iat SEP exp SEP sub SEP sid SEP jti [SEP {custom claims JSON}]` with SEP
/// U+0001 (starts with a digit; `iss`/`aud` are the issuer's, see `issuerClaims`), else the whole
/// payload JSON (starts with `{` or whitespace). index.js builds the claims object: slicing the
/// compact form costs a fraction of `JSON.parse` of the payload.
#[napi(ts_args_type = "issuer: ExternalObject<'TokenIssuer'>, token: string", ts_return_type = "string")]
pub fn verify_access_token_compact(issuer: &IssuerHandle, token: TokenArg) -> Result<OutputText, ErrorCode> {
  token
    .with_bytes(|bytes| {
      let bytes = bytes.ok_or(ErrorCode::TokenMalformed)?;
      with_scratch_and_output(|scratch, out| issuer.verify_access_token_compact_into(bytes, now_secs(), scratch, out))
    })
    .map(|()| OutputText)
    .map_err(to_js)
}

#[napi(ts_args_type = "issuer: ExternalObject<'TokenIssuer'>, sid: string")]
pub fn create_refresh_token(issuer: &IssuerHandle, sid: String) -> Result<NativeNewRefreshToken, ErrorCode> {
  let (t, seed) = issuer.create_refresh_token(&sid).map_err(to_js)?;
  Ok(NativeNewRefreshToken { token: t.token, hash: t.hash, seed, generation: t.generation })
}

#[napi(ts_args_type = "issuer: ExternalObject<'TokenIssuer'>, sid: string, seed: string, generation: number")]
pub fn derive_refresh_token(
  issuer: &IssuerHandle,
  sid: String,
  seed: String,
  generation: u32,
) -> Result<NativeRefreshToken, ErrorCode> {
  issuer.derive_refresh_token(&sid, &seed, generation).map(Into::into).map_err(to_js)
}

#[napi(ts_args_type = "issuer: ExternalObject<'TokenIssuer'>, sid: string, seed: string, generation: number")]
pub fn rotate_refresh_token(
  issuer: &IssuerHandle,
  sid: String,
  seed: String,
  generation: u32,
) -> Result<NativeRefreshToken, ErrorCode> {
  issuer.rotate_refresh_token(&sid, &seed, generation).map(Into::into).map_err(to_js)
}

#[napi(ts_args_type = "issuer: ExternalObject<'TokenIssuer'>, token: string")]
pub fn inspect_refresh_token(issuer: &IssuerHandle, token: String) -> Result<NativeRefreshTokenInfo, ErrorCode> {
  let info = issuer.inspect_refresh_token(&token).map_err(to_js)?;
  Ok(NativeRefreshTokenInfo { sid: info.sid, generation: info.generation })
}

#[napi(ts_args_type = "issuer: ExternalObject<'TokenIssuer'>, token: string, seed: string")]
pub fn verify_refresh_token(issuer: &IssuerHandle, token: String, seed: String) -> Result<bool, ErrorCode> {
  issuer.verify_refresh_token(&token, &seed).map_err(to_js)
}

#[napi(ts_args_type = "issuer: ExternalObject<'TokenIssuer'>, token: string")]
pub fn hash_refresh_token(issuer: &IssuerHandle, token: String) -> String {
  issuer.hash_refresh_token(&token)
}

#[napi(ts_args_type = "issuer: ExternalObject<'TokenIssuer'>, token: string, hash: string")]
pub fn refresh_token_matches(issuer: &IssuerHandle, token: String, hash: String) -> bool {
  issuer.refresh_token_matches(&token, &hash)
}

#[napi(ts_args_type = "issuer: ExternalObject<'TokenIssuer'>, sid: string, untilEpochSeconds: number")]
pub fn revoke(issuer: &IssuerHandle, sid: String, until_epoch_seconds: f64) -> Result<(), ErrorCode> {
  issuer.revoke(&sid, until_epoch_seconds).map_err(to_js)
}

#[napi(ts_args_type = "issuer: ExternalObject<'TokenIssuer'>, sid: string")]
pub fn is_revoked(issuer: &IssuerHandle, sid: String) -> bool {
  issuer.is_revoked(&sid)
}

/// Benchmark floor: nanoseconds per verify of `token`, looped in Rust (no napi in between).
#[napi(ts_args_type = "issuer: ExternalObject<'TokenIssuer'>, token: string, iterations: number")]
pub fn bench_verify_floor(issuer: &IssuerHandle, token: String, iterations: u32) -> Result<f64, ErrorCode> {
  issuer.bench_verify_floor(&token, iterations).map_err(to_js)
}

/// Benchmark floor: nanoseconds per createJWT(sub, sid) without custom claims, looped in Rust.
#[napi(ts_args_type = "issuer: ExternalObject<'TokenIssuer'>, sub: string, sid: string, iterations: number")]
pub fn bench_sign_floor(issuer: &IssuerHandle, sub: String, sid: String, iterations: u32) -> Result<f64, ErrorCode> {
  issuer.bench_sign_floor(&sub, &sid, iterations).map_err(to_js)
}
