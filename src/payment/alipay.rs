//! The facade's calls on Alipay, through the generated `alipay` client.

use super::notify::{Notification, NotifyError, NotifyReply, NotifyRequest, PaymentNotify};
use super::notify::{RefundNotify, Verified};
use super::types::*;
use super::{AlipayHook, PaymentError, PaymentSettings, Provider};
use crate::alipay::trade::{
    AppPayRequest, CancelOrder, CancelRequest, CloseOrder, CloseRequest, CreateRequest, QueryOrder,
    QueryRequest, RefundOrder, RefundQueryOrder, TradeFundBill, TradeStatus,
};
use crate::alipay::{self as ali, Client};

const ALI: Provider = Provider::Alipay;

/// The client the settings describe: `privateKey` and `alipayPublicKey` required (an
/// Alipay client without the public key would have nothing to verify answers with),
/// `keyType` enforced, `signType` RSA2 only.
pub(super) fn client(
    settings: &PaymentSettings,
    base_url: Option<String>,
    http: Option<reqwest::Client>,
    hook: Option<AlipayHook>,
) -> Result<Client, PaymentError> {
    let fail = |reason: String| PaymentError::Settings {
        provider: ALI,
        reason,
    };
    match settings.sign_type.as_deref() {
        None | Some("RSA2") => {}
        Some(other) => {
            return Err(fail(format!(
                "signType {other:?}: only RSA2 (SHA256withRSA) is supported"
            )))
        }
    }
    let private_key = settings
        .private_key
        .as_ref()
        .filter(|k| !k.expose().is_empty())
        .ok_or_else(|| fail("privateKey (the app private key) is required".into()))?;
    let alipay_key = settings
        .alipay_public_key
        .as_deref()
        .filter(|k| !k.is_empty())
        .ok_or_else(|| {
            fail(
                "alipayPublicKey is required: answers and notifications are verified with it"
                    .into(),
            )
        })?;
    let mut builder = Client::builder(&settings.app_id, private_key.expose().clone(), alipay_key);
    if let Some(format) = settings.key_type {
        builder = builder.key_format(format);
    }
    super::finish(builder, ALI, settings, base_url, http, hook)
}

/// Alipay user ids are 16 digits starting 2088 (`buyer_id`); anything else is the
/// newer per-app open id (`buyer_open_id`).
fn is_user_id(openid: &str) -> bool {
    openid.len() == 16 && openid.starts_with("2088") && openid.bytes().all(|b| b.is_ascii_digit())
}

pub(super) async fn order_info(
    c: &Client,
    client_type: ClientType,
    r: OrderInfoRequest,
) -> Result<OrderInfo, PaymentError> {
    let call = "getOrderInfo";
    let subject = r
        .subject
        .ok_or_else(|| PaymentError::invalid(ALI, call, "subject (the order title) is required"))?;
    match client_type {
        ClientType::MpWeixin => Err(PaymentError::unsupported(ALI, "getOrderInfo for mp-weixin")),
        ClientType::MpAlipay => {
            let openid = r.openid.ok_or_else(|| {
                PaymentError::invalid(
                    ALI,
                    call,
                    "openid (the buyer's user id or open id) is required in a mini program",
                )
            })?;
            let mut create =
                CreateRequest::new(r.out_trade_no, r.total_fee, subject).notify_url(r.notify_url);
            create = if is_user_id(&openid) {
                create.buyer_id(openid)
            } else {
                create.buyer_open_id(openid)
            };
            if let Some(body) = r.body {
                create = create.body(body);
            }
            let trade = c
                .trade()
                .create(create)
                .await
                .map_err(|e| PaymentError::from_call(ALI, call, e))?;
            Ok(OrderInfo::AlipayTradeNo(trade.trade_no))
        }
        ClientType::AppPlus => {
            let mut order =
                AppPayRequest::new(r.out_trade_no, r.total_fee, subject).notify_url(r.notify_url);
            if let Some(body) = r.body {
                order = order.body(body);
            }
            let signed = c
                .app_pay_order_string(&order)
                .await
                .map_err(|e| PaymentError::from_call(ALI, call, e))?;
            Ok(OrderInfo::AlipayOrderString(signed))
        }
    }
}

/// uniCloud's word for an Alipay trade status.
fn unified(status: &TradeStatus) -> TradeState {
    match status {
        TradeStatus::WaitBuyerPay => TradeState::UserPaying,
        TradeStatus::TradeSuccess => TradeState::Success,
        TradeStatus::TradeClosed => TradeState::Closed,
        TradeStatus::TradeFinished => TradeState::Finished,
        other => TradeState::Other(other.as_str().to_owned()),
    }
}

/// `yyyy-MM-dd HH:mm:ss` → uniCloud's `yyyyMMddHHmmss` (both Beijing time); other
/// text is kept as it came.
fn compact_time(text: String) -> String {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    if digits.len() == 14 {
        digits
    } else {
        text
    }
}

