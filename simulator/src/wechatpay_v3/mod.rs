//! WeChat Pay API v3 (feature `wechatpay_v3`): the first offline v3 test bed — WeChat
//! Pay has no v3 sandbox — with the merchant's state behind the answers and the
//! steering a test uses to move it on.
//!
//! **Test keys.** The simulator ships the published test keys of the official WeChat
//! Pay Java SDK (`wechatpay-apiv3/wechatpay-java`): [`MERCHANT_PRIVATE_KEY`] (the
//! merchant's `apiclient_key.pem`, serial [`MERCHANT_SERIAL`]), the WeChat Pay key pair
//! ([`WECHATPAY_PUBLIC_KEY`], id [`PUBLIC_KEY_ID`]) and the APIv3 key [`API_V3_KEY`].
//! They are public: never configure them for a real merchant, and never trust anything
//! signed with them. [`Simulator::wechatpay_v3_keys`] (and `GET
//! /_admin/wechatpay_v3/keys`) hands them out, so that a client in any language can be
//! configured from the running simulator.
//!
//! What the endpoints do, once a request has passed the platform's checks (its
//! `Authorization` signature, see [`platform`];
//! a JSON body; the required fields; the schema's constraints; `appid` and `mchid`
//! equal to [`Simulator::app_id`]`("wechatpay_v3")` and [`Simulator::merchant_id`]).
//! Each handler then reads the request into its generated request type
//! (`miniapp::wechatpay_v3::pay::JsapiRequest`, …: body, path and query parameters
//! together, then the type's generated `validate()`; what does not read is
//! `PARAM_ERROR` with serde's reason) and answers with the generated response type
//! (`JsapiResponse`, `QueryByOutTradeNoResponse`, …) through the runtime's envelope
//! encoder, so no wire field is named here:
//!
//! * `pay.jsapi`, `pay.app`, `pay.h5`, `pay.native` place an order (`NOTPAY`) and answer
//!   a `prepay_id` (JSAPI, APP), an `h5_url` (trade type `MWEB`) or a `code_url`.
//!   `amount.total` must be at least 1 fen and the currency `CNY`; JSAPI needs
//!   `payer.openid`, H5 `scene_info.h5_info.type`. The same `out_trade_no` again with
//!   exactly the same request answers the same `prepay_id` (a Native order a new
//!   `code_url`, as WeChat Pay does); with another request `OUT_TRADE_NO_USED` (403);
//!   once paid `ORDERPAID` (403), once closed `ORDER_CLOSED` (400).
//! * `pay.queryById` (paid orders only: an unpaid one has no `transaction_id`) and
//!   `pay.queryByOutTradeNo`: the transaction; an unpaid or closed order answers the
//!   unpaid subset (no `transaction_id`, `payer`, `success_time`, `bank_type`,
//!   `trade_type`). Unknown: `ORDER_NOT_EXIST` (404).
//! * `pay.close`: `NOTPAY` → `CLOSED`, HTTP 204 (closing again is harmless); a paid
//!   order `ORDERPAID` (403); unknown `ORDER_NOT_EXIST` (404).
//! * `refund.create` (by `transaction_id` or `out_trade_no`): the order must be paid
//!   (`INVALID_REQUEST`), `amount.total` its amount, `amount.refund` at most what is
//!   left to refund (`INVALID_REQUEST`); an unknown order `RESOURCE_NOT_EXISTS` (404).
//!   The refund starts `PROCESSING`; the same `out_refund_no` again answers it again
//!   (with another request `INVALID_REQUEST`). `NOT_ENOUGH` (a merchant short of
//!   balance) and the other documented codes come from `fail_next`.
//! * `refund.query`: the refund; unknown `RESOURCE_NOT_EXISTS` (404).
//! * `bill.tradeBill` and `bill.fundFlowBill`: `{hash_type: "SHA1", hash_value,
//!   download_url}`; the URL points back at the simulator
//!   (`/v3/billdownload/file?token=…`, valid 5 minutes, the request signed like any
//!   other) and serves the day's bill in the v2 bill format (gzip for `tar_type=GZIP`),
//!   unsigned, its SHA-1 over the uncompressed bytes, as the official SDKs check it.
//!   A day without records: `NO_STATEMENT_EXIST` (400).
//! * `certificates.download`: the platform certificates, each sealed with the APIv3
//!   key (`AEAD_AES_256_GCM`, associated data `certificate`); in public-key mode
//!   `RESOURCE_NOT_EXISTS` (404) with the documented text, as merchants without
//!   certificates get.
//!
//! Answers carry the status of their code (`Endpoint::ERROR_STATUSES`) and are signed
//! in `Wechatpay-Timestamp/Nonce/Serial/Signature`, refusals included, with the key the
//! [`WechatPayV3KeyMode`] picks.
//!
//! Steering: [`Simulator::pay_wechatpay_v3_order`] marks an order paid and POSTs the
//! `TRANSACTION.SUCCESS` notification (its resource sealed with the APIv3 key, signed in
//! its headers) to its `notify_url`; [`Simulator::settle_wechatpay_v3_refund`] ends a
//! refund and POSTs `REFUND.SUCCESS`, `REFUND.ABNORMAL` or `REFUND.CLOSED`;
//! [`Simulator::send_wechatpay_v3_probe`] POSTs a signature probe
//! (`Wechatpay-Signature: WECHATPAY/SIGNTEST/…`), which a merchant must refuse;
//! [`Simulator::rotate_wechatpay_v3_certificate`] adds a platform certificate over a new
//! key pair that signs from then on (the old one stays listed for a day).
//!
//! Not simulated: notification retries (a 2xx reply acknowledges, see
//! [`Notified::acknowledged`]; anything else WeChat Pay would send again), sensitive
//! fields (RSA-OAEP), the request `Wechatpay-Serial` checked against the platform keys,
//! coupons, service-provider (`partner`) paths.

