//! The tour: the SDK against its local simulator, no network and no real app needed.
//!
//! ```text
//! cargo run --example tour --features full
//! ```
//!
//! It starts [`Simulator`], points a WeChat client at it, walks the auth flow (access
//! token, code2Session, the user's phone number, a session-key check, getPaidUnionId, a
//! forced errcode, a constraint caught before sending), checks a comment before
//! publishing it, calls one endpoint of every other WeChat group, then Baidu (token,
//! jscode2sessionkey, getunionid, a forced errno) and Jucai (a signed auth2OpenId, a
//! wrong merchant key) and WeChat Pay (an order, its `wx.requestPayment` parameters, a
//! simulated payment whose signed notification a real notify endpoint verifies, the
//! shipment recorded with WeChat and the buyer notified by a subscribe message, query,
//! a refund through the client-certificate client, its encrypted notification
//! decrypted, refund query, the day's bill parsed) and Alipay (a login code to a user,
//! a trade for `my.tradePay`, a simulated payment whose RSA2-signed notification a real
//! notify endpoint verifies, query, refund, refund query, the App order string), then
//! the payment API modelled on uniCloud's (`miniapp::payment`: one purchase → payment →
//! notification → refund → refund notification story per provider through one API),
//! prints the simulator's request log (secrets redacted) and shows
//! how to point the clients at the real APIs. Each platform has its own function below.
//!
//! One simulator serves every platform on one port; the WeChat client uses its root
//! URL, the Baidu and Jucai clients their platform's prefix (`sim.url("baidu")` =
//! `http://127.0.0.1:<port>/baidu`), which stays unambiguous whatever else is served.

use miniapp::wechat::analysis::GetDailyRetainRequest;
use miniapp::wechat::auth::{
    CheckSessionKeyRequest, Code2SessionError, Code2SessionRequest, GetPaidUnionIdOrder,
    GetPaidUnionIdRequest,
};
use miniapp::wechat::customer_service_message::{SendMessage, SendRequest, TextMessage};
use miniapp::wechat::img::{ScanQrCodeImage, ScanQrCodeRequest};
use miniapp::wechat::phonenumber::GetPhoneNumberRequest;
use miniapp::wechat::security::{MsgSecCheckRequest, Scene, Suggest};
use miniapp::wechat::wxacode::{CreateQrCodeRequest, GetUnlimitedRequest};
use miniapp::wechat::Client;
use miniapp_simulator::{RecordedRequest, Simulator, PNG_SIZE};
use std::error::Error;

type Result<T = ()> = std::result::Result<T, Box<dyn Error>>;

const APP_ID: &str = "wx-demo-appid";
const SECRET: &str = "demo-secret";
const OPENID: &str = "oGZUI0egBJY1zhBYw2KhdUfwVJJE";
/// Baidu AppKey and AppSecret the simulator accepts (`client_id`, `sk`/`client_secret`).
const BAIDU_APP_KEY: &str = "baidu-demo-appkey";
const BAIDU_SECRET: &str = "baidu-demo-secret";
/// The Jucai merchant key: signs requests (client) and answers (simulator).
const MERCHANT_KEY: &str = "jucai-demo-merchant-key";
/// WeChat Pay merchant id and API key (the simulator's default merchant).
#[cfg(feature = "wechatpay")]
const MCH_ID: &str = miniapp_simulator::DEFAULT_MERCHANT_ID;
const PAY_KEY: &str = "wechatpay-demo-api-key-000000000";

#[tokio::main]
async fn main() -> Result {
    let sim = Simulator::builder()
        .app_id(APP_ID)
        .secret(SECRET)
        .credentials("baidu", BAIDU_APP_KEY, BAIDU_SECRET)
        .sign_key("jucai", MERCHANT_KEY)
        .sign_key("wechatpay", PAY_KEY)
        .start()
        .await?;
    println!(
        "miniapp tour: local simulator at {} serving {} ({} endpoints; each platform also under /<name>)",
        sim.base_url(),
        sim.platforms().join(", "),
        sim.endpoints().len()
    );
    let mut tour = Tour { sim: &sim, seen: 0 };

    wechat(&mut tour).await?;
    baidu(&mut tour).await?;
    jucai(&mut tour).await?;
    wechatpay(&mut tour).await?;
    wechatpay_v3(&mut tour).await?;
    alipay(&mut tour).await?;
    payment(&mut tour).await?;

    request_log(&sim);
    real_api();
    Ok(())
}

/// Prints a step's heading and, after it, the requests the simulator received for it.
struct Tour<'a> {
    sim: &'a Simulator,
    seen: usize,
}

impl Tour<'_> {
    fn step(&mut self, title: &str) {
        println!("\n{title}");
    }
    /// What went over the wire since the last call (secrets show as `***`).
    fn sent(&mut self) {
        let log = self.sim.requests();
        for r in log.iter().skip(self.seen) {
            let mut request = format!("{} {}", r.method, r.path);
            if !r.query.is_empty() {
                request = format!("{request}?{}", r.redacted_query());
            }
            if let Some(body) = r.redacted_body() {
                request = format!("{request} {body}");
            }
            let answer = match &r.code {
                Some(code) => format!("code {code}"),
                None => format!("HTTP {}", r.status),
            };
            println!("    sent  {} → {answer}", shorten(&request, 100));
        }
        self.seen = log.len();
    }
    fn got(&mut self, what: impl std::fmt::Display) {
        self.sent();
        println!("    got   {what}");
    }
}

