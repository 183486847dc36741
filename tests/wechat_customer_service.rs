//! Wire tests of the WeChat `customerServiceMessage` group against a real HTTP server on
//! 127.0.0.1: the exact JSON of each message type, every documented errcode, no retry
//! of the non-idempotent send, the multipart upload (parsed here part by part), and the
//! binary-or-JSON-error download.
#![cfg(feature = "wechat")]

use miniapp::runtime::{Error, FileUpload, RetryPolicy};
use miniapp::wechat::customer_service_message::*;
use miniapp::wechat::{Client, ENDPOINTS};
use serde_json::json;
use std::time::Duration;
use wiremock::matchers::{body_json, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

fn json_response(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.as_bytes().to_vec(), "application/json")
}

fn client(server: &MockServer) -> Client {
    Client::builder("wx-app", "s3cret")
        .base_url(server.uri())
        .retry_policy(RetryPolicy {
            max_retries: 2,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
            max_elapsed: Duration::from_secs(2),
        })
        .build()
}

async fn token_endpoint(server: &MockServer, token: &str) {
    Mock::given(method("GET"))
        .and(path("/cgi-bin/token"))
        .and(query_param("grant_type", "client_credential"))
        .and(query_param("appid", "wx-app"))
        .and(query_param("secret", "s3cret"))
        .respond_with(json_response(&format!(
            r#"{{"access_token":"{token}","expires_in":7200}}"#
        )))
        .mount(server)
        .await;
}

fn example(name: &str) -> &'static str {
    ENDPOINTS
        .iter()
        .find(|e| e.name == name)
        .and_then(|e| e.example)
        .unwrap_or_else(|| panic!("the schema has no example for {name}"))
}

async fn requests_to(server: &MockServer, p: &str) -> Vec<Request> {
    let reqs = server.received_requests().await.unwrap();
    reqs.into_iter().filter(|r| r.url.path() == p).collect()
}

fn query(r: &Request) -> Vec<(String, String)> {
    r.url.query_pairs().into_owned().collect()
}

fn pair(k: &str, v: &str) -> (String, String) {
    (k.to_owned(), v.to_owned())
}

const SEND: &str = "/cgi-bin/message/custom/send";
const TYPING: &str = "/cgi-bin/message/custom/business/typing";
const UPLOAD: &str = "/cgi-bin/media/upload";
const MEDIA_GET: &str = "/cgi-bin/media/get";

// ---------------------------------------------------------------- send

/// Each message type produces exactly the documented JSON: `touser`, the `msgtype`
/// chosen by the variant, and the matching object — nothing else.
///
/// A request whose `msgtype` disagrees with its payload (say `msgtype: "image"` with a
/// `text` object) cannot be built at all: `SendMessage` is an enum whose variant *is*
/// the msgtype and carries only its own payload, so that mistake is a compile-time
/// error, not something a runtime test could exercise.
#[tokio::test]
async fn send_writes_the_exact_json_of_each_message_type() {
    let cases = [
        (
            SendMessage::text(TextMessage::new("你好, world")),
            json!({"touser": "OPENID", "msgtype": "text", "text": {"content": "你好, world"}}),
        ),
        (
            SendMessage::image(ImageMessage::new("MEDIA_ID")),
            json!({"touser": "OPENID", "msgtype": "image", "image": {"media_id": "MEDIA_ID"}}),
        ),
        (
            SendMessage::link(LinkMessage::new(
                "Happy Day",
                "Is Really A Happy Day",
                "https://example.com/a?b=1&c=2",
                "https://example.com/thumb.jpg",
            )),
            json!({"touser": "OPENID", "msgtype": "link", "link": {
                "title": "Happy Day",
                "description": "Is Really A Happy Day",
                "url": "https://example.com/a?b=1&c=2",
                "thumb_url": "https://example.com/thumb.jpg",
            }}),
        ),
        (
            SendMessage::mini_program_page(MiniProgramPageMessage::new(
                "title",
                "pages/index/index?foo=bar",
                "THUMB_MEDIA_ID",
            )),
            json!({"touser": "OPENID", "msgtype": "miniprogrampage", "miniprogrampage": {
                "title": "title",
                "pagepath": "pages/index/index?foo=bar",
                "thumb_media_id": "THUMB_MEDIA_ID",
            }}),
        ),
    ];
    let server = MockServer::start().await;
    token_endpoint(&server, "TOKEN").await;
    for (_, expected) in &cases {
        Mock::given(method("POST"))
            .and(path(SEND))
            .and(query_param("access_token", "TOKEN"))
            .and(body_json(expected))
            .respond_with(json_response(example("customerServiceMessage.send")))
            .expect(1)
            .mount(&server)
            .await;
    }
    let c = client(&server);
    for (message, _) in cases.clone() {
        c.customer_service_message()
            .send(SendRequest::new("OPENID", message))
            .await
            .unwrap();
    }
    let sent = requests_to(&server, SEND).await;
    assert_eq!(sent.len(), 4);
    for (r, (_, expected)) in sent.iter().zip(&cases) {
        assert_eq!(query(r), [pair("access_token", "TOKEN")]);
        let ct = r.headers.get("content-type").unwrap().to_str().unwrap();
        assert!(ct.starts_with("application/json"), "{ct}");
        assert_eq!(&r.body_json::<serde_json::Value>().unwrap(), expected);
    }
}

