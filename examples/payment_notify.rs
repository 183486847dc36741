//! A payment notify endpoint done right, with axum and `miniapp::payment`, run against
//! the built-in simulator (no credentials):
//!
//! * the notification is verified from the raw request (headers and body, untouched);
//! * the order is committed first, and only then is the provider acknowledged — if the
//!   commit fails, the endpoint answers "fail" and the provider sends it again later;
//! * a notification that arrives again (providers resend until acknowledged, and may
//!   resend even then) is answered "success" again without applying it twice;
//! * an amount that does not match the order is never acknowledged.
//!
//! Run: `cargo run --example payment_notify --features full`

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, Response, StatusCode};
use axum::routing::post;
use miniapp::payment::{ClientType, NotifyRequest, OrderInfoRequest, Payment, PaymentNotify};
use miniapp_simulator::alipay::{ALIPAY_PUBLIC_KEY, APP_PRIVATE_KEY};
use miniapp_simulator::{Simulator, DEFAULT_ALIPAY_APP_ID, DEFAULT_APP_ID, DEFAULT_MERCHANT_ID};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// The shop's orders table, standing in for a database.
#[derive(Default)]
struct Orders {
    rows: Mutex<HashMap<String, Order>>,
    /// Makes the next commits fail, like a database that is down.
    down: AtomicBool,
}

#[derive(Debug, Clone, PartialEq)]
enum Order {
    Pending {
        total_fee: i64,
    },
    Paid {
        total_fee: i64,
        transaction_id: String,
    },
}

/// What committing a payment did.
#[derive(Debug, PartialEq)]
enum Committed {
    Applied,
    /// The same payment was recorded before: nothing to do, acknowledge again.
    AlreadyRecorded,
}

impl Orders {
    fn place(&self, out_trade_no: &str, total_fee: i64) {
        self.rows
            .lock()
            .unwrap()
            .insert(out_trade_no.to_owned(), Order::Pending { total_fee });
    }

    /// One transaction: check the order, record the payment once.
    fn commit_payment(&self, paid: &PaymentNotify) -> Result<Committed, String> {
        if self.down.load(Ordering::SeqCst) {
            return Err("database unavailable".into());
        }
        let mut rows = self.rows.lock().unwrap();
        let row = rows
            .get_mut(&paid.out_trade_no)
            .ok_or_else(|| format!("unknown order {}", paid.out_trade_no))?;
        match row.clone() {
            Order::Paid { transaction_id, .. } if transaction_id == paid.transaction_id => {
                Ok(Committed::AlreadyRecorded)
            }
            Order::Paid { .. } => Err("order already paid by another transaction".into()),
            Order::Pending { total_fee } if total_fee != paid.total_fee => Err(format!(
                "amount {} fen does not match the order's {total_fee}",
                paid.total_fee
            )),
            Order::Pending { total_fee } => {
                *row = Order::Paid {
                    total_fee,
                    transaction_id: paid.transaction_id.clone(),
                };
                Ok(Committed::Applied)
            }
        }
    }

    fn get(&self, out_trade_no: &str) -> Option<Order> {
        self.rows.lock().unwrap().get(out_trade_no).cloned()
    }
}

struct Shop {
    wechatpay: Payment,
    alipay: Payment,
    orders: Orders,
    applied: Mutex<Vec<String>>,
}