/// WeChat mini program: the auth flow, then one call of every other group.
async fn wechat(tour: &mut Tour<'_>) -> Result {
    println!("\n=== WeChat (miniapp::wechat) ===");
    let wx = Client::builder(APP_ID, SECRET)
        .base_url(tour.sim.base_url())
        .build();

    tour.step("1. access token: the client's token manager fetches and caches it");
    let token = wx.token_source().token().await?;
    tour.got(format_args!(
        "token *** ({} chars), valid {} s; reused by every call below",
        token.secret().len(),
        token.remaining().as_secs_f64().round()
    ));
    let explicit = wx.auth().get_access_token().await?;
    tour.got(format_args!(
        "explicit auth.getAccessToken: another token *** ({} chars), expires_in {}",
        explicit.access_token.expose().len(),
        explicit.expires_in
    ));

    tour.step("2. auth.code2Session: the code from wx.login → openid + session_key");
    let session = wx
        .auth()
        .code2_session(Code2SessionRequest::new("0a3Xk2ll2Yh7Ge4W"))
        .await?;
    tour.got(format_args!(
        "openid {}, unionid {}, session_key {}",
        session.openid,
        session.unionid.as_deref().unwrap_or("-"),
        session.session_key
    ));

    tour.step("3. phonenumber.getPhoneNumber: the phone-number button's code → the user's number");
    let phone = wx
        .phonenumber()
        .get_phone_number(GetPhoneNumberRequest::new(
            "e31968a7f94cc5ee25fafc2aef2773f0",
        ))
        .await?;
    tour.got(format_args!(
        "+{} {} (a Secret: Debug prints {:?})",
        phone.phone_info.country_code,
        phone.phone_info.pure_phone_number.expose(),
        phone.phone_info.phone_number
    ));

    tour.step(
        "4. auth.checkSessionKey: is the saved session_key still valid? (only its HMAC travels)",
    );
    wx.auth()
        .check_session_key(CheckSessionKeyRequest::from_session_key(
            session.openid.clone(),
            session.session_key.expose(),
        ))
        .await?;
    tour.got("valid (errcode 0)");

    tour.step("5. auth.getPaidUnionId: by transaction id, then by merchant order");
    let by_tx = wx
        .auth()
        .get_paid_union_id(GetPaidUnionIdRequest::new(
            OPENID,
            GetPaidUnionIdOrder::transaction_id("4200000123202401010000000001"),
        ))
        .await?;
    tour.got(format_args!("unionid {}", by_tx.unionid));
    let by_order = wx
        .auth()
        .get_paid_union_id(GetPaidUnionIdRequest::new(
            OPENID,
            GetPaidUnionIdOrder::merchant_order("1230000109", "ORDER-2024-0001"),
        ))
        .await?;
    tour.got(format_args!("unionid {}", by_order.unionid));

    tour.step("6. a documented errcode: sim.fail_next(\"wechat:auth.code2Session\", 40029, 1)");
    tour.sim.fail_next("wechat:auth.code2Session", 40029, 1);
    match wx
        .auth()
        .code2_session(Code2SessionRequest::new("expired-code"))
        .await
    {
        Err(e) => match e.api() {
            Some(err @ Code2SessionError::InvalidCode { .. }) => tour.got(format_args!(
                "Code2SessionError::InvalidCode — errcode {}, docs: {}",
                err.code(),
                err.description()
            )),
            _ => return Err(format!("unexpected error: {e}").into()),
        },
        Ok(_) => return Err("the forced errcode did not arrive".into()),
    }

    tour.step("7. a constraint broken: wxacode.createQRCode with width 2000");
    let before = tour.sim.count("wxacode.createQRCode");
    match wx
        .wxacode()
        .create_qr_code(CreateQrCodeRequest::new("pages/index/index").width(2000))
        .await
    {
        Err(e @ miniapp::Error::Invalid { .. }) => tour.got(format_args!(
            "rejected before sending ({} requests reached the simulator): {e}",
            tour.sim.count("wxacode.createQRCode") - before
        )),
        Err(e) => return Err(e.into()),
        Ok(_) => return Err("width 2000 was accepted".into()),
    }

    tour.step("8. analysis.getDailyRetain (datacube)");
    let retain = wx
        .analysis()
        .get_daily_retain(GetDailyRetainRequest::new("20170313", "20170313"))
        .await?;
    let day0 =
        |items: &[miniapp::wechat::analysis::RetainItem]| items.first().map_or(0, |i| i.value);
    tour.got(format_args!(
        "ref_date {}: active users {}, new users {}",
        retain.ref_date,
        day0(&retain.visit_uv),
        day0(&retain.visit_uv_new)
    ));

    tour.step("9. security.msgSecCheck: a content check before publishing the user's comment");
    let comment = "今天的奶茶很好喝";
    let verdict = wx
        .security()
        .msg_sec_check(MsgSecCheckRequest::new(comment, Scene::Comment, OPENID))
        .await?;
    let publish = verdict.result.suggest == Suggest::Pass;
    tour.got(format_args!(
        "suggest {}, label {} ({}) → {}",
        verdict.result.suggest,
        verdict.result.label.code(),
        verdict.result.label.description(),
        if publish {
            "published"
        } else {
            "held back, not published (the simulator answers the docs' example verdict)"
        }
    ));

    tour.step("10. customerServiceMessage.send (text)");
    wx.customer_service_message()
        .send(SendRequest::new(
            OPENID,
            SendMessage::text(TextMessage::new("您好,订单已发货")),
        ))
        .await?;
    tour.got("ok (errcode 0)");

    tour.step("11. wxacode.getUnlimited: an image comes back");
    let code = wx
        .wxacode()
        .get_unlimited(GetUnlimitedRequest::new("id=42").page("pages/item/item"))
        .await?;
    tour.got(format_args!(
        "{}, {} bytes ({PNG_SIZE}×{PNG_SIZE} PNG, signature {})",
        code.content_type,
        code.bytes.len(),
        if code.bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            "ok"
        } else {
            "MISSING"
        }
    ));

    tour.step("12. img.scanQRCode by URL");
    let scan = wx
        .img()
        .scan_qr_code(ScanQrCodeRequest::new(ScanQrCodeImage::url(
            "https://example.com/poster.jpg",
        )))
        .await?;
    let found: Vec<String> = scan
        .code_results
        .iter()
        .map(|c| format!("{} {}", c.type_name, c.data))
        .collect();
    tour.got(format_args!(
        "{} codes in {}×{}: {}",
        found.len(),
        scan.img_size.w,
        scan.img_size.h,
        found.join(", ")
    ));
    Ok(())
}

/// Baidu smart program: token, login, unionid, a forced errno.
#[cfg(feature = "baidu")]
async fn baidu(tour: &mut Tour<'_>) -> Result {
    use miniapp::baidu::auth::{GetUnionidError, GetUnionidRequest, Jscode2SessionKeyRequest};
    let url = tour.sim.url("baidu");
    println!("\n=== Baidu (miniapp::baidu) at {url} ===");
    // `base_url` sends openapi.baidu.com and spapi.baidu.com calls alike to the simulator.
    let bd = miniapp::baidu::Client::builder(BAIDU_APP_KEY, BAIDU_SECRET)
        .base_url(url)
        .build();

    tour.step("1. access token (OAuth2.0 client_credentials) through the token manager");
    let token = bd.token_source().token().await?;
    tour.got(format_args!(
        "token *** ({} chars), valid {} s",
        token.secret().len(),
        token.remaining().as_secs_f64().round()
    ));

    tour.step("2. auth.jscode2SessionKey: form body with client_id + sk, bare answer");
    let session = bd
        .auth()
        .jscode2_session_key(Jscode2SessionKeyRequest::new("code-from-swan-login"))
        .await?;
    tour.got(format_args!(
        "openid {}, session_key {}",
        session.openid, session.session_key
    ));

    tour.step("3. auth.getUnionid: the cached token, the payload read out of `data`");
    let union = bd
        .auth()
        .get_unionid(GetUnionidRequest::new(session.openid.clone()))
        .await?;
    tour.got(format_args!("unionid {}", union.unionid));

    tour.step("4. a documented errno: sim.fail_next(\"baidu:auth.getUnionid\", 400, 1)");
    tour.sim.fail_next("baidu:auth.getUnionid", 400, 1);
    match bd
        .auth()
        .get_unionid(GetUnionidRequest::new(session.openid))
        .await
    {
        Err(e) => match e.api() {
            Some(err @ GetUnionidError::ParameterError { .. }) => tour.got(format_args!(
                "GetUnionidError::ParameterError — errno {}, docs: {}",
                err.code(),
                err.description()
            )),
            _ => return Err(format!("unexpected error: {e}").into()),
        },
        Ok(_) => return Err("the forced errno did not arrive".into()),
    }
    Ok(())
}

