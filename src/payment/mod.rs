//! One payment API over WeChat Pay (v2 and API v3) and Alipay, modelled on uniCloud's payment API
//! (`uniCloud.openapi.payment`, the `uni-pay` plugin): `getOrderInfo`, `orderQuery`, `closeOrder`,
//! `cancelOrder`, `refund`, `refundQuery`, `downloadBill`, `downloadFundflow`,
//! `verifyPaymentNotify`, `verifyRefundNotify` (feature `payment`).
//!
//! A [`Payment`] is built for one provider and runs every call through that provider's
//! generated client ([`crate::wechatpay::Client`], [`crate::alipay::Client`]): the same
//! signing, answer verification, retries and typed errors, no second HTTP layer.
//! Requests and results are in uniCloud's shape — amounts in integer fen, names in
//! camelCase when serialised, states unified ([`TradeState`]) with the provider's own
//! word kept. A call the provider does not have fails with
//! [`PaymentError::Unsupported`], before anything is sent.
//!
//! ```no_run
//! # async fn demo(pkcs12: Vec<u8>) -> Result<(), Box<dyn std::error::Error>> {
//! use miniapp::payment::{ClientType, OrderInfoRequest, OrderRef, Payment, RefundRequest};
//!
//! let pay = Payment::wechat("wx-app-id", "1230000109", "merchant-api-key")
//!     .pfx(pkcs12) // the merchant certificate, for refunds
//!     .client_type(ClientType::MpWeixin)
//!     .build()?;
//! let order_info = pay
//!     .get_order_info(
//!         OrderInfoRequest::new("20150806125346", 1, "https://example.com/pay/notify")
//!             .body("一杯茶")
//!             .openid("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"),
//!     )
//!     .await?;
//! // hand `order_info` (serialised) to uni.requestPayment / wx.requestPayment
//! let state = pay.order_query(OrderRef::out_trade_no("20150806125346")).await?.trade_state;
//! let refund = RefundRequest::new(OrderRef::out_trade_no("20150806125346"), 1)
//!     .out_refund_no("R20150806125346")
//!     .total_fee(1);
//! pay.refund(refund).await?;
//! # let _ = (order_info, state);
//! # Ok(()) }
//! ```
//!
//! | call | WeChat Pay v2 | WeChat Pay API v3 | Alipay |
//! |---|---|---|---|
//! | `get_order_info` | unifiedOrder → `wx.requestPayment` / App `PayReq` parameters | jsapi / app → the same parameters, `signType: "RSA"` | `mp-alipay`: trade.create → `trade_no`; `app-plus`: the signed App order string |
//! | `order_query` | orderQuery | query by `out_trade_no` / `transaction_id` | trade.query |
//! | `close_order` | closeOrder (by `outTradeNo` only) | close (by `outTradeNo` only) | trade.close |
//! | `cancel_order` | unsupported | unsupported | trade.cancel |
//! | `refund` | refund (merchant certificate) | refund create | trade.refund |
//! | `refund_query` | refundQuery | refund query (by `outRefundNo` only) | trade.fastpay.refund.query |
//! | `download_bill` / `download_fundflow` | downloadBill / downloadFundflow | tradeBill / fundFlowBill, then the file, hash checked | unsupported |
//! | `verify_payment_notify` / `verify_refund_notify` / `verify_notify` | signed XML / encrypted `req_info` | signed headers over the exact JSON, resource AES-256-GCM | RSA2-signed forms (refunds arrive at the trade's `notify_url`) |

mod alipay;
mod error;
mod notify;
mod types;
mod wechat;
mod wechat_v3;

pub use error::PaymentError;
pub use notify::{
    Notification, NotifyError, NotifyReply, NotifyRequest, PaymentNotify, RefundNotify, Verified,
};
pub use types::{
    ClientType, CloseResult, OrderInfo, OrderInfoRequest, OrderQueryResult, OrderRef, RefundCoupon,
    RefundItem, RefundQueryRequest, RefundQueryResult, RefundRequest, RefundResult, RefundRoyalty,
    Statement, TradeState,
};

