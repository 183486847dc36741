//! `wechatpay_v3`: WeChat Pay API v3. Every request is signed whole — method, path with
//! query as sent, a timestamp, a nonce and the exact body — with the merchant's API
//! private key (SHA256withRSA), into `Authorization: WECHATPAY2-SHA256-RSA2048 …` with
//! the merchant certificate's serial. Every answer is verified over its exact bytes
//! with the WeChat Pay key its `Wechatpay-Serial` names, before anything in it is read:
//! the WeChat Pay public key (public-key mode, `PUB_KEY_ID_…`), platform certificates
//! (certificate mode), or both while a merchant migrates.
//!
//! Keys are parsed once, when the client is built; a malformed key, a serial that is
//! not hex, or a client with no way to verify answers is an error then.

mod download;
mod message;
mod verify;

pub use message::{answer_message, header, lines, nonce, request_message, Authorization, SCHEME};
pub use verify::{
    check_skew, is_signed, PlatformCertificate, PlatformKeys, Rejected, Signed, DEFAULT_MAX_SKEW,
    PROBE_PREFIX, PUBLIC_KEY_ID_PREFIX,
};

use super::{BuildError, Signer};
use crate::crypto::aead::ApiV3Key;
use crate::crypto::cert_sn::{certificates, serial_hex};
use crate::crypto::rsa::{PrivateKey, PublicKey};
use crate::runtime::wire::{WireBody, WireRequest};
use crate::runtime::{Credentials, HttpMethod, RawResponse, Secret};
use http::HeaderValue;
use serde_json::{Map, Value};
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The WeChat Pay public key of public-key mode: its id and the key (PEM or bare
/// base64), both from the merchant console (账户中心 → API安全 → 微信支付公钥).
#[derive(Clone, PartialEq, Eq)]
pub struct WechatPayPublicKey {
    /// `PUB_KEY_ID_…`.
    pub id: String,
    pub pem: String,
}

impl fmt::Debug for WechatPayPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WechatPayPublicKey")
            .field("id", &self.id)
            .field("pem", &format_args!("{} bytes", self.pem.len()))
            .finish()
    }
}

/// What a client builder sets on [`WechatPayV3`]: how answers are verified.
#[derive(Clone, Default)]
pub struct WechatPayV3Options {
    /// Public-key mode (every merchant opened since about late 2024 has only this).
    pub public_key: Option<WechatPayPublicKey>,
    /// Certificate mode: platform certificates as PEM (a file may hold several).
    pub platform_certificates: Vec<String>,
    /// The APIv3 key (32 characters): decrypts notifications and downloaded
    /// certificates. Never sent.
    pub api_v3_key: Option<Secret<String>>,
    /// The largest clock difference accepted on answers and notifications
    /// (default [`DEFAULT_MAX_SKEW`], five minutes).
    pub max_skew: Option<Duration>,
    /// Certificate mode with downloads: platform certificates are fetched from the
    /// platform (with the APIv3 key), at the first answer naming a serial not held and
    /// again whenever one appears (rotation).
    pub download_certificates: bool,
}

impl fmt::Debug for WechatPayV3Options {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WechatPayV3Options")
            .field("public_key", &self.public_key)
            .field("platform_certificates", &self.platform_certificates.len())
            .field("api_v3_key", &self.api_v3_key)
            .field("max_skew", &self.max_skew)
            .field("download_certificates", &self.download_certificates)
            .finish()
    }
}

/// Signs with the merchant's API private key; verifies with WeChat Pay's keys.
#[derive(Clone)]
pub struct WechatPayV3 {
    merchant_id: String,
    serial: String,
    key: Arc<PrivateKey>,
    keys: Arc<PlatformKeys>,
    api_v3_key: Option<ApiV3Key>,
    max_skew: Duration,
    download: bool,
}

impl fmt::Debug for WechatPayV3 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WechatPayV3")
            .field("merchant_id", &self.merchant_id)
            .field("serial", &self.serial)
            .field("public_key_id", &self.keys.public_key_id())
            .field("certificates", &self.keys.certificate_serials())
            .finish_non_exhaustive()
    }
}

fn build_error(reason: impl Into<String>) -> BuildError {
    BuildError {
        platform: "wechatpay_v3",
        reason: reason.into(),
    }
}

