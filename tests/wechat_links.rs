//! Wire tests of the WeChat `urlscheme`, `urllink` and `shortlink` groups against a real
//! HTTP server on 127.0.0.1: exact JSON bodies (expiry by time or by interval, the
//! Cloud Base hop), the docs' example answers decoded, documented codes typed, the
//! query's documented character set checked before sending.
#![cfg(feature = "wechat")]

mod wechat_support;

use miniapp::runtime::Error;
use miniapp::wechat::{shortlink, urllink, urlscheme};
use serde_json::json;
use wechat_support::*;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer};

const GENERATE_SCHEME: &str = "/wxa/generatescheme";
const QUERY_SCHEME: &str = "/wxa/queryscheme";
const GENERATE_LINK: &str = "/wxa/generate_urllink";
const QUERY_LINK: &str = "/wxa/query_urllink";
const SHORT_LINK: &str = "/wxa/genwxashortlink";

// ---------------------------------------------------------------- urlscheme

#[tokio::test]
async fn generate_scheme_writes_jump_wxa_and_the_expiry_by_interval() {
    use urlscheme::*;
    let server = MockServer::start().await;
    token_endpoint(&server, "TOKEN").await;
    let expected = json!({
        "jump_wxa": {"path": "pages/publishHomework/publishHomework", "query": "a=1&b=2", "env_version": "trial"},
        "expire_type": 1,
        "expire_interval": 30,
    });
    answer(
        &server,
        GENERATE_SCHEME,
        expected.clone(),
        "urlscheme.generate",
    )
    .await;
    let r = client(&server)
        .urlscheme()
        .generate(
            GenerateRequest::new()
                .jump_wxa(
                    JumpWxa::new()
                        .path("pages/publishHomework/publishHomework")
                        .query("a=1&b=2")
                        .env_version(EnvVersion::Trial),
                )
                .expire_type(ExpireType::AfterInterval)
                .expire_interval(30),
        )
        .await
        .unwrap();
    assert_eq!(r.openlink, "weixin://dl/business/?t=XTSkBZlzqmn");
    let sent = requests_to(&server, GENERATE_SCHEME).await;
    assert_eq!(query(&sent[0]), [pair("access_token", "TOKEN")]);
    assert_eq!(body(&sent[0]), expected);
}

#[tokio::test]
async fn generate_scheme_checks_the_documented_limits_before_sending() {
    use urlscheme::*;
    let server = MockServer::start().await;
    let c = client(&server);
    // 31 days is over the documented 30.
    let err = c
        .urlscheme()
        .generate(
            GenerateRequest::new()
                .expire_type(ExpireType::AfterInterval)
                .expire_interval(31),
        )
        .access_token("T")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Invalid { .. }), "{err:?}");
    // A space is not in the query's documented character set.
    let err = c
        .urlscheme()
        .generate(GenerateRequest::new().jump_wxa(JumpWxa::new().query("a=1 2")))
        .access_token("T")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("jump_wxa.query"), "{err}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn query_scheme_decodes_the_doc_example() {
    use urlscheme::*;
    let server = MockServer::start().await;
    token_endpoint(&server, "TOKEN").await;
    let expected = json!({"scheme": "weixin://dl/business/?t=XTSkBZlzqmn", "query_type": 0});
    answer(&server, QUERY_SCHEME, expected, "urlscheme.query").await;
    let r = client(&server)
        .urlscheme()
        .query(QueryRequest::new("weixin://dl/business/?t=XTSkBZlzqmn").query_type(QueryType::Info))
        .await
        .unwrap();
    let info = r.scheme_info.unwrap();
    assert_eq!(info.appid.as_deref(), Some("appid"));
    assert_eq!(info.create_time, Some(611928113));
    assert_eq!(info.expire_time, Some(0));
    assert_eq!(info.env_version, Some(EnvVersion::Release));
    assert_eq!(r.quota_info.unwrap().remain_visit_quota, Some(10000));
}

