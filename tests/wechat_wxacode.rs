//! Wire tests of the WeChat `wxacode` group against a real HTTP server on 127.0.0.1:
//! the exact JSON bodies (defaults left to the server unless set), the PNG coming back
//! as `Media`, JSON errors mapped whatever their content type, and the documented
//! constraints checked before anything is sent.
#![cfg(feature = "wechat")]

use miniapp::runtime::{Error, RetryPolicy};
use miniapp::wechat::wxacode::*;
use miniapp::wechat::Client;
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

const CREATE: &str = "/cgi-bin/wxaapp/createwxaqrcode";
const GET: &str = "/wxa/getwxacode";
const UNLIMITED: &str = "/wxa/getwxacodeunlimit";

/// The start of a real PNG (signature + IHDR chunk) followed by bytes of every value.
fn png() -> Vec<u8> {
    let mut b = vec![
        0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, b'I', b'H', b'D', b'R',
    ];
    b.extend(0u8..=255);
    b.extend_from_slice(b"IEND\xAEB`\x82");
    b
}

fn png_response() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(png(), "image/png")
}

async fn requests_to(server: &MockServer, p: &str) -> Vec<Request> {
    let reqs = server.received_requests().await.unwrap();
    reqs.into_iter().filter(|r| r.url.path() == p).collect()
}

fn sent_body(r: &Request) -> serde_json::Value {
    r.body_json().unwrap()
}

/// A PNG-answering server for all three endpoints, whatever the body.
async fn png_server() -> MockServer {
    let server = MockServer::start().await;
    token_endpoint(&server, "T").await;
    for p in [CREATE, GET, UNLIMITED] {
        Mock::given(method("POST"))
            .and(path(p))
            .respond_with(png_response())
            .mount(&server)
            .await;
    }
    server
}

fn assert_invalid<E: std::error::Error>(err: Error<E>, field: &str, rule_part: &str) {
    match &err {
        Error::Invalid { source, .. } => {
            assert_eq!(source.field, field, "{err}");
            assert!(source.rule.contains(rule_part), "{err}");
        }
        other => panic!("expected Error::Invalid for `{field}`, got {other:?}"),
    }
    let text = err.to_string();
    assert!(
        text.contains(&format!("`{field}`")) && text.contains(rule_part),
        "{text}"
    );
}

// ---------------------------------------------------------------- request bodies

#[tokio::test]
async fn create_qr_code_sends_path_and_width_only_when_set() {
    let server = MockServer::start().await;
    token_endpoint(&server, "TOKEN").await;
    for body in [
        json!({"path": "page/index/index"}),
        json!({"path": "page/index/index?id=1", "width": 430}),
    ] {
        Mock::given(method("POST"))
            .and(path(CREATE))
            .and(query_param("access_token", "TOKEN"))
            .and(body_json(body))
            .respond_with(png_response())
            .expect(1)
            .mount(&server)
            .await;
    }
    let c = client(&server);
    let plain = c
        .wxacode()
        .create_qr_code(CreateQrCodeRequest::new("page/index/index"))
        .await
        .unwrap();
    let sized = c
        .wxacode()
        .create_qr_code(CreateQrCodeRequest::new("page/index/index?id=1").width(430))
        .await
        .unwrap();
    for media in [plain, sized] {
        assert_eq!(media.content_type, "image/png");
        assert_eq!(&media.bytes[..], &png()[..], "the exact bytes");
    }
    for r in requests_to(&server, CREATE).await {
        let q: Vec<(String, String)> = r.url.query_pairs().into_owned().collect();
        assert_eq!(q, [("access_token".to_owned(), "TOKEN".to_owned())]);
        let ct = r.headers.get("content-type").unwrap().to_str().unwrap();
        assert!(ct.starts_with("application/json"), "{ct}");
    }
}

