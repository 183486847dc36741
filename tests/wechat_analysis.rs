//! Wire tests of the WeChat `analysis` (datacube) group against a real HTTP server on
//! 127.0.0.1: the exact request of all ten endpoints, the schema's example responses,
//! the camelCase (cloud call / uniCloud) form, the common errcodes with the runtime's
//! token-refresh and busy-retry rules, date checks made before sending, and the key
//! lookup enums of `getVisitDistribution`.
#![cfg(feature = "wechat")]

use miniapp::runtime::{Error, RetryPolicy};
use miniapp::wechat::analysis::*;
use miniapp::wechat::{Client, ENDPOINTS};
use std::time::Duration;
use wiremock::matchers::{body_json, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

fn json(body: &str) -> ResponseTemplate {
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
        .respond_with(json(&format!(
            r#"{{"access_token":"{token}","expires_in":7200}}"#
        )))
        .mount(server)
        .await;
}

/// The example response the schema gives for `name` (what the docs show).
fn example(name: &str) -> &'static str {
    ENDPOINTS
        .iter()
        .find(|e| e.name == name)
        .and_then(|e| e.example)
        .unwrap_or_else(|| panic!("the schema has no example for {name}"))
}

fn datacube(suffix: &str) -> String {
    format!("/datacube/getweanalysisappid{suffix}")
}

/// Serves `body` on the endpoint with `suffix`, whatever the request.
async fn serve(server: &MockServer, suffix: &str, body: &str) {
    Mock::given(method("POST"))
        .and(path(datacube(suffix)))
        .respond_with(json(body))
        .mount(server)
        .await;
}

async fn requests_to(server: &MockServer, p: &str) -> Vec<Request> {
    let reqs = server.received_requests().await.unwrap();
    reqs.into_iter().filter(|r| r.url.path() == p).collect()
}

/// All ten endpoints: POST to their own path, `access_token` as the only query
/// parameter, and a JSON body of exactly `{begin_date, end_date}`.
#[tokio::test]
async fn every_endpoint_posts_exactly_the_dates_with_the_token() {
    let endpoints = [
        (
            "dailyretaininfo",
            "analysis.getDailyRetain",
            "20170313",
            "20170313",
        ),
        (
            "weeklyretaininfo",
            "analysis.getWeeklyRetain",
            "20170306",
            "20170312",
        ),
        (
            "monthlyretaininfo",
            "analysis.getMonthlyRetain",
            "20170201",
            "20170228",
        ),
        (
            "dailysummarytrend",
            "analysis.getDailySummary",
            "20170313",
            "20170313",
        ),
        (
            "dailyvisittrend",
            "analysis.getDailyVisitTrend",
            "20170313",
            "20170313",
        ),
        (
            "weeklyvisittrend",
            "analysis.getWeeklyVisitTrend",
            "20170306",
            "20170312",
        ),
        (
            "monthlyvisittrend",
            "analysis.getMonthlyVisitTrend",
            "20170301",
            "20170331",
        ),
        (
            "userportrait",
            "analysis.getUserPortrait",
            "20170306",
            "20170312",
        ),
        (
            "visitdistribution",
            "analysis.getVisitDistribution",
            "20170306",
            "20170306",
        ),
        ("visitpage", "analysis.getVisitPage", "20170306", "20170306"),
    ];
    let server = MockServer::start().await;
    token_endpoint(&server, "TOKEN").await;
    for (suffix, name, begin, end) in endpoints {
        Mock::given(method("POST"))
            .and(path(datacube(suffix)))
            .and(query_param("access_token", "TOKEN"))
            .and(body_json(
                serde_json::json!({"begin_date": begin, "end_date": end}),
            ))
            .respond_with(json(example(name)))
            .expect(1)
            .mount(&server)
            .await;
    }
    let c = client(&server);
    let a = c.analysis();
    let [d0, d1, d2, d3, d4, d5, d6, d7, d8, d9] = endpoints.map(|(_, _, b, e)| (b, e));
    a.get_daily_retain(GetDailyRetainRequest::new(d0.0, d0.1))
        .await
        .unwrap();
    a.get_weekly_retain(GetWeeklyRetainRequest::new(d1.0, d1.1))
        .await
        .unwrap();
    a.get_monthly_retain(GetMonthlyRetainRequest::new(d2.0, d2.1))
        .await
        .unwrap();
    a.get_daily_summary(GetDailySummaryRequest::new(d3.0, d3.1))
        .await
        .unwrap();
    a.get_daily_visit_trend(GetDailyVisitTrendRequest::new(d4.0, d4.1))
        .await
        .unwrap();
    a.get_weekly_visit_trend(GetWeeklyVisitTrendRequest::new(d5.0, d5.1))
        .await
        .unwrap();
    a.get_monthly_visit_trend(GetMonthlyVisitTrendRequest::new(d6.0, d6.1))
        .await
        .unwrap();
    a.get_user_portrait(GetUserPortraitRequest::new(d7.0, d7.1))
        .await
        .unwrap();
    a.get_visit_distribution(GetVisitDistributionRequest::new(d8.0, d8.1))
        .await
        .unwrap();
    a.get_visit_page(GetVisitPageRequest::new(d9.0, d9.1))
        .await
        .unwrap();

    let reqs = server.received_requests().await.unwrap();
    let calls: Vec<&Request> = reqs
        .iter()
        .filter(|r| r.url.path() != "/cgi-bin/token")
        .collect();
    assert_eq!(calls.len(), 10);
    for (r, (suffix, _, begin, end)) in calls.iter().zip(endpoints) {
        assert_eq!(r.method.as_str(), "POST");
        assert_eq!(r.url.path(), datacube(suffix));
        let query: Vec<(String, String)> = r.url.query_pairs().into_owned().collect();
        assert_eq!(
            query,
            [("access_token".to_owned(), "TOKEN".to_owned())],
            "{suffix}"
        );
        let ct = r.headers.get("content-type").unwrap().to_str().unwrap();
        assert!(ct.starts_with("application/json"), "{suffix}: {ct}");
        let body: serde_json::Value = r.body_json().unwrap();
        assert_eq!(
            body,
            serde_json::json!({"begin_date": begin, "end_date": end})
        );
    }
    let token_calls = reqs.len() - calls.len();
    assert_eq!(token_calls, 1, "the token is fetched once and cached");
}

