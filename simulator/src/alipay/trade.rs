//! `alipay.trade.*`: creating, reading, closing, cancelling and refunding trades.

use super::books::Books;
use super::books::{TradeEntry, User};
use super::{
    answer, now, read, refuse, Biz, NamesTrade, Refund, Trade, SIMULATED_BUYER_ID,
    SIMULATED_SELLER_ID,
};
use crate::engine::{Desk, Reply};
use crate::fingerprint::Fingerprint;
use miniapp::__private::Meaning;
use miniapp::alipay::trade::{CancelAction, RefundStatus, TradeStatus};
use miniapp::alipay::trade::{
    CancelError, CloseError, CreateError, QueryError, RefundError, RefundQueryError,
};
use miniapp::alipay::trade::{
    CancelRequest, CloseRequest, CreateRequest, PrecreateRequest, QueryRequest, RefundQueryRequest,
    RefundRequest,
};
use miniapp::alipay::trade::{
    CancelResponse, CloseResponse, CreateResponse, PrecreateResponse, QueryResponse,
    RefundQueryResponse, RefundResponse, TradeFundBill,
};

/// The product code of mini-program payments, which needs a buyer.
const JSAPI_PAY: &str = "JSAPI_PAY";
/// The channel of every simulated payment (the buyer's Alipay balance).
pub(super) const FUND_CHANNEL: &str = "ALIPAYACCOUNT";
/// What `retry_flag` always says: the simulator's cancels never need a retry.
const NO_RETRY: &str = "N";
/// The buyer type a query names (a person).
const PRIVATE_BUYER: &str = "PRIVATE";
/// The `query_options` that ask for the fund bills, the refund details, the refund time.
const FUND_BILL_LIST: &str = "fund_bill_list";
const REFUND_DETAIL_ITEM_LIST: &str = "refund_detail_item_list";
const GMT_REFUND_PAY: &str = "gmt_refund_pay";

/// The buyer's account name as queries and bills show it (masked, like Alipay's).
pub(super) fn logon_id(trade: &Trade) -> String {
    let chars: Vec<char> = trade.buyer_id.chars().collect();
    let tail: String = chars[chars.len().saturating_sub(4)..].iter().collect();
    format!("sim***@{tail}.example.com")
}

/// The trade a request's choice of number names; `missing`: the refusal of an unknown
/// one.
fn named<'a>(
    desk: &'a Desk<'_>,
    order: &impl NamesTrade,
    missing: impl miniapp::runtime::ApiError,
) -> Result<&'a Trade, Reply> {
    let (trade_no, out_trade_no) = order.numbers();
    desk.state
        .merchant::<Books>()?
        .named(trade_no, out_trade_no)
        .ok_or_else(|| refuse(desk, missing))
}

/// What a create or a precreate opens a trade with.
struct Opening {
    out_trade_no: String,
    total_amount: i64,
    subject: String,
    product_code: Option<String>,
    buyer_id: Option<String>,
    buyer_open_id: Option<String>,
    seller_id: Option<String>,
    body: Option<String>,
    notify_url: Option<String>,
    passback_params: Option<String>,
}

impl From<CreateRequest> for Opening {
    fn from(r: CreateRequest) -> Opening {
        Opening {
            out_trade_no: r.out_trade_no,
            total_amount: r.total_amount,
            subject: r.subject,
            product_code: r.product_code,
            buyer_id: r.buyer_id,
            buyer_open_id: r.buyer_open_id,
            seller_id: r.seller_id,
            body: r.body,
            notify_url: r.notify_url,
            passback_params: r.passback_params,
        }
    }
}

impl From<PrecreateRequest> for Opening {
    fn from(r: PrecreateRequest) -> Opening {
        Opening {
            out_trade_no: r.out_trade_no,
            total_amount: r.total_amount,
            subject: r.subject,
            product_code: r.product_code,
            buyer_id: None,
            buyer_open_id: None,
            seller_id: r.seller_id,
            body: r.body,
            notify_url: r.notify_url,
            passback_params: None,
        }
    }
}

