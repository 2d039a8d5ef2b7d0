//! An asymmetric key (ES256, EdDSA, RS256): jsonwebtoken's signer and verifier for it, built once
//! at start-up (its `crypto::sign`/`verify` would parse the key again on every call, and for a
//! private key that includes deriving its public point), and the public JWK we publish.
//!
//! Secrets: the signers hold `p256`/`ed25519-dalek` signing keys, which zeroize themselves on drop,
//! and the `EncodingKey` they are made from is dropped (zeroized) at once. Not wiped: what the PEM
//! decoder allocates while reading a PEM private key (jsonwebtoken's `pem` dependency frees it
//! without zeroizing).
//!
//! Threads: jsonwebtoken's `JwtSigner`/`JwtVerifier` traits do not require `Send` or `Sync`, so
//! neither this type nor a `TokenIssuer` is either. Every call is synchronous on the JavaScript
//! thread today; moving ES256 work to the thread pool would first need signer and verifier
//! objects that are `Send + Sync`.

use jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER;
use jsonwebtoken::crypto::{JwtSigner, JwtVerifier};
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk};
use jsonwebtoken::{DecodingKey, EncodingKey};

use crate::algorithm::Algorithm;
use crate::verified::VerifiedSignatures;

/// Smallest RSA modulus we verify with, in bytes (RFC 7518 section 3.3: 2048 bits or larger).
const MIN_RSA_MODULUS_LEN: usize = 256;

pub(crate) struct AsymmetricKey {
  signer: Option<Box<dyn JwtSigner>>,
  verifier: Box<dyn JwtVerifier>,
  public_jwk: Jwk,
  verified: VerifiedSignatures,
}

fn curve_problem(alg: Algorithm, public_jwk: Option<&Jwk>) -> String {
  let curve = public_jwk.and_then(|jwk| match &jwk.algorithm {
    AlgorithmParameters::EllipticCurve(ec) => serde_json::to_value(&ec.curve).ok(),
    _ => None,
  });
  match (alg, curve.as_ref().and_then(|c| c.as_str())) {
    (Algorithm::ES256, Some(curve)) => format!("is a {curve} key; ES256 needs P-256"),
    (Algorithm::ES256, None) => "is not a P-256 key, which ES256 needs".to_owned(),
    (Algorithm::EdDSA, _) => "is not an Ed25519 key, which EdDSA needs".to_owned(),
    _ => format!("is not a valid {} key", alg.as_str()),
  }
}

fn verifier(alg: Algorithm, key: &DecodingKey, jwk: &Jwk) -> Result<Box<dyn JwtVerifier>, String> {
  (DEFAULT_PROVIDER.verifier_factory)(&alg.to_jsonwebtoken(), key).map_err(|_| curve_problem(alg, Some(jwk)))
}

impl AsymmetricKey {
  /// A key that signs and verifies. The pair is checked by signing and verifying a probe.
  pub(crate) fn from_private(alg: Algorithm, key: EncodingKey) -> Result<Self, String> {
    if !alg.can_sign() {
      return Err(format!("is refused: {} keys verify only", alg.as_str()));
    }
    let jwt_alg = alg.to_jsonwebtoken();
    // Signer first: it is what checks the curve of an EC private key.
    let signer = (DEFAULT_PROVIDER.signer_factory)(&jwt_alg, &key).map_err(|_| curve_problem(alg, None))?;
    let public_jwk = Jwk::from_encoding_key(&key, jwt_alg).map_err(|_| curve_problem(alg, None))?;
    drop(key);
    let public = DecodingKey::from_jwk(&public_jwk).map_err(|_| curve_problem(alg, None))?;
    let verifier = verifier(alg, &public, &public_jwk)?;
    let probe = b"parse-server-refresh-token key check";
    let signature = signer.try_sign(probe).map_err(|_| curve_problem(alg, None))?;
    verifier.verify(probe, &signature).map_err(|_| "does not verify its own signature".to_owned())?;
    Ok(AsymmetricKey { signer: Some(signer), verifier, public_jwk, verified: VerifiedSignatures::default() })
  }

  /// A key that verifies only.
  pub(crate) fn from_public(alg: Algorithm, key: DecodingKey) -> Result<Self, String> {
    let public_jwk = Jwk::from_decoding_key(&key, Some(alg.to_jsonwebtoken())).map_err(|_| curve_problem(alg, None))?;
    if let AlgorithmParameters::RSA(rsa) = &public_jwk.algorithm {
      let modulus = crate::base64url::decode(rsa.n.as_bytes()).unwrap_or_default();
      let significant = modulus.iter().skip_while(|b| **b == 0).count();
      if significant < MIN_RSA_MODULUS_LEN {
        return Err("is an RSA key shorter than 2048 bits".to_owned());
      }
    }
    let verifier = verifier(alg, &key, &public_jwk)?;
    Ok(AsymmetricKey { signer: None, verifier, public_jwk, verified: VerifiedSignatures::default() })
  }

  pub(crate) fn can_sign(&self) -> bool {
    self.signer.is_some()
  }

  /// The signature over `input`, or None for a verify-only key (never the current key: `options`
  /// checks) or a signer failure (which the start-up probe rules out).
  pub(crate) fn sign(&self, input: &[u8]) -> Option<Vec<u8>> {
    self.signer.as_ref()?.try_sign(input).ok()
  }

  /// Checks the signature; a token this key verified before is answered from memory (verified.rs).
  pub(crate) fn verify(&self, input: &[u8], signature: &Vec<u8>) -> bool {
    self.verified.verify(input, signature, || self.verifier.verify(input, signature).is_ok())
  }

  /// The public JWK (parameters and `alg`; `kid` and `use` are added by `jwk::public_jwk`).
  pub(crate) fn public_jwk(&self) -> &Jwk {
    &self.public_jwk
  }
}
