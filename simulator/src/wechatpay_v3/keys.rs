//! The keys of the simulated WeChat Pay API v3: the merchant's (requests are verified
//! with its public half), WeChat Pay's public key (public-key mode), and platform
//! certificates minted at start and on rotation (certificate mode).
//!
//! Certificates are minted with `rcgen` over AWS-LC: the first over the WeChat Pay
//! private key, each rotation over a fresh RSA-2048 key pair. Their serials are read
//! back from the minted DER with the SDK's own reader, so that the `Wechatpay-Serial`
//! the simulator sends is exactly the name a client files the certificate under.

use super::{WechatPayV3KeyMode, PUBLIC_KEY_ID, WECHATPAY_PRIVATE_KEY, WECHATPAY_PUBLIC_KEY};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use miniapp::crypto::aead::ApiV3Key;
use miniapp::crypto::rsa::PublicKey;
use miniapp::runtime::signers::{Signer, WechatPayPublicKey, WechatPayV3, WechatPayV3Options};
use miniapp::runtime::Credentials;
use std::fmt;
use std::time::{Duration, SystemTime};

/// How long a minted certificate is valid: five years, as WeChat Pay's were.
const LIFETIME: Duration = Duration::from_secs(5 * 365 * 86_400);
/// How long a rotated-out certificate stays listed: WeChat Pay moves the old one's
/// expiry to 24 hours after the switch and lists both until then.
pub(super) const OVERLAP: Duration = Duration::from_secs(86_400);
/// Certificates listed at most: the current one and the latest rotated-out ones
/// (rotations beyond this drop the oldest, so the list stays bounded).
pub(super) const MAX_CERTIFICATES: usize = 4;

/// The merchant id a signer of answers is built with: the signer checks that it is
/// digits, and answers do not carry it.
const SIGNER_MCHID: &str = "1";

/// One platform certificate: its serial, its PEM, and a signer with its key.
#[derive(Clone)]
pub(crate) struct PlatformCertificate {
    /// Upper-case hex, as `Wechatpay-Serial` carries it.
    pub serial: String,
    pub pem: String,
    /// RFC 3339, `+08:00`.
    pub effective_time: String,
    pub expire_time: String,
    /// When it stops being listed.
    pub expires: SystemTime,
    pub signer: WechatPayV3,
}

impl fmt::Debug for PlatformCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlatformCertificate")
            .field("serial", &self.serial)
            .field("expire_time", &self.expire_time)
            .finish_non_exhaustive()
    }
}

/// A signer of answers with `key_pem` that names `options`' key in `Wechatpay-Serial`.
fn signer(key_pem: &str, options: &WechatPayV3Options) -> Result<WechatPayV3, String> {
    let credentials = Credentials::new("", key_pem)
        .with_merchant_id(SIGNER_MCHID)
        // Not a platform certificate's serial (the SDK refuses its own merchant
        // certificate among them): no minted serial is all zeros.
        .with_key_id("00");
    WechatPayV3::new(&credentials, options).map_err(|e| e.to_string())
}

/// The public-key mode's signer: the WeChat Pay private key, naming the public key id.
pub(super) fn public_key_signer() -> Result<WechatPayV3, String> {
    let options = WechatPayV3Options {
        public_key: Some(WechatPayPublicKey {
            id: PUBLIC_KEY_ID.to_owned(),
            pem: WECHATPAY_PUBLIC_KEY.to_owned(),
        }),
        ..Default::default()
    };
    signer(WECHATPAY_PRIVATE_KEY, &options)
}

/// RFC 3339 in Beijing time (`2024-01-01T10:00:00+08:00`).
pub(super) fn rfc3339(at: SystemTime) -> String {
    let dashed = miniapp::runtime::beijing_time::dashed(at);
    format!("{}+08:00", dashed.replacen(' ', "T", 1))
}

/// A fresh RSA-2048 key pair, PKCS#8 PEM.
fn generate_key() -> Result<String, String> {
    use aws_lc_rs::encoding::AsDer;
    use aws_lc_rs::rsa::{KeyPair, KeySize};
    let pair = KeyPair::generate(KeySize::Rsa2048).map_err(|e| format!("no RSA key: {e}"))?;
    let der = pair
        .as_der()
        .map_err(|e| format!("the RSA key does not encode: {e}"))?;
    Ok(pem("PRIVATE KEY", der.as_ref()))
}

