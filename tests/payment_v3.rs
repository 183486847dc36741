//! The payment facade over WeChat Pay API v3 against the simulator, for every call:
//! order info for the mini program (`signType: "RSA"`, paySign checked here with ring)
//! and the App, query, a payment notification received by a real notify server on
//! 127.0.0.1 and verified from its raw headers and body, refund, refund notification,
//! refund query, close, bills; the calls v3 does not have fail typed before anything is
//! sent; refusals keep the provider's code; a tampered notification is refused. In
//! public-key mode, and once with downloaded platform certificates.
#![cfg(feature = "full")]

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use miniapp::payment::{
    ClientType, Notification, NotifyRequest, OrderInfo, OrderInfoRequest, OrderRef, Payment,
    PaymentError, Provider, RefundQueryRequest, RefundRequest, TradeState,
};
use miniapp_simulator::wechatpay_v3::{WechatPayV3KeyMode, WechatPayV3RefundOutcome};
use miniapp_simulator::Simulator;
use ring::signature::{self, KeyPair, RsaKeyPair};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(20);
const OPENID: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";

async fn bounded<F: Future<Output = ()>>(test: F) {
    tokio::time::timeout(LIMIT, test)
        .await
        .expect("test took too long");
}

type Log = Arc<Mutex<Vec<Result<Notification, String>>>>;

