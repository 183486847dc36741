//! POSTing a notification to a merchant's `notify_url` (WeChat Pay's and Alipay's), and
//! reading what the merchant answered.

use serde::Serialize;
use std::time::Duration;

/// A notification the simulator sent (WeChat Pay's or Alipay's), and what the merchant
/// answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Notified {
    /// Where it was POSTed.
    pub url: String,
    /// The notification's body as sent (signed; a WeChat Pay refund's details encrypted
    /// in `req_info`).
    pub sent: String,
    /// The headers sent besides `Content-Type` (WeChat Pay API v3's `Wechatpay-*`
    /// signature headers); empty for notifications signed in their body.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<(String, String)>,
    /// The HTTP status of the reply; `None` when there was none (connection refused,
    /// timeout).
    pub status: Option<u16>,
    /// The reply's body (at most 64 KiB of it), or why there was none.
    pub reply: String,
    /// Did the merchant acknowledge it as the provider requires (a 2xx reply: WeChat
    /// Pay's `<xml>` with `return_code` `SUCCESS`, Alipay's `success`)? The provider
    /// would send it again otherwise.
    pub acknowledged: bool,
}

/// POSTs a notification and reports the merchant's reply; `acknowledges` reads a 2xx
/// reply's body as the provider would.
#[cfg_attr(not(any(feature = "wechatpay", feature = "alipay")), allow(dead_code))]
pub(super) async fn deliver(
    url: String,
    content_type: &'static str,
    sent: String,
    acknowledges: fn(&str) -> bool,
) -> Notified {
    deliver_with(url, content_type, Vec::new(), sent, acknowledges).await
}

/// [`deliver`] with headers besides the content type (a signature in headers).
pub(super) async fn deliver_with(
    url: String,
    content_type: &'static str,
    headers: Vec<(String, String)>,
    sent: String,
    acknowledges: fn(&str) -> bool,
) -> Notified {
    match post(&url, content_type, &headers, &sent).await {
        Ok((status, reply)) => Notified {
            acknowledged: (200..300).contains(&status) && acknowledges(&reply),
            url,
            sent,
            headers,
            status: Some(status),
            reply,
        },
        Err(reason) => Notified {
            url,
            sent,
            headers,
            status: None,
            reply: reason,
            acknowledged: false,
        },
    }
}

/// How long the merchant has to answer a notification.
const TIMEOUT: Duration = Duration::from_secs(5);
/// How much of the merchant's reply is kept.
const REPLY_LIMIT: usize = 64 * 1024;

/// POSTs `body` as `content_type` and returns the reply's status and (at most 64 KiB
/// of) its body; `Err` says why there was none. Sent directly (no proxy): notify URLs of
/// tests are loopback addresses.
async fn post(
    url: &str,
    content_type: &'static str,
    headers: &[(String, String)],
    body: &str,
) -> Result<(u16, String), String> {
    let http = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .no_proxy()
        .build()
        .map_err(|e| format!("no HTTP client: {e}"))?;
    let mut request = http
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, content_type);
    for (name, value) in headers {
        request = request.header(name.as_str(), value.as_str());
    }
    let mut response = request
        .body(body.to_owned())
        .send()
        .await
        .map_err(|e| format!("not delivered: {e}"))?;
    let status = response.status().as_u16();
    let mut reply = Vec::new();
    while reply.len() < REPLY_LIMIT {
        let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| format!("reply unreadable: {e}"))?
        else {
            break;
        };
        let room = REPLY_LIMIT - reply.len();
        reply.extend_from_slice(&chunk[..chunk.len().min(room)]);
    }
    Ok((status, String::from_utf8_lossy(&reply).into_owned()))
}
