//! Token cryptography for parse-server-refresh-token.
//!
//! The pure core (every module but `binding`) builds and links without Node.js, so
//! `cargo test --no-default-features` tests it alone. `binding` holds the napi-rs wrappers.
#![deny(clippy::all)]

mod algorithm;
mod asymmetric;
mod base64url;
mod claims;
mod clock;
mod error;
mod header;
mod hmac_key;
mod issuer;
mod jwk;
mod key_import;
mod keys;
mod options;
mod refresh;
mod refresh_keys;
mod revocation;
mod sign;
mod verified;
mod verify;

#[cfg(feature = "node")]
mod binding;

pub use algorithm::Algorithm;
pub use claims::{Audience, CustomClaims, RegisteredClaims, RESERVED_CLAIMS};
pub use error::{Error, ErrorCode};
pub use hmac_key::MIN_SECRET_LEN;
pub use issuer::{AccessToken, TokenIssuer};
pub use keys::{Key, KeyRing, KeyStatus};
pub use options::{IssuerOptions, KeyOptions, DEFAULT_ACCESS_TOKEN_TTL, DEFAULT_LEEWAY, DEFAULT_REVOCATION_CAPACITY};
pub use refresh::{RefreshToken, RefreshTokenInfo, MAX_SID_LEN};
pub use revocation::{global_revocation_list, RevocationList};
pub use verify::MAX_TOKEN_LEN;
