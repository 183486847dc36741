//! HTTP on reqwest + rustls: sends a [`WireRequest`] as it is and reads the whole answer
//! within the call's timeout and size limit. Redirects are not followed unless the user
//! asked for them: the platforms never redirect API calls, and a redirect would carry a
//! signed body or a secret to another host.

use super::wire::{RawResponse, WireBody, WireRequest};
use super::{Error, HttpMethod, MultipartValue};
use bytes::Bytes;
use std::time::Duration;

/// The default timeout of a call: connect, send and read the whole body.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// The largest answer bodies a client reads, by kind; a larger one is refused without
/// being read to the end, so a runaway upstream cannot exhaust memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyLimits {
    /// JSON and text answers (default 1 MiB).
    pub json: usize,
    /// Binary answers: images, media files (default 32 MiB).
    pub media: usize,
}

impl Default for BodyLimits {
    fn default() -> Self {
        BodyLimits {
            json: 1 << 20,
            media: 32 << 20,
        }
    }
}

/// A reqwest client, a base URL and a timeout; shared by a platform client's calls.
#[derive(Clone)]
pub struct Transport {
    http: reqwest::Client,
    base: Base,
    /// Base URLs of the platform's named hosts (endpoints with `Endpoint::HOST`).
    hosts: Vec<(String, Base)>,
    timeout: Duration,
    limits: BodyLimits,
    /// The client presenting the client certificate, for endpoints that need it.
    cert_http: Option<reqwest::Client>,
    /// The user allowed redirects (`ClientBuilder::follow_redirects`).
    follow_redirects: bool,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Transport");
        d.field("base_url", &self.base.text);
        if !self.hosts.is_empty() {
            let hosts: Vec<(&str, &str)> = self
                .hosts
                .iter()
                .map(|(name, base)| (name.as_str(), base.text.as_str()))
                .collect();
            d.field("hosts", &hosts);
        }
        d.field("timeout", &self.timeout)
            .field("limits", &self.limits)
            .field("client_certificate", &self.cert_http.is_some())
            .field("follow_redirects", &self.follow_redirects)
            .finish()
    }
}

/// A base URL as given (for display) and parsed once (every call's URL starts from a
/// copy of it, so no call parses a host again).
#[derive(Debug, Clone)]
struct Base {
    text: String,
    parsed: Result<reqwest::Url, String>,
}

impl Base {
    fn new(text: String) -> Base {
        let mut text = text;
        while text.ends_with('/') {
            text.pop();
        }
        let parsed = match reqwest::Url::parse(&text) {
            Ok(url) if url.cannot_be_a_base() || url.host().is_none() => {
                Err(format!("`{text}` has no host"))
            }
            Ok(url) => Ok(url),
            Err(e) => Err(format!("`{text}` is not a URL: {e}")),
        };
        Base { text, parsed }
    }
}

impl Transport {
    pub fn new(http: reqwest::Client, base_url: impl Into<String>, timeout: Duration) -> Self {
        Transport {
            http,
            base: Base::new(base_url.into()),
            hosts: Vec::new(),
            timeout,
            limits: BodyLimits::default(),
            cert_http: None,
            follow_redirects: false,
        }
    }

    /// Sends the endpoints that need the client certificate with `http` (a client
    /// built with the certificate's identity).
    pub fn with_cert_http(mut self, http: reqwest::Client) -> Self {
        self.cert_http = Some(http);
        self
    }

    /// Sets the largest bodies read (see [`BodyLimits`]).
    pub fn with_limits(mut self, limits: BodyLimits) -> Self {
        self.limits = limits;
        self
    }
    pub fn limits(&self) -> BodyLimits {
        self.limits
    }