#[cfg(not(feature = "baidu"))]
async fn baidu(_tour: &mut Tour<'_>) -> Result {
    println!("\n=== Baidu: not in this build (feature `baidu`) ===");
    Ok(())
}

/// Jucai (巨彩商服) aggregator: a signed call whose signed answer is verified, and a
/// wrong merchant key.
#[cfg(feature = "jucai")]
async fn jucai(tour: &mut Tour<'_>) -> Result {
    use miniapp::jucai::auth::{Auth2OpenIdRequest, WayCode};
    let url = tour.sim.url("jucai");
    println!("\n=== Jucai (miniapp::jucai) at {url} ===");
    let request = || {
        Auth2OpenIdRequest::new(
            "MCH_I293975931",
            "MCH_A698612520",
            "2023041709270000001",
            WayCode::Wechat,
            "134291427096188722",
            "127.0.0.1",
        )
    };
    let jc = miniapp::jucai::Client::new(url.clone(), MERCHANT_KEY);

    tour.step("1. auth.auth2OpenId: the client signs the JSON body, the simulator checks it");
    let user = jc.auth().auth2_open_id(request()).await?;
    let sign = tour
        .sim
        .requests()
        .last()
        .and_then(|r| r.body_json())
        .and_then(|body| body["sign"].as_str().map(str::to_owned))
        .unwrap_or_default();
    tour.sent();
    println!("    sign  {sign} = MD5(sorted fields & key=merchant key), accepted");
    tour.got(format_args!(
        "returnCode {}, openid {} — the answer's own sign verified by the client first",
        user.return_code,
        user.openid.as_deref().unwrap_or("-")
    ));

    tour.step("2. a wrong merchant key: the simulator refuses the sign");
    let wrong = miniapp::jucai::Client::new(url, "not-the-merchant-key");
    match wrong.auth().auth2_open_id(request()).await {
        Err(e @ miniapp::Error::Decode { .. }) if e.to_string().contains("signature rejected") => {
            tour.got(
                "Error::Decode — its 401 签名错误 answer is signed with the real key, \
                 which the client's wrong key cannot verify: nothing in it was trusted",
            )
        }
        Err(e) => return Err(format!("unexpected error: {e}").into()),
        Ok(_) => return Err("a wrong merchant key was accepted".into()),
    }
    Ok(())
}

#[cfg(not(feature = "jucai"))]
async fn jucai(_tour: &mut Tour<'_>) -> Result {
    println!("\n=== Jucai: not in this build (feature `jucai`) ===");
    Ok(())
}

