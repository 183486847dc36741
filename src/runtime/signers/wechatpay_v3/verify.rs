//! Verifying what WeChat Pay signs — answers and notifications — over their exact body
//! bytes, with the key their `Wechatpay-Serial` names: the WeChat Pay public key
//! (`PUB_KEY_ID_…`, public-key mode) or a platform certificate (its hex serial,
//! certificate mode), both at once while a merchant migrates. The timestamp is checked
//! first, so a replayed or stale message is refused whatever its signature.

use super::message::{answer_message, header, SCHEME};
use crate::crypto::rsa::{PublicKey, VerifyError};
use http::HeaderMap;
use std::sync::{PoisonError, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The clock difference the docs allow between WeChat Pay's timestamp and ours: five
/// minutes (refused at 300 s and beyond, as the official Go SDK does).
pub const DEFAULT_MAX_SKEW: Duration = Duration::from_secs(300);

/// What a WeChat Pay public key id starts with.
pub const PUBLIC_KEY_ID_PREFIX: &str = "PUB_KEY_ID_";

/// What WeChat Pay's signature probes start with: deliberately wrong signatures it
/// sends to check that merchants verify.
pub const PROBE_PREFIX: &str = "WECHATPAY/SIGNTEST/";

/// Why an answer or a notification was not accepted as WeChat Pay's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Rejected {
    #[error(
        "the `{0}` header is missing (a proxy that strips Wechatpay-* headers causes this too)"
    )]
    MissingHeader(&'static str),
    #[error("the `Wechatpay-Timestamp` {0:?} is not Unix seconds")]
    BadTimestamp(String),
    #[error("the `Wechatpay-Timestamp` is {skew_seconds} s away from this machine's clock (at most {max_seconds} s allowed): a replay, or a wrong clock here")]
    Stale { skew_seconds: u64, max_seconds: u64 },
    #[error("`Wechatpay-Signature-Type` is {0:?}, not WECHATPAY2-SHA256-RSA2048")]
    SignatureType(String),
    #[error("no key for `Wechatpay-Serial` {0:?}: neither the configured WeChat Pay public key id nor a known platform certificate serial")]
    UnknownSerial(String),
    #[error(
        "a WeChat Pay signature probe (WECHATPAY/SIGNTEST/…): refused as every bad signature is"
    )]
    Probe,
    #[error("the `Wechatpay-Signature` is not base64")]
    NotBase64,
    #[error(
        "the signature does not match the body as received (was it re-serialised, or altered?)"
    )]
    Mismatch,
}

/// One platform certificate's key, by its serial.
#[derive(Clone)]
pub struct PlatformCertificate {
    /// Upper-case hex, as `Wechatpay-Serial` carries it.
    pub serial: String,
    pub key: PublicKey,
}

impl std::fmt::Debug for PlatformCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlatformCertificate")
            .field("serial", &self.serial)
            .finish_non_exhaustive()
    }
}

/// The keys WeChat Pay signs with, as far as this merchant knows them.
#[derive(Debug, Default)]
pub struct PlatformKeys {
    public_key: Option<(String, PublicKey)>,
    /// Every currently valid certificate, not only the newest: rotation publishes the
    /// next one while the old one still signs.
    certificates: RwLock<Vec<PlatformCertificate>>,
}

impl PlatformKeys {
    pub fn new(
        public_key: Option<(String, PublicKey)>,
        certificates: Vec<PlatformCertificate>,
    ) -> Self {
        PlatformKeys {
            public_key,
            certificates: RwLock::new(certificates),
        }
    }

    /// The WeChat Pay public key with its id, in public-key mode.
    pub fn public_key(&self) -> Option<(String, PublicKey)> {
        self.public_key.clone()
    }

    /// The WeChat Pay public key's id, in public-key mode.
    pub fn public_key_id(&self) -> Option<&str> {
        self.public_key.as_ref().map(|(id, _)| id.as_str())
    }

    /// The key sensitive fields are encrypted with, and its name for the request's
    /// `Wechatpay-Serial`: the public key where there is one, else the platform
    /// certificate listed last.
    pub fn encryption_key(&self) -> Option<(String, PublicKey)> {
        if let Some(pair) = &self.public_key {
            return Some(pair.clone());
        }
        self.certificates
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .last()
            .map(|c| (c.serial.clone(), c.key.clone()))
    }