#[tokio::test]
async fn retain_examples_decode() {
    let server = MockServer::start().await;
    token_endpoint(&server, "T").await;
    serve(
        &server,
        "dailyretaininfo",
        example("analysis.getDailyRetain"),
    )
    .await;
    serve(
        &server,
        "weeklyretaininfo",
        example("analysis.getWeeklyRetain"),
    )
    .await;
    serve(
        &server,
        "monthlyretaininfo",
        example("analysis.getMonthlyRetain"),
    )
    .await;
    let c = client(&server);

    let d = c
        .analysis()
        .get_daily_retain(GetDailyRetainRequest::new("20170313", "20170313"))
        .await
        .unwrap();
    assert_eq!(d.ref_date, "20170313");
    assert_eq!(
        d.visit_uv_new,
        [RetainItem {
            key: 0,
            value: 5464
        }]
    );
    assert_eq!(
        d.visit_uv,
        [RetainItem {
            key: 0,
            value: 55500
        }]
    );

    let w = c
        .analysis()
        .get_weekly_retain(GetWeeklyRetainRequest::new("20170306", "20170312"))
        .await
        .unwrap();
    assert_eq!(w.ref_date, "20170306-20170312");
    let pairs = |items: &[RetainItem]| items.iter().map(|i| (i.key, i.value)).collect::<Vec<_>>();
    assert_eq!(pairs(&w.visit_uv_new), [(0, 0), (1, 16853)]);
    assert_eq!(pairs(&w.visit_uv), [(0, 0), (1, 99310)]);

    let m = c
        .analysis()
        .get_monthly_retain(GetMonthlyRetainRequest::new("20170201", "20170228"))
        .await
        .unwrap();
    assert_eq!(m.ref_date, "201702");
    assert_eq!(pairs(&m.visit_uv_new), [(0, 346249)]);
    assert_eq!(pairs(&m.visit_uv), [(0, 346249)]);
}

#[tokio::test]
async fn summary_and_visit_trend_examples_decode_with_float_stay_times() {
    let server = MockServer::start().await;
    token_endpoint(&server, "T").await;
    serve(
        &server,
        "dailysummarytrend",
        example("analysis.getDailySummary"),
    )
    .await;
    serve(
        &server,
        "dailyvisittrend",
        example("analysis.getDailyVisitTrend"),
    )
    .await;
    serve(
        &server,
        "weeklyvisittrend",
        example("analysis.getWeeklyVisitTrend"),
    )
    .await;
    serve(
        &server,
        "monthlyvisittrend",
        example("analysis.getMonthlyVisitTrend"),
    )
    .await;
    let c = client(&server);

    let s = c
        .analysis()
        .get_daily_summary(GetDailySummaryRequest::new("20170313", "20170313"))
        .await
        .unwrap();
    assert_eq!(
        s.list,
        [DailySummaryItem {
            ref_date: "20170313".into(),
            visit_total: Some(391),
            share_pv: Some(572),
            share_uv: Some(383),
        }]
    );

    let d = c
        .analysis()
        .get_daily_visit_trend(GetDailyVisitTrendRequest::new("20170313", "20170313"))
        .await
        .unwrap();
    let day = &d.list[0];
    assert_eq!(d.list.len(), 1);
    assert_eq!(day.ref_date, "20170313");
    assert_eq!(
        (
            day.session_cnt,
            day.visit_pv,
            day.visit_uv,
            day.visit_uv_new
        ),
        (Some(142549), Some(472351), Some(55500), Some(5464))
    );
    assert_eq!(day.stay_time_uv, Some(160.9315));
    assert_eq!(day.stay_time_session, Some(62.6569));
    assert_eq!(day.visit_depth, Some(1.9838));

    let w = c
        .analysis()
        .get_weekly_visit_trend(GetWeeklyVisitTrendRequest::new("20170306", "20170312"))
        .await
        .unwrap();
    assert_eq!(w.list[0].ref_date, "20170306-20170312");
    assert_eq!(w.list[0].session_cnt, Some(986780));
    assert_eq!(w.list[0].stay_time_uv, Some(284.1399));
    assert_eq!(w.list[0].visit_depth, Some(1.9735));

    let m = c
        .analysis()
        .get_monthly_visit_trend(GetMonthlyVisitTrendRequest::new("20170301", "20170331"))
        .await
        .unwrap();
    assert_eq!(m.list[0].ref_date, "201703");
    assert_eq!(m.list[0].visit_uv_new, Some(6726));
    assert_eq!(m.list[0].stay_time_session, Some(56.4112));
    assert_eq!(m.list[0].visit_depth, Some(2.0189));
}