use crate::crypto::rsa::KeyFormat;
use crate::runtime::Secret;
use crate::wechatpay::{Bill, FundFlow};
use std::fmt;
use std::time::Duration;

/// The payment provider a [`Payment`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Provider {
    /// WeChat Pay v2 (`api.mch.weixin.qq.com`).
    WechatPay,
    /// Alipay (`openapi.alipay.com`).
    Alipay,
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Provider::WechatPay => "WeChat Pay",
            Provider::Alipay => "Alipay",
        })
    }
}

/// uniCloud's settings (`appId, mchId, key, pfx, privateKey, keyType,
/// alipayPublicKey, timeout, signType, sandbox, clientType`), filled by
/// [`Payment::wechat`] / [`Payment::alipay`] and the builder's setters. Keys never
/// appear in `Debug`.
#[derive(Clone, Default)]
pub struct PaymentSettings {
    pub app_id: String,
    /// WeChat Pay's merchant id.
    pub mch_id: Option<String>,
    /// WeChat Pay's API key (the MD5 / HMAC key).
    pub key: Option<Secret<String>>,
    /// WeChat Pay's merchant certificate, PKCS#12 (`apiclient_cert.p12`; its password
    /// is the `mchId`), for refunds and fund flows.
    pub pfx: Option<Secret<Vec<u8>>>,
    /// Alipay's app private key (PKCS#8 or PKCS#1, PEM or bare base64).
    pub private_key: Option<Secret<String>>,
    /// The app private key's encoding (`PKCS8` / `PKCS1`); by default its form tells.
    pub key_type: Option<KeyFormat>,
    /// Alipay's public key (PEM or bare base64) that answers and notifications are
    /// verified with.
    pub alipay_public_key: Option<String>,
    /// Per exchange (uniCloud's default: 5000 ms).
    pub timeout: Option<Duration>,
    /// WeChat Pay `MD5` (default) or `HMAC-SHA256`; Alipay `RSA2` (the only one).
    pub sign_type: Option<String>,
    /// Use the provider's sandbox.
    pub sandbox: bool,
    /// The paying client `getOrderInfo` makes parameters for, unless an order says.
    pub client_type: Option<ClientType>,
}

impl fmt::Debug for PaymentSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PaymentSettings")
            .field("app_id", &self.app_id)
            .field("mch_id", &self.mch_id)
            .field("key", &self.key)
            .field("pfx", &self.pfx.as_ref().map(|_| "***"))
            .field("private_key", &self.private_key)
            .field("key_type", &self.key_type)
            .field("alipay_public_key", &self.alipay_public_key.is_some())
            .field("timeout", &self.timeout)
            .field("sign_type", &self.sign_type)
            .field("sandbox", &self.sandbox)
            .field("client_type", &self.client_type)
            .finish()
    }
}

/// The caller's own settings of a provider's client.
type Hook<P> = Box<
    dyn FnOnce(crate::runtime::ClientBuilder<P>) -> crate::runtime::ClientBuilder<P> + Send + Sync,
>;
type WechatHook = Hook<crate::wechatpay::WechatPay>;
type WechatV3Hook = Hook<crate::wechatpay_v3::WechatPayV3>;

/// uniCloud's WeChat Pay API v3 settings (`wxpay` with `version: 3`): besides `appId`,
/// `mchId` and the merchant private key, the merchant certificate's serial (`serialNo`,
/// or the certificate `appCert` it is read from), the APIv3 key (`v3Key`), and how
/// WeChat Pay's answers are verified — its public key with the key's id
/// (`wxpayPublicKey`, `wxpayPublicKeyId`), platform certificates, or downloads of them.
/// Set through [`Payment::wechat_v3`] and the builder; keys never appear in `Debug`.
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct WechatPayV3Settings {
    pub serial_no: Option<String>,
    pub app_cert: Option<String>,
    pub v3_key: Option<Secret<String>>,
    pub wxpay_public_key_id: Option<String>,
    pub wxpay_public_key: Option<String>,
    pub platform_certificates: Vec<String>,
    pub download_platform_certificates: bool,
}

