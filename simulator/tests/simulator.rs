//! The real clients against the local simulator (features `simulator` + `wechat`; the
//! Baidu and Jucai tests also need `baidu` / `jucai`): tokens issued and cached, examples
//! decoded, forced errcodes as typed variants, a real PNG, required fields, credentials,
//! expiry, delays, routing (per-platform prefixes), redaction, Jucai signs both ways, and
//! a platform registered with one call.
#![cfg(feature = "wechat")]

use miniapp::__private::{Auth, EndpointInfo, Envelope, EnvelopeStyle, HttpMethod, ResponseKind};
use miniapp::runtime::Code;
use miniapp::token::TokenError;
use miniapp::wechat::analysis::GetDailyRetainRequest;
use miniapp::wechat::auth::{
    Code2SessionError, Code2SessionRequest, GetAccessTokenError, GetPaidUnionIdError,
    GetPaidUnionIdOrder, GetPaidUnionIdRequest, GetStableAccessTokenError,
    GetStableAccessTokenRequest,
};
use miniapp::wechat::customer_service_message::{
    MediaType, SendMessage, SendRequest, TextMessage, UploadTempMediaRequest,
};
use miniapp::wechat::img::{ScanQrCodeImage, ScanQrCodeRequest};
use miniapp::wechat::wxacode::{GetUnlimitedError, GetUnlimitedRequest};
use miniapp::wechat::Client;
use miniapp::{Error, RetryPolicy};
use miniapp_simulator::{Simulator, DEFAULT_APP_ID, DEFAULT_SECRET, PNG_SIGNATURE};
use serde_json::{json, Value};
use std::future::Future;
use std::time::Duration;

/// Every test finishes within this, whatever happens.
const LIMIT: Duration = Duration::from_secs(15);

async fn bounded<F: Future<Output = ()>>(test: F) {
    tokio::time::timeout(LIMIT, test)
        .await
        .expect("test took too long");
}

fn client(sim: &Simulator) -> Client {
    Client::builder(DEFAULT_APP_ID, DEFAULT_SECRET)
        .base_url(sim.base_url())
        .timeout(Duration::from_secs(5))
        .build()
}

fn paid(order: GetPaidUnionIdOrder) -> GetPaidUnionIdRequest {
    GetPaidUnionIdRequest::new("oGZUI0egBJY1zhBYw2KhdUfwVJJE", order)
}

async fn raw_json(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let body = response.text().await.expect("body");
    (status, serde_json::from_str(&body).expect("a JSON body"))
}

/// A token issued by the simulator, fetched by hand.
async fn raw_token(http: &reqwest::Client, sim: &Simulator) -> String {
    let (_, body) = raw_json(
        http.get(format!("{}/cgi-bin/token", sim.base_url()))
            .query(&[
                ("grant_type", "client_credential"),
                ("appid", DEFAULT_APP_ID),
                ("secret", DEFAULT_SECRET),
            ])
            .send()
            .await
            .expect("send"),
    )
    .await;
    body["access_token"].as_str().expect("a token").to_owned()
}