/// A certificate serial as WeChat Pay writes it (upper-case hex), or why it is not one.
fn hex_serial(serial: &str, what: &str) -> Result<String, BuildError> {
    let serial = serial.trim();
    if serial.is_empty() || !serial.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(build_error(format!(
            "the {what} serial number is upper-case hex (serial_no, e.g. 5F1C72E2A8931B72A2E13AF8DEE92471EB397115); \
             {:?} is not (a decimal serial is a common mistake)",
            serial.chars().take(64).collect::<String>()
        )));
    }
    Ok(serial.to_ascii_uppercase())
}

impl WechatPayV3 {
    /// The merchant certificate's serial, as sent in `Authorization`.
    pub fn merchant_serial(&self) -> &str {
        &self.serial
    }
    /// WeChat Pay's keys as this client knows them.
    pub fn platform_keys(&self) -> &Arc<PlatformKeys> {
        &self.keys
    }
    /// The APIv3 key, when configured.
    pub fn api_v3_key(&self) -> Option<&ApiV3Key> {
        self.api_v3_key.as_ref()
    }
    /// The largest clock difference accepted.
    pub fn max_skew(&self) -> Duration {
        self.max_skew
    }
    /// Signs `message` with the merchant's API private key (base64).
    pub fn sign_message(&self, message: &[u8]) -> Result<String, String> {
        self.key.sign(message).map_err(|e| e.to_string())
    }
    /// Checks a message WeChat Pay signed (an answer: `notification` false).
    pub fn verify_message(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
        notification: bool,
    ) -> Result<(), Rejected> {
        self.keys.verify(
            headers,
            body,
            SystemTime::now(),
            self.max_skew,
            notification,
        )
    }

    fn platform_keys_from(
        options: &WechatPayV3Options,
        merchant_serial: &str,
    ) -> Result<PlatformKeys, BuildError> {
        let public_key = match &options.public_key {
            None => None,
            Some(pk) => {
                if !pk.id.starts_with(PUBLIC_KEY_ID_PREFIX) || pk.id.len() > 64 {
                    return Err(build_error(format!(
                        "the WeChat Pay public key id starts with {PUBLIC_KEY_ID_PREFIX} (as the merchant console shows it); got {:?}",
                        pk.id.chars().take(64).collect::<String>()
                    )));
                }
                let key = PublicKey::parse(&pk.pem)
                    .map_err(|e| build_error(format!("the WeChat Pay public key: {e}")))?;
                Some((pk.id.clone(), key))
            }
        };
        let mut platform = Vec::new();
        for (i, text) in options.platform_certificates.iter().enumerate() {
            let certs = certificates(text)
                .map_err(|e| build_error(format!("platform certificate file {}: {e}", i + 1)))?;
            for cert in certs {
                let serial = serial_hex(&cert);
                if serial == merchant_serial {
                    return Err(build_error(format!(
                        "certificate {serial} is the merchant's own API certificate, not a WeChat Pay platform certificate"
                    )));
                }
                let der = der::Encode::to_der(&cert)
                    .map_err(|e| build_error(format!("certificate {serial}: {e}")))?;
                let key = PublicKey::from_certificate_der(&der)
                    .map_err(|e| build_error(format!("certificate {serial}: {e}")))?;
                platform.push(PlatformCertificate { serial, key });
            }
        }
        if public_key.is_none() && platform.is_empty() && !options.download_certificates {
            return Err(build_error(
                "answers cannot be verified: set the WeChat Pay public key (wechatpay_public_key) \
                 or platform certificates (platform_certificates, download_platform_certificates)",
            ));
        }
        Ok(PlatformKeys::new(public_key, platform))
    }
}

impl Signer for WechatPayV3 {
    type Options = WechatPayV3Options;
    const VERIFIES_ANSWERS: bool = true;

