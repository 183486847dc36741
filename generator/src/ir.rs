//! The validated model the emitter works from. Every name here is already sanitized and
//! checked for clashes; every reference resolved.
//!
//! The IR owns its types (it does not reuse the serde structs of `spec`), so the YAML's
//! spelling can change without touching the emitter, and the emitter cannot see anything
//! validation has not vouched for.

#[derive(Debug)]
pub struct Platform {
    pub name: String,
    pub doc: Option<String>,
    pub file: String,
    pub title: String,
    /// Public doc URLs (at least one), cited in the rustdoc.
    pub sources: Vec<String>,
    pub hosts: Hosts,
    pub envelope: Envelope,
    pub groups: Vec<Group>,
    pub wiring: Wiring,
    /// The meanings of the platform's common codes, whatever they apply to: the
    /// refusals made before an endpoint is known (an unknown operation), and the
    /// fallback of every endpoint's.
    pub refusals: Vec<(CodeValue, Means)>,
}

/// What the runtime's one client needs to know about the platform, beyond its
/// endpoints: generated into the platform's `Platform` impl and constructors.
#[derive(Debug, Default)]
pub struct Wiring {
    /// The platform's marker type (`Wechat`).
    pub marker: String,
    /// `i64` or `String` codes.
    pub string_codes: bool,
    /// The runtime decoder the envelope style names (`Errcode`).
    pub decoder: String,
    /// The runtime signer the platform's sign scheme names (`JucaiMd5`).
    pub signer: Option<String>,
    /// Does building the signer parse keys that may be malformed? Then `Client::new`
    /// returns a `Result`.
    pub signer_fallible: bool,
    pub credentials: Vec<Credential>,
    /// Token modes; the first is the default. Empty: no access tokens.
    pub token_modes: Vec<TokenMode>,
    /// The endpoint issuing the sandbox's signing key, if the sandbox has one.
    pub sandbox_key: Option<SandboxKey>,
    /// The endpoint whose answer carries the platform's verifying keys.
    pub platform_keys: Option<PlatformKeys>,
}

/// The endpoint the signer downloads the platform's verifying keys from.
#[derive(Debug)]
pub struct PlatformKeys {
    pub endpoint: String,
    pub doc: String,
    pub group_module: String,
    pub request_type: String,
}

/// The endpoint that issues the sandbox's signing key, and the field holding it.
#[derive(Debug)]
pub struct SandboxKey {
    pub endpoint: String,
    pub doc: String,
    pub group_module: String,
    pub request_type: String,
    pub key_field: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialKind {
    AppId,
    MerchantId,
    Secret,
    BaseUrl,
    PlatformKey,
    KeyId,
}

#[derive(Debug)]
pub struct Credential {
    pub ident: String,
    pub kind: CredentialKind,
    pub doc: String,
}

#[derive(Debug)]
pub struct TokenMode {
    /// `default`, `stable`, …
    pub name: String,
    pub key_prefix: String,
    /// The builder method selecting it (`stable_token`); `None` for the default.
    pub builder_method: Option<String>,
    pub doc: String,
    pub group_module: String,
    pub request_type: String,
    pub token_field: String,
    pub expires_field: String,
    /// Wire names of the two response fields (for the simulator's token issuing).
    pub token_wire: String,
    pub expires_wire: String,
}

#[derive(Debug)]
pub struct Hosts {
    pub production: String,
    pub sandbox: Option<String>,
    /// Named hosts besides production/sandbox (`spapi` → `https://spapi.baidu.com`).
    pub named: Vec<(String, String)>,
}

/// How a platform reports success and failure; mirrors the runtime's `Envelope`.
#[derive(Debug)]
pub struct Envelope {
    pub style: EnvelopeStyle,
    pub code: String,
    pub message: String,
    pub code_alias: Option<String>,
    pub message_alias: Option<String>,
    pub success: Vec<CodeValue>,
    pub data: Option<String>,
    pub request_id: Option<String>,
    pub business_code: Option<String>,
    pub business_message: Option<String>,
    pub business_success: Vec<CodeValue>,
    pub result: Option<String>,
    pub sub_code: Option<String>,
    pub sub_message: Option<String>,
    /// The request parameter naming the operation (Alipay's `method`).
    pub operation: Option<String>,
    /// Integer answer fields also accept decimal text.
    pub numbers_as_text: bool,
    /// The gateway's own failure fields and the codes it answers itself.
    pub gateway: Option<Gateway>,
    /// The OAuth2.0 fields of the endpoints answering outside the envelope.
    pub oauth: Option<OAuth>,
}

#[derive(Debug)]
pub struct OAuth {
    pub error: String,
    pub description: String,
    pub status: u16,
}

/// An OAuth2.0 refusal of a bare endpoint: an error name outside the platform's codes.
#[derive(Debug, Clone, PartialEq)]
pub struct OAuthError {
    /// The error name, as a text code.
    pub code: CodeValue,
    pub doc: String,
    pub means: Vec<Means>,
}

#[derive(Debug)]
pub struct Gateway {
    pub code: String,
    pub message: String,
    pub codes: Vec<CodeValue>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvelopeStyle {
    Errcode,
    ErrnoData,
    CodeMsgData,
    WechatpayXml,
    Alipay,
    WechatpayV3,
}

/// A code or enum value as the docs write it: an integer or a string.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum CodeValue {
    Int(i64),
    Str(String),
}

impl std::fmt::Display for CodeValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CodeValue::Int(i) => write!(f, "{i}"),
            CodeValue::Str(s) => f.write_str(s),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpMethod {
    Get,
    Post,
}

impl HttpMethod {
    /// As the wire and the docs write it.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
        }
    }
}