#[tokio::test]
async fn user_portrait_example_decodes_every_distribution() {
    let server = MockServer::start().await;
    token_endpoint(&server, "T").await;
    serve(&server, "userportrait", example("analysis.getUserPortrait")).await;
    let r = client(&server)
        .analysis()
        .get_user_portrait(GetUserPortraitRequest::new("20170306", "20170312"))
        .await
        .unwrap();
    assert_eq!(r.ref_date, "20170306-20170312");

    let item = |id: Option<u32>, name: &str, value: u64| PortraitItem {
        id,
        name: name.into(),
        value: Some(value),
        access_source_visit_uv: None,
    };
    let new = &r.visit_uv_new;
    assert_eq!(new.index, None);
    assert_eq!(
        new.province.as_deref(),
        Some(&[item(Some(31), "广东省", 1)][..])
    );
    assert_eq!(
        new.city.as_deref(),
        Some(&[item(Some(3102), "广州", 1)][..])
    );
    assert_eq!(new.genders.as_deref(), Some(&[item(Some(1), "男", 1)][..]));
    assert_eq!(
        new.platforms.as_deref(),
        Some(&[item(Some(1), "iPhone", 1)][..])
    );
    // The docs' devices carry no id.
    assert_eq!(
        new.devices.as_deref(),
        Some(&[item(None, "OPPO R9", 1)][..])
    );
    assert_eq!(
        new.ages.as_deref(),
        Some(&[item(Some(1), "17岁以下", 1)][..])
    );

    let active = &r.visit_uv;
    assert_eq!(
        active.province.as_deref(),
        Some(&[item(Some(31), "广东省", 5), item(Some(11), "北京", 2)][..])
    );
    assert_eq!(
        active.genders.as_deref(),
        Some(&[item(Some(1), "男", 4), item(Some(2), "女", 3)][..])
    );
    assert_eq!(
        active.devices.as_deref(),
        Some(&[item(None, "苹果 iPhone 6", 3), item(None, "OPPO R9", 2)][..])
    );
    let ages = active.ages.as_ref().unwrap();
    assert_eq!((ages[1].name.as_str(), ages[1].value), ("18-24岁", Some(6)));
    let platforms = active.platforms.as_ref().unwrap();
    assert_eq!(platforms[1].name, "android");
}

#[tokio::test]
async fn visit_distribution_example_decodes_with_index_enum_and_keys() {
    let server = MockServer::start().await;
    token_endpoint(&server, "T").await;
    serve(
        &server,
        "visitdistribution",
        example("analysis.getVisitDistribution"),
    )
    .await;
    let r = client(&server)
        .analysis()
        .get_visit_distribution(GetVisitDistributionRequest::new("20170306", "20170306"))
        .await
        .unwrap();
    assert_eq!(r.ref_date, "20170306");
    let indexes: Vec<&DistributionIndex> = r.list.iter().map(|d| &d.index).collect();
    assert_eq!(
        indexes,
        [
            &DistributionIndex::AccessSourceSessionCnt,
            &DistributionIndex::AccessStaytimeInfo,
            &DistributionIndex::AccessDepthInfo,
        ]
    );

    let sources = &r.list[0].item_list;
    assert_eq!(sources.len(), 9);
    assert_eq!(
        sources[0],
        DistributionItem {
            key: 10,
            value: 5,
            access_source_visit_uv: Some(3)
        }
    );
    assert_eq!(
        (
            sources[2].key,
            sources[2].value,
            sources[2].access_source_visit_uv
        ),
        (7, 10740, Some(5361))
    );
    let kinds: Vec<AccessSource> = sources
        .iter()
        .map(|i| AccessSource::from_code(i64::from(i.key)).unwrap())
        .collect();
    assert_eq!(kinds[0], AccessSource::Others);
    assert_eq!(kinds[2], AccessSource::Desktop);
    assert_eq!(kinds[8], AccessSource::HistoryList);

    let stay = &r.list[1].item_list;
    assert_eq!(stay.len(), 8);
    assert!(stay.iter().all(|i| i.access_source_visit_uv.is_none()));
    assert_eq!((stay[0].key, stay[0].value), (8, 16329));
    assert_eq!(
        StayTimeBucket::from_code(stay[0].key.into()),
        Some(StayTimeBucket::Over100Secs)
    );
    assert_eq!(
        StayTimeBucket::from_code(stay[7].key.into()),
        Some(StayTimeBucket::Secs0To2)
    );

    let depth = &r.list[2].item_list;
    let depth_pairs: Vec<(u32, u64)> = depth.iter().map(|i| (i.key, i.value)).collect();
    assert_eq!(
        depth_pairs,
        [(5, 217), (4, 3259), (3, 32445), (2, 63542), (1, 43201)]
    );
    assert_eq!(
        VisitDepthBucket::from_code(depth[0].key.into()),
        Some(VisitDepthBucket::FivePages)
    );
}

