//! The seed's payment facade (`miniapp::payment`) against the simulator, per provider:
//! order info for each client type, query, payment notification received by a real
//! notify server on 127.0.0.1 and verified from its raw headers and body, refund,
//! refund query, refund notification, close / cancel, bills; the calls a provider does
//! not have fail typed before anything is sent; refusals keep the provider's code;
//! tampered or misdirected notifications are refused with the reason.
#![cfg(feature = "full")]

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::routing::post;
use miniapp::payment::{
    ClientType, Notification, NotifyError, NotifyRequest, OrderInfo, OrderInfoRequest, OrderRef,
    Payment, PaymentError, Provider, RefundQueryRequest, RefundRequest, TradeState,
};
use miniapp_simulator::alipay::{ALIPAY_PUBLIC_KEY, APP_PRIVATE_KEY};
use miniapp_simulator::wechatpay::RefundOutcome;
use miniapp_simulator::{Simulator, DEFAULT_ALIPAY_APP_ID, DEFAULT_APP_ID};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const KEY: &str = "0123456789abcdef0123456789abcdef";
/// The test merchant certificate's PKCS#12 password is its merchant id.
const MCH_ID: &str = "10000100";
const LIMIT: Duration = Duration::from_secs(15);

async fn bounded<F: Future<Output = ()>>(test: F) {
    tokio::time::timeout(LIMIT, test)
        .await
        .expect("test took too long");
}

fn p12() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/wechatpay_cert/apiclient_cert_legacy.p12"
    ))
    .unwrap()
}

/// One notification as the merchant's server received it, and what verifying it gave.
#[derive(Debug, Clone)]
struct Received {
    headers: HeaderMap,
    body: Bytes,
    verified: Result<Notification, String>,
}

type Log = Arc<Mutex<Vec<Received>>>;

/// The merchant's notify server: every POST is verified with `verify_notify` from its
/// raw headers and body, recorded, and answered with the reply the facade gives.
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
        log.lock().unwrap().push(Received {
            headers,
            body,
            verified,
        });
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

fn last(log: &Log) -> Received {
    log.lock()
        .unwrap()
        .last()
        .cloned()
        .expect("nothing received")
}

async fn wechat_sim() -> Simulator {
    Simulator::builder()
        .only(&["wechatpay"])
        .merchant_id(MCH_ID)
        .sign_key("wechatpay", KEY)
        .start()
        .await
        .unwrap()
}

fn wechat_payment(sim: &Simulator) -> Payment {
    Payment::wechat(DEFAULT_APP_ID, MCH_ID, KEY)
        .pfx(p12())
        .client_type(ClientType::MpWeixin)
        .base_url(sim.url("wechatpay"))
        .build()
        .unwrap()
}

