//! `alipay_rsa2`: Alipay's RSA2 — SHA256withRSA (RSASSA-PKCS1-v1_5) with the app's
//! private key over every non-empty parameter but `sign`, sorted by name, joined as
//! `k=v&…` with raw values; standard base64. The scheme owns the common request
//! parameters (`app_id`, `format`, `charset`, `sign_type`, `timestamp` in Beijing time,
//! `version`, and in certificate mode `app_cert_sn` / `alipay_root_cert_sn`). Answers are
//! verified with Alipay's public key over the exact text of their `_response` member
//! ([`Signer::verify_raw`]); notifications over their sorted parameters without `sign`
//! and `sign_type` ([`Signer::verify`]).
//!
//! Keys and certificates are parsed once, when the client is built: a malformed key,
//! a missing Alipay key, or an app certificate that is not the private key's is an error
//! then, never a call that cannot verify.

use super::{BuildError, Signer};
use crate::crypto::cert_sn;
use crate::crypto::rsa::{KeyFormat, PrivateKey, PublicKey};
use crate::crypto::sign::canonical_string;
use crate::runtime::{beijing_time, Credentials};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

/// What a client builder may set: the private key's encoding and certificate mode.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlipayRsa2Options {
    /// uniCloud's `keyType`: read the private key as exactly this encoding. `None`
    /// (default): PEM labels and the key's own structure tell.
    pub key_format: Option<KeyFormat>,
    /// Public-key-certificate mode (公钥证书模式); `None`: public-key mode.
    pub certificates: Option<CertificateMode>,
}

/// The certificates of public-key-certificate mode, as PEM text. The client's platform
/// key is then Alipay's public-key certificate (`alipayCertPublicKey_RSA2.crt`).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct CertificateMode {
    /// The app's public-key certificate (`appCertPublicKey_<app id>.crt`).
    pub app_cert: String,
    /// Alipay's root certificate file (`alipayRootCert.crt`).
    pub alipay_root_cert: String,
}

impl fmt::Debug for CertificateMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertificateMode")
            .field("app_cert", &format_args!("{} bytes", self.app_cert.len()))
            .field(
                "alipay_root_cert",
                &format_args!("{} bytes", self.alipay_root_cert.len()),
            )
            .finish()
    }
}

/// The serial-number names certificate mode sends and checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertNames {
    /// `app_cert_sn`, sent with every request.
    pub app_cert_sn: String,
    /// `alipay_root_cert_sn`, sent with every request.
    pub alipay_root_cert_sn: String,
    /// `alipay_cert_sn`: the answers must name this certificate.
    pub alipay_cert_sn: String,
}

/// Why [`AlipayRsa2::verify_params`] refused a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamsRejected {
    /// A parameter name appears more than once.
    Repeated(String),
    /// No signature, or one that does not verify; says why.
    Signature(String),
}

/// Signs with the app's private key, verifies with Alipay's public key.
#[derive(Clone)]
pub struct AlipayRsa2 {
    app_id: String,
    key: Arc<PrivateKey>,
    alipay_key: PublicKey,
    certs: Option<CertNames>,
}

impl fmt::Debug for AlipayRsa2 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AlipayRsa2")
            .field("app_id", &self.app_id)
            .field("key", &self.key)
            .field("alipay_key", &self.alipay_key)
            .field("certs", &self.certs)
            .finish()
    }
}

/// The common parameters' fixed values.
const FORMAT: &str = "JSON";
const CHARSET: &str = "utf-8";
const SIGN_TYPE: &str = "RSA2";
const VERSION: &str = "1.0";

impl AlipayRsa2 {
    /// The certificate-mode names, in certificate mode.
    pub fn cert_names(&self) -> Option<&CertNames> {
        self.certs.as_ref()
    }
    /// The app id requests are sent for.
    pub fn app_id(&self) -> &str {
        &self.app_id
    }
    /// The RSA2 signature of `message` with the app's private key.
    pub fn sign_message(&self, message: &str) -> Result<String, String> {
        self.key.sign(message.as_bytes()).map_err(|e| e.to_string())
    }
    /// Checks Alipay's signature of `message`.
    pub fn verify_message(&self, message: &str, signature: &str) -> Result<(), String> {
        self.alipay_key
            .verify(message.as_bytes(), signature)
            .map_err(|e| e.to_string())
    }
    /// Checks a notification (or a synchronous return) given as its parameters, decoded
    /// once and in any order: Alipay's signature in `sign` over every other non-empty
    /// parameter but `sign_type`, sorted by name, joined as `k=v&…`. A name given twice
    /// is refused (which copy was signed?).
    pub fn verify_params<'a>(
        &self,
        params: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<(), ParamsRejected> {
        let mut sorted: Vec<(&str, &str)> = params.into_iter().collect();
        sorted.sort_unstable_by(|a, b| a.0.cmp(b.0));
        self.verify_sorted_params(&sorted)
    }

