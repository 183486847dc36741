//! `source:` — where the docs of a platform, group or endpoint are. Generated rustdoc
//! links there, so it must be a URL a reader can open: one absolute http(s) URL, or a
//! list of them. Notes about internal material belong elsewhere (they are not shipped).

use super::doc_text::cites_internal_files;
use super::Reporter;
use serde_yaml::Value;

const RULE: &str = "source must be a public doc URL (https://…) or a list of them";

/// The URLs of `source:` at `path`; every one that is not a public URL is reported.
pub fn sources(value: &Value, path: &str, r: &mut Reporter) -> Vec<String> {
    match value {
        Value::String(s) => url(s, path, r).into_iter().collect(),
        Value::Sequence(items) if items.is_empty() => {
            r.error(path, format!("{RULE}; the list is empty"));
            Vec::new()
        }
        Value::Sequence(items) => items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| {
                let item_path = format!("{path}[{i}]");
                match item {
                    Value::String(s) => url(s, &item_path, r),
                    other => {
                        r.error(item_path, format!("{RULE}; found {}", kind(other)));
                        None
                    }
                }
            })
            .collect(),
        other => {
            r.error(path, format!("{RULE}; found {}", kind(other)));
            Vec::new()
        }
    }
}

fn url(s: &str, path: &str, r: &mut Reporter) -> Option<String> {
    match url_problem(s) {
        None => Some(s.to_owned()),
        Some(problem) => {
            r.error(path, format!("{RULE}; `{}` {problem}", shorten(s)));
            None
        }
    }
}

/// What keeps `s` from being cited as `<s>` in rustdoc, if anything.
fn url_problem(s: &str) -> Option<&'static str> {
    if s.starts_with('<') && s.ends_with('>') {
        return Some(
            "is wrapped in `<…>` (write the bare URL; the generator adds the angle brackets)",
        );
    }
    let Some(rest) = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
    else {
        return Some("is not an absolute http(s) URL");
    };
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some("contains whitespace (give several URLs as a YAML list)");
    }
    if s.contains(['<', '>', '`', '"']) {
        return Some("contains `<`, `>`, a backtick or a quote, which cannot be part of a link");
    }
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if !host.contains('.') || host.starts_with('.') || host.ends_with('.') {
        return Some("has no public host name");
    }
    if cites_internal_files(s) {
        return Some("cites an internal file (`seeds/`, `wire-facts`)");
    }
    None
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a mapping",
        Value::Tagged(_) => "a tagged value",
    }
}

/// Long values (old-style notes run to a hundred characters) are cut in messages; the
/// line and column already point at them.
fn shorten(s: &str) -> String {
    const MAX: usize = 60;
    if s.chars().count() <= MAX {
        s.to_owned()
    } else {
        format!("{}…", s.chars().take(MAX).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::url_problem;

    #[test]
    fn public_urls_only() {
        assert_eq!(
            url_problem("https://developers.weixin.qq.com/a/b?c#d"),
            None
        );
        assert_eq!(url_problem("http://example.com"), None);
        assert!(url_problem("seeds/002_19a4ae5e9ea4b935.txt").is_some());
        assert!(url_problem("wire-facts §A").is_some());
        assert!(url_problem("https://a.com/x https://b.com/y").is_some());
        assert!(url_problem("<https://a.com>").is_some());
        assert!(url_problem("https://localhost/x").is_some());
        assert!(url_problem("https:///x").is_some());
        assert!(url_problem("https://a.com/wire-facts.md").is_some());
    }
}