#[tokio::test]
async fn wechat_pay_purchase_payment_refund_and_bills() {
    bounded(async {
        let sim = wechat_sim().await;
        let pay = Arc::new(wechat_payment(&sim));
        let (notify_url, log) = merchant(pay.clone()).await;
        let no = "FACADE-WX-1";

        // Mini program: the exact wx.requestPayment parameters for the order's prepay_id.
        let info = pay
            .get_order_info(
                OrderInfoRequest::new(no, 1200, &notify_url)
                    .body("一杯茶")
                    .openid("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"),
            )
            .await
            .unwrap();
        let OrderInfo::WechatMiniProgram(params) = &info else {
            panic!("{info:?}")
        };
        let order = sim.wechatpay_order(no).unwrap();
        assert_eq!(params.package, format!("prepay_id={}", order.prepay_id));
        assert_eq!(order.total_fee, 1200);
        assert_eq!(
            order.openid.as_deref(),
            Some("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")
        );
        let json = serde_json::to_value(&info).unwrap();
        let mut keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "appId",
                "nonceStr",
                "package",
                "paySign",
                "signType",
                "timeStamp"
            ]
        );
        // paySign is the MD5 sign of the other five with the merchant key.
        let fields: Vec<(String, String)> =
            ["appId", "nonceStr", "package", "signType", "timeStamp"]
                .iter()
                .map(|k| (k.to_string(), json[k].as_str().unwrap().to_owned()))
                .collect();
        let text: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let expected = md5_upper_hex(&format!("{}&key={KEY}", text.join("&")));
        assert_eq!(json["paySign"], expected);

        // App: the PayReq fields, for the same kind of order.
        let app = pay
            .get_order_info(
                OrderInfoRequest::new("FACADE-WX-APP", 100, &notify_url)
                    .body("App order")
                    .client_type(ClientType::AppPlus),
            )
            .await
            .unwrap();
        let OrderInfo::WechatApp(app) = app else {
            panic!("{app:?}")
        };
        assert_eq!(
            (app.partnerid.as_str(), app.package.as_str()),
            (MCH_ID, "Sign=WXPay")
        );
        assert_eq!(
            app.prepayid,
            sim.wechatpay_order("FACADE-WX-APP").unwrap().prepay_id
        );

        // What the provider needs is checked before anything is sent.
        let sent = sim.requests().len();
        let e = pay
            .get_order_info(OrderInfoRequest::new("X-1", 1, &notify_url).body("no openid"))
            .await
            .unwrap_err();
        assert!(matches!(e, PaymentError::Invalid { .. }), "{e}");
        assert!(e.to_string().contains("openid"), "{e}");
        let e = pay
            .get_order_info(
                OrderInfoRequest::new("X-2", 1, &notify_url)
                    .body("b")
                    .client_type(ClientType::MpAlipay),
            )
            .await
            .unwrap_err();
        assert!(e.is_unsupported(), "{e}");
        assert_eq!(sim.requests().len(), sent, "nothing was sent");

        let state = pay.order_query(OrderRef::out_trade_no(no)).await.unwrap();
        assert_eq!(
            (state.trade_state, state.provider_state.as_str()),
            (TradeState::NotPay, "NOTPAY")
        );

        // Paid: the notification arrives, verifies from the raw request, is acknowledged.
        let notified = sim.pay_wechatpay_order(no).await.unwrap();
        assert!(notified.acknowledged, "{notified:?}");
        let received = last(&log);
        let Ok(Notification::Payment(paid)) = &received.verified else {
            panic!("{received:?}")
        };
        assert_eq!((paid.out_trade_no.as_str(), paid.total_fee), (no, 1200));
        assert_eq!(paid.trade_state, TradeState::Success);
        assert_eq!(paid.openid.as_deref(), Some("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"));
        let transaction_id = paid.transaction_id.clone();
        let request = NotifyRequest::new(&received.headers, &received.body);
        assert_eq!(
            pay.verify_payment_notify(request).unwrap().notification,
            *paid
        );
        assert!(matches!(
            pay.verify_refund_notify(request),
            Err(NotifyError::WrongKind {
                expected: "refund",
                ..
            })
        ));

        let state = pay
            .order_query(OrderRef::transaction_id(&transaction_id))
            .await
            .unwrap();
        assert_eq!(state.trade_state, TradeState::Success);
        assert_eq!((state.total_fee, state.cash_fee), (Some(1200), Some(1200)));
        assert_eq!(state.mch_id.as_deref(), Some(MCH_ID));
        let json = serde_json::to_value(&state).unwrap();
        assert_eq!(json["tradeState"], "SUCCESS");
        assert_eq!(json["transactionId"], transaction_id.as_str());
        assert_eq!(json["totalFee"], 1200);

        // WeChat Pay has no cancel: typed, nothing sent.
        let sent = sim.requests().len();
        let e = pay
            .cancel_order(OrderRef::out_trade_no(no))
            .await
            .unwrap_err();
        assert!(
            matches!(
                e,
                PaymentError::Unsupported {
                    provider: Provider::WechatPay,
                    call: "cancelOrder"
                }
            ),
            "{e}"
        );
        assert_eq!(sim.requests().len(), sent);

        // Refund 2 yuan through the merchant certificate.
        let refunded = pay
            .refund(
                RefundRequest::new(OrderRef::out_trade_no(no), 200)
                    .out_refund_no("FACADE-WX-R1")
                    .total_fee(1200)
                    .refund_desc("少了一杯"),
            )
            .await
            .unwrap();
        assert_eq!(refunded.refund_fee, 200);
        assert_eq!(refunded.transaction_id, transaction_id);
        assert!(refunded.refund_id.is_some());
        let e = pay
            .refund(RefundRequest::new(OrderRef::out_trade_no(no), 200).total_fee(1200))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("outRefundNo"), "{e}");

        let query = pay
            .refund_query(RefundQueryRequest::order(OrderRef::out_trade_no(no)))
            .await
            .unwrap();
        let list = query.refund_list.as_ref().unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(
            (
                list[0].out_refund_no.as_str(),
                list[0].refund_status.as_str()
            ),
            ("FACADE-WX-R1", "PROCESSING")
        );
        assert_eq!((query.refund_fee, query.total_fee), (200, Some(1200)));

        // The refund settles: the encrypted notification reaches the same server.
        let settled = sim
            .settle_wechatpay_refund("FACADE-WX-R1", RefundOutcome::Success)
            .await
            .unwrap();
        assert!(settled.acknowledged, "{settled:?}");
        let received = last(&log);
        let Ok(Notification::Refund(refund)) = &received.verified else {
            panic!("{received:?}")
        };
        assert_eq!(refund.out_refund_no.as_deref(), Some("FACADE-WX-R1"));
        assert_eq!(
            (refund.refund_fee, refund.refund_status.as_str()),
            (200, "SUCCESS")
        );
        let request = NotifyRequest::new(&received.headers, &received.body);
        assert_eq!(
            pay.verify_refund_notify(request).unwrap().notification,
            *refund
        );
        assert!(matches!(
            pay.verify_payment_notify(request),
            Err(NotifyError::WrongKind { .. })
        ));
        let query = pay
            .refund_query(RefundQueryRequest::out_refund_no("FACADE-WX-R1"))
            .await
            .unwrap();
        assert_eq!(query.refund_list.unwrap()[0].refund_status, "SUCCESS");

        // The day's bill and fund flow, as text and parsed.
        let date = &sim.wechatpay_order(no).unwrap().time_end.unwrap()[..8];
        let bill = pay.download_bill(date, None).await.unwrap();
        assert!(bill.content.contains(no), "{}", bill.content);
        assert!(bill.parsed.rows.iter().any(|r| r.out_trade_no == no));
        let success_only = pay.download_bill(date, Some("SUCCESS")).await.unwrap();
        assert!(success_only
            .parsed
            .rows
            .iter()
            .all(|r| r.trade_state == "SUCCESS"));
        let e = pay
            .download_bill(date, Some("EVERYTHING"))
            .await
            .unwrap_err();
        assert!(matches!(e, PaymentError::Invalid { .. }), "{e}");
        let flow = pay.download_fundflow(date, None).await.unwrap();
        assert!(flow
            .parsed
            .rows
            .iter()
            .any(|r| r.business_no == transaction_id));

        // Close: an unpaid order by its number; a provider's refusal keeps its code.
        pay.get_order_info(
            OrderInfoRequest::new("FACADE-WX-2", 50, &notify_url)
                .body("b")
                .openid("o2"),
        )
        .await
        .unwrap();
        let closed = pay
            .close_order(OrderRef::out_trade_no("FACADE-WX-2"))
            .await
            .unwrap();
        assert_eq!(closed.out_trade_no.as_deref(), Some("FACADE-WX-2"));
        assert_eq!(
            pay.order_query(OrderRef::out_trade_no("FACADE-WX-2"))
                .await
                .unwrap()
                .trade_state,
            TradeState::Closed
        );
        let e = pay
            .close_order(OrderRef::transaction_id(&transaction_id))
            .await
            .unwrap_err();
        assert!(matches!(e, PaymentError::Invalid { .. }), "{e}");
        let e = pay
            .close_order(OrderRef::out_trade_no(no))
            .await
            .unwrap_err();
        assert_eq!(
            e.code().map(|c| c.to_string()),
            Some("ORDERPAID".into()),
            "{e}"
        );
    })
    .await;
}