pub(super) fn create(desk: &mut Desk<'_>, biz: &Biz) -> Result<Reply, Reply> {
    let request: CreateRequest = read(desk, biz)?;
    let trade = open(desk, biz, request.into(), false)?;
    answer(&CreateResponse {
        out_trade_no: trade.out_trade_no,
        trade_no: trade.trade_no,
    })
}

/// `alipay.trade.precreate`: a trade like [`create`]'s, answered with its QR code.
pub(super) fn precreate(desk: &mut Desk<'_>, biz: &Biz) -> Result<Reply, Reply> {
    let request: PrecreateRequest = read(desk, biz)?;
    let trade = open(desk, biz, request.into(), true)?;
    answer(&PrecreateResponse {
        out_trade_no: trade.out_trade_no,
        qr_code: trade.qr_code.unwrap_or_default(),
    })
}

/// Opens a trade (or finds the same one opened before with the same parameters by the
/// same method); `qr`: a precreate, whose trade gets a QR code.
fn open(desk: &mut Desk<'_>, biz: &Biz, opening: Opening, qr: bool) -> Result<Trade, Reply> {
    let Opening {
        out_trade_no,
        total_amount,
        subject,
        product_code,
        buyer_id,
        buyer_open_id,
        seller_id,
        body,
        notify_url,
        passback_params,
    } = opening;
    // What must repeat for the same trade: every business member as sent, and where
    // the notification goes.
    let mut params = biz.params();
    if let Some(url) = &notify_url {
        params.insert(" notify_url".into(), url.clone());
    }
    if qr {
        // Not a business field: a precreate and a create of one number never agree.
        params.insert(" precreate".into(), "Y".into());
    }
    let params = Fingerprint::of(&params);
    if let Some(entry) = desk.state.merchant::<Books>()?.entry(&out_trade_no) {
        return again(desk, entry, &params);
    }
    if product_code.as_deref() == Some(JSAPI_PAY) && buyer_id.is_none() && buyer_open_id.is_none() {
        let why = "buyer_id和buyer_open_id不能同时为空";
        return Err(desk.refuse_because(Meaning::InvalidField, why));
    }
    let app_id = desk.app_id().to_owned();
    let buyer = match (buyer_id, buyer_open_id) {
        (Some(id), open_id) => {
            let mut user = User::with_id(id, &app_id);
            if let Some(open_id) = open_id {
                user.open_id = open_id;
            }
            user
        }
        (None, Some(open_id)) => {
            // The user this app knows by that open id, if the simulator issued it.
            let known = desk
                .state
                .merchant_mut::<Books>()?
                .user_of_open_id(&open_id);
            let user_id = known.unwrap_or(SIMULATED_BUYER_ID).to_owned();
            User { user_id, open_id }
        }
        (None, None) => User::with_id(SIMULATED_BUYER_ID.to_owned(), &app_id),
    };
    let gmt_create = now();
    let day: String = gmt_create
        .chars()
        .filter(char::is_ascii_digit)
        .take(8)
        .collect();
    let mut trade = Trade {
        trade_no: desk.state.merchant_mut::<Books>()?.trade_no(&day),
        out_trade_no,
        trade_status: TradeStatus::WaitBuyerPay,
        total_amount,
        subject,
        body,
        product_code,
        buyer_id: buyer.user_id,
        buyer_open_id: buyer.open_id,
        seller_id: seller_id.unwrap_or_else(|| SIMULATED_SELLER_ID.to_owned()),
        notify_url,
        passback_params,
        gmt_create,
        gmt_payment: None,
        gmt_close: None,
        refunded: 0,
        cancel_action: None,
        qr_code: None,
    };
    trade.qr_code = qr.then(|| format!("{QR_HOST}{}", qr_token(&trade.trade_no)));
    desk.state.merchant_mut::<Books>()?.create(TradeEntry {
        trade: trade.clone(),
        params,
    });
    Ok(trade)
}

/// Where the simulated QR codes point (Alipay's QR host; nothing is served there).
const QR_HOST: &str = "https://qr.alipay.com/";