/// WeChat Pay v2: an order, the mini program's payment parameters, a simulated payment
/// whose notification the backend verifies, query, a refund with the merchant
/// certificate, its encrypted notification decrypted, and the day's bill.
#[cfg(feature = "wechatpay")]
async fn wechatpay(tour: &mut Tour<'_>) -> Result {
    use miniapp::runtime::ClientIdentity;
    use miniapp::wechatpay::pay::{
        DownloadBillRequest, OrderQueryOrder, OrderQueryRequest, RefundOrder, RefundQueryBy,
        RefundQueryRequest, RefundRequest, TradeType, UnifiedOrderRequest,
    };
    use miniapp_simulator::wechatpay::RefundOutcome;
    let url = tour.sim.url("wechatpay");
    println!("\n=== WeChat Pay v2 (miniapp::wechatpay) at {url} ===");
    // A test certificate (tests/fixtures/wechatpay_cert); yours is the merchant
    // platform's apiclient_cert.p12. The simulator speaks plain HTTP and cannot check
    // it, but the client refuses to send a refund without one.
    let identity = ClientIdentity::from_pem(
        include_bytes!("../tests/fixtures/wechatpay_cert/apiclient_cert.pem"),
        include_bytes!("../tests/fixtures/wechatpay_cert/apiclient_key.pem"),
    )?;
    let pay = miniapp::wechatpay::Client::builder(APP_ID, MCH_ID, PAY_KEY)
        .base_url(url)
        .client_certificate(identity)?
        .build();
    let backend = notify::Backend::start(pay.clone()).await?;
    let out_trade_no = "tour-20261122-0001";

    tour.step("1. pay.unifiedOrder: signed XML out, signed XML back (verified before use)");
    let order = UnifiedOrderRequest::new(
        "miniapp tour — 1 cup of tea",
        out_trade_no,
        1200, // fen: ¥12.00
        "127.0.0.1",
        backend.paid_url(),
        TradeType::Jsapi,
    )
    .openid(OPENID);
    let order = pay.pay().unified_order(order).await?;
    tour.got(format_args!("prepay_id {}", order.prepay_id));

    tour.step("2. the mini program's wx.requestPayment parameters, signed by the backend");
    let params = pay.mini_program_pay_params(&order.prepay_id);
    println!(
        "    json  {}",
        shorten(&serde_json::to_string(&params)?, 110)
    );

    tour.step("3. the user pays (simulated): a signed notification reaches the backend");
    let notified = tour.sim.pay_wechatpay_order(out_trade_no).await?;
    let paid = backend
        .payments()
        .pop()
        .ok_or("no payment notification arrived")?;
    println!(
        "    notify POST {} → verified: {} paid {} fen, transaction {}; acknowledged: {}",
        notified.url, paid.out_trade_no, paid.total_fee, paid.transaction_id, notified.acknowledged
    );

    tour.step(
        "3b. the goods ship: orderShipping.upload_shipping_info (funds stay frozen until it is recorded), then a subscribe message"
    );
    {
        use miniapp::wechat::order_shipping::{
            DeliveryMode, LogisticsType, OrderKey, Payer, ShippingItem, UploadShippingInfoRequest,
        };
        use miniapp::wechat::subscribe_message::{self as subscribe, DataValue};
        let wx = Client::builder(APP_ID, SECRET)
            .base_url(tour.sim.base_url())
            .build();
        wx.order_shipping()
            .upload_shipping_info(UploadShippingInfoRequest::new(
                OrderKey::by_transaction_id(paid.transaction_id.clone()),
                LogisticsType::Express,
                DeliveryMode::Unified,
                vec![ShippingItem::new("miniapp tour — 1 cup of tea")
                    .tracking_no("SF1234567890")
                    .express_company("SF")],
                "2026-11-22T10:00:00.000+08:00",
                Payer::new(OPENID),
            ))
            .await?;
        let data = [
            ("thing1", "1 cup of tea"),
            ("character_string2", out_trade_no),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), DataValue::new(v)))
        .collect();
        wx.subscribe_message()
            .send(
                subscribe::SendRequest::new(OPENID, "SHIPPED_TEMPLATE_ID", data)
                    .page("pages/order/order"),
            )
            .await?;
        tour.got(format_args!(
            "shipping recorded for transaction {}; the buyer notified",
            paid.transaction_id
        ));
    }

    tour.step("4. pay.orderQuery");
    let by_number = OrderQueryRequest::new(OrderQueryOrder::out_trade_no(out_trade_no));
    let state = pay.pay().order_query(by_number).await?;
    tour.got(format_args!(
        "trade_state {:?}, total_fee {} fen",
        state.trade_state,
        state.total_fee.unwrap_or_default()
    ));

    tour.step("5. pay.refund (secapi: sent through the client-certificate TLS client)");
    let refund = RefundRequest::new(
        "tour-refund-1",
        1200,
        200,
        RefundOrder::out_trade_no(out_trade_no),
    )
    .notify_url(backend.refunded_url());
    let refund = pay.pay().refund(refund).await?;
    tour.got(format_args!(
        "refund_id {}, refund_fee {} fen",
        refund.refund_id, refund.refund_fee
    ));

    tour.step("6. the refund succeeds (simulated): its notification is decrypted (AES-256-ECB)");
    let notified = tour
        .sim
        .settle_wechatpay_refund("tour-refund-1", RefundOutcome::Success)
        .await?;
    let refunded = backend
        .refunds()
        .pop()
        .ok_or("no refund notification arrived")?;
    println!(
        "    notify POST {} → decrypted: {} {} fen {}; acknowledged: {}",
        notified.url,
        refunded.out_refund_no,
        refunded.refund_fee,
        refunded.refund_status,
        notified.acknowledged
    );

    tour.step("7. pay.refundQuery: numbered fields gathered into refunds");
    let query = RefundQueryRequest::new(RefundQueryBy::out_trade_no(out_trade_no));
    let refunds = pay.pay().refund_query(query).await?;
    for r in refunds.refunds.iter().flatten() {
        tour.got(format_args!(
            "{} {} fen {:?}",
            r.out_refund_no, r.refund_fee, r.refund_status
        ));
    }

    tour.step("8. pay.downloadBill: today's bill, parsed (backticks stripped, amounts in fen)");
    let day = paid.time_end.get(..8).unwrap_or_default().to_owned();
    let bill = pay.download_bill(DownloadBillRequest::new(day)).await?;
    for row in &bill.rows {
        let amount = match row.refund_fee {
            Some(refunded) if row.trade_state == "REFUND" => format!("refunded {refunded} fen"),
            _ => format!("paid {} fen", row.settlement_total_fee),
        };
        tour.got(format_args!(
            "{} {} {} {amount}",
            row.trade_time, row.out_trade_no, row.trade_state
        ));
    }
    backend.stop();
    Ok(())
}

/// WeChat Pay API v3, which has no official sandbox: the simulator in public-key mode,
/// the client configured from the keys it publishes (test keys).
#[cfg(feature = "wechatpay_v3")]
async fn wechatpay_v3(tour: &mut Tour<'_>) -> Result {
    use miniapp::wechatpay_v3::bill::TradeBillRequest;
    use miniapp::wechatpay_v3::pay::{JsapiRequest, OrderAmount, Payer, QueryByOutTradeNoRequest};
    use miniapp::wechatpay_v3::refund::{CreateOrder, CreateRequest, RefundRequestAmount};
    use miniapp::wechatpay_v3::{BillLocation, Client};
    use miniapp_simulator::wechatpay_v3::WechatPayV3RefundOutcome;
    let url = tour.sim.url("wechatpay_v3");
    println!("\n=== WeChat Pay API v3 (miniapp::wechatpay_v3) at {url} ===");
    let keys = tour
        .sim
        .wechatpay_v3_keys()
        .ok_or("the simulator serves no WeChat Pay API v3")?;
    let pay = Client::builder(
        keys.app_id.clone(),
        keys.merchant_id.clone(),
        keys.merchant_serial.clone(),
        keys.merchant_private_key.clone().unwrap_or_default(),
    )
    .wechatpay_public_key(
        keys.wechatpay_public_key_id.clone(),
        keys.wechatpay_public_key.clone(),
    )
    .api_v3_key(keys.api_v3_key.clone())
    .base_url(url)
    .try_build()?;
    let backend = v3_notify::Backend::start(pay.clone()).await?;
    let out_trade_no = "tour-v3-20261206-0001";

    tour.step("1. pay.jsapi: the whole request signed (Authorization), the answer verified by its Wechatpay-Serial");
    let order = JsapiRequest::new(
        "miniapp tour — 1 cup of tea",
        out_trade_no,
        backend.url(),
        OrderAmount::new(1200), // fen: ¥12.00
        Payer::new(OPENID),
    );
    let order = pay.pay().jsapi(order).await?;
    tour.got(format_args!("prepay_id {}", order.prepay_id));

    tour.step("2. the mini program's wx.requestPayment parameters (signType RSA, merchant key)");
    let params = pay.mini_program_pay_params(&order.prepay_id)?;
    println!(
        "    json  {}",
        shorten(&serde_json::to_string(&params)?, 110)
    );

    tour.step(
        "3. the user pays (simulated): the notification is verified and decrypted (AES-256-GCM)",
    );
    let notified = tour.sim.pay_wechatpay_v3_order(out_trade_no).await?;
    let paid = backend.received().pop().ok_or("no notification arrived")?;
    println!(
        "    notify POST {} → {}: {}; acknowledged: {}",
        notified.url, paid.0, paid.1, notified.acknowledged
    );

    tour.step("4. pay.queryByOutTradeNo");
    let state = pay
        .pay()
        .query_by_out_trade_no(QueryByOutTradeNoRequest::new(out_trade_no))
        .await?;
    tour.got(format_args!(
        "trade_state {}, total {} fen, transaction {}",
        state.trade_state.as_str(),
        state
            .amount
            .as_ref()
            .and_then(|a| a.total)
            .unwrap_or_default(),
        state.transaction_id.as_deref().unwrap_or_default()
    ));

    tour.step("5. refund.create, then its notification");
    let refund = CreateRequest::new(
        "tour-v3-refund-1",
        RefundRequestAmount::new(200, 1200),
        CreateOrder::OutTradeNo {
            out_trade_no: out_trade_no.into(),
        },
    )
    .notify_url(backend.url());
    let refund = pay.refund().create(refund).await?;
    tour.got(format_args!(
        "refund_id {}, {} fen, {}",
        refund.refund_id,
        refund.amount.refund,
        refund.status.as_str()
    ));
    let notified = tour
        .sim
        .settle_wechatpay_v3_refund("tour-v3-refund-1", WechatPayV3RefundOutcome::Success)
        .await?;
    let refunded = backend
        .received()
        .pop()
        .ok_or("no refund notification arrived")?;
    println!(
        "    notify POST {} → {}: {}; acknowledged: {}",
        notified.url, refunded.0, refunded.1, notified.acknowledged
    );

    tour.step("6. bill.tradeBill, then the file: fetched with a signed GET, SHA-1 checked");
    let day = state
        .success_time
        .as_deref()
        .and_then(|t| t.get(..10))
        .unwrap_or_default()
        .to_owned();
    let located = pay.bill().trade_bill(TradeBillRequest::new(day)).await?;
    let text = pay
        .download_bill(BillLocation {
            download_url: &located.download_url,
            hash_type: located.hash_type.as_str(),
            hash_value: &located.hash_value,
        })
        .await?;
    let text = String::from_utf8_lossy(&text);
    tour.got(format_args!(
        "{} lines, SHA-1 {} matches; first row: {}",
        text.lines().count(),
        located.hash_value,
        shorten(text.lines().nth(1).unwrap_or_default(), 80)
    ));
    backend.stop();
    Ok(())
}