#[tokio::test]
async fn wechat_pay_notifications_are_refused_with_the_reason() {
    bounded(async {
        let sim = wechat_sim().await;
        let pay = Arc::new(wechat_payment(&sim));
        let (notify_url, log) = merchant(pay.clone()).await;
        pay.get_order_info(
            OrderInfoRequest::new("FACADE-WX-9", 990, &notify_url)
                .body("b")
                .openid("o9"),
        )
        .await
        .unwrap();
        assert!(
            sim.pay_wechatpay_order("FACADE-WX-9")
                .await
                .unwrap()
                .acknowledged
        );
        let genuine = last(&log);
        let mut whole = http::Request::new(genuine.body.clone());
        *whole.headers_mut() = genuine.headers.clone();
        let verified = pay
            .verify_payment_notify(NotifyRequest::from_http(&whole))
            .unwrap();
        assert_eq!(verified.notification.total_fee, 990);
        assert!(verified.reply.body.contains("SUCCESS"));

        // The amount changed in transit: the sign no longer verifies.
        let tampered = String::from_utf8(genuine.body.to_vec())
            .unwrap()
            .replace("<total_fee><![CDATA[990]]>", "<total_fee><![CDATA[1]]>");
        assert_ne!(
            tampered.as_bytes(),
            &genuine.body[..],
            "the body was altered"
        );
        let e = pay
            .verify_payment_notify(NotifyRequest::new(&genuine.headers, tampered.as_bytes()))
            .unwrap_err();
        assert!(matches!(e, NotifyError::WechatPay(_)), "{e}");
        assert!(e.to_string().contains("sign"), "{e}");

        // JSON is not what WeChat Pay sends.
        let mut json = HeaderMap::new();
        json.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        let e = pay
            .verify_payment_notify(NotifyRequest::new(&json, &genuine.body))
            .unwrap_err();
        assert!(matches!(e, NotifyError::ContentType { .. }), "{e}");

        // Another merchant's key signed it.
        let other = Payment::wechat(DEFAULT_APP_ID, MCH_ID, "another-key-another-key-another-k")
            .build()
            .unwrap();
        let e = other
            .verify_payment_notify(NotifyRequest::new(&genuine.headers, &genuine.body))
            .unwrap_err();
        assert!(matches!(e, NotifyError::WechatPay(_)), "{e}");
        let fail = other.reply_fail("bad sign");
        assert!(fail.body.contains("FAIL"), "{}", fail.body);
    })
    .await;
}