/// The QR code's path for a trade: lowercase letters and digits derived from its number.
fn qr_token(trade_no: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in trade_no.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    let alphabet = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = String::from("bax");
    for _ in 0..19 {
        out.push(char::from(alphabet[(h % 36) as usize]));
        h = (h / 36) ^ h.rotate_left(17);
    }
    out
}

/// The same `out_trade_no` created again: the same trade if nothing changed.
fn again(desk: &Desk<'_>, entry: &TradeEntry, params: &Fingerprint) -> Result<Trade, Reply> {
    match entry.trade.trade_status {
        TradeStatus::TradeSuccess | TradeStatus::TradeFinished => Err(refuse(
            desk,
            CreateError::TradeHasSuccess {
                message: "交易已被支付".into(),
            },
        )),
        TradeStatus::TradeClosed => Err(refuse(
            desk,
            CreateError::TradeHasClose {
                message: "交易已经关闭".into(),
            },
        )),
        _ if entry.params == *params => Ok(entry.trade.clone()),
        _ => Err(refuse(
            desk,
            CreateError::ContextInconsistent {
                message: "交易信息被篡改".into(),
            },
        )),
    }
}

/// Does a request's `query_options` ask for `option`?
fn wanted(options: &Option<Vec<String>>, option: &str) -> bool {
    options.iter().flatten().any(|o| o == option)
}

/// The fund bill of a paid amount, as answers carry it.
fn fund_bills(fen: i64) -> Vec<TradeFundBill> {
    vec![TradeFundBill {
        fund_channel: FUND_CHANNEL.to_owned(),
        bank_code: None,
        amount: fen,
        real_amount: Some(fen),
        fund_type: None,
    }]
}

pub(super) fn query(desk: &mut Desk<'_>, biz: &Biz) -> Result<Reply, Reply> {
    let request: QueryRequest = read(desk, biz)?;
    let wants = |option: &str| wanted(&request.query_options, option);
    let trade = named(
        desk,
        &request.order,
        QueryError::TradeNotExist {
            message: "交易不存在".into(),
        },
    )?;
    let paid = trade.gmt_payment.is_some();
    let buyer = |text: String| paid.then_some(text);
    answer(&QueryResponse {
        trade_no: Some(trade.trade_no.clone()),
        out_trade_no: trade.out_trade_no.clone(),
        buyer_logon_id: buyer(logon_id(trade)),
        trade_status: trade.trade_status.clone(),
        total_amount: trade.total_amount,
        trans_currency: None,
        settle_currency: None,
        settle_amount: None,
        pay_currency: None,
        pay_amount: None,
        settle_trans_rate: None,
        trans_pay_rate: None,
        buyer_pay_amount: Some(if paid { trade.total_amount } else { 0 }),
        point_amount: Some(0),
        invoice_amount: Some(if paid { trade.total_amount } else { 0 }),
        send_pay_date: trade.gmt_payment.clone(),
        receipt_amount: Some(if paid { trade.total_amount } else { 0 }),
        store_id: None,
        terminal_id: None,
        fund_bill_list: (paid && wants(FUND_BILL_LIST)).then(|| fund_bills(trade.total_amount)),
        store_name: None,
        buyer_user_id: buyer(trade.buyer_id.clone()),
        buyer_open_id: buyer(trade.buyer_open_id.clone()),
        buyer_user_type: buyer(PRIVATE_BUYER.to_owned()),
        mdiscount_amount: None,
        discount_amount: None,
        ext_infos: None,
    })
}

pub(super) fn close(desk: &mut Desk<'_>, biz: &Biz) -> Result<Reply, Reply> {
    let request: CloseRequest = read(desk, biz)?;
    let trade = named(
        desk,
        &request.order,
        CloseError::TradeNotExist {
            message: "交易不存在".into(),
        },
    )?;
    if trade.trade_status != TradeStatus::WaitBuyerPay {
        return Err(refuse(
            desk,
            CloseError::TradeStatusError {
                message: "交易状态不合法".into(),
            },
        ));
    }
    let closed = CloseResponse {
        trade_no: Some(trade.trade_no.clone()),
        out_trade_no: Some(trade.out_trade_no.clone()),
    };
    let out_trade_no = trade.out_trade_no.clone();
    if let Some(trade) = desk.state.merchant_mut::<Books>()?.trade_mut(&out_trade_no) {
        trade.trade_status = TradeStatus::TradeClosed;
        trade.gmt_close = Some(now());
    }
    answer(&closed)
}

