//! RSA2 — SHA256withRSA, RSASSA-PKCS1-v1_5, signatures in standard base64 — over keys
//! as merchants hold them: a private key in PKCS#8 or PKCS#1, a public key as
//! SubjectPublicKeyInfo or PKCS#1, each as PEM (any line width, one line too) or as bare
//! base64, and public keys also inside an X.509 certificate. Keys are parsed once;
//! signing and verifying go through `aws-lc-rs` (AWS-LC, constant time), which keeps a
//! public key parsed between verifies (ring re-parses it on every call; see
//! BENCHMARKS.md). Errors never echo key bytes.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, KeyPair, ParsedPublicKey, RsaKeyPair};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use der::Decode;
use std::fmt;

/// Why a key could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct KeyError(String);

impl KeyError {
    pub(crate) fn new(reason: impl Into<String>) -> Self {
        KeyError(reason.into())
    }
}

/// Why a signature was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("the signature is not base64")]
    NotBase64,
    #[error("the signature does not match")]
    Mismatch,
}

/// How a private key is encoded (uniCloud's `keyType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyFormat {
    /// `PrivateKeyInfo` (`BEGIN PRIVATE KEY`), what Java tools write: uniCloud's `PKCS8`.
    Pkcs8,
    /// `RSAPrivateKey` (`BEGIN RSA PRIVATE KEY`): uniCloud's `PKCS1`.
    Pkcs1,
}

impl fmt::Display for KeyFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeyFormat::Pkcs8 => "PKCS#8",
            KeyFormat::Pkcs1 => "PKCS#1",
        })
    }
}

/// An RSA private key, parsed once, that signs with SHA256withRSA.
pub struct PrivateKey {
    pair: RsaKeyPair,
    /// Its public half, parsed with the key: the size check of RSA2 happens there, once.
    public: PublicKey,
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PrivateKey(***)")
    }
}

impl PrivateKey {
    /// A PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1 (`BEGIN RSA PRIVATE KEY`) key, as PEM
    /// or bare base64; which one a bare key is, is read from its structure.
    pub fn parse(text: &str) -> Result<PrivateKey, KeyError> {
        let (label, der) = decode_text(text, "private key")?;
        let pkcs8 = || RsaKeyPair::from_pkcs8(&der);
        let pkcs1 = || RsaKeyPair::from_der(&der);
        let parsed = match label.as_deref() {
            Some("PRIVATE KEY") => pkcs8(),
            Some("RSA PRIVATE KEY") => pkcs1(),
            Some("ENCRYPTED PRIVATE KEY") => {
                return Err(KeyError::new(
                    "the private key is encrypted; give it decrypted (openssl pkcs8 -nocrypt)",
                ))
            }
            Some(other) => {
                return Err(KeyError::new(format!(
                    "a PEM `{other}` is not a private key (expected `PRIVATE KEY` or `RSA PRIVATE KEY`)"
                )))
            }
            None => pkcs8().or_else(|_| pkcs1()),
        };
        parsed
            .map_err(|e| KeyError::new(format!("not an RSA private key (PKCS#8 or PKCS#1): {e}")))
            .and_then(PrivateKey::from_pair)
    }

    /// A key that must be in `format` (uniCloud's `keyType`): a bare base64 key is read
    /// as that structure only, and a PEM whose label names the other one is refused.
    pub fn parse_as(text: &str, format: KeyFormat) -> Result<PrivateKey, KeyError> {
        let (label, der) = decode_text(text, "private key")?;
        let expected = match format {
            KeyFormat::Pkcs8 => "PRIVATE KEY",
            KeyFormat::Pkcs1 => "RSA PRIVATE KEY",
        };
        match label.as_deref() {
            Some(l) if l != expected => {
                return Err(KeyError::new(format!(
                    "the private key is a PEM `{l}`, but {format} (`{expected}`) was configured"
                )))
            }
            _ => {}
        }
        let parsed = match format {
            KeyFormat::Pkcs8 => RsaKeyPair::from_pkcs8(&der),
            KeyFormat::Pkcs1 => RsaKeyPair::from_der(&der),
        };
        parsed
            .map_err(|e| KeyError::new(format!("not an RSA private key in {format}: {e}")))
            .and_then(PrivateKey::from_pair)
    }