async fn alipay_sim() -> Simulator {
    Simulator::builder()
        .only(&["alipay"])
        .start()
        .await
        .unwrap()
}

fn alipay_payment(sim: &Simulator) -> Payment {
    Payment::alipay(DEFAULT_ALIPAY_APP_ID, APP_PRIVATE_KEY, ALIPAY_PUBLIC_KEY)
        .client_type(ClientType::MpAlipay)
        .base_url(sim.url("alipay"))
        .build()
        .unwrap()
}

#[tokio::test]
async fn alipay_purchase_payment_refund_and_cancel() {
    bounded(async {
        let sim = alipay_sim().await;
        let pay = Arc::new(alipay_payment(&sim));
        let (notify_url, log) = merchant(pay.clone()).await;
        let no = "FACADE_ALI_1";
        let buyer = "2088102177846880";

        // Mini program: the trade_no for my.tradePay, a plain string in JSON.
        let info = pay
            .get_order_info(
                OrderInfoRequest::new(no, 1288, &notify_url)
                    .subject("一杯茶")
                    .openid(buyer),
            )
            .await
            .unwrap();
        let trade = sim.alipay_trade(no).unwrap();
        assert_eq!(info, OrderInfo::AlipayTradeNo(trade.trade_no.clone()));
        assert_eq!(
            serde_json::to_value(&info).unwrap(),
            trade.trade_no.as_str()
        );
        assert_eq!((trade.total_amount, trade.buyer_id.as_str()), (1288, buyer));

        // App: the signed order string the gateway accepts; nothing is sent for it.
        let sent = sim.requests().len();
        let app = pay
            .get_order_info(
                OrderInfoRequest::new("FACADE_ALI_APP", 500, &notify_url)
                    .subject("App order")
                    .client_type(ClientType::AppPlus),
            )
            .await
            .unwrap();
        let OrderInfo::AlipayOrderString(order_string) = app else {
            panic!("{app:?}")
        };
        let params = sim.verify_alipay_order_string(&order_string).unwrap();
        assert!(params
            .iter()
            .any(|(k, v)| k == "method" && v == "alipay.trade.app.pay"));
        assert_eq!(sim.requests().len(), sent);
        let e = pay
            .get_order_info(OrderInfoRequest::new("X", 1, &notify_url).openid(buyer))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("subject"), "{e}");

        let state = pay.order_query(OrderRef::out_trade_no(no)).await.unwrap();
        assert_eq!(
            (state.trade_state, state.provider_state.as_str()),
            (TradeState::UserPaying, "WAIT_BUYER_PAY")
        );

        // Paid: the RSA2-signed form is verified from the raw request and acknowledged.
        let notified = sim.pay_alipay_trade(no).await.unwrap().unwrap();
        assert!(notified.acknowledged, "{notified:?}");
        let received = last(&log);
        assert_eq!(
            received.headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .split(';')
                .next(),
            Some("application/x-www-form-urlencoded")
        );
        let Ok(Notification::Payment(paid)) = &received.verified else {
            panic!("{received:?}")
        };
        assert_eq!(
            (paid.total_fee, paid.trade_state.clone()),
            (1288, TradeState::Success)
        );
        assert_eq!(paid.provider_state, "TRADE_SUCCESS");
        assert_eq!(paid.transaction_id, trade.trade_no);
        let request = NotifyRequest::new(&received.headers, &received.body);
        assert_eq!(
            pay.verify_payment_notify(request).unwrap().reply.body,
            "success"
        );

        let state = pay
            .order_query(OrderRef::transaction_id(&trade.trade_no))
            .await
            .unwrap();
        assert_eq!(state.trade_state, TradeState::Success);
        assert_eq!(state.total_fee, Some(1288));
        let time_end = state.time_end.unwrap();
        assert!(
            time_end.len() == 14 && time_end.bytes().all(|b| b.is_ascii_digit()),
            "{time_end}"
        );

        // A partial refund, then its query and its notification.
        let refunded = pay
            .refund(
                RefundRequest::new(OrderRef::out_trade_no(no), 300).out_refund_no("FACADE_ALI_R1"),
            )
            .await
            .unwrap();
        assert_eq!(
            (refunded.refund_fee, refunded.out_refund_no.as_deref()),
            (300, Some("FACADE_ALI_R1"))
        );
        let query = pay
            .refund_query(
                RefundQueryRequest::out_refund_no("FACADE_ALI_R1")
                    .of_order(OrderRef::out_trade_no(no)),
            )
            .await
            .unwrap();
        assert_eq!(query.refund_fee, 300);
        assert_eq!(query.refund_status.as_deref(), Some("REFUND_SUCCESS"));
        assert_eq!(query.refund_id.as_deref(), Some("FACADE_ALI_R1"));
        let json = serde_json::to_value(&query).unwrap();
        assert_eq!(json["refundFee"], 300);
        assert!(json.get("refundList").is_none(), "{json}");

        let notified = sim.notify_alipay_refund(no, "FACADE_ALI_R1").await.unwrap();
        assert!(notified.acknowledged, "{notified:?}");
        let received = last(&log);
        let Ok(Notification::Refund(refund)) = &received.verified else {
            panic!("{received:?}")
        };
        assert_eq!(
            (refund.refund_fee, refund.out_refund_no.as_deref()),
            (300, Some("FACADE_ALI_R1"))
        );
        let request = NotifyRequest::new(&received.headers, &received.body);
        assert!(matches!(
            pay.verify_payment_notify(request),
            Err(NotifyError::WrongKind {
                expected: "payment",
                got: "refund"
            })
        ));
        assert_eq!(
            pay.verify_refund_notify(request).unwrap().notification,
            *refund
        );

        // What Alipay does not take is refused before sending.
        let sent = sim.requests().len();
        let e = pay
            .refund(RefundRequest::new(OrderRef::out_trade_no(no), 1).notify_url(&notify_url))
            .await
            .unwrap_err();
        assert!(matches!(e, PaymentError::Invalid { .. }), "{e}");
        let e = pay
            .refund_query(RefundQueryRequest::refund_id("50000000000000"))
            .await
            .unwrap_err();
        assert!(matches!(e, PaymentError::Invalid { .. }), "{e}");
        for e in [
            pay.download_bill("20240101", None).await.unwrap_err(),
            pay.download_fundflow("20240101", None)
                .await
                .map(|_| ())
                .unwrap_err(),
        ] {
            assert!(
                matches!(
                    e,
                    PaymentError::Unsupported {
                        provider: Provider::Alipay,
                        ..
                    }
                ),
                "{e}"
            );
        }
        assert_eq!(sim.requests().len(), sent);

        // Cancel an unpaid trade (closed), close another; refusals keep the sub_code.
        for n in ["FACADE_ALI_2", "FACADE_ALI_3"] {
            pay.get_order_info(
                OrderInfoRequest::new(n, 100, &notify_url)
                    .subject("s")
                    .openid("074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5"),
            )
            .await
            .unwrap();
        }
        assert!(!sim
            .alipay_trade("FACADE_ALI_3")
            .unwrap()
            .buyer_open_id
            .is_empty());
        let cancelled = pay
            .cancel_order(OrderRef::out_trade_no("FACADE_ALI_2"))
            .await
            .unwrap();
        assert_eq!(cancelled.action.as_deref(), Some("close"));
        assert_eq!(cancelled.retry_flag.as_deref(), Some("N"));
        let closed = pay
            .close_order(OrderRef::out_trade_no("FACADE_ALI_3"))
            .await
            .unwrap();
        assert_eq!(closed.out_trade_no.as_deref(), Some("FACADE_ALI_3"));
        assert_eq!(
            pay.order_query(OrderRef::out_trade_no("FACADE_ALI_3"))
                .await
                .unwrap()
                .trade_state,
            TradeState::Closed
        );
        let e = pay
            .order_query(OrderRef::out_trade_no("NO_SUCH_TRADE"))
            .await
            .unwrap_err();
        assert_eq!(
            e.code().map(|c| c.to_string()),
            Some("ACQ.TRADE_NOT_EXIST".into()),
            "{e}"
        );
    })
    .await;
}

