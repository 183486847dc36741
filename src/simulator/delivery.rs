//! POSTing a notification to a merchant's `notify_url` (WeChat Pay's and Alipay's), and
//! reading what the merchant answered.

use std::time::Duration;

/// How long the merchant has to answer a notification.
const TIMEOUT: Duration = Duration::from_secs(5);
/// How much of the merchant's reply is kept.
const REPLY_LIMIT: usize = 64 * 1024;

/// POSTs `body` as `content_type` and returns the reply's status and (at most 64 KiB
/// of) its body; `Err` says why there was none. Sent directly (no proxy): notify URLs of
/// tests are loopback addresses.
pub(super) async fn post(
    url: &str,
    content_type: &'static str,
    body: &str,
) -> Result<(u16, String), String> {
    let http = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .no_proxy()
        .build()
        .map_err(|e| format!("no HTTP client: {e}"))?;
    let mut response = http
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, content_type)
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
