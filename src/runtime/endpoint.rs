//! The contract between generated code and the runtime: every generated request type
//! implements [`Endpoint`], every generated response type [`Response`], every generated
//! error enum [`ApiError`].

use super::envelopes::{decode_with_status, read_status, Envelope, Status};
use super::text_fields::{decode_indexed_text_fields, IndexedList};
use super::{Code, CodeType, Media, Multipart, ValidationError};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpMethod {
    Get,
    Post,
}

/// How a call authenticates (the schema's `auth:`), with the wire names it uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    None,
    /// An access token from the client's token source, in the query under `name`.
    AccessToken {
        name: &'static str,
    },
    /// The client's app id and secret under these wire names, in the query or the body.
    AppSecret {
        app_id: &'static str,
        secret: &'static str,
        in_body: bool,
    },
    /// The body is signed by the named scheme; the signature goes in `field`.
    Sign {
        scheme: &'static str,
        field: &'static str,
    },
    /// The whole request — method, path with query, body — is signed by the named
    /// scheme into a header (WeChat Pay API v3's `Authorization`).
    SignedRequest {
        scheme: &'static str,
    },
}

impl Auth {
    /// Signed one way or the other: the answer may carry a signature to verify.
    pub const fn is_signed(&self) -> bool {
        matches!(self, Auth::Sign { .. } | Auth::SignedRequest { .. })
    }
}

/// A credential the client writes into a request field (the schema's `from:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    AppId,
    MerchantId,
}

/// A request field the client fills from its credentials: WeChat Pay API v3 bodies
/// carry `appid` and `mchid`, which the user gave once, to the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FilledField {
    pub wire: &'static str,
    pub from: Credential,
    /// In the query; otherwise in the body.
    pub in_query: bool,
}

/// Where the fields that are not in the query go (the schema's `body:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    None,
    Json,
    Form,
    Multipart,
    Xml,
}

/// What a successful response looks like (the schema's `response.kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseKind {
    Json,
    /// Bytes with a content type, or a JSON error object.
    Binary,
    /// Plain text, or an XML error.
    Text,
    /// No body at all (HTTP 204): the response type has no fields.
    Empty,
}

