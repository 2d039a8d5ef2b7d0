//! Error codes. JavaScript matches on `err.code`, so the strings are part of the public API:
//! `tests::codes_and_messages_are_pinned` fails if one changes.

use std::borrow::Cow;

/// Why an operation failed, as a stable string code (`as_str`). Grouped by cause.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum ErrorCode {
  // Token shape: not a compact JWS we can read.
  #[error("Token is malformed")]
  TokenMalformed,
  // Header: a JWS, but not one of ours.
  #[error("Token algorithm is not accepted")]
  TokenAlgorithmRejected,
  #[error("Token type is not accepted")]
  TokenTypeRejected,
  #[error("Token key id is unknown")]
  TokenKeyUnknown,
  // Cryptography.
  #[error("Token signature is invalid")]
  TokenSignatureInvalid,
  // Claims: genuine, but not valid here or now.
  #[error("Token issuer is not accepted")]
  TokenIssuerRejected,
  #[error("Token audience is not accepted")]
  TokenAudienceRejected,
  #[error("Token has expired")]
  TokenExpired,
  #[error("Token is not valid yet")]
  TokenNotYetValid,
  #[error("Token has been revoked")]
  TokenRevoked,
  // Issuing.
  #[error("Claim name is reserved")]
  ClaimReserved,
  #[error("Claim is invalid")]
  ClaimInvalid,
  #[error("Refresh token is malformed")]
  RefreshTokenMalformed,
  // Configuration and arguments.
  #[error("Invalid option")]
  InvalidOption,
  #[error("Invalid argument")]
  InvalidArgument,
  #[error("Token issuer is not configured")]
  NotConfigured,
}

impl ErrorCode {
  /// Every code, for tests and documentation.
  pub const ALL: [ErrorCode; 16] = [
    ErrorCode::TokenMalformed,
    ErrorCode::TokenAlgorithmRejected,
    ErrorCode::TokenTypeRejected,
    ErrorCode::TokenKeyUnknown,
    ErrorCode::TokenSignatureInvalid,
    ErrorCode::TokenIssuerRejected,
    ErrorCode::TokenAudienceRejected,
    ErrorCode::TokenExpired,
    ErrorCode::TokenNotYetValid,
    ErrorCode::TokenRevoked,
    ErrorCode::ClaimReserved,
    ErrorCode::ClaimInvalid,
    ErrorCode::RefreshTokenMalformed,
    ErrorCode::InvalidOption,
    ErrorCode::InvalidArgument,
    ErrorCode::NotConfigured,
  ];

  /// The stable code JavaScript sees as `err.code`.
  pub const fn as_str(self) -> &'static str {
    match self {
      ErrorCode::TokenMalformed => "TOKEN_MALFORMED",
      ErrorCode::TokenAlgorithmRejected => "TOKEN_ALGORITHM_REJECTED",
      ErrorCode::TokenTypeRejected => "TOKEN_TYPE_REJECTED",
      ErrorCode::TokenKeyUnknown => "TOKEN_KEY_UNKNOWN",
      ErrorCode::TokenSignatureInvalid => "TOKEN_SIGNATURE_INVALID",
      ErrorCode::TokenIssuerRejected => "TOKEN_ISSUER_REJECTED",
      ErrorCode::TokenAudienceRejected => "TOKEN_AUDIENCE_REJECTED",
      ErrorCode::TokenExpired => "TOKEN_EXPIRED",
      ErrorCode::TokenNotYetValid => "TOKEN_NOT_YET_VALID",
      ErrorCode::TokenRevoked => "TOKEN_REVOKED",
      ErrorCode::ClaimReserved => "CLAIM_RESERVED",
      ErrorCode::ClaimInvalid => "CLAIM_INVALID",
      ErrorCode::RefreshTokenMalformed => "REFRESH_TOKEN_MALFORMED",
      ErrorCode::InvalidOption => "INVALID_OPTION",
      ErrorCode::InvalidArgument => "INVALID_ARGUMENT",
      ErrorCode::NotConfigured => "NOT_CONFIGURED",
    }
  }
}

impl AsRef<str> for ErrorCode {
  fn as_ref(&self) -> &str {
    self.as_str()
  }
}

/// A code plus a human message. Messages name options and claims but never contain a secret,
/// a token, a hash or a seed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Error {
  code: ErrorCode,
  message: Cow<'static, str>,
}

impl Error {
  pub fn new(code: ErrorCode, message: impl Into<Cow<'static, str>>) -> Self {
    Error { code, message: message.into() }
  }

  /// An `INVALID_OPTION` error whose message names the option, Parse Server style.
  pub(crate) fn option(name: &str, problem: &str) -> Self {
    Error::new(ErrorCode::InvalidOption, format!("parse-server-refresh-token option {name} {problem}"))
  }

  /// An `INVALID_ARGUMENT` error whose message names the argument.
  pub(crate) fn argument(name: &str, problem: &str) -> Self {
    Error::new(ErrorCode::InvalidArgument, format!("parse-server-refresh-token: {name} {problem}"))
  }

  pub fn code(&self) -> ErrorCode {
    self.code
  }

  pub fn message(&self) -> &str {
    &self.message
  }
}

impl From<ErrorCode> for Error {
  fn from(code: ErrorCode) -> Self {
    // thiserror's Display is the default message; the common token errors allocate only here.
    Error { code, message: Cow::Owned(code.to_string()) }
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn codes_and_messages_are_pinned() {
    let pinned: Vec<(&str, String)> = ErrorCode::ALL.iter().map(|c| (c.as_str(), c.to_string())).collect();
    assert_eq!(
      pinned,
      vec![
        ("TOKEN_MALFORMED", "Token is malformed".to_string()),
        ("TOKEN_ALGORITHM_REJECTED", "Token algorithm is not accepted".to_string()),
        ("TOKEN_TYPE_REJECTED", "Token type is not accepted".to_string()),
        ("TOKEN_KEY_UNKNOWN", "Token key id is unknown".to_string()),
        ("TOKEN_SIGNATURE_INVALID", "Token signature is invalid".to_string()),
        ("TOKEN_ISSUER_REJECTED", "Token issuer is not accepted".to_string()),
        ("TOKEN_AUDIENCE_REJECTED", "Token audience is not accepted".to_string()),
        ("TOKEN_EXPIRED", "Token has expired".to_string()),
        ("TOKEN_NOT_YET_VALID", "Token is not valid yet".to_string()),
        ("TOKEN_REVOKED", "Token has been revoked".to_string()),
        ("CLAIM_RESERVED", "Claim name is reserved".to_string()),
        ("CLAIM_INVALID", "Claim is invalid".to_string()),
        ("REFRESH_TOKEN_MALFORMED", "Refresh token is malformed".to_string()),
        ("INVALID_OPTION", "Invalid option".to_string()),
        ("INVALID_ARGUMENT", "Invalid argument".to_string()),
        ("NOT_CONFIGURED", "Token issuer is not configured".to_string()),
      ]
    );
  }

  #[test]
  fn error_carries_code_and_message() {
    let e = Error::from(ErrorCode::TokenExpired);
    assert_eq!(e.code(), ErrorCode::TokenExpired);
    assert_eq!(e.to_string(), "Token has expired");
    assert_eq!(e.code().as_ref(), "TOKEN_EXPIRED");
    let o = Error::option("secret", "must be at least 32 bytes");
    assert_eq!(o.code(), ErrorCode::InvalidOption);
    assert_eq!(o.message(), "parse-server-refresh-token option secret must be at least 32 bytes");
  }
}
