//! Runs the generator's fixture platform (every construct of the schema language),
//! generated from YAML only and compiled like the real platforms, against a real HTTP
//! server on 127.0.0.1 and checks the wire form of each construct.
#![cfg(feature = "codegen")]

use miniapp::fixtures::fixture::demo_group::*;
use miniapp::fixtures::fixture::Client;
use miniapp::runtime::{Error, FileUpload, ValidationError};
use wiremock::matchers::{body_json, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client(server: &MockServer) -> Client {
    Client::builder("app-id", "app-secret")
        .base_url(server.uri())
        .build()
}

#[tokio::test]
async fn query_fields_constants_defaults_and_open_enums() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/thing/get"))
        .and(query_param("appid", "app-id"))
        .and(query_param("secret", "app-secret"))
        .and(query_param("grant_type", "fixture"))
        .and(query_param("js_code", "abc"))
        .and(query_param("mode", "Slow"))
        .and(query_param("count", "5"))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            r#"{"openId":"o1","sessionKey":"k1","items":[{"key":1,"value":2.5,"tagLabel":"beta_two"}],"kind":"gamma"}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let r = c
        .demo_group()
        .get_thing(GetThingRequest::new("abc").count(5))
        .await
        .unwrap();
    assert_eq!(r.open_id, "o1");
    assert_eq!(r.session_key.expose(), "k1");
    assert_eq!(format!("{:?}", r.session_key), "Secret(***)");
    let items = r.items.unwrap();
    assert_eq!(items[0].tag_name, Some(Kind::BetaTwo));
    assert_eq!(r.kind, Some(Kind::Other("gamma".into())));
    assert_eq!("Fast".parse::<Mode>().unwrap(), Mode::Fast);
    assert!("Nope".parse::<Mode>().is_err());
    assert_eq!(Bucket::from_code(2), Some(Bucket::Long));
    assert_eq!(Bucket::Long.description(), ">2s");
    assert_eq!(Bucket::from_code(9), None);
}

#[tokio::test]
async fn tagged_and_untagged_alternatives_serialize_to_the_wire_form() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/choice/post"))
        .and(query_param("access_token", "T"))
        .and(body_json(serde_json::json!({
            "touser": "u",
            "mch_id": "m",
            "out_trade_no": "o",
            "msgtype": "text",
            "text": {"content": "hi"},
            "scene": "a_1"
        })))
        .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"errcode":0,"errmsg":"ok"}"#))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let req = PostChoiceRequest::new(
        "u",
        PostChoiceOrder::merchant_order("m", "o"),
        PostChoiceMessage::text(TextBody::new("hi")),
    )
    .scene("a_1");
    c.demo_group()
        .post_choice(req)
        .access_token("T")
        .await
        .unwrap();
}

#[tokio::test]
async fn constraints_are_checked_before_sending() {
    let server = MockServer::start().await;
    let c = client(&server);
    let base = || {
        PostChoiceRequest::new(
            "u",
            PostChoiceOrder::transaction_id("t"),
            PostChoiceMessage::image(ImageBody::new("m")),
        )
    };
    let cases: Vec<(PostChoiceRequest, &str)> = vec![
        (base().scene("a b"), "scene"),
        (base().scene("abcde"), "scene"),
        (base().color(Color::new(256, 0, 0)), "color.r"),
        (
            PostChoiceRequest::new(
                "u",
                PostChoiceOrder::transaction_id("t"),
                PostChoiceMessage::text(TextBody::new("")),
            ),
            "text.content",
        ),
    ];
    for (req, field) in cases {
        match c.demo_group().post_choice(req).access_token("T").await {
            Err(Error::Invalid {
                source: ValidationError { field: f, .. },
                ..
            }) => assert_eq!(f, field),
            other => panic!("expected a validation error on {field}, got {other:?}"),
        }
    }
    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "nothing may be sent"
    );
}

