//! Alipay open platform (`openapi.alipay.com/gateway.do`): every call a signed form
//! post naming its operation in `method`, business fields packed in `biz_content`, every
//! answer verified with Alipay's public key over its exact wire text before it is used.
//!
//! ```no_run
//! # async fn demo(private_key: &str, alipay_public_key: &str) -> Result<(), Box<dyn std::error::Error>> {
//! use miniapp::alipay::{auth::Code2SessionRequest, trade::CreateRequest, Client};
//! let ali = Client::new("2021000000000000", private_key, alipay_public_key)?;
//! let user = ali.auth().code2_session(Code2SessionRequest::new("auth-code-from-my.getAuthCode")).await?;
//! let trade = ali
//!     .trade()
//!     .create(
//!         CreateRequest::new("20150320010101001", 88_88, "Iphone6 16G") // ¥88.88, in fen
//!             .buyer_open_id(user.open_id.clone().unwrap_or_default())
//!             .notify_url("https://example.com/alipay/notify"),
//!     )
//!     .await?;
//! println!("my.tradePay({{ tradeNO: {:?} }})", trade.trade_no);
//! # Ok(()) }
//! ```
//!
//! Keys: the app private key in PKCS#8 or PKCS#1, PEM or bare base64 (force one with
//! [`ClientBuilder::key_format`], uniCloud's `keyType`); Alipay's public key as PEM or
//! bare base64 — or, in public-key-certificate mode ([`ClientBuilder::certificates`]),
//! Alipay's public-key certificate. Everything is parsed when the client is built.
//!
//! What Alipay has of its own besides the generated calls: the App order string
//! ([`Client::app_pay_order_string`]), the web payments' signed URLs and forms
//! ([`Client::wap_pay_url`], [`Client::wap_pay_form`], [`Client::page_pay_url`],
//! [`Client::page_pay_form`]), bills ([`Client::download_bill`], [`bill_file`]) and
//! notifications
//! ([`Client::verify_notification`], [`reply_success`]).

// `rustfmt::skip`: the generated code is formatted by the generator (prettyplease);
// `cargo fmt` must not rewrite it, or every build would regenerate it.
#[rustfmt::skip]
#[path = "../../generated/alipay/mod.rs"]
mod api;

pub use api::*;

pub mod bill_file;
mod notify;
mod web_pay;

pub use crate::crypto::rsa::KeyFormat;
pub use crate::runtime::signers::{CertNames, CertificateMode};
pub use bill_file::{BillDetail, BillError, BillRow, BillTable, BillTotal, TradeBill};
#[cfg(feature = "payment")]
pub(crate) use notify::Params;
pub use notify::{reply_fail, reply_success, NotifyError, TradeNotification};

use crate::runtime::form_text;

impl ClientBuilder {
    /// Reads the app private key as exactly this encoding (uniCloud's `keyType`:
    /// `PKCS8` or `PKCS1`); by default the PEM label or the key's structure tells.
    pub fn key_format(self, format: KeyFormat) -> Self {
        self.configure_signer(|options| options.key_format = Some(format))
    }
    /// Public-key-certificate mode (公钥证书模式): requests carry `app_cert_sn` and
    /// `alipay_root_cert_sn` computed from these certificates, answers must name
    /// Alipay's certificate in `alipay_cert_sn`, and the client's Alipay key must then be
    /// Alipay's public-key certificate (`alipayCertPublicKey_RSA2.crt`). The
    /// certificates are checked when the client is built (the app certificate must hold
    /// the private key's public half).
    pub fn certificates(
        self,
        app_cert: impl Into<String>,
        alipay_root_cert: impl Into<String>,
    ) -> Self {
        let mode = CertificateMode {
            app_cert: app_cert.into(),
            alipay_root_cert: alipay_root_cert.into(),
        };
        self.configure_signer(|options| options.certificates = Some(mode))
    }
}

impl Client {
    /// Every parameter of a signed-only request as sent (common parameters, `sign`
    /// included), values as form text.
    async fn signed_params<E>(
        &self,
        request: &E,
    ) -> Result<Vec<(String, String)>, crate::Error<E::Error>>
    where
        E: crate::runtime::Endpoint<Platform = Alipay>,
    {
        let fields = self.sign_only(request).await?;
        Ok(fields
            .iter()
            .map(|(k, v)| (k.clone(), form_text(v)))
            .collect())
    }