    /// A parsed pair whose public half is within RSA2's sizes.
    fn from_pair(pair: RsaKeyPair) -> Result<PrivateKey, KeyError> {
        let public = PublicKey::from_pkcs1(pair.public_key().as_ref().to_vec())?;
        Ok(PrivateKey { pair, public })
    }

    /// The matching public key (to check that a certificate is this key's).
    pub fn public_key(&self) -> PublicKey {
        self.public.clone()
    }

    /// Key size in bits.
    pub fn bits(&self) -> usize {
        self.pair.public_modulus_len() * 8
    }

    /// The SHA256withRSA signature of `message`, standard base64.
    pub fn sign(&self, message: &[u8]) -> Result<String, KeyError> {
        let mut signature = vec![0; self.pair.public_modulus_len()];
        self.pair
            .sign(
                &signature::RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                message,
                &mut signature,
            )
            .map_err(|_| KeyError::new("RSA signing failed"))?;
        Ok(STANDARD.encode(signature))
    }
}

/// An RSA public key: its PKCS#1 `RSAPublicKey` DER (what two keys are compared by)
/// and the key parsed once for verifying.
#[derive(Clone)]
pub struct PublicKey {
    der: Vec<u8>,
    parsed: ParsedPublicKey,
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.der == other.der
    }
}

impl Eq for PublicKey {}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({} bytes)", self.der.len())
    }
}

/// `rsaEncryption`, the only algorithm of an RSA SubjectPublicKeyInfo.
const RSA_ENCRYPTION: spki::ObjectIdentifier =
    spki::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

impl PublicKey {
    /// A SubjectPublicKeyInfo (`BEGIN PUBLIC KEY`, or bare base64 as Alipay's console
    /// shows it), a PKCS#1 `BEGIN RSA PUBLIC KEY`, or the key of a `BEGIN CERTIFICATE`.
    pub fn parse(text: &str) -> Result<PublicKey, KeyError> {
        let (label, der) = decode_text(text, "public key")?;
        match label.as_deref() {
            Some("CERTIFICATE") => Self::from_certificate_der(&der),
            Some("RSA PUBLIC KEY") => Self::from_pkcs1(der),
            Some("PUBLIC KEY") | None => Self::from_spki(&der).or_else(|spki_error| {
                if label.is_none() {
                    Self::from_pkcs1(der).map_err(|_| spki_error)
                } else {
                    Err(spki_error)
                }
            }),
            Some(other) => Err(KeyError::new(format!(
                "a PEM `{other}` is not a public key (expected `PUBLIC KEY`, `RSA PUBLIC KEY` or `CERTIFICATE`)"
            ))),
        }
    }

    /// The key of a DER X.509 certificate.
    pub fn from_certificate_der(der: &[u8]) -> Result<PublicKey, KeyError> {
        let cert = x509_cert::Certificate::from_der(der)
            .map_err(|e| KeyError::new(format!("not an X.509 certificate: {e}")))?;
        let spki = &cert.tbs_certificate().subject_public_key_info();
        Self::from_spki_parts(&spki.algorithm.oid, spki.subject_public_key.raw_bytes())
    }

    fn from_spki(der: &[u8]) -> Result<PublicKey, KeyError> {
        let spki = spki::SubjectPublicKeyInfoRef::from_der(der)
            .map_err(|e| KeyError::new(format!("not a SubjectPublicKeyInfo: {e}")))?;
        Self::from_spki_parts(&spki.algorithm.oid, spki.subject_public_key.raw_bytes())
    }

    fn from_spki_parts(oid: &spki::ObjectIdentifier, key: &[u8]) -> Result<PublicKey, KeyError> {
        if *oid != RSA_ENCRYPTION {
            return Err(KeyError::new(format!("not an RSA key (algorithm {oid})")));
        }
        Self::from_pkcs1(key.to_vec())
    }