impl fmt::Debug for WechatPayV3Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WechatPayV3Settings")
            .field("serial_no", &self.serial_no)
            .field("app_cert", &self.app_cert.is_some())
            .field("v3_key", &self.v3_key)
            .field("wxpay_public_key_id", &self.wxpay_public_key_id)
            .field("wxpay_public_key", &self.wxpay_public_key.is_some())
            .field("platform_certificates", &self.platform_certificates.len())
            .field(
                "download_platform_certificates",
                &self.download_platform_certificates,
            )
            .finish()
    }
}
type AlipayHook = Hook<crate::alipay::Alipay>;

/// Builds a [`Payment`]; see [`Payment::wechat`] and [`Payment::alipay`].
pub struct PaymentBuilder {
    provider: Provider,
    settings: PaymentSettings,
    base_url: Option<String>,
    http: Option<reqwest::Client>,
    wechat_hook: Option<WechatHook>,
    alipay_hook: Option<AlipayHook>,
    /// WeChat Pay through API v3 instead of v2 ([`Payment::wechat_v3`]).
    v3: Option<WechatPayV3Settings>,
    wechat_v3_hook: Option<WechatV3Hook>,
}

impl fmt::Debug for PaymentBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PaymentBuilder")
            .field("provider", &self.provider)
            .field("settings", &self.settings)
            .field("base_url", &self.base_url)
            .field("v3", &self.v3)
            .finish_non_exhaustive()
    }
}

