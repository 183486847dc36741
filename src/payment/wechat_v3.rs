//! The facade's calls on WeChat Pay API v3, through the generated `wechatpay_v3`
//! client: the same unified requests and results as v2 (uniCloud's `wxpay` with
//! `version: 3`), amounts in fen, the provider's own words kept.

use super::notify::{Notification, NotifyError, NotifyReply, NotifyRequest, PaymentNotify};
use super::notify::{RefundNotify, Verified};
use super::types::*;
use super::{PaymentError, PaymentSettings, Provider, WechatPayV3Settings, WechatV3Hook};
use crate::crypto::cert_sn::{certificates, serial_hex};
use crate::wechatpay::{Bill, FundFlow};
use crate::wechatpay_v3::bill::{AccountType, BillType, FundFlowBillRequest, TradeBillRequest};
use crate::wechatpay_v3::pay::{
    AppRequest, CloseRequest, JsapiRequest, OrderAmount, Payer, QueryByIdRequest,
    QueryByOutTradeNoRequest,
};
use crate::wechatpay_v3::refund::{self, CreateOrder, RefundRequestAmount};
use crate::wechatpay_v3::{BillLocation, Client};

const WX: Provider = Provider::WechatPay;

/// The client the settings describe: `mchId`, the merchant private key and its
/// certificate serial (`serialNo`, or read from `appCert`), the APIv3 key (`v3Key`),
/// and how answers are verified: the WeChat Pay public key with its id, platform
/// certificates, or downloads.
pub(super) fn client(
    settings: &PaymentSettings,
    v3: &WechatPayV3Settings,
    base_url: Option<String>,
    http: Option<reqwest::Client>,
    hook: Option<WechatV3Hook>,
) -> Result<Client, PaymentError> {
    let fail = |reason: String| PaymentError::Settings {
        provider: WX,
        reason,
    };
    let mch_id = settings
        .mch_id
        .as_deref()
        .filter(|m| !m.is_empty())
        .ok_or_else(|| fail("mchId is required".into()))?;
    let private_key = settings
        .private_key
        .as_ref()
        .ok_or_else(|| fail("privateKey (the merchant API private key) is required".into()))?;
    let serial = match (&v3.serial_no, &v3.app_cert) {
        (Some(serial), _) => serial.clone(),
        (None, Some(cert)) => {
            let certs = certificates(cert).map_err(|e| fail(format!("appCert: {e}")))?;
            serial_hex(
                certs
                    .first()
                    .ok_or_else(|| fail("appCert holds no certificate".into()))?,
            )
        }
        (None, None) => {
            return Err(fail(
                "serialNo (or appCert, the merchant API certificate) is required".into(),
            ))
        }
    };
    let v3_key = v3
        .v3_key
        .as_ref()
        .ok_or_else(|| fail("v3Key (the APIv3 key) is required".into()))?;
    let mut builder = Client::builder(
        &settings.app_id,
        mch_id,
        serial,
        private_key.expose().clone(),
    )
    .api_v3_key(v3_key.expose().clone());
    if let (Some(id), Some(key)) = (&v3.wxpay_public_key_id, &v3.wxpay_public_key) {
        builder = builder.wechatpay_public_key(id.clone(), key.clone());
    }
    for pem in &v3.platform_certificates {
        builder = builder.platform_certificates(pem.clone());
    }
    if v3.download_platform_certificates {
        builder = builder.download_platform_certificates();
    }
    super::finish(builder, WX, settings, base_url, http, hook)
}

