//! HTTP on reqwest + rustls: building a request from an [`Endpoint`] and reading the
//! whole answer within the call's timeout. Platform modules add auth and decoding.

use super::{BodyKind, BodySnippet, Endpoint, Error, HttpMethod, MultipartValue, Query};
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
    base_url: String,
    /// Base URLs of the platform's named hosts (endpoints with `Endpoint::HOST`).
    hosts: Vec<(String, String)>,
    timeout: Duration,
    limits: BodyLimits,
    /// The client presenting the client certificate, for endpoints that need it.
    cert_http: Option<reqwest::Client>,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Transport");
        d.field("base_url", &self.base_url);
        if !self.hosts.is_empty() {
            d.field("hosts", &self.hosts);
        }
        d.field("timeout", &self.timeout)
            .field("limits", &self.limits)
            .field("client_certificate", &self.cert_http.is_some())
            .finish()
    }
}

fn trim_slashes(mut url: String) -> String {
    while url.ends_with('/') {
        url.pop();
    }
    url
}

/// A complete HTTP answer.
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Bytes,
}

impl RawResponse {
    pub fn snippet(&self) -> BodySnippet {
        BodySnippet::new(&self.body)
    }
    /// A 2xx status.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
    pub fn is_json(&self) -> bool {
        self.content_type
            .as_deref()
            .is_some_and(|ct| ct.starts_with("application/json") || ct.starts_with("text/json"))
    }
}

