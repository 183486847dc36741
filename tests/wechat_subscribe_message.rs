//! Wire tests of the WeChat `subscribeMessage` group against a real HTTP server on
//! 127.0.0.1: the send body with `data` as key → `{value}` pairs, the template calls'
//! exact queries and bodies, the docs' example answers decoded, documented codes typed.
#![cfg(feature = "wechat")]

mod wechat_support;

use miniapp::runtime::Error;
use miniapp::wechat::subscribe_message::*;
use serde_json::json;
use std::collections::BTreeMap;
use wechat_support::*;
use wiremock::matchers::{body_json, method, path, query_param};
use wiremock::{Mock, MockServer};

const SEND: &str = "/cgi-bin/message/subscribe/send";
const LIST: &str = "/wxaapi/newtmpl/gettemplate";
const ADD: &str = "/wxaapi/newtmpl/addtemplate";
const DELETE: &str = "/wxaapi/newtmpl/deltemplate";
const CATEGORY: &str = "/wxaapi/newtmpl/getcategory";
const TITLES: &str = "/wxaapi/newtmpl/getpubtemplatetitles";
const KEYWORDS: &str = "/wxaapi/newtmpl/getpubtemplatekeywords";

fn data(pairs: &[(&str, &str)]) -> BTreeMap<String, DataValue> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), DataValue::new(*v)))
        .collect()
}

#[tokio::test]
async fn send_writes_data_as_key_value_objects_and_the_optional_fields() {
    let server = MockServer::start().await;
    token_endpoint(&server, "TOKEN").await;
    let expected = json!({
        "touser": "OPENID",
        "template_id": "TEMPLATE_ID",
        "page": "index?foo=bar",
        "data": {
            "number01": {"value": "339208499"},
            "date01": {"value": "2015年01月05日"},
            "site01": {"value": "TIT创意园"},
            "site02": {"value": "广州市新港中路397号"},
        },
        "miniprogram_state": "developer",
        "lang": "zh_CN",
    });
    Mock::given(method("POST"))
        .and(path(SEND))
        .and(query_param("access_token", "TOKEN"))
        .and(body_json(&expected))
        .respond_with(json_response(example("subscribeMessage.send")))
        .expect(1)
        .mount(&server)
        .await;
    let values = data(&[
        ("number01", "339208499"),
        ("date01", "2015年01月05日"),
        ("site01", "TIT创意园"),
        ("site02", "广州市新港中路397号"),
    ]);
    client(&server)
        .subscribe_message()
        .send(
            SendRequest::new("OPENID", "TEMPLATE_ID", values)
                .page("index?foo=bar")
                .miniprogram_state(MiniprogramState::Developer)
                .lang(Lang::ZhCn),
        )
        .await
        .unwrap();
    let sent = requests_to(&server, SEND).await;
    assert_eq!(query(&sent[0]), [pair("access_token", "TOKEN")]);
    assert_eq!(body(&sent[0]), expected);
    // Keys go out in one order whatever order they were given in.
    let text = String::from_utf8(sent[0].body.clone()).unwrap();
    let (a, b) = (text.find("date01").unwrap(), text.find("number01").unwrap());
    assert!(a < b, "{text}");
}

