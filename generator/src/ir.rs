//! The validated model the emitter works from. Every name here is already sanitized and
//! checked for clashes; every reference resolved.

use crate::spec::{
    BodySpec, CodeValue, EnumRepr, EnvelopeSpec, Location, Method, ResponseKindSpec,
};

#[derive(Debug)]
pub struct Platform {
    pub name: String,
    pub doc: Option<String>,
    pub file: String,
    pub title: String,
    pub source: String,
    pub production_host: String,
    pub sandbox_host: Option<String>,
    /// Named hosts besides production/sandbox (`spapi` → `https://spapi.baidu.com`).
    pub named_hosts: Vec<(String, String)>,
    pub envelope: EnvelopeSpec,
    pub groups: Vec<Group>,
    pub wiring: Wiring,
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
    pub credentials: Vec<Credential>,
    /// Token modes; the first is the default. Empty: no access tokens.
    pub token_modes: Vec<TokenMode>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialKind {
    AppId,
    Secret,
    BaseUrl,
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
}

#[derive(Debug)]
pub struct Group {
    pub file: String,
    pub doc_name: String,
    pub module: String,
    pub handle: String,
    pub title: String,
    pub doc: Option<String>,
    pub source: String,
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
}

#[derive(Debug)]
pub struct Endpoint {
    pub full_name: String,
    pub method_name: String,
    pub prefix: String,
    pub summary: String,
    pub doc: Option<String>,
    pub source: String,
    pub method: Method,
    pub path: String,
    /// The named host the endpoint lives on; `None` means the platform's base URL.
    pub host: Option<String>,
    pub auth: Auth,
    pub body: BodySpec,
    pub idempotent: bool,
    pub constants: Vec<(String, String)>,
    pub request: Vec<Field>,
    pub alternatives: Vec<Alternative>,
    pub response_kind: ResponseKindSpec,
    pub response: Vec<Field>,
    pub example_json: Option<String>,
    pub errors: Vec<ErrorCase>,
    /// Does the endpoint document codes of its own (beyond the platform's common ones)?
    pub own_errors: bool,
    pub unconfirmed: Option<String>,
}

impl Endpoint {
    pub fn request_type(&self) -> String {
        format!("{}Request", self.prefix)
    }
    pub fn response_type(&self) -> String {
        format!("{}Response", self.prefix)
    }
    pub fn error_type(&self) -> String {
        format!("{}Error", self.prefix)
    }
    /// The platform-level enum an endpoint without codes of its own shares.
    pub fn shared_error_type(&self) -> &'static str {
        match self.auth {
            Auth::AccessToken { .. } => "CommonTokenError",
            _ => "CommonError",
        }
    }
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
    File,
    Json,
    List(Box<Ty>),
    Struct(String),
    Enum(String),
}

impl Ty {
    pub fn is_numeric(&self) -> bool {
        matches!(self, Ty::I32 | Ty::I64 | Ty::U32 | Ty::U64 | Ty::F64)
    }
    pub fn is_integer(&self) -> bool {
        matches!(self, Ty::I32 | Ty::I64 | Ty::U32 | Ty::U64)
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
    pub checks: Vec<Check>,
    pub doc: String,
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
    pub doc: String,
    pub tag_value: Option<String>,
    pub fields: Vec<Field>,
}

/// An error code as the docs write it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum CodeLit {
    Int(i64),
    Str(String),
}

impl std::fmt::Display for CodeLit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CodeLit::Int(i) => write!(f, "{i}"),
            CodeLit::Str(s) => f.write_str(s),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ErrorCase {
    pub code: CodeLit,
    pub variant: String,
    pub doc: String,
    pub retryable: bool,
    pub token_invalid: bool,
}