pub(super) async fn order_query(
    c: &Client,
    order: OrderRef,
) -> Result<OrderQueryResult, PaymentError> {
    let by = order.choose(QueryOrder::out_trade_no, QueryOrder::trade_no);
    let r = c
        .trade()
        .query(QueryRequest::new(by))
        .await
        .map_err(|e| PaymentError::from_call(ALI, "orderQuery", e))?;
    Ok(OrderQueryResult {
        app_id: None,
        mch_id: None,
        out_trade_no: r.out_trade_no,
        transaction_id: r.trade_no,
        trade_state: unified(&r.trade_status),
        provider_state: r.trade_status.as_str().to_owned(),
        total_fee: Some(r.total_amount),
        settlement_total_fee: r.receipt_amount,
        cash_fee: r.buyer_pay_amount,
        time_end: r.send_pay_date.map(compact_time),
        openid: r.buyer_open_id.or(r.buyer_user_id),
    })
}

pub(super) async fn close_order(c: &Client, order: OrderRef) -> Result<CloseResult, PaymentError> {
    let by = order.choose(CloseOrder::out_trade_no, CloseOrder::trade_no);
    let r = c
        .trade()
        .close(CloseRequest::new(by))
        .await
        .map_err(|e| PaymentError::from_call(ALI, "closeOrder", e))?;
    Ok(CloseResult {
        app_id: None,
        mch_id: None,
        out_trade_no: r.out_trade_no,
        transaction_id: r.trade_no,
        retry_flag: None,
        action: None,
    })
}

pub(super) async fn cancel_order(c: &Client, order: OrderRef) -> Result<CloseResult, PaymentError> {
    let by = order.choose(CancelOrder::out_trade_no, CancelOrder::trade_no);
    let r = c
        .trade()
        .cancel(CancelRequest::new(by))
        .await
        .map_err(|e| PaymentError::from_call(ALI, "cancelOrder", e))?;
    Ok(CloseResult {
        app_id: None,
        mch_id: None,
        out_trade_no: Some(r.out_trade_no),
        transaction_id: r.trade_no,
        retry_flag: Some(r.retry_flag),
        action: r.action.map(|a| a.as_str().to_owned()),
    })
}

pub(super) async fn refund(c: &Client, r: RefundRequest) -> Result<RefundResult, PaymentError> {
    let call = "refund";
    if r.notify_url.is_some() {
        return Err(PaymentError::invalid(
            ALI,
            call,
            "notifyUrl: Alipay takes none for refunds; it notifies them at the trade's notify_url",
        ));
    }
    if let Some(currency) = r.refund_fee_type.as_deref().filter(|c| *c != "CNY") {
        return Err(PaymentError::invalid(
            ALI,
            call,
            format!("refundFeeType {currency:?}: Alipay refunds in the trade's currency (CNY)"),
        ));
    }
    // Alipay numbers a refund asked without out_request_no like its trade.
    let out_refund_no = r
        .out_refund_no
        .clone()
        .or_else(|| r.order.as_out_trade_no().map(str::to_owned));
    let order = r
        .order
        .choose(RefundOrder::out_trade_no, RefundOrder::trade_no);
    let mut request = ali::trade::RefundRequest::new(r.refund_fee, order);
    if let Some(no) = r.out_refund_no {
        request = request.out_request_no(no);
    }
    if let Some(why) = r.refund_desc {
        request = request.refund_reason(why);
    }
    let done = c
        .trade()
        .refund(request)
        .await
        .map_err(|e| PaymentError::from_call(ALI, call, e))?;
    Ok(RefundResult {
        out_refund_no: out_refund_no.or_else(|| Some(done.out_trade_no.clone())),
        out_trade_no: done.out_trade_no,
        transaction_id: done.trade_no,
        refund_id: None,
        refund_fee: done.refund_fee,
        cash_refund_fee: None,
    })
}

fn royalty(bill: TradeFundBill) -> RefundRoyalty {
    RefundRoyalty {
        fund_channel: bill.fund_channel,
        bank_code: bill.bank_code,
        amount: bill.amount,
        real_amount: bill.real_amount,
        fund_type: bill.fund_type,
    }
}

