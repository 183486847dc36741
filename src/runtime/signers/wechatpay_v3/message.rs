//! The texts WeChat Pay API v3 signs, and its `Authorization` header.
//!
//! - A request: `METHOD\nPATH?QUERY\nTIMESTAMP\nNONCE\nBODY\n`, the path and query as
//!   sent (percent-encoded), the body's exact bytes (empty for GET: the text then ends
//!   in `\n\n`).
//! - An answer or a notification: `TIMESTAMP\nNONCE\nBODY\n` from its `Wechatpay-*`
//!   headers and exact body.
//! - Client payment parameters: their fields, one per line, each ending in `\n`.
//!
//! Public docs: <https://pay.weixin.qq.com/doc/v3/merchant/4012365336> (signing) and
//! <https://pay.weixin.qq.com/doc/v3/merchant/4013053420> (verifying).

use rand::distributions::{Alphanumeric, DistString};

/// The signature scheme's name: the `Authorization` scheme and the value of a
/// notification's `Wechatpay-Signature-Type`.
pub const SCHEME: &str = "WECHATPAY2-SHA256-RSA2048";

/// The headers WeChat Pay signs its answers and notifications with.
pub mod header {
    pub const TIMESTAMP: &str = "wechatpay-timestamp";
    pub const NONCE: &str = "wechatpay-nonce";
    pub const SIGNATURE: &str = "wechatpay-signature";
    pub const SERIAL: &str = "wechatpay-serial";
    pub const SIGNATURE_TYPE: &str = "wechatpay-signature-type";
    pub const REQUEST_ID: &str = "request-id";
}

/// Each part followed by `\n`: the shape of every text API v3 signs.
pub fn lines(parts: &[&[u8]]) -> Vec<u8> {
    let len = parts.iter().map(|p| p.len() + 1).sum();
    let mut text = Vec::with_capacity(len);
    for part in parts {
        text.extend_from_slice(part);
        text.push(b'\n');
    }
    text
}

/// The text a request's signature covers.
pub fn request_message(
    method: &str,
    path_and_query: &str,
    timestamp: &str,
    nonce: &str,
    body: &[u8],
) -> Vec<u8> {
    lines(&[
        method.as_bytes(),
        path_and_query.as_bytes(),
        timestamp.as_bytes(),
        nonce.as_bytes(),
        body,
    ])
}

/// The text an answer's or a notification's signature covers.
pub fn answer_message(timestamp: &str, nonce: &str, body: &[u8]) -> Vec<u8> {
    lines(&[timestamp.as_bytes(), nonce.as_bytes(), body])
}

/// A fresh nonce: 32 alphanumeric characters, as the official SDKs send.
pub fn nonce() -> String {
    Alphanumeric.sample_string(&mut rand::thread_rng(), 32)
}

/// The parts of an `Authorization: WECHATPAY2-SHA256-RSA2048 …` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization<'a> {
    pub mchid: &'a str,
    pub nonce_str: &'a str,
    pub timestamp: &'a str,
    pub serial_no: &'a str,
    pub signature: &'a str,
}

impl<'a> Authorization<'a> {
    /// The header's value: the scheme, one space, then `key="value"` pairs joined by
    /// commas without spaces (the official SDKs' order).
    pub fn header_value(&self) -> String {
        format!(
            "{SCHEME} mchid=\"{}\",nonce_str=\"{}\",timestamp=\"{}\",serial_no=\"{}\",signature=\"{}\"",
            self.mchid, self.nonce_str, self.timestamp, self.serial_no, self.signature
        )
    }