    fn new(credentials: &Credentials, options: &WechatPayV3Options) -> Result<Self, BuildError> {
        let merchant_id = credentials.merchant_id().trim().to_owned();
        if merchant_id.is_empty() || !merchant_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(build_error(format!(
                "the merchant id (mchid) is digits; got {:?}",
                merchant_id.chars().take(32).collect::<String>()
            )));
        }
        let serial = hex_serial(credentials.key_id(), "merchant certificate")?;
        let key = PrivateKey::parse(credentials.secret().expose())
            .map_err(|e| build_error(format!("the merchant API private key: {e}")))?;
        let keys = Self::platform_keys_from(options, &serial)?;
        let api_v3_key = options
            .api_v3_key
            .as_ref()
            .map(|k| ApiV3Key::new(k.expose()))
            .transpose()
            .map_err(|e| build_error(e.to_string()))?;
        if options.download_certificates && api_v3_key.is_none() {
            return Err(build_error(
                "downloaded platform certificates are decrypted with the APIv3 key: set api_v3_key",
            ));
        }
        Ok(WechatPayV3 {
            merchant_id,
            serial,
            key: Arc::new(key),
            keys: Arc::new(keys),
            api_v3_key,
            max_skew: options.max_skew.unwrap_or(DEFAULT_MAX_SKEW),
            download: options.download_certificates,
        })
    }

    fn sign(&self, _: &Map<String, Value>) -> Result<String, String> {
        Err("API v3 signs whole requests (sign_request), not body fields".into())
    }

    fn sign_request(&self, request: &mut WireRequest) -> Result<(), String> {
        if matches!(request.body, WireBody::Multipart(_)) {
            return Err(
                "API v3 uploads sign their `meta` part; multipart bodies are not supported".into(),
            );
        }
        let method = match request.method {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
        };
        let timestamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
            .to_string();
        let nonce = nonce();
        let message = request_message(
            method,
            &request.path_and_query(),
            &timestamp,
            &nonce,
            request.body_bytes(),
        );
        let signature = self.sign_message(&message)?;
        let authorization = Authorization {
            mchid: &self.merchant_id,
            nonce_str: &nonce,
            timestamp: &timestamp,
            serial_no: &self.serial,
            signature: &signature,
        }
        .header_value();
        let headers = &mut request.headers;
        headers.insert(
            http::header::AUTHORIZATION,
            HeaderValue::try_from(authorization).map_err(|e| e.to_string())?,
        );
        headers.insert(
            http::header::ACCEPT,
            HeaderValue::from_static("application/json"),
        );
        headers
            .entry(http::header::USER_AGENT)
            .or_insert(HeaderValue::from_static(concat!(
                "miniapp/",
                env!("CARGO_PKG_VERSION")
            )));
        // Names the key sensitive fields are encrypted with, which a request carrying
        // one must; in public-key mode it also asks WeChat Pay to sign the answer with
        // the public key (without it, a migrating merchant's answers stay
        // certificate-signed). WeChat Pay's own SDKs send it on every request alike.
        if let Some(id) = self.keys.encryption_serial() {
            headers.insert(
                header::SERIAL,
                HeaderValue::try_from(id).map_err(|e| e.to_string())?,
            );
        }
        Ok(())
    }

    /// Signs as WeChat Pay does, with this signer's key, naming the WeChat Pay key it
    /// verifies with (the public key's id, else the first certificate's serial): a
    /// signer built from WeChat Pay's key pair answers as WeChat Pay.
    #[cfg(feature = "encoders")]
    fn sign_answer(&self, raw: &mut RawResponse) -> Result<(), String> {
        let serial = match self.keys.public_key_id() {
            Some(id) => id.to_owned(),
            None => self
                .keys
                .certificate_serials()
                .into_iter()
                .next()
                .ok_or("no WeChat Pay key id to name in Wechatpay-Serial")?,
        };
        let timestamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
            .to_string();
        let nonce = nonce();
        let signature = self.sign_message(&answer_message(&timestamp, &nonce, &raw.body))?;
        for (name, value) in [
            (header::TIMESTAMP, timestamp),
            (header::NONCE, nonce),
            (header::SERIAL, serial),
            (header::SIGNATURE, signature),
        ] {
            raw.headers.insert(
                name,
                HeaderValue::try_from(value).map_err(|e| e.to_string())?,
            );
        }
        Ok(())
    }

    fn verify(&self, _: &Map<String, Value>) -> Result<(), String> {
        Err("API v3 answers are verified over their headers and exact body".into())
    }

    fn names_unknown_key(&self, raw: &RawResponse) -> bool {
        let Some(serial) = raw.header(header::SERIAL) else {
            return false;
        };
        self.download
            && !serial.starts_with(PUBLIC_KEY_ID_PREFIX)
            && self.keys.key(serial).is_none()
    }

    fn install_platform_keys(&self, raw: &RawResponse) -> Result<usize, String> {
        self.install_download(raw, SystemTime::now())
    }

    fn install_kept_platform_keys(&self, raw: &RawResponse) -> Result<usize, String> {
        // Kept answers are checked as of when they were signed; their certificates, as
        // of now (an expired one is left out). The APIv3 key's AEAD is what keeps a
        // forged store entry out: only WeChat Pay and the merchant hold that key.
        let signed_at = raw
            .header(header::TIMESTAMP)
            .and_then(|t| t.parse::<u64>().ok())
            .map(|secs| UNIX_EPOCH + Duration::from_secs(secs))
            .ok_or("the kept download has no Wechatpay-Timestamp")?;
        self.install_download(raw, signed_at)
    }

    fn verify_answer(&self, raw: &RawResponse) -> Result<(), String> {
        self.verify_message(&raw.headers, &raw.body, false)
            .map_err(|e| e.to_string())
    }
}

