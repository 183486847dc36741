//! The one client of every platform, and its builder. A platform's generated module
//! names it (`pub type Client = Client<Wechat>`) and adds its constructors.

use super::signers::{BuildError, InfallibleSigner, Signer};
use super::transport::{BodyLimits, Transport};
use super::{
    CallOptions, ClientIdentity, Credentials, Endpoint, Error, Execute, Platform, RetryPolicy,
};
use crate::token::{
    AccessToken, BoxFuture, TokenError, TokenFetcher, TokenManager, TokenManagerBuilder,
    TokenSource, TokenStore,
};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// What every call of a client needs besides the token source.
pub struct Core<P: Platform> {
    pub credentials: Credentials,
    pub transport: Transport,
    pub retry: RetryPolicy,
    pub signer: P::Signer,
    /// The settings `signer` was built with, to build the sandbox's signer alike.
    pub signer_options: <P::Signer as Signer>::Options,
    /// On a sandbox client of a platform whose sandbox has its own key
    /// ([`Platform::SANDBOX_KEY`]): the signer with that key, made at the first signed
    /// call. A failed fetch leaves it empty, so the next call asks again.
    pub sandbox_signer: Option<tokio::sync::OnceCell<P::Signer>>,
    /// One download of the platform's keys at a time ([`Platform::PLATFORM_KEYS`]).
    pub(crate) key_refresh: super::platform_keys::KeyRefresh,
}

/// A client of platform `P`: credentials, transport, token source, retry policy,
/// signer. Cheap to clone (all state is shared); make one per app and reuse it.
pub struct Client<P: Platform> {
    core: Arc<Core<P>>,
    tokens: Arc<dyn TokenSource>,
}

impl<P: Platform> Clone for Client<P> {
    fn clone(&self) -> Self {
        Client {
            core: self.core.clone(),
            tokens: self.tokens.clone(),
        }
    }
}

impl<P: Platform> fmt::Debug for Client<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("platform", &P::NAME)
            .field("credentials", &self.core.credentials)
            .field("transport", &self.core.transport)
            .finish_non_exhaustive()
    }
}

