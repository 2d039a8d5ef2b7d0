//! The JWS algorithms a key may have. A key has exactly one; a token is checked with the key its
//! `kid` names and must carry that key's `alg` (RFC 8725 section 3.1: no algorithm confusion).

/// A signing algorithm (RFC 7518 names; `EdDSA` is Ed25519, RFC 8037).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
  HS256,
  ES256,
  EdDSA,
  RS256,
}

impl Algorithm {
  pub const ALL: [Algorithm; 4] = [Algorithm::HS256, Algorithm::ES256, Algorithm::EdDSA, Algorithm::RS256];

  /// The `alg` header value, exactly (the names are case-sensitive).
  pub const fn as_str(self) -> &'static str {
    match self {
      Algorithm::HS256 => "HS256",
      Algorithm::ES256 => "ES256",
      Algorithm::EdDSA => "EdDSA",
      Algorithm::RS256 => "RS256",
    }
  }

  pub fn parse(name: &str) -> Option<Algorithm> {
    Algorithm::ALL.into_iter().find(|a| a.as_str() == name)
  }

  /// Signature length in bytes where it is fixed (RSA's is the modulus length).
  pub const fn signature_len(self) -> Option<usize> {
    match self {
      Algorithm::HS256 => Some(32),
      Algorithm::ES256 | Algorithm::EdDSA => Some(64),
      Algorithm::RS256 => None,
    }
  }

  /// Whether we sign with it. RS256 verifies only: the one RSA implementation of our crypto
  /// backend (the `rsa` crate) leaks timing on private-key operations (RUSTSEC-2023-0071).
  pub const fn can_sign(self) -> bool {
    !matches!(self, Algorithm::RS256)
  }

  pub(crate) const fn to_jsonwebtoken(self) -> jsonwebtoken::Algorithm {
    match self {
      Algorithm::HS256 => jsonwebtoken::Algorithm::HS256,
      Algorithm::ES256 => jsonwebtoken::Algorithm::ES256,
      Algorithm::EdDSA => jsonwebtoken::Algorithm::EdDSA,
      Algorithm::RS256 => jsonwebtoken::Algorithm::RS256,
    }
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn names_are_exact() {
    for alg in Algorithm::ALL {
      assert_eq!(Algorithm::parse(alg.as_str()), Some(alg));
    }
    for other in ["none", "hs256", "ES384", "EDDSA", "Ed25519", "PS256", ""] {
      assert_eq!(Algorithm::parse(other), None, "{other}");
    }
    assert!(!Algorithm::RS256.can_sign());
    assert!(Algorithm::ES256.can_sign());
  }
}
