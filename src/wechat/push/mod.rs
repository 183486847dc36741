//! Message push (消息推送), server side: the URL WeChat calls with user messages and
//! platform events, configured in the mp console (开发管理 → 消息推送) with a URL, a
//! Token, an EncodingAESKey, the encryption mode and the data format (JSON or XML).
//!
//! * **URL check**: WeChat sends `GET ?signature&timestamp&nonce&echostr`;
//!   [`Push::verify_url`] checks the signature and gives the `echostr` to answer with.
//! * **Pushes**: `POST` to the same URL. [`Push::receive`] takes the raw query and the
//!   exact body, checks the signature (`signature` in plain mode; `msg_signature`,
//!   which also covers the ciphertext, in safe and compatible mode), decrypts, checks
//!   the app id inside the ciphertext, and decodes [`Common`] fields and a
//!   [`PushMessage`]: the content-security and shipping-info events typed, anything
//!   else as raw fields.
//! * **Reply** [`reply_success`] within 5 seconds, or WeChat sends the push again; a
//!   refused request gets [`PushError::status`]. Process pushes idempotently: the same
//!   push can arrive more than once.
//!
//! What the protocol proves, and what it does not: plain mode's `signature` covers only
//! the token, timestamp and nonce, never the body, so anyone who saw one signed request
//! can send any body with it. Safe mode signs and encrypts the body. With an
//! EncodingAESKey configured, plain pushes are therefore refused. The timestamp is
//! WeChat's clock and is used only as signed input; nothing here trusts it for
//! freshness (deduplicate by `MsgId`, or `FromUserName` + `CreateTime`).
//!
//! ```no_run
//! use miniapp::wechat::push::{reply_success, Push, PushMessage};
//!
//! # fn demo(query: &str, body: &[u8]) -> Result<(), miniapp::wechat::push::PushError> {
//! let push = Push::new("wx-app-id", "token-from-the-console")?
//!     .with_encoding_aes_key("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")?;
//!
//! // GET: answer the URL check with the echostr.
//! let echostr = push.verify_url(query)?;
//!
//! // POST: the raw query string and the exact body bytes.
//! let received = push.receive(query, body)?;
//! match received.message {
//!     PushMessage::MediaCheck(check) => println!("{} → {:?}", check.trace_id, check.result),
//!     PushMessage::OrderSettlement(order) => println!("settled {}", order.transaction_id),
//!     other => println!("{} {:?}", received.common.msg_type, other),
//! }
//! let answer = reply_success(); // HTTP 200, text body
//! # let _ = (echostr, answer); Ok(()) }
//! ```
//!
//! Guide: <https://developers.weixin.qq.com/miniprogram/dev/framework/server-ability/message-push.html>.

mod body;
mod cipher;
mod error;
mod event;
mod signature;

pub use body::Format;
pub use error::PushError;
pub use event::{
    Common, MediaCheck, MediaCheckDetail, MediaCheckResult, OrderSettlement, PushMessage,
    RemindAccessApi, RemindShipping, Suggest,
};

use crate::runtime::Secret;
use cipher::AesKey;
use rand::Rng;
use serde_json::Value;

/// The largest body accepted. Genuine pushes are a few KiB; larger bodies are refused
/// before they are parsed or decrypted.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The largest query string accepted (the longest genuine one is under 300 bytes).
pub const MAX_QUERY_BYTES: usize = 2048;

/// The message-push endpoint of one mini program: its app id, Token and, for safe or
/// compatible mode, its EncodingAESKey. `Debug` shows neither secret.
#[derive(Debug, Clone)]
pub struct Push {
    app_id: String,
    token: Secret<String>,
    aes_key: Option<AesKey>,
}

/// A verified push.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Received {
    /// The data format the push came in (that of the console setting).
    pub format: Format,
    /// Whether it came encrypted (safe or compatible mode).
    pub encrypted: bool,
    pub common: Common,
    pub message: PushMessage,
}

impl Push {
    /// An endpoint in plain mode (明文模式). `token` is the console's Token (3–32
    /// characters).
    pub fn new(app_id: impl Into<String>, token: impl Into<String>) -> Result<Self, PushError> {
        let token = token.into();
        let len = token.chars().count();
        if !(3..=32).contains(&len) {
            return Err(PushError::InvalidToken { len });
        }
        Ok(Push {
            app_id: app_id.into(),
            token: Secret::new(token),
            aes_key: None,
        })
    }

    /// Safe (安全) or compatible (兼容) mode: the console's 43-character
    /// EncodingAESKey. From then on only encrypted pushes are accepted.
    pub fn with_encoding_aes_key(mut self, encoding_aes_key: &str) -> Result<Self, PushError> {
        self.aes_key = Some(AesKey::parse(encoding_aes_key)?);
        Ok(self)
    }

    /// The app id pushes must be encrypted for.
    pub fn app_id(&self) -> &str {
        &self.app_id
    }

    /// The URL check (`GET`): verifies `signature` over the token, `timestamp` and
    /// `nonce` of the raw query string, and returns the `echostr` to answer with (HTTP
    /// 200, plain text, as received).
    pub fn verify_url(&self, query: &str) -> Result<String, PushError> {
        let mut query = Query::parse(query)?;
        self.verify_plain(&query)?;
        query.echostr.take().ok_or(PushError::Missing("echostr"))
    }