impl<P: Platform> Client<P> {
    /// The app id and secret (or merchant key) the client was built with.
    pub fn credentials(&self) -> &Credentials {
        &self.core.credentials
    }
    /// The source of this client's access tokens (to share it, or to invalidate by
    /// hand). A platform without access tokens has one that always refuses.
    pub fn token_source(&self) -> &Arc<dyn TokenSource> {
        &self.tokens
    }
    /// The transport (base URL, named hosts, timeout, body limits).
    #[doc(hidden)]
    #[deprecated(since = "0.2.0", note = "use `base_url` and `host_url`")]
    pub fn transport(&self) -> &Transport {
        &self.core.transport
    }
    /// The transport, for the crate's own downloads (Alipay's bills).
    #[cfg_attr(not(feature = "alipay"), allow(dead_code))]
    pub(crate) fn transport_ref(&self) -> &Transport {
        &self.core.transport
    }
    /// A signed GET of a URL the platform handed out (WeChat Pay API v3's bill
    /// `download_url`), as the client's header-signing scheme signs every request, with
    /// the media size limit. Refused unless the URL is on the client's base URL (same
    /// origin, under its path): nothing goes to a host the user did not set. The answer
    /// is returned as it came (the caller checks it: such files are not signed).
    #[cfg_attr(not(feature = "wechatpay_v3"), allow(dead_code))] // its one caller
    pub(crate) async fn get_signed_url(
        &self,
        name: &'static str,
        url: &str,
    ) -> Result<super::RawResponse, String> {
        let foreign = || format!("{:?} is not on this client's base URL", bounded(url));
        let parsed = reqwest::Url::parse(url).map_err(|_| foreign())?;
        let base = self.core.transport.base(None)?;
        let prefix = base.path().trim_end_matches('/');
        if parsed.origin() != base.origin()
            || !parsed.path().starts_with(prefix)
            || parsed.fragment().is_some()
        {
            return Err(foreign());
        }
        let mut wire = super::WireRequest::new(name, super::HttpMethod::Get, parsed);
        self.signer().sign_request(&mut wire)?;
        let transport = &self.core.transport;
        transport
            .send::<std::convert::Infallible>(wire, None, transport.limits().media)
            .await
            .map_err(|e| e.to_string())
    }
    /// The base URL requests go to (production, sandbox, or the one configured).
    pub fn base_url(&self) -> &str {
        self.core.transport.base_url()
    }
    /// The base URL of the platform's named host `name` (the schema's `hosts:`, e.g.
    /// Baidu's `spapi`) that its endpoints are sent to, if the platform has it.
    pub fn host_url(&self, name: &str) -> Option<&str> {
        self.core.transport.host_url(name)
    }
    /// The signer requests are signed and answers (and notifications) verified with:
    /// on a sandbox client whose sandbox has its own key, the sandbox's once it was
    /// fetched (see [`Client::ensure_sandbox_key`]); else the client's own.
    pub fn signer(&self) -> &P::Signer {
        let sandbox = self.core.sandbox_signer.as_ref().and_then(|s| s.get());
        sandbox.unwrap_or(&self.core.signer)
    }
    /// Downloads the platform's verifying keys now (WeChat Pay API v3's platform
    /// certificates) and installs them in the signer; callers arriving during a
    /// download wait for it instead of starting another. Returns how many keys the
    /// signer holds. Calls do this by themselves when an answer names an unknown key;
    /// call it at start, or when a notification names one.
    pub async fn refresh_platform_keys(&self) -> Result<usize, BuildError> {
        super::platform_keys::refresh_platform_keys(&self.core, None)
            .await
            .map_err(|reason| BuildError {
                platform: P::NAME,
                reason,
            })
    }
    /// Before verifying a notification: when its headers name a verifying key this
    /// client does not hold but downloads (a WeChat Pay platform certificate that began
    /// signing after the last download), refreshes the keys as
    /// [`Client::refresh_platform_keys`] does — at most once a minute for this reason,
    /// since anyone can send a notification. Returns whether it refreshed; the
    /// notification is verified afterwards as usual, and refused if the key is still
    /// unknown.
    pub async fn refresh_keys_named_by(
        &self,
        headers: &http::HeaderMap,
    ) -> Result<bool, BuildError> {
        super::platform_keys::refresh_for_headers(&self.core, headers)
            .await
            .map(|done| done.is_some())
            .map_err(|reason| BuildError {
                platform: P::NAME,
                reason,
            })
    }
    /// On a sandbox client whose sandbox has its own signing key, fetches it now unless
    /// a call already did — so that a process that verifies notifications without having
    /// made a call signs and verifies with the right key. Nothing to do on other clients.
    pub async fn ensure_sandbox_key(&self) -> Result<(), BuildError> {
        super::execute::sandbox_signer(&self.core)
            .await
            .map(|_| ())
            .map_err(|reason| BuildError {
                platform: P::NAME,
                reason: format!("no sandbox signing key: {reason}"),
            })
    }
}

impl<P: Platform> Client<P> {
    /// The body of a signed request exactly as it would be sent — its fields, the sign
    /// scheme's common fields and the sign — without sending it: for requests that the
    /// server only signs and a client-side SDK sends (Alipay's App order string).
    pub async fn sign_only<E>(
        &self,
        request: &E,
    ) -> Result<serde_json::Map<String, serde_json::Value>, Error<E::Error>>
    where
        E: Endpoint<Platform = P>,
    {
        super::execute::sign_only(&self.core, request).await
    }
}

impl<P, E> Execute<E> for Client<P>
where
    P: Platform,
    E: Endpoint<Platform = P>,
{
    fn execute(
        &self,
        request: E,
        options: CallOptions,
    ) -> impl std::future::Future<Output = Result<E::Response, Error<E::Error>>> + Send {
        super::execute::execute(&self.core, Some(self.tokens.as_ref()), request, options)
    }
}