    /// [`Self::verify_params`] for parameters already sorted by name.
    pub fn verify_sorted_params(&self, sorted: &[(&str, &str)]) -> Result<(), ParamsRejected> {
        debug_assert!(sorted.windows(2).all(|w| w[0].0 <= w[1].0));
        if let Some(twice) = sorted.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(ParamsRejected::Repeated(twice[0].0.to_owned()));
        }
        let signature = match sorted.iter().find(|(k, _)| *k == "sign") {
            Some((_, s)) if !s.is_empty() => *s,
            _ => {
                return Err(ParamsRejected::Signature(
                    "the message carries no `sign`".into(),
                ))
            }
        };
        let length = sorted.iter().map(|(k, v)| k.len() + v.len() + 2).sum();
        let mut message = String::with_capacity(length);
        for &(k, v) in sorted {
            if v.is_empty() || k == "sign" || k == "sign_type" {
                continue;
            }
            if !message.is_empty() {
                message.push('&');
            }
            message.push_str(k);
            message.push('=');
            message.push_str(v);
        }
        self.verify_message(&message, signature)
            .map_err(ParamsRejected::Signature)
    }
    /// The common parameters at `now`, as [`Signer::prepare`] adds them.
    pub fn common_parameters(&self, now: SystemTime) -> Vec<(&'static str, String)> {
        let mut params = vec![
            ("app_id", self.app_id.clone()),
            ("format", FORMAT.to_owned()),
            ("charset", CHARSET.to_owned()),
            ("sign_type", SIGN_TYPE.to_owned()),
            ("timestamp", beijing_time::dashed(now)),
            ("version", VERSION.to_owned()),
        ];
        if let Some(certs) = &self.certs {
            params.push(("app_cert_sn", certs.app_cert_sn.clone()));
            params.push(("alipay_root_cert_sn", certs.alipay_root_cert_sn.clone()));
        }
        params
    }
}

fn text(value: &Value) -> Cow<'_, str> {
    match value {
        Value::String(s) => Cow::Borrowed(s.as_str()),
        Value::Null => Cow::Borrowed(""),
        other => Cow::Owned(other.to_string()),
    }
}

impl Signer for AlipayRsa2 {
    type Options = AlipayRsa2Options;
    const VERIFIES_ANSWERS: bool = true;

    fn new(credentials: &Credentials, options: &Self::Options) -> Result<Self, BuildError> {
        let error = |reason: String| BuildError {
            platform: "alipay",
            reason,
        };
        let text = credentials.secret().expose();
        let key = match options.key_format {
            Some(format) => PrivateKey::parse_as(text, format),
            None => PrivateKey::parse(text),
        }
        .map_err(|e| error(format!("the app private key: {e}")))?;
        // Without Alipay's key no answer could be verified: refuse now rather than
        // accept unverified answers (or fail every call) later.
        if credentials.platform_key().trim().is_empty() {
            return Err(error(
                "no Alipay public key (or certificate): answers and notifications could not be verified".into(),
            ));
        }
        let alipay_key = PublicKey::parse(credentials.platform_key())
            .map_err(|e| error(format!("the Alipay public key: {e}")))?;
        let certs = match &options.certificates {
            None => None,
            Some(mode) => Some(cert_names(&key, credentials.platform_key(), mode).map_err(error)?),
        };
        Ok(AlipayRsa2 {
            app_id: credentials.app_id().to_owned(),
            key: Arc::new(key),
            alipay_key,
            certs,
        })
    }

    fn prepare(&self, fields: &mut Map<String, Value>) {
        for (name, value) in self.common_parameters(SystemTime::now()) {
            fields.insert(name.to_owned(), Value::String(value));
        }
    }

    fn sign(&self, fields: &Map<String, Value>) -> Result<String, String> {
        let message = canonical_string(fields.iter().map(|(k, v)| (k, text(v))), &["sign"]);
        self.sign_message(&message)
    }

    /// A notification (or a synchronous return): its parameters without `sign` and
    /// `sign_type`, as decoded once.
    fn verify(&self, fields: &Map<String, Value>) -> Result<(), String> {
        let signature = match fields.get("sign") {
            Some(Value::String(s)) if !s.is_empty() => s,
            _ => return Err("the message carries no `sign`".into()),
        };
        let message = canonical_string(
            fields.iter().map(|(k, v)| (k, text(v))),
            &["sign", "sign_type"],
        );
        self.verify_message(&message, signature)
    }

    /// With the private key the signer holds: a test bed builds this signer from
    /// Alipay's key pair to sign the answers a client verifies with the public half.
    #[cfg(feature = "encoders")]
    fn sign_raw(&self, content: &[u8]) -> Result<String, String> {
        self.key.sign(content).map_err(|e| e.to_string())
    }

    fn verify_raw(
        &self,
        content: &[u8],
        signature: &str,
        key_id: Option<&str>,
    ) -> Result<(), String> {
        if let (Some(certs), Some(id)) = (&self.certs, key_id) {
            if id != certs.alipay_cert_sn {
                return Err(format!(
                    "the answer is signed with Alipay certificate {id:?}, not the configured {:?} (download the new certificate)",
                    certs.alipay_cert_sn
                ));
            }
        }
        self.alipay_key
            .verify(content, signature)
            .map_err(|e| e.to_string())
    }
}

/// The names of certificate mode, after checking that the app certificate holds the
/// private key's public half and that Alipay's key is a certificate.
fn cert_names(
    key: &PrivateKey,
    alipay_cert: &str,
    mode: &CertificateMode,
) -> Result<CertNames, String> {
    let first = |text: &str, what: &str| {
        cert_sn::certificates(text)
            .map_err(|e| format!("{what}: {e}"))
            .map(|mut certs| certs.swap_remove(0))
    };
    let app = first(&mode.app_cert, "the app certificate")?;
    let app_key =
        PublicKey::parse(&mode.app_cert).map_err(|e| format!("the app certificate's key: {e}"))?;
    if app_key != key.public_key() {
        return Err("the app certificate is not the private key's (upload the key's CSR, use the certificate issued for it)".into());
    }
    let alipay = first(alipay_cert, "the Alipay public key certificate (certificate mode takes the certificate, not the bare key)")?;
    let alipay_root_cert_sn = cert_sn::root_cert_sn(&mode.alipay_root_cert)
        .map_err(|e| format!("the Alipay root certificate: {e}"))?;
    Ok(CertNames {
        app_cert_sn: cert_sn::cert_sn(&app),
        alipay_root_cert_sn,
        alipay_cert_sn: cert_sn::cert_sn(&alipay),
    })
}
