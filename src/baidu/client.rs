use super::api::{auth, ENVELOPE, HOSTS};
use crate::runtime;
use crate::runtime::execute::{execute, Core};
use crate::runtime::{
    CallOptions, Endpoint, Error, Execute, FromErrcode, RetryPolicy, Secret, Transport,
};
use crate::token::{
    AccessToken, BoxFuture, TokenError, TokenFetcher, TokenManager, TokenSource, TokenStore,
};
use std::sync::Arc;
use std::time::Duration;

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
            .field("app_key", &self.core.app_id)
            .field("app_secret", &self.core.secret)
            .field("transport", &self.core.transport)
            .finish_non_exhaustive()
    }
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
            app_id: self.app_key,
            secret: self.secret,
            retry: self.retry,
        });
        let tokens: Arc<dyn TokenSource> = match self.tokens {
            Some(source) => source,
            None => {
                let fetcher = Arc::new(Fetcher { core: core.clone() });
                let mut manager =
                    TokenManager::builder(fetcher).key(format!("baidu:{}", core.app_id));
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
        &self.core.app_id
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

fn decode<E>(raw: runtime::RawResponse) -> Result<E::Response, Error<E::Error>>
where
    E: Endpoint,
    E::Error: FromErrcode,
{
    super::decode::errno_data::<E>(&ENVELOPE, raw)
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
                decode::<auth::GetAccessTokenRequest>,
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