/// The user's adjustment of the token manager (`Send + Sync`, so that a builder can be
/// held across an `.await` in a spawned task).
type ConfigureTokens =
    Box<dyn FnOnce(TokenManagerBuilder) -> TokenManagerBuilder + Send + Sync + 'static>;

/// Builds a [`Client`]. Every platform has the same settings; token settings only
/// matter on platforms whose schema describes access tokens.
pub struct ClientBuilder<P: Platform> {
    credentials: Credentials,
    base_url: Option<String>,
    sandbox: bool,
    hosts: Vec<(String, String)>,
    timeout: Duration,
    limits: BodyLimits,
    http: Option<reqwest::Client>,
    cert_http: Option<reqwest::Client>,
    retry: RetryPolicy,
    token_mode: usize,
    token_source: Option<Arc<dyn TokenSource>>,
    token_store: Option<Arc<dyn TokenStore>>,
    configure_tokens: Option<ConfigureTokens>,
    redirects: Option<reqwest::redirect::Policy>,
    signer_options: <P::Signer as Signer>::Options,
}

impl<P: Platform> fmt::Debug for ClientBuilder<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("platform", &P::NAME)
            .field("credentials", &self.credentials)
            .field("base_url", &self.base_url)
            .field("sandbox", &self.sandbox)
            .field("hosts", &self.hosts)
            .field("timeout", &self.timeout)
            .field("signer_options", &self.signer_options)
            .finish_non_exhaustive()
    }
}