    /// The gateway a browser is sent to: the client's base URL (production, sandbox or
    /// the one configured) and the endpoint's path.
    fn browser_gateway<E: crate::runtime::Endpoint>(&self) -> String {
        format!("{}{}", self.base_url().trim_end_matches('/'), E::PATH)
    }

    /// `k=v&…`: every parameter of a signed-only request, `sign` included,
    /// percent-encoded.
    async fn signed_query<E>(&self, request: &E) -> Result<String, crate::Error<E::Error>>
    where
        E: crate::runtime::Endpoint<Platform = Alipay>,
    {
        let params = self.signed_params(request).await?;
        serde_urlencoded::to_string(&params).map_err(|e| crate::Error::Encode {
            endpoint: E::NAME,
            reason: e.to_string(),
        })
    }

    /// `gateway?k=v&…`: every parameter, `sign` included, percent-encoded.
    async fn browser_url<E>(&self, request: &E) -> Result<String, crate::Error<E::Error>>
    where
        E: crate::runtime::Endpoint<Platform = Alipay>,
    {
        let query = self.signed_query(request).await?;
        Ok(format!("{}?{query}", self.browser_gateway::<E>()))
    }

    /// An HTML form that POSTs every parameter to the gateway as soon as a browser
    /// shows it; every value is HTML-escaped, so no field can add markup.
    async fn browser_form<E>(&self, request: &E) -> Result<String, crate::Error<E::Error>>
    where
        E: crate::runtime::Endpoint<Platform = Alipay>,
    {
        let params = self.signed_params(request).await?;
        let charset = params
            .iter()
            .find(|(k, _)| k == "charset")
            .map_or("utf-8", |(_, v)| v.as_str());
        let action = format!(
            "{}?{}",
            self.browser_gateway::<E>(),
            serde_urlencoded::to_string([("charset", charset)]).unwrap_or_default()
        );
        Ok(web_pay::auto_submit_form(&action, &params))
    }

    /// The signed GET URL of a mobile-web payment (`alipay.trade.wap.pay`,
    /// 手机网站支付): send the user's browser there (an HTTP redirect or a link).
    /// Nothing is sent to Alipay here; the request is validated and signed as the
    /// gateway expects, every parameter (`return_url`, `notify_url`, `biz_content`,
    /// `sign`, …) percent-encoded in the query of the client's gateway
    /// (`https://openapi.alipay.com/gateway.do?…`). The URL carries the whole order:
    /// hand it to that user only. Alipay's `return_url` redirect is not proof of
    /// payment: credit the order from the notification or `trade().query()`.
    pub async fn wap_pay_url(
        &self,
        request: &trade::WapPayRequest,
    ) -> Result<String, crate::Error<trade::WapPayError>> {
        self.browser_url(request).await
    }

    /// The same mobile-web payment as [`Client::wap_pay_url`], as an HTML page
    /// fragment: a form POSTing every signed parameter to the gateway and a script
    /// submitting it at once (what the official SDKs' `pageExecute` answers). Serve it
    /// as `text/html; charset=utf-8`. Values are HTML-escaped.
    pub async fn wap_pay_form(
        &self,
        request: &trade::WapPayRequest,
    ) -> Result<String, crate::Error<trade::WapPayError>> {
        self.browser_form(request).await
    }

    /// The signed GET URL of a PC web payment (`alipay.trade.page.pay`, 电脑网站支付),
    /// built as [`Client::wap_pay_url`] builds the mobile one; `product_code` is
    /// `FAST_INSTANT_TRADE_PAY`.
    pub async fn page_pay_url(
        &self,
        request: &trade::PagePayRequest,
    ) -> Result<String, crate::Error<trade::PagePayError>> {
        self.browser_url(request).await
    }

    /// The PC web payment as an auto-submitting HTML form, as [`Client::wap_pay_form`].
    pub async fn page_pay_form(
        &self,
        request: &trade::PagePayRequest,
    ) -> Result<String, crate::Error<trade::PagePayError>> {
        self.browser_form(request).await
    }

    /// The signed order string of an App payment (`alipay.trade.app.pay`): what the
    /// App hands to the Alipay SDK (`uni.requestPayment({ orderInfo })` with provider
    /// `alipay`). Nothing is sent; the request is validated and signed as the gateway
    /// expects, every parameter percent-encoded.
    pub async fn app_pay_order_string(
        &self,
        request: &trade::AppPayRequest,
    ) -> Result<String, crate::Error<trade::AppPayError>> {
        self.signed_query(request).await
    }
}