#[tokio::test]
async fn multipart_upload_and_url_variant() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/file/upload"))
        .and(query_param("type", "alpha"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(r#"{"media_id":"M","created_at":1}"#),
        )
        .mount(&server)
        .await;
    let c = client(&server);
    let upload = FileUpload::new("a.png", "image/png", b"\x89PNG-bytes".to_vec());
    let r = c
        .demo_group()
        .upload_file(UploadFileRequest::new(Kind::Alpha, UploadFileImage::upload(upload)).note("n"))
        .access_token("T")
        .await
        .unwrap();
    assert_eq!(r.media_id, "M");
    c.demo_group()
        .upload_file(UploadFileRequest::new(
            Kind::Alpha,
            UploadFileImage::url("https://x/y.png"),
        ))
        .access_token("T")
        .await
        .unwrap();
    let reqs = server.received_requests().await.unwrap();
    let body = String::from_utf8_lossy(&reqs[0].body);
    let ct = reqs[0]
        .headers
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(ct.starts_with("multipart/form-data; boundary="), "{ct}");
    assert!(body.contains(r#"name="img"; filename="a.png""#), "{body}");
    assert!(body.contains("Content-Type: image/png"), "{body}");
    assert!(body.contains(r#"name="note""#), "{body}");
    assert!(reqs[1]
        .url
        .query()
        .unwrap()
        .contains("img_url=https%3A%2F%2Fx%2Fy.png"));
    assert!(!String::from_utf8_lossy(&reqs[1].body).contains("img_url"));
}

#[tokio::test]
async fn binary_text_form_and_body_secret() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/image/get"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(b"\x89PNG\r\n\x1a\n...".to_vec(), "image/png"),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/text/download"))
        .and(body_json(
            serde_json::json!({"appid": "app-id", "secret": "app-secret"}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_raw("a,b\n1,2\n", "text/plain"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/signed"))
        .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"ok":true}"#))
        .mount(&server)
        .await;
    let c = client(&server);
    let img = c
        .demo_group()
        .get_image(GetImageRequest::new("p"))
        .access_token("T")
        .await
        .unwrap();
    assert_eq!(img.content_type, "image/png");
    assert!(img.bytes.starts_with(b"\x89PNG"));
    let text = c.demo_group().download_text().await.unwrap();
    assert_eq!(text, "a,b\n1,2\n");
    assert!(
        c.demo_group()
            .signed_call(SignedCallRequest::new(5))
            .await
            .unwrap()
            .ok
    );
    let reqs = server.received_requests().await.unwrap();
    let form = reqs.iter().find(|r| r.url.path() == "/signed").unwrap();
    // The schema's `merchant` auth names the `jucai_md5` scheme: the form is signed
    // with the client's secret over exactly the fields sent (recomputed here by hand).
    let expected = md5_hex("amount=5&key=app-secret");
    assert_eq!(
        String::from_utf8_lossy(&form.body),
        format!("amount=5&sign={expected}")
    );
    assert_eq!(
        form.headers.get("content-type").unwrap(),
        "application/x-www-form-urlencoded"
    );
}

fn md5_hex(text: &str) -> String {
    use md5::{Digest, Md5};
    hex::encode(Md5::digest(text.as_bytes()))
}

#[tokio::test]
async fn path_parameters_are_percent_encoded_segments_and_negative_amounts_only_where_marked() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/ledger/2026%2F12%20%E8%AE%A2%3F%23/lines/7"))
        .and(query_param("access_token", "T"))
        .and(query_param("currency", "CNY"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(r#"{"change":"-1.50","balance":"98.50"}"#),
        )
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let line = c
        .demo_group()
        .get_ledger_line(GetLedgerLineRequest::new("2026/12 订?#", 7).currency("CNY"))
        .access_token("T")
        .await
        .unwrap();
    assert_eq!((line.change, line.balance), (-150, 9850));

    // An amount the docs never make negative is refused with a sign.
    let negative_balance = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(r#"{"change":"1.00","balance":"-1.00"}"#),
        )
        .mount(&negative_balance)
        .await;
    let err = client(&negative_balance)
        .demo_group()
        .get_ledger_line(GetLedgerLineRequest::new("e1", 1))
        .access_token("T")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");

    // `.` and `..` would climb the path whatever the encoding: refused, nothing sent.
    for bad in ["..", ".", ""] {
        let err = c
            .demo_group()
            .get_ledger_line(GetLedgerLineRequest::new(bad, 1))
            .access_token("T")
            .await
            .unwrap_err();
        match err {
            Error::Invalid { source, .. } => assert_eq!(source.field, "entry_id"),
            other => panic!("{other:?}"),
        }
    }
}
