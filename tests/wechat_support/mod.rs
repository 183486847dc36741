//! What the WeChat wire tests of the server-API groups share: a client pointed at a
//! loopback server, the token endpoint, the schema's example answers, what arrived, and
//! the check that every documented errcode comes back as its enum variant.
// Each test crate uses a different subset.
#![allow(dead_code)]

use miniapp::runtime::{ApiError, Error, RetryPolicy};
use miniapp::wechat::{Client, ENDPOINTS};
use std::fmt::Debug;
use std::future::Future;
use std::time::Duration;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

pub fn json_response(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.as_bytes().to_vec(), "application/json")
}

fn client_with_retries(server: &MockServer, max_retries: u32) -> Client {
    Client::builder("wx-app", "s3cret")
        .base_url(server.uri())
        .retry_policy(RetryPolicy {
            max_retries,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
            max_elapsed: Duration::from_secs(2),
        })
        .build()
}

pub fn client(server: &MockServer) -> Client {
    client_with_retries(server, 2)
}

pub async fn token_endpoint(server: &MockServer, token: &str) {
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

/// The documented example answer of `name` (`group.docName`), as the schema holds it.
pub fn example(name: &str) -> &'static str {
    ENDPOINTS
        .iter()
        .find(|e| e.name == name)
        .and_then(|e| e.example)
        .unwrap_or_else(|| panic!("the schema has no example for {name}"))
}

pub async fn requests_to(server: &MockServer, p: &str) -> Vec<Request> {
    let reqs = server.received_requests().await.unwrap();
    reqs.into_iter().filter(|r| r.url.path() == p).collect()
}

pub fn query(r: &Request) -> Vec<(String, String)> {
    r.url.query_pairs().into_owned().collect()
}

pub fn pair(k: &str, v: &str) -> (String, String) {
    (k.to_owned(), v.to_owned())
}

pub fn body(r: &Request) -> serde_json::Value {
    r.body_json().unwrap()
}

/// Checks that an error is the expected variant.
pub type IsVariant<E> = fn(&E) -> bool;

/// Each documented `errcode` of the endpoint at `p`, answered by a fresh server, comes
/// back as its variant with the code and message as sent; `call` sends one request
/// with the per-call token `FIXED` (so no token is fetched or refreshed) through a
/// client that never retries, so each code costs exactly one request. An unlisted code
/// must land in `Other` (`is_other`).
pub async fn assert_codes<E, R, F, Fut>(
    p: &str,
    cases: &[(i64, IsVariant<E>)],
    is_other: IsVariant<E>,
    call: F,
) where
    E: ApiError + Debug,
    R: Debug,
    F: Fn(Client) -> Fut,
    Fut: Future<Output = Result<R, Error<E>>>,
{
    let unlisted = 99_999_999;
    let all = cases.iter().copied().chain([(unlisted, is_other)]);
    for (code, is_variant) in all {
        let server = MockServer::start().await;
        Mock::given(path(p))
            .respond_with(json_response(&format!(
                r#"{{"errcode":{code},"errmsg":"msg {code}"}}"#
            )))
            .mount(&server)
            .await;
        let err = call(client_with_retries(&server, 0)).await.unwrap_err();
        let api = err
            .api()
            .unwrap_or_else(|| panic!("{p} {code}: expected an API error, got {err:?}"));
        assert!(is_variant(api), "{p}: {code} mapped to {api:?}");
        assert_eq!(api.code(), code, "{p}");
        assert_eq!(api.message(), format!("msg {code}"), "{p}");
        let reqs = server.received_requests().await.unwrap();
        assert_eq!(reqs.len(), 1, "{p} {code}: one request, no token fetch");
        assert!(
            query(&reqs[0]).contains(&pair("access_token", "FIXED")),
            "{p}: the per-call token is sent"
        );
    }
}

/// Expects one POST to `p` with the token `TOKEN` and the JSON body `expected`, and
/// answers it with the schema's example answer of endpoint `name`.
pub async fn answer(server: &MockServer, p: &str, expected: serde_json::Value, name: &str) {
    Mock::given(method("POST"))
        .and(path(p))
        .and(query_param("access_token", "TOKEN"))
        .and(wiremock::matchers::body_json(expected))
        .respond_with(json_response(example(name)))
        .expect(1)
        .mount(server)
        .await;
}
