//! The one place names are made: every Rust identifier the generator emits (modules,
//! handles, methods, types with their suffixes, fields, variants) comes from a function
//! here, so validation checks for clashes exactly the names the emitter will write.

use heck::{ToLowerCamelCase, ToSnakeCase, ToUpperCamelCase};

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "gen", "macro",
    "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// Keeps `[A-Za-z0-9_]`, guarantees a valid start, escapes keywords with a trailing `_`.
fn clean(raw: &str) -> String {
    let mut s: String = raw
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    if s.is_empty() {
        s.push('_');
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, '_');
    }
    if KEYWORDS.contains(&s.as_str()) {
        s.push('_');
    }
    s
}

/// `getPaidUnionId` → `get_paid_union_id`; `type` → `type_`.
pub fn snake(raw: &str) -> String {
    clean(&raw.to_snake_case())
}

/// `code2Session` → `Code2Session`; `access_source_session_cnt` → `AccessSourceSessionCnt`.
pub fn upper_camel(raw: &str) -> String {
    let s = clean(&raw.to_upper_camel_case());
    // A value like `1xx` would become `_1xx`; a type or variant reads better as `V1xx`.
    match s.strip_prefix('_') {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => format!("V{rest}"),
        _ => s,
    }
}

/// The cloud-call / uniCloud spelling of a wire name: `session_key` → `sessionKey`.
pub fn lower_camel(raw: &str) -> String {
    raw.to_lower_camel_case()
}

/// The type every generated platform module gets its methods from (`super::Client`).
pub const CLIENT_TYPE: &str = "Client";

/// Types the generated modules name unqualified: a schema type of the same name would
/// shadow them and break the module (or, worse, change what a field means).
pub const RUST_TYPE_NAMES: &[&str] = &[
    "Self",
    "String",
    "Vec",
    "Option",
    "Some",
    "None",
    "Result",
    "Ok",
    "Err",
    "Box",
    "Default",
    "Clone",
    "Debug",
    "PartialEq",
    "Eq",
    "Into",
    "From",
    "Iterator",
    "bool",
    "i32",
    "i64",
    "u32",
    "u64",
    "u8",
    "f64",
    "str",
];

/// The variant that keeps codes or values the docs do not list.
pub const OTHER_VARIANT: &str = "Other";

/// Methods every generated request type has; a field's setter must not shadow them.
pub const RESERVED_METHODS: &[&str] = &["new", "validate", "write_query", "multipart"];

/// The module of a group file: `customerServiceMessage` → `customer_service_message`.
pub fn group_module(group: &str) -> String {
    snake(group)
}

/// The handle type a group's methods hang off: `customerServiceMessage` →
/// `CustomerServiceMessage`.
pub fn group_handle(group: &str) -> String {
    upper_camel(group)
}

/// The client method of an endpoint: `getPaidUnionId` → `get_paid_union_id`.
pub fn endpoint_method(endpoint: &str) -> String {
    snake(endpoint)
}

/// How the docs refer to an endpoint (`auth.code2Session`); not a Rust name, but the
/// key the runtime and the simulator know it by.
pub fn endpoint_full_name(group: &str, endpoint: &str) -> String {
    format!("{group}.{endpoint}")
}

/// `code2Session` → `Code2SessionRequest`.
pub fn request_type(endpoint: &str) -> String {
    format!("{}Request", upper_camel(endpoint))
}

/// `code2Session` → `Code2SessionResponse`.
pub fn response_type(endpoint: &str) -> String {
    format!("{}Response", upper_camel(endpoint))
}

/// `code2Session` → `Code2SessionError`.
pub fn error_type(endpoint: &str) -> String {
    format!("{}Error", upper_camel(endpoint))
}

/// The platform-wide enum of common codes shared by endpoints that list none of their
/// own; token-using endpoints get the one that includes the token codes.
pub fn shared_error_type(uses_access_token: bool) -> String {
    if uses_access_token {
        "CommonTokenError".to_owned()
    } else {
        "CommonError".to_owned()
    }
}

/// The enum of an alternative: endpoint `getPaidUnionId`, alternative `order` →
/// `GetPaidUnionIdOrder`.
pub fn alternative_type(endpoint: &str, alternative: &str) -> String {
    format!("{}{}", upper_camel(endpoint), upper_camel(alternative))
}

/// The associated function building an alternative's variant: `MerchantOrder` →
/// `merchant_order`.
pub fn variant_constructor(variant: &str) -> String {
    snake(variant)
}

/// The variant of an enum value: its `name:` if it has one, else its wire value
/// (`beta_two` → `BetaTwo`).
pub fn enum_variant(name: Option<&str>, wire: &str) -> String {
    upper_camel(name.unwrap_or(wire))
}

/// A placeholder variant for an integer enum value without `name:` (an error is
/// reported as well; the placeholder only keeps validation going).
pub fn unnamed_int_variant(value: i64) -> String {
    format!("V{value}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitizes() {
        assert_eq!(snake("getPaidUnionId"), "get_paid_union_id");
        assert_eq!(snake("createQRCode"), "create_qr_code");
        assert_eq!(snake("type"), "type_");
        assert_eq!(snake("2fa"), "_2fa");
        assert_eq!(snake("本"), "_");
        assert_eq!(upper_camel("code2Session"), "Code2Session");
        assert_eq!(upper_camel("self"), "Self_");
        assert_eq!(upper_camel("1001"), "V1001");
        assert_eq!(lower_camel("session_key"), "sessionKey");
        assert_eq!(request_type("code2Session"), "Code2SessionRequest");
        assert_eq!(
            alternative_type("getPaidUnionId", "order"),
            "GetPaidUnionIdOrder"
        );
        assert_eq!(variant_constructor("MerchantOrder"), "merchant_order");
    }
}
