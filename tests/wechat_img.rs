//! Wire tests of the WeChat `img` group against a real HTTP server on 127.0.0.1: each
//! endpoint by URL (`img_url` in the query, no file part) and by upload (a multipart
//! part named `img`, parsed here), the seed's and the schema's example responses in
//! both spellings, and errcodes with the runtime's retry rules.
#![cfg(feature = "wechat")]
// `img.superresolution` is marked withdrawn in the schema (`deprecated:`), yet it still
// has to send what its docs say for as long as users call it.
#![allow(deprecated)]

use miniapp::runtime::{FileUpload, RetryPolicy};
use miniapp::wechat::img::*;
use miniapp::wechat::{Client, ENDPOINTS};
use std::time::Duration;
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
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

fn sorted_query(r: &Request) -> Vec<(String, String)> {
    let mut q: Vec<(String, String)> = r.url.query_pairs().into_owned().collect();
    q.sort();
    q
}

fn pair(k: &str, v: &str) -> (String, String) {
    (k.to_owned(), v.to_owned())
}

const AICROP: &str = "/cv/img/aicrop";
const QRCODE: &str = "/cv/img/qrcode";
const SUPERRES: &str = "/cv/img/superresolution";

/// An image URL with characters that must be encoded in a query string.
const IMG_URL: &str = "https://cdn.example.com/a b/图.png?x=1&y=2#frag";

// The seed's own example responses (uniCloud form), verbatim apart from the comments.
const SEED_AICROP: &str = r#"{
  "errcode": 0,
  "errmsg": "ok",
  "results": [
    {"cropLeft": 112, "cropTop": 0, "cropRight": 839, "cropBottom": 727},
    {"cropLeft": 0, "cropTop": 205, "cropRight": 965, "cropBottom": 615}
  ],
  "imgSize": {"w": 966, "h": 728}
}"#;

const SEED_SCAN: &str = r#"{
  "errCode": 0,
  "errMsg": "ok",
  "codeResults": [
    {"typeName": "QR_CODE", "data": "http://www.qq.com",
     "pos": {"leftTop": {"x": 585, "y": 378}, "rightTop": {"x": 828, "y": 378},
             "rightBottom": {"x": 828, "y": 618}, "leftBottom": {"x": 585, "y": 618}}},
    {"typeName": "QR_CODE", "data": "https://mp.weixin.qq.com",
     "pos": {"leftTop": {"x": 185, "y": 142}, "rightTop": {"x": 396, "y": 142},
             "rightBottom": {"x": 396, "y": 353}, "leftBottom": {"x": 185, "y": 353}}},
    {"typeName": "EAN_13", "data": "5906789678957"},
    {"typeName": "CODE_128", "data": "50090500019191"}
  ],
  "imgSize": {"w": 1000, "h": 900}
}"#;

const SEED_SUPERRES: &str = r#"{
  "errcode": 0,
  "errmsg": "ok",
  "mediaId": "6WXsIXkG7lXuDLspD9xfm5dsvHzb0EFl0li6ySxi92ap8Vl3zZoD9DpOyNudeJGB"
}"#;

// ---------------------------------------------------------------- multipart

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

/// Bytes that break naive text handling: NUL, CR LF, a fake delimiter, high bytes.
fn image_bytes() -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    b.extend_from_slice(b"\r\n--fake-boundary\r\n\r\n");
    b.extend((0u8..=255).rev());
    b
}

/// The request carries `img_url` and the token in its query and no file part.
fn assert_by_url(r: &Request, token: &str) {
    assert_eq!(r.method.as_str(), "POST");
    assert_eq!(
        sorted_query(r),
        [pair("access_token", token), pair("img_url", IMG_URL)]
    );
    // No part at all: an empty body (or, were one sent, a multipart without `img`).
    if !r.body.is_empty() {
        let parts = multipart_parts(r);
        assert!(
            parts
                .iter()
                .all(|p| p.disposition("name").as_deref() != Some("img")),
            "{parts:?}"
        );
    }
}

