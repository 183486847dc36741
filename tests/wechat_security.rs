//! Wire tests of the WeChat `security` group (msgSecCheck v2, mediaCheckAsync v2,
//! getUserRiskRank) against a real HTTP server on 127.0.0.1: exact JSON bodies with
//! `version: 2` as a number, the doc's example answers decoded with `suggest` and
//! `label` typed, unknown labels kept, personal data out of Debug, documented codes typed.
#![cfg(feature = "wechat")]

mod wechat_support;

use miniapp::runtime::Error;
use miniapp::wechat::security::*;
use serde_json::json;
use wechat_support::*;
use wiremock::matchers::{body_json, method, path, query_param};
use wiremock::{Mock, MockServer};

const MSG: &str = "/wxa/msg_sec_check";
const MEDIA: &str = "/wxa/media_check_async";
const RISK: &str = "/wxa/getuserriskrank";

#[tokio::test]
async fn msg_sec_check_sends_version_2_and_types_the_doc_example() {
    let server = MockServer::start().await;
    token_endpoint(&server, "TOKEN").await;
    let expected = json!({
        "content": "hello world",
        "version": 2,
        "scene": 2,
        "openid": "OPENID",
        "title": "标题",
    });
    Mock::given(method("POST"))
        .and(path(MSG))
        .and(query_param("access_token", "TOKEN"))
        .and(body_json(&expected))
        .respond_with(json_response(example("security.msgSecCheck")))
        .expect(1)
        .mount(&server)
        .await;
    let r = client(&server)
        .security()
        .msg_sec_check(
            MsgSecCheckRequest::new("hello world", Scene::Comment, "OPENID").title("标题"),
        )
        .await
        .unwrap();
    assert_eq!(body(&requests_to(&server, MSG).await[0]), expected);
    assert_eq!(r.result.suggest, Suggest::Risky);
    assert_eq!(r.result.label, Label::Politics);
    let detail = r.detail.unwrap();
    assert_eq!(detail.len(), 3);
    assert_eq!(detail[0].strategy.as_deref(), Some("content_model"));
    assert_eq!(detail[0].errcode, Some(0));
    assert_eq!(detail[0].label, Some(Label::Crime));
    assert_eq!(detail[0].prob, Some(90.0));
    assert_eq!(detail[1].suggest, Some(Suggest::Pass));
    assert_eq!(detail[2].keyword.as_deref(), Some("命中的关键词2"));
    assert_eq!(r.trace_id.as_deref(), Some("60ae120f-371d5872-7941a05b"));
}

/// A label or suggestion the docs do not list yet is kept as received, not a decode
/// error: a content check must never fail open or closed on a new label.
#[tokio::test]
async fn msg_sec_check_keeps_unlisted_labels_and_suggestions() {
    let server = MockServer::start().await;
    Mock::given(path(MSG))
        .respond_with(json_response(
            r#"{"errcode":0,"errmsg":"ok","result":{"suggest":"block","label":20099},"trace_id":"t"}"#,
        ))
        .mount(&server)
        .await;
    let r = client(&server)
        .security()
        .msg_sec_check(MsgSecCheckRequest::new("x", Scene::Forum, "o"))
        .access_token("T")
        .await
        .unwrap();
    assert_eq!(r.result.label, Label::Other(20099));
    assert_eq!(r.result.suggest.as_str(), "block");
    assert_ne!(r.result.suggest, Suggest::Pass);
}

#[tokio::test]
async fn msg_sec_check_refuses_what_the_docs_forbid_before_sending() {
    let server = MockServer::start().await;
    let c = client(&server);
    let too_long = "字".repeat(2501);
    let err = c
        .security()
        .msg_sec_check(MsgSecCheckRequest::new(too_long, Scene::Profile, "o"))
        .access_token("T")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Invalid { .. }), "{err:?}");
    let err = c
        .security()
        .msg_sec_check(MsgSecCheckRequest::new("x", Scene::Profile, "o").version(1))
        .access_token("T")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("version"), "{err}");
    assert!(server.received_requests().await.unwrap().is_empty());
    // Exactly 2500 characters is allowed.
    Mock::given(path(MSG))
        .respond_with(json_response(example("security.msgSecCheck")))
        .mount(&server)
        .await;
    c.security()
        .msg_sec_check(MsgSecCheckRequest::new(
            "字".repeat(2500),
            Scene::Profile,
            "o",
        ))
        .access_token("T")
        .await
        .unwrap();
}

#[tokio::test]
async fn msg_sec_check_maps_every_documented_errcode() {
    use MsgSecCheckError as E;
    let cases: &[(i64, IsVariant<E>)] = &[
        (-1, |e| matches!(e, E::SystemBusy { .. })),
        (40001, |e| matches!(e, E::AccessTokenInvalid { .. })),
        (40003, |e| matches!(e, E::InvalidOpenid { .. })),
        (40129, |e| matches!(e, E::InvalidScene { .. })),
        (43002, |e| matches!(e, E::RequirePost { .. })),
        (43104, |e| matches!(e, E::OpenidMismatch { .. })),
        (44002, |e| matches!(e, E::EmptyPostData { .. })),
        (44991, |e| matches!(e, E::MinuteLimitReached { .. })),
        (45009, |e| matches!(e, E::DailyQuotaReached { .. })),
        (47001, |e| matches!(e, E::DataFormatError { .. })),
        (61010, |e| matches!(e, E::UserNotRecentlyActive { .. })),
    ];
    assert_codes(
        MSG,
        cases,
        |e| matches!(e, E::Other { .. }),
        |c| async move {
            c.security()
                .msg_sec_check(MsgSecCheckRequest::new("x", Scene::SocialLog, "o"))
                .access_token("FIXED")
                .await
        },
    )
    .await;
}

