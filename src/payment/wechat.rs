//! The facade's calls on WeChat Pay v2, through the generated `wechatpay` client.

use super::notify::{Notification, NotifyError, NotifyReply, NotifyRequest, PaymentNotify};
use super::notify::{RefundNotify, Verified};
use super::types::*;
use super::{PaymentError, PaymentSettings, Provider, WechatHook};
use crate::runtime::{ApiError, ClientIdentity};
use crate::wechatpay::pay::{
    AccountType, BillType, CloseOrderRequest, DownloadBillError, DownloadBillRequest,
    DownloadFundflowError, DownloadFundflowRequest, OrderQueryOrder, OrderQueryRequest,
    RefundOrder, RefundQueryBy, TradeType, UnifiedOrderRequest,
};
use crate::wechatpay::{self as wx, unparsable, Bill, BillError, Client, FundFlow, SignType};

const WX: Provider = Provider::WechatPay;

/// The client the settings describe: `mchId` and `key` required, `pfx` opened with the
/// `mchId` as its password, `signType` MD5 or HMAC-SHA256.
pub(super) fn client(
    settings: &PaymentSettings,
    base_url: Option<String>,
    http: Option<reqwest::Client>,
    hook: Option<WechatHook>,
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
    let key = settings
        .key
        .as_ref()
        .filter(|k| !k.expose().is_empty())
        .ok_or_else(|| fail("key (the merchant API key) is required".into()))?;
    let mut builder = Client::builder(&settings.app_id, mch_id, key.expose().clone());
    builder = match settings.sign_type.as_deref() {
        None => builder,
        Some(word) => builder.sign_type(SignType::from_wire(Some(word)).ok_or_else(|| {
            fail(format!(
                "signType {word:?}: WeChat Pay signs with MD5 or HMAC-SHA256"
            ))
        })?),
    };
    if let Some(pfx) = &settings.pfx {
        let identity = ClientIdentity::from_pkcs12(pfx.expose(), mch_id)
            .map_err(|e| fail(format!("pfx: {e}")))?;
        builder = builder
            .client_certificate(identity)
            .map_err(|e| fail(format!("pfx: {e}")))?;
    }
    super::finish(builder, WX, settings, base_url, http, hook)
}

pub(super) async fn order_info(
    c: &Client,
    client_type: ClientType,
    r: OrderInfoRequest,
) -> Result<OrderInfo, PaymentError> {
    let call = "getOrderInfo";
    let trade_type = match client_type {
        ClientType::MpWeixin => TradeType::Jsapi,
        ClientType::AppPlus => TradeType::App,
        ClientType::MpAlipay => {
            return Err(PaymentError::unsupported(WX, "getOrderInfo for mp-alipay"))
        }
    };
    let body = r.body.ok_or_else(|| {
        PaymentError::invalid(WX, call, "body (the goods description) is required")
    })?;
    let ip = r.spbill_create_ip.unwrap_or_else(|| "127.0.0.1".to_owned());
    let in_mini_program = trade_type == TradeType::Jsapi;
    let mut order = UnifiedOrderRequest::new(
        body,
        r.out_trade_no,
        r.total_fee,
        ip,
        r.notify_url,
        trade_type,
    );
    if in_mini_program {
        let openid = r.openid.ok_or_else(|| {
            PaymentError::invalid(WX, call, "openid is required in a mini program")
        })?;
        order = order.openid(openid);
    }
    let placed = c
        .pay()
        .unified_order(order)
        .await
        .map_err(|e| PaymentError::from_call(WX, call, e))?;
    Ok(match client_type {
        ClientType::AppPlus => OrderInfo::WechatApp(c.app_pay_params(&placed.prepay_id)),
        _ => OrderInfo::WechatMiniProgram(c.mini_program_pay_params(&placed.prepay_id)),
    })
}

