//! Alipay in the simulator, driven by the real generated client: logins (auth codes good
//! once, refresh tokens), a trade created, queried, paid (the signed notification
//! verified by a merchant server on 127.0.0.1 with `verify_notification`), refunded in
//! parts (idempotent per `out_request_no`), queried, notified, closed in full; the
//! cancel and close rules; unknown trades as their typed variants; request signs
//! checked (a request signed with another key, or for another app, refused); the
//! gateway's own refusals on the raw wire; forced failures; the App order string.
#![cfg(feature = "alipay")]

use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use miniapp::__private::raw_json::member;
use miniapp::alipay::auth::*;
use miniapp::alipay::trade::*;
use miniapp::alipay::{reply_fail, reply_success, Client, TradeNotification};
use miniapp::crypto::rsa::PublicKey;
use miniapp::RetryPolicy;
use miniapp_simulator::alipay::{
    AlipaySteerError, ALIPAY_PRIVATE_KEY, ALIPAY_PUBLIC_KEY, APP_PRIVATE_KEY, INVALID_AUTH_CODE,
    SIMULATED_BUYER_ID,
};
use miniapp_simulator::{Simulator, DEFAULT_ALIPAY_APP_ID};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(30);

async fn bounded<F: Future<Output = ()>>(test: F) {
    tokio::time::timeout(LIMIT, test)
        .await
        .expect("test took too long");
}

async fn sim() -> Simulator {
    Simulator::builder()
        .only(&["alipay"])
        .start()
        .await
        .unwrap()
}

fn client_with(sim: &Simulator, app_id: &str, private_key: &str) -> Client {
    Client::builder(app_id, private_key, ALIPAY_PUBLIC_KEY)
        .base_url(sim.url("alipay"))
        .retry_policy(RetryPolicy {
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(2),
            ..RetryPolicy::default()
        })
        .try_build()
        .unwrap()
}

fn client(sim: &Simulator) -> Client {
    client_with(sim, DEFAULT_ALIPAY_APP_ID, APP_PRIVATE_KEY)
}

/// What the merchant's notify server received.
#[derive(Debug)]
enum Seen {
    Verified(Box<TradeNotification>),
    Rejected(String),
}

type Log = Arc<Mutex<Vec<Seen>>>;