    /// The name of [`Self::encryption_key`] alone (what every request's
    /// `Wechatpay-Serial` carries), without copying the key.
    pub fn encryption_serial(&self) -> Option<String> {
        if let Some((id, _)) = &self.public_key {
            return Some(id.clone());
        }
        self.certificates
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .last()
            .map(|c| c.serial.clone())
    }

    /// The key a `Wechatpay-Serial` names.
    pub fn key(&self, serial: &str) -> Option<PublicKey> {
        if let Some((id, key)) = &self.public_key {
            if id == serial {
                return Some(key.clone());
            }
        }
        self.certificates
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .find(|c| c.serial.eq_ignore_ascii_case(serial))
            .map(|c| c.key.clone())
    }

    /// Replaces the platform certificates (a download, or a rotation).
    pub fn set_certificates(&self, certificates: Vec<PlatformCertificate>) {
        *self
            .certificates
            .write()
            .unwrap_or_else(PoisonError::into_inner) = certificates;
    }

    /// The serials of the platform certificates known now.
    pub fn certificate_serials(&self) -> Vec<String> {
        self.certificates
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|c| c.serial.clone())
            .collect()
    }

    /// Checks a message WeChat Pay signed: headers present, timestamp within
    /// `max_skew` of `now`, the key its serial names, then the signature over
    /// `TIMESTAMP\nNONCE\nBODY\n`. `notification`: the signature type must be the
    /// one scheme (answers carry no such header).
    pub fn verify(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: SystemTime,
        max_skew: Duration,
        notification: bool,
    ) -> Result<(), Rejected> {
        let signed = Signed::read(headers)?;
        if notification {
            if let Some(kind) = text(headers, header::SIGNATURE_TYPE) {
                if kind != SCHEME {
                    return Err(Rejected::SignatureType(kind.chars().take(40).collect()));
                }
            }
        }
        check_skew(signed.timestamp, now, max_skew)?;
        let key = self
            .key(signed.serial)
            .ok_or_else(|| Rejected::UnknownSerial(signed.serial.chars().take(64).collect()))?;
        if signed.signature.starts_with(PROBE_PREFIX) {
            return Err(Rejected::Probe);
        }
        let message = answer_message(signed.timestamp, signed.nonce, body);
        key.verify(&message, signed.signature).map_err(|e| match e {
            VerifyError::NotBase64 => Rejected::NotBase64,
            VerifyError::Mismatch => Rejected::Mismatch,
        })
    }
}

/// The signature headers of a message.
#[derive(Debug, Clone, Copy)]
pub struct Signed<'a> {
    pub timestamp: &'a str,
    pub nonce: &'a str,
    pub signature: &'a str,
    pub serial: &'a str,
}

impl<'a> Signed<'a> {
    /// The four headers, each required.
    pub fn read(headers: &'a HeaderMap) -> Result<Signed<'a>, Rejected> {
        let need = |name: &'static str| {
            text(headers, name)
                .filter(|v| !v.is_empty())
                .ok_or(Rejected::MissingHeader(display_name(name)))
        };
        Ok(Signed {
            timestamp: need(header::TIMESTAMP)?,
            nonce: need(header::NONCE)?,
            signature: need(header::SIGNATURE)?,
            serial: need(header::SERIAL)?,
        })
    }
}

/// Does a message carry a signature at all? (Error answers may come without one.)
pub fn is_signed(headers: &HeaderMap) -> bool {
    headers.contains_key(header::SIGNATURE)
}