    /// Sends the endpoints whose `Endpoint::HOST` is `Some(name)` to `base_url` (replacing
    /// an earlier URL for the same name). An endpoint naming a host that was never given
    /// fails without sending anything.
    pub fn with_host(mut self, name: impl Into<String>, base_url: impl Into<String>) -> Self {
        let (name, url) = (name.into(), Base::new(base_url.into()));
        match self.hosts.iter_mut().find(|(n, _)| *n == name) {
            Some(entry) => entry.1 = url,
            None => self.hosts.push((name, url)),
        }
        self
    }

    /// The base URL of named host `name`, if one was given.
    pub fn host_url(&self, name: &str) -> Option<&str> {
        self.hosts
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, base)| base.text.as_str())
    }

    /// The parsed base URL of the platform (`None`) or of one of its named hosts; `Err`
    /// says why there is none to send to.
    pub(crate) fn base(&self, host: Option<&str>) -> Result<&reqwest::Url, String> {
        let base = match host {
            None => &self.base,
            Some(name) => match self.hosts.iter().find(|(n, _)| n == name) {
                Some((_, base)) => base,
                None => {
                    return Err(format!(
                        "no base URL is configured for host `{name}` (ClientBuilder::host_url)"
                    ))
                }
            },
        };
        base.parsed.as_ref().map_err(Clone::clone)
    }

    /// A reqwest client with rustls that follows no redirect (the platforms never
    /// redirect an API call; a redirect is reported as [`Error::Redirect`]).
    pub fn default_http() -> reqwest::Client {
        Self::http_following(reqwest::redirect::Policy::none())
    }

    /// A reqwest client with rustls and the given redirect policy.
    pub fn http_following(policy: reqwest::redirect::Policy) -> reqwest::Client {
        reqwest::Client::builder()
            .use_rustls_tls()
            .redirect(policy)
            .build()
            .unwrap_or_else(|_| reqwest::Client::new())
    }

    /// Accepts answers that come from another host than the one asked, as a user's own
    /// HTTP client with a redirect policy may deliver them.
    pub fn with_redirects_allowed(mut self) -> Self {
        self.follow_redirects = true;
        self
    }

    pub fn base_url(&self) -> &str {
        &self.base.text
    }
    pub fn timeout(&self) -> Duration {
        self.timeout
    }
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Sends `wire` and reads the whole answer within `timeout` (the client's when
    /// `None`), refusing a body larger than `limit` bytes and, unless redirects were
    /// allowed, any redirect.
    pub async fn send<Err>(
        &self,
        wire: WireRequest,
        timeout: Option<Duration>,
        limit: usize,
    ) -> Result<RawResponse, Error<Err>> {
        let endpoint = wire.endpoint;
        let after = timeout.unwrap_or(self.timeout);
        let (http, request) = self.request(wire)?;
        let requested = Origin::of(request.url());
        let exchange = async {
            let mut response = http.execute(request).await?;
            let status = response.status().as_u16();
            if let Some(error) = self.redirect(endpoint, &response, &requested) {
                return Ok(Err(error));
            }
            let too_large = Ok(Err(Error::BodyTooLarge {
                endpoint,
                status,
                limit,
            }));
            if response.content_length().is_some_and(|n| n > limit as u64) {
                return too_large;
            }
            let headers = std::mem::take(response.headers_mut());
            let body = match response.content_length() {
                // The common case: the length is announced and within the limit.
                Some(_) => response.bytes().await?,
                None => {
                    let mut body = Vec::new();
                    while let Some(chunk) = response.chunk().await? {
                        if body.len() + chunk.len() > limit {
                            return too_large;
                        }
                        body.extend_from_slice(&chunk);
                    }
                    Bytes::from(body)
                }
            };
            // A server may send more than it announced; never keep more than the limit.
            if body.len() > limit {
                return too_large;
            }
            Ok::<_, reqwest::Error>(Ok(RawResponse {
                status,
                headers,
                body,
            }))
        };
        match tokio::time::timeout(after, exchange).await {
            Err(_) => Err(Error::Timeout { endpoint, after }),
            Ok(Err(e)) if e.is_timeout() => Err(Error::Timeout { endpoint, after }),
            // The URL may carry `secret` or `access_token` in its query: never keep it.
            Ok(Err(e)) => Err(Error::Transport {
                endpoint,
                source: e.without_url(),
            }),
            Ok(Ok(outcome)) => outcome,
        }
    }

    /// The reqwest request for `wire`, and the client that must send it.
    fn request<Err>(
        &self,
        wire: WireRequest,
    ) -> Result<(&reqwest::Client, reqwest::Request), Error<Err>> {
        let endpoint = wire.endpoint;
        let http =
            match (wire.client_cert, &self.cert_http) {
                (false, _) => &self.http,
                (true, Some(cert_http)) => cert_http,
                (true, None) => return Err(Error::Encode {
                    endpoint,
                    reason:
                        "this call needs the client certificate (ClientBuilder::client_certificate)"
                            .into(),
                }),
            };
        let method = match wire.method {
            HttpMethod::Get => reqwest::Method::GET,
            HttpMethod::Post => reqwest::Method::POST,
        };
        let mut builder = http.request(method, wire.url).headers(wire.headers);
        builder = match wire.body {
            WireBody::None => builder,
            WireBody::Bytes {
                content_type,
                bytes,
            } => builder
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .body(bytes),
            WireBody::Multipart(parts) => {
                let mut form = reqwest::multipart::Form::new();
                for (name, value) in parts.parts {
                    form = match value {
                        MultipartValue::Text(text) => form.text(name, text),
                        MultipartValue::File(file) => {
                            let len = file.bytes.len() as u64;
                            let part =
                                reqwest::multipart::Part::stream_with_length(file.bytes, len)
                                    .file_name(file.file_name)
                                    .mime_str(&file.content_type)
                                    .map_err(|e| Error::Encode {
                                        endpoint,
                                        reason: format!("content type of `{name}`: {e}"),
                                    })?;
                            form.part(name, part)
                        }
                    };
                }
                builder.multipart(form)
            }
        };
        let request = builder.build().map_err(|e| Error::Encode {
            endpoint,
            reason: format!("not a valid HTTP request: {}", e.without_url()),
        })?;
        Ok((http, request))
    }

    /// A redirect answer, or an answer that came from another host than the one asked
    /// (a user's own HTTP client followed a redirect), unless redirects were allowed.
    fn redirect<Err>(
        &self,
        endpoint: &'static str,
        response: &reqwest::Response,
        requested: &Origin,
    ) -> Option<Error<Err>> {
        let status = response.status();
        if status.is_redirection() {
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|to| response.url().join(to).ok());
            return Some(Error::Redirect {
                endpoint,
                status: status.as_u16(),
                location: location.map(|url| without_query(&url)),
            });
        }
        if !self.follow_redirects && !requested.is_of(response.url()) {
            return Some(Error::Redirect {
                endpoint,
                status: status.as_u16(),
                location: Some(without_query(response.url())),
            });
        }
        None
    }
}

/// Scheme, host and port of a URL (the host is the one allocation).
#[derive(PartialEq, Eq)]
struct Origin(bool, Option<String>, Option<u16>);

impl Origin {
    fn of(url: &reqwest::Url) -> Origin {
        Origin(
            url.scheme() == "https",
            url.host_str().map(str::to_owned),
            url.port_or_known_default(),
        )
    }
    fn is_of(&self, url: &reqwest::Url) -> bool {
        self.0 == (url.scheme() == "https")
            && self.1.as_deref() == url.host_str()
            && self.2 == url.port_or_known_default()
    }
}

/// A URL without its query and fragment (which may carry secrets): where a redirect
/// pointed, for the error.
fn without_query(url: &reqwest::Url) -> String {
    let mut url = url.clone();
    url.set_query(None);
    url.set_fragment(None);
    url.set_username("").ok();
    url.set_password(None).ok();
    url.to_string()
}
