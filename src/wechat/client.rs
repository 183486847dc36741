use super::api::{auth, ENVELOPE};
use crate::runtime::execute::{execute, Core};
use crate::runtime::{
    self, CallOptions, Endpoint, Error, Execute, FromErrcode, RetryPolicy, Secret, Transport,
};
use crate::token::{
    AccessToken, BoxFuture, TokenError, TokenFetcher, TokenManager, TokenManagerBuilder,
    TokenSource, TokenStore,
};
use std::sync::Arc;
use std::time::Duration;

/// A WeChat mini program client: app id + secret, transport, token source, retry policy.
///
/// Cheap to clone (all state is shared); make one per app and reuse it.
#[derive(Clone)]
pub struct Client {
    core: Arc<Core>,
    tokens: Arc<dyn TokenSource>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("app_id", &self.core.app_id)
            .field("secret", &self.core.secret)
            .field("transport", &self.core.transport)
            .finish_non_exhaustive()
    }
}

/// Where the client's access tokens come from.
enum TokenMode {
    /// `GET /cgi-bin/token`, cached and refreshed by a [`TokenManager`].
    Standard,
    /// `POST /cgi-bin/stable_token`: independent of `/cgi-bin/token`, recommended when
    /// several services share one app.
    Stable,
    /// The user's own source (a central token service, a shared Redis-backed manager…).
    Custom(Arc<dyn TokenSource>),
}

/// Builds a [`Client`]; see [`Client::builder`].
pub struct ClientBuilder {
    app_id: String,
    secret: Secret<String>,
    base_url: String,
    timeout: Duration,
    http: Option<reqwest::Client>,
    retry: RetryPolicy,
    tokens: TokenMode,
    store: Option<Arc<dyn TokenStore>>,
    configure_tokens: Option<Box<dyn FnOnce(TokenManagerBuilder) -> TokenManagerBuilder>>,
}

impl ClientBuilder {
    /// Sends requests here instead of `https://api.weixin.qq.com` (a simulator, a proxy).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }
    /// Timeout of each HTTP exchange (default 5 s); a call can override it.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
    /// Uses this reqwest client (connection pool, proxy, TLS settings).
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }
    /// How calls answered "system busy" are retried (see [`RetryPolicy`]).
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }
    /// Takes tokens from `POST /cgi-bin/stable_token` instead of `GET /cgi-bin/token`.
    pub fn stable_token(mut self) -> Self {
        self.tokens = TokenMode::Stable;
        self
    }
    /// Takes tokens from your own source (e.g. a central token service, or a
    /// [`TokenManager`] backed by a shared store).
    pub fn token_source(mut self, source: Arc<dyn TokenSource>) -> Self {
        self.tokens = TokenMode::Custom(source);
        self
    }

    /// Keeps the token (and the refresh lock) in this store, e.g. a
    /// `RedisStore` shared by every instance of the service, so that N processes refresh
    /// once. The key is `wechat:<appid>` (`wechat-stable:<appid>` with [`Self::stable_token`]).
    pub fn token_store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.store = Some(store);
        self
    }
    /// Adjusts the built-in token manager (refresh margin, lock lease, timeout, fallback).
    pub fn configure_token_manager(
        mut self,
        configure: impl FnOnce(TokenManagerBuilder) -> TokenManagerBuilder + 'static,
    ) -> Self {
        self.configure_tokens = Some(Box::new(configure));
        self
    }

    pub fn build(self) -> Client {
        let core = Arc::new(Core {
            transport: Transport::new(
                self.http.unwrap_or_else(Transport::default_http),
                self.base_url,
                self.timeout,
            ),
            app_id: self.app_id,
            secret: self.secret,
            retry: self.retry,
        });
        let stable = match self.tokens {
            TokenMode::Custom(source) => {
                return Client {
                    core,
                    tokens: source,
                }
            }
            TokenMode::Standard => false,
            TokenMode::Stable => true,
        };
        let key = format!(
            "{}:{}",
            if stable { "wechat-stable" } else { "wechat" },
            core.app_id
        );
        let mut manager = TokenManager::builder(Arc::new(Fetcher {
            core: core.clone(),
            stable,
        }))
        .key(key);
        if let Some(store) = self.store {
            manager = manager.store(store);
        }
        if let Some(configure) = self.configure_tokens {
            manager = configure(manager);
        }
        let tokens: Arc<dyn TokenSource> = Arc::new(manager.build());
        Client { core, tokens }
    }
}