/// `POST /notify/{provider}`: verify, commit, then acknowledge.
async fn notify(
    State(shop): State<Arc<Shop>>,
    Path(provider): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response<String> {
    let pay = match provider.as_str() {
        "wechatpay" => &shop.wechatpay,
        "alipay" => &shop.alipay,
        _ => {
            let mut missing = Response::new(String::new());
            *missing.status_mut() = StatusCode::NOT_FOUND;
            return missing;
        }
    };
    let verified = match pay.verify_payment_notify(NotifyRequest::new(&headers, &body)) {
        Ok(v) => v,
        Err(e) => {
            println!("  [{provider}] refused: {e}");
            return pay.reply_fail("verification failed").into_http();
        }
    };
    let paid = &verified.notification;
    if !paid.trade_state.is_paid() {
        // Not a payment (a failure, a closed trade): nothing to record, acknowledge.
        return verified.reply.into_http();
    }
    match shop.orders.commit_payment(paid) {
        Ok(outcome) => {
            println!(
                "  [{provider}] {} {} fen, transaction {}: {outcome:?} → acknowledged",
                paid.out_trade_no, paid.total_fee, paid.transaction_id
            );
            if outcome == Committed::Applied {
                shop.applied.lock().unwrap().push(paid.out_trade_no.clone());
            }
            verified.reply.into_http()
        }
        Err(reason) => {
            println!(
                "  [{provider}] {}: not committed ({reason}) → not acknowledged",
                paid.out_trade_no
            );
            pay.reply_fail(&reason).into_http()
        }
    }
}

/// Replays a notification exactly as the provider sent it.
async fn replay(url: &str, content_type: &str, body: &str) -> String {
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    http.post(url)
        .header(header::CONTENT_TYPE.as_str(), content_type)
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sim = Simulator::builder()
        .only(&["wechatpay", "alipay"])
        .start()
        .await?;
    let shop = Arc::new(Shop {
        wechatpay: Payment::wechat(
            DEFAULT_APP_ID,
            DEFAULT_MERCHANT_ID,
            miniapp_simulator::DEFAULT_SECRET,
        )
        .client_type(ClientType::MpWeixin)
        .base_url(sim.url("wechatpay"))
        .build()?,
        alipay: Payment::alipay(DEFAULT_ALIPAY_APP_ID, APP_PRIVATE_KEY, ALIPAY_PUBLIC_KEY)
            .client_type(ClientType::MpAlipay)
            .base_url(sim.url("alipay"))
            .build()?,
        orders: Orders::default(),
        applied: Mutex::default(),
    });
    let app = axum::Router::new()
        .route("/notify/:provider", post(notify))
        .with_state(shop.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    println!("notify endpoint: {base}/notify/{{wechatpay,alipay}}");

    // WeChat Pay: the first delivery finds the database down and is not acknowledged;
    // the provider's retry (here: sending it again) is committed and acknowledged.
    println!("\nWeChat Pay");
    let wx_url = format!("{base}/notify/wechatpay");
    shop.orders.place("NOTIFY-WX-1", 1200);
    shop.wechatpay
        .get_order_info(
            OrderInfoRequest::new("NOTIFY-WX-1", 1200, &wx_url)
                .body("一杯茶")
                .openid("oGZUI0egBJY1zhBYw2KhdUfwVJJE"),
        )
        .await?;
    shop.orders.down.store(true, Ordering::SeqCst);
    let first = sim.pay_wechatpay_order("NOTIFY-WX-1").await?;
    assert!(
        !first.acknowledged,
        "acknowledged before the commit: {first:?}"
    );
    assert!(matches!(
        shop.orders.get("NOTIFY-WX-1"),
        Some(Order::Pending { .. })
    ));
    shop.orders.down.store(false, Ordering::SeqCst);
    let retried = replay(&wx_url, "text/xml", &first.sent).await;
    assert!(retried.contains("SUCCESS"), "{retried}");
    let again = replay(&wx_url, "text/xml", &first.sent).await;
    assert!(
        again.contains("SUCCESS"),
        "a replay is acknowledged again: {again}"
    );

    // Alipay: delivered and acknowledged once committed; a replay changes nothing.
    println!("\nAlipay");
    let ali_url = format!("{base}/notify/alipay");
    shop.orders.place("NOTIFY_ALI_1", 990);
    shop.alipay
        .get_order_info(
            OrderInfoRequest::new("NOTIFY_ALI_1", 990, &ali_url)
                .subject("一杯茶")
                .openid("2088102177846880"),
        )
        .await?;
    let delivered = sim
        .pay_alipay_trade("NOTIFY_ALI_1")
        .await?
        .expect("the trade has a notify_url");
    assert!(delivered.acknowledged, "{delivered:?}");
    let again = replay(
        &ali_url,
        "application/x-www-form-urlencoded",
        &delivered.sent,
    )
    .await;
    assert_eq!(again, "success");

    // A forged amount is refused by the signature; a wrong amount never acknowledged.
    let forged = delivered
        .sent
        .replace("total_amount=9.90", "total_amount=0.01");
    let refused = replay(&ali_url, "application/x-www-form-urlencoded", &forged).await;
    assert_eq!(refused, "fail");

    let applied = shop.applied.lock().unwrap().clone();
    assert_eq!(
        applied,
        ["NOTIFY-WX-1", "NOTIFY_ALI_1"],
        "each payment applied once"
    );
    println!("\npayments applied: {applied:?} (each once, whatever the deliveries)");
    Ok(())
}
