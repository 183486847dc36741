//! A request and an answer as they travel: plain values, so that encoding, signing,
//! sending and decoding are separate steps that can each be read (and tested) alone.

use super::{BodySnippet, HttpMethod, Multipart};
use bytes::Bytes;
use http::HeaderMap;

/// A request exactly as it will be sent: what the encode step makes from an
/// endpoint's request, what a signer may complete (a header-signing scheme adds its
/// `Authorization` over the method, path with query and body bytes), and what the
/// transport sends without changing.
#[derive(Debug)]
pub struct WireRequest {
    /// `group.docName` of the endpoint, for errors and logs.
    pub endpoint: &'static str,
    pub method: HttpMethod,
    /// Base URL, path (its parameters percent-encoded) and query, complete.
    pub(crate) url: reqwest::Url,
    pub headers: HeaderMap,
    pub body: WireBody,
    /// Must be sent with the client certificate (mutual TLS).
    pub client_cert: bool,
}

/// A request body.
#[derive(Debug)]
pub enum WireBody {
    None,
    /// Encoded bytes with their content type (JSON, form, XML).
    Bytes {
        content_type: &'static str,
        bytes: Bytes,
    },
    /// Parts the HTTP client encodes (its boundary is chosen when sent).
    Multipart(Multipart),
}

impl WireRequest {
    /// A request to `url`.
    pub fn new(endpoint: &'static str, method: HttpMethod, url: reqwest::Url) -> Self {
        WireRequest {
            endpoint,
            method,
            url,
            headers: HeaderMap::new(),
            body: WireBody::None,
            client_cert: false,
        }
    }
    /// The whole URL, query included (it may hold a secret: never log it).
    pub fn url(&self) -> &str {
        self.url.as_str()
    }
    /// The path and query as sent (`/v3/pay/transactions/id/4200…?mchid=…`), what
    /// header-signing schemes sign.
    pub fn path_and_query(&self) -> String {
        match self.url.query() {
            Some(query) => format!("{}?{query}", self.url.path()),
            None => self.url.path().to_owned(),
        }
    }
    /// The body's bytes (empty for no body and for multipart, which is encoded when sent).
    pub fn body_bytes(&self) -> &[u8] {
        match &self.body {
            WireBody::Bytes { bytes, .. } => bytes,
            _ => &[],
        }
    }
}

/// A complete HTTP answer: status, headers and the whole body (within the client's
/// size limit).
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl RawResponse {
    /// An answer with only a content type among its headers (tests, benches, notifications).
    pub fn new(status: u16, content_type: Option<&str>, body: impl Into<Bytes>) -> Self {
        let mut headers = HeaderMap::new();
        if let Some(value) = content_type.and_then(|ct| ct.parse().ok()) {
            headers.insert(http::header::CONTENT_TYPE, value);
        }
        RawResponse {
            status,
            headers,
            body: body.into(),
        }
    }
    /// The start of the body, for an error.
    pub fn snippet(&self) -> BodySnippet {
        BodySnippet::new(&self.body)
    }
    /// A 2xx status.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
    /// The `Content-Type` header, if it is text.
    pub fn content_type(&self) -> Option<&str> {
        self.header(http::header::CONTENT_TYPE.as_str())
    }
    /// A header's value, if present and text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    pub fn is_json(&self) -> bool {
        self.content_type()
            .is_some_and(|ct| ct.starts_with("application/json") || ct.starts_with("text/json"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a header-signing scheme signs is read off the request as it will be sent.
    #[test]
    fn a_signer_sees_the_path_with_query_and_the_exact_body() {
        let url = reqwest::Url::parse(
            "https://api.mch.weixin.qq.com/v3/pay/transactions/id/42%2F0?mchid=1230000109",
        )
        .unwrap();
        let mut wire = WireRequest::new("pay.queryById", HttpMethod::Get, url);
        assert_eq!(
            wire.path_and_query(),
            "/v3/pay/transactions/id/42%2F0?mchid=1230000109"
        );
        assert!(wire.body_bytes().is_empty());
        wire.body = WireBody::Bytes {
            content_type: "application/json",
            bytes: Bytes::from_static(br#"{"amount":{"total":1}}"#),
        };
        assert_eq!(wire.body_bytes(), br#"{"amount":{"total":1}}"#);
        let no_query = reqwest::Url::parse("http://127.0.0.1:8900/prefix/v3/certificates").unwrap();
        let wire = WireRequest::new("certificates", HttpMethod::Get, no_query);
        assert_eq!(wire.path_and_query(), "/prefix/v3/certificates");
    }

    #[test]
    fn answers_read_their_headers() {
        let raw = RawResponse::new(200, Some("application/json; charset=utf-8"), "{}");
        assert!(raw.is_json() && raw.is_success());
        assert_eq!(
            raw.header("content-type"),
            Some("application/json; charset=utf-8")
        );
        assert_eq!(raw.header("wechatpay-serial"), None);
        assert!(!RawResponse::new(302, None, "").is_success());
    }
}
