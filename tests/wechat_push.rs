//! Message push over real HTTP: an axum server on 127.0.0.1 whose handlers are
//! `miniapp::wechat::push`, driven with reqwest as WeChat would call it — the URL check,
//! a safe-mode JSON `wxa_media_check` decoded typed, a plain-mode XML text message kept
//! raw, and tampered or unsigned requests answered 4xx with the reason.
#![cfg(feature = "wechat")]

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::routing::get;
use miniapp::wechat::push::{reply_success, Format, Push, PushMessage, Received, Suggest};
use serde_json::{json, Value};
use sha1::{Digest, Sha1};
use std::sync::{Arc, Mutex};

const APP_ID: &str = "wx1234567890abcdef";
const TOKEN: &str = "loopbacktoken";
const AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

#[derive(Clone)]
struct Endpoint {
    push: Arc<Push>,
    received: Arc<Mutex<Vec<Received>>>,
}

async fn url_check(
    State(endpoint): State<Endpoint>,
    RawQuery(query): RawQuery,
) -> (StatusCode, String) {
    match endpoint.push.verify_url(query.as_deref().unwrap_or("")) {
        Ok(echostr) => (StatusCode::OK, echostr),
        Err(e) => (status(e.status()), e.to_string()),
    }
}

async fn receive(
    State(endpoint): State<Endpoint>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> (StatusCode, String) {
    match endpoint.push.receive(query.as_deref().unwrap_or(""), &body) {
        Ok(received) => {
            endpoint.received.lock().unwrap().push(received);
            (StatusCode::OK, reply_success().to_owned())
        }
        Err(e) => (status(e.status()), e.to_string()),
    }
}

fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST)
}

/// Serves a safe-mode app at `/safe` and a plain-mode one at `/plain`.
async fn serve() -> (String, Endpoint, Endpoint) {
    let endpoint = |push: Push| Endpoint {
        push: Arc::new(push),
        received: Arc::default(),
    };
    let safe = endpoint(
        Push::new(APP_ID, TOKEN)
            .unwrap()
            .with_encoding_aes_key(AES_KEY)
            .unwrap(),
    );
    let plain = endpoint(Push::new(APP_ID, TOKEN).unwrap());
    let app = axum::Router::new()
        .route(
            "/safe",
            get(url_check).post(receive).with_state(safe.clone()),
        )
        .route(
            "/plain",
            get(url_check).post(receive).with_state(plain.clone()),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, safe, plain)
}

/// WeChat's `signature`, computed independently of the SDK.
fn signature(parts: &[&str]) -> String {
    let mut parts = parts.to_vec();
    parts.sort_unstable();
    hex::encode(Sha1::digest(parts.concat().as_bytes()))
}