#[tokio::test]
async fn get_sends_defaults_only_when_set_and_line_color_as_rgb() {
    let server = png_server().await;
    let c = client(&server);
    c.wxacode().get(GetRequest::new("pages/a")).await.unwrap();
    c.wxacode()
        .get(
            GetRequest::new("pages/b?x=1")
                .width(1280)
                .auto_color(false)
                .line_color(RgbColor::new(0, 128, 255))
                .is_hyaline(true),
        )
        .await
        .unwrap();
    c.wxacode()
        .get(GetRequest::new("pages/c").auto_color(true))
        .await
        .unwrap();
    let bodies: Vec<serde_json::Value> = requests_to(&server, GET)
        .await
        .iter()
        .map(sent_body)
        .collect();
    assert_eq!(
        bodies,
        [
            json!({"path": "pages/a"}),
            json!({
                "path": "pages/b?x=1",
                "width": 1280,
                "auto_color": false,
                "line_color": {"r": 0, "g": 128, "b": 255},
                "is_hyaline": true,
            }),
            json!({"path": "pages/c", "auto_color": true}),
        ]
    );
}

#[tokio::test]
async fn get_unlimited_sends_scene_and_only_the_options_set() {
    let server = png_server().await;
    let c = client(&server);
    let media = c
        .wxacode()
        .get_unlimited(GetUnlimitedRequest::new("a=1&b=2"))
        .await
        .unwrap();
    assert_eq!(media.content_type, "image/png");
    assert_eq!(&media.bytes[..], &png()[..]);
    c.wxacode()
        .get_unlimited(
            GetUnlimitedRequest::new("id=42")
                .page("pages/index/index")
                .width(280)
                .auto_color(false)
                .line_color(RgbColor::new(255, 0, 7))
                .is_hyaline(false)
                .check_path(false)
                .env_version(EnvVersion::Trial),
        )
        .await
        .unwrap();
    let bodies: Vec<serde_json::Value> = requests_to(&server, UNLIMITED)
        .await
        .iter()
        .map(sent_body)
        .collect();
    assert_eq!(
        bodies,
        [
            json!({"scene": "a=1&b=2"}),
            json!({
                "scene": "id=42",
                "page": "pages/index/index",
                "width": 280,
                "auto_color": false,
                "line_color": {"r": 255, "g": 0, "b": 7},
                "is_hyaline": false,
                "check_path": false,
                "env_version": "trial",
            }),
        ]
    );
    let versions: Vec<&str> = EnvVersion::ALL.iter().map(|v| v.as_str()).collect();
    assert_eq!(versions, ["release", "trial", "develop"]);
}

// ---------------------------------------------------------------- responses

#[tokio::test]
async fn other_image_types_keep_their_content_type() {
    let server = MockServer::start().await;
    token_endpoint(&server, "T").await;
    Mock::given(path(GET))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(&b"\xFF\xD8\xFF\xE0jpeg\xFF\xD9"[..], "image/jpeg"),
        )
        .mount(&server)
        .await;
    let media = client(&server)
        .wxacode()
        .get(GetRequest::new("p"))
        .await
        .unwrap();
    assert_eq!(media.content_type, "image/jpeg");
    assert_eq!(&media.bytes[..], b"\xFF\xD8\xFF\xE0jpeg\xFF\xD9");
}