#[tokio::test]
async fn visit_page_example_decodes() {
    let server = MockServer::start().await;
    token_endpoint(&server, "T").await;
    serve(&server, "visitpage", example("analysis.getVisitPage")).await;
    let r = client(&server)
        .analysis()
        .get_visit_page(GetVisitPageRequest::new("20170306", "20170306"))
        .await
        .unwrap();
    assert_eq!(r.ref_date, "20170306");
    assert_eq!(r.list.len(), 2);
    assert_eq!(
        r.list[0],
        PageVisit {
            page_path: "pages/main/main.html".into(),
            page_visit_pv: Some(213429),
            page_visit_uv: Some(55423),
            page_staytime_pv: Some(8.139198),
            entrypage_pv: Some(117922),
            exitpage_pv: Some(61304),
            page_share_pv: Some(180),
            page_share_uv: Some(166),
        }
    );
    assert_eq!(r.list[1].page_path, "pages/linedetail/linedetail.html");
    assert_eq!(r.list[1].page_staytime_pv, Some(35.462395));
}

/// The cloud-call / uniCloud form: camelCase names, `errCode`/`errMsg`.
#[tokio::test]
async fn camel_case_forms_decode() {
    let server = MockServer::start().await;
    token_endpoint(&server, "T").await;
    serve(
        &server,
        "dailyretaininfo",
        r#"{"errCode":0,"errMsg":"openapi.analysis.getDailyRetain:ok","refDate":"20170313",
            "visitUvNew":[{"key":0,"value":5464},{"key":1,"value":2}],"visitUv":[{"key":0,"value":55500}]}"#,
    )
    .await;
    serve(
        &server,
        "dailysummarytrend",
        r#"{"errCode":0,"errMsg":"ok","list":[{"refDate":"20170313","visitTotal":391,"sharePv":572,"shareUv":383}]}"#,
    )
    .await;
    serve(
        &server,
        "dailyvisittrend",
        r#"{"errCode":0,"errMsg":"ok","list":[{"refDate":"20170313","sessionCnt":142549,"visitPv":472351,
            "visitUv":55500,"visitUvNew":5464,"stayTimeUv":160.9315,"stayTimeSession":62.6569,"visitDepth":1.9838}]}"#,
    )
    .await;
    serve(
        &server,
        "userportrait",
        r#"{"errCode":0,"errMsg":"ok","refDate":"20170611-20170617",
            "visitUvNew":{"index":0,"province":[{"id":31,"name":"广东省","accessSourceVisitUv":1}],
                          "devices":[{"name":"OPPO R9","accessSourceVisitUv":1}]},
            "visitUv":{"genders":[{"id":1,"name":"男","accessSourceVisitUv":4}]}}"#,
    )
    .await;
    serve(
        &server,
        "visitdistribution",
        r#"{"errCode":0,"errMsg":"ok","refDate":"20170306","list":[{"index":"access_source_session_cnt",
            "itemList":[{"key":2,"value":10243,"accessSourceVisitUv":4985}]}]}"#,
    )
    .await;
    serve(
        &server,
        "visitpage",
        r#"{"errCode":0,"errMsg":"ok","refDate":"20170306","list":[{"pagePath":"pages/main/main.html",
            "pageVisitPv":213429,"pageVisitUv":55423,"pageStaytimePv":8.139198,"entrypagePv":117922,
            "exitpagePv":61304,"pageSharePv":180,"pageShareUv":166}]}"#,
    )
    .await;
    let c = client(&server);
    let a = c.analysis();

    let d = a
        .get_daily_retain(GetDailyRetainRequest::new("20170313", "20170313"))
        .await
        .unwrap();
    assert_eq!(d.ref_date, "20170313");
    assert_eq!(
        d.visit_uv_new,
        [
            RetainItem {
                key: 0,
                value: 5464
            },
            RetainItem { key: 1, value: 2 }
        ]
    );
    assert_eq!(
        d.visit_uv,
        [RetainItem {
            key: 0,
            value: 55500
        }]
    );

    let s = a
        .get_daily_summary(GetDailySummaryRequest::new("20170313", "20170313"))
        .await
        .unwrap();
    assert_eq!(
        (
            s.list[0].ref_date.as_str(),
            s.list[0].visit_total,
            s.list[0].share_pv,
            s.list[0].share_uv
        ),
        ("20170313", Some(391), Some(572), Some(383))
    );

    let t = a
        .get_daily_visit_trend(GetDailyVisitTrendRequest::new("20170313", "20170313"))
        .await
        .unwrap();
    let day = &t.list[0];
    assert_eq!(
        (
            day.session_cnt,
            day.visit_pv,
            day.visit_uv,
            day.visit_uv_new
        ),
        (Some(142549), Some(472351), Some(55500), Some(5464))
    );
    assert_eq!(
        (day.stay_time_uv, day.stay_time_session, day.visit_depth),
        (Some(160.9315), Some(62.6569), Some(1.9838))
    );

    let p = a
        .get_user_portrait(GetUserPortraitRequest::new("20170611", "20170617"))
        .await
        .unwrap();
    assert_eq!(p.ref_date, "20170611-20170617");
    assert_eq!(p.visit_uv_new.index, Some(0));
    let province = &p.visit_uv_new.province.as_ref().unwrap()[0];
    assert_eq!(
        (
            province.id,
            province.name.as_str(),
            province.value,
            province.access_source_visit_uv
        ),
        (Some(31), "广东省", None, Some(1))
    );
    assert_eq!(
        p.visit_uv_new.devices.as_ref().unwrap()[0].access_source_visit_uv,
        Some(1)
    );
    assert_eq!(
        p.visit_uv.genders.as_ref().unwrap()[0].access_source_visit_uv,
        Some(4)
    );
    assert_eq!(p.visit_uv.province, None);

    let v = a
        .get_visit_distribution(GetVisitDistributionRequest::new("20170306", "20170306"))
        .await
        .unwrap();
    assert_eq!(v.ref_date, "20170306");
    assert_eq!(v.list[0].index, DistributionIndex::AccessSourceSessionCnt);
    assert_eq!(
        v.list[0].item_list,
        [DistributionItem {
            key: 2,
            value: 10243,
            access_source_visit_uv: Some(4985)
        }]
    );

    let page = a
        .get_visit_page(GetVisitPageRequest::new("20170306", "20170306"))
        .await
        .unwrap();
    let first = &page.list[0];
    assert_eq!(first.page_path, "pages/main/main.html");
    assert_eq!(
        (
            first.page_visit_pv,
            first.page_visit_uv,
            first.page_staytime_pv
        ),
        (Some(213429), Some(55423), Some(8.139198))
    );
    assert_eq!(
        (
            first.entrypage_pv,
            first.exitpage_pv,
            first.page_share_pv,
            first.page_share_uv
        ),
        (Some(117922), Some(61304), Some(180), Some(166))
    );
}