#[tokio::test]
async fn one_token_request_serves_many_calls() {
    bounded(async {
        let sim = Simulator::start().await.unwrap();
        let wx = client(&sim);
        let by_tx = wx
            .auth()
            .get_paid_union_id(paid(GetPaidUnionIdOrder::transaction_id("4200000001")))
            .await
            .unwrap();
        assert_eq!(by_tx.unionid, "oTmHYjg-tElZ68xxxxxxxxhy1Rgk");
        wx.auth()
            .get_paid_union_id(paid(GetPaidUnionIdOrder::merchant_order(
                "1230000109",
                "T1",
            )))
            .await
            .unwrap();
        let retain = wx
            .analysis()
            .get_daily_retain(GetDailyRetainRequest::new("20170313", "20170313"))
            .await
            .unwrap();
        assert_eq!(retain.ref_date, "20170313");
        assert_eq!(retain.visit_uv[0].value, 55500);

        assert_eq!(sim.token_requests(), 1);
        assert_eq!(sim.count("auth.getAccessToken"), 1);
        assert_eq!(sim.count("auth.getPaidUnionId"), 2);
        let log = sim.requests();
        let issued = log[0].query_value("appid");
        assert_eq!(issued, Some(DEFAULT_APP_ID));
        let tokens: Vec<_> = log[1..]
            .iter()
            .map(|r| r.query_value("access_token").unwrap().to_owned())
            .collect();
        assert!(tokens.iter().all(|t| t == &tokens[0]), "one cached token");
        // The alternatives reached the wire as documented.
        assert_eq!(log[1].query_value("transaction_id"), Some("4200000001"));
        assert_eq!(log[2].query_value("mch_id"), Some("1230000109"));
        assert_eq!(log[2].query_value("out_trade_no"), Some("T1"));
        assert_eq!(log[2].query_value("transaction_id"), None);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_calls_share_one_token_request() {
    bounded(async {
        let sim = Simulator::start().await.unwrap();
        let wx = client(&sim);
        let mut calls = tokio::task::JoinSet::new();
        for i in 0..16 {
            let wx = wx.clone();
            calls.spawn(async move {
                wx.auth()
                    .get_paid_union_id(paid(GetPaidUnionIdOrder::transaction_id(i.to_string())))
                    .await
                    .map(|r| r.unionid)
            });
        }
        while let Some(done) = calls.join_next().await {
            done.unwrap().unwrap();
        }
        assert_eq!(sim.token_requests(), 1, "single flight");
        assert_eq!(sim.count("auth.getPaidUnionId"), 16);
    })
    .await;
}

#[tokio::test]
async fn each_issue_is_a_new_token_with_the_configured_lifetime() {
    bounded(async {
        let sim = Simulator::builder()
            .token_lifetime(Duration::from_secs(600))
            .start()
            .await
            .unwrap();
        let wx = client(&sim);
        let a = wx.auth().get_access_token().await.unwrap();
        let b = wx.auth().get_access_token().await.unwrap();
        assert_ne!(a.access_token.expose(), b.access_token.expose());
        assert_eq!((a.expires_in, b.expires_in), (600, 600));
        // Both stay valid (WeChat keeps the previous token for a while).
        for token in [a.access_token.expose(), b.access_token.expose()] {
            wx.auth()
                .get_paid_union_id(paid(GetPaidUnionIdOrder::transaction_id("1")))
                .access_token(token.clone())
                .await
                .unwrap();
        }
    })
    .await;
}

#[tokio::test]
async fn stable_token_is_reused_until_forced() {
    bounded(async {
        let sim = Simulator::start().await.unwrap();
        let wx = client(&sim);
        let first = wx
            .auth()
            .get_stable_access_token(GetStableAccessTokenRequest::new())
            .await
            .unwrap();
        let again = wx
            .auth()
            .get_stable_access_token(GetStableAccessTokenRequest::new())
            .await
            .unwrap();
        assert_eq!(first.access_token.expose(), again.access_token.expose());
        let forced = wx
            .auth()
            .get_stable_access_token(GetStableAccessTokenRequest::new().force_refresh(true))
            .await
            .unwrap();
        assert_ne!(first.access_token.expose(), forced.access_token.expose());
        // The forced refresh invalidated the old stable token.
        let err = wx
            .auth()
            .get_paid_union_id(paid(GetPaidUnionIdOrder::transaction_id("1")))
            .access_token(first.access_token.expose().clone())
            .await
            .unwrap_err();
        assert!(matches!(
            err.api(),
            Some(GetPaidUnionIdError::AccessTokenInvalid { .. })
        ));
        // The secret travelled in the JSON body, and the log does not show it.
        let log = sim.requests();
        let body = log[0].body_json().unwrap();
        assert_eq!(body["secret"], DEFAULT_SECRET);
        assert_eq!(body["grant_type"], "client_credential");
        assert!(!format!("{log:?}").contains(DEFAULT_SECRET));
        assert_eq!(sim.token_requests(), 3);
    })
    .await;
}

#[tokio::test]
async fn code2session_answers_the_docs_example() {
    bounded(async {
        let sim = Simulator::start().await.unwrap();
        let wx = client(&sim);
        let session = wx
            .auth()
            .code2_session(Code2SessionRequest::new("js-code-from-wx-login"))
            .await
            .unwrap();
        assert_eq!(session.openid, "oGZUI0egBJY1zhBYw2KhdUfwVJJE");
        assert_eq!(session.session_key.expose(), "tiihtNczf5v6AKRyjwEUhQ==");
        assert_eq!(
            session.unionid.as_deref(),
            Some("ocMvos6NjeKLIBqg5Mr9QjxrP1FA")
        );
        let sent = &sim.requests()[0];
        assert_eq!(sent.path, "/sns/jscode2session");
        assert_eq!(sent.query_value("js_code"), Some("js-code-from-wx-login"));
        assert_eq!(sent.query_value("grant_type"), Some("authorization_code"));
        assert_eq!(sim.token_requests(), 0, "code2Session needs no token");
    })
    .await;
}

#[tokio::test]
async fn fail_next_gives_the_typed_variant_then_recovers() {
    bounded(async {
        let sim = Simulator::start().await.unwrap();
        let wx = client(&sim);
        sim.fail_next("auth.code2Session", 40029, 1);
        let err = wx
            .auth()
            .code2_session(Code2SessionRequest::new("c"))
            .await
            .unwrap_err();
        match err.api() {
            Some(e @ Code2SessionError::InvalidCode { message }) => {
                assert_eq!(message, "code 无效", "the doc text from the errors table");
                assert_eq!(e.code(), 40029);
            }
            other => panic!("expected InvalidCode, got {other:?} ({err})"),
        }
        assert_eq!(err.endpoint(), "auth.code2Session");
        wx.auth()
            .code2_session(Code2SessionRequest::new("c"))
            .await
            .expect("only one call fails");

        // Qualified name, a code outside the table, several times.
        sim.fail_next("wechat:auth.code2Session", 12345, 2);
        for _ in 0..2 {
            let err = wx
                .auth()
                .code2_session(Code2SessionRequest::new("c"))
                .await
                .unwrap_err();
            assert!(matches!(
                err.api(),
                Some(Code2SessionError::Other { code: 12345, .. })
            ));
        }
        assert_eq!(sim.count("auth.code2Session"), 4);
    })
    .await;
}

#[tokio::test]
async fn busy_is_retried_and_token_errors_refresh_once() {
    bounded(async {
        let sim = Simulator::start().await.unwrap();
        let wx = Client::builder(DEFAULT_APP_ID, DEFAULT_SECRET)
            .base_url(sim.base_url())
            .retry_policy(RetryPolicy {
                base_delay: Duration::from_millis(1),
                ..RetryPolicy::default()
            })
            .build();
        // -1 (system busy) on an idempotent call: retried by the runtime.
        sim.fail_next("auth.getPaidUnionId", -1, 1);
        wx.auth()
            .get_paid_union_id(paid(GetPaidUnionIdOrder::transaction_id("1")))
            .await
            .unwrap();
        assert_eq!(sim.count("auth.getPaidUnionId"), 2);

        // Expired tokens: 42001, the client fetches a new token and retries once.
        sim.expire_tokens();
        wx.auth()
            .get_paid_union_id(paid(GetPaidUnionIdOrder::transaction_id("1")))
            .await
            .unwrap();
        let codes: Vec<_> = sim.requests().iter().map(|r| r.code.clone()).collect();
        assert_eq!(
            &codes[codes.len() - 3..],
            &[
                Some(Code::Int(42001)),
                Some(Code::Int(0)),
                Some(Code::Int(0))
            ],
            "expired, new token, retried call"
        );
        assert_eq!(sim.token_requests(), 2);
    })
    .await;
}

#[tokio::test]
async fn binary_endpoint_returns_a_png() {
    bounded(async {
        let sim = Simulator::start().await.unwrap();
        let wx = client(&sim);
        let media = wx
            .wxacode()
            .get_unlimited(GetUnlimitedRequest::new("id=42").width(430))
            .await
            .unwrap();
        assert_eq!(media.content_type, "image/png");
        assert!(media.bytes.starts_with(&PNG_SIGNATURE));
        assert_eq!(&media.bytes[12..16], b"IHDR");
        assert!(media.bytes.ends_with(&[0xae, 0x42, 0x60, 0x82]), "IEND CRC");
        let sent = sim.requests().pop().unwrap();
        assert_eq!(sent.body_json().unwrap()["scene"], "id=42");
        assert_eq!(sent.code, None);

        // A binary endpoint's failure is a JSON errcode, decoded as its typed variant.
        sim.fail_next("wxacode.getUnlimited", 45009, 1);
        let err = wx
            .wxacode()
            .get_unlimited(GetUnlimitedRequest::new("id=42"))
            .await
            .unwrap_err();
        assert!(matches!(
            err.api(),
            Some(GetUnlimitedError::DailyQuotaReached { .. })
        ));
    })
    .await;
}

#[tokio::test]
async fn other_groups_answer_their_examples() {
    bounded(async {
        let sim = Simulator::start().await.unwrap();
        let wx = client(&sim);
        wx.customer_service_message()
            .send(SendRequest::new(
                "oGZUI0egBJY1zhBYw2KhdUfwVJJE",
                SendMessage::text(TextMessage::new("hello")),
            ))
            .await
            .unwrap();
        let scan = wx
            .img()
            .scan_qr_code(ScanQrCodeRequest::new(ScanQrCodeImage::url(
                "https://example.com/qr.png",
            )))
            .await
            .unwrap();
        assert_eq!(scan.code_results[0].type_name, "QR_CODE");
        let upload = wx
            .customer_service_message()
            .upload_temp_media(UploadTempMediaRequest::new(
                MediaType::Image,
                miniapp::runtime::FileUpload::new(
                    "qr.png",
                    "image/png",
                    miniapp_simulator::demo_png().to_vec(),
                ),
            ))
            .await
            .unwrap();
        assert!(!upload.media_id.is_empty());
        let log = sim.requests();
        let sent = log.last().unwrap();
        assert_eq!(sent.parts, ["media"]);
        assert_eq!(sent.query_value("type"), Some("image"));
    })
    .await;
}

#[tokio::test]
async fn missing_required_fields_are_refused() {
    bounded(async {
        let sim = Simulator::start().await.unwrap();
        let http = reqwest::Client::new();
        let token = raw_token(&http, &sim).await;

        let (status, body) = raw_json(
            http.post(format!("{}/wxa/getwxacodeunlimit", sim.base_url()))
                .query(&[("access_token", &token)])
                .json(&json!({"page": "pages/index/index"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(body["errcode"], 47001);
        assert!(body["errmsg"].as_str().unwrap().contains("`scene`"));

        let (_, body) = raw_json(
            http.get(format!("{}/sns/jscode2session", sim.base_url()))
                .query(&[
                    ("appid", DEFAULT_APP_ID),
                    ("secret", DEFAULT_SECRET),
                    ("grant_type", "authorization_code"),
                ])
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(body["errcode"], 47001);
        assert!(body["errmsg"].as_str().unwrap().contains("`js_code`"));

        // A multipart body without its file part.
        let form = reqwest::multipart::Form::new().text("note", "no file");
        let (_, body) = raw_json(
            http.post(format!("{}/cgi-bin/media/upload", sim.base_url()))
                .query(&[("access_token", token.as_str()), ("type", "image")])
                .multipart(form)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert!(body["errmsg"].as_str().unwrap().contains("`media`"));

        // A JSON body that is not JSON.
        let (_, body) = raw_json(
            http.post(format!("{}/cgi-bin/message/custom/send", sim.base_url()))
                .query(&[("access_token", &token)])
                .header("content-type", "application/json")
                .body("{not json")
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(body["errcode"], 47001);
    })
    .await;
}

#[tokio::test]
async fn access_tokens_are_checked() {
    bounded(async {
        let sim = Simulator::start().await.unwrap();
        let http = reqwest::Client::new();
        let url = format!("{}/wxa/getpaidunionid", sim.base_url());
        let (_, missing) = raw_json(http.get(&url).query(&[("openid", "o")]).send().await.unwrap()).await;
        assert_eq!(missing["errcode"], 41001);
        let (_, unknown) = raw_json(
            http.get(&url)
                .query(&[("openid", "o"), ("access_token", "made-up")])
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(unknown["errcode"], 40001);
        assert_eq!(
            unknown["errmsg"],
            "access_token 无效或不是最新的(获取 access_token 时 AppSecret 错误,或者 access_token 无效)"
        );
    })
    .await;
}

#[tokio::test]
async fn short_lived_tokens_expire_and_are_refreshed() {
    bounded(async {
        let sim = Simulator::builder()
            .token_lifetime(Duration::from_millis(300))
            .start()
            .await
            .unwrap();
        let wx = client(&sim);
        let t = wx.auth().get_access_token().await.unwrap();
        assert_eq!(t.expires_in, 1, "rounded up to whole seconds");
        tokio::time::sleep(Duration::from_millis(400)).await;
        let err = wx
            .auth()
            .get_paid_union_id(paid(GetPaidUnionIdOrder::transaction_id("1")))
            .access_token(t.access_token.expose().clone())
            .await
            .unwrap_err();
        assert!(matches!(
            err.api(),
            Some(GetPaidUnionIdError::AccessTokenExpired { .. })
        ));
    })
    .await;
}

#[tokio::test]
async fn wrong_secret_is_refused_with_the_documented_code() {
    bounded(async {
        let sim = Simulator::start().await.unwrap();
        let wx = Client::builder(DEFAULT_APP_ID, "not-the-secret")
            .base_url(sim.base_url())
            .build();
        let err = wx.auth().get_access_token().await.unwrap_err();
        match err.api() {
            Some(e @ GetAccessTokenError::InvalidAppSecret { .. }) => assert_eq!(e.code(), 40001),
            other => panic!("expected InvalidAppSecret, got {other:?}"),
        }
        let err = wx
            .auth()
            .get_stable_access_token(GetStableAccessTokenRequest::new())
            .await
            .unwrap_err();
        assert!(matches!(
            err.api(),
            Some(GetStableAccessTokenError::InvalidAppSecret { .. })
        ));
        // Through the token manager: the call reports the refusal, nothing else is sent.
        let err = wx
            .auth()
            .get_paid_union_id(paid(GetPaidUnionIdOrder::transaction_id("1")))
            .await
            .unwrap_err();
        match err {
            Error::Token {
                source: TokenError::Refused { code, .. },
                ..
            } => assert_eq!(code, 40001),
            other => panic!("expected a refused token, got {other}"),
        }
        assert_eq!(sim.count("auth.getPaidUnionId"), 0);
        // A wrong app id has its own code; code2Session checks the secret too.
        let other_app = Client::builder("wx-other", DEFAULT_SECRET)
            .base_url(sim.base_url())
            .build();
        let err = other_app.auth().get_access_token().await.unwrap_err();
        assert!(matches!(
            err.api(),
            Some(GetAccessTokenError::InvalidAppId { .. })
        ));
        let err = wx
            .auth()
            .code2_session(Code2SessionRequest::new("c"))
            .await
            .unwrap_err();
        assert_eq!(err.api().map(|e| e.code()), Some(Code::Int(40125)));
        // Nothing secret in the log.
        let shown = format!("{:?}", sim.requests());
        assert!(!shown.contains("not-the-secret") && !shown.contains(DEFAULT_SECRET));
    })
    .await;
}

#[tokio::test]
async fn delays_make_timeouts() {
    bounded(async {
        let sim = Simulator::start().await.unwrap();
        let wx = client(&sim);
        sim.set_delay("auth.code2Session", Duration::from_secs(3));
        let err = wx
            .auth()
            .code2_session(Code2SessionRequest::new("c"))
            .timeout(Duration::from_millis(200))
            .await
            .unwrap_err();
        assert!(err.is_timeout(), "{err}");
        assert_eq!(sim.count("auth.code2Session"), 1, "recorded on arrival");
        sim.set_delay("auth.code2Session", Duration::ZERO);
        wx.auth()
            .code2_session(Code2SessionRequest::new("c"))
            .timeout(Duration::from_millis(2000))
            .await
            .unwrap();
    })
    .await;
}

#[tokio::test]
async fn unknown_paths_and_methods_get_json_errors() {
    bounded(async {
        let sim = Simulator::start().await.unwrap();
        let http = reqwest::Client::new();
        let (status, body) = raw_json(
            http.get(format!("{}/no/such/api", sim.base_url()))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 404);
        assert_eq!(body["error"], "not found");
        let (status, _) = raw_json(
            http.get(format!("{}/wxa/getwxacodeunlimit", sim.base_url()))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 405);
        let log = sim.requests();
        assert_eq!(log.len(), 2);
        assert_eq!(log[0].endpoint, None);
        // The server is still fine.
        client(&sim).auth().get_access_token().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn reset_forgets_log_failures_and_delays_but_not_tokens() {
    bounded(async {
        let sim = Simulator::start().await.unwrap();
        let wx = client(&sim);
        wx.auth()
            .get_paid_union_id(paid(GetPaidUnionIdOrder::transaction_id("1")))
            .await
            .unwrap();
        sim.fail_next("auth.getPaidUnionId", 89300, 5);
        sim.set_delay("auth.getPaidUnionId", Duration::from_secs(10));
        sim.reset();
        assert!(sim.requests().is_empty());
        wx.auth()
            .get_paid_union_id(paid(GetPaidUnionIdOrder::transaction_id("1")))
            .await
            .unwrap();
        assert_eq!(sim.token_requests(), 0, "the cached token is still valid");
    })
    .await;
}

#[tokio::test]
#[should_panic(expected = "no endpoint named `auth.code2session`")]
async fn misspelled_endpoint_names_panic() {
    let sim = Simulator::start().await.unwrap();
    sim.fail_next("auth.code2session", 40029, 1);
}

#[tokio::test]
async fn dropping_stops_the_server() {
    bounded(async {
        let sim = Simulator::start().await.unwrap();
        let addr = sim.addr();
        drop(sim);
        let mut refused = false;
        for _ in 0..50 {
            if tokio::net::TcpStream::connect(addr).await.is_err() {
                refused = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(refused, "the listener closed");
    })
    .await;
}

// --- A second platform: one registration --------------------------------------------

#[cfg(feature = "baidu")]
static BAIDU_ENDPOINTS: &[EndpointInfo] = &[
    EndpointInfo {
        name: "auth.getAccessToken",
        method: HttpMethod::Get,
        path: "/oauth/2.0/token",
        needs_access_token: false,
        response: ResponseKind::Json,
        example: Some(
            r#"{"access_token":"X","expires_in":2592000,"scope":"smartapp_snsapi_base"}"#,
        ),
        required: &[],
        errors: &[],
        auth: Auth::AppSecret {
            app_id: "client_id",
            secret: "client_secret",
            in_body: false,
        },
        host: None,
        constants: &[
            ("grant_type", "client_credentials"),
            ("scope", "smartapp_snsapi_base"),
        ],
        issues_token: Some(miniapp::__private::TokenFields {
            token: "access_token",
            expires_in: "expires_in",
        }),
        // The schema's OAuth2.0 refusals (`invalid_client`, …).
        refusals:
            <miniapp::baidu::auth::GetAccessTokenRequest as miniapp::__private::Endpoint>::REFUSALS,
        check_wire: miniapp::__private::no_wire_checks,
        bare: true,
    },
    EndpointInfo {
        name: "auth.getUnionid",
        method: HttpMethod::Post,
        path: "/rest/2.0/smartapp/getunionid",
        needs_access_token: true,
        response: ResponseKind::Json,
        example: Some(
            r#"{"data":{"unionid":"St6PVMkgMDeh92Uq2EWfx6H"},"errmsg":"succ","errno":0}"#,
        ),
        required: &["openid"],
        errors: &[(
            miniapp::runtime::Code::Int(400),
            "参数错误,请检查 openid 是否传递正确",
        )],
        auth: Auth::AccessToken {
            name: "access_token",
        },
        host: None,
        constants: &[],
        issues_token: None,
        refusals: &[],
        check_wire: miniapp::__private::no_wire_checks,
        bare: false,
    },
];

const BAIDU_ENVELOPE: Envelope = Envelope {
    style: EnvelopeStyle::ErrnoData,
    code: "errno",
    message: "errmsg",
    code_alias: None,
    message_alias: None,
    success: &["0"],
    data: Some("data"),
    request_id: Some("request_id"),
    business_code: None,
    business_message: None,
    business_success: &[],
    result: None,
    sub_code: None,
    sub_message: None,
    operation: None,
    gateway: None,
    oauth: Some(miniapp::__private::OAuth {
        error: "error",
        description: "error_description",
        status: 400,
    }),
};

#[cfg(feature = "baidu")]
#[tokio::test]
async fn a_second_platform_registers_with_one_call() {
    bounded(async {
        let sim = Simulator::builder()
            .platform(
                miniapp_simulator::platform::baidu_with(BAIDU_ENDPOINTS, BAIDU_ENVELOPE)
                    .refusals(<miniapp::baidu::Baidu as miniapp::__private::Platform>::REFUSALS),
            )
            .credentials("baidu", "baidu-app-key", "baidu-secret")
            .only(&["wechat", "baidu"])
            .start()
            .await
            .unwrap();
        assert_eq!(sim.platforms(), ["wechat", "baidu"]);
        let http = reqwest::Client::new();
        let base = sim.base_url();
        // The OAuth token endpoint answers bare, or an OAuth2 error.
        let token_url = format!("{base}/oauth/2.0/token");
        let mut query = vec![
            ("grant_type", "client_credentials"),
            ("scope", "smartapp_snsapi_base"),
            ("client_id", "baidu-app-key"),
            ("client_secret", "wrong"),
        ];
        let (_, refused) = raw_json(http.get(&token_url).query(&query).send().await.unwrap()).await;
        assert_eq!(refused["error"], "invalid_client");
        query[3].1 = "baidu-secret";
        let (_, issued) = raw_json(http.get(&token_url).query(&query).send().await.unwrap()).await;
        let token = issued["access_token"].as_str().unwrap().to_owned();
        assert!(issued.get("errno").is_none(), "bare: {issued}");

        // Open API calls answer in the errno/data envelope.
        let unionid_url = format!("{base}/rest/2.0/smartapp/getunionid");
        let (_, ok) = raw_json(
            http.post(&unionid_url)
                .query(&[("access_token", &token)])
                .form(&[("openid", "o")])
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(ok["errno"], 0);
        assert_eq!(ok["data"]["unionid"], "St6PVMkgMDeh92Uq2EWfx6H");
        assert!(ok["request_id"].is_string());
        // A WeChat token is not a Baidu token.
        let wx_token = raw_token(&http, &sim).await;
        let (_, foreign) = raw_json(
            http.post(&unionid_url)
                .query(&[("access_token", &wx_token)])
                .form(&[("openid", "o")])
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(foreign["errno"], 110);
        sim.fail_next("baidu:auth.getUnionid", 400, 1);
        let (_, forced) = raw_json(
            http.post(&unionid_url)
                .query(&[("access_token", &token)])
                .form(&[("openid", "o")])
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(forced["errno"], 400);
        assert_eq!(forced["errmsg"], "参数错误,请检查 openid 是否传递正确");
        assert_eq!(sim.token_requests(), 3);
        let shown = format!("{:?}", sim.requests());
        assert!(!shown.contains("baidu-secret") && !shown.contains(&token));
    })
    .await;
}

#[tokio::test]
async fn platforms_sharing_a_path_are_told_apart_by_their_prefix() {
    bounded(async {
        static CLASH: &[EndpointInfo] = &[EndpointInfo {
            name: "auth.token",
            method: HttpMethod::Get,
            path: "/cgi-bin/token",
            needs_access_token: false,
            response: ResponseKind::Json,
            example: Some(r#"{"clash":true}"#),
            required: &[],
            errors: &[],
            auth: Auth::None,
            host: None,
            constants: &[],
            issues_token: None,
            refusals: &[],
            check_wire: miniapp::__private::no_wire_checks,
            bare: false,
        }];
        let clash = || miniapp_simulator::Platform::new("clash", CLASH, BAIDU_ENVELOPE);
        let sim = Simulator::builder()
            .platform(clash())
            .only(&["wechat", "clash"])
            .start()
            .await
            .unwrap();
        let http = reqwest::Client::new();
        // The root cannot tell whose /cgi-bin/token is meant, and says how to ask.
        let (status, body) = raw_json(
            http.get(format!("{}/cgi-bin/token", sim.base_url()))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 409);
        assert_eq!(body["platforms"], json!(["wechat", "clash"]));
        let message = body["message"].as_str().unwrap();
        assert!(message.contains("/clash/cgi-bin/token"), "{message}");
        // Each prefix serves its own platform.
        let (_, own) = raw_json(
            http.get(format!("{}/cgi-bin/token", sim.url("clash")))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(own["data"]["clash"], true);
        let wx = Client::builder(DEFAULT_APP_ID, DEFAULT_SECRET)
            .base_url(sim.url("wechat"))
            .build();
        wx.auth()
            .get_paid_union_id(paid(GetPaidUnionIdOrder::transaction_id("1")))
            .await
            .unwrap();
        assert_eq!(sim.count("wechat:auth.getAccessToken"), 1);
        assert_eq!(sim.count("clash:auth.token"), 1);
        let paths: Vec<_> = sim.requests().into_iter().map(|r| r.path).collect();
        assert_eq!(
            paths,
            [
                "/cgi-bin/token",
                "/clash/cgi-bin/token",
                "/wechat/cgi-bin/token",
                "/wechat/wxa/getpaidunionid"
            ]
        );
        // Paths only one platform has still work at the root; a prefix is no wildcard.
        client(&sim)
            .auth()
            .code2_session(Code2SessionRequest::new("c"))
            .await
            .unwrap();
        let (status, _) = raw_json(
            http.get(format!("{}/sns/jscode2session", sim.url("clash")))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 404);
        let (status, _) = raw_json(
            http.post(format!("{}/cgi-bin/token", sim.url("clash")))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 405);

        // One platform serving a path twice is a schema error; one platform alone is
        // still a `only` away.
        static TWICE: &[EndpointInfo] = &[CLASH[0], CLASH[0]];
        let err = Simulator::builder()
            .platform(miniapp_simulator::Platform::new(
                "twice",
                TWICE,
                BAIDU_ENVELOPE,
            ))
            .start()
            .await
            .unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
        assert!(
            err.to_string().contains("serves GET /cgi-bin/token twice"),
            "{err}"
        );
        let alone = Simulator::builder()
            .platform(clash())
            .only(&["clash"])
            .start()
            .await
            .unwrap();
        assert_eq!(alone.platforms(), ["clash"]);
    })
    .await;
}

#[tokio::test]
#[should_panic(expected = "no platform named `baidoo`")]
async fn misspelled_platform_urls_panic() {
    let sim = Simulator::start().await.unwrap();
    let _ = sim.url("baidoo");
}

#[tokio::test]
async fn the_builtin_platforms_share_no_path() {
    bounded(async {
        let sim = Simulator::start().await.unwrap();
        let mut names = vec!["wechat"];
        if cfg!(feature = "baidu") {
            names.push("baidu");
        }
        if cfg!(feature = "jucai") {
            names.push("jucai");
        }
        if cfg!(feature = "wechatpay") {
            names.push("wechatpay");
        }
        if cfg!(feature = "wechatpay_v3") {
            names.push("wechatpay_v3");
        }
        if cfg!(feature = "alipay") {
            names.push("alipay");
        }
        assert_eq!(sim.platforms(), names);
        // A gateway platform (Alipay) serves every call on one path, told apart by its
        // constants (`method`, `grant_type`): a route is the method, path and constants.
        let mut routes: Vec<_> = sim
            .endpoints()
            .iter()
            .map(|(_, e)| (format!("{:?}", e.method), e.path, e.constants))
            .collect();
        let all = routes.len();
        routes.sort();
        routes.dedup();
        assert_eq!(
            routes.len(),
            all,
            "every builtin path works at the root too"
        );
    })
    .await;
}

#[tokio::test]
async fn the_admin_prefix_is_reserved() {
    bounded(async {
        let sim = Simulator::start().await.unwrap();
        let reserved = |path: &str| path == "/_admin" || path.starts_with("/_admin/");
        assert!(sim.endpoints().iter().all(|(_, e)| !reserved(e.path)));
        assert!(sim.platforms().iter().all(|p| *p != "_admin"));
        // The admin API answers on a simulator started from Rust too, and is no platform
        // request: the log stays empty.
        let (status, health) = raw_json(
            reqwest::get(format!("{}/_admin/health", sim.base_url()))
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(health["base_url"], sim.base_url());
        assert!(sim.requests().is_empty());
        let err = sim.try_fail_next("auth.code2Sesion", 40029, 1).unwrap_err();
        assert_eq!(err.name, "auth.code2Sesion");

        // A platform that would be served under the prefix is refused, by its name (its
        // own prefix) or by a path.
        static UNDER: &[EndpointInfo] = &[EndpointInfo {
            name: "auth.token",
            method: HttpMethod::Get,
            path: "/_admin/health",
            needs_access_token: false,
            response: ResponseKind::Json,
            example: None,
            required: &[],
            errors: &[],
            auth: Auth::None,
            host: None,
            constants: &[],
            issues_token: None,
            refusals: &[],
            check_wire: miniapp::__private::no_wire_checks,
            bare: false,
        }];
        static BESIDE: &[EndpointInfo] = &[EndpointInfo {
            path: "/_adminx/health",
            ..UNDER[0]
        }];
        for (name, endpoints, why) in [
            ("_admin", BESIDE, "no platform can be named `_admin`"),
            ("shadow", UNDER, "is at /_admin/health, under /_admin/"),
        ] {
            let err = Simulator::builder()
                .platform(miniapp_simulator::Platform::new(
                    name,
                    endpoints,
                    BAIDU_ENVELOPE,
                ))
                .start()
                .await
                .unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
            assert!(err.to_string().contains(why), "{err}");
        }
        // A path that merely starts with the same letters is no collision.
        Simulator::builder()
            .platform(miniapp_simulator::Platform::new(
                "beside",
                BESIDE,
                BAIDU_ENVELOPE,
            ))
            .start()
            .await
            .unwrap();
    })
    .await;
}

// --- Baidu: the real client ---------------------------------------------------------

#[cfg(feature = "baidu")]
mod baidu {
    use super::*;
    use miniapp::baidu::auth::{
        GetUnionidError, GetUnionidRequest, Jscode2SessionKeyError, Jscode2SessionKeyRequest,
    };

    const APP_KEY: &str = "baidu-app-key";
    const APP_SECRET: &str = "baidu-app-secret";

    async fn sim() -> Simulator {
        Simulator::builder()
            .credentials("baidu", APP_KEY, APP_SECRET)
            .start()
            .await
            .unwrap()
    }

    fn client(sim: &Simulator, secret: &str) -> miniapp::baidu::Client {
        miniapp::baidu::Client::builder(APP_KEY, secret)
            .base_url(sim.url("baidu"))
            .timeout(Duration::from_secs(5))
            .retry_policy(RetryPolicy {
                base_delay: Duration::from_millis(1),
                ..RetryPolicy::default()
            })
            .build()
    }

    /// The two endpoints answering outside the envelope refuse in the schema's OAuth2.0
    /// fields: the token endpoint with OAuth2.0's error names (`oauth_errors`) and HTTP
    /// 400, no errno; jscode2sessionkey with its errno and the text in two, as in its
    /// docs' example.
    #[tokio::test]
    async fn the_bare_endpoints_refuse_in_the_oauth_spelling() {
        bounded(async {
            let sim = sim().await;
            let http = reqwest::Client::new();
            let token_url = format!("{}/oauth/2.0/token", sim.url("baidu"));
            let good = [
                ("grant_type", "client_credentials"),
                ("scope", "smartapp_snsapi_base"),
                ("client_id", APP_KEY),
                ("client_secret", APP_SECRET),
            ];
            let cases = [
                (3, "wrong", "invalid_client", "unknown client id"),
                (2, "someone-else", "invalid_client", "unknown client id"),
                (0, "password", "unsupported_grant_type", "The authorization grant type is not supported"),
                (1, "snsapi_userinfo", "invalid_scope", "The requested scope is exceeds the scope granted by the resource owner"),
            ];
            for (at, value, error, description) in cases {
                let mut query = good;
                query[at].1 = value;
                let sent = http.get(&token_url).query(&query).send().await.unwrap();
                let (status, body) = raw_json(sent).await;
                assert_eq!(status, 400, "{body}");
                assert_eq!(
                    body,
                    json!({"error": error, "error_description": description}),
                    "{}={value}",
                    query[at].0
                );
                let logged = sim.requests().pop().unwrap();
                assert_eq!((logged.status, logged.code), (400, Some(Code::from(error))));
            }
            let (status, issued) =
                raw_json(http.get(&token_url).query(&good).send().await.unwrap()).await;
            assert_eq!(status, 200);
            assert!(issued["access_token"].is_string() && issued.get("errno").is_none());

            let session_url = format!("{}/oauth/jscode2sessionkey", sim.url("baidu"));
            let form = |code: Option<&str>, sk: &str| {
                let mut form = vec![("client_id", APP_KEY.to_owned()), ("sk", sk.to_owned())];
                form.extend(code.map(|c| ("code", c.to_owned())));
                http.post(&session_url).form(&form).send()
            };
            let (status, body) = raw_json(form(Some("c"), "wrong").await.unwrap()).await;
            assert_eq!(status, 200);
            assert_eq!(
                body,
                json!({"errno": 10010100, "error": "parameter is invalid", "error_description": "sk"})
            );
            let (_, body) = raw_json(form(None, APP_SECRET).await.unwrap()).await;
            assert_eq!((&body["errno"], &body["error"]), (&json!(10010100), &json!("parameter is invalid")));
            let why = body["error_description"].as_str().unwrap();
            assert!(why.contains("`code`"), "{body}");
            let (_, body) = raw_json(form(Some("c"), APP_SECRET).await.unwrap()).await;
            assert!(body["openid"].is_string() && body.get("errno").is_none(), "{body}");
        })
        .await;
    }

    #[tokio::test]
    async fn token_session_and_unionid() {
        bounded(async {
            let sim = sim().await;
            let bd = client(&sim, APP_SECRET);

            // getAccessToken through the token manager: bare OAuth answer, cached.
            let token = bd.token_source().token().await.unwrap();
            assert!(token.secret().starts_with("SIM-BAIDU-"));
            assert_eq!(token.remaining().as_secs_f64().round() as u64, 7200);
            let sent = sim.requests().pop().unwrap();
            assert_eq!(sent.path, "/baidu/oauth/2.0/token");
            assert_eq!(sent.query_value("client_id"), Some(APP_KEY));
            assert_eq!(sent.query_value("client_secret"), Some(APP_SECRET));
            assert_eq!(sent.query_value("grant_type"), Some("client_credentials"));
            assert_eq!(sent.query_value("scope"), Some("smartapp_snsapi_base"));

            // jscode2sessionkey: form body on the `spapi` host (the same base URL here).
            let session = bd
                .auth()
                .jscode2_session_key(Jscode2SessionKeyRequest::new("code-from-swan-login"))
                .await
                .unwrap();
            assert_eq!(session.openid, "l214zFqNrEuIEnp6m7Y01sw8yj");
            assert_eq!(
                session.session_key.expose(),
                "981ce8b151c0599acf7ad1a673c6ff5e"
            );
            let sent = sim.requests().pop().unwrap();
            assert_eq!(sent.path, "/baidu/oauth/jscode2sessionkey");
            assert!(sent
                .content_type
                .as_deref()
                .unwrap()
                .starts_with("application/x-www-form-urlencoded"));
            let form: Vec<(String, String)> =
                serde_urlencoded::from_str(sent.body_text.as_deref().unwrap()).unwrap();
            let field = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
            assert_eq!(field("code"), Some("code-from-swan-login"));
            assert_eq!(field("client_id"), Some(APP_KEY));
            assert_eq!(field("sk"), Some(APP_SECRET));

            // getunionid: the docs' example decoded out of `data`, with the cached token.
            let union = bd
                .auth()
                .get_unionid(GetUnionidRequest::new(session.openid.clone()))
                .await
                .unwrap();
            assert_eq!(union.unionid, "St6PVMkgMDeh92Uq2EWfx6H");
            let sent = sim.requests().pop().unwrap();
            assert_eq!(sent.query_value("access_token"), Some(token.secret()));
            assert_eq!(sim.token_requests(), 1);
            assert_eq!(sim.count("baidu:auth.getUnionid"), 1);

            // Nothing secret in the log's Debug/Display.
            let shown = format!("{:?} {}", sim.requests(), sim.requests()[1]);
            assert!(!shown.contains(APP_SECRET), "{shown}");
            assert!(!shown.contains(token.secret()), "{shown}");
            assert!(!shown.contains("981ce8b151c0599acf7ad1a673c6ff5e"));
        })
        .await;
    }

    /// An expired token is answered as Baidu's open API gateway answers it — `{error_code:
    /// 111, error_msg}`, not the business envelope — and the client refreshes once.
    #[tokio::test]
    async fn an_expired_token_is_answered_by_the_gateway_and_refreshed_once() {
        bounded(async {
            let sim = sim().await;
            let bd = client(&sim, APP_SECRET);
            bd.auth()
                .get_unionid(GetUnionidRequest::new("o"))
                .await
                .unwrap();
            let old = bd.token_source().token().await.unwrap();
            sim.expire_tokens();
            // On the wire, as any language sees it.
            let answer: serde_json::Value = reqwest::Client::new()
                .post(format!(
                    "{}/rest/2.0/smartapp/getunionid?access_token={}",
                    sim.url("baidu"),
                    old.secret()
                ))
                .form(&[("openid", "o")])
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert_eq!(answer["error_code"], 111, "{answer}");
            assert!(answer.get("errno").is_none(), "{answer}");
            // Through the client: typed as token-invalid, one refresh, one retry.
            bd.auth()
                .get_unionid(GetUnionidRequest::new("o"))
                .await
                .unwrap();
            let codes: Vec<_> = sim.requests().iter().map(|r| r.code.clone()).collect();
            assert_eq!(
                &codes[codes.len() - 3..],
                &[Some(Code::Int(111)), Some(Code::Int(0)), Some(Code::Int(0))],
                "expired, new token, retried call"
            );
            assert_eq!(sim.token_requests(), 2, "one refresh");
        })
        .await;
    }

    #[tokio::test]
    async fn forced_errnos_map_to_their_variants() {
        bounded(async {
            let sim = sim().await;
            let bd = client(&sim, APP_SECRET);
            sim.fail_next("baidu:auth.getUnionid", 400, 1);
            let err = bd
                .auth()
                .get_unionid(GetUnionidRequest::new("o"))
                .await
                .unwrap_err();
            match err.api() {
                Some(e @ GetUnionidError::ParameterError { message }) => {
                    assert_eq!(e.code(), 400);
                    assert!(message.starts_with("参数错误,请检查 openid 是否传递正确"));
                    assert!(message.contains("(request_id sim-"), "{message}");
                }
                other => panic!("expected ParameterError, got {other:?} ({err})"),
            }
            // 10010500 (server busy) is retryable on the idempotent getunionid: retried.
            sim.fail_next("baidu:auth.getUnionid", 10010500, 1);
            bd.auth()
                .get_unionid(GetUnionidRequest::new("o"))
                .await
                .unwrap();
            assert_eq!(sim.count("baidu:auth.getUnionid"), 3);

            // The session endpoint's own error shape {errno, error, error_description}.
            sim.fail_next("auth.jscode2SessionKey", 10010100, 1);
            let err = bd
                .auth()
                .jscode2_session_key(Jscode2SessionKeyRequest::new("c"))
                .await
                .unwrap_err();
            assert!(
                matches!(
                    err.api(),
                    Some(Jscode2SessionKeyError::ParameterInvalid { .. })
                ),
                "{err}"
            );
            // A code outside the table.
            sim.fail_next("baidu:auth.jscode2SessionKey", 123, 1);
            let err = bd
                .auth()
                .jscode2_session_key(Jscode2SessionKeyRequest::new("c"))
                .await
                .unwrap_err();
            assert!(matches!(
                err.api(),
                Some(Jscode2SessionKeyError::Other { code: 123, .. })
            ));
        })
        .await;
    }

    #[tokio::test]
    async fn wrong_credentials_and_tokens_are_refused() {
        bounded(async {
            let sim = sim().await;
            let bd = client(&sim, "not-the-secret");
            // The token endpoint answers OAuth2.0 `invalid_client`; the call reports it.
            let err = bd
                .auth()
                .get_unionid(GetUnionidRequest::new("o"))
                .await
                .unwrap_err();
            match &err {
                Error::Token {
                    source: TokenError::Upstream(reason),
                    ..
                } => assert!(reason.contains("invalid_client"), "{reason}"),
                other => panic!("expected an OAuth refusal, got {other}"),
            }
            assert_eq!(sim.count("baidu:auth.getUnionid"), 0);
            let err = bd
                .auth()
                .jscode2_session_key(Jscode2SessionKeyRequest::new("c"))
                .await
                .unwrap_err();
            assert_eq!(
                err.api().map(|e| e.code()),
                Some(Code::Int(10010100)),
                "{err}"
            );

            // A token the simulator never issued (a WeChat one, say): errno 110.
            let err = client(&sim, APP_SECRET)
                .auth()
                .get_unionid(GetUnionidRequest::new("o"))
                .access_token("made-up")
                .await
                .unwrap_err();
            assert_eq!(err.api().map(|e| e.code()), Some(Code::Int(110)), "{err}");
            let shown = format!("{:?}", sim.requests());
            assert!(!shown.contains("not-the-secret") && !shown.contains(APP_SECRET));
        })
        .await;
    }
}

// --- Jucai: the real client, signs both ways ----------------------------------------

#[cfg(feature = "jucai")]
mod jucai {
    use super::*;
    use miniapp::crypto::sign::{jucai_sign, jucai_verify, HexCase};
    use miniapp::jucai::auth::{Auth2OpenIdRequest, WayCode};
    use serde_json::Map;

    const MERCHANT_KEY: &str = "jucai-merchant-key";

    async fn sim() -> Simulator {
        Simulator::builder()
            .sign_key("jucai", MERCHANT_KEY)
            .start()
            .await
            .unwrap()
    }

    fn client(sim: &Simulator, key: &str) -> miniapp::jucai::Client {
        miniapp::jucai::Client::builder(sim.url("jucai"), key)
            .timeout(Duration::from_secs(5))
            .build()
    }

    fn request() -> Auth2OpenIdRequest {
        Auth2OpenIdRequest::new(
            "MCH_I293975931",
            "MCH_A698612520",
            "2023041709270000001",
            WayCode::Wechat,
            "134291427096188722",
            "127.0.0.1",
        )
    }

    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            other => panic!("expected an object, got {other}"),
        }
    }

    #[tokio::test]
    async fn auth2openid_is_signed_and_its_signed_answer_verified() {
        bounded(async {
            let sim = sim().await;
            let jc = client(&sim, MERCHANT_KEY);
            // Success means the client verified the answer's sign with the merchant key.
            let user = jc.auth().auth2_open_id(request()).await.unwrap();
            assert_eq!(user.return_code, "000000");
            assert_eq!(user.openid.as_deref(), Some("ooIeqs3PCR04Hkvd-xxxx"));
            assert_eq!(user.mch_no.as_deref(), Some("MCH_I293975931"));

            // The request carried a sign over its other fields, which the simulator checked.
            let sent = sim.requests().pop().unwrap();
            assert_eq!(sent.path, "/jucai/pay/api/1.0/auth2OpenId");
            assert_eq!(sent.code, Some(Code::Int(200)));
            let body = object(sent.body_json().unwrap());
            assert_eq!(body["termId"], "88888888");
            assert_eq!(
                body["sign"],
                jucai_sign(&body, MERCHANT_KEY, HexCase::Lower).as_str()
            );

            // The answer on the wire: the docs' example re-signed with the merchant key.
            let (_, answer) = raw_json(
                reqwest::Client::new()
                    .post(format!("{}/pay/api/1.0/auth2OpenId", sim.url("jucai")))
                    .body(sent.body_text.clone().unwrap())
                    .header("content-type", "application/json")
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
            let answer = object(answer);
            assert_ne!(answer["sign"], "046d401cda399814f5b5d88cf9bd5e74");
            jucai_verify(&answer, MERCHANT_KEY, HexCase::Lower).unwrap();
            assert!(jucai_verify(&answer, "another-key", HexCase::Lower).is_err());
            assert!(!format!("{:?}", sim.requests()).contains(MERCHANT_KEY));
        })
        .await;
    }

    #[tokio::test]
    async fn a_request_signed_with_another_key_is_rejected() {
        bounded(async {
            let sim = sim().await;
            let err = client(&sim, "wrong-merchant-key")
                .auth()
                .auth2_open_id(request())
                .await
                .unwrap_err();
            // The simulator refused the sign (401) and signed its refusal with the real
            // key, so the client cannot trust the refusal either.
            assert_eq!(sim.requests().pop().unwrap().code, Some(Code::Int(401)));
            match &err {
                Error::Decode { reason, .. } => {
                    assert!(reason.contains("signature rejected"), "{reason}")
                }
                other => panic!("expected a rejected answer sign, got {other}"),
            }

            // By hand: a tampered body and an unsigned one get the Jucai-style refusal.
            let http = reqwest::Client::new();
            let url = format!("{}/pay/api/1.0/auth2OpenId", sim.url("jucai"));
            let mut fields = object(serde_json::to_value(request()).unwrap());
            let sign = jucai_sign(&fields, MERCHANT_KEY, HexCase::Lower);
            fields.insert("sign".into(), sign.into());
            fields.insert("authCode".into(), "tampered".into());
            let unsigned = {
                let mut f = fields.clone();
                f.remove("sign");
                f
            };
            for body in [fields, unsigned] {
                let (status, answer) =
                    raw_json(http.post(&url).json(&body).send().await.unwrap()).await;
                assert_eq!(status, 200);
                assert_eq!(answer["code"], 401, "{answer}");
                assert_eq!(answer["data"], Value::Null);
                assert!(answer["msg"].as_str().unwrap().starts_with("签名错误"));
                jucai_verify(&object(answer), MERCHANT_KEY, HexCase::Lower).unwrap();
            }
            assert_eq!(sim.count("jucai:auth.auth2OpenId"), 3);
        })
        .await;
    }

    #[tokio::test]
    async fn forced_failures_are_api_errors() {
        bounded(async {
            let sim = sim().await;
            let jc = client(&sim, MERCHANT_KEY);
            // A business code lands in `data.returnCode`, a transport-like one in `code`.
            sim.fail_next("auth.auth2OpenId", 100001, 1);
            sim.fail_next("jucai:auth.auth2OpenId", 500, 1);
            for expected in [100001, 500] {
                let err = jc.auth().auth2_open_id(request()).await.unwrap_err();
                assert_eq!(
                    err.api().map(|e| e.code()),
                    Some(Code::Int(expected)),
                    "{err}"
                );
                assert_eq!(err.endpoint(), "auth.auth2OpenId");
            }
            jc.auth().auth2_open_id(request()).await.unwrap();
            let codes: Vec<_> = sim.requests().iter().map(|r| r.code.clone()).collect();
            assert_eq!(
                codes,
                [
                    Some(Code::Int(100001)),
                    Some(Code::Int(500)),
                    Some(Code::Int(200))
                ]
            );
        })
        .await;
    }
}

/// A bounded log keeps the latest requests, the oldest dropped first.
#[tokio::test]
async fn a_log_limit_keeps_the_latest_requests() {
    let sim = Simulator::builder().log_limit(2).start().await.unwrap();
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    for n in 1..=3 {
        http.get(format!("{}/nowhere/{n}", sim.base_url()))
            .send()
            .await
            .unwrap();
    }
    let paths: Vec<String> = sim.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/nowhere/2", "/nowhere/3"]);
}

#[tokio::test]
async fn shutdown_answers_requests_in_flight_then_refuses_connections() {
    bounded(async {
        let sim = Simulator::start().await.unwrap();
        let wx = client(&sim);
        // Held in the handler until after shutdown has begun.
        sim.set_delay("auth.code2Session", Duration::from_millis(500));
        let call = tokio::spawn(async move {
            wx.auth()
                .code2_session(Code2SessionRequest::new("in-flight"))
                .await
        });
        // The request is logged when it arrives: then it is in flight.
        while sim.count("auth.code2Session") == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let addr = sim.addr();
        sim.shutdown().await;
        let session = call.await.unwrap().expect("answered, not cut off");
        assert!(!session.openid.is_empty());
        assert!(
            tokio::net::TcpStream::connect(addr).await.is_err(),
            "nothing listens any more"
        );
    })
    .await;
}