/// Query parameters in the order they are sent.
pub type Query = Vec<(&'static str, String)>;

/// One API call described by the schema. Implemented by generated request types.
pub trait Endpoint: Serialize + Send + Sync {
    /// `group.docName`, e.g. `auth.code2Session`.
    const NAME: &'static str;
    const METHOD: HttpMethod;
    const PATH: &'static str;
    /// The named host (the schema's endpoint `host:`) when the endpoint is not on the
    /// platform's base URL, e.g. `Some("spapi")`; the client's [`Transport`] resolves it
    /// to a base URL (see [`Transport::with_host`]).
    ///
    /// [`Transport`]: super::Transport
    /// [`Transport::with_host`]: super::Transport::with_host
    const HOST: Option<&'static str> = None;
    const AUTH: Auth;
    const BODY: BodyKind;
    /// Does the call need the client certificate (mutual TLS)?
    const CLIENT_CERT: bool = false;
    /// The variant of the platform's sign scheme this call must use, where the docs
    /// force one (WeChat Pay's fund flow: `HMAC-SHA256`).
    const SIGN_VARIANT: Option<&'static str> = None;
    /// The only common fields of the sign scheme this call's body carries, where the
    /// docs list fewer than the scheme adds (WeChat Pay's sandbox key: `mch_id`,
    /// `nonce_str`); `None`: all of them.
    const SIGN_COMMON_FIELDS: Option<&'static [&'static str]> = None;
    /// Does the answer of a signed call carry a signature to verify? `false` only where
    /// the docs' answer has none (WeChat Pay's sandbox key).
    const ANSWER_SIGNED: bool = true;
    /// The form field the request's fields travel in, as one JSON text (Alipay's
    /// `biz_content`); `None`: each field is a parameter of its own.
    const PACK_INTO: Option<&'static str> = None;
    /// On a packed endpoint, the wire names of the fields that stay top-level
    /// parameters (`notify_url`).
    const UNPACKED: &'static [&'static str] = &[];
    /// Does the answer come outside the platform's envelope — the data as it is, a
    /// refusal in the envelope's OAuth2.0 fields (Baidu's `jscode2sessionkey` and token
    /// endpoint)? The decoders read either form; a test bed writes this one.
    const BARE: bool = false;
    /// May the runtime retry this call on its own (system busy)?
    const IDEMPOTENT: bool;
    /// Fixed wire parameters (`grant_type=…`), sent with the query (GET) or the body.
    const CONSTANTS: &'static [(&'static str, &'static str)];
    /// Request fields the client fills from its credentials.
    const FILLED: &'static [FilledField] = &[];
    /// The endpoint's documented error codes with their doc text (its code table, the
    /// platform's common codes included), as its error enum knows them.
    const ERRORS: &'static [(Code, &'static str)] = &[];
    /// The HTTP status each code is answered with, where the platform reports errors by
    /// status (WeChat Pay API v3): what a test bed answers with.
    const ERROR_STATUSES: &'static [(Code, u16)] = &[];
    /// The docs' example answer (JSON), if the schema has one: what a test bed answers
    /// with.
    const EXAMPLE: Option<&'static str> = None;
    /// What the endpoint's codes mean when the platform refuses a request itself (the
    /// schema's `means:`, the platform's common codes included): what a test bed
    /// answers.
    const REFUSALS: &'static [Refusal] = &[];
    /// The platform the endpoint belongs to (its client is `Client<Self::Platform>`).
    type Platform: super::Platform;
    type Response: Response;
    type Error: FromCode;

    /// Checks the documented constraints; nothing is sent when this fails.
    fn validate(&self) -> Result<(), ValidationError> {
        Ok(())
    }
    /// The same constraints, checked on the text of the fields a server received
    /// (`get` gives a field's text by wire name): what a test bed refuses, as the
    /// platform would.
    fn check_wire(_get: &dyn Fn(&str) -> Option<String>) -> Result<(), ValidationError> {
        Ok(())
    }
    /// Appends the path to `url`: [`Self::PATH`], or — where the path has parameters
    /// (`/v3/pay/transactions/id/{transaction_id}`) — the path with the request's fields
    /// in their places, each percent-encoded as one segment.
    fn write_path(&self, url: &mut String) {
        url.push_str(Self::PATH);
    }
    /// Appends the fields that travel in the query string.
    fn write_query(&self, _query: &mut Query) {}
    /// The parts of a multipart body (only for `BodyKind::Multipart`).
    fn multipart(&self) -> Multipart {
        Multipart::default()
    }
}

/// A decoded successful response.
pub trait Response: Sized + Send + 'static {
    const KIND: ResponseKind;
    /// Decodes the payload (already stripped of the platform's envelope where it wraps).
    fn from_json(payload: &[u8]) -> Result<Self, serde_json::Error>;
    /// Decodes a payload already parsed (envelopes that nest it in `data`), without
    /// printing and parsing it again where the type allows. The default does that.
    fn from_value(value: &serde_json::Value) -> Result<Self, serde_json::Error> {
        Self::from_json(&serde_json::to_vec(value)?)
    }
    /// Decodes the payload from text fields (the children of a flat XML body, as
    /// WeChat Pay answers). Generated types parse numbers where their fields are numbers.
    fn from_text_fields(_fields: &[(String, String)]) -> Result<Self, String> {
        Err("this response type is not read from text fields".into())
    }
    /// Decodes a payload that carries the envelope's status fields beside its own
    /// (`errcode` style), reading both in one pass where the type allows. The default
    /// reads the body twice.
    fn from_json_with_status(
        payload: &[u8],
        envelope: &Envelope,
    ) -> (Result<Self, serde_json::Error>, Status) {
        let status = read_status(envelope, payload).unwrap_or_default();
        (Self::from_json(payload), status)
    }
    /// Builds the response from a binary body (only for `ResponseKind::Binary`).
    fn from_media(_media: Media) -> Option<Self> {
        None
    }
}