#[tokio::test]
async fn alipay_notifications_are_refused_with_the_reason() {
    bounded(async {
        let sim = alipay_sim().await;
        let pay = Arc::new(alipay_payment(&sim));
        let (notify_url, log) = merchant(pay.clone()).await;
        pay.get_order_info(
            OrderInfoRequest::new("FACADE_ALI_9", 990, &notify_url)
                .subject("s")
                .openid("2088102177846880"),
        )
        .await
        .unwrap();
        sim.pay_alipay_trade("FACADE_ALI_9").await.unwrap().unwrap();
        let genuine = last(&log);
        let body = String::from_utf8(genuine.body.to_vec()).unwrap();

        let tampered = body.replace("total_amount=9.90", "total_amount=0.01");
        assert_ne!(tampered, body, "the body was altered");
        let e = pay
            .verify_payment_notify(NotifyRequest::new(&genuine.headers, tampered.as_bytes()))
            .unwrap_err();
        assert!(matches!(e, NotifyError::Alipay(_)), "{e}");

        let unsigned: Vec<&str> = body
            .split('&')
            .filter(|p| !p.starts_with("sign="))
            .collect();
        let e = pay
            .verify_payment_notify(NotifyRequest::new(
                &genuine.headers,
                unsigned.join("&").as_bytes(),
            ))
            .unwrap_err();
        assert!(e.to_string().contains("no sign"), "{e}");

        let mut xml = HeaderMap::new();
        xml.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/xml"));
        let e = pay
            .verify_payment_notify(NotifyRequest::new(&xml, &genuine.body))
            .unwrap_err();
        assert!(matches!(e, NotifyError::ContentType { .. }), "{e}");

        // Another app with the same Alipay key: the notification is not its.
        let other = Payment::alipay("2021000000009999", APP_PRIVATE_KEY, ALIPAY_PUBLIC_KEY)
            .build()
            .unwrap();
        let e = other
            .verify_payment_notify(NotifyRequest::new(&genuine.headers, &genuine.body))
            .unwrap_err();
        assert!(e.to_string().contains("app_id"), "{e}");
        assert_eq!(other.reply_fail("x").body, "fail");
    })
    .await;
}