    fn from_pkcs1(der: Vec<u8>) -> Result<PublicKey, KeyError> {
        // The size is checked here, with a message of its own, so that a wrong paste is
        // an error at build time rather than "signature mismatch".
        let bits = rsa_modulus_bits(&der)
            .ok_or_else(|| KeyError::new("not an RSA public key (PKCS#1 RSAPublicKey)"))?;
        if !(2048..=8192).contains(&bits) {
            return Err(KeyError::new(format!(
                "an RSA2 key has 2048 to 8192 bits; this one has {bits}"
            )));
        }
        let parsed = ParsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, &der)
            .map_err(|_| KeyError::new("not a usable RSA public key"))?;
        Ok(PublicKey { der, parsed })
    }

    /// The key as an X.509 `SubjectPublicKeyInfo` (what OAEP encryption takes).
    pub(crate) fn spki_der(&self) -> Result<Vec<u8>, KeyError> {
        use der::Encode;
        let info = spki::SubjectPublicKeyInfoRef {
            algorithm: spki::AlgorithmIdentifier {
                oid: RSA_ENCRYPTION,
                parameters: Some(der::asn1::AnyRef::NULL),
            },
            subject_public_key: der::asn1::BitStringRef::from_bytes(&self.der)
                .map_err(|_| KeyError::new("not an RSA public key"))?,
        };
        info.to_der()
            .map_err(|_| KeyError::new("the public key cannot be written as DER"))
    }

    /// Checks a base64 SHA256withRSA `signature` of `message`.
    pub fn verify(&self, message: &[u8], signature: &str) -> Result<(), VerifyError> {
        let signature = STANDARD
            .decode(signature.trim())
            .map_err(|_| VerifyError::NotBase64)?;
        self.parsed
            .verify_sig(message, &signature)
            .map_err(|_| VerifyError::Mismatch)
    }
}

/// The bit length of the modulus of a DER `RSAPublicKey ::= SEQUENCE { n, e }`.
fn rsa_modulus_bits(der: &[u8]) -> Option<usize> {
    #[derive(der::Sequence)]
    struct RsaPublicKey<'a> {
        modulus: der::asn1::UintRef<'a>,
        _exponent: der::asn1::UintRef<'a>,
    }
    let key = RsaPublicKey::from_der(der).ok()?;
    let bytes = key.modulus.as_bytes();
    let first = *bytes.first()?;
    Some(bytes.len() * 8 - first.leading_zeros() as usize)
}