impl PaymentBuilder {
    /// From settings as a whole (uniCloud's config object).
    pub fn from_settings(provider: Provider, settings: PaymentSettings) -> Self {
        PaymentBuilder {
            provider,
            settings,
            base_url: None,
            http: None,
            wechat_hook: None,
            alipay_hook: None,
            v3: None,
            wechat_v3_hook: None,
        }
    }
    /// API v3 public-key mode: the WeChat Pay public key (`wxpayPublicKey`, PEM) and
    /// its id (`wxpayPublicKeyId`, `PUB_KEY_ID_…`).
    pub fn wxpay_public_key(mut self, id: impl Into<String>, key: impl Into<String>) -> Self {
        let v3 = self.v3.get_or_insert_with(Default::default);
        v3.wxpay_public_key_id = Some(id.into());
        v3.wxpay_public_key = Some(key.into());
        self
    }
    /// API v3 certificate mode: WeChat Pay platform certificates (PEM).
    pub fn platform_certificates(mut self, pem: impl Into<String>) -> Self {
        let v3 = self.v3.get_or_insert_with(Default::default);
        v3.platform_certificates.push(pem.into());
        self
    }
    /// API v3 certificate mode with downloads (see
    /// [`crate::wechatpay_v3::ClientBuilder::download_platform_certificates`]).
    pub fn download_platform_certificates(mut self) -> Self {
        self.v3
            .get_or_insert_with(Default::default)
            .download_platform_certificates = true;
        self
    }
    /// Any other setting of the API v3 client (clock skew, retry policy, …).
    pub fn configure_wechatpay_v3(
        mut self,
        f: impl FnOnce(crate::wechatpay_v3::ClientBuilder) -> crate::wechatpay_v3::ClientBuilder
            + Send
            + Sync
            + 'static,
    ) -> Self {
        self.wechat_v3_hook = Some(Box::new(f));
        self
    }
    /// WeChat Pay's merchant certificate as PKCS#12 (`pfx`), needed by refunds.
    pub fn pfx(mut self, pkcs12: impl Into<Vec<u8>>) -> Self {
        self.settings.pfx = Some(Secret::new(pkcs12.into()));
        self
    }
    /// The app private key's encoding (`keyType`).
    pub fn key_type(mut self, format: KeyFormat) -> Self {
        self.settings.key_type = Some(format);
        self
    }
    /// Per exchange (default 5 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.settings.timeout = Some(timeout);
        self
    }
    /// `signType`: WeChat Pay `MD5` / `HMAC-SHA256`, Alipay `RSA2`.
    pub fn sign_type(mut self, sign_type: impl Into<String>) -> Self {
        self.settings.sign_type = Some(sign_type.into());
        self
    }
    /// Talk to the provider's sandbox.
    pub fn sandbox(mut self, sandbox: bool) -> Self {
        self.settings.sandbox = sandbox;
        self
    }
    /// The paying client `getOrderInfo` makes parameters for.
    pub fn client_type(mut self, client_type: ClientType) -> Self {
        self.settings.client_type = Some(client_type);
        self
    }
    /// Sends every call elsewhere (the simulator, a proxy).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }
    /// Your HTTP client (connection pool, proxy).
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }
    /// Any other setting of the WeChat Pay client (retry policy, PEM certificate, …).
    pub fn configure_wechatpay(
        mut self,
        f: impl FnOnce(crate::wechatpay::ClientBuilder) -> crate::wechatpay::ClientBuilder
            + Send
            + Sync
            + 'static,
    ) -> Self {
        self.wechat_hook = Some(Box::new(f));
        self
    }
    /// Any other setting of the Alipay client (certificate mode, retry policy, …).
    pub fn configure_alipay(
        mut self,
        f: impl FnOnce(crate::alipay::ClientBuilder) -> crate::alipay::ClientBuilder
            + Send
            + Sync
            + 'static,
    ) -> Self {
        self.alipay_hook = Some(Box::new(f));
        self
    }

    /// Checks the settings and builds the provider's client (keys and certificates
    /// are parsed now).
    pub fn build(self) -> Result<Payment, PaymentError> {
        let client_type = self.settings.client_type;
        let backend = match (self.provider, &self.v3) {
            (Provider::WechatPay, Some(v3)) => Backend::WechatPayV3(wechat_v3::client(
                &self.settings,
                v3,
                self.base_url,
                self.http,
                self.wechat_v3_hook,
            )?),
            (Provider::WechatPay, None) => Backend::WechatPay(wechat::client(
                &self.settings,
                self.base_url,
                self.http,
                self.wechat_hook,
            )?),
            (Provider::Alipay, _) => Backend::Alipay(alipay::client(
                &self.settings,
                self.base_url,
                self.http,
                self.alipay_hook,
            )?),
        };
        Ok(Payment {
            backend,
            client_type,
        })
    }
}

/// The settings both providers' clients take alike, the caller's own settings last,
/// then the client built (keys and certificates checked now).
fn finish<P: crate::runtime::Platform>(
    mut builder: crate::runtime::ClientBuilder<P>,
    provider: Provider,
    settings: &PaymentSettings,
    base_url: Option<String>,
    http: Option<reqwest::Client>,
    hook: Option<Hook<P>>,
) -> Result<crate::runtime::Client<P>, PaymentError> {
    if settings.sandbox {
        builder = builder.sandbox();
    }
    if let Some(timeout) = settings.timeout {
        builder = builder.timeout(timeout);
    }
    if let Some(url) = base_url {
        builder = builder.base_url(url);
    }
    if let Some(http) = http {
        builder = builder.http_client(http);
    }
    if let Some(hook) = hook {
        builder = hook(builder);
    }
    builder.try_build().map_err(|e| PaymentError::Settings {
        provider,
        reason: e.to_string(),
    })
}

enum Backend {
    WechatPay(crate::wechatpay::Client),
    WechatPayV3(crate::wechatpay_v3::Client),
    Alipay(crate::alipay::Client),
}

/// One provider's payments behind uniCloud's ten payment calls. Build one per provider and
/// share it (`Arc`): the client underneath pools connections.
pub struct Payment {
    backend: Backend,
    client_type: Option<ClientType>,
}