pub(super) async fn order_info(
    c: &Client,
    client_type: ClientType,
    r: OrderInfoRequest,
) -> Result<OrderInfo, PaymentError> {
    let call = "getOrderInfo";
    let description = r.body.or(r.subject).ok_or_else(|| {
        PaymentError::invalid(WX, call, "body (the goods description) is required")
    })?;
    let amount = OrderAmount::new(r.total_fee);
    let params_error = |e: crate::wechatpay_v3::ParamsError| PaymentError::Call {
        provider: WX,
        call,
        source: Box::new(e),
    };
    match client_type {
        ClientType::MpWeixin => {
            let openid = r.openid.ok_or_else(|| {
                PaymentError::invalid(WX, call, "openid is required in a mini program")
            })?;
            let order = JsapiRequest::new(
                description,
                r.out_trade_no,
                r.notify_url,
                amount,
                Payer::new(openid),
            );
            let placed = c
                .pay()
                .jsapi(order)
                .await
                .map_err(|e| PaymentError::from_call(WX, call, e))?;
            let p = c
                .mini_program_pay_params(&placed.prepay_id)
                .map_err(params_error)?;
            Ok(OrderInfo::WechatMiniProgram(
                crate::wechatpay::MiniProgramPayParams {
                    app_id: p.app_id,
                    time_stamp: p.time_stamp,
                    nonce_str: p.nonce_str,
                    package: p.package,
                    sign_type: p.sign_type,
                    pay_sign: p.pay_sign,
                },
            ))
        }
        ClientType::AppPlus => {
            let order = AppRequest::new(description, r.out_trade_no, r.notify_url, amount);
            let placed = c
                .pay()
                .app(order)
                .await
                .map_err(|e| PaymentError::from_call(WX, call, e))?;
            let p = c.app_pay_params(&placed.prepay_id).map_err(params_error)?;
            Ok(OrderInfo::WechatApp(crate::wechatpay::AppPayParams {
                appid: p.appid,
                partnerid: p.partnerid,
                prepayid: p.prepayid,
                package: p.package,
                noncestr: p.noncestr,
                timestamp: p.timestamp,
                sign: p.sign,
            }))
        }
        ClientType::MpAlipay => Err(PaymentError::unsupported(WX, "getOrderInfo for mp-alipay")),
    }
}

/// The unified result of either query's transaction object (the two answers have the
/// same fields under two generated types).
macro_rules! query_result {
    ($r:expr) => {{
        let r = $r;
        let provider_state = r.trade_state.as_str().to_owned();
        OrderQueryResult {
            app_id: Some(r.appid),
            mch_id: Some(r.mchid),
            out_trade_no: r.out_trade_no,
            transaction_id: r.transaction_id.into(),
            trade_state: TradeState::from_word(&provider_state),
            provider_state,
            total_fee: r.amount.as_ref().and_then(|a| a.total),
            settlement_total_fee: None,
            cash_fee: r.amount.as_ref().and_then(|a| a.payer_total),
            time_end: r.success_time,
            openid: r.payer.and_then(|p| p.openid),
        }
    }};
}

pub(super) async fn order_query(
    c: &Client,
    order: OrderRef,
) -> Result<OrderQueryResult, PaymentError> {
    let call = "orderQuery";
    Ok(match order {
        OrderRef::OutTradeNo(no) => query_result!(c
            .pay()
            .query_by_out_trade_no(QueryByOutTradeNoRequest::new(no))
            .await
            .map_err(|e| PaymentError::from_call(WX, call, e))?),
        OrderRef::TransactionId(id) => query_result!(c
            .pay()
            .query_by_id(QueryByIdRequest::new(id))
            .await
            .map_err(|e| PaymentError::from_call(WX, call, e))?),
    })
}

pub(super) async fn close_order(c: &Client, order: OrderRef) -> Result<CloseResult, PaymentError> {
    let OrderRef::OutTradeNo(no) = order else {
        return Err(PaymentError::invalid(
            WX,
            "closeOrder",
            "WeChat Pay closes orders by outTradeNo only",
        ));
    };
    c.pay()
        .close(CloseRequest::new(no.clone()))
        .await
        .map_err(|e| PaymentError::from_call(WX, "closeOrder", e))?;
    Ok(CloseResult {
        app_id: Some(c.app_id().to_owned()),
        mch_id: Some(c.mchid().to_owned()),
        out_trade_no: Some(no),
        transaction_id: None,
        retry_flag: None,
        action: None,
    })
}

pub(super) async fn refund(c: &Client, r: RefundRequest) -> Result<RefundResult, PaymentError> {
    let call = "refund";
    let out_refund_no = r
        .out_refund_no
        .ok_or_else(|| PaymentError::invalid(WX, call, "outRefundNo is required"))?;
    let total_fee = r.total_fee.ok_or_else(|| {
        PaymentError::invalid(WX, call, "totalFee (the order's amount) is required")
    })?;
    let order = match r.order {
        OrderRef::OutTradeNo(no) => CreateOrder::OutTradeNo { out_trade_no: no },
        OrderRef::TransactionId(id) => CreateOrder::TransactionId { transaction_id: id },
    };
    let mut amount = RefundRequestAmount::new(r.refund_fee, total_fee);
    if let Some(currency) = r.refund_fee_type {
        amount.currency = currency;
    }
    let mut request = refund::CreateRequest::new(out_refund_no, amount, order);
    if let Some(why) = r.refund_desc {
        request = request.reason(why);
    }
    if let Some(url) = r.notify_url {
        request = request.notify_url(url);
    }
    let done = c
        .refund()
        .create(request)
        .await
        .map_err(|e| PaymentError::from_call(WX, call, e))?;
    Ok(RefundResult {
        out_trade_no: done.out_trade_no,
        transaction_id: done.transaction_id,
        out_refund_no: Some(done.out_refund_no),
        refund_id: Some(done.refund_id),
        refund_fee: done.amount.refund,
        cash_refund_fee: Some(done.amount.payer_refund),
    })
}

