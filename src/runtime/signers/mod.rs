//! Request signers and response verifiers, by the name the schema gives them
//! (`auth.<name>.scheme`). The generator refuses a scheme that has no implementation
//! here, and a platform's generated module names the type (`type Signer = JucaiMd5`).

#[cfg(feature = "rsa2")]
mod alipay_rsa2;
mod jucai_md5;
mod wechatpay_v2;
#[cfg(feature = "rsa2")]
pub mod wechatpay_v3;

#[cfg(feature = "rsa2")]
pub use alipay_rsa2::{AlipayRsa2, AlipayRsa2Options, CertNames, CertificateMode, ParamsRejected};
pub use jucai_md5::{JucaiMd5, JucaiMd5Options};
pub use wechatpay_v2::{SignType, WechatPayV2, WechatPayV2Options};
#[cfg(feature = "rsa2")]
pub use wechatpay_v3::{WechatPayPublicKey, WechatPayV3, WechatPayV3Options};

use super::wire::WireRequest;
use super::{Credentials, RawResponse};
use serde_json::{Map, Value};

/// Signs the bodies of outgoing requests and verifies the answers, for endpoints whose
/// schema `auth` is a sign scheme. Built once, with the client, from its credentials.
/// Part of the generator's contract (`miniapp::__private::Signer`).
#[doc(hidden)]
pub trait Signer: Sized + Send + Sync + 'static {
    /// What a user may set on the client builder (e.g. the hex case of a sign).
    type Options: Default + Clone + std::fmt::Debug + Send + Sync + 'static;
    /// Whether answers carry a signature that must be checked before anything in them
    /// is trusted.
    const VERIFIES_ANSWERS: bool;

    /// Parses keys once; a malformed key is an error here, not at the first call.
    fn new(credentials: &Credentials, options: &Self::Options) -> Result<Self, BuildError>;
    /// The signer for one of the scheme's variants, which the schema may force per
    /// endpoint (`sign_variant: HMAC-SHA256` for WeChat Pay's fund flow); `None` when
    /// the scheme has no such variant.
    fn with_variant(&self, _variant: &str) -> Option<Self> {
        None
    }
    /// Adds the fields the scheme puts in every signed body (WeChat Pay: `appid`,
    /// `mch_id`, a fresh `nonce_str`, `sign_type`), before the body is signed. Must not
    /// depend on the body's own fields: an endpoint that carries only some of them
    /// (`Endpoint::SIGN_COMMON_FIELDS`) gets them from an empty map.
    fn prepare(&self, _fields: &mut Map<String, Value>) {}
    /// The signature of a request body (every field that will be sent, but the sign).
    fn sign(&self, fields: &Map<String, Value>) -> Result<String, String>;
    /// Completes a signed request once it is encoded, seeing all of it: method, path
    /// with query, headers and body bytes (a scheme that signs those adds its
    /// `Authorization` header here). Schemes that sign body fields do nothing.
    fn sign_request(&self, _request: &mut WireRequest) -> Result<(), String> {
        Ok(())
    }
    /// Signs the exact text of an answer as the platform does (Alipay signs its
    /// `_response` member with its own private key): what a test bed answers with, and
    /// what [`Signer::verify_raw`] checks. Only schemes that sign raw text have it.
    #[cfg(feature = "encoders")]
    fn sign_raw(&self, _content: &[u8]) -> Result<String, String> {
        Err("this sign scheme does not sign the raw text of answers".into())
    }
    /// Signs a whole answer in its headers as the platform does (WeChat Pay API v3's
    /// `Wechatpay-*` headers over the exact body, with the key this signer holds): what
    /// a test bed answers with, and what [`Signer::verify_answer`] checks.
    #[cfg(feature = "encoders")]
    fn sign_answer(&self, _raw: &mut RawResponse) -> Result<(), String> {
        Err("this sign scheme does not sign answers in their headers".into())
    }
    /// Checks an answer's signature; `Err` says why it was rejected.
    fn verify(&self, answer: &Map<String, Value>) -> Result<(), String>;
    /// Checks a signature over the exact bytes of an answer (Alipay signs the raw text
    /// of one JSON member); `key_id` is the answer's name for the key it was signed
    /// with, where it carries one (`alipay_cert_sn`).
    fn verify_raw(
        &self,
        _content: &[u8],
        _signature: &str,
        _key_id: Option<&str>,
    ) -> Result<(), String> {
        Err("this sign scheme does not sign the raw text of answers".into())
    }
    /// Checks a signature carried in an answer's headers over its exact body (WeChat
    /// Pay API v3); `Err` says why it was rejected.
    fn verify_answer(&self, _raw: &RawResponse) -> Result<(), String> {
        Err("this sign scheme does not sign answers in their headers".into())
    }
    /// Does the answer name a verifying key this signer does not hold but could
    /// download (a WeChat Pay platform certificate serial it has not seen)?
    fn names_unknown_key(&self, _raw: &RawResponse) -> bool {
        false
    }
    /// Installs the platform's verifying keys from the answer of its keys endpoint
    /// (the schema's `platform_keys`), after checking that answer with them; returns
    /// how many keys the signer holds now.
    fn install_platform_keys(&self, _raw: &RawResponse) -> Result<usize, String> {
        Err("this sign scheme downloads no platform keys".into())
    }
    /// As [`Signer::install_platform_keys`], for an answer downloaded earlier and kept
    /// in a token store: checked alike (its signature, what protects its keys), except
    /// that its timestamp may be as old as the store kept it.
    fn install_kept_platform_keys(&self, _raw: &RawResponse) -> Result<usize, String> {
        Err("this sign scheme downloads no platform keys".into())
    }
    /// Checks the signature of an answer made of text fields (flat XML). The default
    /// builds the map [`Signer::verify`] takes; a text-native scheme checks in place.
    fn verify_text(&self, answer: &[(String, String)]) -> Result<(), String> {
        let map = answer
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        self.verify(&map)
    }
}

/// A signer whose construction cannot fail (no keys to parse), so that
/// `ClientBuilder::build` needs no `Result`.
#[doc(hidden)]
pub trait InfallibleSigner: Signer {
    fn create(credentials: &Credentials, options: &Self::Options) -> Self;
}

/// Why a client could not be built (a malformed key or certificate).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot build the {platform} client: {reason}")]
pub struct BuildError {
    pub platform: &'static str,
    pub reason: String,
}

/// The signer of platforms that sign nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoSigner;

impl Signer for NoSigner {
    type Options = ();
    const VERIFIES_ANSWERS: bool = false;
    fn new(_: &Credentials, _: &()) -> Result<Self, BuildError> {
        Ok(NoSigner)
    }
    fn sign(&self, _: &Map<String, Value>) -> Result<String, String> {
        Err("this platform has no sign scheme".into())
    }
    fn verify(&self, _: &Map<String, Value>) -> Result<(), String> {
        Ok(())
    }
}

impl InfallibleSigner for NoSigner {
    fn create(_: &Credentials, _: &()) -> Self {
        NoSigner
    }
}