mod admin;
mod bills;
mod books;
mod keys;
mod notify;
mod refund;
mod trade;
mod wire;

pub(crate) use books::Books;
pub(crate) use keys::{Settings, Setup};
pub(crate) use wire::{authenticate, respond};

use super::engine::Platform;
use super::engine::{Desk, Reply, State};
use super::merchant::{registration, Held, Merchant, Start};
use super::{wire_text, Simulator, SimulatorBuilder};
use miniapp::__private::{Credential, Meaning};
use miniapp::wechatpay_v3::certificates::{
    DownloadError, DownloadResponse, EncryptCertificate, PlatformCertificate,
};
use miniapp::wechatpay_v3::pay::{TradeState, TradeType};
use miniapp::wechatpay_v3::refund::RefundStatus;
use serde::Serialize;
use serde_json::Value;
use std::fmt;
use std::str::FromStr;

#[doc(hidden)]
pub use super::delivery::Notified;

/// The platform's name (its feature, its URL prefix `/wechatpay_v3`).
pub const PLATFORM: &str = "wechatpay_v3";

/// **Test key, never use it in production**: the merchant's API private key (PKCS#8
/// PEM), wechatpay-java's published test key. Clients pointed at the simulator sign
/// requests with it.
pub const MERCHANT_PRIVATE_KEY: &str = include_str!("keys/merchant_private_key.pem");
/// **Test key**: the public half of [`MERCHANT_PRIVATE_KEY`], what the simulator
/// verifies requests with by default.
pub const MERCHANT_PUBLIC_KEY: &str = include_str!("keys/merchant_public_key.pem");
/// The merchant API certificate's serial that goes with [`MERCHANT_PRIVATE_KEY`]
/// (wechatpay-java's test merchant certificate).
pub const MERCHANT_SERIAL: &str = "5F1C72E2A8931B72A2E13AF8DEE92471EB397115";
/// **Test key, never use it in production**: the simulator's "WeChat Pay" private key
/// (wechatpay-java's published test key). It signs in public-key mode, and the first
/// platform certificate is minted over it; public, so tests can forge what the
/// simulator would send.
pub const WECHATPAY_PRIVATE_KEY: &str = include_str!("keys/wechatpay_private_key.pem");
/// **Test key**: the public half of [`WECHATPAY_PRIVATE_KEY`], the "WeChat Pay public
/// key" a client in public-key mode verifies with.
pub const WECHATPAY_PUBLIC_KEY: &str = include_str!("keys/wechatpay_public_key.pem");
/// The id of [`WECHATPAY_PUBLIC_KEY`], as `Wechatpay-Serial` names it (made up).
pub const PUBLIC_KEY_ID: &str = "PUB_KEY_ID_0119000001092025010100000000000001";
/// **Test key, never use it in production**: the APIv3 key (wechatpay-java's published
/// test key) that seals notifications and certificates.
pub const API_V3_KEY: &str = "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb";
/// The payer of an order placed without `payer.openid` (APP, H5, Native: WeChat Pay
/// learns it when the user pays).
pub const PAYER_OPENID: &str = "oSimPayerV3000000000000000000";
/// The bank of every payment (`bank_type`).
const BANK: &str = "OTHERS";