#[tokio::test]
async fn push_endpoint_over_http() {
    let (base, safe, plain) = serve().await;
    let http = reqwest::Client::new();

    // The URL check, answered with the echostr as sent.
    let sig = signature(&[TOKEN, "1700000000", "n0nce"]);
    let url_check = format!("signature={sig}&timestamp=1700000000&nonce=n0nce&echostr=5837261920");
    for path in ["safe", "plain"] {
        let answer = http
            .get(format!("{base}/{path}?{url_check}"))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200);
        assert_eq!(answer.text().await.unwrap(), "5837261920");
    }
    let answer = http
        .get(format!(
            "{base}/plain?{}",
            url_check.replace("n0nce", "other")
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 400);
    assert!(answer
        .text()
        .await
        .unwrap()
        .contains("signature does not match"));

    // A safe-mode JSON media-check result, encrypted and signed as WeChat does (the
    // passive-reply envelope is the same construction).
    let event = json!({
        "ToUserName": "gh_38cc49f9733b",
        "FromUserName": "oH1fu0FdHqpToe2T6gBj0WyB8iS1",
        "CreateTime": 1700000000,
        "MsgType": "event",
        "Event": "wxa_media_check",
        "appid": APP_ID,
        "trace_id": "60f96f1d-3845297a-1976a3ae",
        "version": 2,
        "errcode": 0,
        "errmsg": "ok",
        "result": {"suggest": "risky", "label": 20002},
        "detail": [{"strategy": "content_model", "errcode": 0, "suggest": "risky", "label": 20002, "prob": 97}]
    });
    let sealed: Value = serde_json::from_str(
        &safe
            .push
            .encrypted_reply(Format::Json, &event.to_string())
            .unwrap(),
    )
    .unwrap();
    let query = format!(
        "signature=unused&timestamp={}&nonce={}&openid=o1&encrypt_type=aes&msg_signature={}",
        sealed["TimeStamp"],
        sealed["Nonce"].as_str().unwrap(),
        sealed["MsgSignature"].as_str().unwrap()
    );
    let body = json!({"ToUserName": "gh_38cc49f9733b", "Encrypt": sealed["Encrypt"]}).to_string();
    let answer = http
        .post(format!("{base}/safe?{query}"))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.text().await.unwrap(), "success");
    {
        let received = safe.received.lock().unwrap();
        assert_eq!(received.len(), 1);
        assert!(received[0].encrypted);
        assert_eq!(received[0].format, Format::Json);
        assert_eq!(received[0].common.event.as_deref(), Some("wxa_media_check"));
        let PushMessage::MediaCheck(check) = &received[0].message else {
            panic!("{:?}", received[0].message)
        };
        assert_eq!(check.trace_id, "60f96f1d-3845297a-1976a3ae");
        let result = check.result.as_ref().unwrap();
        assert_eq!((&result.suggest, result.label), (&Suggest::Risky, 20002));
        assert_eq!(check.detail[0].prob, Some(97));
    }

    // The same push tampered: one character of the ciphertext changed.
    let encrypt = sealed["Encrypt"].as_str().unwrap();
    let flipped = if encrypt.starts_with('A') { "B" } else { "A" };
    let tampered =
        json!({"ToUserName": "gh_38cc49f9733b", "Encrypt": format!("{flipped}{}", &encrypt[1..])});
    let answer = http
        .post(format!("{base}/safe?{query}"))
        .body(tampered.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 400);
    assert!(answer
        .text()
        .await
        .unwrap()
        .contains("msg_signature does not match"));
    // Unsigned, and a plain push to the safe-mode app.
    let unsigned = query.split("&msg_signature=").next().unwrap();
    let answer = http
        .post(format!("{base}/safe?{unsigned}"))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 400);
    assert!(answer.text().await.unwrap().contains("no msg_signature"));

    // A plain-mode XML text message: verified by `signature`, kept raw.
    let xml = "<xml><ToUserName><![CDATA[gh_38cc49f9733b]]></ToUserName><FromUserName><![CDATA[oH1fu0FdHqpToe2T6gBj0WyB8iS1]]></FromUserName><CreateTime>1700000001</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[你好]]></Content><MsgId>24000000000000001</MsgId></xml>";
    let sig = signature(&[TOKEN, "1700000001", "4242"]);
    let query = format!(
        "signature={sig}&timestamp=1700000001&nonce=4242&openid=oH1fu0FdHqpToe2T6gBj0WyB8iS1"
    );
    let answer = http
        .post(format!("{base}/plain?{query}"))
        .header("content-type", "text/xml")
        .body(xml)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.text().await.unwrap(), "success");
    {
        let received = plain.received.lock().unwrap();
        assert_eq!(received.len(), 1);
        assert!(!received[0].encrypted);
        assert_eq!(received[0].format, Format::Xml);
        assert_eq!(received[0].common.msg_type, "text");
        let PushMessage::Other(raw) = &received[0].message else {
            panic!("{:?}", received[0].message)
        };
        assert_eq!(raw["Content"], "你好");
        assert_eq!(raw["MsgId"], "24000000000000001");
    }
    // Signed with another token.
    let sig = signature(&["anothertoken", "1700000001", "4242"]);
    let answer = http
        .post(format!(
            "{base}/plain?signature={sig}&timestamp=1700000001&nonce=4242"
        ))
        .body(xml)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 400);
    // A huge body is refused before it is read as XML.
    let answer = http
        .post(format!("{base}/plain?{query}"))
        .body(vec![b'<'; 200 * 1024])
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_client_error(), "{}", answer.status());

    // Nothing refused was recorded.
    assert_eq!(safe.received.lock().unwrap().len(), 1);
    assert_eq!(plain.received.lock().unwrap().len(), 1);
}
