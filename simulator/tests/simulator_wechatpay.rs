//! WeChat Pay v2 in the simulator, driven by the real generated client: an order placed,
//! queried, paid (a signed notification verified by a merchant server on 127.0.0.1),
//! refused closing, refunded (an encrypted notification decrypted there), settled, billed
//! and booked; signs checked both ways in MD5 and HMAC-SHA256 (recomputed here by hand);
//! forced failures at both levels; the merchant's refusals; the sandbox key.
//!
//! The client presents the test merchant certificate on refunds and fund flows because it
//! will not send those calls without one; over the simulator's plain HTTP the certificate
//! is not used (the simulator cannot check it, see `simulator::platform::wechatpay_with`).
#![cfg(feature = "wechatpay")]

use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use miniapp::__private::xml::parse_flat;
use miniapp::runtime::{ClientIdentity, Error};
use miniapp::wechatpay::pay::*;
use miniapp::wechatpay::{
    reply_fail, reply_success, Client, PaymentNotification, RefundNotification, SignType,
};
use miniapp::RetryPolicy;
use miniapp_simulator::wechatpay::{RefundOutcome, WechatPaySteerError};
use miniapp_simulator::{Simulator, DEFAULT_APP_ID, DEFAULT_MERCHANT_ID};
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const KEY: &str = "0123456789abcdef0123456789abcdef";
const LIMIT: Duration = Duration::from_secs(10);

async fn bounded<F: Future<Output = ()>>(test: F) {
    tokio::time::timeout(LIMIT, test)
        .await
        .expect("test took too long");
}

async fn sim() -> Simulator {
    Simulator::builder()
        .only(&["wechatpay"])
        .sign_key("wechatpay", KEY)
        .start()
        .await
        .unwrap()
}

fn fixture(name: &str) -> Vec<u8> {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/wechatpay_cert/"
    );
    std::fs::read(format!("{dir}{name}")).unwrap()
}

fn client_with(sim: &Simulator, key: &str, sign_type: SignType) -> Client {
    let identity = ClientIdentity::from_pem(
        &fixture("apiclient_cert.pem"),
        &fixture("apiclient_key.pem"),
    )
    .unwrap();
    Client::builder(DEFAULT_APP_ID, DEFAULT_MERCHANT_ID, key)
        .base_url(sim.url("wechatpay"))
        .sign_type(sign_type)
        .client_certificate(identity)
        .unwrap()
        .retry_policy(RetryPolicy {
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(2),
            ..RetryPolicy::default()
        })
        .build()
}

fn client(sim: &Simulator) -> Client {
    client_with(sim, KEY, SignType::Md5)
}

/// What the merchant's notify server received.
#[derive(Debug)]
enum Seen {
    Paid(PaymentNotification),
    Refunded(RefundNotification),
    Rejected(String),
}

type Log = Arc<Mutex<Vec<Seen>>>;

/// The merchant's notify server on 127.0.0.1: `/pay` verifies payment notifications
/// with `client`, `/refund` decrypts refund notifications, each replying as WeChat Pay
/// expects. Returns its base URL.
async fn merchant(client: Client) -> (String, Log) {
    async fn paid(State((client, log)): State<(Client, Log)>, body: Bytes) -> String {
        match client.verify_payment_notification(&body) {
            Ok(n) => {
                log.lock().unwrap().push(Seen::Paid(n));
                reply_success()
            }
            Err(e) => {
                log.lock().unwrap().push(Seen::Rejected(e.to_string()));
                reply_fail(&e.to_string())
            }
        }
    }
    async fn refunded(State((client, log)): State<(Client, Log)>, body: Bytes) -> String {
        match client.decrypt_refund_notification(&body) {
            Ok(n) => {
                log.lock().unwrap().push(Seen::Refunded(n));
                reply_success()
            }
            Err(e) => {
                log.lock().unwrap().push(Seen::Rejected(e.to_string()));
                reply_fail(&e.to_string())
            }
        }
    }
    let log: Log = Arc::default();
    let app = axum::Router::new()
        .route("/pay", post(paid))
        .route("/refund", post(refunded))
        .with_state((client, log.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, log)
}

fn order(out_trade_no: &str, total_fee: i64, notify_url: &str) -> UnifiedOrderRequest {
    UnifiedOrderRequest::new(
        "模拟器测试-会员充值",
        out_trade_no,
        total_fee,
        "127.0.0.1",
        notify_url,
        TradeType::Jsapi,
    )
    .openid("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")
}

fn by_no(out_trade_no: &str) -> OrderQueryRequest {
    OrderQueryRequest::new(OrderQueryOrder::out_trade_no(out_trade_no))
}

fn refund(out_refund_no: &str, out_trade_no: &str, total: i64, fee: i64) -> RefundRequest {
    RefundRequest::new(
        out_refund_no,
        total,
        fee,
        RefundOrder::out_trade_no(out_trade_no),
    )
}

/// The API error's code, or a panic naming what came instead.
fn code<T: std::fmt::Debug, E: miniapp::runtime::ApiError>(result: Result<T, Error<E>>) -> String {
    match result {
        Err(Error::Api { source, .. }) => source.code().to_string(),
        other => panic!("expected an API error, got {other:?}"),
    }
}

// --- Hand-made requests: the sign recomputed here, independently of the SDK --------------

fn digest(text: &str, key: &str, sign_type: &str) -> String {
    use hmac::{Hmac, Mac};
    use md5::{Digest, Md5};
    match sign_type {
        "HMAC-SHA256" => {
            let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).unwrap();
            mac.update(text.as_bytes());
            hex::encode_upper(mac.finalize().into_bytes())
        }
        _ => hex::encode_upper(Md5::digest(text.as_bytes())),
    }
}

