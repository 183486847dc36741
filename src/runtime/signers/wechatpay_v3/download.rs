//! Platform certificates downloaded from `GET /v3/certificates` (certificate mode): each
//! `encrypt_certificate` opened with the APIv3 key, read as X.509, its hex serial
//! checked against `serial_no`, expired ones left out — and the answer itself verified
//! with the certificates it carries (it is signed by one of them) before any replaces
//! the set. Every listed certificate is kept, not only the newest: during a rotation
//! the old one still signs.
//!
//! Public docs: <https://pay.weixin.qq.com/docs/merchant/products/platform-certificate/apilist.html>.

use super::verify::{PlatformCertificate, PlatformKeys};
use crate::crypto::aead::{check_algorithm, ApiV3Key};
use crate::crypto::cert_sn::{certificates, serial_hex};
use crate::crypto::rsa::PublicKey;
use crate::runtime::RawResponse;
use serde::Deserialize;
use std::time::{Duration, SystemTime};

/// More certificates than WeChat Pay ever lists at once (one, two during a rotation).
const MAX_CERTIFICATES: usize = 16;

#[derive(Deserialize)]
struct Downloaded {
    data: Vec<Listed>,
}

#[derive(Deserialize)]
struct Listed {
    serial_no: String,
    encrypt_certificate: Sealed,
}

#[derive(Deserialize)]
struct Sealed {
    algorithm: String,
    nonce: String,
    #[serde(default)]
    associated_data: Option<String>,
    ciphertext: String,
}

/// The valid platform certificates of a download answer, checked as described above.
/// `merchant_serial` must not be among them (the merchant's own API certificate).
pub fn read_download(
    raw: &RawResponse,
    api_v3_key: &ApiV3Key,
    merchant_serial: &str,
    now: SystemTime,
) -> Result<Vec<PlatformCertificate>, String> {
    let downloaded: Downloaded = serde_json::from_slice(&raw.body)
        .map_err(|e| format!("the certificate download is not the documented JSON: {e}"))?;
    if downloaded.data.is_empty() {
        return Err(
            "the download lists no platform certificate: a merchant in public-key mode \
                    has none (configure the WeChat Pay public key instead)"
                .into(),
        );
    }
    if downloaded.data.len() > MAX_CERTIFICATES {
        return Err(format!(
            "the download lists {} certificates; at most {MAX_CERTIFICATES} are accepted",
            downloaded.data.len()
        ));
    }
    let mut valid = Vec::new();
    for listed in downloaded.data {
        let sealed = &listed.encrypt_certificate;
        check_algorithm(&sealed.algorithm).map_err(|e| e.to_string())?;
        let pem = api_v3_key
            .decrypt(
                &sealed.nonce,
                sealed.associated_data.as_deref().unwrap_or(""),
                &sealed.ciphertext,
            )
            .map_err(|e| format!("certificate {}: {e}", bounded(&listed.serial_no)))?;
        let pem = String::from_utf8(pem)
            .map_err(|_| format!("certificate {} is not PEM text", bounded(&listed.serial_no)))?;
        let cert = certificates(&pem)
            .map_err(|e| format!("certificate {}: {e}", bounded(&listed.serial_no)))?
            .into_iter()
            .next()
            .ok_or("an empty certificate")?;
        let serial = serial_hex(&cert);
        if !serial.eq_ignore_ascii_case(listed.serial_no.trim()) {
            return Err(format!(
                "the certificate listed as {} has serial {serial}",
                bounded(&listed.serial_no)
            ));
        }
        if serial == merchant_serial {
            return Err(format!(
                "certificate {serial} is the merchant's own API certificate, not WeChat Pay's"
            ));
        }
        let validity = cert.tbs_certificate().validity();
        let not_after = SystemTime::UNIX_EPOCH + validity.not_after.to_unix_duration();
        if not_after <= now {
            tracing::warn!(serial, "skipping an expired platform certificate");
            continue;
        }
        let der = der::Encode::to_der(&cert).map_err(|e| format!("certificate {serial}: {e}"))?;
        let key = PublicKey::from_certificate_der(&der)
            .map_err(|e| format!("certificate {serial}: {e}"))?;
        valid.push(PlatformCertificate { serial, key });
    }
    if valid.is_empty() {
        return Err("every downloaded platform certificate has expired".into());
    }
    Ok(valid)
}

/// Checks the download answer with the certificates it carries (and the public key,
/// should it name that instead).
pub fn verify_download(
    raw: &RawResponse,
    downloaded: &[PlatformCertificate],
    keys: &PlatformKeys,
    now: SystemTime,
    max_skew: Duration,
) -> Result<(), String> {
    let candidate = PlatformKeys::new(keys.public_key(), downloaded.to_vec());
    candidate
        .verify(&raw.headers, &raw.body, now, max_skew, false)
        .map_err(|e| format!("the certificate download is not signed by WeChat Pay: {e}"))
}

fn bounded(text: &str) -> String {
    text.chars().take(64).collect()
}
