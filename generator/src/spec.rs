//! The YAML as written: serde structs that reject unknown keys. Nothing here is
//! validated beyond shape; `validate` turns these into the IR.

use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformSpec {
    pub platform: String,
    /// The marker type's name where the UpperCamelCase of `platform` misspells the
    /// platform (`wechatpay` → `WechatPay`, not `Wechatpay`): the same letters, cased.
    #[serde(default)]
    pub type_name: Option<String>,
    pub title: String,
    #[serde(default)]
    pub doc: Option<String>,
    /// One public doc URL or a list of them; any YAML value, so that validation can say
    /// precisely what is wrong with it (see `validate::sources`).
    pub source: serde_yaml::Value,
    pub hosts: Hosts,
    pub envelope: EnvelopeSpec,
    #[serde(default)]
    pub auth: BTreeMap<String, AuthSpec>,
    #[serde(default)]
    pub common_errors: Vec<ErrorSpec>,
    /// The constructor's arguments, in order (default: `app_id`, then `secret`).
    #[serde(default)]
    pub credentials: Option<Vec<CredentialSpec>>,
    /// How the platform issues access tokens; absent when it has none.
    #[serde(default)]
    pub tokens: Option<TokensSpec>,
    /// Where the sandbox's signing key comes from, when the sandbox signs with a key of
    /// its own (WeChat Pay's `getsignkey`).
    #[serde(default)]
    pub sandbox_key: Option<SandboxKeySpec>,
    /// Where the platform's own verifying keys are downloaded from (WeChat Pay API v3's
    /// platform certificates), when they can be.
    #[serde(default)]
    pub platform_keys: Option<PlatformKeysSpec>,
}

/// The endpoint whose answer carries the platform's verifying keys.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformKeysSpec {
    /// `group.docName` of the endpoint.
    pub endpoint: String,
    #[serde(default)]
    pub doc: Option<String>,
}