impl<P: Platform> ClientBuilder<P> {
    /// A builder with the defaults: production hosts, 5 s timeout, the platform's
    /// default token mode with tokens cached in memory, [`RetryPolicy::default`].
    pub fn new(credentials: Credentials) -> Self {
        ClientBuilder {
            credentials,
            base_url: None,
            sandbox: false,
            hosts: Vec::new(),
            timeout: super::DEFAULT_TIMEOUT,
            limits: BodyLimits::default(),
            http: None,
            cert_http: None,
            retry: RetryPolicy::default(),
            token_mode: 0,
            token_source: None,
            token_store: None,
            configure_tokens: None,
            redirects: None,
            signer_options: Default::default(),
        }
    }
    /// Sends **every** request here — the production host's endpoints and those of
    /// named hosts alike (a simulator, a proxy, a local test server). A host set with
    /// [`Self::host_url`] still wins for that host.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }
    /// Talks to the platform's sandbox (every host), where the schema names one. A
    /// [`Self::base_url`] still wins for where requests go; where the sandbox signs with
    /// a key of its own ([`Platform::SANDBOX_KEY`], WeChat Pay), the client fetches it
    /// once, at its first signed call, and signs with it from then on.
    pub fn sandbox(mut self) -> Self {
        self.sandbox = true;
        self
    }
    /// Sends the endpoints of one named host (the schema's `hosts:`, e.g. Baidu's
    /// `spapi`) to `url`.
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
    /// Largest answer body accepted, in bytes (default 1 MiB); a larger one fails the
    /// call with [`Error::BodyTooLarge`] without being read to the end.
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.limits.json = limit;
        self
    }
    /// Largest binary answer (images, media files) accepted, in bytes (default 32 MiB).
    pub fn max_media_bytes(mut self, limit: usize) -> Self {
        self.limits.media = limit;
        self
    }
    /// Uses this reqwest client (connection pool, proxy, TLS settings). Build it with
    /// `.redirect(reqwest::redirect::Policy::none())`: the client refuses an answer that
    /// comes from another host than the one asked ([`Error::Redirect`]) unless
    /// [`Self::follow_redirects`] is set, but by then a redirect-following client has
    /// already sent the request there.
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }
    /// Presents `identity` on the calls that need a client certificate (WeChat Pay's
    /// refunds). The TLS client for them is built now: an identity rustls refuses is an
    /// error here.
    pub fn client_certificate(self, identity: ClientIdentity) -> Result<Self, BuildError> {
        self.client_certificate_with(identity, reqwest::Client::builder())
    }
    /// As [`Self::client_certificate`], on your reqwest settings (proxy, root
    /// certificates, timeouts) for the certificate calls.
    pub fn client_certificate_with(
        mut self,
        identity: ClientIdentity,
        http: reqwest::ClientBuilder,
    ) -> Result<Self, BuildError> {
        let error = |reason: String| BuildError {
            platform: P::NAME,
            reason,
        };
        let identity = identity.to_reqwest().map_err(|e| error(e.to_string()))?;
        let client = http
            .use_rustls_tls()
            .redirect(reqwest::redirect::Policy::none())
            .identity(identity)
            .build()
            .map_err(|e| error(format!("the client certificate's TLS client: {e}")))?;
        self.cert_http = Some(client);
        Ok(self)
    }
    /// Follows redirects by `policy`. By default none is: the platforms never redirect
    /// an API call, and a redirect followed would carry a signed body, an app secret or
    /// an access token to wherever it points; a redirect answer is an
    /// [`Error::Redirect`]. With your own [`Self::http_client`], its policy applies and
    /// this only allows answers from other hosts. Calls with the client certificate
    /// never follow redirects.
    pub fn follow_redirects(mut self, policy: reqwest::redirect::Policy) -> Self {
        self.redirects = Some(policy);
        self
    }
    /// How calls answered "system busy" are retried (see [`RetryPolicy`]).
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }
    /// Takes access tokens from your own source (e.g. a central token service); nothing
    /// is cached on the client side then.
    pub fn token_source(mut self, source: Arc<dyn TokenSource>) -> Self {
        self.token_source = Some(source);
        self
    }
    /// Keeps the built-in token manager's token (and its refresh lock) in this store,
    /// e.g. a `RedisStore` shared by every instance of the service, so that N processes
    /// refresh once. The key is `<platform>:<app id>` (the token mode may change the
    /// prefix, e.g. `wechat-stable`). Ignored with [`Self::token_source`].
    ///
    /// Where the platform's verifying keys are downloaded (WeChat Pay API v3's platform
    /// certificates), the download is kept here too, under
    /// `<platform>:platform-keys:<merchant id>`, so that N processes download once per
    /// rotation; each checks what it reads before installing it.
    pub fn token_store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.token_store = Some(store);
        self
    }
    /// Adjusts the built-in token manager (refresh margin, lock lease, timeout, fallback).
    pub fn configure_token_manager(
        mut self,
        configure: impl FnOnce(TokenManagerBuilder) -> TokenManagerBuilder + Send + Sync + 'static,
    ) -> Self {
        self.configure_tokens = Some(Box::new(configure));
        self
    }
    /// Selects one of the platform's token modes by its index in
    /// [`Platform::TOKEN_MODES`]; generated builder methods (`stable_token()`) call this.
    #[doc(hidden)]
    pub fn with_token_mode(mut self, index: usize) -> Self {
        self.token_mode = index.min(P::TOKEN_MODES.len().saturating_sub(1));
        self
    }
    /// Adjusts the signer's settings (e.g. the hex case of signs).
    pub fn configure_signer(
        mut self,
        configure: impl FnOnce(&mut <P::Signer as Signer>::Options),
    ) -> Self {
        configure(&mut self.signer_options);
        self
    }

    /// Builds the client; fails only when a key or certificate does not parse.
    pub fn try_build(self) -> Result<Client<P>, BuildError> {
        let signer = P::Signer::new(&self.credentials, &self.signer_options)?;
        Ok(self.finish(signer))
    }

    fn transport(&mut self) -> Transport {
        let sandbox = if self.sandbox { P::HOSTS.sandbox } else { None };
        let base = self
            .base_url
            .clone()
            .or_else(|| sandbox.map(str::to_owned))
            .unwrap_or_else(|| P::HOSTS.production.to_owned());
        // One explicit base (base_url or sandbox) covers every host, so that a test
        // server or the sandbox never leaks a call to a production host.
        let covers_all = self.base_url.is_some() || sandbox.is_some();
        let follows = self.redirects.is_some();
        let http = match (self.http.take(), self.redirects.take()) {
            (Some(http), _) => http,
            (None, Some(policy)) => Transport::http_following(policy),
            (None, None) => Transport::default_http(),
        };
        let mut transport =
            Transport::new(http, base.clone(), self.timeout).with_limits(self.limits);
        if follows {
            transport = transport.with_redirects_allowed();
        }
        if let Some(cert_http) = self.cert_http.take() {
            transport = transport.with_cert_http(cert_http);
        }
        for (name, production) in P::HOSTS.named {
            let url = match self.hosts.iter().find(|(n, _)| n == name) {
                Some((_, url)) => url.clone(),
                None if covers_all => base.clone(),
                None => (*production).to_owned(),
            };
            transport = transport.with_host(*name, url);
        }
        for (name, url) in &self.hosts {
            if transport.host_url(name).is_none() {
                transport = transport.with_host(name.clone(), url.clone());
            }
        }
        transport
    }

    fn finish(mut self, signer: P::Signer) -> Client<P> {
        let transport = self.transport();
        let owner = match self.credentials.merchant_id() {
            "" => self.credentials.app_id(),
            merchant => merchant,
        }
        .to_owned();
        let core = Arc::new_cyclic(|core| Core {
            transport,
            credentials: self.credentials.clone(),
            retry: self.retry,
            signer,
            signer_options: self.signer_options.clone(),
            sandbox_signer: (self.sandbox && P::SANDBOX_KEY.is_some())
                .then(tokio::sync::OnceCell::new),
            key_refresh: super::platform_keys::KeyRefresh::new(
                core.clone(),
                &owner,
                self.token_store.clone(),
            ),
        });
        let tokens = match self.token_source.take() {
            Some(source) => source,
            None => self.token_manager(&core),
        };
        Client { core, tokens }
    }

    fn token_manager(self, core: &Arc<Core<P>>) -> Arc<dyn TokenSource> {
        let Some(mode) = P::TOKEN_MODES.get(self.token_mode) else {
            return Arc::new(NoTokens(P::NAME));
        };
        let fetcher = Arc::new(Fetcher {
            core: core.clone(),
            fetch: mode.fetch,
        });
        let key = format!("{}:{}", mode.key_prefix, core.credentials.app_id());
        let mut manager = TokenManager::builder(fetcher).key(key);
        if let Some(store) = self.token_store {
            manager = manager.store(store);
        }
        if let Some(configure) = self.configure_tokens {
            manager = configure(manager);
        }
        Arc::new(manager.build())
    }
}