#[tokio::test]
async fn every_common_errcode_maps_to_its_variant() {
    type IsVariant = fn(&GetDailySummaryError) -> bool;
    let cases: [(i64, IsVariant); 6] = [
        (-1, |e| matches!(e, GetDailySummaryError::SystemBusy { .. })),
        (40001, |e| {
            matches!(e, GetDailySummaryError::AccessTokenInvalid { .. })
        }),
        (40014, |e| {
            matches!(e, GetDailySummaryError::AccessTokenIllegal { .. })
        }),
        (41001, |e| {
            matches!(e, GetDailySummaryError::AccessTokenMissing { .. })
        }),
        (42001, |e| {
            matches!(e, GetDailySummaryError::AccessTokenExpired { .. })
        }),
        (45009, |e| {
            matches!(e, GetDailySummaryError::DailyQuotaReached { .. })
        }),
    ];
    for (code, is_variant) in cases {
        let server = MockServer::start().await;
        token_endpoint(&server, "T").await;
        serve(
            &server,
            "dailysummarytrend",
            &format!(r#"{{"errcode":{code},"errmsg":"msg {code}"}}"#),
        )
        .await;
        let err = client(&server)
            .analysis()
            .get_daily_summary(GetDailySummaryRequest::new("20170313", "20170313"))
            .await
            .unwrap_err();
        assert_eq!(err.endpoint(), "analysis.getDailySummary");
        let api = err
            .api()
            .unwrap_or_else(|| panic!("{code}: expected an API error, got {err:?}"));
        assert!(is_variant(api), "{code} mapped to {api:?}");
        assert_eq!(
            (api.code(), api.message()),
            (code.into(), format!("msg {code}").as_str())
        );
        assert!(err.to_string().contains(api.description()), "{err}");
    }
    // The camelCase spelling of the error fields, and a code the docs do not list.
    let server = MockServer::start().await;
    token_endpoint(&server, "T").await;
    serve(
        &server,
        "visitpage",
        r#"{"errCode":61500,"errMsg":"date format error"}"#,
    )
    .await;
    let err = client(&server)
        .analysis()
        .get_visit_page(GetVisitPageRequest::new("20170306", "20170306"))
        .await
        .unwrap_err();
    assert_eq!(
        err.api(),
        Some(&GetVisitPageError::Other {
            code: 61500,
            message: "date format error".into()
        })
    );
}

/// errcode -1: retried with back-off up to the bound (1 + max_retries requests).
#[tokio::test]
async fn busy_is_retried_up_to_the_bound() {
    let server = MockServer::start().await;
    token_endpoint(&server, "T").await;
    serve(
        &server,
        "userportrait",
        r#"{"errcode":-1,"errmsg":"system error"}"#,
    )
    .await;
    let err = client(&server)
        .analysis()
        .get_user_portrait(GetUserPortraitRequest::new("20170306", "20170312"))
        .await
        .unwrap_err();
    assert!(
        matches!(err.api(), Some(GetUserPortraitError::SystemBusy { .. })),
        "{err:?}"
    );
    assert_eq!(
        requests_to(&server, &datacube("userportrait")).await.len(),
        3
    );

    // Busy once, then the answer.
    let server = MockServer::start().await;
    token_endpoint(&server, "T").await;
    Mock::given(path(datacube("dailyretaininfo")))
        .respond_with(json(r#"{"errcode":-1,"errmsg":"system error"}"#))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    serve(
        &server,
        "dailyretaininfo",
        example("analysis.getDailyRetain"),
    )
    .await;
    let r = client(&server)
        .analysis()
        .get_daily_retain(GetDailyRetainRequest::new("20170313", "20170313"))
        .await
        .unwrap();
    assert_eq!(r.visit_uv[0].value, 55500);
    assert_eq!(
        requests_to(&server, &datacube("dailyretaininfo"))
            .await
            .len(),
        2
    );
}

/// 40001: the cached token is dropped, one refresh, one retry with the new token.
#[tokio::test]
async fn token_invalid_refreshes_once_and_retries_once() {
    let server = MockServer::start().await;
    Mock::given(path("/cgi-bin/token"))
        .respond_with(json(r#"{"access_token":"OLD","expires_in":7200}"#))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/cgi-bin/token"))
        .respond_with(json(r#"{"access_token":"NEW","expires_in":7200}"#))
        .mount(&server)
        .await;
    Mock::given(path(datacube("visitdistribution")))
        .and(query_param("access_token", "OLD"))
        .respond_with(json(r#"{"errcode":40001,"errmsg":"invalid credential, access_token is invalid or not latest"}"#))
        .mount(&server)
        .await;
    Mock::given(path(datacube("visitdistribution")))
        .and(query_param("access_token", "NEW"))
        .respond_with(json(example("analysis.getVisitDistribution")))
        .mount(&server)
        .await;
    let r = client(&server)
        .analysis()
        .get_visit_distribution(GetVisitDistributionRequest::new("20170306", "20170306"))
        .await
        .unwrap();
    assert_eq!(r.list.len(), 3);
    let reqs = server.received_requests().await.unwrap();
    let paths: Vec<&str> = reqs.iter().map(|r| r.url.path()).collect();
    let p = datacube("visitdistribution");
    assert_eq!(
        paths,
        ["/cgi-bin/token", p.as_str(), "/cgi-bin/token", p.as_str()]
    );
    // The retry carries the same body.
    assert_eq!(reqs[1].body, reqs[3].body);

    // A second 40001 is returned, not retried again.
    let server = MockServer::start().await;
    token_endpoint(&server, "T").await;
    serve(
        &server,
        "visitpage",
        r#"{"errcode":40001,"errmsg":"invalid credential"}"#,
    )
    .await;
    let err = client(&server)
        .analysis()
        .get_visit_page(GetVisitPageRequest::new("20170306", "20170306"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err.api(),
            Some(GetVisitPageError::AccessTokenInvalid { .. })
        ),
        "{err:?}"
    );
    assert_eq!(requests_to(&server, "/cgi-bin/token").await.len(), 2);
    assert_eq!(requests_to(&server, &datacube("visitpage")).await.len(), 2);
}

/// 45009 (daily quota) is never retried.
#[tokio::test]
async fn quota_reached_is_never_retried() {
    let server = MockServer::start().await;
    token_endpoint(&server, "T").await;
    serve(
        &server,
        "weeklyvisittrend",
        r#"{"errcode":45009,"errmsg":"reach max api daily quota limit"}"#,
    )
    .await;
    let err = client(&server)
        .analysis()
        .get_weekly_visit_trend(GetWeeklyVisitTrendRequest::new("20170306", "20170312"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err.api(),
            Some(GetWeeklyVisitTrendError::DailyQuotaReached { .. })
        ),
        "{err:?}"
    );
    assert_eq!(
        requests_to(&server, &datacube("weeklyvisittrend"))
            .await
            .len(),
        1
    );
}

/// Dates that are not `yyyymmdd` are refused before anything is sent (not even the
/// token request), with the field's wire name.
#[tokio::test]
async fn malformed_dates_are_rejected_before_sending() {
    let server = MockServer::start().await;
    token_endpoint(&server, "T").await;
    Mock::given(method("POST"))
        .respond_with(json("{}"))
        .mount(&server)
        .await;
    let c = client(&server);
    let a = c.analysis();

    fn check<E: std::error::Error>(err: Error<E>, field: &str, endpoint: &str) {
        match &err {
            Error::Invalid {
                endpoint: e,
                source,
            } => {
                assert_eq!(*e, endpoint);
                assert_eq!(source.field, field, "{err}");
            }
            other => panic!("expected Error::Invalid, got {other:?}"),
        }
        assert!(err.to_string().contains(&format!("`{field}`")), "{err}");
    }

    // Dashes: right shape for a human, wrong length for the wire.
    let err = a
        .get_visit_distribution(GetVisitDistributionRequest::new("2017-03-06", "20170306"))
        .await
        .unwrap_err();
    check(err, "begin_date", "analysis.getVisitDistribution");
    let err = a
        .get_visit_page(GetVisitPageRequest::new("20170306", "2017-03-06"))
        .await
        .unwrap_err();
    check(err, "end_date", "analysis.getVisitPage");
    // Eight characters but not all digits.
    let err = a
        .get_daily_retain(GetDailyRetainRequest::new("2017/3/6", "20170306"))
        .await
        .unwrap_err();
    check(err, "begin_date", "analysis.getDailyRetain");
    let err = a
        .get_user_portrait(GetUserPortraitRequest::new("20170306", "2017031２"))
        .await
        .unwrap_err();
    check(err, "end_date", "analysis.getUserPortrait");
    // Too short, too long, empty.
    let err = a
        .get_weekly_retain(GetWeeklyRetainRequest::new("2017036", "20170312"))
        .await
        .unwrap_err();
    check(err, "begin_date", "analysis.getWeeklyRetain");
    let err = a
        .get_monthly_retain(GetMonthlyRetainRequest::new("20170201", "201702280"))
        .await
        .unwrap_err();
    check(err, "end_date", "analysis.getMonthlyRetain");
    let err = a
        .get_daily_summary(GetDailySummaryRequest::new("", "20170313"))
        .await
        .unwrap_err();
    check(err, "begin_date", "analysis.getDailySummary");
    let err = a
        .get_daily_visit_trend(GetDailyVisitTrendRequest::new("20170313", "2017-3-13"))
        .await
        .unwrap_err();
    check(err, "end_date", "analysis.getDailyVisitTrend");
    let err = a
        .get_weekly_visit_trend(GetWeeklyVisitTrendRequest::new("201703O6", "20170312"))
        .await
        .unwrap_err();
    check(err, "begin_date", "analysis.getWeeklyVisitTrend");
    let err = a
        .get_monthly_visit_trend(GetMonthlyVisitTrendRequest::new("20170301", " 0170331"))
        .await
        .unwrap_err();
    check(err, "end_date", "analysis.getMonthlyVisitTrend");

    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "nothing may be sent"
    );
}

#[test]
fn access_source_lookup_follows_the_docs_table() {
    let table: [(i64, AccessSource, &str); 34] = [
        (1, AccessSource::HistoryList, "小程序历史列表"),
        (2, AccessSource::Search, "搜索"),
        (3, AccessSource::Conversation, "会话"),
        (4, AccessSource::ScanQrCode, "扫一扫二维码"),
        (5, AccessSource::OfficialAccountProfile, "公众号主页"),
        (6, AccessSource::ChatTop, "聊天顶部"),
        (7, AccessSource::Desktop, "系统桌面"),
        (8, AccessSource::MiniProgramProfile, "小程序主页"),
        (9, AccessSource::Nearby, "附近的小程序"),
        (10, AccessSource::Others, "其他"),
        (11, AccessSource::TemplateMessage, "模板消息"),
        (13, AccessSource::OfficialAccountMenu, "公众号菜单"),
        (14, AccessSource::AppShare, "APP分享"),
        (15, AccessSource::PaymentCompleted, "支付完成页"),
        (16, AccessSource::LongPressQrCode, "长按识别二维码"),
        (17, AccessSource::AlbumQrCode, "相册选取二维码"),
        (18, AccessSource::OfficialAccountArticle, "公众号文章"),
        (19, AccessSource::Wallet, "钱包"),
        (20, AccessSource::CardPackage, "卡包"),
        (21, AccessSource::InAppCard, "小程序内卡券"),
        (22, AccessSource::OtherMiniProgram, "其他小程序"),
        (23, AccessSource::OtherMiniProgramReturn, "其他小程序返回"),
        (24, AccessSource::CardStoreList, "卡券适用门店列表"),
        (25, AccessSource::SearchShortcut, "搜索框快捷入口"),
        (26, AccessSource::CustomerServiceMessage, "小程序客服消息"),
        (27, AccessSource::OfficialAccountPush, "公众号下发"),
        (29, AccessSource::TaskbarRecent, "任务栏-最近使用"),
        (30, AccessSource::MenuDotLongPress, "长按小程序菜单圆点"),
        (31, AccessSource::WifiConnected, "连wifi成功页"),
        (32, AccessSource::CityService, "城市服务"),
        (33, AccessSource::WechatAd, "微信广告"),
        (34, AccessSource::OtherMobileApp, "其他移动应用"),
        (
            35,
            AccessSource::DiscoverMyMiniPrograms,
            "发现入口-我的小程序",
        ),
        (36, AccessSource::TaskbarMyMiniPrograms, "任务栏-我的小程序"),
    ];
    for (code, variant, label) in table {
        assert_eq!(AccessSource::from_code(code), Some(variant), "{code}");
        assert_eq!(variant.code(), code);
        assert!(
            variant.description().starts_with(label),
            "{code}: {}",
            variant.description()
        );
    }
    assert_eq!(AccessSource::ALL.len(), table.len());
    // Scene values are kept in the description.
    assert!(AccessSource::Search
        .description()
        .contains("1005 1006 1027 1042 1053"));
    assert!(AccessSource::ScanQrCode.description().contains("1011 1047"));
    // Keys the table skips or does not reach.
    for code in [0, 12, 28, 37, -1, 1001] {
        assert_eq!(AccessSource::from_code(code), None, "{code}");
    }
    assert_eq!(
        AccessSource::Desktop.to_string(),
        "7 (系统桌面(场景值 1023))"
    );
}

#[test]
fn stay_time_and_visit_depth_lookups_follow_the_docs_tables() {
    let stay = [
        (1, StayTimeBucket::Secs0To2, "0-2s"),
        (2, StayTimeBucket::Secs3To5, "3-5s"),
        (3, StayTimeBucket::Secs6To10, "6-10s"),
        (4, StayTimeBucket::Secs11To20, "11-20s"),
        (5, StayTimeBucket::Secs20To30, "20-30s"),
        (6, StayTimeBucket::Secs30To50, "30-50s"),
        (7, StayTimeBucket::Secs50To100, "50-100s"),
        (8, StayTimeBucket::Over100Secs, ">100s"),
    ];
    for (code, variant, text) in stay {
        assert_eq!(StayTimeBucket::from_code(code), Some(variant));
        assert_eq!((variant.code(), variant.description()), (code, text));
    }
    assert_eq!(StayTimeBucket::ALL.len(), 8);
    assert_eq!(StayTimeBucket::from_code(0), None);
    assert_eq!(StayTimeBucket::from_code(9), None);

    let depth = [
        (1, VisitDepthBucket::OnePage, "1 页"),
        (2, VisitDepthBucket::TwoPages, "2 页"),
        (3, VisitDepthBucket::ThreePages, "3 页"),
        (4, VisitDepthBucket::FourPages, "4 页"),
        (5, VisitDepthBucket::FivePages, "5 页"),
        (6, VisitDepthBucket::SixToTenPages, "6-10 页"),
        (7, VisitDepthBucket::OverTenPages, ">10 页"),
    ];
    for (code, variant, text) in depth {
        assert_eq!(VisitDepthBucket::from_code(code), Some(variant));
        assert_eq!((variant.code(), variant.description()), (code, text));
    }
    assert_eq!(VisitDepthBucket::ALL.len(), 7);
    assert_eq!(VisitDepthBucket::from_code(0), None);
    assert_eq!(VisitDepthBucket::from_code(8), None);
}

#[test]
fn distribution_index_keeps_unknown_values() {
    for known in DistributionIndex::ALL {
        assert_eq!(known.as_str().parse::<DistributionIndex>().unwrap(), *known);
    }
    assert_eq!(
        DistributionIndex::AccessStaytimeInfo.description(),
        "访问时长分布"
    );
    let d: Distribution =
        serde_json::from_str(r#"{"index":"access_new_thing","item_list":[]}"#).unwrap();
    assert_eq!(d.index, DistributionIndex::Other("access_new_thing".into()));
    assert_eq!(d.index.as_str(), "access_new_thing");
}