#[tokio::test]
async fn scheme_calls_map_every_documented_errcode() {
    use urlscheme::{GenerateError as G, QueryError as Q, *};
    let generate: &[(i64, IsVariant<G>)] = &[
        (-1, |e| matches!(e, G::SystemBusy { .. })),
        (40001, |e| matches!(e, G::AccessTokenInvalid { .. })),
        (40002, |e| matches!(e, G::NoPermission { .. })),
        (40013, |e| matches!(e, G::InvalidAppId { .. })),
        (40165, |e| matches!(e, G::InvalidPath { .. })),
        (40212, |e| matches!(e, G::InvalidQuery { .. })),
        (44990, |e| matches!(e, G::TooFrequent { .. })),
        (44993, |e| matches!(e, G::DailyGenerationCapReached { .. })),
        (45009, |e| matches!(e, G::DailyQuotaReached { .. })),
        (85079, |e| matches!(e, G::NotReleased { .. })),
        (85401, |e| matches!(e, G::InvalidExpiry { .. })),
        (85402, |e| matches!(e, G::InvalidEnvVersion { .. })),
        (85406, |e| matches!(e, G::DailyOpenCapReached { .. })),
        (85407, |e| matches!(e, G::NotPermitted { .. })),
        (85408, |e| matches!(e, G::AppIdBanned { .. })),
    ];
    assert_codes(
        GENERATE_SCHEME,
        generate,
        |e| matches!(e, G::Other { .. }),
        |c| async move {
            c.urlscheme()
                .generate(GenerateRequest::new())
                .access_token("FIXED")
                .await
        },
    )
    .await;
    let query_codes: &[(i64, IsVariant<Q>)] = &[
        (40002, |e| matches!(e, Q::NoPermission { .. })),
        (40097, |e| matches!(e, Q::InvalidArgs { .. })),
        (40165, |e| matches!(e, Q::InvalidPath { .. })),
        (40212, |e| matches!(e, Q::InvalidQuery { .. })),
        (85402, |e| matches!(e, Q::InvalidEnvVersion { .. })),
        (85403, |e| matches!(e, Q::SchemeNotFound { .. })),
        (85405, |e| matches!(e, Q::PlainSchemeNotEnabled { .. })),
    ];
    assert_codes(
        QUERY_SCHEME,
        query_codes,
        |e| matches!(e, Q::Other { .. }),
        |c| async move {
            c.urlscheme()
                .query(QueryRequest::new("s"))
                .access_token("FIXED")
                .await
        },
    )
    .await;
}

// ---------------------------------------------------------------- urllink

#[tokio::test]
async fn generate_url_link_writes_the_expiry_by_time_and_the_cloud_base_hop() {
    use urllink::*;
    let server = MockServer::start().await;
    token_endpoint(&server, "TOKEN").await;
    let expected = json!({
        "path": "/pages/publishHomework/publishHomework",
        "query": "",
        "expire_type": 0,
        "expire_time": 1606737600,
        "env_version": "release",
        "cloud_base": {"env": "xxx", "domain": "xxx.xx", "path": "/jump-wxa.html", "query": "a=1&b=2"},
    });
    answer(&server, GENERATE_LINK, expected.clone(), "urllink.generate").await;
    let r = client(&server)
        .urllink()
        .generate(
            GenerateRequest::new()
                .path("/pages/publishHomework/publishHomework")
                .query("")
                .expire_type(ExpireType::AtTime)
                .expire_time(1606737600)
                .env_version(EnvVersion::Release)
                .cloud_base(
                    CloudBase::new("xxx")
                        .domain("xxx.xx")
                        .path("/jump-wxa.html")
                        .query("a=1&b=2"),
                ),
        )
        .await
        .unwrap();
    assert_eq!(r.url_link, "https://wxaurl.cn/BQZRrcFCPvg");
    assert_eq!(
        body(&requests_to(&server, GENERATE_LINK).await[0]),
        expected
    );
}

#[tokio::test]
async fn query_url_link_decodes_the_example_and_keeps_an_unknown_env_version() {
    use urllink::*;
    let server = MockServer::start().await;
    token_endpoint(&server, "TOKEN").await;
    answer(
        &server,
        QUERY_LINK,
        json!({"url_link": "https://wxaurl.cn/BQZRrcFCPvg"}),
        "urllink.query",
    )
    .await;
    let r = client(&server)
        .urllink()
        .query(QueryRequest::new("https://wxaurl.cn/BQZRrcFCPvg"))
        .await
        .unwrap();
    let info = r.url_link_info.unwrap();
    assert_eq!(info.path.as_deref(), Some("pages/index/index"));
    assert_eq!(info.query.as_deref(), Some("a=1"));
    assert_eq!(info.expire_time, Some(1613046113));
    assert_eq!(info.env_version, Some(EnvVersion::Release));

    let server = MockServer::start().await;
    Mock::given(path(QUERY_LINK))
        .respond_with(json_response(
            r#"{"errcode":0,"errmsg":"ok","url_link_info":{"env_version":"gray"}}"#,
        ))
        .mount(&server)
        .await;
    let r = client(&server)
        .urllink()
        .query(QueryRequest::new("u").query_type(QueryType::Quota))
        .access_token("T")
        .await
        .unwrap();
    assert_eq!(
        body(&requests_to(&server, QUERY_LINK).await[0]),
        json!({"url_link": "u", "query_type": 1})
    );
    let env = r.url_link_info.unwrap().env_version.unwrap();
    assert_eq!(env.as_str(), "gray");
}