/// The request carries only the token in its query and exactly one part, `img`, with
/// the file's name, MIME type and bytes.
fn assert_by_upload(r: &Request, token: &str, file_name: &str, mime: &str, bytes: &[u8]) {
    assert_eq!(r.method.as_str(), "POST");
    assert_eq!(sorted_query(r), [pair("access_token", token)]);
    let parts = multipart_parts(r);
    assert_eq!(parts.len(), 1, "{parts:?}");
    let img = &parts[0];
    assert_eq!(img.disposition("name").as_deref(), Some("img"));
    assert_eq!(img.disposition("filename").as_deref(), Some(file_name));
    assert_eq!(img.header("content-type"), Some(mime));
    assert_eq!(img.body, bytes, "the exact bytes");
}

// ---------------------------------------------------------------- aiCrop

fn crop(l: u32, t: u32, r: u32, b: u32) -> CropResult {
    CropResult {
        crop_left: l,
        crop_top: t,
        crop_right: r,
        crop_bottom: b,
    }
}

#[tokio::test]
async fn ai_crop_by_url_puts_img_url_in_the_query_and_decodes_the_example() {
    let server = MockServer::start().await;
    token_endpoint(&server, "TOKEN").await;
    Mock::given(method("POST"))
        .and(path(AICROP))
        .and(query_param("access_token", "TOKEN"))
        .and(query_param("img_url", IMG_URL))
        .respond_with(json_response(example("img.aiCrop")))
        .expect(1)
        .mount(&server)
        .await;
    let r = client(&server)
        .img()
        .ai_crop(AiCropRequest::new(AiCropImage::url(IMG_URL)))
        .await
        .unwrap();
    assert_eq!(r.results, [crop(112, 0, 839, 727), crop(0, 205, 965, 615)]);
    assert_eq!(r.img_size, ImageSize { w: 966, h: 728 });
    assert_by_url(&requests_to(&server, AICROP).await[0], "TOKEN");
}

#[tokio::test]
async fn ai_crop_by_upload_sends_an_img_part_and_decodes_the_seed_example() {
    let server = MockServer::start().await;
    token_endpoint(&server, "TOKEN").await;
    Mock::given(method("POST"))
        .and(path(AICROP))
        .and(query_param("access_token", "TOKEN"))
        .and(query_param_is_missing("img_url"))
        .respond_with(json_response(SEED_AICROP))
        .expect(1)
        .mount(&server)
        .await;
    let bytes = image_bytes();
    let r = client(&server)
        .img()
        .ai_crop(AiCropRequest::new(AiCropImage::upload(FileUpload::new(
            "photo.png",
            "image/png",
            bytes.clone(),
        ))))
        .await
        .unwrap();
    // camelCase (`cropLeft`, `imgSize`) decodes like the wire names.
    assert_eq!(r.results, [crop(112, 0, 839, 727), crop(0, 205, 965, 615)]);
    assert_eq!((r.img_size.w, r.img_size.h), (966, 728));
    let sent = requests_to(&server, AICROP).await;
    assert_by_upload(&sent[0], "TOKEN", "photo.png", "image/png", &bytes);
}

// ---------------------------------------------------------------- scanQRCode

fn point(x: u32, y: u32) -> Point {
    Point { x, y }
}

fn check_scan_example(r: &ScanQrCodeResponse) {
    assert_eq!(r.img_size, ImageSize { w: 1000, h: 900 });
    assert_eq!(r.code_results.len(), 4);
    let first = &r.code_results[0];
    assert_eq!(
        (first.type_name.as_str(), first.data.as_str()),
        ("QR_CODE", "http://www.qq.com")
    );
    assert_eq!(
        first.pos,
        Some(QrPosition {
            left_top: point(585, 378),
            right_top: point(828, 378),
            right_bottom: point(828, 618),
            left_bottom: point(585, 618),
        })
    );
    let second = r.code_results[1].pos.as_ref().unwrap();
    assert_eq!(r.code_results[1].data, "https://mp.weixin.qq.com");
    assert_eq!(
        (second.left_top.clone(), second.right_bottom.clone()),
        (point(185, 142), point(396, 353))
    );
    // Bar codes have no position.
    let bars: Vec<(&str, &str, bool)> = r.code_results[2..]
        .iter()
        .map(|c| (c.type_name.as_str(), c.data.as_str(), c.pos.is_none()))
        .collect();
    assert_eq!(
        bars,
        [
            ("EAN_13", "5906789678957", true),
            ("CODE_128", "50090500019191", true)
        ]
    );
}