/// The merchant's notify server on 127.0.0.1: verifies every notification with the
/// client and answers `success` (or `fail`). Returns its notify URL.
async fn merchant(client: Client) -> (String, Log) {
    async fn notified(State((client, log)): State<(Client, Log)>, body: Bytes) -> &'static str {
        match client.verify_notification(&body) {
            Ok(n) => {
                log.lock().unwrap().push(Seen::Verified(Box::new(n)));
                reply_success()
            }
            Err(e) => {
                log.lock().unwrap().push(Seen::Rejected(e.to_string()));
                reply_fail()
            }
        }
    }
    let log: Log = Arc::default();
    let app = axum::Router::new()
        .route("/alipay/notify", post(notified))
        .with_state((client, log.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/alipay/notify", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, log)
}

fn last_verified(log: &Log) -> TradeNotification {
    match log.lock().unwrap().last() {
        Some(Seen::Verified(n)) => (**n).clone(),
        Some(Seen::Rejected(why)) => panic!("the merchant rejected a notification: {why}"),
        None => panic!("no notification arrived"),
    }
}

fn by_out(out_trade_no: &str) -> QueryRequest {
    QueryRequest::new(QueryOrder::out_trade_no(out_trade_no))
}

fn refund(out_trade_no: &str, fen: i64, out_request_no: Option<&str>) -> RefundRequest {
    let request = RefundRequest::new(fen, RefundOrder::out_trade_no(out_trade_no));
    match out_request_no {
        Some(no) => request.out_request_no(no),
        None => request,
    }
}

#[tokio::test]
async fn auth_codes_are_good_once_and_refresh_tokens_refresh() {
    bounded(async {
        let sim = sim().await;
        let ali = client(&sim);
        let user = ali
            .auth()
            .code2_session(Code2SessionRequest::new("code-alice"))
            .await
            .unwrap();
        let user_id = user.user_id.clone().unwrap();
        assert!(
            user_id.starts_with("2088") && user_id.len() == 16,
            "{user_id}"
        );
        let open_id = user.open_id.clone().unwrap();
        assert_eq!(open_id.len(), 47);
        assert_eq!(user.expires_in, Some(1_296_000));
        assert_eq!(user.re_expires_in, Some(2_592_000));
        assert!(user.access_token.is_some() && user.auth_start.is_some());

        // Another code, another user; the same code again is refused.
        let bob = ali
            .auth()
            .code2_session(Code2SessionRequest::new("code-bob"))
            .await
            .unwrap();
        assert_ne!(bob.user_id.as_deref(), Some(user_id.as_str()));
        for code in ["code-alice", INVALID_AUTH_CODE] {
            let err = ali
                .auth()
                .code2_session(Code2SessionRequest::new(code))
                .await
                .unwrap_err();
            assert!(
                matches!(err.api(), Some(Code2SessionError::CodeInvalid { .. })),
                "{err}"
            );
        }

        let refresh = user.refresh_token.clone().unwrap().expose().clone();
        let renewed = ali
            .auth()
            .refresh_token(RefreshTokenRequest::new(refresh.clone()))
            .await
            .unwrap();
        assert_eq!(renewed.user_id.as_deref(), Some(user_id.as_str()));
        assert_eq!(renewed.open_id.as_deref(), Some(open_id.as_str()));
        assert_ne!(renewed.refresh_token.as_ref().unwrap().expose(), &refresh);
        let err = ali
            .auth()
            .refresh_token(RefreshTokenRequest::new(refresh))
            .await
            .unwrap_err();
        assert!(
            matches!(
                err.api(),
                Some(RefreshTokenError::RefreshTokenInvalid { .. })
            ),
            "{err}"
        );
        // Both grant types share `method`: the log names each endpoint.
        assert_eq!(sim.count("auth.code2Session"), 4);
        assert_eq!(sim.count("auth.refreshToken"), 2);
        let shown = sim
            .requests()
            .iter()
            .map(|r| r.to_string())
            .collect::<String>();
        assert!(!shown.contains(renewed.refresh_token.unwrap().expose().as_str()));
    })
    .await;
}

#[tokio::test]
async fn a_trade_is_paid_notified_refunded_in_parts_and_closed() {
    bounded(async {
        let sim = sim().await;
        let ali = client(&sim);
        let (notify_url, log) = merchant(client(&sim)).await;
        let buyer = ali
            .auth()
            .code2_session(Code2SessionRequest::new("code-buyer"))
            .await
            .unwrap();
        let open_id = buyer.open_id.unwrap();
        let order = CreateRequest::new("order_1", 88_88, "会员充值 & more")
            .product_code("JSAPI_PAY")
            .buyer_open_id(open_id.clone())
            .notify_url(notify_url.clone());
        let created = ali.trade().create(order.clone()).await.unwrap();
        assert_eq!(created.out_trade_no, "order_1");
        let trade_no = created.trade_no.clone();
        assert_eq!(trade_no.len(), 28);
        assert_eq!(&trade_no[8..14], "220014");
        // The same create again: the same trade; other content: refused.
        let again = ali.trade().create(order.clone()).await.unwrap();
        assert_eq!(again.trade_no, trade_no);
        let changed = CreateRequest::new("order_1", 99_99, "会员充值 & more");
        let err = ali.trade().create(changed).await.unwrap_err();
        assert!(
            matches!(err.api(), Some(CreateError::ContextInconsistent { .. })),
            "{err}"
        );

        let waiting = ali.trade().query(by_out("order_1")).await.unwrap();
        assert_eq!(waiting.trade_status, TradeStatus::WaitBuyerPay);
        assert_eq!(waiting.trade_no.as_deref(), Some(trade_no.as_str()));
        assert_eq!(waiting.total_amount, 88_88);
        assert_eq!(waiting.buyer_pay_amount, Some(0));
        assert_eq!(waiting.buyer_open_id, None);

        // Paid: the notification is verified by the merchant's server.
        let notified = sim.pay_alipay_trade("order_1").await.unwrap().unwrap();
        assert!(notified.acknowledged, "{notified:?}");
        assert_eq!(
            (notified.status, notified.reply.as_str()),
            (Some(200), "success")
        );
        assert_eq!(notified.url, notify_url);
        let paid = last_verified(&log);
        assert_eq!(paid.notify_type, "trade_status_sync");
        assert_eq!(paid.app_id, DEFAULT_ALIPAY_APP_ID);
        assert_eq!(paid.trade_no, trade_no);
        assert_eq!(paid.out_trade_no, "order_1");
        assert_eq!(paid.trade_status, TradeStatus::TradeSuccess);
        assert_eq!(paid.total_amount, Some(88_88));
        assert_eq!(paid.receipt_amount, Some(88_88));
        assert_eq!(paid.buyer_pay_amount, Some(88_88));
        assert_eq!(paid.buyer_open_id.as_deref(), Some(open_id.as_str()));
        assert_eq!(paid.subject.as_deref(), Some("会员充值 & more"));
        assert!(paid.gmt_payment.is_some() && paid.refund_fee.is_none());
        assert!(paid.fund_bill_list.unwrap().contains("88.88"));
        assert_eq!(
            sim.pay_alipay_trade("order_1").await.unwrap_err(),
            AlipaySteerError::NotPayable {
                out_trade_no: "order_1".into(),
                status: "TRADE_SUCCESS".into()
            }
        );

        let query = by_out("order_1").query_options(vec!["fund_bill_list".into()]);
        let success = ali.trade().query(query).await.unwrap();
        assert_eq!(success.trade_status, TradeStatus::TradeSuccess);
        assert_eq!(success.total_amount, 88_88);
        assert_eq!(success.buyer_pay_amount, Some(88_88));
        assert_eq!(success.receipt_amount, Some(88_88));
        assert_eq!(success.buyer_open_id.as_deref(), Some(open_id.as_str()));
        assert_eq!(success.fund_bill_list.unwrap()[0].amount, 88_88);
        let by_trade_no = ali
            .trade()
            .query(QueryRequest::new(QueryOrder::trade_no(trade_no.clone())))
            .await
            .unwrap();
        assert_eq!(by_trade_no.out_trade_no, "order_1");

        let err = ali.trade().create(order).await.unwrap_err();
        assert!(
            matches!(err.api(), Some(CreateError::TradeHasSuccess { .. })),
            "{err}"
        );
        let close = CloseRequest::new(CloseOrder::out_trade_no("order_1"));
        let err = ali.trade().close(close).await.unwrap_err();
        assert!(
            matches!(err.api(), Some(CloseError::TradeStatusError { .. })),
            "{err}"
        );

        // A partial refund, then the same request again: refunded once.
        let first = ali
            .trade()
            .refund(refund("order_1", 10_00, Some("r1")))
            .await
            .unwrap();
        assert_eq!(first.refund_fee, 10_00);
        assert_eq!(first.fund_change.as_deref(), Some("Y"));
        assert_eq!(first.trade_no, trade_no);
        let repeat = ali
            .trade()
            .refund(refund("order_1", 10_00, Some("r1")))
            .await
            .unwrap();
        assert_eq!(repeat.refund_fee, 10_00);
        assert_eq!(repeat.fund_change.as_deref(), Some("N"));
        assert_eq!(sim.alipay_refunds().len(), 1);
        let err = ali
            .trade()
            .refund(refund("order_1", 5_00, Some("r1")))
            .await
            .unwrap_err();
        assert!(
            matches!(err.api(), Some(RefundError::DiscordantRepeatRequest { .. })),
            "{err}"
        );
        let err = ali
            .trade()
            .refund(refund("order_1", 5_00, None))
            .await
            .unwrap_err();
        assert!(
            matches!(err.api(), Some(RefundError::RefundAmtNotEqualTotal { .. })),
            "{err}"
        );
        let err = ali
            .trade()
            .refund(refund("order_1", 80_00, Some("r2")))
            .await
            .unwrap_err();
        assert!(
            matches!(err.api(), Some(RefundError::ReasonTradeRefundFeeErr { .. })),
            "{err}"
        );

        let asked = RefundQueryRequest::new("r1", RefundQueryOrder::out_trade_no("order_1"));
        let r1 = ali.trade().refund_query(asked).await.unwrap();
        assert_eq!(r1.refund_status, Some(RefundStatus::RefundSuccess));
        assert_eq!(r1.refund_amount, Some(10_00));
        assert_eq!(r1.total_amount, Some(88_88));
        assert_eq!(r1.out_request_no.as_deref(), Some("r1"));
        let never = RefundQueryRequest::new("r9", RefundQueryOrder::trade_no(trade_no.clone()));
        let none = ali.trade().refund_query(never).await.unwrap();
        assert_eq!((none.refund_status, none.refund_amount), (None, None));

        let notified = sim.notify_alipay_refund("order_1", "r1").await.unwrap();
        assert!(notified.acknowledged, "{notified:?}");
        let refunded = last_verified(&log);
        assert_eq!(refunded.trade_status, TradeStatus::TradeSuccess);
        assert_eq!(refunded.refund_fee, Some(10_00));
        assert_eq!(refunded.out_biz_no.as_deref(), Some("r1"));
        assert!(refunded.gmt_refund.is_some());
        assert_eq!(
            sim.notify_alipay_refund("order_1", "r7").await.unwrap_err(),
            AlipaySteerError::UnknownRefund {
                out_trade_no: "order_1".into(),
                out_request_no: "r7".into()
            }
        );

        // The rest: refunded in full, the trade closes.
        let rest = ali
            .trade()
            .refund(refund("order_1", 78_88, Some("r2")))
            .await
            .unwrap();
        assert_eq!(rest.refund_fee, 88_88);
        let closed = ali.trade().query(by_out("order_1")).await.unwrap();
        assert_eq!(closed.trade_status, TradeStatus::TradeClosed);
        let err = ali
            .trade()
            .refund(refund("order_1", 1, Some("r3")))
            .await
            .unwrap_err();
        assert!(
            matches!(err.api(), Some(RefundError::TradeHasClose { .. })),
            "{err}"
        );
        let cancel = CancelRequest::new(CancelOrder::out_trade_no("order_1"));
        let err = ali.trade().cancel(cancel).await.unwrap_err();
        assert!(
            matches!(err.api(), Some(CancelError::ReasonTradeRefundFeeErr { .. })),
            "{err}"
        );
        sim.notify_alipay_refund("order_1", "r2").await.unwrap();
        let last = last_verified(&log);
        assert_eq!(last.trade_status, TradeStatus::TradeClosed);
        assert_eq!(last.refund_fee, Some(88_88));
        assert!(last.gmt_close.is_some());

        let trade = sim.alipay_trade("order_1").unwrap();
        assert_eq!((trade.refunded, trade.total_amount), (88_88, 88_88));
        assert_eq!(trade.trade_status, TradeStatus::TradeClosed);
        assert_eq!(sim.alipay_refunds().len(), 2);
        assert_eq!(
            sim.alipay_refund("order_1", "r2").unwrap().refund_amount,
            78_88
        );
        assert_eq!(log.lock().unwrap().len(), 3);
    })
    .await;
}

#[tokio::test]
async fn cancel_close_and_finish_rules() {
    bounded(async {
        let sim = sim().await;
        let ali = client(&sim);
        let create = |no: &str| ali.trade().create(CreateRequest::new(no, 1_00, "t"));
        let cancel = |no: &str| {
            ali.trade()
                .cancel(CancelRequest::new(CancelOrder::out_trade_no(no)))
        };

        // Unpaid: cancel closes, and cancelling again says the same.
        create("unpaid").await.unwrap();
        for _ in 0..2 {
            let closed = cancel("unpaid").await.unwrap();
            assert_eq!(closed.action, Some(CancelAction::Close));
            assert_eq!(closed.retry_flag, "N");
            assert!(closed.trade_no.is_some());
        }
        let query = ali.trade().query(by_out("unpaid")).await.unwrap();
        assert_eq!(query.trade_status, TradeStatus::TradeClosed);
        let err = ali
            .trade()
            .create(CreateRequest::new("unpaid", 1_00, "t"))
            .await
            .unwrap_err();
        assert!(
            matches!(err.api(), Some(CreateError::TradeHasClose { .. })),
            "{err}"
        );

        // Paid: cancel refunds it all. No notify_url: paid without a notification.
        create("paid").await.unwrap();
        assert_eq!(sim.pay_alipay_trade("paid").await.unwrap(), None);
        let refunded = cancel("paid").await.unwrap();
        assert_eq!(refunded.action, Some(CancelAction::Refund));
        let trade = sim.alipay_trade("paid").unwrap();
        assert_eq!(
            (trade.refunded, trade.trade_status),
            (1_00, TradeStatus::TradeClosed)
        );
        assert_eq!(trade.buyer_id, SIMULATED_BUYER_ID);
        assert_eq!(
            cancel("paid").await.unwrap().action,
            Some(CancelAction::Refund)
        );

        // Close: only while waiting.
        create("closing").await.unwrap();
        let closed = ali
            .trade()
            .close(CloseRequest::new(CloseOrder::out_trade_no("closing")))
            .await
            .unwrap();
        assert_eq!(closed.out_trade_no.as_deref(), Some("closing"));
        let err = ali
            .trade()
            .close(CloseRequest::new(CloseOrder::out_trade_no("closing")))
            .await
            .unwrap_err();
        assert!(
            matches!(err.api(), Some(CloseError::TradeStatusError { .. })),
            "{err}"
        );
        let err = ali
            .trade()
            .refund(refund("closing", 1_00, None))
            .await
            .unwrap_err();
        assert!(
            matches!(err.api(), Some(RefundError::TradeHasClose { .. })),
            "{err}"
        );

        // Unpaid trades are not refunded; finished ones neither, nor cancelled.
        create("waiting").await.unwrap();
        let err = ali
            .trade()
            .refund(refund("waiting", 1_00, None))
            .await
            .unwrap_err();
        assert!(
            matches!(err.api(), Some(RefundError::TradeStatusError { .. })),
            "{err}"
        );
        create("finished").await.unwrap();
        assert_eq!(
            sim.finish_alipay_trade("finished").unwrap_err(),
            AlipaySteerError::NotFinishable {
                out_trade_no: "finished".into(),
                status: "WAIT_BUYER_PAY".into()
            }
        );
        sim.pay_alipay_trade("finished").await.unwrap();
        sim.finish_alipay_trade("finished").unwrap();
        let err = ali
            .trade()
            .refund(refund("finished", 1_00, None))
            .await
            .unwrap_err();
        assert!(
            matches!(err.api(), Some(RefundError::TradeHasFinished { .. })),
            "{err}"
        );
        let err = cancel("finished").await.unwrap_err();
        assert!(
            matches!(err.api(), Some(CancelError::TradeHasFinished { .. })),
            "{err}"
        );
        // A full refund needs no out_request_no: its number is the out_trade_no.
        create("full").await.unwrap();
        sim.pay_alipay_trade("full").await.unwrap();
        let full = ali
            .trade()
            .refund(refund("full", 1_00, None))
            .await
            .unwrap();
        assert_eq!(full.refund_fee, 1_00);
        let asked = RefundQueryRequest::new("full", RefundQueryOrder::out_trade_no("full"));
        let found = ali.trade().refund_query(asked).await.unwrap();
        assert_eq!(found.refund_amount, Some(1_00));
        assert_eq!(sim.alipay_trades().len(), 6);
    })
    .await;
}

#[tokio::test]
async fn user_info_share_answers_the_tokens_user_until_the_token_expires() {
    use miniapp::alipay::user::{InfoShareError, InfoShareRequest};
    bounded(async {
        let sim = sim().await;
        let ali = client(&sim);
        let session = ali
            .auth()
            .code2_session(Code2SessionRequest::new("code-info"))
            .await
            .unwrap();
        let token = session.access_token.clone().unwrap();
        let info = ali
            .user()
            .info_share(InfoShareRequest::new(token.expose().as_str()))
            .await
            .unwrap();
        assert_eq!(info.user_id, session.user_id);
        assert_eq!(info.open_id, session.open_id);
        assert!(info.nick_name.is_some() && info.mobile.is_none());
        let err = ali
            .user()
            .info_share(InfoShareRequest::new("authusrBnever"))
            .await
            .unwrap_err();
        assert!(
            matches!(err.api(), Some(InfoShareError::InvalidAuthToken { .. })),
            "{err}"
        );
        sim.expire_alipay_auth_token(token.expose()).unwrap();
        let err = ali
            .user()
            .info_share(InfoShareRequest::new(token.expose().as_str()))
            .await
            .unwrap_err();
        assert!(
            matches!(err.api(), Some(InfoShareError::AuthTokenTimeOut { .. })),
            "{err}"
        );
        assert_eq!(
            sim.expire_alipay_auth_token("authusrBnever"),
            Err(AlipaySteerError::UnknownAuthToken)
        );
    })
    .await;
}

#[tokio::test]
async fn the_days_bill_lists_its_payments_and_refunds_in_a_gbk_zip() {
    use miniapp::alipay::bill::{BillType, DownloadUrlQueryError, DownloadUrlQueryRequest};
    bounded(async {
        let sim = sim().await;
        let ali = client(&sim);
        let none = ali
            .bill()
            .download_url_query(DownloadUrlQueryRequest::new(BillType::Trade, "2016-04-05"))
            .await
            .unwrap_err();
        assert!(
            matches!(none.api(), Some(DownloadUrlQueryError::BillNotExist { .. })),
            "{none}"
        );
        ali.trade()
            .create(CreateRequest::new("bill_1", 88_88, "茶, \"龙井\"").body("备注"))
            .await
            .unwrap();
        ali.trade()
            .precreate(PrecreateRequest::new("bill_2", 10_00, "扫码"))
            .await
            .unwrap();
        ali.trade()
            .create(CreateRequest::new("bill_unpaid", 5_00, "未付"))
            .await
            .unwrap();
        sim.pay_alipay_trade("bill_1").await.unwrap();
        sim.pay_alipay_trade("bill_2").await.unwrap();
        ali.trade()
            .refund(refund("bill_1", 8_88, Some("bill_1_r1")))
            .await
            .unwrap();
        let day = sim.alipay_trade("bill_1").unwrap().gmt_payment.unwrap()[..10].to_owned();

        let located = ali
            .bill()
            .download_url_query(DownloadUrlQueryRequest::new(BillType::Trade, day.as_str()))
            .await
            .unwrap();
        assert!(
            located
                .bill_download_url
                .starts_with(&format!("{}/downloadBillFile.resource?", sim.url("alipay"))),
            "{}",
            located.bill_download_url
        );
        // A plain GET, no signature: what a browser or curl would fetch.
        let raw = reqwest::get(&located.bill_download_url).await.unwrap();
        assert_eq!(raw.status(), 200);
        let bytes = raw.bytes().await.unwrap();
        assert!(bytes.starts_with(b"PK\x03\x04"), "a zip");

        let bill = ali.download_bill(&located.bill_download_url).await.unwrap();
        let detail = &bill.detail;
        assert!(detail
            .file_name
            .ends_with(&format!("_{}_业务明细.csv", day.replace('-', ""))));
        let rows: Vec<(&str, &str, i64)> = detail
            .rows
            .iter()
            .map(|r| (r.out_trade_no.as_str(), r.kind.as_str(), r.total_amount))
            .collect();
        assert_eq!(
            rows,
            [
                ("bill_1", "交易", 88_88),
                ("bill_2", "交易", 10_00),
                ("bill_1", "退款", -8_88)
            ]
        );
        let paid = &detail.rows[0];
        assert_eq!(paid.subject, "茶, \"龙井\"");
        assert_eq!(paid.remark.as_deref(), Some("备注"));
        assert_eq!(
            paid.trade_no,
            sim.alipay_trade("bill_1").unwrap().trade_no,
            "the tab after it trimmed"
        );
        assert_eq!(detail.rows[2].out_request_no.as_deref(), Some("bill_1_r1"));
        let trades = detail.trade_total.unwrap();
        assert_eq!((trades.count, trades.merchant_received), (2, 98_88));
        let refunds = detail.refund_total.unwrap();
        assert_eq!((refunds.count, refunds.merchant_received), (1, -8_88));
        let summary = bill.summary.unwrap();
        assert_eq!(summary.rows.last().unwrap()[0], "合计");

        // The month's bill holds the same; a date that is no date is refused.
        let month = ali
            .bill()
            .download_url_query(DownloadUrlQueryRequest::new(BillType::Trade, &day[..7]))
            .await
            .unwrap();
        let bill = ali.download_bill(&month.bill_download_url).await.unwrap();
        assert_eq!(bill.detail.rows.len(), 3);
        let err = ali
            .bill()
            .download_url_query(DownloadUrlQueryRequest::new(BillType::Trade, "20-16-04-05"))
            .await
            .unwrap_err();
        assert!(
            matches!(
                err.api(),
                Some(DownloadUrlQueryError::InvalidArguments { .. })
            ),
            "{err}"
        );
        // A file id the simulator never handed out.
        let forged = located
            .bill_download_url
            .replace("fileId=", "fileId=forged");
        let e = ali.download_bill(&forged).await.unwrap_err();
        assert!(
            matches!(e, miniapp::alipay::BillError::Status { status: 404, .. }),
            "{e:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_precreated_trade_answers_its_qr_code_once_per_parameters_and_is_paid() {
    bounded(async {
        let sim = sim().await;
        let ali = client(&sim);
        let (notify_url, log) = merchant(ali.clone()).await;
        let order = PrecreateRequest::new("qr_order_1", 12_34, "扫码点餐")
            .store_id("NJ_001")
            .notify_url(notify_url.as_str());
        let first = ali.trade().precreate(order.clone()).await.unwrap();
        assert_eq!(first.out_trade_no, "qr_order_1");
        assert!(
            first.qr_code.starts_with("https://qr.alipay.com/bax"),
            "{}",
            first.qr_code
        );
        // The same parameters again: the same code; other ones: refused.
        let again = ali.trade().precreate(order.clone()).await.unwrap();
        assert_eq!(again.qr_code, first.qr_code);
        let changed = order.clone().store_id("NJ_002");
        let err = ali.trade().precreate(changed).await.unwrap_err();
        assert!(
            matches!(err.api(), Some(PrecreateError::ContextInconsistent { .. })),
            "{err}"
        );
        // alipay.trade.create of the same number is another request for it.
        let err = ali
            .trade()
            .create(CreateRequest::new("qr_order_1", 12_34, "扫码点餐"))
            .await
            .unwrap_err();
        assert!(
            matches!(err.api(), Some(CreateError::ContextInconsistent { .. })),
            "{err}"
        );
        let trade = sim.alipay_trade("qr_order_1").unwrap();
        assert_eq!(trade.qr_code.as_deref(), Some(first.qr_code.as_str()));
        assert_eq!(trade.total_amount, 12_34);
        let query = ali.trade().query(by_out("qr_order_1")).await.unwrap();
        assert_eq!(query.trade_status, TradeStatus::WaitBuyerPay);

        // The buyer scans and pays: notified, then the query says so.
        let notified = sim.pay_alipay_trade("qr_order_1").await.unwrap().unwrap();
        assert!(notified.acknowledged);
        let paid = last_verified(&log);
        assert_eq!(paid.out_trade_no, "qr_order_1");
        assert_eq!(paid.total_amount, Some(12_34));
        let query = ali.trade().query(by_out("qr_order_1")).await.unwrap();
        assert_eq!(query.trade_status, TradeStatus::TradeSuccess);
        let err = ali.trade().precreate(order).await.unwrap_err();
        assert!(
            matches!(err.api(), Some(PrecreateError::TradeHasSuccess { .. })),
            "{err}"
        );
        // The amount is checked as the gateway does.
        let err = ali
            .trade()
            .precreate(PrecreateRequest::new("qr_order_2", 0, "s"))
            .await
            .unwrap_err();
        assert!(matches!(err, miniapp::Error::Invalid { .. }), "{err}");
    })
    .await;
}

#[tokio::test]
async fn unknown_trades_answer_their_typed_codes() {
    bounded(async {
        let sim = sim().await;
        let ali = client(&sim);
        let err = ali.trade().query(by_out("nope")).await.unwrap_err();
        match err.api() {
            Some(QueryError::TradeNotExist { message }) => assert_eq!(message, "查询的交易不存在"),
            other => panic!("{other:?}"),
        }
        let err = ali
            .trade()
            .close(CloseRequest::new(CloseOrder::trade_no(
                "2024120422001499999999999999",
            )))
            .await
            .unwrap_err();
        assert!(
            matches!(err.api(), Some(CloseError::TradeNotExist { .. })),
            "{err}"
        );
        let err = ali
            .trade()
            .refund(refund("nope", 1, None))
            .await
            .unwrap_err();
        assert!(
            matches!(err.api(), Some(RefundError::TradeNotExist { .. })),
            "{err}"
        );
        let asked = RefundQueryRequest::new("r1", RefundQueryOrder::out_trade_no("nope"));
        let err = ali.trade().refund_query(asked).await.unwrap_err();
        assert!(
            matches!(err.api(), Some(RefundQueryError::TradeNotExist { .. })),
            "{err}"
        );
        assert_eq!(err.api().unwrap().code(), "TRADE_NOT_EXIST");
        // Cancel: no such trade is a success without an action, as the docs say.
        let cancelled = ali
            .trade()
            .cancel(CancelRequest::new(CancelOrder::out_trade_no("nope")))
            .await
            .unwrap();
        assert_eq!(
            (cancelled.action, cancelled.retry_flag.as_str()),
            (None, "N")
        );
        assert_eq!(
            sim.pay_alipay_trade("nope").await.unwrap_err(),
            AlipaySteerError::UnknownTrade("nope".into())
        );
    })
    .await;
}

#[tokio::test]
async fn request_signs_and_app_ids_are_checked() {
    bounded(async {
        let sim = sim().await;
        // Signed with another key (the Alipay one): refused, the typed common error.
        let forger = client_with(&sim, DEFAULT_ALIPAY_APP_ID, ALIPAY_PRIVATE_KEY);
        let err = forger.trade().query(by_out("x")).await.unwrap_err();
        match err.api() {
            Some(QueryError::InvalidParameter { message }) => {
                assert!(message.contains("isv.invalid-signature"), "{message}");
                assert!(message.contains("验签出错"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        let stranger = client_with(&sim, "2021000000000999", APP_PRIVATE_KEY);
        let err = stranger.trade().query(by_out("x")).await.unwrap_err();
        match err.api() {
            Some(QueryError::InvalidParameter { message }) => {
                assert!(message.contains("isv.invalid-app-id"), "{message}")
            }
            other => panic!("{other:?}"),
        }
        let err = forger
            .auth()
            .code2_session(Code2SessionRequest::new("c"))
            .await
            .unwrap_err();
        assert!(
            matches!(err.api(), Some(Code2SessionError::InvalidParameter { .. })),
            "{err}"
        );
        assert_eq!(sim.count("trade.query"), 2);
        assert!(sim.alipay_trades().is_empty());

        // Another app key pair, given to the simulator.
        let fixture = |name: &str| {
            let dir = concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../tests/fixtures/alipay_vectors/"
            );
            std::fs::read_to_string(format!("{dir}{name}")).unwrap()
        };
        let own = Simulator::builder()
            .only(&["alipay"])
            .credentials("alipay", "2021000000000777", "")
            .sign_key("alipay", fixture("B.app_public_key.pem_oneline.txt"))
            .start()
            .await
            .unwrap();
        assert_eq!(own.app_id("alipay"), Some("2021000000000777"));
        let ali = client_with(
            &own,
            "2021000000000777",
            &fixture("B.app_private_key.pem_pkcs8.txt"),
        );
        ali.trade()
            .create(CreateRequest::new("o", 1, "t"))
            .await
            .unwrap();
        let err = client(&own).trade().query(by_out("o")).await.unwrap_err();
        assert!(
            matches!(err.api(), Some(QueryError::InvalidParameter { .. })),
            "{err}"
        );
    })
    .await;
}

/// The gateway on the raw wire: its refusals under `error_response`, signed with the
/// Alipay key over the member's exact text.
#[tokio::test]
async fn the_gateway_refuses_under_error_response_signed() {
    bounded(async {
        let sim = sim().await;
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        let alipay = PublicKey::parse(ALIPAY_PUBLIC_KEY).unwrap();
        let send = |form: Vec<(&'static str, &'static str)>| {
            let request = http
                .post(format!("{}/gateway.do", sim.url("alipay")))
                .form(&form);
            async move {
                let response = request.send().await.unwrap();
                assert_eq!(response.status(), 200);
                response.text().await.unwrap()
            }
        };
        let check = |body: &str, code: &str, sub_code: &str| {
            let content = member(body, "error_response").unwrap().unwrap();
            let sign: String =
                serde_json::from_str(member(body, "sign").unwrap().unwrap()).unwrap();
            alipay.verify(content.as_bytes(), &sign).unwrap();
            let answer: serde_json::Value = serde_json::from_str(content).unwrap();
            assert_eq!(answer["code"], code, "{body}");
            assert_eq!(answer["sub_code"], sub_code, "{body}");
        };
        let body = send(vec![("app_id", DEFAULT_ALIPAY_APP_ID)]).await;
        check(&body, "40001", "isv.missing-method");
        let body = send(vec![
            ("app_id", DEFAULT_ALIPAY_APP_ID),
            ("method", "alipay.trade.pay"),
        ])
        .await;
        check(&body, "40002", "isv.invalid-method");
        let body = send(vec![
            ("app_id", DEFAULT_ALIPAY_APP_ID),
            ("method", "alipay.trade.query"),
            ("sign_type", "RSA2"),
            ("biz_content", r#"{"out_trade_no":"x"}"#),
        ])
        .await;
        check(&body, "40002", "isv.invalid-signature");
        let body = send(vec![
            ("app_id", DEFAULT_ALIPAY_APP_ID),
            ("method", "alipay.system.oauth.token"),
            ("grant_type", "password"),
        ])
        .await;
        check(&body, "40002", "isv.grant-type-invalid");
        let log = sim.requests();
        assert_eq!(log.len(), 4);
        assert!(log.iter().all(|r| r.platform == Some("alipay")));
        assert_eq!(log[0].endpoint, None);
        assert_eq!(log[2].endpoint, Some("trade.query"));
        assert_eq!(log[3].endpoint, Some("auth.code2Session"));
    })
    .await;
}

#[tokio::test]
async fn forced_failures_answer_signed_under_the_method_member() {
    bounded(async {
        let sim = sim().await;
        let ali = client(&sim);
        ali.trade()
            .create(CreateRequest::new("o", 1, "t"))
            .await
            .unwrap();
        // Retryable on an idempotent call: retried, then answered.
        sim.fail_next("trade.query", "ACQ.SYSTEM_ERROR", 1);
        let query = ali.trade().query(by_out("o")).await.unwrap();
        assert_eq!(query.trade_status, TradeStatus::WaitBuyerPay);
        assert_eq!(sim.count("trade.query"), 2);
        // Create is not retried: the gateway code comes back typed, as isp.unknow-error.
        sim.fail_next("alipay:trade.create", "20000", 1);
        let err = ali
            .trade()
            .create(CreateRequest::new("p", 1, "t"))
            .await
            .unwrap_err();
        assert!(
            matches!(err.api(), Some(CreateError::ServiceUnavailable { .. })),
            "{err}"
        );
        assert!(err.to_string().contains("isp.unknow-error"), "{err}");
        assert_eq!(sim.count("trade.create"), 2);
        sim.fail_next("trade.close", "ACQ.TRADE_STATUS_ERROR", 1);
        let err = ali
            .trade()
            .close(CloseRequest::new(CloseOrder::out_trade_no("o")))
            .await
            .unwrap_err();
        assert!(
            matches!(err.api(), Some(CloseError::TradeStatusError { .. })),
            "{err}"
        );
        let body = sim.requests().last().unwrap().clone();
        assert_eq!(body.code.unwrap().to_string(), "ACQ.TRADE_STATUS_ERROR");
        // Failing the close changed nothing.
        let query = ali.trade().query(by_out("o")).await.unwrap();
        assert_eq!(query.trade_status, TradeStatus::WaitBuyerPay);
    })
    .await;
}

#[tokio::test]
async fn app_order_strings_verify_as_the_gateway_checks_requests() {
    bounded(async {
        let sim = sim().await;
        let ali = client(&sim);
        let request = AppPayRequest::new("app_1", 12_34, "App 支付 & 测试")
            .notify_url("https://example.com/alipay/notify");
        let order = ali.app_pay_order_string(&request).await.unwrap();
        let params = sim.verify_alipay_order_string(&order).unwrap();
        let get = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
                .unwrap()
        };
        assert_eq!(get("method"), "alipay.trade.app.pay");
        assert_eq!(get("app_id"), DEFAULT_ALIPAY_APP_ID);
        assert_eq!(get("notify_url"), "https://example.com/alipay/notify");
        let biz: serde_json::Value = serde_json::from_str(get("biz_content")).unwrap();
        assert_eq!(biz["total_amount"], "12.34");
        assert_eq!(biz["subject"], "App 支付 & 测试");
        let tampered = order.replace("12.34", "0.01");
        assert_ne!(tampered, order);
        assert!(sim.verify_alipay_order_string(&tampered).is_err());
        let forged = client_with(&sim, DEFAULT_ALIPAY_APP_ID, ALIPAY_PRIVATE_KEY)
            .app_pay_order_string(&request)
            .await
            .unwrap();
        assert!(sim.verify_alipay_order_string(&forged).is_err());
        // Nothing was sent.
        assert!(sim.requests().is_empty());
    })
    .await;
}

#[tokio::test]
async fn the_oldest_trades_go_with_their_refunds_and_reset_merchants_forgets_all() {
    bounded(async {
        let sim = Simulator::builder()
            .only(&["alipay"])
            .max_orders(2)
            .start()
            .await
            .unwrap();
        let ali = client(&sim);
        let first = ali
            .trade()
            .create(CreateRequest::new("bounded_1", 100, "一"))
            .await
            .unwrap();
        sim.pay_alipay_trade("bounded_1").await.unwrap();
        ali.trade()
            .refund(refund("bounded_1", 40, Some("r1")))
            .await
            .unwrap();
        // By trade_no too: an index, not a scan, finds it.
        let by_no = QueryRequest::new(QueryOrder::trade_no(first.trade_no.clone()));
        assert_eq!(ali.trade().query(by_no).await.unwrap().total_amount, 100);
        assert_eq!(sim.alipay_refunds().len(), 1);

        for n in 2..=3 {
            ali.trade()
                .create(CreateRequest::new(format!("bounded_{n}"), 100, "后"))
                .await
                .unwrap();
        }
        let kept: Vec<String> = sim
            .alipay_trades()
            .into_iter()
            .map(|t| t.out_trade_no)
            .collect();
        assert_eq!(kept, ["bounded_2", "bounded_3"], "the oldest went first");
        assert!(sim.alipay_refunds().is_empty(), "its refund went with it");
        assert!(sim.alipay_refund("bounded_1", "r1").is_none());
        let err = ali.trade().query(by_out("bounded_1")).await.unwrap_err();
        assert!(
            matches!(err.api(), Some(QueryError::TradeNotExist { .. })),
            "{err}"
        );
        let by_no = QueryRequest::new(QueryOrder::trade_no(first.trade_no.clone()));
        let err = ali.trade().query(by_no).await.unwrap_err();
        assert!(
            matches!(err.api(), Some(QueryError::TradeNotExist { .. })),
            "{err}"
        );

        sim.reset();
        assert_eq!(sim.alipay_trades().len(), 2, "reset leaves the books alone");
        sim.reset_merchants();
        assert!(sim.alipay_trades().is_empty());
        let err = ali.trade().query(by_out("bounded_3")).await.unwrap_err();
        assert!(
            matches!(err.api(), Some(QueryError::TradeNotExist { .. })),
            "{err}"
        );
        // Numbers stay unique across a reset: a new trade gets a new trade_no.
        let again = ali
            .trade()
            .create(CreateRequest::new("bounded_1", 100, "一"))
            .await
            .unwrap();
        assert_ne!(again.trade_no, first.trade_no);
    })
    .await;
}

/// A mobile-web or PC-web payment URL built by the client (nothing sent) is on the
/// simulator's gateway and passes the checks the gateway makes of a request: its RSA2
/// sign over every parameter, the simulator's app id; altered, it no longer does.
#[tokio::test]
async fn web_payment_urls_verify_as_the_gateway_checks_requests() {
    use miniapp::alipay::trade::{PagePayRequest, WapPayRequest};
    bounded(async {
        let sim = sim().await;
        let ali = client(&sim);
        let wap = ali
            .wap_pay_url(
                &WapPayRequest::new("wap_1", 9_99, "手机网站 & 支付")
                    .return_url("https://example.com/paid")
                    .notify_url("https://example.com/alipay/notify"),
            )
            .await
            .unwrap();
        let page = ali
            .page_pay_url(&PagePayRequest::new("page_1", 1, "电脑网站支付"))
            .await
            .unwrap();
        for (url, method, product_code) in [
            (&wap, "alipay.trade.wap.pay", "QUICK_WAP_WAY"),
            (&page, "alipay.trade.page.pay", "FAST_INSTANT_TRADE_PAY"),
        ] {
            let (gateway, query) = url.split_once('?').unwrap();
            assert_eq!(gateway, format!("{}/gateway.do", sim.url("alipay")));
            let params = sim.verify_alipay_order_string(query).unwrap();
            let get = |name: &str| {
                params
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            assert_eq!(get("method"), method);
            let biz: serde_json::Value = serde_json::from_str(&get("biz_content")).unwrap();
            assert_eq!(biz["product_code"], product_code);
            let tampered = query.replacen("out_trade_no", "out_trade_nx", 1);
            assert!(sim.verify_alipay_order_string(&tampered).is_err());
        }
        let params = sim
            .verify_alipay_order_string(wap.split_once('?').unwrap().1)
            .unwrap();
        assert!(params
            .iter()
            .any(|(k, v)| k == "return_url" && v == "https://example.com/paid"));
        // Nothing was sent.
        assert!(sim.requests().is_empty());
    })
    .await;
}