/// Extra wire parameters the platform adds to a call (auth, constants).
#[derive(Debug, Default)]
pub struct Extras {
    pub query: Query,
    /// Merged into a JSON or form body.
    pub body: Vec<(&'static str, String)>,
    /// The whole JSON or form body, already assembled (a signed body must be sent
    /// exactly as it was signed).
    pub assembled: Option<serde_json::Map<String, serde_json::Value>>,
}

impl Transport {
    pub fn new(http: reqwest::Client, base_url: impl Into<String>, timeout: Duration) -> Self {
        Transport {
            http,
            base_url: trim_slashes(base_url.into()),
            hosts: Vec::new(),
            timeout,
            limits: BodyLimits::default(),
            cert_http: None,
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
        let (name, url) = (name.into(), trim_slashes(base_url.into()));
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
            .map(|(_, url)| url.as_str())
    }

    /// A reqwest client with rustls and sane defaults, for when the user gives none.
    pub fn default_http() -> reqwest::Client {
        reqwest::Client::builder()
            .use_rustls_tls()
            .build()
            .unwrap_or_else(|_| reqwest::Client::new())
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }
    pub fn timeout(&self) -> Duration {
        self.timeout
    }
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The JSON body fields of `request` as they will be sent: the request, its
    /// endpoint's constants and `extra` fields, as one object.
    pub fn json_fields<E: Endpoint>(
        &self,
        request: &E,
        extra: Vec<(&'static str, String)>,
    ) -> Result<serde_json::Map<String, serde_json::Value>, Error<E::Error>> {
        use serde_json::Value;
        let mut map = match serde_json::to_value(request) {
            Ok(Value::Object(map)) => map,
            Ok(_) => return Err(encode_error::<E>("the request is not a JSON object".into())),
            Err(e) => return Err(encode_error::<E>(e.to_string())),
        };
        let constants = E::CONSTANTS.iter().map(|(k, v)| (*k, (*v).to_owned()));
        for (k, v) in constants.chain(extra) {
            map.insert(k.to_owned(), Value::String(v));
        }
        Ok(map)
    }

    /// Builds the HTTP request for `request` plus the platform's `extras`.
    pub fn build<E: Endpoint>(
        &self,
        request: &E,
        extras: Extras,
    ) -> Result<reqwest::RequestBuilder, Error<E::Error>> {
        let base = match E::HOST {
            None => self.base_url.as_str(),
            Some(name) => self.host_url(name).ok_or_else(|| {
                encode_error::<E>(format!(
                    "no base URL is configured for host `{name}` (Transport::with_host)"
                ))
            })?,
        };
        let mut url = String::with_capacity(base.len() + E::PATH.len());
        url.push_str(base);
        url.push_str(E::PATH);
        let mut query = extras.query;
        let mut body_extras = extras.body;
        if E::BODY == BodyKind::None {
            query.extend(E::CONSTANTS.iter().map(|(k, v)| (*k, (*v).to_owned())));
            query.append(&mut body_extras);
        }
        request.write_query(&mut query);
        let http =
            match (E::CLIENT_CERT, &self.cert_http) {
                (false, _) => &self.http,
                (true, Some(cert_http)) => cert_http,
                (true, None) => return Err(encode_error::<E>(
                    "this call needs the client certificate (ClientBuilder::client_certificate)"
                        .into(),
                )),
            };
        let builder = match E::METHOD {
            HttpMethod::Get => http.get(url),
            HttpMethod::Post => http.post(url),
        };
        let builder = if query.is_empty() {
            builder
        } else {
            builder.query(&query)
        };
        Ok(match E::BODY {
            BodyKind::None => builder,
            BodyKind::Json => {
                let body = match extras.assembled {
                    Some(map) => serde_json::to_vec(&map),
                    None if body_extras.is_empty() && E::CONSTANTS.is_empty() => {
                        serde_json::to_vec(request)
                    }
                    None => serde_json::to_vec(&self.json_fields(request, body_extras)?),
                }
                .map_err(|e| encode_error::<E>(e.to_string()))?;
                builder
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body)
            }
            BodyKind::Form => {
                body_extras.extend(E::CONSTANTS.iter().map(|(k, v)| (*k, (*v).to_owned())));
                let mut form = match &extras.assembled {
                    Some(map) => {
                        body_extras.clear();
                        serde_urlencoded::to_string(
                            map.iter()
                                .map(|(k, v)| (k, form_text(v)))
                                .collect::<Vec<_>>(),
                        )
                    }
                    None => serde_urlencoded::to_string(request),
                }
                .map_err(|e| encode_error::<E>(e.to_string()))?;
                if !body_extras.is_empty() {
                    let extra = serde_urlencoded::to_string(&body_extras)
                        .map_err(|e| encode_error::<E>(e.to_string()))?;
                    if !form.is_empty() {
                        form.push('&');
                    }
                    form.push_str(&extra);
                }
                builder
                    .header(
                        reqwest::header::CONTENT_TYPE,
                        "application/x-www-form-urlencoded",
                    )
                    .body(form)
            }
            BodyKind::Multipart => {
                body_extras.extend(E::CONSTANTS.iter().map(|(k, v)| (*k, (*v).to_owned())));
                let parts = request.multipart().parts;
                // A choice that travels in the query (img_url instead of an upload)
                // leaves nothing for the body: send none rather than an empty multipart.
                if parts.is_empty() && body_extras.is_empty() {
                    return Ok(builder);
                }
                let mut form = reqwest::multipart::Form::new();
                for (k, v) in body_extras {
                    form = form.text(k, v);
                }
                for (name, value) in parts {
                    form = match value {
                        MultipartValue::Text(text) => form.text(name, text),
                        MultipartValue::File(file) => {
                            let len = file.bytes.len() as u64;
                            let part =
                                reqwest::multipart::Part::stream_with_length(file.bytes, len)
                                    .file_name(file.file_name)
                                    .mime_str(&file.content_type)
                                    .map_err(|e| {
                                        encode_error::<E>(format!("content type of `{name}`: {e}"))
                                    })?;
                            form.part(name, part)
                        }
                    };
                }
                builder.multipart(form)
            }
            BodyKind::Xml => {
                let fields = match extras.assembled {
                    Some(map) => map,
                    None => self.json_fields(request, body_extras)?,
                };
                let text: Vec<(String, String)> = fields
                    .iter()
                    .map(|(k, v)| (k.clone(), form_text(v)))
                    .collect();
                let body =
                    super::xml::write_flat(text.iter().map(|(k, v)| (k.as_str(), v.as_str())));
                builder
                    .header(reqwest::header::CONTENT_TYPE, "text/xml; charset=utf-8")
                    .body(body)
            }
        })
    }

    /// Sends and reads the whole body within `timeout` (the client's when `None`),
    /// refusing a body larger than `limit` bytes.
    pub async fn send<Err>(
        &self,
        endpoint: &'static str,
        builder: reqwest::RequestBuilder,
        timeout: Option<Duration>,
        limit: usize,
    ) -> Result<RawResponse, Error<Err>> {
        let after = timeout.unwrap_or(self.timeout);
        let exchange = async {
            let mut response = builder.send().await?;
            let status = response.status().as_u16();
            let content_type = response
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let too_large = Ok(Err(Error::BodyTooLarge {
                endpoint,
                status,
                limit,
            }));
            if response.content_length().is_some_and(|n| n > limit as u64) {
                return too_large;
            }
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
                content_type,
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
}

/// A form field's text: strings as they are, anything else as its JSON text.
pub fn form_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn encode_error<E: Endpoint>(reason: String) -> Error<E::Error> {
    Error::Encode {
        endpoint: E::NAME,
        reason,
    }
}