impl fmt::Debug for Payment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Payment")
            .field("provider", &self.provider())
            .field("app_id", &self.app_id())
            .field("client_type", &self.client_type)
            .finish_non_exhaustive()
    }
}

impl Payment {
    /// WeChat Pay v2 with the app id, merchant id and API key (`appId, mchId, key`).
    pub fn wechat(
        app_id: impl Into<String>,
        mch_id: impl Into<String>,
        key: impl Into<String>,
    ) -> PaymentBuilder {
        PaymentBuilder::from_settings(
            Provider::WechatPay,
            PaymentSettings {
                app_id: app_id.into(),
                mch_id: Some(mch_id.into()),
                key: Some(Secret::new(key.into())),
                ..PaymentSettings::default()
            },
        )
    }
    /// WeChat Pay API v3 (uniCloud's `wxpay` with `version: 3`) with the app id, the
    /// merchant id, the merchant API certificate's serial, the merchant API private key
    /// and the APIv3 key (`appId, mchId, serialNo, privateKey, v3Key`); then how WeChat
    /// Pay's answers are verified: [`PaymentBuilder::wxpay_public_key`] (what every
    /// merchant opened since about late 2024 has), [`PaymentBuilder::platform_certificates`]
    /// or [`PaymentBuilder::download_platform_certificates`], or both during a migration.
    pub fn wechat_v3(
        app_id: impl Into<String>,
        mch_id: impl Into<String>,
        serial_no: impl Into<String>,
        private_key: impl Into<String>,
        v3_key: impl Into<String>,
    ) -> PaymentBuilder {
        let mut builder = PaymentBuilder::from_settings(
            Provider::WechatPay,
            PaymentSettings {
                app_id: app_id.into(),
                mch_id: Some(mch_id.into()),
                private_key: Some(Secret::new(private_key.into())),
                ..PaymentSettings::default()
            },
        );
        builder.v3 = Some(WechatPayV3Settings {
            serial_no: Some(serial_no.into()),
            v3_key: Some(Secret::new(v3_key.into())),
            ..WechatPayV3Settings::default()
        });
        builder
    }
    /// Alipay with the app id, app private key and Alipay public key (`appId,
    /// privateKey, alipayPublicKey`).
    pub fn alipay(
        app_id: impl Into<String>,
        private_key: impl Into<String>,
        alipay_public_key: impl Into<String>,
    ) -> PaymentBuilder {
        PaymentBuilder::from_settings(
            Provider::Alipay,
            PaymentSettings {
                app_id: app_id.into(),
                private_key: Some(Secret::new(private_key.into())),
                alipay_public_key: Some(alipay_public_key.into()),
                ..PaymentSettings::default()
            },
        )
    }
    /// Over a WeChat Pay client built elsewhere.
    pub fn from_wechatpay(client: crate::wechatpay::Client) -> Payment {
        Payment {
            backend: Backend::WechatPay(client),
            client_type: None,
        }
    }
    /// Over a WeChat Pay API v3 client built elsewhere.
    pub fn from_wechatpay_v3(client: crate::wechatpay_v3::Client) -> Payment {
        Payment {
            backend: Backend::WechatPayV3(client),
            client_type: None,
        }
    }
    /// Over an Alipay client built elsewhere.
    pub fn from_alipay(client: crate::alipay::Client) -> Payment {
        Payment {
            backend: Backend::Alipay(client),
            client_type: None,
        }
    }
    /// The paying client `getOrderInfo` makes parameters for, unless an order says.
    pub fn with_client_type(mut self, client_type: ClientType) -> Payment {
        self.client_type = Some(client_type);
        self
    }