    /// A push (`POST`): the raw query string and the exact body bytes.
    pub fn receive(&self, query: &str, body: &[u8]) -> Result<Received, PushError> {
        if body.len() > MAX_BODY_BYTES {
            return Err(PushError::TooLarge {
                what: "body",
                len: body.len(),
                max: MAX_BODY_BYTES,
            });
        }
        let query = Query::parse(query)?;
        let (format, fields) = body::parse(body)?;
        let (format, fields, encrypted) = match fields.get("Encrypt") {
            // Compatible mode sends plain fields beside `Encrypt`; only the encrypted
            // copy is covered by a signature, so it is the one used.
            Some(encrypt) => {
                let Value::String(encrypt) = encrypt else {
                    return Err(PushError::Malformed("Encrypt is not text".into()));
                };
                let message = self.decrypt(&query, encrypt)?;
                let (format, fields) = body::parse(message.as_bytes())?;
                (format, fields, true)
            }
            None => {
                if self.aes_key.is_some() {
                    return Err(PushError::NotEncrypted);
                }
                self.verify_plain(&query)?;
                (format, fields, false)
            }
        };
        let (common, message) = event::decode(fields)?;
        Ok(Received {
            format,
            encrypted,
            common,
            message,
        })
    }

    /// A passive reply for safe mode: `message` (the reply in the push's format)
    /// encrypted for this app and signed, as `{Encrypt, MsgSignature, TimeStamp, Nonce}`
    /// in `format`. Most pushes need no reply: answer [`reply_success`] instead.
    pub fn encrypted_reply(&self, format: Format, message: &str) -> Result<String, PushError> {
        let timestamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let mut rng = rand::thread_rng();
        let nonce: String = (0..10)
            .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
            .collect();
        self.encrypted_reply_with(format, message, timestamp, &nonce, rng.gen())
    }

    fn encrypted_reply_with(
        &self,
        format: Format,
        message: &str,
        timestamp: u64,
        nonce: &str,
        random: [u8; 16],
    ) -> Result<String, PushError> {
        let key = self.aes_key.as_ref().ok_or(PushError::NoAesKey)?;
        let encrypt = cipher::seal(key, &self.app_id, message, random);
        let ts = timestamp.to_string();
        let msg_signature = signature::sign(&[self.token.expose(), &ts, nonce, &encrypt]);
        Ok(match format {
            Format::Json => serde_json::json!({
                "Encrypt": encrypt,
                "MsgSignature": msg_signature,
                "TimeStamp": timestamp,
                "Nonce": nonce,
            })
            .to_string(),
            // Base64, hex and digits cannot contain `]]>`; the nonce is ours.
            Format::Xml => format!(
                "<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt><MsgSignature><![CDATA[{msg_signature}]]></MsgSignature><TimeStamp>{timestamp}</TimeStamp><Nonce><![CDATA[{nonce}]]></Nonce></xml>"
            ),
        })
    }

    fn verify_plain(&self, query: &Query) -> Result<(), PushError> {
        let (given, timestamp, nonce) = query.signed("signature", &query.signature)?;
        signature::verify("signature", given, &[self.token.expose(), timestamp, nonce])
    }

    /// Verifies `msg_signature` over the ciphertext, then decrypts it and checks that
    /// it was encrypted for this app.
    fn decrypt(&self, query: &Query, encrypt: &str) -> Result<String, PushError> {
        let key = self.aes_key.as_ref().ok_or(PushError::NoAesKey)?;
        let (given, timestamp, nonce) = query.signed("msg_signature", &query.msg_signature)?;
        signature::verify(
            "msg_signature",
            given,
            &[self.token.expose(), timestamp, nonce, encrypt],
        )?;
        let opened = cipher::open(key, encrypt)?;
        if opened.receive_id != self.app_id {
            return Err(PushError::ForeignApp {
                expected: self.app_id.clone(),
                found: opened.receive_id.chars().take(64).collect(),
            });
        }
        Ok(opened.message)
    }
}

/// The body that acknowledges a push (HTTP 200, plain text). An empty body does too.
pub fn reply_success() -> &'static str {
    "success"
}

/// The query parameters the checks use, each at most once.
#[derive(Default)]
struct Query {
    signature: Option<String>,
    timestamp: Option<String>,
    nonce: Option<String>,
    echostr: Option<String>,
    msg_signature: Option<String>,
}

impl Query {
    /// A signature (`name`, its value `given`) with the timestamp and nonce it covers;
    /// each one missing is named.
    fn signed<'a>(
        &'a self,
        name: &'static str,
        given: &'a Option<String>,
    ) -> Result<(&'a str, &'a str, &'a str), PushError> {
        let given = given.as_deref().ok_or(PushError::Missing(name))?;
        let timestamp = self
            .timestamp
            .as_deref()
            .ok_or(PushError::Missing("timestamp"))?;
        let nonce = self.nonce.as_deref().ok_or(PushError::Missing("nonce"))?;
        Ok((given, timestamp, nonce))
    }

    fn parse(raw: &str) -> Result<Self, PushError> {
        let raw = raw.strip_prefix('?').unwrap_or(raw);
        if raw.len() > MAX_QUERY_BYTES {
            return Err(PushError::TooLarge {
                what: "query",
                len: raw.len(),
                max: MAX_QUERY_BYTES,
            });
        }
        let mut query = Query::default();
        for (name, value) in form_urlencoded::parse(raw.as_bytes()) {
            let slot = match name.as_ref() {
                "signature" => &mut query.signature,
                "timestamp" => &mut query.timestamp,
                "nonce" => &mut query.nonce,
                "echostr" => &mut query.echostr,
                "msg_signature" => &mut query.msg_signature,
                _ => continue,
            };
            // Two values would let the signed one and the used one differ.
            if slot.replace(value.into_owned()).is_some() {
                return Err(PushError::Malformed(format!("the query repeats {name}")));
            }
        }
        Ok(query)
    }
}

#[cfg(test)]
mod tests;