pub(super) async fn refund_query(
    c: &Client,
    r: RefundQueryRequest,
) -> Result<RefundQueryResult, PaymentError> {
    let call = "refundQuery";
    let out_refund_no = r.out_refund_no.ok_or_else(|| {
        PaymentError::invalid(WX, call, "API v3 queries a refund by outRefundNo only")
    })?;
    let found = c
        .refund()
        .query(refund::QueryRequest::new(out_refund_no))
        .await
        .map_err(|e| PaymentError::from_call(WX, call, e))?;
    let status = found.status.as_str().to_owned();
    let item = RefundItem {
        out_refund_no: found.out_refund_no,
        refund_id: found.refund_id.clone(),
        refund_channel: Some(found.channel.as_str().to_owned()),
        refund_fee: found.amount.refund,
        settlement_refund_fee: Some(found.amount.settlement_refund),
        refund_status: status.clone(),
        coupon_refund_fee: Some(found.amount.discount_refund),
        coupon_refund_count: None,
        refund_account: found.funds_account.map(|a| a.as_str().to_owned()),
        refund_recv_accout: Some(found.user_received_account),
        refund_success_time: found.success_time,
        coupon_list: None,
    };
    Ok(RefundQueryResult {
        out_trade_no: Some(found.out_trade_no),
        transaction_id: Some(found.transaction_id),
        total_fee: Some(found.amount.total),
        refund_id: Some(found.refund_id),
        refund_fee: found.amount.refund,
        refund_desc: None,
        refund_status: Some(status),
        refund_list: Some(vec![item]),
        refund_royaltys: None,
    })
}

/// uniCloud's `yyyyMMdd` (v2's) or API v3's `yyyy-MM-dd`, as API v3 takes it.
fn v3_date(call: &'static str, date: &str) -> Result<String, PaymentError> {
    let digits = date.bytes().all(|b| b.is_ascii_digit());
    match date.len() {
        8 if digits => Ok(format!("{}-{}-{}", &date[..4], &date[4..6], &date[6..])),
        10 => Ok(date.to_owned()),
        _ => Err(PaymentError::invalid(
            WX,
            call,
            format!("billDate {date:?} is neither yyyyMMdd nor yyyy-MM-dd"),
        )),
    }
}

pub(super) async fn download_bill(
    c: &Client,
    bill_date: &str,
    bill_type: Option<&str>,
) -> Result<Statement<Bill>, PaymentError> {
    let call = "downloadBill";
    let mut request = TradeBillRequest::new(v3_date(call, bill_date)?);
    if let Some(word) = bill_type {
        let kind: BillType = word
            .parse()
            .map_err(|e| PaymentError::invalid(WX, call, format!("billType: {e}")))?;
        request = request.bill_type(kind);
    }
    let located = c
        .bill()
        .trade_bill(request)
        .await
        .map_err(|e| PaymentError::from_call(WX, call, e))?;
    let text = fetch(
        c,
        call,
        &located.download_url,
        located.hash_type.as_str(),
        &located.hash_value,
    )
    .await?;
    statement(call, text, Bill::parse)
}

pub(super) async fn download_fundflow(
    c: &Client,
    bill_date: &str,
    account_type: Option<&str>,
) -> Result<Statement<FundFlow>, PaymentError> {
    let call = "downloadFundflow";
    let mut request = FundFlowBillRequest::new(v3_date(call, bill_date)?);
    if let Some(word) = account_type {
        let account: AccountType = word
            .to_ascii_uppercase()
            .parse()
            .map_err(|e| PaymentError::invalid(WX, call, format!("accountType: {e}")))?;
        request = request.account_type(account);
    }
    let located = c
        .bill()
        .fund_flow_bill(request)
        .await
        .map_err(|e| PaymentError::from_call(WX, call, e))?;
    let text = fetch(
        c,
        call,
        &located.download_url,
        located.hash_type.as_str(),
        &located.hash_value,
    )
    .await?;
    statement(call, text, FundFlow::parse)
}