#[cfg(not(feature = "wechatpay_v3"))]
async fn wechatpay_v3(_tour: &mut Tour<'_>) -> Result {
    println!("\n=== WeChat Pay API v3: not in this build (feature `wechatpay_v3`) ===");
    Ok(())
}

/// The merchant backend's API v3 notify endpoint: the raw headers and body verified
/// and decrypted by the client, then acknowledged as WeChat Pay expects.
#[cfg(feature = "wechatpay_v3")]
mod v3_notify {
    use axum::body::Bytes;
    use axum::extract::State;
    use axum::http::HeaderMap;
    use axum::routing::post;
    use axum::Router;
    use miniapp::wechatpay_v3::{reply_fail, reply_success, Client};
    use std::sync::{Arc, Mutex};

    /// (event, what it says) of each notification verified.
    type Received = Arc<Mutex<Vec<(String, String)>>>;

    pub struct Backend {
        url: String,
        received: Received,
        task: tokio::task::JoinHandle<()>,
    }

    impl Backend {
        pub async fn start(pay: Client) -> std::io::Result<Backend> {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            let url = format!("http://{}/wxpay/v3/notify", listener.local_addr()?);
            let received = Received::default();
            let app = Router::new()
                .route("/wxpay/v3/notify", post(notified))
                .with_state((pay, received.clone()));
            let task = tokio::spawn(async move {
                let _ = axum::serve(listener, app).await;
            });
            Ok(Backend {
                url,
                received,
                task,
            })
        }
        pub fn url(&self) -> &str {
            &self.url
        }
        pub fn received(&self) -> Vec<(String, String)> {
            self.received.lock().map(|r| r.clone()).unwrap_or_default()
        }
        pub fn stop(self) {
            self.task.abort();
        }
    }

    async fn notified(
        State((pay, received)): State<(Client, Received)>,
        headers: HeaderMap,
        body: Bytes,
    ) -> (axum::http::StatusCode, String) {
        let said = match pay.verify_payment_notification(&headers, &body) {
            Ok(n) => Ok((
                n.event_type,
                format!(
                    "{} paid {} fen",
                    n.resource.out_trade_no,
                    n.resource.amount.and_then(|a| a.total).unwrap_or_default()
                ),
            )),
            Err(_) => pay.verify_refund_notification(&headers, &body).map(|n| {
                (
                    n.event_type,
                    format!(
                        "{} refunded {} fen {}",
                        n.resource.out_refund_no,
                        n.resource.amount.refund,
                        n.resource.refund_status
                    ),
                )
            }),
        };
        let (status, body) = match said {
            Ok(said) => {
                if let Ok(mut r) = received.lock() {
                    r.push(said);
                }
                reply_success()
            }
            Err(e) => reply_fail(400, &e.to_string()),
        };
        let status = axum::http::StatusCode::from_u16(status)
            .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
        (status, body)
    }
}

#[cfg(not(feature = "wechatpay"))]
async fn wechatpay(_tour: &mut Tour<'_>) -> Result {
    println!("\n=== WeChat Pay: not in this build (feature `wechatpay`) ===");
    Ok(())
}

