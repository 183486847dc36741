//! The facade's requests and results, in uniCloud's shape: amounts in integer fen,
//! names in uniCloud's camelCase (`outTradeNo`, `totalFee`, `transactionId`,
//! `refundList`, …) so a Rust backend can hand them to a uni-app client unchanged.
//! Both providers fill the same types; a field one provider does not have is `None`
//! and left out of the JSON.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The order a call is about: the merchant's number or the provider's (WeChat's
/// `transaction_id`, Alipay's `trade_no`). uniCloud's "outTradeNo 和 transactionId 二选一".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum OrderRef {
    /// The merchant's order number (`out_trade_no`).
    OutTradeNo(String),
    /// The provider's order number (WeChat `transaction_id`, Alipay `trade_no`).
    TransactionId(String),
}

impl OrderRef {
    /// By the merchant's order number.
    pub fn out_trade_no(no: impl Into<String>) -> Self {
        OrderRef::OutTradeNo(no.into())
    }
    /// By the provider's order number.
    pub fn transaction_id(id: impl Into<String>) -> Self {
        OrderRef::TransactionId(id.into())
    }
    /// The provider's spelling of this choice (each generated request has its own
    /// "out_trade_no or the provider's number" type).
    pub(super) fn choose<T>(
        self,
        by_out_trade_no: impl FnOnce(String) -> T,
        by_provider_no: impl FnOnce(String) -> T,
    ) -> T {
        match self {
            OrderRef::OutTradeNo(no) => by_out_trade_no(no),
            OrderRef::TransactionId(id) => by_provider_no(id),
        }
    }
    /// The merchant's order number, when that is what names the order.
    pub fn as_out_trade_no(&self) -> Option<&str> {
        match self {
            OrderRef::OutTradeNo(no) => Some(no),
            OrderRef::TransactionId(_) => None,
        }
    }
}

/// The client that will pay: it decides what `getOrderInfo` makes (uniCloud's
/// `clientType`, uni-app's platform names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ClientType {
    /// A WeChat mini program (`wx.requestPayment`), or an Alipay mini program
    /// (`my.tradePay`) when the provider is Alipay: `mp-weixin` / `mp-alipay`.
    #[serde(rename = "mp-weixin")]
    MpWeixin,
    /// An Alipay mini program (`my.tradePay({ tradeNO })`).
    #[serde(rename = "mp-alipay")]
    MpAlipay,
    /// A uni-app App (`uni.requestPayment({ provider, orderInfo })`), either provider.
    #[serde(rename = "app-plus")]
    AppPlus,
}

impl ClientType {
    /// The uni-app name: `mp-weixin`, `mp-alipay`, `app-plus`.
    pub fn as_str(self) -> &'static str {
        match self {
            ClientType::MpWeixin => "mp-weixin",
            ClientType::MpAlipay => "mp-alipay",
            ClientType::AppPlus => "app-plus",
        }
    }
}

impl fmt::Display for ClientType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ClientType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "mp-weixin" => Ok(ClientType::MpWeixin),
            "mp-alipay" => Ok(ClientType::MpAlipay),
            "app-plus" | "app" => Ok(ClientType::AppPlus),
            other => Err(format!(
                "unknown clientType {other:?}: mp-weixin, mp-alipay or app-plus"
            )),
        }
    }
}

/// An order's state, the same words for both providers (uniCloud's `tradeState`).
/// Alipay's states map as uniCloud documents them: `WAIT_BUYER_PAY` → `USERPAYING`,
/// `TRADE_SUCCESS` → `SUCCESS`, `TRADE_CLOSED` → `CLOSED`, `TRADE_FINISHED` →
/// `FINISHED`. The provider's own word is kept beside it (`providerState`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TradeState {
    /// Paid.
    Success,
    /// Paid, then (partly) refunded (WeChat Pay).
    Refund,
    /// Not paid yet (WeChat Pay).
    NotPay,
    /// Closed unpaid, or (Alipay) refunded in full.
    Closed,
    /// Revoked (WeChat Pay's payment-code payments).
    Revoked,
    /// Waiting for the buyer to pay.
    UserPaying,
    /// Payment failed (WeChat Pay).
    PayError,
    /// Paid and no longer refundable (Alipay).
    Finished,
    /// A state neither provider documents, as received.
    Other(String),
}