    pub fn provider(&self) -> Provider {
        match self.backend {
            Backend::WechatPay(_) | Backend::WechatPayV3(_) => Provider::WechatPay,
            Backend::Alipay(_) => Provider::Alipay,
        }
    }
    /// WeChat Pay's API version underneath (2 or 3; uniCloud's `version`); `None` for
    /// Alipay.
    pub fn wechatpay_version(&self) -> Option<u8> {
        match self.backend {
            Backend::WechatPay(_) => Some(2),
            Backend::WechatPayV3(_) => Some(3),
            Backend::Alipay(_) => None,
        }
    }
    pub fn app_id(&self) -> &str {
        match &self.backend {
            Backend::WechatPay(c) => c.app_id(),
            Backend::WechatPayV3(c) => c.app_id(),
            Backend::Alipay(c) => c.app_id(),
        }
    }
    /// The WeChat Pay API v3 client underneath, for its calls the facade does not
    /// cover (and its certificate refreshes).
    pub fn wechatpay_v3_client(&self) -> Option<&crate::wechatpay_v3::Client> {
        match &self.backend {
            Backend::WechatPayV3(c) => Some(c),
            _ => None,
        }
    }
    /// The WeChat Pay client underneath, for its calls the facade does not cover.
    pub fn wechatpay_client(&self) -> Option<&crate::wechatpay::Client> {
        match &self.backend {
            Backend::WechatPay(c) => Some(c),
            _ => None,
        }
    }
    /// The WeChat Pay client underneath.
    #[deprecated(
        since = "0.2.0",
        note = "renamed `wechatpay_client`, like `alipay_client`"
    )]
    pub fn wechatpay(&self) -> Option<&crate::wechatpay::Client> {
        self.wechatpay_client()
    }
    /// The Alipay client underneath, for its calls the facade does not cover.
    pub fn alipay_client(&self) -> Option<&crate::alipay::Client> {
        match &self.backend {
            Backend::Alipay(c) => Some(c),
            _ => None,
        }
    }

    /// `getOrderInfo`: places the order and returns what the paying client needs.
    pub async fn get_order_info(
        &self,
        request: OrderInfoRequest,
    ) -> Result<OrderInfo, PaymentError> {
        let client_type = request.client_type.or(self.client_type).ok_or_else(|| {
            PaymentError::invalid(
                self.provider(),
                "getOrderInfo",
                "no clientType: set it on the payment (client_type) or on the order",
            )
        })?;
        match &self.backend {
            Backend::WechatPay(c) => wechat::order_info(c, client_type, request).await,
            Backend::WechatPayV3(c) => wechat_v3::order_info(c, client_type, request).await,
            Backend::Alipay(c) => alipay::order_info(c, client_type, request).await,
        }
    }

    /// `orderQuery`.
    pub async fn order_query(&self, order: OrderRef) -> Result<OrderQueryResult, PaymentError> {
        match &self.backend {
            Backend::WechatPay(c) => wechat::order_query(c, order).await,
            Backend::WechatPayV3(c) => wechat_v3::order_query(c, order).await,
            Backend::Alipay(c) => alipay::order_query(c, order).await,
        }
    }

    /// `closeOrder`: closes an unpaid order (WeChat Pay: by `outTradeNo` only).
    pub async fn close_order(&self, order: OrderRef) -> Result<CloseResult, PaymentError> {
        match &self.backend {
            Backend::WechatPay(c) => wechat::close_order(c, order).await,
            Backend::WechatPayV3(c) => wechat_v3::close_order(c, order).await,
            Backend::Alipay(c) => alipay::close_order(c, order).await,
        }
    }

    /// `cancelOrder` (Alipay only): closes an unpaid trade, refunds a paid one.
    pub async fn cancel_order(&self, order: OrderRef) -> Result<CloseResult, PaymentError> {
        match &self.backend {
            Backend::WechatPay(_) | Backend::WechatPayV3(_) => Err(PaymentError::unsupported(
                Provider::WechatPay,
                "cancelOrder",
            )),
            Backend::Alipay(c) => alipay::cancel_order(c, order).await,
        }
    }

    /// `refund`. Asking again with the same refund number is safe: it is the same
    /// refund (the generated clients retry busy answers only that way).
    pub async fn refund(&self, request: RefundRequest) -> Result<RefundResult, PaymentError> {
        match &self.backend {
            Backend::WechatPay(c) => wechat::refund(c, request).await,
            Backend::WechatPayV3(c) => wechat_v3::refund(c, request).await,
            Backend::Alipay(c) => alipay::refund(c, request).await,
        }
    }

    /// `refundQuery`.
    pub async fn refund_query(
        &self,
        request: RefundQueryRequest,
    ) -> Result<RefundQueryResult, PaymentError> {
        match &self.backend {
            Backend::WechatPay(c) => wechat::refund_query(c, request).await,
            Backend::WechatPayV3(c) => wechat_v3::refund_query(c, request).await,
            Backend::Alipay(c) => alipay::refund_query(c, request).await,
        }
    }

    /// `downloadBill` (WeChat Pay only): the day's bill, `bill_date` `yyyyMMdd`,
    /// `bill_type` `ALL` (default), `SUCCESS`, `REFUND` or `RECHARGE_REFUND`.
    pub async fn download_bill(
        &self,
        bill_date: &str,
        bill_type: Option<&str>,
    ) -> Result<Statement<Bill>, PaymentError> {
        match &self.backend {
            Backend::WechatPay(c) => wechat::download_bill(c, bill_date, bill_type).await,
            Backend::WechatPayV3(c) => wechat_v3::download_bill(c, bill_date, bill_type).await,
            Backend::Alipay(_) => Err(PaymentError::unsupported(Provider::Alipay, "downloadBill")),
        }
    }

    /// `downloadFundflow` (WeChat Pay only): `account_type` `Basic` (default),
    /// `Operation` or `Fees`.
    pub async fn download_fundflow(
        &self,
        bill_date: &str,
        account_type: Option<&str>,
    ) -> Result<Statement<FundFlow>, PaymentError> {
        match &self.backend {
            Backend::WechatPay(c) => wechat::download_fundflow(c, bill_date, account_type).await,
            Backend::WechatPayV3(c) => {
                wechat_v3::download_fundflow(c, bill_date, account_type).await
            }
            Backend::Alipay(_) => Err(PaymentError::unsupported(
                Provider::Alipay,
                "downloadFundflow",
            )),
        }
    }

    /// `verifyPaymentNotify`: a payment notification, verified, and the reply that
    /// acknowledges it. A refund notification is refused with
    /// [`NotifyError::WrongKind`].
    pub fn verify_payment_notify(
        &self,
        request: NotifyRequest<'_>,
    ) -> Result<Verified<PaymentNotify>, NotifyError> {
        self.verify_notify(request)?.narrow("payment", |n| match n {
            Notification::Payment(n) => Some(n),
            Notification::Refund(_) => None,
        })
    }

    /// `verifyRefundNotify`: a refund notification, verified (WeChat Pay: decrypted),
    /// and the reply that acknowledges it.
    pub fn verify_refund_notify(
        &self,
        request: NotifyRequest<'_>,
    ) -> Result<Verified<RefundNotify>, NotifyError> {
        self.verify_notify(request)?.narrow("refund", |n| match n {
            Notification::Refund(n) => Some(n),
            Notification::Payment(_) => None,
        })
    }

    /// Either kind of notification, for a URL that receives both.
    pub fn verify_notify(
        &self,
        request: NotifyRequest<'_>,
    ) -> Result<Verified<Notification>, NotifyError> {
        match &self.backend {
            Backend::WechatPay(c) => wechat::verify_notify(c, request),
            Backend::WechatPayV3(c) => wechat_v3::verify_notify(c, request),
            Backend::Alipay(c) => alipay::verify_notify(c, request),
        }
    }

    /// The reply that refuses a notification (the provider sends it again later).
    pub fn reply_fail(&self, reason: &str) -> NotifyReply {
        match self.backend {
            Backend::WechatPay(_) => wechat::reply_fail(reason),
            Backend::WechatPayV3(_) => wechat_v3::reply_fail(reason),
            Backend::Alipay(_) => alipay::reply_fail(),
        }
    }
}