impl WechatPayV3 {
    /// Checks a certificate download as of `signed_at` and installs its certificates.
    fn install_download(&self, raw: &RawResponse, signed_at: SystemTime) -> Result<usize, String> {
        let key = self
            .api_v3_key
            .as_ref()
            .ok_or("platform certificates are decrypted with the APIv3 key: set api_v3_key")?;
        let downloaded = download::read_download(raw, key, &self.serial, SystemTime::now())?;
        download::verify_download(raw, &downloaded, &self.keys, signed_at, self.max_skew)?;
        let serials: Vec<&str> = downloaded.iter().map(|c| c.serial.as_str()).collect();
        tracing::info!(?serials, "platform certificates installed");
        let held = downloaded.len();
        self.keys.set_certificates(downloaded);
        Ok(held)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::v3_vector as vector;

    fn credentials() -> Credentials {
        Credentials::new("wxd678efh567hg6787", vector("K2.merchant_private_key.pem"))
            .with_merchant_id("1234567891")
            .with_key_id("5F1C72E2A8931B72A2E13AF8DEE92471EB397115")
    }

    fn public_key_options() -> WechatPayV3Options {
        WechatPayV3Options {
            public_key: Some(WechatPayPublicKey {
                id: "PUB_KEY_ID_0114232134912410000000000000".into(),
                pem: vector("K2.wechatpay_public_key.pem"),
            }),
            ..Default::default()
        }
    }

    /// The published JSAPI request signature (PKCS#1 v1.5 is deterministic).
    #[test]
    fn signs_the_published_request_text() {
        let signer = WechatPayV3::new(&credentials(), &public_key_options()).unwrap();
        let signature = signer
            .sign_message(vector("D.jsapi.signstr").as_bytes())
            .unwrap();
        assert_eq!(signature, vector("D.jsapi.sig"));
        assert_eq!(
            signer
                .sign_message(vector("D.get.signstr").as_bytes())
                .unwrap(),
            vector("D.get.sig")
        );
        assert_eq!(
            signer
                .sign_message(vector("D.paysign.signstr").as_bytes())
                .unwrap(),
            vector("D.paysign.sig")
        );
        assert_eq!(
            signer
                .sign_message(vector("D.appsign.signstr").as_bytes())
                .unwrap(),
            vector("D.appsign.sig")
        );
    }

    #[test]
    fn a_client_that_cannot_verify_or_has_a_bad_setting_is_refused() {
        let e = WechatPayV3::new(&credentials(), &WechatPayV3Options::default()).unwrap_err();
        assert!(e.reason.contains("cannot be verified"), "{e}");
        let decimal = credentials().with_key_id("123456789012345678901234567890");
        assert!(
            WechatPayV3::new(&decimal, &public_key_options()).is_ok(),
            "digits are hex too"
        );
        let not_hex = credentials().with_key_id("serial-5F1C");
        let e = WechatPayV3::new(&not_hex, &public_key_options()).unwrap_err();
        assert!(e.reason.contains("upper-case hex"), "{e}");
        let mut bad_id = public_key_options();
        bad_id.public_key.as_mut().unwrap().id = "0114232134912410000000000000".into();
        let e = WechatPayV3::new(&credentials(), &bad_id).unwrap_err();
        assert!(e.reason.contains("PUB_KEY_ID_"), "{e}");
        let mut short_key = public_key_options();
        short_key.api_v3_key = Some(Secret::new("v2-api-key".into()));
        let e = WechatPayV3::new(&credentials(), &short_key).unwrap_err();
        assert!(e.reason.contains("APIv3"), "{e}");
        let e = WechatPayV3::new(&credentials().with_merchant_id(""), &public_key_options())
            .unwrap_err();
        assert!(e.reason.contains("mchid"), "{e}");
    }

    #[test]
    fn debug_output_shows_no_key_material() {
        let mut options = public_key_options();
        options.api_v3_key = Some(Secret::new(vector("K2.apiv3_key")));
        let signer = WechatPayV3::new(&credentials(), &options).unwrap();
        let shown = format!("{signer:?} {options:?}");
        assert!(!shown.contains(&vector("K2.apiv3_key")), "{shown}");
        assert!(!shown.contains("BEGIN"), "{shown}");
        assert!(shown.contains("PUB_KEY_ID_0114232134912410000000000000"));
    }
}