/// Where the non-query fields of a request go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    None,
    Json,
    Form,
    Multipart,
    Xml,
}

/// Where one request field goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    Query,
    Body,
    /// `{name}` in the endpoint's path, percent-encoded as one segment.
    Path,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseKind {
    Json,
    Binary,
    Text,
    /// No body (HTTP 204): the response type has no fields.
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnumRepr {
    String,
    Int,
}

#[derive(Debug)]
pub struct Group {
    pub file: String,
    pub doc_name: String,
    pub module: String,
    pub handle: String,
    pub title: String,
    pub doc: Option<String>,
    /// Public doc URLs (at least one), cited in the rustdoc.
    pub sources: Vec<String>,
    pub structs: Vec<Struct>,
    pub enums: Vec<Enum>,
    pub endpoints: Vec<Endpoint>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub request: bool,
    pub response: bool,
}

#[derive(Debug)]
pub struct Struct {
    pub name: String,
    pub doc: String,
    pub fields: Vec<Field>,
    pub usage: Usage,
}

#[derive(Debug)]
pub struct Enum {
    pub name: String,
    pub doc: String,
    pub repr: EnumRepr,
    pub values: Vec<EnumValue>,
    pub usage: Usage,
}

#[derive(Debug)]
pub struct EnumValue {
    pub wire: CodeValue,
    pub variant: String,
    pub doc: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    None,
    AccessToken {
        name: String,
    },
    AppSecret {
        app_id: String,
        secret: String,
        in_body: bool,
    },
    Sign {
        scheme: String,
        field: String,
        unconfirmed: Option<String>,
    },
    /// The whole request is signed into a header by the scheme.
    SignedRequest {
        scheme: String,
        unconfirmed: Option<String>,
    },
}

impl Auth {
    /// Signed one way or the other: the call's answer may carry a signature.
    pub fn is_signed(&self) -> bool {
        matches!(self, Auth::Sign { .. } | Auth::SignedRequest { .. })
    }
}

/// A request field the client fills from its credentials (`from:`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filled {
    pub wire: String,
    pub from: CredentialKind,
    pub location: Location,
}

#[derive(Debug)]
pub struct Endpoint {
    /// Response lists spread over indexed fields (WeChat Pay's refund query).
    pub indexed_lists: Vec<IndexedList>,
    /// The call needs the client certificate.
    pub client_cert: bool,
    /// The sign scheme's variant the call must use.
    pub sign_variant: Option<String>,
    /// The only common fields of the sign scheme this call's body carries.
    pub sign_common_fields: Option<Vec<String>>,
    /// Whether a signed call's answer carries a signature to verify.
    pub answer_signed: bool,
    /// The form field the request's fields travel in as one JSON text (`biz_content`).
    pub pack_into: Option<String>,
    /// Wire names of the request fields that stay top-level on a packed endpoint.
    pub unpacked: Vec<String>,
    /// Only signed, never sent by the server: no client method.
    pub signed_only: bool,
    pub full_name: String,
    pub method_name: String,
    pub request_type: String,
    pub response_type: String,
    /// The endpoint's error type: its own enum, or an alias of `shared_error_type`.
    pub error_type: String,
    /// The platform-level enum of common codes an endpoint without codes of its own uses.
    pub shared_error_type: String,
    pub summary: String,
    pub doc: Option<String>,
    /// Public doc URLs (at least one), cited in the rustdoc.
    pub sources: Vec<String>,
    pub method: HttpMethod,
    pub path: String,
    /// The named host the endpoint lives on; `None` means the platform's base URL.
    pub host: Option<String>,
    pub auth: Auth,
    pub body: BodyKind,
    pub idempotent: bool,
    pub constants: Vec<(String, String)>,
    /// Request fields the client fills from its credentials.
    pub filled: Vec<Filled>,
    pub request: Vec<Field>,
    pub alternatives: Vec<Alternative>,
    pub response_kind: ResponseKind,
    pub response: Vec<Field>,
    pub example_json: Option<String>,
    pub errors: Vec<ErrorCase>,
    /// Does the endpoint document codes of its own (beyond the platform's common ones)?
    pub own_errors: bool,
    /// Answered outside the envelope (the schema's `bare: true`).
    pub bare: bool,
    /// Its OAuth2.0 refusals (a bare endpoint's `oauth_errors`).
    pub oauth_errors: Vec<OAuthError>,
    pub unconfirmed: Option<String>,
    /// Why the endpoint was withdrawn: the client method is `#[deprecated]`.
    pub deprecated: Option<String>,
}

