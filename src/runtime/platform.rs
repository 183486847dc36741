//! What a platform is to the runtime: a handful of facts generated from its
//! `platform.yaml`. The one [`Client`](super::Client) and call loop work from these and
//! never name a platform.

use super::envelopes::Decoder;
use super::signers::Signer;
use super::{Core, EndpointInfo, Envelope, Secret};
use crate::token::{AccessToken, BoxFuture, TokenError};

/// A platform, implemented by the marker type its generated module defines
/// (`miniapp::wechat::Wechat`, …).
pub trait Platform: Sized + Send + Sync + 'static {
    /// Module and cargo feature name, e.g. `wechat`.
    const NAME: &'static str;
    /// Where its endpoints live (the schema's `hosts`).
    const HOSTS: Hosts;
    /// The wire names of its status fields (the schema's `envelope`).
    const ENVELOPE: Envelope;
    /// Every endpoint as the schema describes it (the simulator serves these).
    const ENDPOINTS: &'static [EndpointInfo];
    /// How it issues access tokens (the schema's `tokens`); empty when it has none.
    const TOKEN_MODES: &'static [TokenMode<Self>];
    /// Where a client built for the sandbox gets the sandbox's own signing key (the
    /// schema's `sandbox_key`); `None` when the sandbox signs with the production key.
    const SANDBOX_KEY: Option<SandboxKey<Self>> = None;
    /// Where the signer downloads the platform's verifying keys from (the schema's
    /// `platform_keys`: WeChat Pay API v3's platform certificates); `None` when they
    /// are only configured.
    const PLATFORM_KEYS: Option<KeySource<Self>> = None;
    /// What its common codes mean when it refuses a request itself (the schema's
    /// `means:` on `common_errors`), whatever endpoint they apply to.
    const REFUSALS: &'static [super::Refusal] = &[];
    /// The decoder the schema's `envelope.style` names.
    type Decoder: Decoder;
    /// The request signer and response verifier the schema's sign scheme names
    /// ([`NoSigner`](super::signers::NoSigner) for a platform that signs nothing).
    type Signer: Signer;
}

/// A platform's hosts: production, an optional sandbox, and named hosts that single
/// endpoints live on (Baidu's `spapi`).
#[derive(Debug, Clone, Copy)]
pub struct Hosts {
    pub production: &'static str,
    pub sandbox: Option<&'static str>,
    /// `(name, production URL)`, e.g. `("spapi", "https://spapi.baidu.com")`.
    pub named: &'static [(&'static str, &'static str)],
}

/// One way of obtaining access tokens: the default (index 0) or an alternative the
/// builder selects (WeChat's stable token).
pub struct TokenMode<P: Platform> {
    /// The schema's name for the mode (`default`, `stable`).
    pub name: &'static str,
    /// Prefix of the token's key in a shared store: `<prefix>:<app id>`.
    pub key_prefix: &'static str,
    /// Calls the token endpoint through the client's own transport and retry rules.
    pub fetch: for<'a> fn(&'a Core<P>) -> BoxFuture<'a, Result<AccessToken, TokenError>>,
}

impl<P: Platform> std::fmt::Debug for TokenMode<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenMode")
            .field("name", &self.name)
            .field("key_prefix", &self.key_prefix)
            .finish_non_exhaustive()
    }
}

/// The endpoint that issues the sandbox's signing key. A client built with
/// [`sandbox`](super::ClientBuilder::sandbox) calls it once, signed with the production
/// key, before its first signed call, and signs every other call with the key it
/// answered.
pub struct SandboxKey<P: Platform> {
    /// `group.docName` of the endpoint, e.g. `pay.getSignKey`.
    pub endpoint: &'static str,
    /// Calls it through the client's own transport and retry rules.
    pub fetch: FetchSandboxKey<P>,
}

/// Fetches a sandbox key through a client's core; `Err` says why it could not.
pub type FetchSandboxKey<P> =
    for<'a> fn(&'a Core<P>) -> BoxFuture<'a, Result<Secret<String>, String>>;

impl<P: Platform> std::fmt::Debug for SandboxKey<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxKey")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

/// The endpoint whose answer carries the platform's verifying keys. The call loop
/// downloads them again — once, one download for all callers — when an answer names a
/// key the signer does not know, and the signer installs them from the answer.
pub struct KeySource<P: Platform> {
    /// `group.docName` of the endpoint, e.g. `certificates.download`.
    pub endpoint: &'static str,
    /// Calls it through the client's transport; the answer is returned unverified, for
    /// the signer to verify with the keys it carries.
    pub fetch: FetchPlatformKeys<P>,
}

/// Fetches the platform keys' answer through a client's core; `Err` says why not.
pub type FetchPlatformKeys<P> =
    for<'a> fn(&'a Core<P>) -> BoxFuture<'a, Result<super::RawResponse, String>>;

impl<P: Platform> std::fmt::Debug for KeySource<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeySource")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

/// What identifies the app (or merchant) to the platform.
///
/// `app_id` is empty for platforms that have none (Jucai signs with a merchant key
/// only); `merchant_id` is WeChat Pay's `mch_id`; `secret` is the app secret or the
/// signing key; `platform_key` the platform's public key (or certificate) that verifies
/// its answers, where it signs them asymmetrically (Alipay).
#[derive(Clone)]
pub struct Credentials {
    app_id: String,
    merchant_id: String,
    secret: Secret<String>,
    platform_key: String,
    key_id: String,
}

impl Credentials {
    pub fn new(app_id: impl Into<String>, secret: impl Into<String>) -> Self {
        Credentials {
            app_id: app_id.into(),
            merchant_id: String::new(),
            secret: Secret::new(secret.into()),
            platform_key: String::new(),
            key_id: String::new(),
        }
    }
    /// With the id of the signing key (WeChat Pay API v3: the merchant certificate's
    /// serial number), for schemes that name their key beside each signature.
    pub fn with_key_id(mut self, key_id: impl Into<String>) -> Self {
        self.key_id = key_id.into();
        self
    }
    /// The signing key's id (empty on platforms without one).
    pub fn key_id(&self) -> &str {
        &self.key_id
    }
    /// With the platform's public key or certificate (Alipay's 支付宝公钥), for
    /// platforms whose answers are signed with a key of their own.
    pub fn with_platform_key(mut self, key: impl Into<String>) -> Self {
        self.platform_key = key.into();
        self
    }
    /// The platform's public key or certificate text (empty on platforms without one).
    pub fn platform_key(&self) -> &str {
        &self.platform_key
    }
    /// With a merchant id (WeChat Pay `mch_id`), for platforms that have one.
    pub fn with_merchant_id(mut self, merchant_id: impl Into<String>) -> Self {
        self.merchant_id = merchant_id.into();
        self
    }
    pub fn app_id(&self) -> &str {
        &self.app_id
    }
    /// The merchant id (empty on platforms without one).
    pub fn merchant_id(&self) -> &str {
        &self.merchant_id
    }
    pub fn secret(&self) -> &Secret<String> {
        &self.secret
    }
    /// The same app with another secret (the sandbox's signing key).
    pub fn with_secret(mut self, secret: impl Into<String>) -> Self {
        self.secret = Secret::new(secret.into());
        self
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("app_id", &self.app_id)
            .field("merchant_id", &self.merchant_id)
            .field("secret", &self.secret)
            .field("platform_key", &(!self.platform_key.is_empty()))
            .field("key_id", &self.key_id)
            .finish()
    }
}