/// Alipay: a login, then one purchase from trade to refund, every answer verified.
#[cfg(feature = "alipay")]
async fn alipay(tour: &mut Tour<'_>) -> Result {
    use miniapp::alipay::auth::Code2SessionRequest;
    use miniapp::alipay::bill::{BillType, DownloadUrlQueryRequest};
    use miniapp::alipay::trade::{
        AppPayRequest, CreateRequest, PrecreateRequest, QueryOrder, QueryRequest, RefundOrder,
        RefundQueryOrder, RefundQueryRequest, RefundRequest,
    };
    use miniapp_simulator::alipay::{ALIPAY_PUBLIC_KEY, APP_PRIVATE_KEY};
    use miniapp_simulator::DEFAULT_ALIPAY_APP_ID;
    let url = tour.sim.url("alipay");
    println!("\n=== Alipay (miniapp::alipay) at {url} ===");
    // The simulator's test key pair (public; yours come from the Alipay console). Keys
    // are parsed here: a malformed one is an error now, not at the first call.
    let ali =
        miniapp::alipay::Client::builder(DEFAULT_ALIPAY_APP_ID, APP_PRIVATE_KEY, ALIPAY_PUBLIC_KEY)
            .base_url(url)
            .try_build()?;
    let backend = alipay_notify::Backend::start(ali.clone()).await?;
    let out_trade_no = "tour_alipay_20261204_0001";

    tour.step("1. auth.code2Session (alipay.system.oauth.token): my.getAuthCode's code → the user");
    let user = ali
        .auth()
        .code2_session(Code2SessionRequest::new("tour-auth-code"))
        .await?;
    tour.got(format_args!(
        "user_id {}, open_id {}, access_token {:?} (redacted), expires_in {} s",
        user.user_id.as_deref().unwrap_or("-"),
        user.open_id.as_deref().unwrap_or("-"),
        user.access_token,
        user.expires_in.unwrap_or_default()
    ));

    tour.step("2. trade.create: a signed form, biz_content packed, ¥0.99 sent as \"0.99\"; the answer verified over its raw text");
    let order = CreateRequest::new(out_trade_no, 99, "miniapp tour — 1 cup of tea")
        .buyer_open_id(user.open_id.clone().unwrap_or_default())
        .notify_url(backend.url());
    let trade = ali.trade().create(order).await?;
    tour.got(format_args!(
        "trade_no {} → the mini program calls my.tradePay({{ tradeNO }})",
        trade.trade_no
    ));

    tour.step("3. the user pays (simulated): an RSA2-signed notification reaches the backend");
    let notified = tour
        .sim
        .pay_alipay_trade(out_trade_no)
        .await?
        .ok_or("the trade has no notify_url")?;
    let paid = backend
        .notifications()
        .pop()
        .ok_or("no notification arrived")?;
    println!(
        "    notify POST {} → verified: {} {:?} {} fen (notify_id {}); acknowledged: {}",
        notified.url,
        paid.out_trade_no,
        paid.trade_status,
        paid.total_amount.unwrap_or_default(),
        paid.notify_id,
        notified.acknowledged
    );

    tour.step("4. trade.query");
    let state = ali
        .trade()
        .query(QueryRequest::new(QueryOrder::out_trade_no(out_trade_no)))
        .await?;
    tour.got(format_args!(
        "trade_status {:?}, total_amount {} fen",
        state.trade_status, state.total_amount
    ));

    tour.step("5. trade.refund: a partial refund with its own request number (safe to retry)");
    let refund = RefundRequest::new(33, RefundOrder::out_trade_no(out_trade_no))
        .out_request_no("tour-alipay-refund-1")
        .refund_reason("tour");
    let refund = ali.trade().refund(refund).await?;
    tour.got(format_args!(
        "fund_change {:?}, refund_fee {} fen (refunded so far)",
        refund.fund_change.as_deref().unwrap_or("-"),
        refund.refund_fee
    ));

    tour.step("6. trade.refundQuery (alipay.trade.fastpay.refund.query)");
    let query = RefundQueryRequest::new(
        "tour-alipay-refund-1",
        RefundQueryOrder::out_trade_no(out_trade_no),
    );
    let refunded = ali.trade().refund_query(query).await?;
    tour.got(format_args!(
        "refund_status {:?}, refund_amount {} fen",
        refunded.refund_status,
        refunded.refund_amount.unwrap_or_default()
    ));

    tour.step("7. the App payment's order string (alipay.trade.app.pay): signed, nothing sent");
    let app_order = ali
        .app_pay_order_string(&AppPayRequest::new("tour_alipay_app_0001", 99, "tea"))
        .await?;
    let checked = tour.sim.verify_alipay_order_string(&app_order).is_ok();
    println!(
        "    order {} (the simulator verifies it: {checked})",
        shorten(&app_order, 90)
    );

    tour.step("8. trade.precreate (alipay.trade.precreate): a QR code the buyer scans at the till");
    let qr = ali
        .trade()
        .precreate(PrecreateRequest::new(
            "tour_alipay_qr_0001",
            12_80,
            "miniapp tour — 1 pot of tea",
        ))
        .await?;
    tour.got(format_args!(
        "qr_code {} → render it as a QR code; the trade is {:?} until scanned and paid",
        qr.qr_code,
        ali.trade()
            .query(QueryRequest::new(QueryOrder::out_trade_no(
                qr.out_trade_no.as_str()
            )))
            .await?
            .trade_status
    ));

    tour.step("9. bill.downloadUrlQuery, then Client::download_bill: the day's zip of GBK CSV files, read by header name");
    let day = tour
        .sim
        .alipay_trade(out_trade_no)
        .and_then(|t| t.gmt_payment)
        .map(|paid| paid[..10].to_owned())
        .ok_or("the trade was not paid")?;
    let located = ali
        .bill()
        .download_url_query(DownloadUrlQueryRequest::new(BillType::Trade, day.as_str()))
        .await?;
    let bill = ali.download_bill(&located.bill_download_url).await?;
    for row in &bill.detail.rows {
        println!(
            "    {} {} {} fen ({})",
            row.out_trade_no, row.kind, row.total_amount, row.finished_at
        );
    }
    tour.got(format_args!(
        "{} rows; {}",
        bill.detail.rows.len(),
        bill.detail
            .notes
            .iter()
            .filter(|n| n.contains("合计"))
            .cloned()
            .collect::<Vec<_>>()
            .join(" / ")
    ));
    backend.stop();
    Ok(())
}

#[cfg(not(feature = "alipay"))]
async fn alipay(_tour: &mut Tour<'_>) -> Result {
    println!("\n=== Alipay: not in this build (feature `alipay`) ===");
    Ok(())
}

