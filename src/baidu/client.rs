use super::api::{auth, ENVELOPE, HOSTS};
use crate::runtime::{
    ApiError, Auth, CallOptions, Endpoint, Error, Execute, Extras, FromErrcode, RetryPolicy,
    Secret, Transport,
};
use crate::token::{
    AccessToken, BoxFuture, TokenError, TokenFetcher, TokenManager, TokenSource, TokenStore,
};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A Baidu smart program client: AppKey + AppSecret, transport, token source, retry
/// policy.
///
/// The AppKey travels as `client_id`; the AppSecret as `sk` (`jscode2sessionkey`) or
/// `client_secret` (the token endpoint), as the schema's auth schemes name them.
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
            .field("app_key", &self.core.app_key)
            .field("app_secret", &self.core.secret)
            .field("transport", &self.core.transport)
            .finish_non_exhaustive()
    }
}

/// What every call needs besides the token source.
struct Core {
    app_key: String,
    secret: Secret<String>,
    transport: Transport,
    retry: RetryPolicy,
}

/// Builds a [`Client`]; see [`Client::builder`].
pub struct ClientBuilder {
    app_key: String,
    secret: Secret<String>,
    base_url: Option<String>,
    hosts: Vec<(String, String)>,
    timeout: Duration,
    http: Option<reqwest::Client>,
    retry: RetryPolicy,
    tokens: Option<Arc<dyn TokenSource>>,
    store: Option<Arc<dyn TokenStore>>,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("app_key", &self.app_key)
            .field("app_secret", &self.secret)
            .field("base_url", &self.base_url)
            .field("hosts", &self.hosts)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// Sends **every** request here — `openapi.baidu.com` calls and the
    /// `spapi.baidu.com` login call alike — e.g. a simulator or a local test server.
    /// A host set with [`ClientBuilder::host_url`] still wins for that host.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }
    /// Sends the endpoints of one named host (the schema's `hosts:`; Baidu has `spapi`,
    /// where `jscode2sessionkey` lives) to `url`.
    pub fn host_url(mut self, name: impl Into<String>, url: impl Into<String>) -> Self {
        let (name, url) = (name.into(), url.into());
        self.hosts.retain(|(n, _)| *n != name);
        self.hosts.push((name, url));
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
    /// How calls answered "server busy" (`10010500` on getunionid) are retried.
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }
    /// Takes access tokens from your own source (e.g. a central token service).
    pub fn token_source(mut self, source: Arc<dyn TokenSource>) -> Self {
        self.tokens = Some(source);
        self
    }
    /// Shares the default token manager's token through `store` (e.g. `RedisStore`), under
    /// the key `baidu:<AppKey>`, so that every instance of a service uses one token.
    /// Ignored when [`ClientBuilder::token_source`] is set.
    pub fn token_store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.store = Some(store);
        self
    }

    pub fn build(self) -> Client {
        let base = self
            .base_url
            .clone()
            .unwrap_or_else(|| super::PRODUCTION_HOST.to_owned());
        let mut transport = Transport::new(
            self.http.unwrap_or_else(Transport::default_http),
            base.clone(),
            self.timeout,
        );
        for (name, default) in HOSTS {
            let url = match self.hosts.iter().find(|(n, _)| n == name) {
                Some((_, url)) => url.clone(),
                None if self.base_url.is_some() => base.clone(),
                None => (*default).to_owned(),
            };
            transport = transport.with_host(*name, url);
        }
        let core = Arc::new(Core {
            transport,
            app_key: self.app_key,
            secret: self.secret,
            retry: self.retry,
        });
        let tokens: Arc<dyn TokenSource> = match self.tokens {
            Some(source) => source,
            None => {
                let fetcher = Arc::new(Fetcher { core: core.clone() });
                let mut manager =
                    TokenManager::builder(fetcher).key(format!("baidu:{}", core.app_key));
                if let Some(store) = self.store {
                    manager = manager.store(store);
                }
                Arc::new(manager.build())
            }
        };
        Client { core, tokens }
    }
}

impl Client {
    /// A client with the defaults: production hosts, 5 s timeout, tokens from
    /// `GET /oauth/2.0/token` cached in memory, busy retries per [`RetryPolicy::default`].
    ///
    /// `app_key` is the smart program's AppKey (`client_id`), `app_secret` its AppSecret
    /// (`sk` / `client_secret`).
    pub fn new(app_key: impl Into<String>, app_secret: impl Into<String>) -> Client {
        Self::builder(app_key, app_secret).build()
    }