impl TradeState {
    /// uniCloud's word: `SUCCESS`, `REFUND`, `NOTPAY`, `CLOSED`, `REVOKED`,
    /// `USERPAYING`, `PAYERROR`, `FINISHED`.
    pub fn as_str(&self) -> &str {
        match self {
            TradeState::Success => "SUCCESS",
            TradeState::Refund => "REFUND",
            TradeState::NotPay => "NOTPAY",
            TradeState::Closed => "CLOSED",
            TradeState::Revoked => "REVOKED",
            TradeState::UserPaying => "USERPAYING",
            TradeState::PayError => "PAYERROR",
            TradeState::Finished => "FINISHED",
            TradeState::Other(s) => s,
        }
    }
    /// From uniCloud's word (any other word is kept as [`TradeState::Other`]).
    pub fn from_word(word: &str) -> TradeState {
        match word {
            "SUCCESS" => TradeState::Success,
            "REFUND" => TradeState::Refund,
            "NOTPAY" => TradeState::NotPay,
            "CLOSED" => TradeState::Closed,
            "REVOKED" => TradeState::Revoked,
            "USERPAYING" => TradeState::UserPaying,
            "PAYERROR" => TradeState::PayError,
            "FINISHED" => TradeState::Finished,
            other => TradeState::Other(other.to_owned()),
        }
    }
    /// Has the buyer paid (whatever happened after: refunds, the end of the refund
    /// period)?
    pub fn is_paid(&self) -> bool {
        matches!(
            self,
            TradeState::Success | TradeState::Refund | TradeState::Finished
        )
    }
}

impl fmt::Display for TradeState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for TradeState {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for TradeState {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let word = String::deserialize(d)?;
        Ok(TradeState::from_word(&word))
    }
}

/// `getOrderInfo`'s input. `openid` is needed by mini programs, `body` by WeChat Pay,
/// `subject` by Alipay; a field the provider does not use is ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderInfoRequest {
    /// The payer in the mini program (WeChat openid; Alipay user id `2088…` or open id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openid: Option<String>,
    /// Order title (Alipay, required there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Goods description (WeChat Pay, required there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// The merchant's order number, unique per merchant.
    pub out_trade_no: String,
    /// Amount in fen.
    pub total_fee: i64,
    /// Where the provider posts the payment result.
    pub notify_url: String,
    /// The payer's IP (WeChat Pay's `spbill_create_ip`; default `127.0.0.1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spbill_create_ip: Option<String>,
    /// Overrides the payment's configured `clientType` for this order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_type: Option<ClientType>,
}

impl OrderInfoRequest {
    /// The fields every provider needs; add the provider's own with the setters.
    pub fn new(
        out_trade_no: impl Into<String>,
        total_fee: i64,
        notify_url: impl Into<String>,
    ) -> Self {
        OrderInfoRequest {
            openid: None,
            subject: None,
            body: None,
            out_trade_no: out_trade_no.into(),
            total_fee,
            notify_url: notify_url.into(),
            spbill_create_ip: None,
            client_type: None,
        }
    }
    /// The payer (mini programs).
    pub fn openid(mut self, openid: impl Into<String>) -> Self {
        self.openid = Some(openid.into());
        self
    }
    /// The order title (Alipay).
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }
    /// The goods description (WeChat Pay).
    pub fn body(mut self, body: impl Into<String>) -> Self {
        self.body = Some(body.into());
        self
    }
    /// The payer's IP (WeChat Pay).
    pub fn spbill_create_ip(mut self, ip: impl Into<String>) -> Self {
        self.spbill_create_ip = Some(ip.into());
        self
    }
    /// The paying client, for this order only.
    pub fn client_type(mut self, client_type: ClientType) -> Self {
        self.client_type = Some(client_type);
        self
    }
}

/// What the paying client needs (uniCloud's `orderInfo`): hand it to
/// `uni.requestPayment` as it serialises — an object for WeChat Pay, a string for
/// Alipay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum OrderInfo {
    /// `wx.requestPayment({ appId, timeStamp, nonceStr, package, signType, paySign })`.
    WechatMiniProgram(crate::wechatpay::MiniProgramPayParams),
    /// The WeChat App SDK's `PayReq` (`appid, partnerid, prepayid, package, noncestr,
    /// timestamp, sign`).
    WechatApp(crate::wechatpay::AppPayParams),
    /// Alipay mini program: the `trade_no` for `my.tradePay({ tradeNO })`.
    AlipayTradeNo(String),
    /// Alipay App: the signed order string for the Alipay SDK.
    AlipayOrderString(String),
}

/// `orderQuery`'s result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderQueryResult {
    /// The app (WeChat Pay).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
    /// The merchant (WeChat Pay).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mch_id: Option<String>,
    pub out_trade_no: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// The unified state.
    pub trade_state: TradeState,
    /// The provider's own word (`NOTPAY`, `WAIT_BUYER_PAY`, …).
    pub provider_state: String,
    /// The order's amount, fen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_fee: Option<i64>,
    /// The amount settled, fen (WeChat's `settlement_total_fee`, Alipay's
    /// `receipt_amount`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settlement_total_fee: Option<i64>,
    /// Paid in cash, fen (WeChat's `cash_fee`, Alipay's `buyer_pay_amount`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cash_fee: Option<i64>,
    /// When it was paid, `yyyyMMddHHmmss` Beijing time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_end: Option<String>,
    /// The payer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub openid: Option<String>,
}

