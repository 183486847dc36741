//! A mini program's message-push endpoint with axum and `miniapp::wechat::push`, in safe
//! mode, called here the way WeChat calls it (no credentials needed): the URL check,
//! then an encrypted `wxa_media_check` push, then a forged one.
//!
//! In production, use the Token and EncodingAESKey from the mp console (开发管理 →
//! 消息推送) and route WeChat to the `/wechat/push` URL.
//!
//! Run: `cargo run --example wechat_push`

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::routing::get;
use miniapp::wechat::push::{reply_success, Format, Push, PushMessage};
use std::sync::Arc;

const APP_ID: &str = "wx1234567890abcdef";
const TOKEN: &str = "example-token";
const ENCODING_AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

/// `GET`: answer the console's URL check with the echostr.
async fn url_check(
    State(push): State<Arc<Push>>,
    RawQuery(query): RawQuery,
) -> (StatusCode, String) {
    match push.verify_url(query.as_deref().unwrap_or("")) {
        Ok(echostr) => (StatusCode::OK, echostr),
        Err(e) => (StatusCode::from_u16(e.status()).unwrap(), e.to_string()),
    }
}

/// `POST`: verify, decrypt, decode; answer "success" within 5 s once handled.
async fn receive(
    State(push): State<Arc<Push>>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> (StatusCode, String) {
    let received = match push.receive(query.as_deref().unwrap_or(""), &body) {
        Ok(received) => received,
        Err(e) => {
            println!("refused: {e}");
            return (StatusCode::from_u16(e.status()).unwrap(), e.to_string());
        }
    };
    match &received.message {
        PushMessage::MediaCheck(check) => {
            println!("media check {} → {:?}", check.trace_id, check.result)
        }
        PushMessage::OrderSettlement(order) => println!("order {} settled", order.transaction_id),
        other => println!("{}: {other:?}", received.common.msg_type),
    }
    (StatusCode::OK, reply_success().to_owned())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let push = Arc::new(Push::new(APP_ID, TOKEN)?.with_encoding_aes_key(ENCODING_AES_KEY)?);
    let app = axum::Router::new()
        .route("/wechat/push", get(url_check).post(receive))
        .with_state(push.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/wechat/push", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    let http = reqwest::Client::new();

    // WeChat's side. The URL check: signature = sha1 of the sorted token, timestamp, nonce.
    let mut parts = [TOKEN, "1700000000", "3141592"];
    parts.sort_unstable();
    let signature = hex::encode(<sha1::Sha1 as sha1::Digest>::digest(parts.concat()));
    let answer = http
        .get(format!(
            "{url}?signature={signature}&timestamp=1700000000&nonce=3141592&echostr=271828"
        ))
        .send()
        .await?;
    println!("URL check → {} {:?}", answer.status(), answer.text().await?);

    // A safe-mode push: encrypted and signed like a passive reply (the same envelope).
    let event = serde_json::json!({
        "ToUserName": "gh_0123456789ab", "FromUserName": "oUser", "CreateTime": 1700000000,
        "MsgType": "event", "Event": "wxa_media_check", "appid": APP_ID, "trace_id": "trace-1",
        "version": 2, "errcode": 0, "result": {"suggest": "pass", "label": 100}, "detail": []
    });
    let sealed: serde_json::Value =
        serde_json::from_str(&push.encrypted_reply(Format::Json, &event.to_string())?)?;
    let query = format!(
        "timestamp={}&nonce={}&encrypt_type=aes&msg_signature={}",
        sealed["TimeStamp"],
        sealed["Nonce"].as_str().unwrap_or_default(),
        sealed["MsgSignature"].as_str().unwrap_or_default()
    );
    let body = serde_json::json!({"ToUserName": "gh_0123456789ab", "Encrypt": sealed["Encrypt"]});
    let answer = http
        .post(format!("{url}?{query}"))
        .body(body.to_string())
        .send()
        .await?;
    println!("push → {} {:?}", answer.status(), answer.text().await?);

    // A forged push: plain JSON with a stolen signature is refused in safe mode.
    let forged =
        r#"{"ToUserName":"gh_0123456789ab","CreateTime":1,"MsgType":"text","Content":"hi"}"#;
    let answer = http
        .post(format!("{url}?{query}"))
        .body(forged)
        .send()
        .await?;
    println!(
        "forged push → {} {:?}",
        answer.status(),
        answer.text().await?
    );
    Ok(())
}