/// Which WeChat Pay keys sign answers and notifications.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WechatPayV3KeyMode {
    /// The WeChat Pay public key (`Wechatpay-Serial: PUB_KEY_ID_…`), what every
    /// merchant opened since late 2024 has; `/v3/certificates` answers
    /// `RESOURCE_NOT_EXISTS`.
    #[default]
    PublicKey,
    /// Platform certificates (`Wechatpay-Serial` a certificate's hex serial), served by
    /// `/v3/certificates` and rotated by [`Simulator::rotate_wechatpay_v3_certificate`].
    Certificate,
    /// Both, as while a merchant migrates: answers are signed with the public key when
    /// the request names it in `Wechatpay-Serial` and with the certificate otherwise;
    /// notifications alternate.
    Mixed,
}

impl WechatPayV3KeyMode {
    /// `public-key`, `certificate` or `mixed`.
    pub fn as_str(self) -> &'static str {
        match self {
            WechatPayV3KeyMode::PublicKey => "public-key",
            WechatPayV3KeyMode::Certificate => "certificate",
            WechatPayV3KeyMode::Mixed => "mixed",
        }
    }
}

impl fmt::Display for WechatPayV3KeyMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for WechatPayV3KeyMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        [Self::PublicKey, Self::Certificate, Self::Mixed]
            .into_iter()
            .find(|m| m.as_str() == s.trim())
            .ok_or_else(|| format!("{s:?} is none of public-key, certificate, mixed"))
    }
}

/// An order the merchant placed, as it stands. Times are RFC 3339 (`+08:00`), amounts
/// fen (enums as their wire text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Order {
    pub out_trade_no: String,
    pub appid: String,
    /// `JSAPI`, `APP`, `MWEB` (H5) or `NATIVE`.
    #[serde(serialize_with = "wire_text::serialize")]
    pub trade_type: TradeType,
    #[serde(serialize_with = "wire_text::serialize")]
    pub trade_state: TradeState,
    pub description: String,
    pub attach: Option<String>,
    pub total: i64,
    pub currency: String,
    /// The payer: the order's `payer.openid`, or [`PAYER_OPENID`] once paid.
    pub payer_openid: Option<String>,
    pub notify_url: String,
    pub prepay_id: Option<String>,
    pub h5_url: Option<String>,
    pub code_url: Option<String>,
    pub device_id: Option<String>,
    /// WeChat Pay's order number, once paid.
    pub transaction_id: Option<String>,
    pub create_time: String,
    pub success_time: Option<String>,
    /// Fen refunded or being refunded (refunds not closed).
    pub refunded: i64,
}

/// A refund the merchant asked for, as it stands. Times are RFC 3339 (`+08:00`),
/// amounts fen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Refund {
    pub out_refund_no: String,
    pub refund_id: String,
    pub out_trade_no: String,
    pub transaction_id: String,
    /// The order's amount.
    pub total: i64,
    pub refund: i64,
    pub currency: String,
    #[serde(serialize_with = "wire_text::serialize")]
    pub status: RefundStatus,
    pub reason: Option<String>,
    /// Where its notification goes; `None`: the order's `notify_url`.
    pub notify_url: Option<String>,
    pub funds_account: Option<String>,
    pub create_time: String,
    pub success_time: Option<String>,
}

/// How [`Simulator::settle_wechatpay_v3_refund`] ends a refund.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WechatPayV3RefundOutcome {
    /// `SUCCESS` (`REFUND.SUCCESS`).
    Success,
    /// `ABNORMAL` (`REFUND.ABNORMAL`): the card refused it; the merchant must act.
    Abnormal,
    /// `CLOSED` (`REFUND.CLOSED`): closed; the amount may be refunded again.
    Closed,
}

impl WechatPayV3RefundOutcome {
    fn status(self) -> RefundStatus {
        match self {
            Self::Success => RefundStatus::Success,
            Self::Abnormal => RefundStatus::Abnormal,
            Self::Closed => RefundStatus::Closed,
        }
    }

    /// The outcome whose refund status is `wire` (`SUCCESS`, `ABNORMAL`, `CLOSED`).
    pub fn from_wire(wire: &str) -> Option<Self> {
        [Self::Success, Self::Abnormal, Self::Closed]
            .into_iter()
            .find(|o| o.status().as_str() == wire)
    }
}

/// Why a steering call of the simulated WeChat Pay API v3 changed nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WechatPayV3SteerError {
    #[error("the simulator does not serve WeChat Pay API v3")]
    NotServed,
    #[error("no order has out_trade_no {0:?}")]
    UnknownOrder(String),
    #[error("no refund has out_refund_no {0:?}")]
    UnknownRefund(String),
    #[error("order {out_trade_no:?} is {state}: only a NOTPAY order can be paid")]
    NotPayable { out_trade_no: String, state: String },
    #[error("refund {out_refund_no:?} is {status} already: only a PROCESSING refund settles")]
    Settled {
        out_refund_no: String,
        status: String,
    },
    #[error("the simulator signs with the WeChat Pay public key only (key mode public-key): it has no platform certificate to rotate")]
    NoCertificates,
    /// Signing or sealing failed (the simulator's fault).
    #[error("miniapp simulator: {0}")]
    Internal(String),
}

