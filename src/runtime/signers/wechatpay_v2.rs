//! `wechatpay_v2`: WeChat Pay v2's sign — every non-empty field but `sign`, sorted,
//! `k=v&…&key=API_KEY`, MD5 or HMAC-SHA256 (keyed with the API key), uppercase hex
//! ([`crate::crypto::sign`]). The scheme also owns the common fields of every request:
//! `appid`, `mch_id`, a fresh `nonce_str` and `sign_type`.

use super::{BuildError, InfallibleSigner, Signer};
use crate::crypto::sign::{self, Digest, HexCase};
use crate::runtime::{Credentials, Secret};
use rand::distributions::{Alphanumeric, DistString};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// The digest of WeChat Pay v2 signs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SignType {
    /// `MD5`, the docs' default.
    #[default]
    Md5,
    /// `HMAC-SHA256` (required by some endpoints, e.g. `downloadfundflow`).
    HmacSha256,
}

impl SignType {
    /// The wire value of `sign_type`.
    pub fn as_str(self) -> &'static str {
        match self {
            SignType::Md5 => "MD5",
            SignType::HmacSha256 => "HMAC-SHA256",
        }
    }
    /// The sign type a `sign_type` value names (absent: MD5).
    pub fn from_wire(value: Option<&str>) -> Option<SignType> {
        match value {
            None | Some("") | Some("MD5") => Some(SignType::Md5),
            Some("HMAC-SHA256") => Some(SignType::HmacSha256),
            Some(_) => None,
        }
    }
    fn digest(self) -> Digest {
        match self {
            SignType::Md5 => Digest::Md5,
            SignType::HmacSha256 => Digest::HmacSha256,
        }
    }
}

/// Settings of [`WechatPayV2`] a client builder may change.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WechatPayV2Options {
    pub sign_type: SignType,
}

/// Signs with the merchant's API key (the client's secret).
#[derive(Clone)]
pub struct WechatPayV2 {
    app_id: String,
    merchant_id: String,
    key: Secret<String>,
    sign_type: SignType,
}

impl std::fmt::Debug for WechatPayV2 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WechatPayV2")
            .field("app_id", &self.app_id)
            .field("merchant_id", &self.merchant_id)
            .field("key", &self.key)
            .field("sign_type", &self.sign_type)
            .finish()
    }
}

impl WechatPayV2 {
    pub fn sign_type(&self) -> SignType {
        self.sign_type
    }
    /// The key it signs with (the API key, or the sandbox's).
    #[cfg(feature = "wechatpay")]
    pub(crate) fn key(&self) -> &Secret<String> {
        &self.key
    }
    /// The sign of `fields` with this key and `sign_type`.
    pub fn sign_with(&self, fields: &Map<String, Value>, sign_type: SignType) -> String {
        sign::sign(
            text_pairs(fields),
            self.key.expose(),
            sign_type.digest(),
            HexCase::Upper,
        )
    }
    /// Checks the `sign` of text fields (a flat XML message) with `sign_type`, in place.
    pub fn verify_text_with(
        &self,
        fields: &[(String, String)],
        sign_type: SignType,
    ) -> Result<(), String> {
        let received = match fields.iter().find(|(k, _)| k == "sign") {
            Some((_, s)) if !s.is_empty() => s,
            _ => return Err("the message carries no `sign`".into()),
        };
        sign::verify(
            fields.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            self.key.expose(),
            sign_type.digest(),
            HexCase::Upper,
            received,
        )
        .map_err(explain)
    }

    /// Checks `fields`' own `sign` with `sign_type` (constant time).
    pub fn verify_with(
        &self,
        fields: &Map<String, Value>,
        sign_type: SignType,
    ) -> Result<(), String> {
        let received = match fields.get("sign") {
            Some(Value::String(s)) if !s.is_empty() => s,
            _ => return Err("the message carries no `sign`".into()),
        };
        sign::verify(
            text_pairs(fields),
            self.key.expose(),
            sign_type.digest(),
            HexCase::Upper,
            received,
        )
        .map_err(explain)
    }
}

/// Why a WeChat Pay sign was refused, in WeChat Pay's terms.
fn explain(error: sign::SignError) -> String {
    match error {
        sign::SignError::WrongCase(_) => format!(
            "{error}: WeChat Pay signs are upper-case hex, so the sender does not follow the \
             signing rules (签名算法)"
        ),
        sign::SignError::Mismatch => {
            format!("{error} (or the sign_type is not the one the message was signed with)")
        }
        other => other.to_string(),
    }
}