/// A JSON error is the error whether it is labelled JSON (WeChat sends
/// `application/json; encoding=utf-8`) or not.
#[tokio::test]
async fn json_errors_are_mapped_whatever_their_content_type() {
    for content_type in [
        "application/json",
        "application/json; encoding=utf-8",
        "text/plain",
        "image/jpeg",
    ] {
        let server = MockServer::start().await;
        token_endpoint(&server, "T").await;
        let body = |code: i64, msg: &str| {
            ResponseTemplate::new(200).set_body_raw(
                format!(r#"{{"errcode":{code},"errmsg":"{msg}"}}"#).into_bytes(),
                content_type,
            )
        };
        Mock::given(path(CREATE))
            .respond_with(body(45009, "reach max api daily quota limit"))
            .mount(&server)
            .await;
        Mock::given(path(GET))
            .respond_with(body(41030, "invalid page rid: 1"))
            .mount(&server)
            .await;
        Mock::given(path(UNLIMITED))
            .respond_with(body(40014, "invalid access_token"))
            .mount(&server)
            .await;
        let c = client(&server);

        let err = c
            .wxacode()
            .create_qr_code(CreateQrCodeRequest::new("p"))
            .await
            .unwrap_err();
        assert_eq!(
            err.api(),
            Some(&CreateQrCodeError::DailyQuotaReached {
                message: "reach max api daily quota limit".into()
            }),
            "{content_type}"
        );
        let err = c.wxacode().get(GetRequest::new("p")).await.unwrap_err();
        assert_eq!(
            err.api(),
            Some(&GetError::Other {
                code: 41030,
                message: "invalid page rid: 1".into()
            }),
            "{content_type}"
        );
        let err = c
            .wxacode()
            .get_unlimited(GetUnlimitedRequest::new("s"))
            .await
            .unwrap_err();
        assert!(
            matches!(
                err.api(),
                Some(GetUnlimitedError::AccessTokenIllegal { .. })
            ),
            "{content_type}: {err:?}"
        );
        assert_eq!(err.endpoint(), "wxacode.getUnlimited");
        // Quota: never retried. Token rejected: one refresh, one retry.
        assert_eq!(requests_to(&server, CREATE).await.len(), 1);
        assert_eq!(requests_to(&server, GET).await.len(), 1);
        assert_eq!(requests_to(&server, UNLIMITED).await.len(), 2);
    }
}

#[tokio::test]
async fn busy_is_retried_then_the_image_is_returned() {
    let server = MockServer::start().await;
    token_endpoint(&server, "T").await;
    Mock::given(path(UNLIMITED))
        .respond_with(json_response(r#"{"errcode":-1,"errmsg":"system error"}"#))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(path(UNLIMITED))
        .respond_with(png_response())
        .mount(&server)
        .await;
    let media = client(&server)
        .wxacode()
        .get_unlimited(GetUnlimitedRequest::new("s"))
        .await
        .unwrap();
    assert_eq!(&media.bytes[..], &png()[..]);
    let sent = requests_to(&server, UNLIMITED).await;
    assert_eq!(sent.len(), 3);
    assert!(sent.iter().all(|r| sent_body(r) == json!({"scene": "s"})));
}

// ---------------------------------------------------------------- constraints

#[tokio::test]
async fn width_must_be_280_to_1280() {
    let server = png_server().await;
    let c = client(&server);
    let w = c.wxacode();
    for bad in [279, 1281, 0] {
        let err = w
            .create_qr_code(CreateQrCodeRequest::new("p").width(bad))
            .await
            .unwrap_err();
        assert_invalid(err, "width", &format!("between 280 and 1280 (is {bad})"));
        let err = w.get(GetRequest::new("p").width(bad)).await.unwrap_err();
        assert_invalid(err, "width", "between 280 and 1280");
        let err = w
            .get_unlimited(GetUnlimitedRequest::new("s").width(bad))
            .await
            .unwrap_err();
        assert_invalid(err, "width", "between 280 and 1280");
    }
    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "nothing is sent for a rejected width"
    );

    for good in [280, 1280] {
        w.create_qr_code(CreateQrCodeRequest::new("p").width(good))
            .await
            .unwrap();
        w.get(GetRequest::new("p").width(good)).await.unwrap();
        w.get_unlimited(GetUnlimitedRequest::new("s").width(good))
            .await
            .unwrap();
    }
    for p in [CREATE, GET, UNLIMITED] {
        let widths: Vec<serde_json::Value> = requests_to(&server, p)
            .await
            .iter()
            .map(|r| sent_body(r)["width"].clone())
            .collect();
        assert_eq!(widths, [json!(280), json!(1280)], "{p}");
    }
}

/// `path` is limited in bytes, not characters: 43 × "页" is 43 characters but 129 bytes.
#[tokio::test]
async fn path_is_at_most_128_bytes_and_not_empty() {
    let server = png_server().await;
    let c = client(&server);
    let w = c.wxacode();
    let too_long = "页".repeat(43);
    assert_eq!((too_long.chars().count(), too_long.len()), (43, 129));
    let err = w
        .create_qr_code(CreateQrCodeRequest::new(too_long.clone()))
        .await
        .unwrap_err();
    assert_invalid(err, "path", "1 to 128 bytes long (is 129)");
    let err = w.get(GetRequest::new(too_long)).await.unwrap_err();
    assert_invalid(err, "path", "(is 129)");
    let err = w
        .create_qr_code(CreateQrCodeRequest::new(""))
        .await
        .unwrap_err();
    assert_invalid(err, "path", "(is 0)");
    let err = w.get(GetRequest::new("")).await.unwrap_err();
    assert_invalid(err, "path", "(is 0)");
    assert!(server.received_requests().await.unwrap().is_empty());

    let longest = format!("{}ab", "页".repeat(42));
    assert_eq!(longest.len(), 128);
    w.create_qr_code(CreateQrCodeRequest::new(longest.clone()))
        .await
        .unwrap();
    w.get(GetRequest::new(longest.clone())).await.unwrap();
    assert_eq!(
        sent_body(&requests_to(&server, CREATE).await[0]),
        json!({"path": longest})
    );
    assert_eq!(requests_to(&server, GET).await.len(), 1);
}

#[tokio::test]
async fn scene_is_at_most_32_allowed_characters() {
    let server = png_server().await;
    let c = client(&server);
    let w = c.wxacode();
    let unlimited = |scene: String| w.get_unlimited(GetUnlimitedRequest::new(scene));

    let err = unlimited("a".repeat(33)).await.unwrap_err();
    assert_invalid(err, "scene", "0 to 32 characters long (is 33)");
    for (scene, bad) in [
        ("id=中".to_owned(), "'中'"),
        ("q=50%25".to_owned(), "'%'"),
        ("a b".to_owned(), "' '"),
        ("a\"b".to_owned(), "'\"'"),
        ("x<y".to_owned(), "'<'"),
    ] {
        let err = unlimited(scene.clone()).await.unwrap_err();
        assert_invalid(err, "scene", "may only contain the characters");
        let err = unlimited(scene.clone()).await.unwrap_err();
        assert!(err.to_string().contains(bad), "{scene}: {err}");
    }
    assert!(server.received_requests().await.unwrap().is_empty());

    // 32 characters, and every documented special character.
    let accepted = [
        "a".repeat(32),
        "!#$&'()*+,/:;=?@-._~".to_owned(),
        "AZaz09".to_owned(),
    ];
    for scene in &accepted {
        unlimited(scene.clone()).await.unwrap();
    }
    let scenes: Vec<serde_json::Value> = requests_to(&server, UNLIMITED)
        .await
        .iter()
        .map(|r| sent_body(r)["scene"].clone())
        .collect();
    assert_eq!(scenes, accepted.map(serde_json::Value::from));
}

#[tokio::test]
async fn line_color_components_are_0_to_255() {
    let server = png_server().await;
    let c = client(&server);
    let w = c.wxacode();
    for color in [
        RgbColor::new(256, 0, 0),
        RgbColor::new(0, 256, 0),
        RgbColor::new(0, 0, 1000),
    ] {
        let err = w
            .get(GetRequest::new("p").line_color(color.clone()))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::Invalid { source, .. } if source.rule.contains("between 0 and 255")),
            "{err:?}"
        );
        let err = w
            .get_unlimited(GetUnlimitedRequest::new("s").line_color(color))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Invalid { .. }), "{err:?}");
    }
    assert!(server.received_requests().await.unwrap().is_empty());
    w.get(GetRequest::new("p").line_color(RgbColor::new(255, 255, 255)))
        .await
        .unwrap();
    assert_eq!(requests_to(&server, GET).await.len(), 1);
}

/// The error names the field by its full wire path, as `ValidationError::field`
/// documents (`line_color.r`), so that a caller can tell which of several colours (or
/// which nested `r`) is wrong.
#[tokio::test]
async fn line_color_error_names_the_nested_field_path() {
    let server = png_server().await;
    let c = client(&server);
    let err = c
        .wxacode()
        .get(GetRequest::new("p").line_color(RgbColor::new(256, 0, 0)))
        .await
        .unwrap_err();
    assert_invalid(err, "line_color.r", "between 0 and 255 (is 256)");
    let err = c
        .wxacode()
        .get_unlimited(GetUnlimitedRequest::new("s").line_color(RgbColor::new(0, 0, 300)))
        .await
        .unwrap_err();
    assert_invalid(err, "line_color.b", "(is 300)");
    assert!(server.received_requests().await.unwrap().is_empty());
}
