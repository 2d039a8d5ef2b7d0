//! Token cryptography for parse-server-refresh-token.
//!
//! The pure core (every module but `binding`) builds and links without Node.js, so
//! `cargo test --no-default-features` tests it alone. `binding` holds the napi-rs wrappers.
#![deny(clippy::all)]

mod base64url;
mod claims;
mod clock;
mod error;
mod header;
mod issuer;
mod keys;
mod options;
mod refresh;
mod revocation;
mod sign;
mod verify;

#[cfg(feature = "node")]
mod binding;

pub use claims::{Audience, CustomClaims, RegisteredClaims, RESERVED_CLAIMS};
pub use error::{Error, ErrorCode};
pub use issuer::{AccessToken, TokenIssuer};
pub use keys::{KeyRing, SigningKey, MIN_SECRET_LEN};
pub use options::{IssuerOptions, KeyOptions, DEFAULT_ACCESS_TOKEN_TTL, DEFAULT_LEEWAY, DEFAULT_REVOCATION_CAPACITY};
pub use refresh::{RefreshToken, RefreshTokenInfo, MAX_SID_LEN};
pub use revocation::{global_revocation_list, RevocationList};
pub use verify::MAX_TOKEN_LEN;
