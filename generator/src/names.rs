//! The one identifier sanitizer: every Rust name the generator emits comes from here.

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
    }
}