/// A response with fields, decoded with serde: every generated JSON (or XML) response.
/// Its [`Response`] methods come from the blanket impl below, so generated code states
/// only what differs — the lists its answers spread over numbered fields, if any.
pub trait StructuredResponse: serde::de::DeserializeOwned + Send + 'static {
    /// Lists the answers spread over numbered fields (the schema's `indexed:`).
    const INDEXED_LISTS: &'static [IndexedList] = &[];
}

impl<T: StructuredResponse> Response for T {
    const KIND: ResponseKind = ResponseKind::Json;
    fn from_json(payload: &[u8]) -> Result<Self, serde_json::Error> {
        decode_json(payload)
    }
    fn from_value(value: &serde_json::Value) -> Result<Self, serde_json::Error> {
        T::deserialize(value)
    }
    fn from_text_fields(fields: &[(String, String)]) -> Result<Self, String> {
        decode_indexed_text_fields(fields, T::INDEXED_LISTS).map_err(|e| e.to_string())
    }
    fn from_json_with_status(
        payload: &[u8],
        envelope: &Envelope,
    ) -> (Result<Self, serde_json::Error>, Status) {
        decode_with_status(envelope, payload)
    }
}

impl Response for Media {
    const KIND: ResponseKind = ResponseKind::Binary;
    fn from_json(payload: &[u8]) -> Result<Self, serde_json::Error> {
        // A JSON body on a binary endpoint that is not an error: keep it as it came.
        Ok(Media {
            content_type: "application/json".to_owned(),
            bytes: bytes::Bytes::copy_from_slice(payload),
        })
    }
    fn from_media(media: Media) -> Option<Self> {
        Some(media)
    }
}

/// Decodes a JSON payload; the generated `Response` impls call this.
pub fn decode_json<T: serde::de::DeserializeOwned>(payload: &[u8]) -> Result<T, serde_json::Error> {
    serde_json::from_slice(payload)
}

/// An endpoint's error enum, generated from its code table.
///
/// Every generated enum is `#[non_exhaustive]` and keeps codes the docs do not list in
/// an `Other` variant, so a newly documented code is not a breaking change.
pub trait ApiError: std::error::Error + Send + Sync + 'static {
    /// The platform's code, integer or text.
    fn code(&self) -> Code;
    /// What the server said with the code (bounded, see [`bounded_message`]).
    fn message(&self) -> &str;
    /// Worth retrying after a pause (system busy).
    fn is_retryable(&self) -> bool;
    /// The access token used was invalid or expired: refresh it and retry once.
    fn is_token_invalid(&self) -> bool;
}

/// Builds an endpoint's error from a code read off the wire. Implemented by every
/// generated error enum; `Code` is `i64` or `String`, as the platform's codes are.
pub trait FromCode: ApiError {
    type Code: CodeType;
    fn from_code(code: Self::Code, message: String) -> Self;
}

/// The integer-code spelling of [`FromCode`], kept for code written against it.
pub trait FromErrcode: ApiError {
    fn from_errcode(code: i64, message: String) -> Self;
}

impl<T: FromCode<Code = i64>> FromErrcode for T {
    fn from_errcode(code: i64, message: String) -> Self {
        T::from_code(code, message)
    }
}

/// How much of a server's message is kept in an error (characters).
pub const MESSAGE_LIMIT: usize = 256;

/// A server's message as an error keeps it: at most [`MESSAGE_LIMIT`] characters, so a
/// hostile or runaway upstream cannot make errors (and the logs that print them) huge.
pub fn bounded_message(mut message: String) -> String {
    if let Some((cut, _)) = message.char_indices().nth(MESSAGE_LIMIT) {
        message.truncate(cut);
        message.push('…');
    }
    message
}

impl Response for String {
    const KIND: ResponseKind = ResponseKind::Text;
    fn from_json(payload: &[u8]) -> Result<Self, serde_json::Error> {
        Ok(String::from_utf8_lossy(payload).into_owned())
    }
}