pub(super) async fn order_query(
    c: &Client,
    order: OrderRef,
) -> Result<OrderQueryResult, PaymentError> {
    let by = order.choose(
        OrderQueryOrder::out_trade_no,
        OrderQueryOrder::transaction_id,
    );
    let r = c
        .pay()
        .order_query(OrderQueryRequest::new(by))
        .await
        .map_err(|e| PaymentError::from_call(WX, "orderQuery", e))?;
    let provider_state = r.trade_state.as_str().to_owned();
    Ok(OrderQueryResult {
        app_id: Some(c.app_id().to_owned()),
        mch_id: Some(c.mch_id().to_owned()),
        out_trade_no: r.out_trade_no,
        transaction_id: r.transaction_id,
        trade_state: TradeState::from_word(&provider_state),
        provider_state,
        total_fee: r.total_fee,
        settlement_total_fee: r.settlement_total_fee,
        cash_fee: r.cash_fee,
        time_end: r.time_end,
        openid: r.openid,
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
        .close_order(CloseOrderRequest::new(no.clone()))
        .await
        .map_err(|e| PaymentError::from_call(WX, "closeOrder", e))?;
    Ok(CloseResult {
        app_id: Some(c.app_id().to_owned()),
        mch_id: Some(c.mch_id().to_owned()),
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
    let order = r
        .order
        .choose(RefundOrder::out_trade_no, RefundOrder::transaction_id);
    let mut request = wx::pay::RefundRequest::new(out_refund_no, total_fee, r.refund_fee, order);
    if let Some(currency) = r.refund_fee_type {
        request = request.refund_fee_type(currency);
    }
    if let Some(why) = r.refund_desc {
        request = request.refund_desc(why);
    }
    if let Some(url) = r.notify_url {
        request = request.notify_url(url);
    }
    let done = c
        .pay()
        .refund(request)
        .await
        .map_err(|e| PaymentError::from_call(WX, call, e))?;
    Ok(RefundResult {
        out_trade_no: done.out_trade_no,
        transaction_id: done.transaction_id,
        out_refund_no: Some(done.out_refund_no),
        refund_id: Some(done.refund_id),
        refund_fee: done.refund_fee,
        cash_refund_fee: done.cash_refund_fee,
    })
}

pub(super) async fn refund_query(
    c: &Client,
    r: RefundQueryRequest,
) -> Result<RefundQueryResult, PaymentError> {
    // WeChat Pay's own precedence when several are given:
    // refund_id > out_refund_no > transaction_id > out_trade_no.
    let by = if let Some(id) = r.refund_id {
        RefundQueryBy::refund_id(id)
    } else if let Some(no) = r.out_refund_no {
        RefundQueryBy::out_refund_no(no)
    } else {
        match r.order {
            Some(OrderRef::TransactionId(id)) => RefundQueryBy::transaction_id(id),
            Some(OrderRef::OutTradeNo(no)) => RefundQueryBy::out_trade_no(no),
            None => {
                return Err(PaymentError::invalid(
                    WX,
                    "refundQuery",
                    "one of outTradeNo, transactionId, outRefundNo, refundId is required",
                ))
            }
        }
    };
    let mut request = wx::pay::RefundQueryRequest::new(by);
    if let Some(offset) = r.offset {
        request = request.offset(offset);
    }
    let found = c
        .pay()
        .refund_query(request)
        .await
        .map_err(|e| PaymentError::from_call(WX, "refundQuery", e))?;
    let items: Vec<RefundItem> = found
        .refunds
        .unwrap_or_default()
        .into_iter()
        .map(|item| RefundItem {
            out_refund_no: item.out_refund_no,
            refund_id: item.refund_id,
            refund_channel: item.refund_channel.map(|c| c.as_str().to_owned()),
            refund_fee: item.refund_fee,
            settlement_refund_fee: item.settlement_refund_fee,
            refund_status: item.refund_status.as_str().to_owned(),
            coupon_refund_fee: item.coupon_refund_fee,
            coupon_refund_count: item.coupon_refund_count,
            refund_account: item.refund_account,
            refund_recv_accout: item.refund_recv_accout,
            refund_success_time: item.refund_success_time,
            coupon_list: item.coupons.map(|coupons| {
                coupons
                    .into_iter()
                    .map(|c| RefundCoupon {
                        coupon_type: c.coupon_type,
                        coupon_refund_id: c.coupon_refund_id,
                        coupon_refund_fee: c.coupon_refund_fee,
                    })
                    .collect()
            }),
        })
        .collect();
    Ok(RefundQueryResult {
        out_trade_no: found.out_trade_no,
        transaction_id: found.transaction_id,
        total_fee: found.total_fee,
        refund_id: None,
        refund_fee: items.iter().map(|i| i.refund_fee).sum(),
        refund_desc: None,
        refund_status: None,
        refund_list: Some(items),
        refund_royaltys: None,
    })
}

pub(super) async fn download_bill(
    c: &Client,
    bill_date: &str,
    bill_type: Option<&str>,
) -> Result<Statement<Bill>, PaymentError> {
    let call = "downloadBill";
    let mut request = DownloadBillRequest::new(bill_date);
    if let Some(word) = bill_type {
        let kind: BillType = word
            .parse()
            .map_err(|e| PaymentError::invalid(WX, call, format!("billType: {e}")))?;
        request = request.bill_type(kind);
    }
    let media = c
        .pay()
        .download_bill(request)
        .await
        .map_err(|e| PaymentError::from_call(WX, call, e))?;
    statement::<_, DownloadBillError>(call, "pay.downloadBill", &media.bytes, Bill::parse)
}

pub(super) async fn download_fundflow(
    c: &Client,
    bill_date: &str,
    account_type: Option<&str>,
) -> Result<Statement<FundFlow>, PaymentError> {
    let call = "downloadFundflow";
    let account = match account_type {
        None => AccountType::Basic,
        Some(word) => word
            .parse()
            .map_err(|e| PaymentError::invalid(WX, call, format!("accountType: {e}")))?,
    };
    let media = c
        .pay()
        .download_fundflow(DownloadFundflowRequest::new(bill_date, account))
        .await
        .map_err(|e| PaymentError::from_call(WX, call, e))?;
    statement::<_, DownloadFundflowError>(
        call,
        "pay.downloadFundflow",
        &media.bytes,
        FundFlow::parse,
    )
}

/// The statement's text and its parse; a text that does not parse fails as the
/// client's own `download_bill` reports it (a decode error keeping the body's start).
fn statement<T, E: ApiError>(
    call: &'static str,
    endpoint: &'static str,
    bytes: &[u8],
    parse: fn(&[u8]) -> Result<T, BillError>,
) -> Result<Statement<T>, PaymentError> {
    let parsed = parse(bytes)
        .map_err(|e| PaymentError::from_call(WX, call, unparsable::<E>(endpoint, bytes, e)))?;
    Ok(Statement {
        content: String::from_utf8_lossy(bytes).into_owned(),
        parsed,
    })
}

/// WeChat Pay posts XML; a refund notification is told apart by its encrypted
/// `req_info` (it carries no sign), a payment notification by its sign.
pub(super) fn verify_notify(
    c: &Client,
    request: NotifyRequest<'_>,
) -> Result<Verified<Notification>, NotifyError> {
    if let Some(media) = request.media_type() {
        if !media.contains("xml") && media != "text/plain" {
            return Err(NotifyError::ContentType {
                provider: WX,
                expected: "XML",
                got: crate::runtime::bounded_message(media),
            });
        }
    }
    let notification = if has_req_info(request.body) {
        let n = c
            .decrypt_refund_notification(request.body)
            .map_err(NotifyError::WechatPay)?;
        Notification::Refund(RefundNotify {
            total_fee: Some(n.total_fee),
            refund_fee: n.refund_fee,
            settlement_total_fee: n.settlement_total_fee,
            settlement_refund_fee: Some(n.settlement_refund_fee),
            out_trade_no: n.out_trade_no,
            transaction_id: n.transaction_id,
            refund_id: Some(n.refund_id),
            out_refund_no: Some(n.out_refund_no),
            refund_status: n.refund_status,
            refund_account: n.refund_account,
            refund_recv_accout: n.refund_recv_accout,
            success_time: n.success_time,
        })
    } else {
        let n = c
            .verify_payment_notification(request.body)
            .map_err(NotifyError::WechatPay)?;
        let paid = n.is_paid();
        Notification::Payment(PaymentNotify {
            total_fee: n.total_fee,
            cash_fee: Some(n.cash_fee),
            fee_type: n.fee_type,
            out_trade_no: n.out_trade_no,
            transaction_id: n.transaction_id,
            time_end: Some(n.time_end),
            openid: Some(n.openid),
            trade_state: if paid {
                TradeState::Success
            } else {
                TradeState::PayError
            },
            provider_state: n.result_code,
        })
    };
    Ok(Verified {
        notification,
        reply: NotifyReply {
            status: 200,
            content_type: "text/xml; charset=utf-8",
            body: wx::reply_success(),
        },
    })
}

/// Looks for the element without trusting the body further: the chosen path parses
/// and checks it.
fn has_req_info(body: &[u8]) -> bool {
    body.windows(b"<req_info>".len())
        .any(|w| w == b"<req_info>")
}

pub(super) fn reply_fail(reason: &str) -> NotifyReply {
    NotifyReply {
        status: 200,
        content_type: "text/xml; charset=utf-8",
        body: wx::reply_fail(reason),
    }
}