#[tokio::test]
async fn scan_qr_code_by_upload_decodes_the_seeds_camel_case_example() {
    let server = MockServer::start().await;
    token_endpoint(&server, "TOKEN").await;
    Mock::given(method("POST"))
        .and(path(QRCODE))
        .and(query_param_is_missing("img_url"))
        .respond_with(json_response(SEED_SCAN))
        .expect(1)
        .mount(&server)
        .await;
    let bytes = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, b'\r', b'\n', 0xFF, 0xD9];
    let r = client(&server)
        .img()
        .scan_qr_code(ScanQrCodeRequest::new(ScanQrCodeImage::upload(
            FileUpload::new("codes.jpg", "image/jpeg", bytes.clone()),
        )))
        .await
        .unwrap();
    check_scan_example(&r);
    let sent = requests_to(&server, QRCODE).await;
    assert_by_upload(&sent[0], "TOKEN", "codes.jpg", "image/jpeg", &bytes);
}

#[tokio::test]
async fn scan_qr_code_by_url_decodes_the_schema_example() {
    let server = MockServer::start().await;
    token_endpoint(&server, "TOKEN").await;
    Mock::given(method("POST"))
        .and(path(QRCODE))
        .and(query_param("img_url", IMG_URL))
        .respond_with(json_response(example("img.scanQRCode")))
        .expect(1)
        .mount(&server)
        .await;
    let r = client(&server)
        .img()
        .scan_qr_code(ScanQrCodeRequest::new(ScanQrCodeImage::url(IMG_URL)))
        .await
        .unwrap();
    check_scan_example(&r);
    assert_by_url(&requests_to(&server, QRCODE).await[0], "TOKEN");
}

// ---------------------------------------------------------------- superresolution

#[tokio::test]
async fn superresolution_by_url_and_by_upload() {
    let server = MockServer::start().await;
    token_endpoint(&server, "TOKEN").await;
    Mock::given(method("POST"))
        .and(path(SUPERRES))
        .and(query_param("img_url", IMG_URL))
        .respond_with(json_response(example("img.superresolution")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(SUPERRES))
        .and(query_param_is_missing("img_url"))
        .respond_with(json_response(SEED_SUPERRES))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let by_url = c
        .img()
        .superresolution(SuperresolutionRequest::new(SuperresolutionImage::url(
            IMG_URL,
        )))
        .await
        .unwrap();
    let bytes = image_bytes();
    let by_upload = c
        .img()
        .superresolution(SuperresolutionRequest::new(SuperresolutionImage::upload(
            FileUpload::new("small.webp", "image/webp", bytes.clone()),
        )))
        .await
        .unwrap();
    let id = "6WXsIXkG7lXuDLspD9xfm5dsvHzb0EFl0li6ySxi92ap8Vl3zZoD9DpOyNudeJGB";
    assert_eq!(by_url.media_id, id, "snake_case `media_id`");
    assert_eq!(by_upload.media_id, id, "camelCase `mediaId`");
    let sent = requests_to(&server, SUPERRES).await;
    assert_by_url(&sent[0], "TOKEN");
    assert_by_upload(&sent[1], "TOKEN", "small.webp", "image/webp", &bytes);
}

// ---------------------------------------------------------------- errors

#[tokio::test]
async fn errcodes_map_to_their_variants() {
    let server = MockServer::start().await;
    token_endpoint(&server, "T").await;
    Mock::given(path(AICROP))
        .respond_with(json_response(
            r#"{"errcode":45009,"errmsg":"reach max api daily quota limit"}"#,
        ))
        .mount(&server)
        .await;
    Mock::given(path(QRCODE))
        .respond_with(json_response(
            r#"{"errCode":101000,"errMsg":"invalid image url"}"#,
        ))
        .mount(&server)
        .await;
    Mock::given(path(SUPERRES))
        .respond_with(json_response(
            r#"{"errcode":41001,"errmsg":"access_token missing"}"#,
        ))
        .mount(&server)
        .await;
    let c = client(&server);

    let err = c
        .img()
        .ai_crop(AiCropRequest::new(AiCropImage::url(IMG_URL)))
        .await
        .unwrap_err();
    assert!(
        matches!(err.api(), Some(AiCropError::DailyQuotaReached { .. })),
        "{err:?}"
    );
    assert_eq!(err.endpoint(), "img.aiCrop");
    assert!(err.to_string().contains("45009"), "{err}");
    let err = c
        .img()
        .scan_qr_code(ScanQrCodeRequest::new(ScanQrCodeImage::url(IMG_URL)))
        .await
        .unwrap_err();
    assert_eq!(
        err.api(),
        Some(&ScanQrCodeError::Other {
            code: 101000,
            message: "invalid image url".into()
        })
    );
    let err = c
        .img()
        .superresolution(SuperresolutionRequest::new(SuperresolutionImage::url(
            IMG_URL,
        )))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err.api(),
            Some(SuperresolutionError::AccessTokenMissing { .. })
        ),
        "{err:?}"
    );
    // None of these is retried.
    for p in [AICROP, QRCODE, SUPERRES] {
        assert_eq!(requests_to(&server, p).await.len(), 1, "{p}");
    }
}