#[tokio::test]
async fn send_leaves_out_what_was_not_set() {
    let server = MockServer::start().await;
    Mock::given(path(SEND))
        .and(body_json(json!({
            "touser": "o", "template_id": "t", "data": {"thing1": {"value": "配送中"}}
        })))
        .respond_with(json_response(r#"{"errcode":0,"errmsg":"ok"}"#))
        .expect(1)
        .mount(&server)
        .await;
    client(&server)
        .subscribe_message()
        .send(SendRequest::new("o", "t", data(&[("thing1", "配送中")])))
        .access_token("T")
        .await
        .unwrap();
}

/// A send may already have reached the user: "busy" is returned, never retried.
#[tokio::test]
async fn send_maps_every_documented_errcode_and_is_not_retried() {
    use SendError as E;
    let cases: &[(i64, IsVariant<E>)] = &[
        (-1, |e| matches!(e, E::SystemBusy { .. })),
        (40001, |e| matches!(e, E::AccessTokenInvalid { .. })),
        (40003, |e| matches!(e, E::InvalidOpenid { .. })),
        (40014, |e| matches!(e, E::AccessTokenIllegal { .. })),
        (40037, |e| matches!(e, E::InvalidTemplateId { .. })),
        (41030, |e| matches!(e, E::InvalidPage { .. })),
        (43101, |e| matches!(e, E::UserRefused { .. })),
        (43107, |e| matches!(e, E::AbilityBanned { .. })),
        (43108, |e| matches!(e, E::ConcurrentSend { .. })),
        (45168, |e| matches!(e, E::SensitiveWord { .. })),
        (47003, |e| matches!(e, E::InvalidData { .. })),
    ];
    let request = || SendRequest::new("o", "t", data(&[("thing1", "x")]));
    assert_codes(
        SEND,
        cases,
        |e| matches!(e, E::Other { .. }),
        |c| async move {
            c.subscribe_message()
                .send(request())
                .access_token("FIXED")
                .await
        },
    )
    .await;
    let server = MockServer::start().await;
    Mock::given(path(SEND))
        .respond_with(json_response(r#"{"errcode":-1,"errmsg":"busy"}"#))
        .mount(&server)
        .await;
    let err = client(&server)
        .subscribe_message()
        .send(request())
        .access_token("T")
        .await
        .unwrap_err();
    assert!(matches!(err.api(), Some(E::SystemBusy { .. })));
    assert_eq!(requests_to(&server, SEND).await.len(), 1);
}

#[tokio::test]
async fn get_template_list_decodes_the_doc_example() {
    let server = MockServer::start().await;
    token_endpoint(&server, "TOKEN").await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(json_response(example("subscribeMessage.getTemplateList")))
        .expect(1)
        .mount(&server)
        .await;
    let r = client(&server)
        .subscribe_message()
        .get_template_list()
        .await
        .unwrap();
    let sent = requests_to(&server, LIST).await;
    assert_eq!(query(&sent[0]), [pair("access_token", "TOKEN")]);
    assert_eq!(r.data.len(), 2);
    assert_eq!(
        r.data[0].pri_tmpl_id,
        "9Aw5ZV1j9xdWTFEkqCpZ7mIBbSC34khK55OtzUPl0rU"
    );
    assert_eq!(r.data[0].type_, Some(TemplateType::OneTime));
    let enums = r.data[1].keyword_enum_value_list.as_ref().unwrap();
    assert_eq!(enums[0].keyword_code.as_deref(), Some("const1"));
    assert_eq!(
        enums[0].enum_value_list.as_deref(),
        Some(
            &[
                "已发货".to_owned(),
                "配送中".to_owned(),
                "已送达".to_owned()
            ][..]
        )
    );
}

#[tokio::test]
async fn add_and_delete_template_send_the_camel_case_bodies() {
    let server = MockServer::start().await;
    token_endpoint(&server, "TOKEN").await;
    Mock::given(method("POST"))
        .and(path(ADD))
        .and(body_json(
            json!({"tid": "401", "kidList": [1, 2], "sceneDesc": "测试数据"}),
        ))
        .respond_with(json_response(example("subscribeMessage.addTemplate")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(DELETE))
        .and(body_json(
            json!({"priTmplId": "wDYzYZVxobJivW9oMpSCpuvACOfJXQIoKUm0PY397Tc"}),
        ))
        .respond_with(json_response(example("subscribeMessage.deleteTemplate")))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let added = c
        .subscribe_message()
        .add_template(AddTemplateRequest::new("401", vec![1, 2], "测试数据"))
        .await
        .unwrap();
    assert_eq!(
        added.pri_tmpl_id,
        "9Aw5ZV1j9xdWTFEkqCpZ7mIBbSC34khK55OtzUPl0rU"
    );
    c.subscribe_message()
        .delete_template(DeleteTemplateRequest::new(
            "wDYzYZVxobJivW9oMpSCpuvACOfJXQIoKUm0PY397Tc",
        ))
        .await
        .unwrap();
    // sceneDesc is at most 15 characters: refused before sending.
    let err = c
        .subscribe_message()
        .add_template(AddTemplateRequest::new(
            "401",
            vec![1, 2],
            "一二三四五六七八九十一二三四五六",
        ))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Invalid { .. }), "{err:?}");
    assert_eq!(requests_to(&server, ADD).await.len(), 1);
}

#[tokio::test]
async fn category_titles_and_keywords_send_the_documented_queries() {
    let server = MockServer::start().await;
    token_endpoint(&server, "TOKEN").await;
    Mock::given(method("GET"))
        .and(path(CATEGORY))
        .respond_with(json_response(example("subscribeMessage.getCategory")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(TITLES))
        .respond_with(json_response(example(
            "subscribeMessage.getPubTemplateTitleList",
        )))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(KEYWORDS))
        .respond_with(json_response(example(
            "subscribeMessage.getPubTemplateKeyWordsById",
        )))
        .mount(&server)
        .await;
    let c = client(&server);
    let categories = c.subscribe_message().get_category().await.unwrap();
    assert_eq!(categories.data[0].id, 616);
    assert_eq!(categories.data[0].name.as_deref(), Some("公交"));

    let titles = c
        .subscribe_message()
        .get_pub_template_title_list(GetPubTemplateTitleListRequest::new("2,616", 0, 5))
        .await
        .unwrap();
    let mut q = query(&requests_to(&server, TITLES).await[0]);
    q.sort();
    assert_eq!(
        q,
        [
            pair("access_token", "TOKEN"),
            pair("ids", "2,616"),
            pair("limit", "5"),
            pair("start", "0"),
        ]
    );
    assert_eq!(titles.count, 55);
    assert_eq!(titles.data[0].tid, 99);
    assert_eq!(titles.data[0].category_id.as_deref(), Some("616"));

    let keywords = c
        .subscribe_message()
        .get_pub_template_key_words_by_id(GetPubTemplateKeyWordsByIdRequest::new("99"))
        .await
        .unwrap();
    let mut q = query(&requests_to(&server, KEYWORDS).await[0]);
    q.sort();
    assert_eq!(q, [pair("access_token", "TOKEN"), pair("tid", "99")]);
    assert_eq!(keywords.count, 5);
    assert_eq!(keywords.data[0].rule, Some(KeywordRule::Thing));
    assert_eq!(keywords.data[1].rule, Some(KeywordRule::Amount));

    // limit is at most 30.
    let err = c
        .subscribe_message()
        .get_pub_template_title_list(GetPubTemplateTitleListRequest::new("2", 0, 31))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Invalid { .. }), "{err:?}");
    assert_eq!(requests_to(&server, TITLES).await.len(), 1);
}

#[tokio::test]
async fn template_calls_map_every_documented_errcode() {
    type L = GetTemplateListError;
    let list: &[(i64, IsVariant<L>)] = &[
        (-1, |e| matches!(e, L::SystemBusy { .. })),
        (40001, |e| matches!(e, L::AccessTokenInvalid { .. })),
        (200100, |e| matches!(e, L::NotMiniProgram { .. })),
    ];
    assert_codes(
        LIST,
        list,
        |e| matches!(e, L::Other { .. }),
        |c| async move {
            c.subscribe_message()
                .get_template_list()
                .access_token("FIXED")
                .await
        },
    )
    .await;

    type A = AddTemplateError;
    let add: &[(i64, IsVariant<A>)] = &[
        (40400, |e| matches!(e, A::InvalidHttpMethod { .. })),
        (200001, |e| matches!(e, A::Busy { .. })),
        (200011, |e| matches!(e, A::AccountBanned { .. })),
        (200012, |e| matches!(e, A::TemplateLimitReached { .. })),
        (200013, |e| matches!(e, A::TemplateBanned { .. })),
        (200014, |e| matches!(e, A::InvalidTid { .. })),
        (200020, |e| matches!(e, A::InvalidKidList { .. })),
        (200021, |e| matches!(e, A::InvalidSceneDesc { .. })),
        (200022, |e| matches!(e, A::DuplicateTemplate { .. })),
        (200100, |e| matches!(e, A::NotMiniProgram { .. })),
    ];
    assert_codes(
        ADD,
        add,
        |e| matches!(e, A::Other { .. }),
        |c| async move {
            c.subscribe_message()
                .add_template(AddTemplateRequest::new("1", vec![1, 2], "d"))
                .access_token("FIXED")
                .await
        },
    )
    .await;

    type D = DeleteTemplateError;
    let delete: &[(i64, IsVariant<D>)] = &[
        (20001, |e| matches!(e, D::SystemError { .. })),
        (20002, |e| matches!(e, D::InvalidArgs { .. })),
        (200001, |e| matches!(e, D::Busy { .. })),
        (200002, |e| matches!(e, D::InvalidParam { .. })),
        (200014, |e| matches!(e, D::InvalidTemplateId { .. })),
    ];
    assert_codes(
        DELETE,
        delete,
        |e| matches!(e, D::Other { .. }),
        |c| async move {
            c.subscribe_message()
                .delete_template(DeleteTemplateRequest::new("p"))
                .access_token("FIXED")
                .await
        },
    )
    .await;

    type C = GetCategoryError;
    let category: &[(i64, IsVariant<C>)] = &[
        (20001, |e| matches!(e, C::SystemError { .. })),
        (200100, |e| matches!(e, C::NotMiniProgram { .. })),
    ];
    assert_codes(
        CATEGORY,
        category,
        |e| matches!(e, C::Other { .. }),
        |c| async move {
            c.subscribe_message()
                .get_category()
                .access_token("FIXED")
                .await
        },
    )
    .await;

    type T = GetPubTemplateTitleListError;
    let titles: &[(i64, IsVariant<T>)] = &[
        (200001, |e| matches!(e, T::Busy { .. })),
        (200016, |e| matches!(e, T::InvalidStart { .. })),
        (200017, |e| matches!(e, T::InvalidLimit { .. })),
        (200018, |e| matches!(e, T::MissingIds { .. })),
        (200019, |e| matches!(e, T::InvalidIds { .. })),
    ];
    assert_codes(
        TITLES,
        titles,
        |e| matches!(e, T::Other { .. }),
        |c| async move {
            c.subscribe_message()
                .get_pub_template_title_list(GetPubTemplateTitleListRequest::new("1", 0, 1))
                .access_token("FIXED")
                .await
        },
    )
    .await;

    type K = GetPubTemplateKeyWordsByIdError;
    let keywords: &[(i64, IsVariant<K>)] = &[
        (20001, |e| matches!(e, K::SystemError { .. })),
        (200002, |e| matches!(e, K::InvalidParam { .. })),
        (200014, |e| matches!(e, K::InvalidTid { .. })),
    ];
    assert_codes(
        KEYWORDS,
        keywords,
        |e| matches!(e, K::Other { .. }),
        |c| async move {
            c.subscribe_message()
                .get_pub_template_key_words_by_id(GetPubTemplateKeyWordsByIdRequest::new("1"))
                .access_token("FIXED")
                .await
        },
    )
    .await;
}