/// One attempt at delivering a notification (see
/// [`Simulator::wechatpay_v3_deliveries`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Delivery {
    /// The notification's `id` (`EV-…`), the same on every attempt.
    pub id: String,
    /// 1 for the first POST, 2 for the first resend, …
    pub attempt: u32,
    pub notified: Notified,
}

/// The schedule unacknowledged notifications are resent on unless told otherwise:
/// 15 s, 15 s, 30 s, 3 min, 10 min, 20 min, 30 min, 30 min, 30 min, 60 min, 3 h, 3 h,
/// 3 h, 6 h, 6 h after the attempt before, 24 h 4 min in all — WeChat Pay's published
/// schedule for API v3 payment notifications
/// (<https://pay.weixin.qq.com/wiki/doc/apiv3/apis/chapter3_2_5.shtml>, 通知频率), which
/// the simulator uses for refund notifications too.
pub const DEFAULT_REDELIVERY: [std::time::Duration; 15] = {
    use std::time::Duration;
    const M: u64 = 60;
    const H: u64 = 3600;
    [
        Duration::from_secs(15),
        Duration::from_secs(15),
        Duration::from_secs(30),
        Duration::from_secs(3 * M),
        Duration::from_secs(10 * M),
        Duration::from_secs(20 * M),
        Duration::from_secs(30 * M),
        Duration::from_secs(30 * M),
        Duration::from_secs(30 * M),
        Duration::from_secs(60 * M),
        Duration::from_secs(3 * H),
        Duration::from_secs(3 * H),
        Duration::from_secs(3 * H),
        Duration::from_secs(6 * H),
        Duration::from_secs(6 * H),
    ]
};

/// A platform certificate as the simulator lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct CertificateInfo {
    /// Upper-case hex, as `Wechatpay-Serial` names it.
    pub serial_no: String,
    pub effective_time: String,
    pub expire_time: String,
    /// The certificate, PEM.
    pub pem: String,
}

/// Everything a client needs to talk to the simulated WeChat Pay API v3 — published
/// **test** keys only (see the [module docs](self)). As JSON, what `GET
/// /_admin/wechatpay_v3/keys` answers. `Debug` leaves out the private key and the
/// APIv3 key.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct WechatPayV3Keys {
    pub merchant_id: String,
    pub app_id: String,
    /// The merchant API certificate's serial, for `Authorization`'s `serial_no`.
    pub merchant_serial: String,
    /// The merchant API private key (PEM) requests are signed with; `None` when the
    /// simulator was given another merchant key (it only has its public half).
    pub merchant_private_key: Option<String>,
    pub wechatpay_public_key_id: String,
    /// The WeChat Pay public key (PEM).
    pub wechatpay_public_key: String,
    /// The APIv3 key (32 characters).
    pub api_v3_key: String,
    /// `public-key`, `certificate` or `mixed`.
    pub key_mode: String,
    /// The platform certificates listed now (none in public-key mode).
    pub platform_certificates: Vec<CertificateInfo>,
}