impl Client {
    /// A client with the defaults: production host, 5 s timeout, `/cgi-bin/token` tokens
    /// cached in memory, system-busy retries per [`RetryPolicy::default`].
    pub fn new(app_id: impl Into<String>, secret: impl Into<String>) -> Client {
        Self::builder(app_id, secret).build()
    }

    pub fn builder(app_id: impl Into<String>, secret: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            app_id: app_id.into(),
            secret: Secret::new(secret.into()),
            base_url: super::PRODUCTION_HOST.to_owned(),
            timeout: runtime::DEFAULT_TIMEOUT,
            http: None,
            retry: RetryPolicy::default(),
            tokens: TokenMode::Standard,
            store: None,
            configure_tokens: None,
        }
    }

    pub fn app_id(&self) -> &str {
        &self.core.app_id
    }

    /// Decrypts the `encryptedData` of `wx.getUserInfo` / `getPhoneNumber` with the user's
    /// `session_key` and `iv`, checking that the watermark names this client's app id.
    /// Use [`crate::crypto::wxbiz::UserInfo`] or [`crate::crypto::wxbiz::PhoneNumber`] as `T`.
    pub fn decrypt<T: serde::de::DeserializeOwned>(
        &self,
        session_key: &str,
        iv: &str,
        encrypted_data: &str,
    ) -> Result<crate::crypto::wxbiz::Decrypted<T>, crate::crypto::wxbiz::DecryptError> {
        crate::crypto::wxbiz::decrypt_as(&self.core.app_id, session_key, iv, encrypted_data)
    }

    /// The source of this client's access tokens (to share it, or to invalidate by hand).
    pub fn token_source(&self) -> &Arc<dyn TokenSource> {
        &self.tokens
    }
}

fn decode<E>(raw: runtime::RawResponse) -> Result<E::Response, Error<E::Error>>
where
    E: Endpoint,
    E::Error: FromErrcode,
{
    runtime::decode::errcode::<E>(&ENVELOPE, raw)
}

impl<E> Execute<E> for Client
where
    E: Endpoint,
    E::Error: FromErrcode,
{
    fn execute(
        &self,
        request: E,
        options: CallOptions,
    ) -> impl std::future::Future<Output = Result<E::Response, Error<E::Error>>> + Send {
        execute(
            &self.core,
            Some(self.tokens.as_ref()),
            request,
            options,
            decode::<E>,
        )
    }
}

/// Fetches tokens for the [`TokenManager`] through the same transport and retry rules.
struct Fetcher {
    core: Arc<Core>,
    stable: bool,
}

impl TokenFetcher for Fetcher {
    fn fetch(&self) -> BoxFuture<'_, Result<AccessToken, TokenError>> {
        Box::pin(async move {
            let (token, expires_in) = if self.stable {
                let r = execute(
                    &self.core,
                    None,
                    auth::GetStableAccessTokenRequest::new(),
                    CallOptions::default(),
                    decode::<auth::GetStableAccessTokenRequest>,
                )
                .await
                .map_err(token_error)?;
                (r.access_token, r.expires_in)
            } else {
                let r = execute(
                    &self.core,
                    None,
                    auth::GetAccessTokenRequest::new(),
                    CallOptions::default(),
                    decode::<auth::GetAccessTokenRequest>,
                )
                .await
                .map_err(token_error)?;
                (r.access_token, r.expires_in)
            };
            Ok(AccessToken::expiring_in(
                token.into_inner(),
                Duration::from_secs(expires_in.into()),
            ))
        })
    }
}

fn token_error<E: std::fmt::Display + HasCode>(e: Error<E>) -> TokenError {
    match e {
        Error::Api { source, .. } => TokenError::Refused {
            code: source.code(),
            message: source.to_string(),
        },
        other => TokenError::Upstream(other.to_string()),
    }
}

/// The two token endpoints' error enums, for [`token_error`].
trait HasCode {
    fn code(&self) -> i64;
}

impl HasCode for auth::GetAccessTokenError {
    fn code(&self) -> i64 {
        auth::GetAccessTokenError::code(self)
    }
}

impl HasCode for auth::GetStableAccessTokenError {
    fn code(&self) -> i64 {
        auth::GetStableAccessTokenError::code(self)
    }
}