/// The payment API modelled on uniCloud's (`miniapp::payment`): the same purchase → payment → notification → refund →
/// refund notification story, told once per provider through one API.
#[cfg(feature = "payment")]
async fn payment(tour: &mut Tour<'_>) -> Result {
    use miniapp::payment::{
        ClientType, Notification, OrderInfoRequest, OrderRef, Payment, RefundQueryRequest,
        RefundRequest,
    };
    use miniapp::runtime::ClientIdentity;
    use miniapp_simulator::alipay::{ALIPAY_PUBLIC_KEY, APP_PRIVATE_KEY};
    use miniapp_simulator::wechatpay::RefundOutcome;
    use miniapp_simulator::DEFAULT_ALIPAY_APP_ID;

    println!("\n=== One payment API over both providers (miniapp::payment) ===");
    // uniCloud's settings: WeChat Pay takes `pfx` (the merchant's PKCS#12, password =
    // mchId) with `.pfx(bytes)`; the tour's test certificate is PEM, so it builds the
    // WeChat Pay client itself and wraps it.
    let identity = ClientIdentity::from_pem(
        include_bytes!("../tests/fixtures/wechatpay_cert/apiclient_cert.pem"),
        include_bytes!("../tests/fixtures/wechatpay_cert/apiclient_key.pem"),
    )?;
    let wechat = miniapp::wechatpay::Client::builder(APP_ID, MCH_ID, PAY_KEY)
        .base_url(tour.sim.url("wechatpay"))
        .client_certificate(identity)?
        .build();
    let providers = [
        (
            Payment::from_wechatpay(wechat).with_client_type(ClientType::MpWeixin),
            "tour-facade-wx-1",
            "tour-facade-wx-r1",
        ),
        (
            Payment::alipay(DEFAULT_ALIPAY_APP_ID, APP_PRIVATE_KEY, ALIPAY_PUBLIC_KEY)
                .client_type(ClientType::MpAlipay)
                .base_url(tour.sim.url("alipay"))
                .build()?,
            "tour_facade_ali_1",
            "tour_facade_ali_r1",
        ),
    ];
    for (pay, out_trade_no, out_refund_no) in providers {
        let provider = pay.provider();
        let pay = std::sync::Arc::new(pay);
        let backend = facade_notify::Backend::start(pay.clone()).await?;
        println!("\n--- {provider} ---");

        tour.step("1. getOrderInfo: the order placed, the paying client's orderInfo back");
        let order = OrderInfoRequest::new(out_trade_no, 990, backend.url())
            .body("miniapp tour — 1 cup of tea") // WeChat Pay's goods description
            .subject("miniapp tour — 1 cup of tea") // Alipay's order title
            .openid(match provider {
                miniapp::payment::Provider::WechatPay => OPENID,
                _ => "2088102177846880",
            });
        let order_info = pay.get_order_info(order).await?;
        tour.got(format_args!(
            "orderInfo {}",
            shorten(&serde_json::to_string(&order_info)?, 100)
        ));

        tour.step("2. the user pays (simulated); the notify endpoint verifies the raw request");
        let acknowledged = match provider {
            miniapp::payment::Provider::WechatPay => {
                tour.sim
                    .pay_wechatpay_order(out_trade_no)
                    .await?
                    .acknowledged
            }
            _ => tour
                .sim
                .pay_alipay_trade(out_trade_no)
                .await?
                .is_some_and(|n| n.acknowledged),
        };
        match backend.received().last() {
            Some(Notification::Payment(n)) => println!(
                "    notify verified: {} {} fen {} ({}); acknowledged after commit: {acknowledged}",
                n.out_trade_no, n.total_fee, n.trade_state, n.provider_state
            ),
            other => return Err(format!("expected a payment notification, got {other:?}").into()),
        }

        tour.step("3. orderQuery");
        let state = pay
            .order_query(OrderRef::out_trade_no(out_trade_no))
            .await?;
        tour.got(shorten(&serde_json::to_string(&state)?, 110));

        tour.step("4. refund 3.30 of 9.90");
        let refund = RefundRequest::new(OrderRef::out_trade_no(out_trade_no), 330)
            .out_refund_no(out_refund_no)
            .total_fee(990);
        let refund = match provider {
            miniapp::payment::Provider::WechatPay => refund.notify_url(backend.url()),
            _ => refund, // Alipay notifies refunds at the trade's notify_url
        };
        let refunded = pay.refund(refund).await?;
        tour.got(shorten(&serde_json::to_string(&refunded)?, 110));

        tour.step("5. the refund's notification (simulated) reaches the same endpoint");
        let acknowledged = match provider {
            miniapp::payment::Provider::WechatPay => {
                tour.sim
                    .settle_wechatpay_refund(out_refund_no, RefundOutcome::Success)
                    .await?
                    .acknowledged
            }
            _ => {
                tour.sim
                    .notify_alipay_refund(out_trade_no, out_refund_no)
                    .await?
                    .acknowledged
            }
        };
        match backend.received().last() {
            Some(Notification::Refund(n)) => println!(
                "    notify verified: refund {} of {}: {} fen {}; acknowledged: {acknowledged}",
                n.out_refund_no.as_deref().unwrap_or("-"),
                n.out_trade_no,
                n.refund_fee,
                n.refund_status
            ),
            other => return Err(format!("expected a refund notification, got {other:?}").into()),
        }

        tour.step("6. refundQuery");
        let query = RefundQueryRequest::out_refund_no(out_refund_no)
            .of_order(OrderRef::out_trade_no(out_trade_no));
        let found = pay.refund_query(query).await?;
        tour.got(format_args!(
            "{}",
            shorten(&serde_json::to_string(&found)?, 110)
        ));

        tour.step("7. a call this provider does not have fails typed, before sending");
        let e = match provider {
            miniapp::payment::Provider::WechatPay => pay
                .cancel_order(OrderRef::out_trade_no(out_trade_no))
                .await
                .map(|_| ())
                .unwrap_err(),
            _ => pay
                .download_bill("20261206", None)
                .await
                .map(|_| ())
                .unwrap_err(),
        };
        tour.got(format_args!("error: {e}"));
        backend.stop();
    }
    Ok(())
}

#[cfg(not(feature = "payment"))]
async fn payment(_tour: &mut Tour<'_>) -> Result {
    println!("\n=== miniapp::payment: not in this build (feature `payment`) ===");
    Ok(())
}

/// The facade's notify endpoint for the tour: one URL for both kinds, the raw request
/// verified with `verify_notify`, then (a real backend commits here) the provider's
/// own acknowledgement sent back.
#[cfg(feature = "payment")]
mod facade_notify {
    use axum::body::Bytes;
    use axum::extract::State;
    use axum::http::HeaderMap;
    use axum::routing::post;
    use axum::Router;
    use miniapp::payment::{Notification, NotifyRequest, Payment};
    use std::sync::{Arc, Mutex};

    type Shared = (Arc<Payment>, Arc<Mutex<Vec<Notification>>>);

    pub struct Backend {
        url: String,
        received: Arc<Mutex<Vec<Notification>>>,
        task: tokio::task::JoinHandle<()>,
    }

    impl Backend {
        pub async fn start(pay: Arc<Payment>) -> std::io::Result<Backend> {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            let url = format!("http://{}/payment/notify", listener.local_addr()?);
            let received = Arc::new(Mutex::new(Vec::new()));
            let app = Router::new()
                .route("/payment/notify", post(notified))
                .with_state((pay, received.clone()));
            let task = tokio::spawn(async move {
                let _ = axum::serve(listener, app).await;
            });
            Ok(Backend {
                url,
                received,
                task,
            })
        }
        pub fn url(&self) -> String {
            self.url.clone()
        }
        pub fn received(&self) -> Vec<Notification> {
            self.received.lock().unwrap().clone()
        }
        pub fn stop(self) {
            self.task.abort();
        }
    }

    async fn notified(
        State((pay, received)): State<Shared>,
        headers: HeaderMap,
        body: Bytes,
    ) -> http::Response<String> {
        let reply = match pay.verify_notify(NotifyRequest::new(&headers, &body)) {
            Ok(verified) => {
                received.lock().unwrap().push(verified.notification);
                verified.reply
            }
            Err(e) => pay.reply_fail(&e.to_string()),
        };
        reply.into_http()
    }
}