impl fmt::Debug for WechatPayV3Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WechatPayV3Keys")
            .field("merchant_id", &self.merchant_id)
            .field("app_id", &self.app_id)
            .field("merchant_serial", &self.merchant_serial)
            .field("wechatpay_public_key_id", &self.wechatpay_public_key_id)
            .field("key_mode", &self.key_mode)
            .field(
                "platform_certificates",
                &self
                    .platform_certificates
                    .iter()
                    .map(|c| c.serial_no.as_str())
                    .collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

type Handler = fn(&mut Desk<'_>) -> Result<Reply, Reply>;

/// The handler of an endpoint, by its generated name.
fn handler(name: &str) -> Option<Handler> {
    use miniapp::runtime::Endpoint;
    use miniapp::wechatpay_v3::{bill, certificates, pay, refund as r};
    let table: [(&str, Handler); 12] = [
        (pay::JsapiRequest::NAME, trade::jsapi),
        (pay::AppRequest::NAME, trade::app),
        (pay::H5Request::NAME, trade::h5),
        (pay::NativeRequest::NAME, trade::native),
        (pay::QueryByIdRequest::NAME, trade::query_by_id),
        (
            pay::QueryByOutTradeNoRequest::NAME,
            trade::query_by_out_trade_no,
        ),
        (pay::CloseRequest::NAME, trade::close),
        (r::CreateRequest::NAME, refund::create),
        (r::QueryRequest::NAME, refund::query),
        (bill::TradeBillRequest::NAME, bills::trade_bill),
        (bill::FundFlowBillRequest::NAME, bills::fund_flow_bill),
        (certificates::DownloadRequest::NAME, certificates_download),
    ];
    table.iter().find(|(n, _)| *n == name).map(|(_, h)| *h)
}

/// The platform's `serve` hook: the fields the client fills from its credentials must
/// be this merchant's, then the merchant answers the endpoints it knows; any other (a
/// newer schema's) gets the generic answer.
pub(crate) fn serve(desk: &mut Desk<'_>) -> Option<Reply> {
    let handler = handler(desk.info.name)?;
    if let Err(refusal) = check_identity(desk) {
        return Some(refusal);
    }
    Some(handler(desk).unwrap_or_else(|refusal| refusal))
}

/// `appid` and `mchid` (in the body or the query, as the endpoint sends them) present
/// and this simulator's: missing is `PARAM_ERROR`, another `APPID_MCHID_NOT_MATCH`.
fn check_identity(desk: &Desk<'_>) -> Result<(), Reply> {
    let Some(entry) = wire::entry_of(desk.info.name) else {
        return Ok(());
    };
    for field in entry.filled {
        let expected = match field.from {
            Credential::AppId => desk.app_id(),
            Credential::MerchantId => desk.merchant_id(),
        };
        match desk.field(field.wire) {
            None => return Err(desk.refuse_because(Meaning::MissingField, field.wire)),
            Some(value) if value != expected => {
                return Err(desk.refuse_because(Meaning::WrongIdentity, field.wire))
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// `certificates.download`: the certificates listed now, each sealed with the APIv3
/// key; none in public-key mode.
fn certificates_download(desk: &mut Desk<'_>) -> Result<Reply, Reply> {
    let Some(setup) = desk.shared.fixed.get::<Setup>() else {
        return Err(desk.refuse_for(Meaning::BadSign));
    };
    if setup.mode == WechatPayV3KeyMode::PublicKey {
        return Err(desk.refuse_as(DownloadError::ResourceNotExists {
            message: "无可用的平台证书".into(),
        }));
    }
    let mut data = Vec::new();
    for certificate in desk
        .state
        .merchant::<Books>()?
        .listed(std::time::SystemTime::now())
    {
        let nonce = notify::nonce12();
        let ciphertext = setup
            .api_v3_key
            .encrypt(&nonce, CERTIFICATE_DATA, certificate.pem.as_bytes())
            .map_err(|e| internal(desk, &e.to_string()))?;
        data.push(PlatformCertificate {
            serial_no: certificate.serial.clone(),
            effective_time: certificate.effective_time.clone(),
            expire_time: certificate.expire_time.clone(),
            encrypt_certificate: EncryptCertificate {
                algorithm: notify::ALGORITHM.to_owned(),
                nonce,
                associated_data: Some(CERTIFICATE_DATA.to_owned()),
                ciphertext,
            },
        });
    }
    trade::answer(desk, &DownloadResponse { data })
}

/// The associated data each platform certificate is sealed with, as WeChat Pay writes.
const CERTIFICATE_DATA: &str = "certificate";

/// A refusal for the simulator's own failure (`SYSTEM_ERROR`, documented everywhere).
pub(super) fn internal(desk: &Desk<'_>, why: &str) -> Reply {
    desk.refuse_as(DownloadError::SystemError {
        message: format!("miniapp simulator: {why}"),
    })
}

/// Steering WeChat Pay API v3's merchant (feature `wechatpay_v3`).
impl Simulator {
    /// Marks a `NOTPAY` order paid (`SUCCESS`, a `transaction_id`, `success_time`
    /// now), then POSTs the `TRANSACTION.SUCCESS` notification to its `notify_url` and
    /// returns what the merchant answered (a 2xx reply acknowledges). The order stays
    /// paid whatever the answer.
    pub async fn pay_wechatpay_v3_order(
        &self,
        out_trade_no: &str,
    ) -> Result<Notified, WechatPayV3SteerError> {
        let letter = {
            self.wechatpay_v3_index()?;
            let mut state = self.shared.lock();
            let now = keys::rfc3339(std::time::SystemTime::now());
            books_mut(&mut state)?.pay(out_trade_no, &now)?;
            notify::payment(&self.shared, &mut state, out_trade_no, false)?
        };
        Ok(letter.deliver(&self.shared).await)
    }

    /// Ends a `PROCESSING` refund (`SUCCESS`, `ABNORMAL` or `CLOSED`), then POSTs the
    /// `REFUND.*` notification to the refund's `notify_url`, or the order's when the
    /// refund request had none.
    pub async fn settle_wechatpay_v3_refund(
        &self,
        out_refund_no: &str,
        outcome: WechatPayV3RefundOutcome,
    ) -> Result<Notified, WechatPayV3SteerError> {
        let letter = {
            self.wechatpay_v3_index()?;
            let mut state = self.shared.lock();
            let now = keys::rfc3339(std::time::SystemTime::now());
            books_mut(&mut state)?.settle(out_refund_no, outcome.status(), &now)?;
            notify::refund(&self.shared, &mut state, out_refund_no)?
        };
        Ok(letter.deliver(&self.shared).await)
    }

    /// POSTs a signature probe to an order's `notify_url`: its payment notification
    /// (as it stands), with `Wechatpay-Signature: WECHATPAY/SIGNTEST/…` instead of a
    /// signature, as WeChat Pay sends now and then to check that merchants verify. A
    /// merchant must refuse it: [`Notified::acknowledged`] is then `false`.
    pub async fn send_wechatpay_v3_probe(
        &self,
        out_trade_no: &str,
    ) -> Result<Notified, WechatPayV3SteerError> {
        let letter = {
            self.wechatpay_v3_index()?;
            let mut state = self.shared.lock();
            notify::payment(&self.shared, &mut state, out_trade_no, true)?
        };
        Ok(letter.deliver(&self.shared).await)
    }

    /// Rotates the platform certificates: a certificate over a new RSA key pair signs
    /// answers and notifications from now on; the one before stays listed by
    /// `/v3/certificates` for a day (at most four are listed). A client holding only
    /// the old certificate must download the list again. Returns the new serial.
    pub fn rotate_wechatpay_v3_certificate(&self) -> Result<String, WechatPayV3SteerError> {
        self.wechatpay_v3_index()?;
        let setup = self
            .shared
            .fixed
            .get::<Setup>()
            .ok_or(WechatPayV3SteerError::NotServed)?;
        if setup.mode == WechatPayV3KeyMode::PublicKey {
            return Err(WechatPayV3SteerError::NoCertificates);
        }
        // Minted outside the lock: a new RSA key takes a while.
        let next = keys::mint_new().map_err(WechatPayV3SteerError::Internal)?;
        let serial = next.serial.clone();
        let mut state = self.shared.lock();
        books_mut(&mut state)?.rotate(next, std::time::SystemTime::now());
        Ok(serial)
    }

    /// The credentials and keys of the simulated WeChat Pay API v3, for a client:
    /// `None` when it is not served.
    pub fn wechatpay_v3_keys(&self) -> Option<WechatPayV3Keys> {
        let p = self.wechatpay_v3_index().ok()?;
        let setup = self.shared.fixed.get::<Setup>()?;
        let state = self.shared.lock();
        let books = books(&state).ok()?;
        let now = std::time::SystemTime::now();
        Some(WechatPayV3Keys {
            merchant_id: self.shared.merchant_id.clone(),
            app_id: self.shared.credentials[p].0.clone(),
            merchant_serial: setup.merchant_serial.clone(),
            merchant_private_key: setup
                .builtin_merchant
                .then(|| MERCHANT_PRIVATE_KEY.to_owned()),
            wechatpay_public_key_id: PUBLIC_KEY_ID.to_owned(),
            wechatpay_public_key: WECHATPAY_PUBLIC_KEY.to_owned(),
            api_v3_key: setup.api_v3_text.clone(),
            key_mode: setup.mode.to_string(),
            platform_certificates: books
                .listed(now)
                .map(|c| CertificateInfo {
                    serial_no: c.serial.clone(),
                    effective_time: c.effective_time.clone(),
                    expire_time: c.expire_time.clone(),
                    pem: c.pem.clone(),
                })
                .collect(),
        })
    }

    /// The latest notification deliveries (at most 256), oldest first: every POST,
    /// first attempts and resends, with what the merchant answered.
    pub fn wechatpay_v3_deliveries(&self) -> Vec<Delivery> {
        books(&self.shared.lock())
            .map(|b| b.deliveries().cloned().collect())
            .unwrap_or_default()
    }

    /// Every order placed so far, oldest first.
    pub fn wechatpay_v3_orders(&self) -> Vec<Order> {
        let state = self.shared.lock();
        let Ok(books) = books(&state) else {
            return Vec::new();
        };
        books.all_orders().map(|e| books.snapshot(e)).collect()
    }

    /// The order with this `out_trade_no`.
    pub fn wechatpay_v3_order(&self, out_trade_no: &str) -> Option<Order> {
        let state = self.shared.lock();
        let books = books(&state).ok()?;
        books.order(out_trade_no).map(|e| books.snapshot(e))
    }

    /// Every refund asked for so far, oldest first.
    pub fn wechatpay_v3_refunds(&self) -> Vec<Refund> {
        let state = self.shared.lock();
        books(&state)
            .map(|b| b.all_refunds().map(|e| e.refund.clone()).collect())
            .unwrap_or_default()
    }

    /// The refund with this `out_refund_no`.
    pub fn wechatpay_v3_refund(&self, out_refund_no: &str) -> Option<Refund> {
        let state = self.shared.lock();
        books(&state)
            .ok()?
            .refund(out_refund_no)
            .map(|e| e.refund.clone())
    }

    /// `limit` orders from the `offset`-th oldest on, and how many are kept.
    pub(crate) fn wechatpay_v3_orders_page(
        &self,
        offset: usize,
        limit: usize,
    ) -> (Vec<Order>, usize) {
        let state = self.shared.lock();
        let Ok(books) = books(&state) else {
            return (Vec::new(), 0);
        };
        let page = books.all_orders().skip(offset).take(limit);
        (page.map(|e| books.snapshot(e)).collect(), books.counts().0)
    }

    /// `limit` refunds from the `offset`-th oldest on, and how many are kept.
    pub(crate) fn wechatpay_v3_refunds_page(
        &self,
        offset: usize,
        limit: usize,
    ) -> (Vec<Refund>, usize) {
        let state = self.shared.lock();
        let Ok(books) = books(&state) else {
            return (Vec::new(), 0);
        };
        let page = books.all_refunds().skip(offset).take(limit);
        (page.map(|e| e.refund.clone()).collect(), books.counts().1)
    }

    pub(crate) fn wechatpay_v3_index(&self) -> Result<usize, WechatPayV3SteerError> {
        self.shared
            .merchant_platform(PLATFORM)
            .ok_or(WechatPayV3SteerError::NotServed)
    }
}

/// The bill download path (outside the schema's endpoints), answered by the platform's
/// `extra` hook.
pub(crate) use bills::extra;

/// The books in `state`, for the steering calls.
fn books(state: &State) -> Result<&Books, WechatPayV3SteerError> {
    state
        .merchants
        .get()
        .ok_or(WechatPayV3SteerError::NotServed)
}

fn books_mut(state: &mut State) -> Result<&mut Books, WechatPayV3SteerError> {
    state
        .merchants
        .get_mut()
        .ok_or(WechatPayV3SteerError::NotServed)
}

impl Merchant for Books {
    /// Its keys from the builder's settings (fixed, read without the lock), the
    /// platform certificates minted into the books.
    fn start(start: &mut Start<'_>) -> Result<Self, String> {
        let default = Settings::default();
        let settings = start.settings.get::<Settings>().unwrap_or(&default);
        let setup = Setup::new(settings)?;
        let mut books = Books::new(start.limits);
        if let Some(first) = setup.first_certificate()? {
            books.certificates.push(first);
        }
        start.fixed.insert(setup);
        Ok(books)
    }
    fn serve(desk: &mut Desk<'_>) -> Option<Reply> {
        serve(desk)
    }
    fn admin(router: axum::Router<crate::admin::Sim>) -> axum::Router<crate::admin::Sim> {
        admin::routes(router)
    }
}

impl Held for Books {
    fn reset(&mut self) {
        self.clear();
    }
    fn holdings(&self) -> Value {
        let (orders, refunds) = self.counts();
        serde_json::json!({"orders": orders, "refunds": refunds})
    }
}

/// Settings of the simulated WeChat Pay API v3.
impl SimulatorBuilder {
    /// How the simulated WeChat Pay API v3 signs answers and notifications (default
    /// [`WechatPayV3KeyMode::PublicKey`]):
    /// with the WeChat Pay public key, platform certificates, or both as during a
    /// migration. See [this module](self).
    pub fn wechatpay_v3_keys(mut self, mode: WechatPayV3KeyMode) -> Self {
        self.settings.update(|s: &mut Settings| s.mode = mode);
        self
    }
    /// The APIv3 key the simulated WeChat Pay API v3 seals notifications and
    /// certificates with (32 characters; default [`API_V3_KEY`]).
    /// Another length makes [`SimulatorBuilder::start`] fail with `InvalidInput`.
    pub fn wechatpay_v3_api_v3_key(mut self, key: impl Into<String>) -> Self {
        let key = key.into();
        self.settings.update(|s: &mut Settings| s.api_v3_key = key);
        self
    }
    /// The merchant API certificate the simulated WeChat Pay API v3 expects requests
    /// signed with: its serial (`serial_no` of `Authorization`, hex) and its public key
    /// (PEM or bare base64); default [`MERCHANT_SERIAL`] and
    /// [`MERCHANT_PUBLIC_KEY`], the half of
    /// [`MERCHANT_PRIVATE_KEY`].
    pub fn wechatpay_v3_merchant_key(
        mut self,
        serial: impl Into<String>,
        public_key: impl Into<String>,
    ) -> Self {
        let (serial, public_key) = (serial.into(), public_key.into());
        self.settings.update(|s: &mut Settings| {
            s.merchant_serial = serial;
            s.merchant_public_key = public_key;
        });
        self
    }
    /// The delays after which the simulated WeChat Pay API v3 resends a notification
    /// the merchant did not acknowledge with a 2xx (each after the attempt before; at
    /// most 32 resends; default [`DEFAULT_REDELIVERY`], WeChat Pay's
    /// published schedule from 15 s to 6 h). Empty: never resent. Signature probes are
    /// never resent.
    pub fn wechatpay_v3_redelivery(
        mut self,
        schedule: impl IntoIterator<Item = std::time::Duration>,
    ) -> Self {
        let schedule: Vec<_> = schedule.into_iter().collect();
        self.settings
            .update(|s: &mut Settings| s.redelivery = schedule);
        self
    }
}

/// WeChat Pay API v3 (`api.mch.weixin.qq.com/v3/…`): the generated
/// `miniapp::wechatpay_v3::{ENDPOINTS, ENVELOPE}` with the merchant of
/// this module.
///
/// * JSON both ways; every request signed whole in `Authorization:
///   WECHATPAY2-SHA256-RSA2048 …` (method, path and query as received, timestamp, nonce,
///   exact body) with the merchant's API key, for the simulator's `mchid` and merchant
///   certificate serial, the timestamp within 5 minutes: else HTTP 401 `SIGN_ERROR`.
///   A body that is not JSON, a missing or malformed field: 400 `PARAM_ERROR`; another
///   `appid` or `mchid`: 400 `APPID_MCHID_NOT_MATCH`.
/// * Every answer — refusals too — in the status its code is documented with, signed
///   in `Wechatpay-*` headers with the WeChat Pay public key or a platform certificate,
///   as the key mode says (see [`WechatPayV3KeyMode`]).
pub fn platform() -> Platform {
    use miniapp::runtime::Platform as _;
    use miniapp::wechatpay_v3::WechatPayV3;
    Platform::new(
        WechatPayV3::NAME,
        miniapp::wechatpay_v3::ENDPOINTS,
        miniapp::wechatpay_v3::ENVELOPE,
    )
    .refusals(WechatPayV3::REFUSALS)
    .merchant(registration::<Books>())
    .whole(authenticate, respond)
    .extra(extra)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every endpoint of the generated table has an encoder and a handler here: a new
    /// schema endpoint fails this test rather than being served by the docs' example.
    #[test]
    fn every_generated_endpoint_is_served() {
        for info in miniapp::wechatpay_v3::ENDPOINTS {
            assert!(wire::entry_of(info.name).is_some(), "{}", info.name);
            assert!(handler(info.name).is_some(), "{}", info.name);
        }
        assert_eq!(
            wire::entries().len(),
            miniapp::wechatpay_v3::ENDPOINTS.len()
        );
    }

    #[test]
    fn key_modes_read_their_names() {
        for mode in [
            WechatPayV3KeyMode::PublicKey,
            WechatPayV3KeyMode::Certificate,
            WechatPayV3KeyMode::Mixed,
        ] {
            assert_eq!(mode.as_str().parse::<WechatPayV3KeyMode>(), Ok(mode));
        }
        assert!("certificates".parse::<WechatPayV3KeyMode>().is_err());
    }

    /// The shipped keys are the pairs they claim to be.
    #[test]
    fn the_test_keys_are_pairs() {
        use miniapp::crypto::rsa::{PrivateKey, PublicKey};
        let merchant = PrivateKey::parse(MERCHANT_PRIVATE_KEY).unwrap();
        let signature = merchant.sign(b"m").unwrap();
        PublicKey::parse(MERCHANT_PUBLIC_KEY)
            .unwrap()
            .verify(b"m", &signature)
            .unwrap();
        let wechatpay = PrivateKey::parse(WECHATPAY_PRIVATE_KEY).unwrap();
        let signature = wechatpay.sign(b"w").unwrap();
        PublicKey::parse(WECHATPAY_PUBLIC_KEY)
            .unwrap()
            .verify(b"w", &signature)
            .unwrap();
        assert_eq!(API_V3_KEY.len(), 32);
    }
}
