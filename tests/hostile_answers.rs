//! Answers a runaway or hostile upstream might send: bodies larger than the client
//! accepts (announced or streamed without a length) and huge server messages. Real
//! servers on 127.0.0.1.
#![cfg(feature = "wechat")]

use miniapp::runtime::{ApiError, Error, MESSAGE_LIMIT};
use miniapp::wechat::auth::Code2SessionRequest;
use miniapp::wechat::customer_service_message::GetTempMediaRequest;
use miniapp::wechat::Client;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn answering(route: &str, response: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(route))
        .respond_with(response)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn an_announced_body_over_the_limit_is_refused() {
    let big = format!(r#"{{"openid":"o","session_key":"{}"}}"#, "k".repeat(4096));
    let server = answering(
        "/sns/jscode2session",
        ResponseTemplate::new(200).set_body_string(big),
    )
    .await;
    let wx = Client::builder("app", "secret")
        .base_url(server.uri())
        .max_response_bytes(1024)
        .build();
    let err = wx
        .auth()
        .code2_session(Code2SessionRequest::new("c"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::BodyTooLarge {
                limit: 1024,
                status: 200,
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn media_has_its_own_larger_limit() {
    let png = vec![0x89u8; 64 * 1024];
    let server = answering(
        "/cgi-bin/media/get",
        ResponseTemplate::new(200).set_body_raw(png, "image/png"),
    )
    .await;
    let fetch = |limit: usize| {
        let wx = Client::builder("app", "secret")
            .base_url(server.uri())
            .max_response_bytes(1024)
            .max_media_bytes(limit)
            .build();
        async move {
            wx.customer_service_message()
                .get_temp_media(GetTempMediaRequest::new("M"))
                .access_token("T")
                .await
        }
    };
    assert_eq!(fetch(1 << 20).await.unwrap().bytes.len(), 64 * 1024);
    assert!(matches!(
        fetch(32 * 1024).await.unwrap_err(),
        Error::BodyTooLarge { limit: 32768, .. }
    ));
}

/// A server that streams a chunked body with no length and never ends on its own
/// (bounded here: it stops after 64 MiB or when the client goes away).
async fn endless_chunked_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = [0u8; 4096];
        let _ = socket.read(&mut request).await;
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
        if socket.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        let chunk = format!("{:x}\r\n{}\r\n", 8192, "x".repeat(8192));
        for _ in 0..(64 * 1024 * 1024 / 8192) {
            if socket.write_all(chunk.as_bytes()).await.is_err() {
                return;
            }
        }
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn a_streamed_body_is_cut_at_the_limit() {
    let wx = Client::builder("app", "secret")
        .base_url(endless_chunked_server().await)
        .max_response_bytes(100_000)
        .timeout(Duration::from_secs(10))
        .build();
    let err = wx
        .auth()
        .code2_session(Code2SessionRequest::new("c"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::BodyTooLarge { limit: 100_000, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_huge_server_message_is_bounded() {
    let message = "错".repeat(50_000);
    let server = answering(
        "/sns/jscode2session",
        ResponseTemplate::new(200)
            .set_body_string(format!(r#"{{"errcode":40029,"errmsg":"{message}"}}"#)),
    )
    .await;
    let wx = Client::builder("app", "secret")
        .base_url(server.uri())
        .build();
    let err = wx
        .auth()
        .code2_session(Code2SessionRequest::new("c"))
        .await
        .unwrap_err();
    let api = err.api().expect("an API error");
    assert_eq!(ApiError::code(api), 40029);
    let kept = ApiError::message(api);
    assert_eq!(
        kept.chars().count(),
        MESSAGE_LIMIT + 1,
        "the limit and an ellipsis"
    );
    assert!(kept.ends_with('…'));
    assert!(
        err.to_string().len() < 2 * 1024,
        "{}",
        err.to_string().len()
    );
}