    pub fn builder(app_key: impl Into<String>, app_secret: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            app_key: app_key.into(),
            secret: Secret::new(app_secret.into()),
            base_url: None,
            hosts: Vec::new(),
            timeout: crate::runtime::DEFAULT_TIMEOUT,
            http: None,
            retry: RetryPolicy::default(),
            tokens: None,
            store: None,
        }
    }

    /// The smart program's AppKey (`client_id`).
    pub fn app_key(&self) -> &str {
        &self.core.app_key
    }

    /// The source of this client's access tokens (to share it, or to invalidate by hand).
    pub fn token_source(&self) -> &Arc<dyn TokenSource> {
        &self.tokens
    }

    /// The transport (base URL and named hosts in use).
    pub fn transport(&self) -> &Transport {
        &self.core.transport
    }
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
        execute(&self.core, Some(self.tokens.as_ref()), request, options)
    }
}

enum Token {
    None,
    /// From the token source: may be invalidated and refreshed.
    Managed(AccessToken),
    /// Given for this call only.
    Fixed(String),
}

impl Token {
    fn value(&self) -> Option<&str> {
        match self {
            Token::None => None,
            Token::Managed(t) => Some(t.secret()),
            Token::Fixed(t) => Some(t),
        }
    }
}

/// One call: token, send, decode; refresh the token once on a token-invalid answer,
/// retry idempotent calls on "busy" within the retry policy's bounds.
async fn execute<E>(
    core: &Core,
    tokens: Option<&dyn TokenSource>,
    request: E,
    options: CallOptions,
) -> Result<E::Response, Error<E::Error>>
where
    E: Endpoint,
    E::Error: FromErrcode,
{
    request.validate().map_err(|source| Error::Invalid {
        endpoint: E::NAME,
        source,
    })?;
    let started = Instant::now();
    let mut busy_retries = 0u32;
    let mut token_refreshed = false;
    loop {
        let token = match (E::AUTH, &options.access_token, tokens) {
            (Auth::AccessToken { .. }, Some(fixed), _) => Token::Fixed(fixed.expose().clone()),
            (Auth::AccessToken { .. }, None, Some(source)) => {
                Token::Managed(source.token().await.map_err(|source| Error::Token {
                    endpoint: E::NAME,
                    source,
                })?)
            }
            (Auth::AccessToken { .. }, None, None) => {
                return Err(Error::Token {
                    endpoint: E::NAME,
                    source: TokenError::Provider("no token source configured".into()),
                })
            }
            _ => Token::None,
        };
        let builder = core
            .transport
            .build(&request, core.extras::<E>(token.value()))?;
        let raw = core
            .transport
            .send(E::NAME, builder, options.timeout)
            .await?;
        let outcome = super::decode::errno_data::<E>(&ENVELOPE, raw);
        let Err(Error::Api { source: api, .. }) = &outcome else {
            return outcome;
        };
        if api.is_token_invalid() && !token_refreshed {
            if let (Token::Managed(failed), Some(source)) = (&token, tokens) {
                tracing::warn!(endpoint = E::NAME, error = %api, "access token rejected; refreshing it once and retrying once");
                source.invalidate(failed).await;
                token_refreshed = true;
                continue;
            }
        }
        if api.is_retryable() && E::IDEMPOTENT && busy_retries < core.retry.max_retries {
            let delay = core.retry.delay(busy_retries);
            if started.elapsed() + delay <= core.retry.max_elapsed {
                busy_retries += 1;
                tracing::debug!(endpoint = E::NAME, attempt = busy_retries, ?delay, error = %api, "platform busy; retrying");
                tokio::time::sleep(delay).await;
                continue;
            }
        }
        return outcome;
    }
}

impl Core {
    fn extras<E: Endpoint>(&self, token: Option<&str>) -> Extras {
        let mut extras = Extras::default();
        match E::AUTH {
            Auth::AccessToken { name } => {
                if let Some(t) = token {
                    extras.query.push((name, t.to_owned()));
                }
            }
            Auth::AppSecret {
                app_id,
                secret,
                in_body,
            } => {
                let pairs = [
                    (app_id, self.app_key.clone()),
                    (secret, self.secret.expose().clone()),
                ];
                if in_body {
                    extras.body.extend(pairs);
                } else {
                    extras.query.extend(pairs);
                }
            }
            Auth::None | Auth::Sign { .. } => {}
        }
        extras
    }
}

/// Fetches tokens for the [`TokenManager`] from `GET /oauth/2.0/token`, through the same
/// transport and retry rules.
struct Fetcher {
    core: Arc<Core>,
}

impl TokenFetcher for Fetcher {
    fn fetch(&self) -> BoxFuture<'_, Result<AccessToken, TokenError>> {
        Box::pin(async move {
            let r = execute(
                &self.core,
                None,
                auth::GetAccessTokenRequest::new(),
                CallOptions::default(),
            )
            .await
            .map_err(|e| match e {
                Error::Api { source, .. } => TokenError::Refused {
                    code: source.code(),
                    message: source.to_string(),
                },
                other => TokenError::Upstream(other.to_string()),
            })?;
            Ok(AccessToken::expiring_in(
                r.access_token.into_inner(),
                // Clamped so that an absurd `expires_in` cannot overflow `SystemTime`.
                Duration::from_secs(r.expires_in.min(u64::from(u32::MAX))),
            ))
        })
    }
}