/// The v2 sign by hand: non-empty fields but `sign`, sorted, `&key=`, digest, upper hex.
fn sign_of(fields: &BTreeMap<String, String>, key: &str, sign_type: &str) -> String {
    let canonical: Vec<String> = fields
        .iter()
        .filter(|(k, v)| *k != "sign" && !v.is_empty())
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    digest(
        &format!("{}&key={key}", canonical.join("&")),
        key,
        sign_type,
    )
}

fn fields(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn xml(fields: &BTreeMap<String, String>) -> String {
    let mut out = String::from("<xml>");
    for (k, v) in fields {
        out.push_str(&format!("<{k}><![CDATA[{v}]]></{k}>"));
    }
    out + "</xml>"
}

/// A request with the common fields, signed with `key` in `sign_type`.
fn signed(extra: &[(&str, &str)], key: &str, sign_type: &str) -> String {
    let mut f = fields(&[
        ("appid", DEFAULT_APP_ID),
        ("mch_id", DEFAULT_MERCHANT_ID),
        ("nonce_str", "5K8264ILTKCH16CQ2502SI8ZNMTM67VS"),
        ("sign_type", sign_type),
    ]);
    f.extend(fields(extra));
    let sign = sign_of(&f, key, sign_type);
    f.insert("sign".into(), sign);
    xml(&f)
}

/// POSTs `body` to `path` of the simulator's WeChat Pay and reads the flat XML answer.
async fn raw(sim: &Simulator, path: &str, body: String) -> BTreeMap<String, String> {
    let text = reqwest::Client::new()
        .post(format!("{}{path}", sim.url("wechatpay")))
        .header("content-type", "text/xml")
        .body(body)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    parse_flat(text.as_bytes())
        .unwrap_or_else(|e| panic!("{e}: {text}"))
        .into_iter()
        .collect()
}

/// The answer's own sign verifies with `key` in `sign_type`.
fn assert_signed(answer: &BTreeMap<String, String>, key: &str, sign_type: &str) {
    let sign = answer.get("sign").expect("a signed answer");
    assert_eq!(sign, &sign_of(answer, key, sign_type), "{answer:?}");
}

// --- The whole life of an order ----------------------------------------------------------

#[tokio::test]
async fn an_order_is_paid_refunded_billed_and_booked() {
    bounded(async {
        let sim = sim().await;
        let pay = client(&sim);
        let (shop, seen) = merchant(pay.clone()).await;
        let notify = format!("{shop}/pay");

        let placed = pay
            .pay()
            .unified_order(order("SIM-1001", 888, &notify).attach("cart=7"))
            .await
            .unwrap();
        assert!(placed.prepay_id.starts_with("wx") && placed.prepay_id.len() == 36);
        assert_eq!(placed.trade_type, Some(TradeType::Jsapi));
        let unpaid = pay.pay().order_query(by_no("SIM-1001")).await.unwrap();
        assert_eq!(unpaid.trade_state, TradeState::NotPay);
        assert_eq!((unpaid.transaction_id, unpaid.cash_fee), (None, None));
        assert_eq!(unpaid.total_fee, Some(888));

        // Paid: the merchant verifies the signed notification with its client.
        let notified = sim.pay_wechatpay_order("SIM-1001").await.unwrap();
        assert!(notified.acknowledged, "{notified:?}");
        assert_eq!(
            (notified.status, notified.url.as_str()),
            (Some(200), notify.as_str())
        );
        let transaction_id = match &seen.lock().unwrap()[..] {
            [Seen::Paid(n)] => {
                assert!(n.is_paid());
                assert_eq!((n.out_trade_no.as_str(), n.total_fee), ("SIM-1001", 888));
                assert_eq!((n.cash_fee, n.attach.as_deref()), (888, Some("cart=7")));
                n.transaction_id.clone()
            }
            other => panic!("{other:?}"),
        };
        let paid = pay
            .pay()
            .order_query(OrderQueryRequest::new(OrderQueryOrder::transaction_id(
                &transaction_id,
            )))
            .await
            .unwrap();
        assert_eq!(paid.trade_state, TradeState::Success);
        assert_eq!(
            paid.transaction_id.as_deref(),
            Some(transaction_id.as_str())
        );
        assert_eq!(
            (paid.cash_fee, paid.attach.as_deref()),
            (Some(888), Some("cart=7"))
        );
        let time_end = paid.time_end.clone().unwrap();
        assert_eq!(
            sim.wechatpay_order("SIM-1001").unwrap().time_end,
            Some(time_end.clone())
        );
        let err = pay
            .pay()
            .close_order(CloseOrderRequest::new("SIM-1001"))
            .await;
        assert!(matches!(
            err.unwrap_err().into_api(),
            Some(CloseOrderError::OrderPaid { .. })
        ));

        // Refunded in part, notified at the refund's own URL.
        let asked = pay
            .pay()
            .refund(refund("SIM-R-1", "SIM-1001", 888, 300).notify_url(format!("{shop}/refund")))
            .await
            .unwrap();
        assert_eq!((asked.refund_fee, asked.total_fee), (300, 888));
        assert_eq!(asked.transaction_id, transaction_id);
        let processing = pay
            .pay()
            .refund_query(RefundQueryRequest::new(RefundQueryBy::out_refund_no(
                "SIM-R-1",
            )))
            .await
            .unwrap();
        let refunds = processing.refunds.unwrap();
        assert_eq!(processing.refund_count, 1);
        assert_eq!(refunds[0].refund_status, RefundStatus::Processing);
        assert_eq!(refunds[0].refund_id, asked.refund_id);
        assert_eq!(refunds[0].refund_success_time, None);
        let refunding = pay.pay().order_query(by_no("SIM-1001")).await.unwrap();
        assert_eq!(refunding.trade_state, TradeState::Refund);

        let settled = sim
            .settle_wechatpay_refund("SIM-R-1", RefundOutcome::Success)
            .await
            .unwrap();
        assert!(settled.acknowledged, "{settled:?}");
        assert!(
            !settled.sent.contains("SIM-R-1"),
            "the details are encrypted"
        );
        match &seen.lock().unwrap()[1..] {
            [Seen::Refunded(n)] => {
                assert_eq!((n.out_refund_no.as_str(), n.refund_fee), ("SIM-R-1", 300));
                assert_eq!((n.refund_status.as_str(), n.total_fee), ("SUCCESS", 888));
                assert_eq!(n.refund_id, asked.refund_id);
                assert!(n.success_time.is_some());
            }
            other => panic!("{other:?}"),
        }
        let done = pay
            .pay()
            .refund_query(RefundQueryRequest::new(RefundQueryBy::out_trade_no(
                "SIM-1001",
            )))
            .await
            .unwrap();
        assert_eq!((done.refund_count, done.total_refund_count), (1, Some(1)));
        let refunds = done.refunds.unwrap();
        assert_eq!(refunds[0].refund_status, RefundStatus::Success);
        assert_eq!(
            refunds[0].refund_recv_accout.as_deref(),
            Some("支付用户的零钱")
        );
        assert!(refunds[0].refund_success_time.is_some());
        assert_eq!(sim.wechatpay_order("SIM-1001").unwrap().refunded_fee, 300);

        // The day's bill has the payment (and the refund, unless midnight came between).
        let date = &time_end[..8];
        let refund_day = sim.wechatpay_refund("SIM-R-1").unwrap().requested_at[..8].to_owned();
        let bill = pay
            .download_bill(DownloadBillRequest::new(date))
            .await
            .unwrap();
        let payment = bill
            .rows
            .iter()
            .find(|r| r.out_trade_no == "SIM-1001" && r.trade_state == "SUCCESS")
            .expect("the payment's row");
        assert_eq!(payment.transaction_id, transaction_id);
        assert_eq!(
            (payment.settlement_total_fee, payment.total_fee),
            (888, Some(888))
        );
        assert_eq!(bill.value(payment, "商户数据包"), Some("cart=7"));
        assert_eq!(bill.summary.total_records, bill.rows.len() as u64);
        if refund_day == date {
            let row = bill
                .rows
                .iter()
                .find(|r| r.trade_state == "REFUND")
                .unwrap();
            assert_eq!(row.refund_fee, Some(300));
            assert_eq!(bill.summary.total_refund_fee, 300);
        }
        let gzipped = pay
            .download_bill(
                DownloadBillRequest::new(date)
                    .bill_type(BillType::Success)
                    .tar_type(TarType::Gzip),
            )
            .await
            .unwrap();
        assert_eq!(gzipped.rows.len(), 1);
        assert_eq!(gzipped.summary.total_fee, 888);

        // The basic account: the payment in, the refund out.
        let flow = pay
            .download_fundflow(DownloadFundflowRequest::new(date, AccountType::Basic))
            .await
            .unwrap();
        assert_eq!(flow.rows[0].business_no, transaction_id);
        assert_eq!(
            (flow.rows[0].direction.as_str(), flow.rows[0].amount),
            ("收入", 888)
        );
        if refund_day == date {
            let out = &flow.rows[1];
            assert_eq!(
                (out.direction.as_str(), out.amount, out.balance),
                ("支出", 300, 588)
            );
            assert_eq!((flow.summary.income, flow.summary.expense), (888, 300));
        }
        let none = pay
            .download_fundflow(DownloadFundflowRequest::new(date, AccountType::Fees))
            .await;
        assert_eq!(code(none), "FAIL");
    })
    .await;
}

// --- Signs -------------------------------------------------------------------------------

#[tokio::test]
async fn request_signs_are_checked_and_answers_signed_in_kind() {
    bounded(async {
        let sim = sim().await;
        let query = [("out_trade_no", "SIM-NONE")];

        // A correct MD5 sign: a signed business answer (the order does not exist).
        let answer = raw(&sim, "/pay/orderquery", signed(&query, KEY, "MD5")).await;
        assert_eq!(answer["return_code"], "SUCCESS");
        assert_eq!(
            (answer["result_code"].as_str(), answer["err_code"].as_str()),
            ("FAIL", "ORDERNOTEXIST")
        );
        assert_eq!(answer["appid"], DEFAULT_APP_ID);
        assert_eq!(answer["mch_id"], DEFAULT_MERCHANT_ID);
        assert_signed(&answer, KEY, "MD5");
        // HMAC-SHA256: answered in HMAC-SHA256.
        let answer = raw(&sim, "/pay/orderquery", signed(&query, KEY, "HMAC-SHA256")).await;
        assert_eq!(answer["err_code"], "ORDERNOTEXIST");
        assert_signed(&answer, KEY, "HMAC-SHA256");

        // Wrong key, tampered, unsigned, unknown sign_type: 签名错误, unsigned.
        let mut tampered = signed(&query, KEY, "MD5");
        tampered = tampered.replace("SIM-NONE", "SIM-OTHER");
        let unsigned = xml(&fields(&[
            ("appid", DEFAULT_APP_ID),
            ("mch_id", DEFAULT_MERCHANT_ID),
            ("nonce_str", "n"),
            ("out_trade_no", "SIM-NONE"),
        ]));
        for body in [
            signed(&query, "another-key", "MD5"),
            tampered,
            unsigned,
            signed(&query, KEY, "SHA1"),
        ] {
            let answer = raw(&sim, "/pay/orderquery", body).await;
            assert_eq!(
                (
                    answer["return_code"].as_str(),
                    answer["return_msg"].as_str()
                ),
                ("FAIL", "签名错误")
            );
            assert!(!answer.contains_key("sign") && !answer.contains_key("result_code"));
        }

        // Another merchant, a DOCTYPE: refused before anything else.
        let foreign = signed(&[("mch_id", "1234567890")], KEY, "MD5");
        let answer = raw(&sim, "/pay/orderquery", foreign).await;
        assert_eq!(answer["return_msg"], "appid和mch_id不匹配");
        let xxe = format!(
            "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>{}",
            signed(&query, KEY, "MD5")
        );
        let answer = raw(&sim, "/pay/orderquery", xxe).await;
        assert_eq!(
            (answer["return_code"].as_str(), answer.contains_key("sign")),
            ("FAIL", false)
        );
        assert!(
            answer["return_msg"].starts_with("XML格式错误"),
            "{answer:?}"
        );

        // The fund flow takes HMAC-SHA256 only.
        let md5_flow = signed(
            &[("bill_date", "20240101"), ("account_type", "Basic")],
            KEY,
            "MD5",
        );
        let answer = raw(&sim, "/pay/downloadfundflow", md5_flow).await;
        assert_eq!(answer["return_code"], "FAIL");

        // The client with a wrong key is refused at the communication level.
        let wrong = client_with(&sim, "not-the-key", SignType::Md5);
        let refused = wrong.pay().order_query(by_no("SIM-NONE")).await;
        match refused.unwrap_err().into_api() {
            Some(OrderQueryError::Other { code, message }) => {
                panic!("unexpected {code} {message}")
            }
            Some(e) => assert_eq!((e.code(), e.message()), ("FAIL".into(), "签名错误")),
            None => panic!("not an API error"),
        }
        let shown = format!("{sim:?} {:?}", sim.requests());
        assert!(!shown.contains(KEY), "{shown}");
    })
    .await;
}

#[tokio::test]
async fn an_hmac_sha256_client_is_answered_and_notified_in_hmac_sha256() {
    bounded(async {
        let sim = sim().await;
        let pay = client_with(&sim, KEY, SignType::HmacSha256);
        let (shop, seen) = merchant(pay.clone()).await;
        let placed = pay
            .pay()
            .unified_order(order("SIM-H-1", 1, &format!("{shop}/pay")))
            .await
            .unwrap();
        assert!(placed.prepay_id.starts_with("wx"));
        let last = sim.requests().pop().unwrap();
        assert!(last
            .body_text
            .unwrap()
            .contains("<sign_type><![CDATA[HMAC-SHA256]]></sign_type>"));
        let notified = sim.pay_wechatpay_order("SIM-H-1").await.unwrap();
        assert!(notified.acknowledged, "{notified:?}");
        let sent: BTreeMap<_, _> = parse_flat(notified.sent.as_bytes())
            .unwrap()
            .into_iter()
            .collect();
        assert_eq!(sent["sign_type"], "HMAC-SHA256");
        assert_signed(&sent, KEY, "HMAC-SHA256");
        assert!(matches!(&seen.lock().unwrap()[..], [Seen::Paid(n)] if n.total_fee == 1));
        // A merchant that refuses the notification is reported, and the order stays paid.
        let md5 = client(&sim);
        let (picky, picky_seen) = merchant(md5.clone()).await;
        md5.pay()
            .unified_order(order("SIM-H-2", 2, &format!("{picky}/refund")))
            .await
            .unwrap();
        let refused = sim.pay_wechatpay_order("SIM-H-2").await.unwrap();
        assert!(
            !refused.acknowledged && refused.status == Some(200),
            "{refused:?}"
        );
        assert!(refused.reply.contains("FAIL"), "{refused:?}");
        assert!(matches!(
            &picky_seen.lock().unwrap()[..],
            [Seen::Rejected(reason)] if reason.contains("req_info")
        ));
        assert_eq!(
            sim.wechatpay_order("SIM-H-2").unwrap().trade_state,
            TradeState::Success
        );
        // Nobody listening: no status.
        md5.pay()
            .unified_order(order("SIM-H-3", 3, "http://127.0.0.1:9/closed"))
            .await
            .unwrap();
        let lost = sim.pay_wechatpay_order("SIM-H-3").await.unwrap();
        assert!(lost.status.is_none() && !lost.acknowledged, "{lost:?}");
    })
    .await;
}

// --- Forced failures ---------------------------------------------------------------------

#[tokio::test]
async fn fail_next_answers_at_either_level() {
    bounded(async {
        let sim = sim().await;
        let pay = client(&sim);
        pay.pay()
            .unified_order(order("SIM-F-1", 5, "http://127.0.0.1:9/n"))
            .await
            .unwrap();
        let query = signed(&[("out_trade_no", "SIM-F-1")], KEY, "MD5");

        sim.fail_next("pay.orderQuery", "SYSTEMERROR", 1);
        let answer = raw(&sim, "/pay/orderquery", query.clone()).await;
        assert_eq!(answer["return_code"], "SUCCESS");
        assert_eq!(
            (answer["result_code"].as_str(), answer["err_code"].as_str()),
            ("FAIL", "SYSTEMERROR")
        );
        assert_eq!(
            answer["err_code_des"],
            "系统超时或系统异常,请用相同参数再次调用"
        );
        assert_signed(&answer, KEY, "MD5");

        sim.fail_next("pay.orderQuery", "FAIL", 1);
        let answer = raw(&sim, "/pay/orderquery", query).await;
        assert_eq!(answer["return_code"], "FAIL");
        assert!(answer["return_msg"].starts_with("通信失败"));
        assert!(!answer.contains_key("sign") && !answer.contains_key("result_code"));

        // The client retries SYSTEMERROR on a query, and reports FAIL as it came.
        sim.reset();
        sim.fail_next("wechatpay:pay.orderQuery", "SYSTEMERROR", 1);
        let order = pay.pay().order_query(by_no("SIM-F-1")).await.unwrap();
        assert_eq!(order.trade_state, TradeState::NotPay);
        assert_eq!(sim.count("pay.orderQuery"), 2);
        sim.fail_next("pay.orderQuery", "FAIL", 1);
        let failed = pay.pay().order_query(by_no("SIM-F-1")).await;
        assert!(matches!(
            failed.unwrap_err().into_api(),
            Some(OrderQueryError::CommunicationFailure { .. })
        ));
    })
    .await;
}

// --- The merchant's refusals -------------------------------------------------------------

#[tokio::test]
async fn unknown_orders_and_refunds_are_refused() {
    bounded(async {
        let sim = sim().await;
        let pay = client(&sim);
        let missing = pay.pay().order_query(by_no("SIM-NOPE")).await;
        assert!(matches!(
            missing.unwrap_err().into_api(),
            Some(OrderQueryError::OrderNotExist { .. })
        ));
        let close = pay
            .pay()
            .close_order(CloseOrderRequest::new("SIM-NOPE"))
            .await;
        assert_eq!(code(close), "ORDERNOTEXIST");
        let query = pay
            .pay()
            .refund_query(RefundQueryRequest::new(RefundQueryBy::out_trade_no(
                "SIM-NOPE",
            )))
            .await;
        assert!(matches!(
            query.unwrap_err().into_api(),
            Some(RefundQueryError::RefundNotExist { .. })
        ));
        let refunded = pay.pay().refund(refund("SIM-R-X", "SIM-NOPE", 1, 1)).await;
        assert_eq!(code(refunded), "ORDERNOTEXIST");
        assert_eq!(
            sim.pay_wechatpay_order("SIM-NOPE").await.unwrap_err(),
            WechatPaySteerError::UnknownOrder("SIM-NOPE".into())
        );
        let settle = sim
            .settle_wechatpay_refund("SIM-R-X", RefundOutcome::Success)
            .await;
        assert_eq!(
            settle.unwrap_err(),
            WechatPaySteerError::UnknownRefund("SIM-R-X".into())
        );
        let bill = pay
            .download_bill(DownloadBillRequest::new("20200101"))
            .await;
        match bill.unwrap_err().into_api() {
            Some(e) => assert_eq!((e.code(), e.message()), ("FAIL".into(), "No Bill Exist")),
            None => panic!("not an API error"),
        }
    })
    .await;
}

#[tokio::test]
async fn orders_are_placed_once_and_refunds_stay_within_what_was_paid() {
    bounded(async {
        let sim = sim().await;
        let pay = client(&sim);
        let url = "http://127.0.0.1:9/n";
        let first = pay
            .pay()
            .unified_order(order("SIM-O-1", 100, url))
            .await
            .unwrap();
        let again = pay
            .pay()
            .unified_order(order("SIM-O-1", 100, url))
            .await
            .unwrap();
        assert_eq!(first.prepay_id, again.prepay_id);
        let changed = pay.pay().unified_order(order("SIM-O-1", 101, url)).await;
        assert!(matches!(
            changed.unwrap_err().into_api(),
            Some(UnifiedOrderError::InvalidRequest { .. })
        ));
        let native =
            UnifiedOrderRequest::new("扫码", "SIM-O-2", 9, "127.0.0.1", url, TradeType::Native)
                .product_id("P1");
        let native = pay.pay().unified_order(native).await.unwrap();
        assert!(native
            .code_url
            .unwrap()
            .starts_with("weixin://wxpay/bizpayurl?pr="));
        pay.pay()
            .close_order(CloseOrderRequest::new("SIM-O-2"))
            .await
            .unwrap();
        let closed = pay.pay().order_query(by_no("SIM-O-2")).await.unwrap();
        assert_eq!(closed.trade_state, TradeState::Closed);
        let reopened = pay
            .pay()
            .unified_order(
                UnifiedOrderRequest::new("扫码", "SIM-O-2", 9, "127.0.0.1", url, TradeType::Native)
                    .product_id("P1"),
            )
            .await;
        assert!(matches!(
            reopened.unwrap_err().into_api(),
            Some(UnifiedOrderError::OrderClosed { .. })
        ));

        // Unpaid orders are not refunded; paid ones up to what is left.
        let unpaid = pay
            .pay()
            .refund(refund("SIM-R-0", "SIM-O-1", 100, 10))
            .await;
        assert_eq!(code(unpaid), "ERROR");
        sim.pay_wechatpay_order("SIM-O-1").await.unwrap();
        let r1 = pay
            .pay()
            .refund(refund("SIM-R-1", "SIM-O-1", 100, 60))
            .await
            .unwrap();
        let same = pay
            .pay()
            .refund(refund("SIM-R-1", "SIM-O-1", 100, 60))
            .await
            .unwrap();
        assert_eq!(r1.refund_id, same.refund_id);
        let other_amount = pay
            .pay()
            .refund(refund("SIM-R-1", "SIM-O-1", 100, 61))
            .await;
        assert!(matches!(
            other_amount.unwrap_err().into_api(),
            Some(RefundError::RefundFeeMismatch { .. })
        ));
        let wrong_total = pay.pay().refund(refund("SIM-R-2", "SIM-O-1", 99, 1)).await;
        assert_eq!(code(wrong_total), "REFUND_FEE_MISMATCH");
        let too_much = pay
            .pay()
            .refund(refund("SIM-R-2", "SIM-O-1", 100, 41))
            .await;
        assert!(matches!(
            too_much.unwrap_err().into_api(),
            Some(RefundError::NotEnough { .. })
        ));
        // A refund the bank refused gives its amount back.
        let failed = sim
            .settle_wechatpay_refund("SIM-R-1", RefundOutcome::Failed)
            .await
            .unwrap();
        assert!(!failed.acknowledged);
        assert_eq!(
            sim.wechatpay_refund("SIM-R-1").unwrap().refund_status,
            RefundStatus::Change
        );
        let again = sim
            .settle_wechatpay_refund("SIM-R-1", RefundOutcome::Success)
            .await;
        assert!(matches!(again, Err(WechatPaySteerError::Settled { .. })));
        pay.pay()
            .refund(refund("SIM-R-2", "SIM-O-1", 100, 100))
            .await
            .unwrap();
        let statuses: Vec<_> = sim
            .wechatpay_refunds()
            .into_iter()
            .map(|r| r.refund_status)
            .collect();
        assert_eq!(statuses, [RefundStatus::Change, RefundStatus::Processing]);
        assert_eq!(sim.wechatpay_orders().len(), 2);
    })
    .await;
}

// --- The sandbox key ---------------------------------------------------------------------

#[tokio::test]
async fn the_sandbox_key_is_accepted_once_issued() {
    bounded(async {
        let sim = sim().await;
        let request = xml(&{
            let mut f = fields(&[("mch_id", DEFAULT_MERCHANT_ID), ("nonce_str", "n1")]);
            let sign = sign_of(&f, KEY, "MD5");
            f.insert("sign".into(), sign);
            f
        });
        let answer = raw(&sim, "/pay/getsignkey", request.clone()).await;
        assert_eq!(answer["return_code"], "SUCCESS");
        assert_eq!(answer["mch_id"], DEFAULT_MERCHANT_ID);
        assert!(
            !answer.contains_key("sign"),
            "answered unsigned: {answer:?}"
        );
        let key = answer["sandbox_signkey"].clone();
        assert_eq!(key.len(), 32);
        assert_ne!(key, KEY);
        let repeated = raw(&sim, "/pay/getsignkey", request).await;
        assert_eq!(repeated["sandbox_signkey"], key, "the same key every time");

        // A simulator that has not issued it takes it for a wrong key.
        let fresh = self::sim().await;
        let early = client_with(&fresh, &key, SignType::Md5);
        assert_eq!(code(early.pay().order_query(by_no("SIM-S")).await), "FAIL");

        // Signed with the sandbox key: answered and notified with it.
        let sandbox = client_with(&sim, &key, SignType::Md5);
        let (shop, seen) = merchant(sandbox.clone()).await;
        sandbox
            .pay()
            .unified_order(order("SIM-S", 7, &format!("{shop}/pay")))
            .await
            .unwrap();
        assert!(sim.pay_wechatpay_order("SIM-S").await.unwrap().acknowledged);
        assert!(matches!(&seen.lock().unwrap()[..], [Seen::Paid(_)]));
        // The production key still works.
        let production = client(&sim);
        let paid = production.pay().order_query(by_no("SIM-S")).await.unwrap();
        assert_eq!(paid.trade_state, TradeState::Success);
        assert!(!format!("{sim:?}").contains(&key));
    })
    .await;
}

/// A client built with `.sandbox()` fetches the simulator's sandbox key by itself, once,
/// and everything after is signed, answered and notified with it.
#[tokio::test]
async fn a_sandbox_client_fetches_the_key_and_pays_with_it() {
    bounded(async {
        let sim = sim().await;
        let sandbox = Client::builder(DEFAULT_APP_ID, DEFAULT_MERCHANT_ID, KEY)
            .sandbox()
            .base_url(sim.url("wechatpay"))
            .build();
        let (shop, seen) = merchant(sandbox.clone()).await;
        for n in ["SIM-SB1", "SIM-SB2"] {
            let placed = sandbox
                .pay()
                .unified_order(order(n, 9, &format!("{shop}/pay")));
            placed.await.unwrap();
        }
        assert_eq!(sim.count("sandbox.getSignKey"), 1);
        assert!(
            sim.pay_wechatpay_order("SIM-SB1")
                .await
                .unwrap()
                .acknowledged
        );
        assert!(matches!(&seen.lock().unwrap()[..], [Seen::Paid(_)]));
        let paid = sandbox.pay().order_query(by_no("SIM-SB1")).await.unwrap();
        assert_eq!(paid.trade_state, TradeState::Success);
    })
    .await;
}

/// The documented constraints the client checks before sending are checked again on
/// what the simulator receives (the endpoint's generated wire check), so a backend in
/// another language is refused as WeChat Pay would refuse it.
#[tokio::test]
async fn documented_constraints_are_enforced_on_what_arrives() {
    bounded(async {
        let sim = sim().await;
        let long = "X".repeat(10_000);
        for body in [
            signed(&[("out_trade_no", long.as_str())], KEY, "MD5"),
            signed(&[("transaction_id", &"4".repeat(33))], KEY, "MD5"),
        ] {
            let answer = raw(&sim, "/pay/orderquery", body).await;
            assert_eq!(answer["return_code"], "FAIL", "{answer:?}");
            assert!(
                answer["return_msg"].starts_with("参数格式校验错误"),
                "{answer:?}"
            );
        }
        // Within the limits: served (the order does not exist).
        let answer = raw(
            &sim,
            "/pay/orderquery",
            signed(&[("out_trade_no", &"X".repeat(32))], KEY, "MD5"),
        )
        .await;
        assert_eq!(answer["err_code"], "ORDERNOTEXIST", "{answer:?}");
        // A number that is not one, on an order: refused before anything is stored.
        let order = signed(
            &[
                ("body", "b"),
                ("out_trade_no", "SIM-NUM"),
                ("total_fee", "1e3"),
                ("spbill_create_ip", "127.0.0.1"),
                ("notify_url", "http://127.0.0.1/n"),
                ("trade_type", "NATIVE"),
                ("product_id", "p"),
            ],
            KEY,
            "MD5",
        );
        let answer = raw(&sim, "/pay/unifiedorder", order).await;
        assert_eq!(answer["return_code"], "FAIL", "{answer:?}");
        assert!(answer["return_msg"].contains("total_fee"), "{answer:?}");
        assert!(sim.wechatpay_order("SIM-NUM").is_none());
        // Neither of an order's numbers: read through the request type, a missing field.
        let answer = raw(&sim, "/pay/orderquery", signed(&[], KEY, "MD5")).await;
        assert_eq!(answer["return_code"], "FAIL", "{answer:?}");
        assert!(answer["return_msg"].starts_with("缺少参数"), "{answer:?}");
        // An unknown trade type: an invalid one, nothing placed.
        let order = signed(
            &[
                ("body", "b"),
                ("out_trade_no", "SIM-TT"),
                ("total_fee", "1"),
                ("spbill_create_ip", "127.0.0.1"),
                ("notify_url", "http://127.0.0.1/n"),
                ("trade_type", "CARRIER_PIGEON"),
            ],
            KEY,
            "MD5",
        );
        let answer = raw(&sim, "/pay/unifiedorder", order).await;
        assert_eq!(answer["return_code"], "FAIL", "{answer:?}");
        assert!(sim.wechatpay_order("SIM-TT").is_none());
    })
    .await;
}

// --- Bounded books -----------------------------------------------------------------------

#[tokio::test]
async fn the_oldest_orders_go_with_their_refunds_and_reset_merchants_forgets_all() {
    bounded(async {
        let sim = Simulator::builder()
            .only(&["wechatpay"])
            .sign_key("wechatpay", KEY)
            .max_orders(3)
            .start()
            .await
            .unwrap();
        let pay = client(&sim);
        let (shop, _) = merchant(client(&sim)).await;
        let notify = format!("{shop}/pay");
        pay.pay()
            .unified_order(order("SIM-B-1", 100, &notify))
            .await
            .unwrap();
        sim.pay_wechatpay_order("SIM-B-1").await.unwrap();
        let paid = sim.wechatpay_order("SIM-B-1").unwrap();
        let transaction_id = paid.transaction_id.clone().unwrap();
        pay.pay()
            .refund(refund("SIM-B-R1", "SIM-B-1", 100, 40))
            .await
            .unwrap();
        // By transaction id too: an index, not a scan, finds it.
        let by_id = OrderQueryRequest::new(OrderQueryOrder::transaction_id(&transaction_id));
        let found = pay.pay().order_query(by_id).await.unwrap();
        assert_eq!(found.out_trade_no, "SIM-B-1");

        for n in 2..=4 {
            pay.pay()
                .unified_order(order(&format!("SIM-B-{n}"), 100, &notify))
                .await
                .unwrap();
        }
        let kept: Vec<String> = sim
            .wechatpay_orders()
            .into_iter()
            .map(|o| o.out_trade_no)
            .collect();
        assert_eq!(
            kept,
            ["SIM-B-2", "SIM-B-3", "SIM-B-4"],
            "the oldest went first"
        );
        // The admin API lists them a page at a time.
        let admin = format!("{}/_admin/wechatpay/orders", sim.base_url());
        let page: serde_json::Value = reqwest::get(format!("{admin}?limit=2"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(page["count"], 3);
        assert_eq!(page["orders"][1]["out_trade_no"], "SIM-B-3");
        assert_eq!(page["next"], "/_admin/wechatpay/orders?offset=2&limit=2");
        let last: serde_json::Value = reqwest::get(format!("{admin}?offset=2&limit=2"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(last["orders"][0]["out_trade_no"], "SIM-B-4");
        assert_eq!(last["next"], serde_json::Value::Null);
        let refused = reqwest::get(format!("{admin}?limit=0")).await.unwrap();
        assert_eq!(refused.status(), 400);
        assert!(
            sim.wechatpay_refunds().is_empty(),
            "its refund went with it"
        );
        assert_eq!(
            code(pay.pay().order_query(by_no("SIM-B-1")).await),
            "ORDERNOTEXIST"
        );
        let by_id = OrderQueryRequest::new(OrderQueryOrder::transaction_id(&transaction_id));
        assert_eq!(code(pay.pay().order_query(by_id).await), "ORDERNOTEXIST");
        let query = RefundQueryRequest::new(RefundQueryBy::out_refund_no("SIM-B-R1"));
        assert_eq!(code(pay.pay().refund_query(query).await), "REFUNDNOTEXIST");

        // Reset leaves the books alone; reset_merchants empties them.
        sim.reset();
        assert_eq!(sim.wechatpay_orders().len(), 3);
        sim.reset_merchants();
        assert!(sim.wechatpay_orders().is_empty() && sim.wechatpay_refunds().is_empty());
        assert_eq!(
            code(pay.pay().order_query(by_no("SIM-B-4")).await),
            "ORDERNOTEXIST"
        );
        // The same number is a new order now, with a new prepay id.
        let again = pay
            .pay()
            .unified_order(order("SIM-B-4", 200, &notify))
            .await
            .unwrap();
        assert_eq!(sim.wechatpay_order("SIM-B-4").unwrap().total_fee, 200);
        assert!(again.prepay_id.starts_with("wx"));
    })
    .await;
}