/// Every field as its text, borrowed where it already is text (XML bodies are).
fn text_pairs(fields: &Map<String, Value>) -> impl Iterator<Item = (&str, Cow<'_, str>)> {
    fields.iter().map(|(k, v)| {
        let text = match v {
            Value::String(s) => Cow::Borrowed(s.as_str()),
            Value::Null => Cow::Borrowed(""),
            other => Cow::Owned(other.to_string()),
        };
        (k.as_str(), text)
    })
}

impl Signer for WechatPayV2 {
    type Options = WechatPayV2Options;
    const VERIFIES_ANSWERS: bool = true;
    fn new(credentials: &Credentials, options: &WechatPayV2Options) -> Result<Self, BuildError> {
        Ok(Self::create(credentials, options))
    }
    fn with_variant(&self, variant: &str) -> Option<Self> {
        let sign_type = SignType::from_wire(Some(variant))?;
        Some(WechatPayV2 {
            sign_type,
            ..self.clone()
        })
    }
    fn prepare(&self, fields: &mut Map<String, Value>) {
        fields.insert("appid".into(), self.app_id.clone().into());
        fields.insert("mch_id".into(), self.merchant_id.clone().into());
        let nonce = Alphanumeric.sample_string(&mut rand::thread_rng(), 32);
        fields.insert("nonce_str".into(), nonce.into());
        fields.insert("sign_type".into(), self.sign_type.as_str().into());
    }
    fn sign(&self, fields: &Map<String, Value>) -> Result<String, String> {
        Ok(self.sign_with(fields, self.sign_type))
    }
    fn verify(&self, answer: &Map<String, Value>) -> Result<(), String> {
        self.verify_with(answer, self.sign_type)
    }
    fn verify_text(&self, answer: &[(String, String)]) -> Result<(), String> {
        self.verify_text_with(answer, self.sign_type)
    }
}

impl InfallibleSigner for WechatPayV2 {
    fn create(credentials: &Credentials, options: &WechatPayV2Options) -> Self {
        WechatPayV2 {
            app_id: credentials.app_id().to_owned(),
            merchant_id: credentials.merchant_id().to_owned(),
            key: credentials.secret().clone(),
            sign_type: options.sign_type,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer(key: &str, sign_type: SignType) -> WechatPayV2 {
        WechatPayV2::create(
            &Credentials::new("wxd930ea5d5a258f4f", key).with_merchant_id("10000100"),
            &WechatPayV2Options { sign_type },
        )
    }

    fn map(pairs: &[(&str, &str)]) -> Map<String, Value> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Value::from(*v)))
            .collect()
    }

    /// The official vector of the WeChat Pay v2 signing docs, both digests.
    #[test]
    fn official_vector() {
        let fields = map(&[
            ("appid", "wxd930ea5d5a258f4f"),
            ("mch_id", "10000100"),
            ("device_info", "1000"),
            ("body", "test"),
            ("nonce_str", "ibuaiVcKdpRxkhJA"),
        ]);
        let key = "192006250b4c09247ec02edce69f6a2d";
        assert_eq!(
            signer(key, SignType::Md5).sign(&fields).unwrap(),
            "9A0A8659F005D6984697E2CA0A9CF3B7"
        );
        assert_eq!(
            signer(key, SignType::HmacSha256).sign(&fields).unwrap(),
            "6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6"
        );
    }

    #[test]
    fn empty_values_are_skipped_and_answers_verified() {
        let s = signer("yansongda", SignType::Md5);
        let mut fields = map(&[("name", "yansongda"), ("age", "29"), ("foo", "")]);
        assert_eq!(s.sign(&fields).unwrap(), "3213848AED2C380749FD1D559555881D");
        assert!(s.verify(&fields).is_err(), "no sign");
        fields.insert("sign".into(), "3213848AED2C380749FD1D559555881D".into());
        assert!(s.verify(&fields).is_ok());
        fields.insert("age".into(), "30".into());
        assert!(s.verify(&fields).is_err(), "tampered");
    }

    #[test]
    fn prepare_adds_the_common_fields_with_a_fresh_nonce() {
        let s = signer("k", SignType::HmacSha256);
        let (mut a, mut b) = (Map::new(), Map::new());
        s.prepare(&mut a);
        s.prepare(&mut b);
        assert_eq!(a["appid"], "wxd930ea5d5a258f4f");
        assert_eq!(a["mch_id"], "10000100");
        assert_eq!(a["sign_type"], "HMAC-SHA256");
        assert_eq!(a["nonce_str"].as_str().unwrap().len(), 32);
        assert_ne!(a["nonce_str"], b["nonce_str"]);
        assert!(!format!("{s:?}").contains("\"k\""));
    }
}