/// Busy: retried within the bound, and each retry re-sends the same file part.
#[tokio::test]
async fn busy_upload_is_retried_with_the_same_part() {
    let server = MockServer::start().await;
    token_endpoint(&server, "T").await;
    Mock::given(path(AICROP))
        .respond_with(json_response(r#"{"errcode":-1,"errmsg":"system error"}"#))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path(AICROP))
        .respond_with(json_response(example("img.aiCrop")))
        .mount(&server)
        .await;
    let bytes = image_bytes();
    let r = client(&server)
        .img()
        .ai_crop(AiCropRequest::new(AiCropImage::upload(FileUpload::new(
            "p.png",
            "image/png",
            bytes.clone(),
        ))))
        .await
        .unwrap();
    assert_eq!(r.results.len(), 2);
    let sent = requests_to(&server, AICROP).await;
    assert_eq!(sent.len(), 2);
    for r in &sent {
        assert_by_upload(r, "T", "p.png", "image/png", &bytes);
    }

    // Always busy: 1 + max_retries attempts, then the typed error.
    let server = MockServer::start().await;
    token_endpoint(&server, "T").await;
    Mock::given(path(SUPERRES))
        .respond_with(json_response(r#"{"errcode":-1,"errmsg":"system error"}"#))
        .mount(&server)
        .await;
    let err = client(&server)
        .img()
        .superresolution(SuperresolutionRequest::new(SuperresolutionImage::url(
            IMG_URL,
        )))
        .await
        .unwrap_err();
    assert!(matches!(
        err.api(),
        Some(SuperresolutionError::SystemBusy { .. })
    ));
    assert_eq!(requests_to(&server, SUPERRES).await.len(), 3);
}

/// By URL there is nothing to upload: the documented request is a bare POST
/// (`POST /cv/img/aicrop?img_url=…&access_token=…`), as the established SDKs send it.
/// A `multipart/form-data` Content-Type over an empty body is not a valid multipart
/// entity (RFC 2046 requires at least one body part and a close delimiter), and a strict
/// server-side parser may refuse it.
#[tokio::test]
async fn by_url_sends_no_multipart_content_type() {
    let server = MockServer::start().await;
    token_endpoint(&server, "T").await;
    Mock::given(path(AICROP))
        .respond_with(json_response(example("img.aiCrop")))
        .mount(&server)
        .await;
    client(&server)
        .img()
        .ai_crop(AiCropRequest::new(AiCropImage::url(IMG_URL)))
        .await
        .unwrap();
    let sent = requests_to(&server, AICROP).await;
    assert!(sent[0].body.is_empty());
    let ct = sent[0]
        .headers
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    assert!(
        !ct.as_deref().unwrap_or("").starts_with("multipart/"),
        "an empty body labelled {ct:?}"
    );
}
