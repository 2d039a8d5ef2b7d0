//! Key text as operators give it (PEM or a JWK, e.g. from an environment variable) turned into
//! jsonwebtoken keys for one algorithm. Errors are problem texts for an option error; they say
//! what kind of key was expected and never quote the text.

use jsonwebtoken::{DecodingKey, EncodingKey};

use crate::algorithm::Algorithm;
use crate::jwk::{self, JwkKey};

fn is_jwk(text: &[u8]) -> bool {
  text.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

fn contains(text: &[u8], needle: &[u8]) -> bool {
  text.windows(needle.len()).any(|w| w == needle)
}

/// A PEM option is one key: exactly one PEM block, nothing but whitespace around it. The PEM reader
/// takes the first block and skips any other text, so two keys pasted into one variable would leave
/// which one signs or verifies to the order of the paste, and a truncated or concatenated value
/// would pass unnoticed. Text without any PEM block is left to the parsers' own message.
fn single_pem_block(text: &[u8]) -> Result<(), String> {
  const BEGIN: &[u8] = b"-----BEGIN ";
  let blocks = text.windows(BEGIN.len()).filter(|w| *w == BEGIN).count();
  if blocks == 0 {
    return Ok(());
  }
  if blocks > 1 {
    return Err("holds more than one PEM block; give exactly one key".to_owned());
  }
  let trimmed = text.trim_ascii();
  if !trimmed.starts_with(BEGIN) || !trimmed.ends_with(b"-----") {
    return Err("has text outside its PEM block; give the key alone (-----BEGIN ... -----END ...-----)".to_owned());
  }
  Ok(())
}

fn pem_kind(alg: Algorithm) -> &'static str {
  match alg {
    Algorithm::ES256 => "EC P-256",
    Algorithm::EdDSA => "Ed25519",
    Algorithm::RS256 => "RSA",
    Algorithm::HS256 => "HMAC",
  }
}

/// A private key (PKCS#8 PEM, `-----BEGIN PRIVATE KEY-----`, or a JWK with `d`) for `alg`.
pub(crate) fn private_key(alg: Algorithm, text: &[u8]) -> Result<EncodingKey, String> {
  if is_jwk(text) {
    return match jwk::read(alg, text)? {
      JwkKey::Private(key) => Ok(key),
      JwkKey::Public(_) => Err("is a public JWK (no \"d\"); a private key is needed here".to_owned()),
    };
  }
  if contains(text, b"PUBLIC KEY-----") {
    return Err("is a public key; a private key is needed here".to_owned());
  }
  single_pem_block(text)?;
  let parsed = match alg {
    Algorithm::ES256 => EncodingKey::from_ec_pem(text),
    Algorithm::EdDSA => EncodingKey::from_ed_pem(text),
    Algorithm::RS256 | Algorithm::HS256 => return Err("is not a key this algorithm signs with".to_owned()),
  };
  parsed.map_err(|_| {
    format!("is not an {} private key in PKCS#8 PEM (-----BEGIN PRIVATE KEY-----) or a JWK", pem_kind(alg))
  })
}

/// A public key (SPKI PEM, `-----BEGIN PUBLIC KEY-----`, PKCS#1 `RSA PUBLIC KEY` for RS256, or a
/// JWK without `d`) for `alg`.
pub(crate) fn public_key(alg: Algorithm, text: &[u8]) -> Result<DecodingKey, String> {
  if is_jwk(text) {
    return match jwk::read(alg, text)? {
      JwkKey::Public(key) => Ok(key),
      JwkKey::Private(_) => Err("is a private JWK; give it as privateKey, or remove \"d\"".to_owned()),
    };
  }
  if contains(text, b"PRIVATE KEY-----") {
    return Err("is a private key; give it as privateKey, or give the public key here".to_owned());
  }
  single_pem_block(text)?;
  let parsed = match alg {
    Algorithm::ES256 => DecodingKey::from_ec_pem(text),
    Algorithm::EdDSA => DecodingKey::from_ed_pem(text),
    Algorithm::RS256 => DecodingKey::from_rsa_pem(text),
    Algorithm::HS256 => return Err("is not a key this algorithm verifies with".to_owned()),
  };
  parsed.map_err(|_| format!("is not an {} public key in PEM (-----BEGIN PUBLIC KEY-----) or a JWK", pem_kind(alg)))
}

#[cfg(test)]
mod tests {
  use super::*;

  const BLOCK: &str = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----";

  #[test]
  fn one_pem_block_and_only_whitespace_around_it() {
    assert!(single_pem_block(BLOCK.as_bytes()).is_ok());
    assert!(single_pem_block(format!("\n  {BLOCK}\r\n\n").as_bytes()).is_ok());
    assert!(single_pem_block(b"not pem at all").is_ok(), "left to the parser's message");
    assert!(single_pem_block(format!("{BLOCK}\n{BLOCK}").as_bytes()).unwrap_err().contains("more than one"));
    for text in [format!("{BLOCK}junk"), format!("KEY={BLOCK}"), format!("# note\n{BLOCK}")] {
      assert!(single_pem_block(text.as_bytes()).unwrap_err().contains("text outside"), "{text}");
    }
  }
}