#[tokio::test]
async fn send_decodes_both_spellings_of_success() {
    let server = MockServer::start().await;
    token_endpoint(&server, "T").await;
    Mock::given(path(SEND))
        .respond_with(json_response(r#"{"errcode":0,"errmsg":"ok"}"#))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path(SEND))
        .respond_with(json_response(
            r#"{"errCode":0,"errMsg":"openapi.customerServiceMessage.send:ok"}"#,
        ))
        .mount(&server)
        .await;
    let c = client(&server);
    let msg = || SendRequest::new("o", SendMessage::text(TextMessage::new("hi")));
    c.customer_service_message().send(msg()).await.unwrap();
    c.customer_service_message().send(msg()).await.unwrap();
}

/// Every documented errcode, through a per-call token (so no refresh happens): exactly
/// one request each, whatever the code.
#[tokio::test]
async fn send_maps_every_documented_errcode_with_one_request_each() {
    type IsVariant = fn(&SendError) -> bool;
    let cases: [(i64, IsVariant); 11] = [
        (-1, |e| matches!(e, SendError::SystemBusy { .. })),
        (40001, |e| matches!(e, SendError::AccessTokenInvalid { .. })),
        (40002, |e| {
            matches!(e, SendError::InvalidCredentialType { .. })
        }),
        (40003, |e| matches!(e, SendError::InvalidOpenid { .. })),
        (40014, |e| matches!(e, SendError::AccessTokenIllegal { .. })),
        (41001, |e| matches!(e, SendError::AccessTokenMissing { .. })),
        (42001, |e| matches!(e, SendError::AccessTokenExpired { .. })),
        (45009, |e| matches!(e, SendError::DailyQuotaReached { .. })),
        (45015, |e| {
            matches!(e, SendError::ReplyTimeLimitExceeded { .. })
        }),
        (45047, |e| {
            matches!(e, SendError::OutboundLimitExceeded { .. })
        }),
        (48001, |e| matches!(e, SendError::ApiUnauthorized { .. })),
    ];
    for (code, is_variant) in cases {
        let server = MockServer::start().await;
        Mock::given(path(SEND))
            .respond_with(json_response(&format!(
                r#"{{"errcode":{code},"errmsg":"msg {code}"}}"#
            )))
            .mount(&server)
            .await;
        let err = client(&server)
            .customer_service_message()
            .send(SendRequest::new(
                "o",
                SendMessage::text(TextMessage::new("hi")),
            ))
            .access_token("FIXED")
            .await
            .unwrap_err();
        let api = err
            .api()
            .unwrap_or_else(|| panic!("{code}: expected an API error, got {err:?}"));
        assert!(is_variant(api), "{code} mapped to {api:?}");
        assert_eq!(api.code(), code);
        assert_eq!(api.message(), format!("msg {code}"));
        assert!(err.to_string().contains(api.description()), "{err}");
        let reqs = server.received_requests().await.unwrap();
        assert_eq!(
            reqs.len(),
            1,
            "{code}: one request, no token fetch, no retry"
        );
        assert_eq!(query(&reqs[0]), [pair("access_token", "FIXED")]);
    }
    let server = MockServer::start().await;
    Mock::given(path(SEND))
        .respond_with(json_response(
            r#"{"errCode":45102,"errMsg":"this api is limited"}"#,
        ))
        .mount(&server)
        .await;
    let err = client(&server)
        .customer_service_message()
        .send(SendRequest::new(
            "o",
            SendMessage::image(ImageMessage::new("m")),
        ))
        .access_token("FIXED")
        .await
        .unwrap_err();
    assert_eq!(
        err.api(),
        Some(&SendError::Other {
            code: 45102,
            message: "this api is limited".into()
        })
    );
}

/// "System busy" on send is returned, never retried: the message may have gone out,
/// and a retry could deliver it twice.
#[tokio::test]
async fn send_is_not_retried_on_busy() {
    let server = MockServer::start().await;
    token_endpoint(&server, "T").await;
    Mock::given(path(SEND))
        .respond_with(json_response(r#"{"errcode":-1,"errmsg":"system error"}"#))
        .mount(&server)
        .await;
    let err = client(&server)
        .customer_service_message()
        .send(SendRequest::new(
            "o",
            SendMessage::text(TextMessage::new("once")),
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(err.api(), Some(SendError::SystemBusy { .. })),
        "{err:?}"
    );
    assert_eq!(requests_to(&server, SEND).await.len(), 1);
}

/// A rejected token means the message was not accepted: one refresh, one resend.
#[tokio::test]
async fn send_refreshes_a_rejected_token_once() {
    let server = MockServer::start().await;
    Mock::given(path("/cgi-bin/token"))
        .respond_with(json_response(r#"{"access_token":"OLD","expires_in":7200}"#))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/cgi-bin/token"))
        .respond_with(json_response(r#"{"access_token":"NEW","expires_in":7200}"#))
        .mount(&server)
        .await;
    Mock::given(path(SEND))
        .and(query_param("access_token", "OLD"))
        .respond_with(json_response(
            r#"{"errcode":42001,"errmsg":"access_token expired"}"#,
        ))
        .mount(&server)
        .await;
    Mock::given(path(SEND))
        .and(query_param("access_token", "NEW"))
        .respond_with(json_response(r#"{"errcode":0,"errmsg":"ok"}"#))
        .mount(&server)
        .await;
    client(&server)
        .customer_service_message()
        .send(SendRequest::new(
            "o",
            SendMessage::text(TextMessage::new("hi")),
        ))
        .await
        .unwrap();
    assert_eq!(requests_to(&server, SEND).await.len(), 2);
    assert_eq!(requests_to(&server, "/cgi-bin/token").await.len(), 2);
}

// ---------------------------------------------------------------- setTyping

#[tokio::test]
async fn set_typing_sends_the_command_wire_values() {
    let server = MockServer::start().await;
    token_endpoint(&server, "TOKEN").await;
    for command in ["Typing", "CancelTyping"] {
        Mock::given(method("POST"))
            .and(path(TYPING))
            .and(query_param("access_token", "TOKEN"))
            .and(body_json(json!({"touser": "OPENID", "command": command})))
            .respond_with(json_response(example("customerServiceMessage.setTyping")))
            .expect(1)
            .mount(&server)
            .await;
    }
    let c = client(&server);
    for command in [TypingCommand::Typing, TypingCommand::CancelTyping] {
        c.customer_service_message()
            .set_typing(SetTypingRequest::new("OPENID", command))
            .await
            .unwrap();
    }
    for r in requests_to(&server, TYPING).await {
        assert_eq!(query(&r), [pair("access_token", "TOKEN")]);
    }
    // The wire values are case-sensitive; anything else is refused when parsed.
    assert_eq!(
        "CancelTyping".parse::<TypingCommand>().unwrap(),
        TypingCommand::CancelTyping
    );
    let err = "typing".parse::<TypingCommand>().unwrap_err();
    assert_eq!(
        (err.type_name, err.value.as_str()),
        ("TypingCommand", "typing")
    );
}

#[tokio::test]
async fn set_typing_maps_its_errcodes() {
    type IsVariant = fn(&SetTypingError) -> bool;
    let cases: [(i64, IsVariant); 4] = [
        (45072, |e| {
            matches!(e, SetTypingError::InvalidCommand { .. })
        }),
        (45080, |e| {
            matches!(e, SetTypingError::NoRecentInteraction { .. })
        }),
        (45081, |e| matches!(e, SetTypingError::AlreadyTyping { .. })),
        (45009, |e| {
            matches!(e, SetTypingError::DailyQuotaReached { .. })
        }),
    ];
    for (code, is_variant) in cases {
        let server = MockServer::start().await;
        token_endpoint(&server, "T").await;
        Mock::given(path(TYPING))
            .respond_with(json_response(&format!(
                r#"{{"errcode":{code},"errmsg":"m"}}"#
            )))
            .mount(&server)
            .await;
        let err = client(&server)
            .customer_service_message()
            .set_typing(SetTypingRequest::new("o", TypingCommand::Typing))
            .await
            .unwrap_err();
        let api = err.api().unwrap();
        assert!(is_variant(api), "{code}: {api:?}");
        assert!(err.to_string().contains(api.description()), "{err}");
        assert_eq!(requests_to(&server, TYPING).await.len(), 1);
    }
}

// ---------------------------------------------------------------- uploadTempMedia

/// One part of a multipart/form-data body.
#[derive(Debug)]
struct Part {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Part {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    /// A parameter of Content-Disposition, e.g. `name` or `filename`.
    fn disposition(&self, param: &str) -> Option<String> {
        let cd = self.header("content-disposition")?;
        cd.split(';').map(str::trim).find_map(|p| {
            let (k, v) = p.split_once('=')?;
            (k == param).then(|| v.trim_matches('"').to_owned())
        })
    }
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

/// Splits a multipart/form-data request body into its parts (RFC 7578), checking the
/// framing on the way: every delimiter on its own line, the close delimiter last.
fn multipart_parts(r: &Request) -> Vec<Part> {
    let ct = r
        .headers
        .get("content-type")
        .expect("a Content-Type")
        .to_str()
        .unwrap();
    assert!(ct.starts_with("multipart/form-data;"), "{ct}");
    let boundary = ct
        .split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("boundary="))
        .expect("a boundary")
        .trim_matches('"');
    let delimiter = format!("--{boundary}");
    let body = &r.body;
    assert!(
        body.starts_with(delimiter.as_bytes()),
        "body starts with the first delimiter"
    );
    let mut parts = Vec::new();
    let mut at = delimiter.len();
    loop {
        let rest = &body[at..];
        if rest.starts_with(b"--") {
            assert!(
                rest == b"--" || rest == b"--\r\n",
                "nothing after the close delimiter"
            );
            return parts;
        }
        assert!(rest.starts_with(b"\r\n"), "delimiter ends its line");
        let start = at + 2;
        let next = find(body, format!("\r\n{delimiter}").as_bytes(), start)
            .expect("a following delimiter");
        let part = &body[start..next];
        let split = find(part, b"\r\n\r\n", 0).expect("a blank line after the part headers");
        let headers = std::str::from_utf8(&part[..split])
            .unwrap()
            .split("\r\n")
            .map(|line| {
                let (n, v) = line.split_once(':').expect("Name: value");
                (n.trim().to_owned(), v.trim().to_owned())
            })
            .collect();
        parts.push(Part {
            headers,
            body: part[split + 4..].to_vec(),
        });
        at = next + 2 + delimiter.len();
    }
}

/// A small PNG-like payload with bytes that break naive text handling: NUL, CR LF,
/// dashes and high bytes.
fn png_bytes() -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    b.extend_from_slice(b"\r\n--not-a-boundary\r\n\r\n");
    b.extend((0u8..=255).rev());
    b
}

#[tokio::test]
async fn upload_temp_media_sends_one_media_part_with_name_type_and_bytes() {
    let server = MockServer::start().await;
    token_endpoint(&server, "TOKEN").await;
    Mock::given(method("POST"))
        .and(path(UPLOAD))
        .and(query_param("access_token", "TOKEN"))
        .and(query_param("type", "image"))
        .respond_with(json_response(example(
            "customerServiceMessage.uploadTempMedia",
        )))
        .expect(1)
        .mount(&server)
        .await;
    let bytes = png_bytes();
    let r = client(&server)
        .customer_service_message()
        .upload_temp_media(UploadTempMediaRequest::new(
            MediaType::Image,
            FileUpload::new("头像 photo.png", "image/png", bytes.clone()),
        ))
        .await
        .unwrap();
    assert_eq!(r.type_, MediaType::Image);
    assert_eq!(
        r.media_id,
        "0fCx3Nh6sD0y7c4aXfJ1YdNL2bW0MSFzkLhQ2yrWh2Ymk1E5Mo3uTZl8OlP_V-Nc"
    );
    assert_eq!(r.created_at, 1577836800);

    let sent = requests_to(&server, UPLOAD).await;
    let mut q = query(&sent[0]);
    q.sort();
    assert_eq!(q, [pair("access_token", "TOKEN"), pair("type", "image")]);
    let parts = multipart_parts(&sent[0]);
    assert_eq!(parts.len(), 1, "{parts:?}");
    let media = &parts[0];
    assert_eq!(media.disposition("name").as_deref(), Some("media"));
    assert!(media
        .header("content-disposition")
        .unwrap()
        .starts_with("form-data;"));
    let filename = media.disposition("filename").expect("a filename");
    assert!(filename.ends_with("photo.png"), "{filename}");
    assert_eq!(media.header("content-type"), Some("image/png"));
    assert_eq!(media.body, bytes, "the exact bytes");
}

#[tokio::test]
async fn upload_temp_media_keeps_the_given_mime_type_and_decodes_camel_case() {
    let server = MockServer::start().await;
    token_endpoint(&server, "T").await;
    Mock::given(path(UPLOAD))
        .respond_with(json_response(
            r#"{"errCode":0,"errMsg":"ok","type":"image","mediaId":"MID","createdAt":1600000000}"#,
        ))
        .mount(&server)
        .await;
    let bytes = vec![
        0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0xFF, 0xD9,
    ];
    let r = client(&server)
        .customer_service_message()
        .upload_temp_media(UploadTempMediaRequest::new(
            MediaType::Image,
            FileUpload::new("a.jpg", "image/jpeg", bytes.clone()),
        ))
        .await
        .unwrap();
    assert_eq!(
        (r.type_, r.media_id.as_str(), r.created_at),
        (MediaType::Image, "MID", 1600000000)
    );
    let sent = requests_to(&server, UPLOAD).await;
    let parts = multipart_parts(&sent[0]);
    assert_eq!(parts.len(), 1);
    assert_eq!(parts[0].disposition("filename").as_deref(), Some("a.jpg"));
    assert_eq!(parts[0].header("content-type"), Some("image/jpeg"));
    assert_eq!(parts[0].body, bytes);
}

#[tokio::test]
async fn upload_temp_media_maps_40004_and_is_not_retried_on_busy() {
    let server = MockServer::start().await;
    token_endpoint(&server, "T").await;
    Mock::given(path(UPLOAD))
        .respond_with(json_response(
            r#"{"errcode":40004,"errmsg":"invalid media type"}"#,
        ))
        .mount(&server)
        .await;
    let upload = || {
        UploadTempMediaRequest::new(
            MediaType::Image,
            FileUpload::new("a.gif", "image/gif", &b"GIF89a"[..]),
        )
    };
    let err = client(&server)
        .customer_service_message()
        .upload_temp_media(upload())
        .await
        .unwrap_err();
    assert_eq!(
        err.api(),
        Some(&UploadTempMediaError::InvalidMediaType {
            message: "invalid media type".into()
        })
    );
    assert_eq!(err.api().unwrap().description(), "无效媒体文件类型");

    let server = MockServer::start().await;
    token_endpoint(&server, "T").await;
    Mock::given(path(UPLOAD))
        .respond_with(json_response(r#"{"errcode":-1,"errmsg":"system error"}"#))
        .mount(&server)
        .await;
    let err = client(&server)
        .customer_service_message()
        .upload_temp_media(upload())
        .await
        .unwrap_err();
    assert!(matches!(
        err.api(),
        Some(UploadTempMediaError::SystemBusy { .. })
    ));
    assert_eq!(
        requests_to(&server, UPLOAD).await.len(),
        1,
        "an upload is not idempotent"
    );
}

// ---------------------------------------------------------------- getTempMedia

#[tokio::test]
async fn get_temp_media_returns_the_image_bytes_and_content_type() {
    let server = MockServer::start().await;
    token_endpoint(&server, "TOKEN").await;
    // A JPEG whose bytes include `{` and a JSON-looking fragment after the start.
    let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0];
    jpeg.extend_from_slice(br#"{"errcode":40007}"#);
    jpeg.extend((0u8..=255).collect::<Vec<_>>());
    jpeg.extend_from_slice(&[0xFF, 0xD9]);
    Mock::given(method("GET"))
        .and(path(MEDIA_GET))
        .and(query_param("access_token", "TOKEN"))
        .and(query_param("media_id", "MEDIA_ID"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(jpeg.clone(), "image/jpeg"))
        .expect(1)
        .mount(&server)
        .await;
    let media = client(&server)
        .customer_service_message()
        .get_temp_media(GetTempMediaRequest::new("MEDIA_ID"))
        .await
        .unwrap();
    assert_eq!(media.content_type, "image/jpeg");
    assert_eq!(&media.bytes[..], &jpeg[..]);
    let sent = requests_to(&server, MEDIA_GET).await;
    let mut q = query(&sent[0]);
    q.sort();
    assert_eq!(
        q,
        [pair("access_token", "TOKEN"), pair("media_id", "MEDIA_ID")]
    );
    assert!(sent[0].body.is_empty(), "a GET without a body");
}

/// A JSON error body is the error, whether it is labelled JSON or plain text.
#[tokio::test]
async fn get_temp_media_json_error_maps_whatever_its_content_type() {
    for content_type in [
        "application/json",
        "application/json; encoding=utf-8",
        "text/plain",
    ] {
        let server = MockServer::start().await;
        token_endpoint(&server, "T").await;
        Mock::given(path(MEDIA_GET))
            .respond_with(ResponseTemplate::new(200).set_body_raw(
                &br#"{"errcode":40007,"errmsg":"invalid media_id hint: [x]"}"#[..],
                content_type,
            ))
            .mount(&server)
            .await;
        let err = client(&server)
            .customer_service_message()
            .get_temp_media(GetTempMediaRequest::new("BAD"))
            .await
            .unwrap_err();
        assert_eq!(
            err.api(),
            Some(&GetTempMediaError::InvalidMediaId {
                message: "invalid media_id hint: [x]".into()
            }),
            "{content_type}: {err:?}"
        );
        assert_eq!(err.endpoint(), "customerServiceMessage.getTempMedia");
    }
}

#[tokio::test]
async fn get_temp_media_busy_is_retried_and_status_errors_are_kept() {
    // The download is idempotent: "busy" is retried, then the image arrives.
    let server = MockServer::start().await;
    token_endpoint(&server, "T").await;
    Mock::given(path(MEDIA_GET))
        .respond_with(json_response(r#"{"errcode":-1,"errmsg":"system error"}"#))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path(MEDIA_GET))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(&b"\xFF\xD8\xFF\xD9"[..], "image/jpeg"),
        )
        .mount(&server)
        .await;
    let media = client(&server)
        .customer_service_message()
        .get_temp_media(GetTempMediaRequest::new("M"))
        .await
        .unwrap();
    assert_eq!(&media.bytes[..], b"\xFF\xD8\xFF\xD9");
    assert_eq!(requests_to(&server, MEDIA_GET).await.len(), 2);

    // A gateway error page is an HTTP status error, not an image.
    let server = MockServer::start().await;
    token_endpoint(&server, "T").await;
    Mock::given(path(MEDIA_GET))
        .respond_with(
            ResponseTemplate::new(502).set_body_raw(&b"<html>bad gateway</html>"[..], "text/html"),
        )
        .mount(&server)
        .await;
    let err = client(&server)
        .customer_service_message()
        .get_temp_media(GetTempMediaRequest::new("M"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Status { status: 502, .. }), "{err:?}");
}
