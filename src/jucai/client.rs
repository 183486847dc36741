use super::api::ENVELOPE;
use crate::crypto::sign::{jucai_sign, HexCase};
use crate::runtime::{
    Auth, BodyKind, BodySnippet, CallOptions, Endpoint, Error, Execute, Extras, FromErrcode,
    Transport,
};
use serde_json::{Map, Value};
use std::sync::Arc;
use std::time::Duration;

/// The sign scheme this client implements (the schema's `auth.*.scheme`).
const JUCAI_MD5: &str = "jucai_md5";

/// A Jucai (巨彩商服) aggregator client: the merchant's gateway, its key, the sign's hex
/// case.
///
/// Every request is signed with [`jucai_sign`] over its JSON body, and every answer's
/// `sign` is verified before anything in it is used. **The sign scheme is unconfirmed**
/// (see [`crate::crypto::sign::jucai_sign`]).
///
/// Cheap to clone (all state is shared).
#[derive(Clone)]
pub struct Client {
    core: Arc<Core>,
}

struct Core {
    transport: Transport,
    key: crate::runtime::Secret<String>,
    case: HexCase,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("transport", &self.core.transport)
            .field("merchant_key", &self.core.key)
            .field("hex_case", &self.core.case)
            .finish()
    }
}

/// Builds a [`Client`]; see [`Client::builder`].
pub struct ClientBuilder {
    base_url: String,
    key: crate::runtime::Secret<String>,
    case: HexCase,
    timeout: Duration,
    http: Option<reqwest::Client>,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("merchant_key", &self.key)
            .field("hex_case", &self.case)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// Hex case of the request signs and of the answers' signs (default
    /// [`HexCase::Lower`], as in the docs' examples). An answer signed in the other case
    /// is rejected with a message naming the case to configure.
    pub fn hex_case(mut self, case: HexCase) -> Self {
        self.case = case;
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

    pub fn build(self) -> Client {
        Client {
            core: Arc::new(Core {
                transport: Transport::new(
                    self.http.unwrap_or_else(Transport::default_http),
                    self.base_url,
                    self.timeout,
                ),
                key: self.key,
                case: self.case,
            }),
        }
    }
}

impl Client {
    /// A client for the merchant's gateway `gateway_url` (e.g. `https://pay.example.com`;
    /// Jucai has no public fixed host, so it is required) signing with `merchant_key`.
    pub fn new(gateway_url: impl Into<String>, merchant_key: impl Into<String>) -> Client {
        Self::builder(gateway_url, merchant_key).build()
    }

    /// Like [`Client::new`], with options (hex case, timeout, reqwest client).
    pub fn builder(
        gateway_url: impl Into<String>,
        merchant_key: impl Into<String>,
    ) -> ClientBuilder {
        ClientBuilder {
            base_url: gateway_url.into(),
            key: crate::runtime::Secret::new(merchant_key.into()),
            case: HexCase::Lower,
            timeout: crate::runtime::DEFAULT_TIMEOUT,
            http: None,
        }
    }

    /// The gateway requests are sent to.
    pub fn base_url(&self) -> &str {
        self.core.transport.base_url()
    }

    /// The hex case used for signs.
    pub fn hex_case(&self) -> HexCase {
        self.core.case
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
        execute(self.core.clone(), request, options)
    }
}

/// One call: validate, sign, send, verify and decode. Never retried (the aggregator's
/// calls create orders).
async fn execute<E>(
    core: Arc<Core>,
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
    let mut extras = Extras::default();
    if let Some((field, sign)) = request_sign(&request, core.key.expose(), core.case)? {
        extras.body.push((field, sign));
    }
    let builder = core.transport.build(&request, extras)?;
    let raw = core
        .transport
        .send(E::NAME, builder, options.timeout)
        .await?;
    super::decode::code_msg_data::<E>(&ENVELOPE, raw, core.key.expose(), core.case)
}

fn encode_error<Err>(endpoint: &'static str, reason: String) -> Error<Err> {
    Error::Decode {
        endpoint,
        status: 0,
        reason: format!("could not encode the request: {reason}"),
        body: BodySnippet::new(b""),
    }
}

/// The JSON body fields of `request` as they will be sent (before the sign): the request
/// itself plus the endpoint's constants, as text.
pub(crate) fn body_fields<E: Endpoint>(request: &E) -> Result<Map<String, Value>, Error<E::Error>> {
    let value = serde_json::to_value(request).map_err(|e| encode_error(E::NAME, e.to_string()))?;
    let Value::Object(mut map) = value else {
        return Err(encode_error(
            E::NAME,
            "the request is not a JSON object".into(),
        ));
    };
    for (k, v) in E::CONSTANTS {
        map.insert((*k).to_owned(), Value::String((*v).to_owned()));
    }
    Ok(map)
}

/// `(field, sign)` for an endpoint signed with `jucai_md5`, computed over exactly the
/// fields the transport sends in the JSON body; `None` for an unsigned endpoint.
fn request_sign<E: Endpoint>(
    request: &E,
    key: &str,
    case: HexCase,
) -> Result<Option<(&'static str, String)>, Error<E::Error>> {
    match E::AUTH {
        Auth::Sign { scheme, field } if scheme == JUCAI_MD5 => {
            if E::BODY != BodyKind::Json {
                return Err(encode_error(
                    E::NAME,
                    format!("sign scheme `{scheme}` signs JSON bodies only"),
                ));
            }
            let fields = body_fields(request)?;
            Ok(Some((field, jucai_sign(&fields, key, case))))
        }
        Auth::Sign { scheme, .. } => Err(encode_error(
            E::NAME,
            format!("unknown sign scheme `{scheme}` (this client implements `{JUCAI_MD5}`)"),
        )),
        _ => Ok(None),
    }
}