impl<P: Platform> ClientBuilder<P>
where
    P::Signer: InfallibleSigner,
{
    /// Builds the client (the platform's signer has no keys that could fail to parse).
    pub fn build(self) -> Client<P> {
        let signer = P::Signer::create(&self.credentials, &self.signer_options);
        self.finish(signer)
    }
}

/// Fetches tokens for the [`TokenManager`] through the client's own transport.
struct Fetcher<P: Platform> {
    core: Arc<Core<P>>,
    fetch: for<'a> fn(&'a Core<P>) -> BoxFuture<'a, Result<AccessToken, TokenError>>,
}

impl<P: Platform> TokenFetcher for Fetcher<P> {
    fn fetch(&self) -> BoxFuture<'_, Result<AccessToken, TokenError>> {
        (self.fetch)(&self.core)
    }
}

/// The token source of a platform without access tokens: asking is a bug in the
/// schema (an endpoint with token auth on such a platform), reported as an error.
struct NoTokens(&'static str);

impl TokenSource for NoTokens {
    fn token(&self) -> BoxFuture<'_, Result<AccessToken, TokenError>> {
        let platform = self.0;
        Box::pin(async move {
            Err(TokenError::Provider(format!(
                "{platform} issues no access tokens (its schema has no `tokens`)"
            )))
        })
    }
    fn invalidate<'a>(&'a self, _failed: &'a AccessToken) -> BoxFuture<'a, ()> {
        Box::pin(async {})
    }
}

/// A piece of a URL short enough for an error message.
#[cfg_attr(not(feature = "wechatpay_v3"), allow(dead_code))] // for get_signed_url
fn bounded(text: &str) -> String {
    text.chars().take(200).collect()
}