/// `closeOrder`'s and `cancelOrder`'s result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CloseResult {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mch_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub out_trade_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// Alipay's cancel: `Y` when the cancel must be asked again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_flag: Option<String>,
    /// Alipay's cancel: what it did, `close` (unpaid) or `refund` (paid).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
}

/// `refund`'s input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundRequest {
    /// The order refunded (`outTradeNo` or `transactionId` beside the other fields,
    /// as uniCloud writes it).
    #[serde(flatten)]
    pub order: OrderRef,
    /// The merchant's refund number (WeChat Pay: required; Alipay: needed for partial
    /// refunds, else the order number stands for it). Asking again with the same number
    /// is the same refund, never a second one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_refund_no: Option<String>,
    /// The order's amount, fen (WeChat Pay: required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_fee: Option<i64>,
    /// The amount refunded, fen.
    pub refund_fee: i64,
    /// Currency (WeChat Pay; default CNY).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_fee_type: Option<String>,
    /// Why (shown to the payer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_desc: Option<String>,
    /// Where WeChat Pay posts the refund's result (Alipay notifies refunds at the
    /// trade's `notify_url` and takes none here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify_url: Option<String>,
}

impl RefundRequest {
    /// Refunds `refund_fee` fen of `order`.
    pub fn new(order: OrderRef, refund_fee: i64) -> Self {
        RefundRequest {
            order,
            out_refund_no: None,
            total_fee: None,
            refund_fee,
            refund_fee_type: None,
            refund_desc: None,
            notify_url: None,
        }
    }
    pub fn out_refund_no(mut self, no: impl Into<String>) -> Self {
        self.out_refund_no = Some(no.into());
        self
    }
    pub fn total_fee(mut self, fen: i64) -> Self {
        self.total_fee = Some(fen);
        self
    }
    pub fn refund_fee_type(mut self, currency: impl Into<String>) -> Self {
        self.refund_fee_type = Some(currency.into());
        self
    }
    pub fn refund_desc(mut self, why: impl Into<String>) -> Self {
        self.refund_desc = Some(why.into());
        self
    }
    pub fn notify_url(mut self, url: impl Into<String>) -> Self {
        self.notify_url = Some(url.into());
        self
    }
}

/// `refund`'s result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundResult {
    pub out_trade_no: String,
    pub transaction_id: String,
    /// The merchant's refund number (Alipay: the order number when none was given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub out_refund_no: Option<String>,
    /// The provider's refund number (WeChat Pay).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refund_id: Option<String>,
    /// Refunded, fen (Alipay: the order's total refunded so far).
    pub refund_fee: i64,
    /// Refunded in cash, fen (WeChat Pay).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cash_refund_fee: Option<i64>,
}

/// What `refundQuery` looks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundQueryRequest {
    /// The order (WeChat Pay: one of the four; Alipay: required), `outTradeNo` or
    /// `transactionId` beside the other fields.
    #[serde(flatten, default, skip_serializing_if = "Option::is_none")]
    pub order: Option<OrderRef>,
    /// The merchant's refund number (Alipay: the order number when the refund had
    /// none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_refund_no: Option<String>,
    /// WeChat Pay's refund number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_id: Option<String>,
    /// WeChat Pay: the first refund listed, for orders with more than 10.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u32>,
}

impl RefundQueryRequest {
    /// The refunds of an order (Alipay: the refund numbered like the order).
    pub fn order(order: OrderRef) -> Self {
        RefundQueryRequest {
            order: Some(order),
            out_refund_no: None,
            refund_id: None,
            offset: None,
        }
    }
    /// One refund by the merchant's refund number (Alipay also needs the order: add
    /// it with [`RefundQueryRequest::of_order`]).
    pub fn out_refund_no(no: impl Into<String>) -> Self {
        RefundQueryRequest {
            order: None,
            out_refund_no: Some(no.into()),
            refund_id: None,
            offset: None,
        }
    }
    /// One refund by WeChat Pay's refund number.
    pub fn refund_id(id: impl Into<String>) -> Self {
        RefundQueryRequest {
            order: None,
            out_refund_no: None,
            refund_id: Some(id.into()),
            offset: None,
        }
    }
    /// The order the refund belongs to.
    pub fn of_order(mut self, order: OrderRef) -> Self {
        self.order = Some(order);
        self
    }
    /// WeChat Pay's paging offset.
    pub fn offset(mut self, offset: u32) -> Self {
        self.offset = Some(offset);
        self
    }
}

