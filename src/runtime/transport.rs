//! HTTP on reqwest + rustls: building a request from an [`Endpoint`] and reading the
//! whole answer within the call's timeout. Platform modules add auth and decoding.

use super::{BodyKind, BodySnippet, Endpoint, Error, HttpMethod, MultipartValue, Query};
use bytes::Bytes;
use std::time::Duration;

/// The default timeout of a call: connect, send and read the whole body.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// A reqwest client, a base URL and a timeout; shared by a platform client's calls.
#[derive(Clone)]
pub struct Transport {
    http: reqwest::Client,
    base_url: String,
    /// Base URLs of the platform's named hosts (endpoints with `Endpoint::HOST`).
    hosts: Vec<(String, String)>,
    timeout: Duration,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Transport");
        d.field("base_url", &self.base_url);
        if !self.hosts.is_empty() {
            d.field("hosts", &self.hosts);
        }
        d.field("timeout", &self.timeout).finish()
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
}

impl Transport {
    pub fn new(http: reqwest::Client, base_url: impl Into<String>, timeout: Duration) -> Self {
        Transport {
            http,
            base_url: trim_slashes(base_url.into()),
            hosts: Vec::new(),
            timeout,
        }
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

    /// Builds the HTTP request for `request` plus the platform's `extras`.
    pub fn build<E: Endpoint>(
        &self,
        request: &E,
        extras: Extras,
    ) -> Result<reqwest::RequestBuilder, Error<E::Error>> {
        let encode_err = |reason: String| Error::Decode {
            endpoint: E::NAME,
            status: 0,
            reason: format!("could not encode the request: {reason}"),
            body: BodySnippet::new(b""),
        };
        let base = match E::HOST {
            None => self.base_url.as_str(),
            Some(name) => self.host_url(name).ok_or_else(|| {
                encode_err(format!(
                    "no base URL is configured for host `{name}` (Transport::with_host)"
                ))
            })?,
        };
        let url = format!("{base}{}", E::PATH);
        let mut query = extras.query;
        let mut body_extras = extras.body;
        let constants = E::CONSTANTS.iter().map(|(k, v)| (*k, (*v).to_owned()));
        if E::BODY == BodyKind::None {
            query.extend(constants);
            query.append(&mut body_extras);
        } else {
            body_extras.extend(constants);
        }
        request.write_query(&mut query);
        let builder = match E::METHOD {
            HttpMethod::Get => self.http.get(url),
            HttpMethod::Post => self.http.post(url),
        };
        let builder = if query.is_empty() {
            builder
        } else {
            builder.query(&query)
        };
        Ok(match E::BODY {
            BodyKind::None => builder,
            BodyKind::Json => {
                let body = if body_extras.is_empty() {
                    serde_json::to_vec(request)
                } else {
                    let mut value =
                        serde_json::to_value(request).map_err(|e| encode_err(e.to_string()))?;
                    if let Some(map) = value.as_object_mut() {
                        for (k, v) in body_extras {
                            map.insert(k.to_owned(), serde_json::Value::String(v));
                        }
                    }
                    serde_json::to_vec(&value)
                }
                .map_err(|e| encode_err(e.to_string()))?;
                builder
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body)
            }
            BodyKind::Form => {
                let mut form =
                    serde_urlencoded::to_string(request).map_err(|e| encode_err(e.to_string()))?;
                if !body_extras.is_empty() {
                    let extra = serde_urlencoded::to_string(&body_extras)
                        .map_err(|e| encode_err(e.to_string()))?;
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
                                        encode_err(format!("content type of `{name}`: {e}"))
                                    })?;
                            form.part(name, part)
                        }
                    };
                }
                builder.multipart(form)
            }
            BodyKind::Xml => {
                return Err(encode_err(
                    "XML bodies are built by the payment runtime".into(),
                ))
            }
        })
    }

    /// Sends and reads the whole body within `timeout` (the client's when `None`).
    pub async fn send<Err>(
        &self,
        endpoint: &'static str,
        builder: reqwest::RequestBuilder,
        timeout: Option<Duration>,
    ) -> Result<RawResponse, Error<Err>> {
        let after = timeout.unwrap_or(self.timeout);
        let exchange = async {
            let response = builder.send().await?;
            let status = response.status().as_u16();
            let content_type = response
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let body = response.bytes().await?;
            Ok::<_, reqwest::Error>(RawResponse {
                status,
                content_type,
                body,
            })
        };
        match tokio::time::timeout(after, exchange).await {
            Err(_) => Err(Error::Timeout { endpoint, after }),
            Ok(Err(e)) if e.is_timeout() => Err(Error::Timeout { endpoint, after }),
            // The URL may carry `secret` or `access_token` in its query: never keep it.
            Ok(Err(e)) => Err(Error::Transport {
                endpoint,
                source: e.without_url(),
            }),
            Ok(Ok(raw)) => Ok(raw),
        }
    }
}