/// The DER inside a PEM block (with its label) or a bare base64 text. Lenient about line
/// widths and whitespace, because keys are pasted from consoles and config files.
pub(crate) fn decode_text(text: &str, what: &str) -> Result<(Option<String>, Vec<u8>), KeyError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(KeyError::new(format!("the {what} is empty")));
    }
    let (label, body) = match text.strip_prefix("-----BEGIN ") {
        Some(rest) => {
            let (label, rest) = rest
                .split_once("-----")
                .ok_or_else(|| KeyError::new(format!("the {what}'s PEM header is malformed")))?;
            let end = format!("-----END {label}-----");
            let body = rest
                .split_once(end.as_str())
                .map(|(b, _)| b)
                .ok_or_else(|| {
                    KeyError::new(format!("the {what}'s PEM block has no `{end}` line"))
                })?;
            (Some(label.to_owned()), body)
        }
        None => (None, text),
    };
    let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    let der = STANDARD
        .decode(compact.as_bytes())
        .map_err(|_| KeyError::new(format!("the {what} is neither PEM nor base64")))?;
    Ok((label, der))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::test_vector as vector;

    /// A request's string to sign, signed with the app key as bare PKCS#1 base64 and as
    /// PEM: the SDK-suite value (PKCS#1 v1.5 is deterministic).
    #[test]
    fn signs_the_known_vector_from_either_form_of_the_key() {
        let message = vector("A.sign.signstr");
        for key in [
            "A.app_private_key.bare_pkcs1",
            "A.app_private_key.pem_pkcs1",
        ] {
            let key = PrivateKey::parse(&vector(key)).unwrap();
            assert_eq!(key.bits(), 2048);
            assert_eq!(
                key.sign(message.as_bytes()).unwrap(),
                vector("A.sign.expected")
            );
        }
        let public = PublicKey::parse(&vector("A.app_public_key.pem")).unwrap();
        public
            .verify(message.as_bytes(), &vector("A.sign.expected"))
            .unwrap();
    }

    #[test]
    fn pkcs1_and_pkcs8_pem_one_line_and_bare_keys_sign_alike() {
        let message = vector("A.sign.signstr");
        let expected = vector("B.derived.sig_of_A_signstr");
        for key in [
            "B.app_private_key.pem_pkcs1_oneline",
            "B.app_private_key.bare_pkcs1",
            "B.app_private_key.pem_pkcs8",
            "B.app_private_key.bare_pkcs8",
        ] {
            let signed = PrivateKey::parse(&vector(key))
                .unwrap()
                .sign(message.as_bytes());
            assert_eq!(signed.unwrap(), expected, "{key}");
        }
        let public = PublicKey::parse(&vector("B.app_public_key.pem_oneline")).unwrap();
        assert!(public.verify(message.as_bytes(), &expected).is_ok());
    }

    #[test]
    fn signs_like_openssl_dgst_sha256_sign() {
        let key = PrivateKey::parse(&vector("fz.app_private_key.pem_pkcs1")).unwrap();
        assert_eq!(key.sign(b"hello\n").unwrap(), vector("fz.hello_sig"));
        let public = PublicKey::parse(&vector("fz.app_public_key.pem")).unwrap();
        assert!(public.verify(b"hello\n", &vector("fz.hello_sig")).is_ok());
    }

    #[test]
    fn verifies_with_a_bare_base64_public_key_and_refuses_tampering() {
        let public = PublicKey::parse(&vector("gopay.alipay_public_key.bare")).unwrap();
        let (content, sign) = (vector("gopay.signed"), vector("gopay.sign"));
        assert!(public.verify(content.as_bytes(), &sign).is_ok());
        let tampered = content.replace("0.01", "0.02");
        assert_eq!(
            public.verify(tampered.as_bytes(), &sign),
            Err(VerifyError::Mismatch)
        );
        assert_eq!(
            public.verify(content.as_bytes(), &format!("A{sign}")),
            Err(VerifyError::NotBase64)
        );
        assert_eq!(
            public.verify(content.as_bytes(), "not base64!"),
            Err(VerifyError::NotBase64)
        );
    }

    /// An answer signed over the raw text of its `_response` member, `\/` escapes and
    /// all: it verifies on the bytes cut from the body and not on re-serialised JSON.
    #[test]
    fn answers_verify_over_the_raw_member_text_only() {
        use crate::runtime::raw_json::member;
        let cases = [
            (
                "B.resp_escaped.body",
                "B.resp_escaped.alipay_public_key.pem",
                "alipay_offline_material_image_upload_response",
            ),
            (
                "A.resp.trade_query",
                "A.alipay_public_key.pem",
                "alipay_trade_query_response",
            ),
        ];
        for (body, key, name) in cases {
            let (body, key) = (vector(body), PublicKey::parse(&vector(key)).unwrap());
            let content = member(&body, name).unwrap().unwrap();
            let sign: String =
                serde_json::from_str(member(&body, "sign").unwrap().unwrap()).unwrap();
            assert!(key.verify(content.as_bytes(), &sign).is_ok(), "{name}");
            let value: serde_json::Value = serde_json::from_str(content).unwrap();
            let reserialised = serde_json::to_string(&value).unwrap();
            assert!(
                key.verify(reserialised.as_bytes(), &sign).is_err(),
                "{name}"
            );
        }
    }

    /// A key too small for RSA2 is refused when it is parsed, not at the first sign.
    #[test]
    fn a_1024_bit_private_key_is_refused() {
        let e = PrivateKey::parse(SMALL_KEY).unwrap_err().to_string();
        assert!(
            e.contains("1024") || e.contains("not an RSA private key"),
            "{e}"
        );
    }

    /// Generated for this test with `openssl genrsa 1024`; too small to use anywhere.
    const SMALL_KEY: &str = "-----BEGIN PRIVATE KEY-----\nMIICdQIBADANBgkqhkiG9w0BAQEFAASCAl8wggJbAgEAAoGBAMWopB5RL9BkYlZK\nsrwnI4FhBSWlCAPW72A+KD4PlHzsoqHksaTli/AKR4DfpWAOiGs/V9XHOKSLsvO3\nYO8jBr+igcB2/URiLRORZ9rWoNTpj1wz/6NnENCBr6nccMnP/TwqlSD7W5iW74RC\npBOjUpGPUrSx4kHdiheahfLJV/+PAgMBAAECgYBAQKnZERsx6u/sjSu87hwkmp1J\nt3P7i4sVBh+ezQG/+kyDxAvbRqNOzIih5BGmQBMoidbLr49CLgdmIl5oXkJ6xnYR\n9JH6eIu+UtNsbpN3h66IXfiREnMZ3kY6ZeR1ATGLCiF+dTweFhuOxevg1LWI3wZC\nwTNYdpacnMAEuF8JgQJBAPKjFSUfSkl+XzKW9xcp0m+olz/YFoZx8O/j7pCp30Sg\nv4TSivfzVVxcC7GsTw3EbqRn9y0oA4kajimcCdnYiwcCQQDQi2nrDfVbCPx8mJCq\nacQlCj3VeiOsLayBvZeU2ephXnRunzPIEBHKRh894LYPqajGZawHZNusytLxGTB0\nBN05AkA8EONLLVPWndIzU+wXb+MIgVPwGi55WfurZ2HHrkX3V1QSLYz5lOOs2ZyL\nf3ySi+5YBOTL6Pv3FPvckSRfKZxBAkAR/dUXeE7Qmcfen/LrINDROT74ad8l/ZLC\nZq7rIpm76MA2wvleqzQ9tSsA1aAfXc23wBHFWYgyMhVcw4WQnNLRAkBxKW5eDYUN\nl3dM38vqXIfO8SYXy/16KaP5HdWo1F4ySKPzdmZHKujGfTfXO9nJQ0H0juwYxcig\nSEAMdavUt6r8\n-----END PRIVATE KEY-----\n";

    /// uniCloud's `keyType`: a key read as the configured encoding only, bare or PEM.
    #[test]
    fn a_configured_key_format_is_enforced() {
        let pkcs1 = vector("B.app_private_key.bare_pkcs1");
        let pkcs8 = vector("B.app_private_key.bare_pkcs8");
        let public = PublicKey::parse(&vector("B.app_public_key.pem_oneline")).unwrap();
        for (text, format) in [(&pkcs1, KeyFormat::Pkcs1), (&pkcs8, KeyFormat::Pkcs8)] {
            let key = PrivateKey::parse_as(text, format).unwrap();
            assert_eq!(key.public_key(), public, "{format}");
        }
        let e = PrivateKey::parse_as(&pkcs1, KeyFormat::Pkcs8).unwrap_err();
        assert!(e.to_string().contains("in PKCS#8"), "{e}");
        let pem = vector("B.app_private_key.pem_pkcs8");
        let e = PrivateKey::parse_as(&pem, KeyFormat::Pkcs1).unwrap_err();
        assert!(e.to_string().contains("but PKCS#1"), "{e}");
    }

    #[test]
    fn malformed_keys_are_clear_errors_without_key_material() {
        let private = vector("A.app_private_key.bare_pkcs1");
        let cases = [
            ("", "empty"),
            ("not a key", "neither PEM nor base64"),
            (
                "-----BEGIN PRIVATE KEY-----\nAAAA",
                "no `-----END PRIVATE KEY-----`",
            ),
            (
                "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
                "not a private key",
            ),
            (
                "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----",
                "encrypted",
            ),
            ("AAAA", "not an RSA private key"),
        ];
        for (text, expected) in cases {
            let e = PrivateKey::parse(text).unwrap_err().to_string();
            assert!(e.contains(expected), "{text:?}: {e}");
        }
        let truncated = &private[..private.len() / 2];
        let e = PrivateKey::parse(truncated).unwrap_err().to_string();
        assert!(!e.contains(&truncated[..20]), "{e}");
        // A private key where a public key belongs.
        let e = PublicKey::parse(&private).unwrap_err().to_string();
        assert!(e.contains("not a SubjectPublicKeyInfo"), "{e}");
        let debug = format!("{:?}", PrivateKey::parse(&private).unwrap());
        assert_eq!(debug, "PrivateKey(***)");
    }
}