/// `refundQuery`'s result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundQueryResult {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub out_trade_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// The order's amount, fen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_fee: Option<i64>,
    /// The refund's number (Alipay: the `out_request_no` asked about).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refund_id: Option<String>,
    /// Refunded, fen (WeChat Pay: the listed refunds added up).
    pub refund_fee: i64,
    /// Why (Alipay).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refund_desc: Option<String>,
    /// The refund's state where the provider has one for the whole answer (Alipay
    /// `REFUND_SUCCESS`; absent while the refund is unknown or in progress).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refund_status: Option<String>,
    /// Each refund (WeChat Pay).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refund_list: Option<Vec<RefundItem>>,
    /// Where the money went back (Alipay's `refund_detail_item_list`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refund_royaltys: Option<Vec<RefundRoyalty>>,
}

/// One refund of a WeChat Pay order (uniCloud's `refundItem`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundItem {
    pub out_refund_no: String,
    pub refund_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refund_channel: Option<String>,
    /// Asked for, fen.
    pub refund_fee: i64,
    /// Refunded, fen (asked for less non-cash coupons).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settlement_refund_fee: Option<i64>,
    /// `SUCCESS`, `REFUNDCLOSE`, `PROCESSING`, `CHANGE`.
    pub refund_status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coupon_refund_fee: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coupon_refund_count: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refund_account: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refund_recv_accout: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refund_success_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coupon_list: Option<Vec<RefundCoupon>>,
}

/// A coupon given back with a refund (uniCloud's `couponItem`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundCoupon {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coupon_type: Option<String>,
    pub coupon_refund_id: String,
    /// Fen.
    pub coupon_refund_fee: i64,
}

/// One channel an Alipay refund went back through (uniCloud's `refundRoyaltysItem`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundRoyalty {
    pub fund_channel: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bank_code: Option<String>,
    /// Fen.
    pub amount: i64,
    /// Fen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub real_amount: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fund_type: Option<String>,
}

/// A downloaded statement (`downloadBill`, `downloadFundflow`): uniCloud's `content`,
/// and the same text parsed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Statement<T> {
    /// The text as WeChat Pay sent it.
    pub content: String,
    /// Parsed: rows typed, amounts in fen.
    #[serde(skip)]
    pub parsed: T,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trade_states_round_trip_through_their_words() {
        for word in [
            "SUCCESS",
            "REFUND",
            "NOTPAY",
            "CLOSED",
            "REVOKED",
            "USERPAYING",
            "PAYERROR",
            "FINISHED",
            "SOMETHING_NEW",
        ] {
            let state = TradeState::from_word(word);
            assert_eq!(state.as_str(), word);
            let json = serde_json::to_string(&state).unwrap();
            assert_eq!(serde_json::from_str::<TradeState>(&json).unwrap(), state);
        }
        assert!(TradeState::Refund.is_paid() && !TradeState::NotPay.is_paid());
    }

    #[test]
    fn requests_read_unicloud_camel_case() {
        let r: OrderInfoRequest = serde_json::from_str(
            r#"{"openid":"o1","body":"b","outTradeNo":"T1","totalFee":1,"notifyUrl":"https://n","clientType":"app-plus"}"#,
        )
        .unwrap();
        assert_eq!((r.out_trade_no.as_str(), r.total_fee), ("T1", 1));
        assert_eq!(r.client_type, Some(ClientType::AppPlus));
        let e = serde_json::from_str::<OrderInfoRequest>(
            r#"{"outTradeNo":"T1","totalFee":0.01,"notifyUrl":"n"}"#,
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("expected i64"),
            "fen are integers: {e}"
        );
        assert_eq!("mp-alipay".parse::<ClientType>(), Ok(ClientType::MpAlipay));

        // uniCloud's refund call: the order's number beside the amounts.
        let unicloud = r#"{"outTradeNo":"T1","outRefundNo":"R1","totalFee":1,"refundFee":1}"#;
        let refund: RefundRequest = serde_json::from_str(unicloud).unwrap();
        assert_eq!(
            refund,
            RefundRequest::new(OrderRef::out_trade_no("T1"), 1)
                .out_refund_no("R1")
                .total_fee(1)
        );
        let back: serde_json::Value = serde_json::to_value(&refund).unwrap();
        assert_eq!(
            back,
            serde_json::from_str::<serde_json::Value>(unicloud).unwrap()
        );
        let query: RefundQueryRequest =
            serde_json::from_str(r#"{"transactionId":"42","outRefundNo":"R1"}"#).unwrap();
        assert_eq!(
            query,
            RefundQueryRequest::out_refund_no("R1").of_order(OrderRef::transaction_id("42"))
        );
        let by_refund: RefundQueryRequest = serde_json::from_str(r#"{"refundId":"50"}"#).unwrap();
        assert_eq!(by_refund, RefundQueryRequest::refund_id("50"));
        assert!("h5".parse::<ClientType>().is_err());
    }
}