    /// Reads a header value in any pair order (the doc's example and the SDKs differ);
    /// `Err` says what is wrong with it.
    pub fn parse(value: &'a str) -> Result<Authorization<'a>, String> {
        let token = value
            .strip_prefix(SCHEME)
            .and_then(|rest| rest.strip_prefix(' '))
            .ok_or_else(|| format!("the Authorization scheme is not `{SCHEME}`"))?;
        let (mut mchid, mut nonce_str, mut timestamp, mut serial_no, mut signature) =
            (None, None, None, None, None);
        for pair in token.split(',') {
            let (key, quoted) = pair
                .split_once('=')
                .ok_or_else(|| format!("`{}` is not a key=\"value\" pair", bounded(pair)))?;
            let value = quoted
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .ok_or_else(|| {
                    format!("the value of `{}` is not in double quotes", bounded(key))
                })?;
            let slot = match key {
                "mchid" => &mut mchid,
                "nonce_str" => &mut nonce_str,
                "timestamp" => &mut timestamp,
                "serial_no" => &mut serial_no,
                "signature" => &mut signature,
                other => return Err(format!("unknown Authorization key `{}`", bounded(other))),
            };
            if slot.replace(value).is_some() {
                return Err(format!("`{key}` appears twice in the Authorization header"));
            }
        }
        let need = |slot: Option<&'a str>, key: &str| {
            slot.ok_or_else(|| format!("the Authorization header has no `{key}`"))
        };
        Ok(Authorization {
            mchid: need(mchid, "mchid")?,
            nonce_str: need(nonce_str, "nonce_str")?,
            timestamp: need(timestamp, "timestamp")?,
            serial_no: need(serial_no, "serial_no")?,
            signature: need(signature, "signature")?,
        })
    }
}

/// A piece of untrusted text short enough for an error message.
fn bounded(text: &str) -> String {
    text.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::v3_vector as vector;

    #[test]
    fn request_texts_are_the_published_ones() {
        let body = vector("D.jsapi.body");
        let text = request_message(
            "POST",
            "/v3/pay/transactions/jsapi",
            "1700000000",
            "593BEC0C930BF1AFEB40B4A08C8FB242",
            body.as_bytes(),
        );
        assert_eq!(text, vector("D.jsapi.signstr").as_bytes());
        let get = request_message(
            "GET",
            "/v3/pay/transactions/out-trade-no/1217752501201407033233368018?mchid=1234567891",
            "1700000000",
            "593BEC0C930BF1AFEB40B4A08C8FB242",
            b"",
        );
        assert_eq!(get, vector("D.get.signstr").as_bytes());
        let r204 = answer_message("1700000002", "5K8264ILTKCH16CQ2502SI8ZNMTM67VS", b"");
        assert_eq!(r204, vector("D.r204.signstr").as_bytes());
    }

    #[test]
    fn the_authorization_header_round_trips_in_any_pair_order() {
        let published = vector("D.jsapi.authorization");
        let parsed = Authorization::parse(&published).unwrap();
        assert_eq!(parsed.mchid, "1234567891");
        assert_eq!(parsed.serial_no, "5F1C72E2A8931B72A2E13AF8DEE92471EB397115");
        assert_eq!(parsed.signature, vector("D.jsapi.sig"));
        let ours = parsed.header_value();
        assert_eq!(Authorization::parse(&ours).unwrap(), parsed);
        assert!(ours.starts_with("WECHATPAY2-SHA256-RSA2048 mchid=\"1234567891\",nonce_str="));
    }

    #[test]
    fn malformed_headers_say_what_is_wrong() {
        for (value, expected) in [
            ("Bearer x", "scheme"),
            ("WECHATPAY2-SHA256-RSA2048 mchid=1", "double quotes"),
            ("WECHATPAY2-SHA256-RSA2048 mchid=\"1\"", "no `nonce_str`"),
            ("WECHATPAY2-SHA256-RSA2048 mchid=\"1\",mchid=\"2\"", "twice"),
            ("WECHATPAY2-SHA256-RSA2048 user=\"1\"", "unknown"),
            ("WECHATPAY2-SHA256-RSA2048 garbage", "pair"),
        ] {
            let e = Authorization::parse(value).unwrap_err();
            assert!(e.contains(expected), "{value}: {e}");
        }
        assert_eq!(nonce().len(), 32);
        assert_ne!(nonce(), nonce());
    }
}