impl Endpoint {
    /// Required request fields (constructor arguments), alternatives included.
    pub fn has_required_input(&self) -> bool {
        !self.alternatives.is_empty()
            || self
                .request
                .iter()
                .any(|f| f.required && f.default.is_none())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Ty {
    String,
    Bool,
    I32,
    I64,
    U32,
    U64,
    F64,
    /// Money: integer fen in Rust, a yuan decimal text on the wire (`"0.01"`).
    MoneyYuan,
    File,
    Json,
    List(Box<Ty>),
    /// An object whose keys the caller chooses (`map<T>`): `BTreeMap<String, T>`, so the
    /// keys are written in one order.
    Map(Box<Ty>),
    Struct(String),
    Enum(String),
}

impl Ty {
    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            Ty::I32 | Ty::I64 | Ty::U32 | Ty::U64 | Ty::F64 | Ty::MoneyYuan
        )
    }
    pub fn is_integer(&self) -> bool {
        matches!(self, Ty::I32 | Ty::I64 | Ty::U32 | Ty::U64 | Ty::MoneyYuan)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    /// A value of a legal-value enum: its wire form and its Rust variant.
    Variant {
        wire: String,
        variant: String,
    },
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    ByteLen(usize, usize),
    CharLen(usize, usize),
    Range(f64, f64),
    Charset(String),
    /// A path parameter: not empty, not `.` or `..` (percent-encoding keeps every other
    /// value inside its segment).
    PathSegment,
}

#[derive(Debug, Clone)]
pub struct Field {
    pub wire: String,
    /// The camelCase spelling accepted when decoding, when it differs from `wire`.
    pub alias: Option<String>,
    pub ident: String,
    pub ty: Ty,
    pub required: bool,
    pub default: Option<Scalar>,
    pub location: Location,
    pub secret: bool,
    /// On an endpoint with `pack_into`: travels inside the packed JSON (default).
    pub packed: bool,
    /// The field holding the length of an indexed list (`refund_count`).
    pub indexed: Option<String>,
    /// A `money_yuan` amount the docs allow to be negative.
    pub may_be_negative: bool,
    /// A request field the client fills from this credential (never user input).
    pub filled_from: Option<CredentialKind>,
    pub checks: Vec<Check>,
    pub doc: String,
}

/// A response list spread over indexed fields, resolved down to its items' fields.
#[derive(Debug, Clone)]
pub struct IndexedList {
    pub field: String,
    pub count: String,
    pub item_fields: Vec<String>,
    pub nested: Vec<IndexedList>,
}

#[derive(Debug)]
pub struct Alternative {
    pub ident: String,
    pub type_name: String,
    pub doc: String,
    /// Internally tagged: every variant adds `field = value` to the wire form.
    pub tag_field: Option<String>,
    pub variants: Vec<Variant>,
}

#[derive(Debug)]
pub struct Variant {
    pub name: String,
    /// The associated function that builds this variant.
    pub constructor: String,
    pub doc: String,
    pub tag_value: Option<String>,
    pub fields: Vec<Field>,
}

#[derive(Debug, Clone)]
pub struct ErrorCase {
    pub code: CodeValue,
    pub variant: String,
    pub doc: String,
    pub retryable: bool,
    pub token_invalid: bool,
    /// What the platform means by the code (the schema's `means:`).
    pub means: Vec<Means>,
    /// One of the platform's common codes (its meanings are the platform's, not
    /// repeated per endpoint).
    pub from_platform: bool,
    /// The HTTP status the platform answers it with, where the schema gives one.
    pub status: Option<u16>,
}

/// One meaning of an error code: the refusal a test bed answers with it.
#[derive(Debug, Clone, PartialEq)]
pub struct Means {
    /// The runtime's `Meaning` variant (`WrongAppId`).
    pub meaning: String,
    /// For `wrong_constant.<name>`: the constant it is about.
    pub param: Option<String>,
    /// The message sent with the code (default: the doc text).
    pub message: String,
}

/// The meanings the schema may give an error code: the refusals the simulator makes.
pub const MEANINGS: &[(&str, &str)] = &[
    ("wrong_app_id", "the app id is not the app's"),
    ("wrong_secret", "the app secret is not the app's"),
    (
        "wrong_constant",
        "a fixed parameter (the endpoint's `constants`) has another value",
    ),
    ("token_missing", "no access token"),
    (
        "token_invalid",
        "an access token the platform never issued, or revoked",
    ),
    ("token_expired", "an access token past its lifetime"),
    ("missing_field", "a required field is missing"),
    ("bad_body", "the body does not parse"),
    ("missing_operation", "a gateway request names no operation"),
    (
        "unknown_operation",
        "a gateway request names an operation it does not have",
    ),
    (
        "bad_sign",
        "the request's signature is missing or does not verify",
    ),
    (
        "wrong_identity",
        "the signed request is for another app or merchant",
    ),
    ("missing_identity", "the signed request names no app"),
    (
        "bad_timestamp",
        "the request's timestamp is missing or not as documented",
    ),
    (
        "invalid_field",
        "a field breaks a documented constraint (length, characters, range)",
    ),
];