pub(super) async fn refund_query(
    c: &Client,
    r: RefundQueryRequest,
) -> Result<RefundQueryResult, PaymentError> {
    let call = "refundQuery";
    if r.refund_id.is_some() {
        return Err(PaymentError::invalid(
            ALI,
            call,
            "refundId is WeChat Pay's; Alipay finds a refund by its order and outRefundNo",
        ));
    }
    let order = r.order.ok_or_else(|| {
        PaymentError::invalid(ALI, call, "outTradeNo or transactionId is required")
    })?;
    let out_request_no = r
        .out_refund_no
        .or_else(|| order.as_out_trade_no().map(str::to_owned))
        .ok_or_else(|| {
            PaymentError::invalid(
                ALI,
                call,
                "outRefundNo is required when the order is named by transactionId",
            )
        })?;
    let by = order.choose(RefundQueryOrder::out_trade_no, RefundQueryOrder::trade_no);
    let found = c
        .trade()
        .refund_query(ali::trade::RefundQueryRequest::new(
            out_request_no.clone(),
            by,
        ))
        .await
        .map_err(|e| PaymentError::from_call(ALI, call, e))?;
    Ok(RefundQueryResult {
        out_trade_no: found.out_trade_no,
        transaction_id: found.trade_no,
        total_fee: found.total_amount,
        refund_id: found.out_request_no.or(Some(out_request_no)),
        refund_fee: found.refund_amount.unwrap_or(0),
        refund_desc: found.refund_reason,
        refund_status: found.refund_status.map(|s| s.as_str().to_owned()),
        refund_list: None,
        refund_royaltys: found
            .refund_detail_item_list
            .map(|bills| bills.into_iter().map(royalty).collect()),
    })
}

/// Alipay posts forms; a refund is a trade notification that carries the refund
/// (`refund_fee` with `out_biz_no` or `gmt_refund`).
pub(super) fn verify_notify(
    c: &Client,
    request: NotifyRequest<'_>,
) -> Result<Verified<Notification>, NotifyError> {
    if let Some(media) = request.media_type() {
        if media != "application/x-www-form-urlencoded" {
            return Err(NotifyError::ContentType {
                provider: ALI,
                expected: "application/x-www-form-urlencoded",
                got: crate::runtime::bounded_message(media),
            });
        }
    }
    let n = c
        .checked_notification(request.body, ali::Params::Drop)
        .map_err(NotifyError::Alipay)?;
    let is_refund = n.refund_fee.is_some() && (n.out_biz_no.is_some() || n.gmt_refund.is_some());
    let notification = if is_refund {
        Notification::Refund(RefundNotify {
            total_fee: n.total_amount,
            refund_fee: n.refund_fee.unwrap_or_default(),
            settlement_total_fee: n.receipt_amount,
            settlement_refund_fee: None,
            out_trade_no: n.out_trade_no,
            transaction_id: n.trade_no,
            refund_id: None,
            out_refund_no: n.out_biz_no,
            refund_status: "SUCCESS".to_owned(),
            refund_account: None,
            refund_recv_accout: None,
            success_time: n.gmt_refund,
        })
    } else {
        let total_fee = n.total_amount.ok_or_else(|| {
            NotifyError::Malformed("a payment notification without total_amount".into())
        })?;
        Notification::Payment(PaymentNotify {
            total_fee,
            cash_fee: n.buyer_pay_amount,
            fee_type: None,
            out_trade_no: n.out_trade_no,
            transaction_id: n.trade_no,
            time_end: n.gmt_payment.map(compact_time),
            openid: n.buyer_open_id.or(n.buyer_id),
            trade_state: unified(&n.trade_status),
            provider_state: n.trade_status.as_str().to_owned(),
        })
    };
    Ok(Verified {
        notification,
        reply: NotifyReply {
            status: 200,
            content_type: "text/plain; charset=utf-8",
            body: ali::reply_success().to_owned(),
        },
    })
}

pub(super) fn reply_fail() -> NotifyReply {
    NotifyReply {
        status: 200,
        content_type: "text/plain; charset=utf-8",
        body: ali::reply_fail().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alipay_states_map_to_unicloud_words() {
        let cases = [
            (TradeStatus::WaitBuyerPay, "USERPAYING"),
            (TradeStatus::TradeSuccess, "SUCCESS"),
            (TradeStatus::TradeClosed, "CLOSED"),
            (TradeStatus::TradeFinished, "FINISHED"),
            (TradeStatus::Other("TRADE_PENDING".into()), "TRADE_PENDING"),
        ];
        for (status, word) in cases {
            assert_eq!(unified(&status).as_str(), word, "{status:?}");
        }
    }

    #[test]
    fn payment_times_become_unicloud_spelling_or_stay_as_sent() {
        assert_eq!(compact_time("2024-01-02 03:04:05".into()), "20240102030405");
        assert_eq!(compact_time("20240102030405".into()), "20240102030405");
        assert_eq!(compact_time("yesterday".into()), "yesterday");
        assert_eq!(compact_time("2024-01-02".into()), "2024-01-02");
    }

    #[test]
    fn user_ids_and_open_ids_are_told_apart() {
        assert!(is_user_id("2088102177846880"));
        assert!(!is_user_id("208810217784688")); // 15 digits
        assert!(!is_user_id("1088102177846880"));
        assert!(!is_user_id(
            "074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5"
        ));
    }
}
