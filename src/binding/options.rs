//! The options object as napi sees it (already type-checked and normalised by index.js).

use napi::bindgen_prelude::Buffer;
use napi_derive::napi;

use crate::options::{IssuerOptions, KeyOptions};

/// One key of the ring: `secret` for HS256, `privateKey` or `publicKey` (PEM or JWK text) otherwise.
#[napi(object, object_to_js = false)]
pub struct NativeKeyOptions {
  pub kid: String,
  pub alg: Option<String>,
  pub status: Option<String>,
  pub secret: Option<Buffer>,
  pub private_key: Option<Buffer>,
  pub public_key: Option<Buffer>,
}

/// Options for `new NativeTokenIssuer(options)`; see index.d.ts `IssuerOptions`.
#[napi(object, object_to_js = false)]
pub struct NativeIssuerOptions {
  pub secret: Option<Buffer>,
  pub kid: Option<String>,
  pub keys: Option<Vec<NativeKeyOptions>>,
  pub refresh_secret: Option<Buffer>,
  pub issuer: Option<String>,
  pub audience: Option<String>,
  pub client_id: Option<String>,
  #[napi(js_name = "accessTokenTTL")]
  pub access_token_ttl: Option<f64>,
  pub leeway: Option<f64>,
  pub revocation_capacity: Option<f64>,
  /// Use the process-wide revocation list (what `configure` does) instead of a private one.
  pub shared_revocation_list: Option<bool>,
}

impl NativeKeyOptions {
  fn as_core(&self) -> KeyOptions<'_> {
    KeyOptions {
      kid: &self.kid,
      alg: self.alg.as_deref(),
      status: self.status.as_deref(),
      secret: self.secret.as_deref(),
      private_key: self.private_key.as_deref(),
      public_key: self.public_key.as_deref(),
    }
  }
}

impl NativeIssuerOptions {
  /// Borrows the JavaScript data as core options (no copy of the secrets).
  pub(crate) fn as_core(&self) -> IssuerOptions<'_> {
    IssuerOptions {
      secret: self.secret.as_deref(),
      kid: self.kid.as_deref(),
      keys: self.keys.as_ref().map(|keys| keys.iter().map(NativeKeyOptions::as_core).collect()),
      refresh_secret: self.refresh_secret.as_deref(),
      issuer: self.issuer.as_deref(),
      audience: self.audience.as_deref(),
      client_id: self.client_id.as_deref(),
      access_token_ttl: self.access_token_ttl,
      leeway: self.leeway,
      revocation_capacity: self.revocation_capacity,
    }
  }
}