#[tokio::test]
async fn url_link_calls_map_every_documented_errcode() {
    use urllink::{GenerateError as G, QueryError as Q, *};
    let generate: &[(i64, IsVariant<G>)] = &[
        (40002, |e| matches!(e, G::NoPermission { .. })),
        (40013, |e| matches!(e, G::InvalidAppId { .. })),
        (40165, |e| matches!(e, G::InvalidPath { .. })),
        (40212, |e| matches!(e, G::InvalidQuery { .. })),
        (44990, |e| matches!(e, G::TooFrequent { .. })),
        (44993, |e| matches!(e, G::DailyGenerationCapReached { .. })),
        (85079, |e| matches!(e, G::NotReleased { .. })),
        (85088, |e| matches!(e, G::CloudBaseNotEnabled { .. })),
        (85401, |e| matches!(e, G::InvalidExpiry { .. })),
        (85402, |e| matches!(e, G::InvalidEnvVersion { .. })),
        (85406, |e| matches!(e, G::DailyOpenCapReached { .. })),
        (85407, |e| matches!(e, G::NotPermitted { .. })),
        (85408, |e| matches!(e, G::AppIdBanned { .. })),
    ];
    assert_codes(
        GENERATE_LINK,
        generate,
        |e| matches!(e, G::Other { .. }),
        |c| async move {
            c.urllink()
                .generate(GenerateRequest::new())
                .access_token("FIXED")
                .await
        },
    )
    .await;
    let query_codes: &[(i64, IsVariant<Q>)] = &[
        (-1, |e| matches!(e, Q::SystemBusy { .. })),
        (40097, |e| matches!(e, Q::InvalidArgs { .. })),
        (85403, |e| matches!(e, Q::UrlLinkNotFound { .. })),
    ];
    assert_codes(
        QUERY_LINK,
        query_codes,
        |e| matches!(e, Q::Other { .. }),
        |c| async move {
            c.urllink()
                .query(QueryRequest::new("u"))
                .access_token("FIXED")
                .await
        },
    )
    .await;
}

/// Generating is not idempotent (each call counts against the daily cap): "busy" is
/// returned, not retried. Querying is, and is retried.
#[tokio::test]
async fn generate_is_not_retried_but_query_is() {
    let server = MockServer::start().await;
    Mock::given(path(GENERATE_LINK))
        .respond_with(json_response(r#"{"errcode":-1,"errmsg":"busy"}"#))
        .mount(&server)
        .await;
    Mock::given(path(QUERY_LINK))
        .respond_with(json_response(r#"{"errcode":-1,"errmsg":"busy"}"#))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path(QUERY_LINK))
        .respond_with(json_response(example("urllink.query")))
        .mount(&server)
        .await;
    let c = client(&server);
    c.urllink()
        .generate(urllink::GenerateRequest::new())
        .access_token("T")
        .await
        .unwrap_err();
    assert_eq!(requests_to(&server, GENERATE_LINK).await.len(), 1);
    c.urllink()
        .query(urllink::QueryRequest::new("u"))
        .access_token("T")
        .await
        .unwrap();
    assert_eq!(requests_to(&server, QUERY_LINK).await.len(), 2);
}

// ---------------------------------------------------------------- shortlink

#[tokio::test]
async fn generate_short_link_writes_the_documented_body() {
    use shortlink::*;
    let server = MockServer::start().await;
    token_endpoint(&server, "TOKEN").await;
    let expected = json!({
        "page_url": "pages/publishHomework/publishHomework?query1=q1",
        "page_title": "Homework title",
        "is_permanent": false,
    });
    answer(&server, SHORT_LINK, expected, "shortlink.generate").await;
    let r = client(&server)
        .shortlink()
        .generate(
            GenerateRequest::new("pages/publishHomework/publishHomework?query1=q1")
                .page_title("Homework title")
                .is_permanent(false),
        )
        .await
        .unwrap();
    assert_eq!(r.link, "#小程序://小程序示例/EiOzoMR9nrHw8Hj");
}

#[tokio::test]
async fn generate_short_link_maps_every_documented_errcode() {
    use shortlink::{GenerateError as G, *};
    let cases: &[(i64, IsVariant<G>)] = &[
        (40001, |e| matches!(e, G::AccessTokenInvalid { .. })),
        (40066, |e| matches!(e, G::InvalidPageUrl { .. })),
        (40225, |e| matches!(e, G::InvalidPageTitle { .. })),
        (43104, |e| matches!(e, G::NoPermission { .. })),
        (45009, |e| matches!(e, G::DailyQuotaReached { .. })),
        (85400, |e| matches!(e, G::PermanentLinkCapReached { .. })),
    ];
    assert_codes(
        SHORT_LINK,
        cases,
        |e| matches!(e, G::Other { .. }),
        |c| async move {
            c.shortlink()
                .generate(GenerateRequest::new("pages/index/index"))
                .access_token("FIXED")
                .await
        },
    )
    .await;
}