/// The merchant's notify server: each POST verified with `verify_notify` from its raw
/// headers and body, recorded, answered with the facade's reply.
async fn merchant(pay: Arc<Payment>) -> (String, Log) {
    async fn notified(
        State((pay, log)): State<(Arc<Payment>, Log)>,
        headers: HeaderMap,
        body: Bytes,
    ) -> http::Response<String> {
        let (verified, reply) = match pay.verify_notify(NotifyRequest::new(&headers, &body)) {
            Ok(v) => (Ok(v.notification), v.reply),
            Err(e) => (Err(e.to_string()), pay.reply_fail("refused")),
        };
        log.lock().unwrap().push(verified);
        reply.into_http()
    }
    let log: Log = Arc::default();
    let app = axum::Router::new()
        .route("/notify", post(notified))
        .with_state((pay, log.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/notify", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, log)
}

async fn sim(mode: WechatPayV3KeyMode) -> Simulator {
    Simulator::builder()
        .only(&["wechatpay_v3"])
        .wechatpay_v3_keys(mode)
        .start()
        .await
        .unwrap()
}

/// The facade configured from what the simulator publishes (its test keys).
fn payment(sim: &Simulator, certificates: bool) -> Payment {
    let keys = sim.wechatpay_v3_keys().unwrap();
    let builder = Payment::wechat_v3(
        keys.app_id.clone(),
        keys.merchant_id.clone(),
        keys.merchant_serial.clone(),
        keys.merchant_private_key.clone().unwrap(),
        keys.api_v3_key.clone(),
    );
    let builder = if certificates {
        builder.download_platform_certificates()
    } else {
        builder.wxpay_public_key(keys.wechatpay_public_key_id, keys.wechatpay_public_key)
    };
    builder
        .client_type(ClientType::MpWeixin)
        .base_url(sim.url("wechatpay_v3"))
        .build()
        .unwrap()
}

fn merchant_public_key(sim: &Simulator) -> Vec<u8> {
    let pem = sim
        .wechatpay_v3_keys()
        .unwrap()
        .merchant_private_key
        .unwrap();
    let der: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let pair = RsaKeyPair::from_pkcs8(&STANDARD.decode(der).unwrap()).unwrap();
    pair.public_key().as_ref().to_vec()
}

async fn notifications(log: &Log, at_least: usize) -> Vec<Result<Notification, String>> {
    for _ in 0..200 {
        if log.lock().unwrap().len() >= at_least {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    log.lock().unwrap().clone()
}

async fn purchase_to_bill(mode: WechatPayV3KeyMode, certificates: bool) {
    let sim = sim(mode).await;
    let pay = Arc::new(payment(&sim, certificates));
    assert_eq!(pay.provider(), Provider::WechatPay);
    assert_eq!(pay.wechatpay_version(), Some(3));
    let (notify_url, log) = merchant(pay.clone()).await;
    let no = "FACADE-V3-1";

    // Mini program: wx.requestPayment parameters, paySign RSA over the four lines.
    let info = pay
        .get_order_info(
            OrderInfoRequest::new(no, 1200, &notify_url)
                .body("一杯茶")
                .openid(OPENID),
        )
        .await
        .unwrap();
    let OrderInfo::WechatMiniProgram(params) = &info else {
        panic!("{info:?}")
    };
    let order = sim.wechatpay_v3_order(no).unwrap();
    assert_eq!(
        params.package,
        format!("prepay_id={}", order.prepay_id.clone().unwrap())
    );
    assert_eq!(
        (order.total, order.payer_openid.as_deref()),
        (1200, Some(OPENID))
    );
    assert_eq!(params.sign_type, "RSA");
    let text = format!(
        "{}\n{}\n{}\n{}\n",
        params.app_id, params.time_stamp, params.nonce_str, params.package
    );
    signature::UnparsedPublicKey::new(
        &signature::RSA_PKCS1_2048_8192_SHA256,
        merchant_public_key(&sim),
    )
    .verify(text.as_bytes(), &STANDARD.decode(&params.pay_sign).unwrap())
    .expect("paySign verifies with the merchant key");

    // App: the PayReq fields.
    let app = pay
        .get_order_info(
            OrderInfoRequest::new("FACADE-V3-APP", 100, &notify_url)
                .body("App order")
                .client_type(ClientType::AppPlus),
        )
        .await
        .unwrap();
    let OrderInfo::WechatApp(app) = app else {
        panic!("{app:?}")
    };
    assert_eq!(app.package, "Sign=WXPay");
    assert_eq!(
        Some(app.prepayid),
        sim.wechatpay_v3_order("FACADE-V3-APP").unwrap().prepay_id
    );

    // Unpaid, then paid through the simulator: the notification is verified and
    // decrypted by the merchant's server, acknowledged, and the query agrees.
    let unpaid = pay.order_query(OrderRef::out_trade_no(no)).await.unwrap();
    assert_eq!(unpaid.trade_state, TradeState::NotPay);
    let delivered = sim.pay_wechatpay_v3_order(no).await.unwrap();
    assert!(delivered.acknowledged, "{delivered:?}");
    let received = notifications(&log, 1).await;
    let Ok(Notification::Payment(paid)) = &received[0] else {
        panic!("{received:?}")
    };
    assert_eq!((paid.out_trade_no.as_str(), paid.total_fee), (no, 1200));
    assert_eq!(paid.trade_state, TradeState::Success);
    let queried = pay.order_query(OrderRef::out_trade_no(no)).await.unwrap();
    assert_eq!(queried.trade_state, TradeState::Success);
    assert_eq!(queried.total_fee, Some(1200));
    assert_eq!(queried.openid.as_deref(), Some(OPENID));
    let by_id = pay
        .order_query(OrderRef::transaction_id(
            queried.transaction_id.clone().unwrap(),
        ))
        .await
        .unwrap();
    assert_eq!(by_id.out_trade_no, no);

    // Refund, its notification, its query.
    let refund = pay
        .refund(
            RefundRequest::new(OrderRef::out_trade_no(no), 200)
                .out_refund_no("FACADE-V3-R1")
                .total_fee(1200)
                .notify_url(&notify_url),
        )
        .await
        .unwrap();
    assert_eq!(refund.refund_fee, 200);
    let delivered = sim
        .settle_wechatpay_v3_refund("FACADE-V3-R1", WechatPayV3RefundOutcome::Success)
        .await
        .unwrap();
    assert!(delivered.acknowledged, "{delivered:?}");
    let received = notifications(&log, 2).await;
    let Ok(Notification::Refund(refunded)) = &received[1] else {
        panic!("{received:?}")
    };
    assert_eq!(
        (refunded.refund_fee, refunded.refund_status.as_str()),
        (200, "SUCCESS")
    );
    let found = pay
        .refund_query(RefundQueryRequest::out_refund_no("FACADE-V3-R1"))
        .await
        .unwrap();
    assert_eq!(found.refund_fee, 200);
    assert_eq!(found.refund_status.as_deref(), Some("SUCCESS"));

    // Close an unpaid order; closing a paid one keeps the provider's code.
    pay.get_order_info(
        OrderInfoRequest::new("FACADE-V3-2", 1, &notify_url)
            .body("b")
            .openid(OPENID),
    )
    .await
    .unwrap();
    pay.close_order(OrderRef::out_trade_no("FACADE-V3-2"))
        .await
        .unwrap();
    let closed = pay
        .order_query(OrderRef::out_trade_no("FACADE-V3-2"))
        .await
        .unwrap();
    assert_eq!(closed.trade_state, TradeState::Closed);
    let e = pay
        .close_order(OrderRef::out_trade_no(no))
        .await
        .unwrap_err();
    assert_eq!(
        e.code().map(|c| c.to_string()),
        Some("ORDERPAID".into()),
        "{e}"
    );

    // Bills: located, fetched, hash-checked, parsed (yyyyMMdd as uniCloud writes it).
    let today = time::OffsetDateTime::now_utc()
        .to_offset(time::macros::offset!(+8))
        .date();
    let date = format!(
        "{:04}{:02}{:02}",
        today.year(),
        u8::from(today.month()),
        today.day()
    );
    let bill = pay.download_bill(&date, None).await.unwrap();
    assert!(bill.content.contains(no), "{}", bill.content);
    let flow = pay.download_fundflow(&date, Some("Basic")).await.unwrap();
    assert!(!flow.content.is_empty());

    // What v3 does not have fails before anything is sent.
    let sent = sim.requests().len();
    let e = pay
        .cancel_order(OrderRef::out_trade_no(no))
        .await
        .unwrap_err();
    assert!(matches!(e, PaymentError::Unsupported { .. }), "{e}");
    let e = pay
        .refund_query(RefundQueryRequest::order(OrderRef::out_trade_no(no)))
        .await
        .unwrap_err();
    assert!(matches!(e, PaymentError::Invalid { .. }), "{e}");
    assert_eq!(sim.requests().len(), sent);
}

#[tokio::test]
async fn purchase_to_bill_in_public_key_mode() {
    bounded(purchase_to_bill(WechatPayV3KeyMode::PublicKey, false)).await;
}

#[tokio::test]
async fn purchase_to_bill_with_downloaded_platform_certificates() {
    bounded(purchase_to_bill(WechatPayV3KeyMode::Certificate, true)).await;
}

#[tokio::test]
async fn a_tampered_notification_is_refused_with_the_reason() {
    bounded(async {
        let sim = sim(WechatPayV3KeyMode::PublicKey).await;
        let pay = payment(&sim, false);
        let keys = sim.wechatpay_v3_keys().unwrap();
        // Signed by WeChat Pay's key over another body than the one delivered.
        let mut headers = HeaderMap::new();
        for (k, v) in [
            ("content-type", "application/json"),
            ("wechatpay-timestamp", &now()),
            ("wechatpay-nonce", "n"),
            ("wechatpay-signature", "c2lnbmF0dXJl"),
            ("wechatpay-serial", &keys.wechatpay_public_key_id),
        ] {
            headers.insert(k, v.parse().unwrap());
        }
        let e = pay
            .verify_payment_notify(NotifyRequest::new(&headers, br#"{"id":"EV-1"}"#))
            .unwrap_err();
        assert!(e.to_string().contains("does not match"), "{e}");
        let reply = pay.reply_fail("signature");
        assert!(reply.status >= 400, "{reply:?}");
    })
    .await;
}

fn now() -> String {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string()
}