/// The merchant backend's Alipay notify endpoint for the tour: real HTTP on 127.0.0.1;
/// each notification is verified with the client before it is acknowledged with
/// `success`; a bad one is answered `fail` (Alipay sends it again).
#[cfg(feature = "alipay")]
mod alipay_notify {
    use axum::body::Bytes;
    use axum::extract::State;
    use axum::routing::post;
    use axum::Router;
    use miniapp::alipay::{reply_fail, reply_success, Client, TradeNotification};
    use std::sync::{Arc, Mutex};

    type Shared = (Client, Arc<Mutex<Vec<TradeNotification>>>);

    pub struct Backend {
        url: String,
        received: Arc<Mutex<Vec<TradeNotification>>>,
        task: tokio::task::JoinHandle<()>,
    }

    impl Backend {
        pub async fn start(ali: Client) -> std::io::Result<Backend> {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            let url = format!("http://{}/alipay/notify", listener.local_addr()?);
            let received = Arc::new(Mutex::new(Vec::new()));
            let app = Router::new()
                .route("/alipay/notify", post(notified))
                .with_state((ali, received.clone()));
            let task = tokio::spawn(async move {
                let _ = axum::serve(listener, app).await;
            });
            Ok(Backend {
                url,
                received,
                task,
            })
        }
        pub fn url(&self) -> String {
            self.url.clone()
        }
        pub fn notifications(&self) -> Vec<TradeNotification> {
            self.received.lock().unwrap().clone()
        }
        pub fn stop(self) {
            self.task.abort();
        }
    }

    async fn notified(State((ali, received)): State<Shared>, body: Bytes) -> &'static str {
        match ali.verify_notification(&body) {
            Ok(n) => {
                // A real backend commits the order here, then acknowledges.
                received.lock().unwrap().push(n);
                reply_success()
            }
            Err(_) => reply_fail(),
        }
    }
}

/// The merchant backend's notify endpoints for the tour: real HTTP on 127.0.0.1, each
/// notification verified (payment) or decrypted (refund) with the client before it is
/// acknowledged; a bad one is answered FAIL with the reason.
#[cfg(feature = "wechatpay")]
mod notify {
    use axum::body::Bytes;
    use axum::extract::State;
    use axum::routing::post;
    use axum::Router;
    use miniapp::wechatpay::{
        reply_fail, reply_success, Client, PaymentNotification, RefundNotification,
    };
    use std::sync::{Arc, Mutex};

    #[derive(Default)]
    struct Received {
        payments: Vec<PaymentNotification>,
        refunds: Vec<RefundNotification>,
    }

    type Shared = (Client, Arc<Mutex<Received>>);

    pub struct Backend {
        url: String,
        received: Arc<Mutex<Received>>,
        task: tokio::task::JoinHandle<()>,
    }

    impl Backend {
        pub async fn start(pay: Client) -> std::io::Result<Backend> {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            let url = format!("http://{}", listener.local_addr()?);
            let received = Arc::new(Mutex::new(Received::default()));
            let app = Router::new()
                .route("/pay/paid", post(paid))
                .route("/pay/refunded", post(refunded))
                .with_state((pay, received.clone()));
            let task = tokio::spawn(async move {
                let _ = axum::serve(listener, app).await;
            });
            Ok(Backend {
                url,
                received,
                task,
            })
        }
        pub fn paid_url(&self) -> String {
            format!("{}/pay/paid", self.url)
        }
        pub fn refunded_url(&self) -> String {
            format!("{}/pay/refunded", self.url)
        }
        pub fn payments(&self) -> Vec<PaymentNotification> {
            self.received.lock().unwrap().payments.clone()
        }
        pub fn refunds(&self) -> Vec<RefundNotification> {
            self.received.lock().unwrap().refunds.clone()
        }
        pub fn stop(self) {
            self.task.abort();
        }
    }

    async fn paid(State((pay, received)): State<Shared>, body: Bytes) -> String {
        match pay.verify_payment_notification(&body) {
            Ok(n) => {
                // A real backend commits the order here, then acknowledges.
                received.lock().unwrap().payments.push(n);
                reply_success()
            }
            Err(e) => reply_fail(&e.to_string()),
        }
    }

    async fn refunded(State((pay, received)): State<Shared>, body: Bytes) -> String {
        match pay.decrypt_refund_notification(&body) {
            Ok(n) => {
                received.lock().unwrap().refunds.push(n);
                reply_success()
            }
            Err(e) => reply_fail(&e.to_string()),
        }
    }
}

/// At most `max` characters, with `…` where it was cut (the full line is in the log).
fn shorten(line: &str, max: usize) -> String {
    if line.chars().count() <= max {
        return line.to_owned();
    }
    let mut cut: String = line.chars().take(max - 1).collect();
    cut.push('…');
    cut
}

fn request_log(sim: &Simulator) {
    let log = sim.requests();
    println!(
        "\n=== The simulator's request log: {} requests, {} of them for tokens (secrets redacted) ===",
        log.len(),
        sim.token_requests()
    );
    for (i, r) in log.iter().enumerate() {
        println!("{:>3}. {:<34} {}", i + 1, endpoint(r), r);
    }
}

fn endpoint(r: &RecordedRequest) -> String {
    match (r.platform, r.endpoint) {
        (Some(p), Some(e)) => format!("{p}:{e}"),
        _ => "(no endpoint)".to_owned(),
    }
}

fn real_api() {
    println!(
        "\n=== The real API ===\n\
         The same calls against the platforms — only the constructor changes:\n\
         \n    let wx = miniapp::wechat::Client::new(app_id, secret); // https://api.weixin.qq.com\n\
         \x20   let session = wx.auth().code2_session(Code2SessionRequest::new(code)).await?;"
    );
    #[cfg(feature = "baidu")]
    println!(
        "    let bd = miniapp::baidu::Client::new(app_key, app_secret); // openapi/spapi.baidu.com"
    );
    #[cfg(feature = "jucai")]
    println!(
        "    let jc = miniapp::jucai::Client::new(gateway_url, merchant_key); // your gateway"
    );
    #[cfg(feature = "wechatpay")]
    println!(
        "    let pay = miniapp::wechatpay::Client::builder(app_id, mch_id, api_key)\n\
         \x20       .client_certificate(ClientIdentity::from_pkcs12(&p12, mch_id)?)?.build(); // api.mch.weixin.qq.com"
    );
    #[cfg(feature = "alipay")]
    println!(
        "    let ali = miniapp::alipay::Client::new(app_id, app_private_key, alipay_public_key)?; // openapi.alipay.com\n\
         \x20   // certificate mode: Client::builder(app_id, key, alipay_cert).certificates(app_cert, root_cert).try_build()?"
    );
    println!();
}