fn text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn display_name(name: &'static str) -> &'static str {
    match name {
        header::TIMESTAMP => "Wechatpay-Timestamp",
        header::NONCE => "Wechatpay-Nonce",
        header::SIGNATURE => "Wechatpay-Signature",
        header::SERIAL => "Wechatpay-Serial",
        other => other,
    }
}

/// Refuses a timestamp `max_skew` or more away from `now`, either way.
pub fn check_skew(timestamp: &str, now: SystemTime, max_skew: Duration) -> Result<(), Rejected> {
    let ts: u64 = timestamp
        .parse()
        .map_err(|_| Rejected::BadTimestamp(timestamp.chars().take(20).collect()))?;
    let now = now
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let skew = now.abs_diff(ts);
    if skew >= max_skew.as_secs() {
        return Err(Rejected::Stale {
            skew_seconds: skew,
            max_seconds: max_skew.as_secs(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::cert_sn::{certificates, serial_hex};
    use crate::crypto::v3_vector as vector;
    use http::HeaderValue;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        map
    }

    fn public_key_mode() -> PlatformKeys {
        let key = PublicKey::parse(&vector("K2.wechatpay_public_key.pem")).unwrap();
        PlatformKeys::new(
            Some(("PUB_KEY_ID_0114232134912410000000000000".into(), key)),
            vec![],
        )
    }

    fn certificate(name: &str) -> PlatformCertificate {
        let cert = &certificates(&vector(name)).unwrap()[0];
        let der = der::Encode::to_der(cert).unwrap();
        PlatformCertificate {
            serial: serial_hex(cert),
            key: PublicKey::from_certificate_der(&der).unwrap(),
        }
    }

    fn pay_notify(serial: &str) -> HeaderMap {
        headers(&[
            ("wechatpay-timestamp", "1700000001"),
            ("wechatpay-nonce", "5K8264ILTKCH16CQ2502SI8ZNMTM67VS"),
            ("wechatpay-signature", &vector("D.pay_notify.sig")),
            ("wechatpay-serial", serial),
            ("wechatpay-signature-type", SCHEME),
        ])
    }

    #[test]
    fn a_notification_verifies_in_public_key_mode() {
        let keys = public_key_mode();
        let body = vector("D.pay_notify.body");
        let h = pay_notify("PUB_KEY_ID_0114232134912410000000000000");
        keys.verify(
            &h,
            body.as_bytes(),
            at(1_700_000_001),
            DEFAULT_MAX_SKEW,
            true,
        )
        .unwrap();
        // One byte changed in the body.
        let tampered = body.replace("EV-2018022511223320873", "EV-2018022511223320874");
        assert_eq!(
            keys.verify(
                &h,
                tampered.as_bytes(),
                at(1_700_000_001),
                DEFAULT_MAX_SKEW,
                true
            ),
            Err(Rejected::Mismatch)
        );
        // The same signature under a serial nobody configured.
        assert!(matches!(
            keys.verify(
                &pay_notify("5157F09EFDC096DE15EBE81A47057A7232F1B8E1"),
                body.as_bytes(),
                at(1_700_000_001),
                DEFAULT_MAX_SKEW,
                true
            ),
            Err(Rejected::UnknownSerial(_))
        ));
    }

    #[test]
    fn certificate_mode_picks_the_certificate_by_serial() {
        // wechatpay-go's notification, signed with K1 and verified with certificate
        // D7CE…; F576… (the same key) is kept beside it, as rotation requires.
        let keys = PlatformKeys::new(
            None,
            vec![
                certificate("K1.cert_F5765756002FDD77.pem"),
                certificate("K1.cert_D7CE59D1F522D701.pem"),
            ],
        );
        let h = headers(&[
            ("wechatpay-timestamp", "1624523846"),
            ("wechatpay-nonce", "EcZ9Cmy4Xyx1i6RlJQzLcCyEqDa26NBz"),
            ("wechatpay-signature", &vector("K1.notify.sig")),
            ("wechatpay-serial", "D7CE59D1F522D701"),
        ]);
        let body = vector("K1.notify.body");
        keys.verify(
            &h,
            body.as_bytes(),
            at(1_624_523_846),
            DEFAULT_MAX_SKEW,
            true,
        )
        .unwrap();
        assert_eq!(
            keys.certificate_serials(),
            ["F5765756002FDD77", "D7CE59D1F522D701"]
        );
    }

    /// yansongda's H5 answer verifies over the bytes as sent, and a re-serialised copy
    /// (`/` escaped as `\/`) does not.
    #[test]
    fn only_the_exact_body_verifies() {
        // yansongda's suite signs its "WeChat Pay" answers with its merchant key.
        let key = crate::crypto::rsa::PrivateKey::parse(&vector("K3.private_key.pem_pkcs8"))
            .unwrap()
            .public_key();
        let serial = "45F59D4DABF31918AFCEC556D5D2C6E376675D57";
        let keys = PlatformKeys::new(
            None,
            vec![PlatformCertificate {
                serial: serial.into(),
                key,
            }],
        );
        let h = headers(&[
            ("wechatpay-timestamp", "1626444144"),
            ("wechatpay-nonce", "e59e78a6c3f7dfd7e84aabee71be0452"),
            ("wechatpay-signature", &vector("K3.h5_answer.sig")),
            ("wechatpay-serial", serial),
        ]);
        let body = vector("K3.h5_answer.body");
        keys.verify(
            &h,
            body.as_bytes(),
            at(1_626_444_144),
            DEFAULT_MAX_SKEW,
            false,
        )
        .unwrap();
        let reserialised = body.replace('/', "\\/");
        assert_eq!(
            keys.verify(
                &h,
                reserialised.as_bytes(),
                at(1_626_444_144),
                DEFAULT_MAX_SKEW,
                false
            ),
            Err(Rejected::Mismatch)
        );
    }

    #[test]
    fn stale_and_malformed_messages_are_refused_before_the_signature() {
        let keys = public_key_mode();
        let body = vector("D.pay_notify.body");
        let h = pay_notify("PUB_KEY_ID_0114232134912410000000000000");
        assert_eq!(
            keys.verify(
                &h,
                body.as_bytes(),
                at(1_700_000_301),
                DEFAULT_MAX_SKEW,
                true
            ),
            Err(Rejected::Stale {
                skew_seconds: 300,
                max_seconds: 300
            })
        );
        keys.verify(
            &h,
            body.as_bytes(),
            at(1_700_000_300),
            DEFAULT_MAX_SKEW,
            true,
        )
        .unwrap();
        assert!(matches!(
            keys.verify(
                &h,
                body.as_bytes(),
                at(1_699_999_000),
                DEFAULT_MAX_SKEW,
                true
            ),
            Err(Rejected::Stale { .. })
        ));
        let mut probe = h.clone();
        probe.insert(
            "wechatpay-signature",
            HeaderValue::from_static("WECHATPAY/SIGNTEST/abc=="),
        );
        assert_eq!(
            keys.verify(
                &probe,
                body.as_bytes(),
                at(1_700_000_001),
                DEFAULT_MAX_SKEW,
                true
            ),
            Err(Rejected::Probe)
        );
        let mut not_b64 = h.clone();
        not_b64.insert("wechatpay-signature", HeaderValue::from_static("%%%"));
        assert_eq!(
            keys.verify(
                &not_b64,
                body.as_bytes(),
                at(1_700_000_001),
                DEFAULT_MAX_SKEW,
                true
            ),
            Err(Rejected::NotBase64)
        );
        let mut other_type = h.clone();
        other_type.insert(
            "wechatpay-signature-type",
            HeaderValue::from_static("WECHATPAY2-SM2-WITH-SM3"),
        );
        assert!(matches!(
            keys.verify(
                &other_type,
                body.as_bytes(),
                at(1_700_000_001),
                DEFAULT_MAX_SKEW,
                true
            ),
            Err(Rejected::SignatureType(_))
        ));
        for missing in [
            "wechatpay-serial",
            "wechatpay-nonce",
            "wechatpay-timestamp",
            "wechatpay-signature",
        ] {
            let mut without = h.clone();
            without.remove(missing);
            let e = keys
                .verify(
                    &without,
                    body.as_bytes(),
                    at(1_700_000_001),
                    DEFAULT_MAX_SKEW,
                    true,
                )
                .unwrap_err();
            assert!(matches!(e, Rejected::MissingHeader(_)), "{missing}: {e}");
            assert!(e.to_string().to_lowercase().contains(missing), "{e}");
        }
        let mut bad_ts = h.clone();
        bad_ts.insert("wechatpay-timestamp", HeaderValue::from_static("soon"));
        assert!(matches!(
            keys.verify(
                &bad_ts,
                body.as_bytes(),
                at(1_700_000_001),
                DEFAULT_MAX_SKEW,
                true
            ),
            Err(Rejected::BadTimestamp(_))
        ));
    }
}