/// The sandbox's signing key: the `field` of `endpoint`'s answer, fetched once (with the
/// production key) by a client built for the sandbox.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SandboxKeySpec {
    /// `group.docName` of the endpoint that issues it.
    pub endpoint: String,
    /// Response field holding the key.
    pub field: String,
    #[serde(default)]
    pub doc: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialKind {
    /// The app's id (WeChat `appid`, Baidu AppKey): `Credentials::app_id`.
    AppId,
    /// The merchant's id (WeChat Pay `mch_id`): `Credentials::merchant_id`.
    MerchantId,
    /// The app secret or signing key: `Credentials::secret`.
    Secret,
    /// The base URL, for platforms without a fixed public host (Jucai's gateway).
    BaseUrl,
    /// The platform's own public key (or its certificate), which verifies its answers
    /// and notifications (Alipay's 支付宝公钥): `Credentials::platform_key`.
    PlatformKey,
    /// The id of the signing key, sent beside each signature (WeChat Pay API v3's
    /// merchant certificate `serial_no`): `Credentials::key_id`.
    KeyId,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialSpec {
    pub name: String,
    pub kind: CredentialKind,
    pub doc: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokensSpec {
    /// `group.docName` of the token endpoint of the default mode.
    pub endpoint: String,
    /// Response field holding the token.
    pub token: String,
    /// Response field holding its lifetime in seconds.
    pub expires_in: String,
    #[serde(default)]
    pub doc: Option<String>,
    /// Alternative ways of getting tokens, selected on the client builder with
    /// `<name>_token()`.
    #[serde(default)]
    pub modes: BTreeMap<String, TokenModeSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenModeSpec {
    pub endpoint: String,
    pub doc: String,
}

/// `production`, optional `sandbox`, and any number of named hosts (`spapi: https://…`)
/// that endpoints pick with `host: <name>` when they live on another host. Unknown keys
/// are therefore not rejected by serde; `validate` checks the names and that every named
/// host is used.
#[derive(Debug, Deserialize)]
pub struct Hosts {
    pub production: String,
    #[serde(default)]
    pub sandbox: Option<String>,
    #[serde(flatten)]
    pub named: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnvelopeStyle {
    Errcode,
    ErrnoData,
    CodeMsgData,
    WechatpayXml,
    Alipay,
    /// WeChat Pay API v3: the HTTP status tells success; failures are
    /// `{code, message, detail}`; answers are signed in headers.
    WechatpayV3,
}

/// The Rust type of a platform's error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeType {
    #[default]
    Integer,
    String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvelopeSpec {
    pub style: EnvelopeStyle,
    /// Integer (WeChat, Baidu) or string (WeChat Pay, Alipay) error codes.
    #[serde(default)]
    pub code_type: CodeType,
    pub code: String,
    pub message: String,
    #[serde(default)]
    pub code_alias: Option<String>,
    #[serde(default)]
    pub message_alias: Option<String>,
    pub success: Vec<CodeValue>,
    #[serde(default)]
    pub data: Option<String>,
    #[serde(default)]
    pub request_id: Option<String>,
    #[serde(default)]
    pub business_code: Option<String>,
    #[serde(default)]
    pub business_message: Option<String>,
    #[serde(default)]
    pub business_success: Vec<CodeValue>,
    #[serde(default)]
    pub result: Option<String>,
    #[serde(default)]
    pub sub_code: Option<String>,
    #[serde(default)]
    pub sub_message: Option<String>,
    /// The request parameter (an endpoint constant) naming the operation, where one
    /// gateway path serves every call (Alipay's `method`).
    #[serde(default)]
    pub operation: Option<String>,
    /// Integer answer fields also accept decimal text (`"3600"`), for platforms whose
    /// docs type numbers as strings.
    #[serde(default)]
    pub numbers_as_text: bool,
    /// A gateway in front of the platform answering its own failures in other fields
    /// (Baidu's `{error_code, error_msg}`): read before `code`.
    #[serde(default)]
    pub gateway: Option<GatewaySpec>,
    /// The OAuth2.0 fields of the endpoints answering outside the envelope (`bare:
    /// true`): Baidu's `{errno, error, error_description}` and `{error,
    /// error_description}`.
    #[serde(default)]
    pub oauth: Option<OAuthSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OAuthSpec {
    /// The field of the error (an OAuth2.0 error name, or a short text beside a code).
    pub error: String,
    /// The field of its description.
    pub description: String,
    /// The HTTP status of an answer naming an OAuth2.0 error (RFC 6749: 400).
    pub status: u16,
}

/// An OAuth2.0 refusal of an endpoint answering outside the envelope: an error name
/// (`invalid_client`), not one of the platform's codes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OAuthErrorSpec {
    pub error: String,
    pub doc: String,
    /// As an error entry's `means:`.
    #[serde(default)]
    pub means: Option<MeansSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatewaySpec {
    pub code: String,
    pub message: String,
    /// The codes the gateway answers itself (from the common code table).
    pub codes: Vec<CodeValue>,
}

/// An error code as the docs write it: WeChat and Baidu use integers, Jucai, WeChat Pay
/// and Alipay strings.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(untagged)]
pub enum CodeValue {
    Int(i64),
    Str(String),
}

impl std::fmt::Display for CodeValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CodeValue::Int(i) => write!(f, "{i}"),
            CodeValue::Str(s) => write!(f, "{s:?}"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthKindSpec {
    AccessToken,
    AppSecret,
    Sign,
    /// The whole HTTP request (method, path with query, body) is signed into a header by
    /// the scheme (WeChat Pay API v3's `Authorization`); no body field carries it.
    SignedRequest,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Location {
    Query,
    Body,
    /// A path parameter: `{name}` in the endpoint's `path`.
    Path,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSpec {
    pub kind: AuthKindSpec,
    #[serde(rename = "in", default)]
    pub location: Option<Location>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub app_id: Option<String>,
    #[serde(default)]
    pub secret: Option<String>,
    #[serde(default)]
    pub scheme: Option<String>,
    #[serde(default)]
    pub field: Option<String>,
    #[serde(default)]
    pub unconfirmed: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppliesTo {
    All,
    AccessToken,
    /// Answered by the platform around every endpoint (a gateway's own refusals: an
    /// unknown operation, a bad sign) but listed in no endpoint's table: in the
    /// platform's refusals only, not in the endpoints' error enums.
    Gateway,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorSpec {
    pub code: CodeValue,
    pub name: String,
    pub doc: String,
    #[serde(default)]
    pub retryable: bool,
    #[serde(default)]
    pub token_invalid: bool,
    #[serde(default)]
    pub applies_to: Option<AppliesTo>,
    /// What the platform means when it answers this code (`wrong_app_id`, …): one
    /// meaning, a list, or a map of meaning → the message the platform sends with it.
    #[serde(default)]
    pub means: Option<MeansSpec>,
    /// The HTTP status the platform answers the code with, where the status carries
    /// meaning (WeChat Pay API v3: `ORDER_NOT_EXIST` is a 404).
    #[serde(default)]
    pub status: Option<u16>,
}

/// The `means:` of an error entry.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum MeansSpec {
    One(String),
    Many(Vec<String>),
    WithMessages(BTreeMap<String, String>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupSpec {
    pub group: String,
    pub title: String,
    #[serde(default)]
    pub doc: Option<String>,
    /// One public doc URL or a list of them; any YAML value, so that validation can say
    /// precisely what is wrong with it (see `validate::sources`).
    pub source: serde_yaml::Value,
    #[serde(default)]
    pub types: BTreeMap<String, TypeSpec>,
    #[serde(default)]
    pub enums: BTreeMap<String, EnumSpec>,
    pub endpoints: Vec<EndpointSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypeSpec {
    pub doc: String,
    pub fields: Vec<FieldSpec>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnumRepr {
    String,
    Int,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnumSpec {
    pub doc: String,
    #[serde(rename = "type")]
    pub repr: EnumRepr,
    pub values: Vec<EnumValueSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnumValueSpec {
    pub value: CodeValue,
    #[serde(default)]
    pub name: Option<String>,
    pub doc: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Method {
    #[serde(rename = "GET")]
    Get,
    #[serde(rename = "POST")]
    Post,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BodySpec {
    None,
    Json,
    Form,
    Multipart,
    Xml,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseKindSpec {
    Json,
    Binary,
    Text,
    /// No body at all (HTTP 204).
    None,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointSpec {
    pub name: String,
    pub summary: String,
    #[serde(default)]
    pub doc: Option<String>,
    /// One public doc URL or a list of them; any YAML value, so that validation can say
    /// precisely what is wrong with it (see `validate::sources`).
    pub source: serde_yaml::Value,
    pub method: Method,
    pub path: String,
    /// A named entry of the platform's `hosts:` when the endpoint is not on `production`.
    #[serde(default)]
    pub host: Option<String>,
    pub auth: String,
    #[serde(default)]
    pub body: Option<BodySpec>,
    #[serde(default)]
    pub idempotent: Option<bool>,
    /// The call needs the client certificate (mutual TLS: WeChat Pay refunds).
    #[serde(default)]
    pub client_cert: bool,
    /// A variant of the platform's sign scheme the docs force for this call
    /// (`HMAC-SHA256` for WeChat Pay's fund flow).
    #[serde(default)]
    pub sign_variant: Option<String>,
    /// The sign scheme's common fields this call's body carries, where the docs list
    /// fewer than the scheme adds to every body (WeChat Pay's `getsignkey`: `mch_id`,
    /// `nonce_str`); absent: all of them.
    #[serde(default)]
    pub sign_common_fields: Option<Vec<String>>,
    /// `false` where the docs' answer carries no signature although the call is signed.
    #[serde(default)]
    pub answer_signed: Option<bool>,
    /// The form field the request's fields travel in, as one JSON text (Alipay's
    /// `biz_content`); fields with `packed: false` stay top-level parameters.
    #[serde(default)]
    pub pack_into: Option<String>,
    /// The request is only signed, never sent by the server (Alipay's App order string):
    /// no client method is generated.
    #[serde(default)]
    pub signed_only: bool,
    #[serde(default)]
    pub constants: BTreeMap<String, String>,
    #[serde(default)]
    pub request: Vec<FieldSpec>,
    #[serde(default)]
    pub alternatives: Vec<AlternativeSpec>,
    pub response: ResponseSpec,
    #[serde(default)]
    pub errors: Vec<ErrorSpec>,
    /// The answer comes outside the envelope: the data as it is, refusals in the
    /// envelope's `oauth` fields.
    #[serde(default)]
    pub bare: bool,
    /// OAuth2.0 refusals of a `bare` endpoint, by error name.
    #[serde(default)]
    pub oauth_errors: Vec<OAuthErrorSpec>,
    #[serde(default)]
    pub unconfirmed: Option<String>,
    /// Why the platform no longer offers the endpoint (the docs withdrew it): the client
    /// method is marked `#[deprecated]` with this note.
    #[serde(default)]
    pub deprecated: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseSpec {
    pub kind: ResponseKindSpec,
    #[serde(default)]
    pub fields: Vec<FieldSpec>,
    #[serde(default)]
    pub example: Option<serde_yaml::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    pub name: String,
    #[serde(default)]
    pub alias: Option<String>,
    #[serde(rename = "type")]
    pub ty: String,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub default: Option<serde_yaml::Value>,
    #[serde(rename = "in", default)]
    pub location: Option<Location>,
    #[serde(default)]
    pub secret: bool,
    /// `false`: a top-level parameter of an endpoint with `pack_into` (default: packed).
    #[serde(default)]
    pub packed: Option<bool>,
    /// A list the wire spreads over indexed fields (`refund_fee_0`, `refund_fee_1`, …):
    /// the name of the field holding its length.
    #[serde(default)]
    pub indexed: Option<String>,
    /// A `money_yuan` amount whose docs say it can be negative (read with a sign).
    #[serde(default)]
    pub may_be_negative: bool,
    /// A request field the client fills from its credentials (`app_id`,
    /// `merchant_id`) instead of taking it from the user.
    #[serde(default)]
    pub from: Option<FilledFrom>,
    #[serde(default)]
    pub constraints: Option<Constraints>,
    pub doc: String,
}

/// Which credential fills a request field (`from:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FilledFrom {
    AppId,
    MerchantId,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Constraints {
    #[serde(default)]
    pub length: Option<LengthSpec>,
    #[serde(default)]
    pub range: Option<RangeSpec>,
    #[serde(default)]
    pub charset: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LengthUnit {
    Bytes,
    Chars,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LengthSpec {
    #[serde(default)]
    pub min: Option<usize>,
    #[serde(default)]
    pub max: Option<usize>,
    pub unit: LengthUnit,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RangeSpec {
    #[serde(default)]
    pub min: Option<f64>,
    #[serde(default)]
    pub max: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlternativeSpec {
    pub name: String,
    pub doc: String,
    pub variants: Vec<VariantSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariantSpec {
    pub name: String,
    pub doc: String,
    pub fields: Vec<String>,
    #[serde(default)]
    pub tag: Option<TagSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TagSpec {
    pub field: String,
    pub value: String,
}
