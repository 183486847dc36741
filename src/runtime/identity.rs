//! The client certificate some endpoints require (mutual TLS: WeChat Pay's refund and
//! fund-flow calls with `apiclient_cert`). Parsed when the client is built, so a wrong
//! password or a malformed file is an error then, not at the first refund.

use super::Secret;
use base64::Engine;
use p12_keystore::{KeyStore, Pkcs12ImportPolicy};
use std::fmt;

/// A certificate chain and its private key, ready for TLS.
#[derive(Clone)]
pub struct ClientIdentity {
    /// The chain and the PKCS#8 key as one PEM text (what reqwest with rustls takes).
    pem: Secret<Vec<u8>>,
}

/// Why a certificate could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("client certificate: {0}")]
pub struct IdentityError(pub String);

impl fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientIdentity(***)")
    }
}

impl ClientIdentity {
    /// From `apiclient_cert.pem` and `apiclient_key.pem` (PKCS#8 or PKCS#1 key).
    pub fn from_pem(cert_pem: &[u8], key_pem: &[u8]) -> Result<Self, IdentityError> {
        let has = |pem: &[u8], label: &str| {
            String::from_utf8_lossy(pem).contains(&format!("-----BEGIN {label}"))
        };
        if !has(cert_pem, "CERTIFICATE-----") {
            return Err(IdentityError(
                "the certificate file holds no PEM certificate".into(),
            ));
        }
        if !has(key_pem, "PRIVATE KEY-----") && !has(key_pem, "RSA PRIVATE KEY-----") {
            return Err(IdentityError(
                "the key file holds no PEM private key".into(),
            ));
        }
        let mut pem = cert_pem.to_vec();
        pem.push(b'\n');
        pem.extend_from_slice(key_pem);
        Self::checked(pem)
    }

    /// From `apiclient_cert.p12` with its password (WeChat Pay: the merchant id). Both
    /// the legacy encryption (RC2-40, 3DES) merchant platforms have long issued and
    /// the modern one (AES-256) are read.
    pub fn from_pkcs12(der: &[u8], password: &str) -> Result<Self, IdentityError> {
        let store =
            KeyStore::from_pkcs12(der, password, Pkcs12ImportPolicy::Relaxed).map_err(|e| {
                IdentityError(format!(
                    "cannot open the PKCS#12 file (wrong password, or not PKCS#12): {e}"
                ))
            })?;
        let (_, chain) = store
            .private_key_chain()
            .ok_or_else(|| IdentityError("the PKCS#12 file holds no private key".into()))?;
        if chain.certs().is_empty() {
            return Err(IdentityError(
                "the PKCS#12 file holds no certificate for its key".into(),
            ));
        }
        let mut pem = String::new();
        for cert in chain.certs() {
            pem.push_str(&pem_block("CERTIFICATE", cert.as_der()));
        }
        pem.push_str(&pem_block("PRIVATE KEY", chain.key().as_der()));
        Self::checked(pem.into_bytes())
    }

    /// Validated by rustls (through reqwest) now — a TLS client is built with it, which
    /// parses the key — so that using it cannot fail later.
    fn checked(pem: Vec<u8>) -> Result<Self, IdentityError> {
        let unusable =
            |e: reqwest::Error| IdentityError(format!("not a usable certificate and key: {e}"));
        let identity = reqwest::Identity::from_pem(&pem).map_err(unusable)?;
        reqwest::Client::builder()
            .use_rustls_tls()
            .identity(identity)
            .build()
            .map_err(unusable)?;
        Ok(ClientIdentity {
            pem: Secret::new(pem),
        })
    }

    /// The reqwest identity.
    pub fn to_reqwest(&self) -> Result<reqwest::Identity, IdentityError> {
        reqwest::Identity::from_pem(self.pem.expose()).map_err(|e| IdentityError(e.to_string()))
    }
}

fn pem_block(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}