async fn fetch(
    c: &Client,
    call: &'static str,
    download_url: &str,
    hash_type: &str,
    hash_value: &str,
) -> Result<Vec<u8>, PaymentError> {
    c.download_bill(BillLocation {
        download_url,
        hash_type,
        hash_value,
    })
    .await
    .map_err(|e| PaymentError::Call {
        provider: WX,
        call,
        source: Box::new(e),
    })
}

fn statement<T>(
    call: &'static str,
    bytes: Vec<u8>,
    parse: fn(&[u8]) -> Result<T, crate::wechatpay::BillError>,
) -> Result<Statement<T>, PaymentError> {
    let parsed = parse(&bytes).map_err(|e| PaymentError::Call {
        provider: WX,
        call,
        source: Box::new(e),
    })?;
    Ok(Statement {
        content: String::from_utf8_lossy(&bytes).into_owned(),
        parsed,
    })
}

/// API v3 posts one JSON envelope for both kinds, told apart by its `event_type`: a
/// routing peek only — the chosen verifier checks the signature, decrypts and types.
pub(super) fn verify_notify(
    c: &Client,
    request: NotifyRequest<'_>,
) -> Result<Verified<Notification>, NotifyError> {
    if let Some(media) = request.media_type() {
        if media != "application/json" {
            return Err(NotifyError::ContentType {
                provider: WX,
                expected: "JSON",
                got: crate::runtime::bounded_message(media),
            });
        }
    }
    #[derive(serde::Deserialize)]
    struct Peek {
        #[serde(default)]
        event_type: String,
    }
    // Within the size either verifier accepts, else left to the payment verifier to
    // refuse: nothing past that size is read.
    let within = request.body.len() <= crate::wechatpay_v3::MAX_NOTIFICATION_BYTES;
    let refund = within
        && serde_json::from_slice::<Peek>(request.body)
            .is_ok_and(|p| p.event_type.starts_with("REFUND."));
    let notification = if refund {
        let n = c
            .verify_refund_notification(request.headers, request.body)
            .map_err(NotifyError::WechatPayV3)?;
        let r = n.resource;
        Notification::Refund(RefundNotify {
            total_fee: Some(r.amount.total),
            refund_fee: r.amount.refund,
            settlement_total_fee: None,
            settlement_refund_fee: Some(r.amount.payer_refund),
            out_trade_no: r.out_trade_no,
            transaction_id: r.transaction_id,
            refund_id: Some(r.refund_id),
            out_refund_no: Some(r.out_refund_no),
            refund_status: r.refund_status,
            refund_account: None,
            refund_recv_accout: Some(r.user_received_account),
            success_time: r.success_time,
        })
    } else {
        let n = c
            .verify_payment_notification(request.headers, request.body)
            .map_err(NotifyError::WechatPayV3)?;
        let t = n.resource;
        let provider_state = t.trade_state.as_str().to_owned();
        let total =
            t.amount.as_ref().and_then(|a| a.total).ok_or_else(|| {
                NotifyError::Malformed("the transaction has no amount.total".into())
            })?;
        Notification::Payment(PaymentNotify {
            total_fee: total,
            cash_fee: t.amount.as_ref().and_then(|a| a.payer_total),
            fee_type: t.amount.as_ref().and_then(|a| a.currency.clone()),
            out_trade_no: t.out_trade_no,
            transaction_id: t.transaction_id.unwrap_or_default(),
            time_end: t.success_time,
            openid: t.payer.and_then(|p| p.openid),
            trade_state: TradeState::from_word(&provider_state),
            provider_state,
        })
    };
    let (status, body) = crate::wechatpay_v3::reply_success();
    Ok(Verified {
        notification,
        reply: NotifyReply {
            status,
            content_type: "application/json",
            body,
        },
    })
}

pub(super) fn reply_fail(reason: &str) -> NotifyReply {
    let (status, body) = crate::wechatpay_v3::reply_fail(500, reason);
    NotifyReply {
        status,
        content_type: "application/json",
        body,
    }
}
