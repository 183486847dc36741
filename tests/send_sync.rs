//! Builders and clients can be held across an `.await` inside `tokio::spawn` (they are
//! `Send + Sync`), as a service that builds its clients in a spawned setup task does.
#![cfg(feature = "wechat")]

use std::time::Duration;

fn send_sync<T: Send + Sync>(_: &T) {}

#[tokio::test]
async fn a_client_builder_crosses_an_await_in_a_spawned_task() {
    let task = tokio::spawn(async {
        let builder = miniapp::wechat::Client::builder("app", "secret")
            .timeout(Duration::from_secs(1))
            .configure_token_manager(|m| m);
        tokio::time::sleep(Duration::from_millis(1)).await;
        send_sync(&builder);
        let client = builder.build();
        tokio::time::sleep(Duration::from_millis(1)).await;
        client.app_id().to_owned()
    });
    assert_eq!(task.await.unwrap(), "app");
}

#[cfg(feature = "payment")]
#[tokio::test]
async fn a_payment_builder_crosses_an_await_in_a_spawned_task() {
    let task = tokio::spawn(async {
        let builder = miniapp::payment::Payment::wechat("wxapp", "1900000109", "k".repeat(32))
            .configure_wechatpay(|b| b.timeout(Duration::from_secs(1)));
        tokio::time::sleep(Duration::from_millis(1)).await;
        send_sync(&builder);
        let payment = builder.build().unwrap();
        tokio::time::sleep(Duration::from_millis(1)).await;
        send_sync(&payment);
    });
    task.await.unwrap();
}

#[cfg(feature = "alipay")]
#[test]
fn every_platform_builder_is_send_and_sync() {
    fn assert<T: Send + Sync>() {}
    assert::<miniapp::wechat::ClientBuilder>();
    assert::<miniapp::alipay::ClientBuilder>();
    assert::<miniapp::alipay::Client>();
}