#[tokio::test]
async fn media_check_async_sends_the_media_type_as_a_number_and_returns_the_trace_id() {
    let server = MockServer::start().await;
    token_endpoint(&server, "TOKEN").await;
    let expected = json!({
        "media_url": "https://example.com/a.png",
        "media_type": 2,
        "version": 2,
        "scene": 1,
        "openid": "OPENID",
    });
    Mock::given(method("POST"))
        .and(path(MEDIA))
        .and(body_json(&expected))
        .respond_with(json_response(example("security.mediaCheckAsync")))
        .expect(1)
        .mount(&server)
        .await;
    let r = client(&server)
        .security()
        .media_check_async(MediaCheckAsyncRequest::new(
            "https://example.com/a.png",
            MediaType::Image,
            Scene::Profile,
            "OPENID",
        ))
        .await
        .unwrap();
    assert_eq!(r.trace_id, "967e945cd8a3e458f3c74dcb886068e9");
}

/// Each call starts an asynchronous check (87020 limits repeats): "busy" is returned,
/// never retried.
#[tokio::test]
async fn media_check_async_maps_every_documented_errcode_and_is_not_retried() {
    use MediaCheckAsyncError as E;
    let cases: &[(i64, IsVariant<E>)] = &[
        (-1, |e| matches!(e, E::SystemBusy { .. })),
        (40003, |e| matches!(e, E::InvalidOpenid { .. })),
        (40004, |e| matches!(e, E::InvalidMediaType { .. })),
        (43104, |e| matches!(e, E::OpenidMismatch { .. })),
        (44991, |e| matches!(e, E::MinuteLimitReached { .. })),
        (45009, |e| matches!(e, E::DailyQuotaReached { .. })),
        (61010, |e| matches!(e, E::UserNotRecentlyActive { .. })),
        (87020, |e| matches!(e, E::RepeatRequestLimited { .. })),
    ];
    let request = || MediaCheckAsyncRequest::new("u", MediaType::Audio, Scene::Comment, "o");
    assert_codes(
        MEDIA,
        cases,
        |e| matches!(e, E::Other { .. }),
        |c| async move {
            c.security()
                .media_check_async(request())
                .access_token("FIXED")
                .await
        },
    )
    .await;
    let server = MockServer::start().await;
    Mock::given(path(MEDIA))
        .respond_with(json_response(r#"{"errcode":-1,"errmsg":"busy"}"#))
        .mount(&server)
        .await;
    client(&server)
        .security()
        .media_check_async(request())
        .access_token("T")
        .await
        .unwrap_err();
    assert_eq!(requests_to(&server, MEDIA).await.len(), 1);
}

#[tokio::test]
async fn get_user_risk_rank_fills_the_app_id_and_hides_the_mobile_number() {
    let server = MockServer::start().await;
    token_endpoint(&server, "TOKEN").await;
    let expected = json!({
        "appid": "wx-app",
        "openid": "OPENID",
        "scene": 0,
        "client_ip": "203.0.113.7",
        "mobile_no": "13800138000",
        "is_test": true,
    });
    Mock::given(method("POST"))
        .and(path(RISK))
        .and(body_json(&expected))
        .respond_with(json_response(example("security.getUserRiskRank")))
        .expect(1)
        .mount(&server)
        .await;
    let request = GetUserRiskRankRequest::new("OPENID", RiskScene::Register, "203.0.113.7")
        .mobile_no("13800138000")
        .is_test(true);
    let debug = format!("{request:?}");
    assert!(!debug.contains("13800138000"), "{debug}");
    let r = client(&server)
        .security()
        .get_user_risk_rank(request)
        .await
        .unwrap();
    assert_eq!(r.risk_rank, 0);
    assert_eq!(r.unoin_id, Some(123456));
}

#[tokio::test]
async fn get_user_risk_rank_maps_every_documented_errcode() {
    use GetUserRiskRankError as E;
    let cases: &[(i64, IsVariant<E>)] = &[
        (-1, |e| matches!(e, E::SystemBusy { .. })),
        (40001, |e| matches!(e, E::AccessTokenInvalid { .. })),
        (40003, |e| matches!(e, E::InvalidOpenid { .. })),
        (40129, |e| matches!(e, E::InvalidScene { .. })),
        (41001, |e| matches!(e, E::AccessTokenMissing { .. })),
        (42001, |e| matches!(e, E::AccessTokenExpired { .. })),
        (43002, |e| matches!(e, E::RequirePost { .. })),
        (43104, |e| matches!(e, E::OpenidMismatch { .. })),
        (44002, |e| matches!(e, E::EmptyPostData { .. })),
        (47001, |e| matches!(e, E::DataFormatError { .. })),
        (48001, |e| matches!(e, E::ApiUnauthorized { .. })),
        (61007, |e| matches!(e, E::ThirdPartyUnauthorized { .. })),
        (61010, |e| matches!(e, E::UserNotRecentlyActive { .. })),
        (61080, |e| matches!(e, E::ServiceUnavailable { .. })),
        (61081, |e| matches!(e, E::TooFrequent { .. })),
        (9410009, |e| matches!(e, E::TestQuotaExhausted { .. })),
    ];
    assert_codes(
        RISK,
        cases,
        |e| matches!(e, E::Other { .. }),
        |c| async move {
            c.security()
                .get_user_risk_rank(GetUserRiskRankRequest::new(
                    "o",
                    RiskScene::Ugc,
                    "127.0.0.1",
                ))
                .access_token("FIXED")
                .await
        },
    )
    .await;
}