/// A string that is not one of an enum's documented values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not a documented value of {type_name}")]
pub struct UnknownValue {
    pub type_name: &'static str,
    pub value: String,
}

/// One endpoint as the schema describes it; generated into each platform's `ENDPOINTS`.
#[derive(Debug, Clone, Copy)]
pub struct EndpointInfo {
    /// `group.docName`
    pub name: &'static str,
    pub method: HttpMethod,
    pub path: &'static str,
    pub needs_access_token: bool,
    pub response: ResponseKind,
    /// The docs' example response (JSON), if the schema has one.
    pub example: Option<&'static str>,
    /// Wire names of the required request fields.
    pub required: &'static [&'static str],
    /// Documented error codes with their doc text.
    pub errors: &'static [(Code, &'static str)],
    /// What its codes mean when the platform refuses a request itself
    /// (`Endpoint::REFUSALS`).
    pub refusals: &'static [Refusal],
    /// Its documented constraints, checked on wire text (`Endpoint::check_wire`).
    pub check_wire: WireCheck,
    /// How it authenticates, with the wire names (the endpoint's `Endpoint::AUTH`).
    pub auth: Auth,
    /// The named host it lives on (`Endpoint::HOST`).
    pub host: Option<&'static str>,
    /// Fixed wire parameters (`Endpoint::CONSTANTS`).
    pub constants: &'static [(&'static str, &'static str)],
    /// The answer's token fields, for the endpoints the schema's `tokens` names.
    pub issues_token: Option<TokenFields>,
    /// Answered outside the envelope (`Endpoint::BARE`).
    pub bare: bool,
}

/// Why a platform refuses a request before serving it — the schema's `means:` of an
/// error code, from which a test bed of the platform (the `miniapp-simulator` crate)
/// chooses the code it answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Meaning {
    WrongAppId,
    WrongSecret,
    /// A fixed parameter (the endpoint's `constants`) has another value.
    WrongConstant,
    TokenMissing,
    TokenInvalid,
    TokenExpired,
    MissingField,
    /// The body does not parse.
    BadBody,
    /// A gateway request names no operation.
    MissingOperation,
    /// A gateway request names an operation the platform does not have.
    UnknownOperation,
    /// The request's signature is missing or does not verify.
    BadSign,
    /// A signed request for another app or merchant.
    WrongIdentity,
    /// A signed request that names no app.
    MissingIdentity,
    /// A request's timestamp is missing or not as documented.
    BadTimestamp,
    /// A field breaks a documented constraint (length, characters, range).
    InvalidField,
}

/// A documented code with one of its meanings and the message the platform sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub means: Meaning,
    /// For [`Meaning::WrongConstant`]: the constant it is about, or `None` for any.
    pub param: Option<&'static str>,
    pub code: Code,
    pub message: &'static str,
}

impl Refusal {
    /// The refusal for `means` (and `param`, where one is named) among `refusals`: one
    /// naming the parameter wins over one for any.
    pub fn find<'a>(
        refusals: &'a [Refusal],
        means: Meaning,
        param: Option<&str>,
    ) -> Option<&'a Refusal> {
        let of = |r: &&Refusal| r.means == means;
        refusals
            .iter()
            .filter(of)
            .find(|r| r.param.is_some() && r.param == param)
            .or_else(|| refusals.iter().filter(of).find(|r| r.param.is_none()))
    }
}

/// Checks an endpoint's documented constraints on the text of the fields a server
/// received; `get` gives a field's text by wire name.
pub type WireCheck = fn(&dyn Fn(&str) -> Option<String>) -> Result<(), ValidationError>;

/// The wire check of an endpoint without documented constraints (for endpoint tables
/// written by hand).
pub fn no_wire_checks(_get: &dyn Fn(&str) -> Option<String>) -> Result<(), ValidationError> {
    Ok(())
}

/// Wire names of a token endpoint's answer fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenFields {
    pub token: &'static str,
    pub expires_in: &'static str,
}