pub(super) fn cancel(desk: &mut Desk<'_>, biz: &Biz) -> Result<Reply, Reply> {
    let request: CancelRequest = read(desk, biz)?;
    let (trade_no, out_trade_no) = request.order.numbers();
    let found = desk
        .state
        .merchant::<Books>()?
        .named(trade_no, out_trade_no)
        .cloned();
    let mut cancelled = CancelResponse {
        trade_no: None,
        out_trade_no: out_trade_no.unwrap_or_default().to_owned(),
        retry_flag: NO_RETRY.to_owned(),
        action: None,
        gmt_refund_pay: None,
        refund_settlement_id: None,
    };
    let Some(trade) = found else {
        // No such trade: success without an action, as the docs say.
        return answer(&cancelled);
    };
    let action = match (&trade.cancel_action, &trade.trade_status) {
        (Some(done), _) => done.clone(),
        (None, TradeStatus::WaitBuyerPay) => CancelAction::Close,
        (None, TradeStatus::TradeFinished) => {
            return Err(refuse(
                desk,
                CancelError::TradeHasFinished {
                    message: "交易已经完结".into(),
                },
            ))
        }
        (None, _) if trade.refunded > 0 => {
            return Err(refuse(
                desk,
                CancelError::ReasonTradeRefundFeeErr {
                    message: "退款金额无效".into(),
                },
            ))
        }
        // Closed unpaid: closing again changes nothing.
        (None, TradeStatus::TradeClosed) => CancelAction::Close,
        (None, _) => CancelAction::Refund,
    };
    if trade.cancel_action.is_none() {
        let at = now();
        if let Some(t) = desk
            .state
            .merchant_mut::<Books>()?
            .trade_mut(&trade.out_trade_no)
        {
            if action == CancelAction::Refund {
                t.refunded = t.total_amount;
            }
            if t.trade_status != TradeStatus::TradeClosed {
                t.trade_status = TradeStatus::TradeClosed;
                t.gmt_close = Some(at);
            }
            t.cancel_action = Some(action.clone());
        }
    }
    cancelled.trade_no = Some(trade.trade_no);
    cancelled.out_trade_no = trade.out_trade_no;
    cancelled.action = Some(action);
    answer(&cancelled)
}

pub(super) fn refund(desk: &mut Desk<'_>, biz: &Biz) -> Result<Reply, Reply> {
    let request: RefundRequest = read(desk, biz)?;
    let trade = named(
        desk,
        &request.order,
        RefundError::TradeNotExist {
            message: "交易不存在".into(),
        },
    )?
    .clone();
    let refund_amount = request.refund_amount;
    let asked_number = request.out_request_no.clone();
    let out_request_no = asked_number
        .clone()
        .unwrap_or_else(|| trade.out_trade_no.clone());
    if let Some(done) = desk
        .state
        .merchant_mut::<Books>()?
        .refund(&trade.out_trade_no, &out_request_no)
    {
        return match done.refund_amount == refund_amount {
            true => answer(&refunded(&trade, &request.query_options, done, false)),
            false => Err(refuse(
                desk,
                RefundError::DiscordantRepeatRequest {
                    message: "请求信息不一致".into(),
                },
            )),
        };
    }
    match trade.trade_status {
        TradeStatus::WaitBuyerPay => {
            return Err(refuse(
                desk,
                RefundError::TradeStatusError {
                    message: "交易状态非法".into(),
                },
            ))
        }
        TradeStatus::TradeClosed => {
            return Err(refuse(
                desk,
                RefundError::TradeHasClose {
                    message: "交易已关闭".into(),
                },
            ))
        }
        TradeStatus::TradeFinished => {
            return Err(refuse(
                desk,
                RefundError::TradeHasFinished {
                    message: "交易已完结".into(),
                },
            ))
        }
        _ => {}
    }
    let partial = refund_amount != trade.total_amount;
    if refund_amount > trade.total_amount || (partial && asked_number.is_none()) {
        return Err(refuse(
            desk,
            RefundError::RefundAmtNotEqualTotal {
                message: "退款金额超限".into(),
            },
        ));
    }
    if refund_amount > trade.total_amount - trade.refunded {
        return Err(refuse(
            desk,
            RefundError::ReasonTradeRefundFeeErr {
                message: "退款金额无效".into(),
            },
        ));
    }
    let at = now();
    let refund = Refund {
        out_trade_no: trade.out_trade_no.clone(),
        trade_no: trade.trade_no.clone(),
        out_request_no,
        refund_amount,
        total_amount: trade.total_amount,
        refund_reason: request.refund_reason.clone(),
        refund_status: RefundStatus::RefundSuccess,
        gmt_refund: at.clone(),
    };
    desk.state
        .merchant_mut::<Books>()?
        .add_refund(refund.clone(), &at);
    let trade = desk
        .state
        .merchant_mut::<Books>()?
        .trade(&trade.out_trade_no)
        .cloned()
        .unwrap_or(trade);
    answer(&refunded(&trade, &request.query_options, &refund, true))
}