fn pem(label: &str, der: &[u8]) -> String {
    let text = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in text.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// A self-signed platform certificate over `key_pem`, valid from now for
/// [`LIFETIME`], with a random 20-byte serial, and its signer.
pub(super) fn mint(key_pem: &str) -> Result<PlatformCertificate, String> {
    use rcgen::{CertificateParams, DnType, KeyPair, SerialNumber, PKCS_RSA_SHA256};
    let key = KeyPair::from_pem_and_sign_algo(key_pem, &PKCS_RSA_SHA256)
        .map_err(|e| format!("the platform certificate's key: {e}"))?;
    let now = SystemTime::now();
    let mut params = CertificateParams::new(Vec::<String>::new())
        .map_err(|e| format!("certificate parameters: {e}"))?;
    let mut serial: [u8; 20] = rand::random();
    // A positive serial of exactly 20 bytes: no leading zero byte for DER to drop, no
    // sign bit to add one.
    serial[0] = (serial[0] & 0x7f) | 0x10;
    params.serial_number = Some(SerialNumber::from_slice(&serial));
    params
        .distinguished_name
        .push(DnType::CommonName, "Tenpay.com Root CA (miniapp simulator)");
    params.distinguished_name.push(
        DnType::OrganizationName,
        "miniapp-simulator test certificate",
    );
    params.not_before = time::OffsetDateTime::now_utc() - time::Duration::minutes(5);
    params.not_after = time::OffsetDateTime::now_utc() + time::Duration::days(5 * 365);
    let certificate = params
        .self_signed(&key)
        .map_err(|e| format!("the platform certificate does not sign: {e}"))?;
    let pem_text = certificate.pem();
    let parsed = miniapp::crypto::cert_sn::certificates(&pem_text)
        .map_err(|e| format!("the minted certificate does not read back: {e}"))?;
    let serial = parsed
        .first()
        .map(miniapp::crypto::cert_sn::serial_hex)
        .ok_or("the minted certificate does not read back")?;
    let options = WechatPayV3Options {
        platform_certificates: vec![pem_text.clone()],
        ..Default::default()
    };
    let signer = signer(key_pem, &options)?;
    Ok(PlatformCertificate {
        serial,
        pem: pem_text,
        effective_time: rfc3339(now),
        expire_time: rfc3339(now + LIFETIME),
        expires: now + LIFETIME,
        signer,
    })
}

/// A certificate over a fresh key pair (a rotation).
pub(super) fn mint_new() -> Result<PlatformCertificate, String> {
    mint(&generate_key()?)
}

/// What the builder configures (see `SimulatorBuilder::wechatpay_v3_*`).
#[derive(Clone)]
pub(crate) struct Settings {
    pub mode: WechatPayV3KeyMode,
    pub api_v3_key: String,
    pub merchant_serial: String,
    pub merchant_public_key: String,
    /// The delays between resends of an unacknowledged notification.
    pub redelivery: Vec<Duration>,
}

/// Resends of one notification at most (WeChat Pay's schedule has 15).
pub(crate) const MAX_REDELIVERIES: usize = 32;

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("mode", &self.mode)
            .field("merchant_serial", &self.merchant_serial)
            .finish_non_exhaustive()
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            mode: WechatPayV3KeyMode::PublicKey,
            api_v3_key: super::API_V3_KEY.to_owned(),
            merchant_serial: super::MERCHANT_SERIAL.to_owned(),
            merchant_public_key: super::MERCHANT_PUBLIC_KEY.to_owned(),
            redelivery: super::DEFAULT_REDELIVERY.to_vec(),
        }
    }
}

/// The keys, parsed once at start.
pub(crate) struct Setup {
    pub mode: WechatPayV3KeyMode,
    pub api_v3_key: ApiV3Key,
    /// The APIv3 key's text, for [`Simulator::wechatpay_v3_keys`](crate::Simulator::wechatpay_v3_keys).
    pub api_v3_text: String,
    pub merchant_serial: String,
    pub merchant_key: PublicKey,
    /// Is the merchant key the built-in one (so its private half can be handed out)?
    pub builtin_merchant: bool,
    /// Signs with the WeChat Pay private key, naming [`PUBLIC_KEY_ID`].
    pub public_key: WechatPayV3,
    /// The delays between resends of an unacknowledged notification.
    pub redelivery: Vec<Duration>,
}

impl fmt::Debug for Setup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Setup")
            .field("mode", &self.mode)
            .field("merchant_serial", &self.merchant_serial)
            .finish_non_exhaustive()
    }
}

impl Setup {
    pub fn new(settings: &Settings) -> Result<Setup, String> {
        let api_v3_key = ApiV3Key::new(&settings.api_v3_key)
            .map_err(|e| format!("simulator: wechatpay_v3: {e}"))?;
        let serial = settings.merchant_serial.trim();
        if serial.is_empty() || !serial.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!(
                "simulator: wechatpay_v3: the merchant certificate serial {:?} is not hex",
                serial.chars().take(64).collect::<String>()
            ));
        }
        let merchant_key = PublicKey::parse(&settings.merchant_public_key)
            .map_err(|e| format!("simulator: wechatpay_v3: the merchant public key: {e}"))?;
        Ok(Setup {
            mode: settings.mode,
            api_v3_key,
            api_v3_text: settings.api_v3_key.clone(),
            merchant_serial: serial.to_ascii_uppercase(),
            merchant_key,
            builtin_merchant: settings.merchant_public_key == super::MERCHANT_PUBLIC_KEY,
            public_key: public_key_signer()
                .map_err(|e| format!("simulator: wechatpay_v3: the WeChat Pay key: {e}"))?,
            redelivery: settings
                .redelivery
                .iter()
                .take(MAX_REDELIVERIES)
                .copied()
                .collect(),
        })
    }

    /// The first platform certificate, minted over the WeChat Pay private key, where
    /// the mode has certificates.
    pub fn first_certificate(&self) -> Result<Option<PlatformCertificate>, String> {
        if self.mode == WechatPayV3KeyMode::PublicKey {
            return Ok(None);
        }
        mint(WECHATPAY_PRIVATE_KEY)
            .map(Some)
            .map_err(|e| format!("simulator: wechatpay_v3: {e}"))
    }
}