#[test]
fn settings_are_checked_when_built_and_keys_stay_out_of_debug() {
    let e = Payment::wechat(DEFAULT_APP_ID, "", KEY)
        .build()
        .unwrap_err();
    assert!(
        matches!(e, PaymentError::Settings { .. }) && e.to_string().contains("mchId"),
        "{e}"
    );
    let e = Payment::wechat(DEFAULT_APP_ID, MCH_ID, KEY)
        .pfx(b"not a certificate".to_vec())
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("pfx"), "{e}");
    let e = Payment::wechat(DEFAULT_APP_ID, "1900000109", KEY)
        .pfx(p12())
        .build()
        .unwrap_err();
    assert!(
        e.to_string().contains("pfx"),
        "the password is the mchId: {e}"
    );
    let e = Payment::wechat(DEFAULT_APP_ID, MCH_ID, KEY)
        .sign_type("SHA1")
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("signType"), "{e}");
    let e = Payment::alipay(DEFAULT_ALIPAY_APP_ID, "not a key", ALIPAY_PUBLIC_KEY)
        .build()
        .unwrap_err();
    assert!(
        matches!(
            e,
            PaymentError::Settings {
                provider: Provider::Alipay,
                ..
            }
        ),
        "{e}"
    );
    let e = Payment::alipay(DEFAULT_ALIPAY_APP_ID, APP_PRIVATE_KEY, "")
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("alipayPublicKey"), "{e}");
    let e = Payment::alipay(DEFAULT_ALIPAY_APP_ID, APP_PRIVATE_KEY, ALIPAY_PUBLIC_KEY)
        .sign_type("RSA")
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("RSA2"), "{e}");

    let builder = Payment::wechat(DEFAULT_APP_ID, MCH_ID, KEY).pfx(p12());
    let shown = format!("{builder:?}");
    assert!(!shown.contains(KEY) && shown.contains(MCH_ID), "{shown}");
    let built = Payment::alipay(DEFAULT_ALIPAY_APP_ID, APP_PRIVATE_KEY, ALIPAY_PUBLIC_KEY);
    let shown = format!("{built:?}");
    assert!(
        !shown.contains("PRIVATE KEY") && !shown.contains("MII"),
        "{shown}"
    );
}

#[tokio::test]
async fn get_order_info_needs_a_client_type() {
    let pay = Payment::alipay(DEFAULT_ALIPAY_APP_ID, APP_PRIVATE_KEY, ALIPAY_PUBLIC_KEY)
        .base_url("http://127.0.0.1:9")
        .build()
        .unwrap();
    let e = pay
        .get_order_info(OrderInfoRequest::new("N", 1, "http://127.0.0.1/n").subject("s"))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("clientType"), "{e}");
    let e = pay
        .get_order_info(
            OrderInfoRequest::new("N", 1, "http://127.0.0.1/n")
                .subject("s")
                .client_type(ClientType::MpWeixin),
        )
        .await
        .unwrap_err();
    assert!(e.is_unsupported(), "{e}");
}

fn md5_upper_hex(text: &str) -> String {
    use md5::{Digest, Md5};
    hex::encode_upper(Md5::digest(text.as_bytes()))
}