/// A refund's answer: `refund_fee` is the trade's total refunded so far; `fund_change`
/// says whether this call moved the money.
fn refunded(
    trade: &Trade,
    options: &Option<Vec<String>>,
    refund: &Refund,
    fund_change: bool,
) -> RefundResponse {
    let details = wanted(options, REFUND_DETAIL_ITEM_LIST);
    RefundResponse {
        trade_no: trade.trade_no.clone(),
        out_trade_no: trade.out_trade_no.clone(),
        buyer_logon_id: Some(logon_id(trade)),
        fund_change: Some(if fund_change { "Y" } else { "N" }.to_owned()),
        refund_fee: trade.refunded,
        refund_detail_item_list: details.then(|| fund_bills(refund.refund_amount)),
        store_name: None,
        buyer_user_id: Some(trade.buyer_id.clone()),
        buyer_open_id: Some(trade.buyer_open_id.clone()),
        send_back_fee: details.then_some(refund.refund_amount),
    }
}

pub(super) fn refund_query(desk: &mut Desk<'_>, biz: &Biz) -> Result<Reply, Reply> {
    let request: RefundQueryRequest = read(desk, biz)?;
    let trade = named(
        desk,
        &request.order,
        RefundQueryError::TradeNotExist {
            message: "交易不存在".into(),
        },
    )?;
    let out_request_no = request.out_request_no.clone();
    let mut found = RefundQueryResponse {
        trade_no: Some(trade.trade_no.clone()),
        out_trade_no: Some(trade.out_trade_no.clone()),
        out_request_no: Some(out_request_no.clone()),
        total_amount: None,
        refund_amount: None,
        refund_status: None,
        refund_reason: None,
        gmt_refund_pay: None,
        refund_detail_item_list: None,
        send_back_fee: None,
        deposit_back_info: None,
    };
    // A request number the trade never had: no refund_status (not received).
    let Some(refund) = desk
        .state
        .merchant::<Books>()?
        .refund(&trade.out_trade_no, &out_request_no)
    else {
        return answer(&found);
    };
    let details = wanted(&request.query_options, REFUND_DETAIL_ITEM_LIST);
    found.total_amount = Some(refund.total_amount);
    found.refund_amount = Some(refund.refund_amount);
    found.refund_status = Some(refund.refund_status.clone());
    found.refund_reason = refund.refund_reason.clone();
    found.gmt_refund_pay =
        wanted(&request.query_options, GMT_REFUND_PAY).then(|| refund.gmt_refund.clone());
    found.refund_detail_item_list = details.then(|| fund_bills(refund.refund_amount));
    found.send_back_fee = details.then_some(refund.refund_amount);
    answer(&found)
}
