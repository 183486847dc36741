//! Doc text (titles, summaries, `doc`, `unconfirmed`) becomes rustdoc. Two things in it
//! would break or mislead there: a bare URL (rustdoc's `bare_urls` lint, an error under
//! `cargo doc -D warnings`) and a citation of internal material (`seeds/…`,
//! `wire-facts`) that users of the crate never see.

use super::Reporter;
use crate::spec::{EndpointSpec, FieldSpec, GroupSpec, PlatformSpec};

/// Does `text` point at internal files rather than public docs?
pub fn cites_internal_files(text: &str) -> bool {
    text.contains("seeds/") || text.contains("wire-facts")
}

/// Checks every doc text of a platform file.
pub fn platform(spec: &PlatformSpec, r: &mut Reporter) {
    let mut texts = Texts::default();
    texts.add("title", &spec.title);
    texts.add_opt("doc", &spec.doc);
    for (name, a) in &spec.auth {
        texts.add_opt(format!("auth.{name}.unconfirmed"), &a.unconfirmed);
    }
    for (i, e) in spec.common_errors.iter().enumerate() {
        texts.add(format!("common_errors[{i}].doc"), &e.doc);
    }
    texts.check(r);
}

/// Checks every doc text of a group file.
pub fn group(spec: &GroupSpec, r: &mut Reporter) {
    let mut texts = Texts::default();
    texts.add("title", &spec.title);
    texts.add_opt("doc", &spec.doc);
    for (name, t) in &spec.types {
        texts.add(format!("types.{name}.doc"), &t.doc);
        texts.fields(&format!("types.{name}.fields"), &t.fields);
    }
    for (name, e) in &spec.enums {
        texts.add(format!("enums.{name}.doc"), &e.doc);
        for (i, v) in e.values.iter().enumerate() {
            texts.add(format!("enums.{name}.values[{i}].doc"), &v.doc);
        }
    }
    for (i, ep) in spec.endpoints.iter().enumerate() {
        texts.endpoint(&format!("endpoints[{i}]"), ep);
    }
    texts.check(r);
}

/// Doc texts with their YAML paths, in file order.
#[derive(Default)]
struct Texts<'a>(Vec<(String, &'a str)>);

impl<'a> Texts<'a> {
    fn add(&mut self, path: impl Into<String>, text: &'a str) {
        self.0.push((path.into(), text));
    }

    fn add_opt(&mut self, path: impl Into<String>, text: &'a Option<String>) {
        if let Some(t) = text {
            self.add(path, t);
        }
    }

    fn fields(&mut self, path: &str, fields: &'a [FieldSpec]) {
        for (i, f) in fields.iter().enumerate() {
            self.add(format!("{path}[{i}].doc"), &f.doc);
        }
    }

    fn endpoint(&mut self, p: &str, ep: &'a EndpointSpec) {
        self.add(format!("{p}.summary"), &ep.summary);
        self.add_opt(format!("{p}.doc"), &ep.doc);
        self.fields(&format!("{p}.request"), &ep.request);
        for (i, a) in ep.alternatives.iter().enumerate() {
            self.add(format!("{p}.alternatives[{i}].doc"), &a.doc);
            for (j, v) in a.variants.iter().enumerate() {
                self.add(format!("{p}.alternatives[{i}].variants[{j}].doc"), &v.doc);
            }
        }
        self.fields(&format!("{p}.response.fields"), &ep.response.fields);
        for (i, e) in ep.errors.iter().enumerate() {
            self.add(format!("{p}.errors[{i}].doc"), &e.doc);
        }
        self.add_opt(format!("{p}.unconfirmed"), &ep.unconfirmed);
    }

    fn check(&self, r: &mut Reporter) {
        for (path, text) in &self.0 {
            check(text, path, r);
        }
    }
}

fn check(text: &str, path: &str, r: &mut Reporter) {
    if cites_internal_files(text) {
        r.error(
            path,
            "doc text must not cite internal files (`seeds/…`, `wire-facts`): users never see them; cite the public docs in `source:`",
        );
    }
    for url in bare_urls(text) {
        r.error(
            path,
            format!("bare URL `{url}` in doc text: write it as `<{url}>` or inside backticks (rustdoc's bare_urls lint rejects it)"),
        );
    }
}

/// The URLs in `text` that rustdoc would render as plain text: not inside a code span,
/// an autolink `<…>` or the target of a Markdown link `[…](…)`.
fn bare_urls(text: &str) -> Vec<&str> {
    // Line by line: the emitter quotes some docs by their first line only (setters,
    // variant constructors), which would cut a code span running over a line break.
    text.lines().flat_map(bare_urls_in_line).collect()
}

fn bare_urls_in_line(text: &str) -> Vec<&str> {
    let b = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let skip_to = match b[i] {
            b'`' => Some(code_span_end(b, i)),
            b'<' => enclosed_url_end(b, i + 1, b'>'),
            b']' if b.get(i + 1) == Some(&b'(') => enclosed_url_end(b, i + 2, b')'),
            _ => None,
        };
        if let Some(end) = skip_to {
            i = end;
            continue;
        }
        if b[i..].starts_with(b"https://") || b[i..].starts_with(b"http://") {
            let end = url_end(b, i);
            // Both ends are at ASCII bytes (or the end of the text): char boundaries.
            let url = &text[i..end];
            // Like rustdoc, only a scheme followed by a dotted host name counts.
            let after_scheme = url.split_once("://").map_or("", |(_, rest)| rest);
            let host = after_scheme.split(['/', '?', '#']).next().unwrap_or("");
            if host.contains('.') {
                found.push(url);
            }
            i = end;
            continue;
        }
        i += 1;
    }
    found
}

/// Where the code span opened by the backtick run at `start` ends (CommonMark: the next
/// run of exactly as many backticks). An unmatched run is literal text.
fn code_span_end(b: &[u8], start: usize) -> usize {
    let run = |at: usize| b[at..].iter().take_while(|c| **c == b'`').count();
    let open = run(start);
    let mut j = start + open;
    while j < b.len() {
        if b[j] == b'`' {
            let n = run(j);
            if n == open {
                return j + n;
            }
            j += n;
        } else {
            j += 1;
        }
    }
    start + open
}

/// Past the `close` byte when an http(s) URL starts at `start` and runs, without
/// whitespace, up to `close`.
fn enclosed_url_end(b: &[u8], start: usize, close: u8) -> Option<usize> {
    let rest = b.get(start..)?;
    if !(rest.starts_with(b"https://") || rest.starts_with(b"http://")) {
        return None;
    }
    let len = rest
        .iter()
        .position(|c| *c == close || c.is_ascii_whitespace())?;
    (rest[len] == close).then_some(start + len + 1)
}

/// A bare URL runs to whitespace, a quote or bracket, or the first non-ASCII character
/// (Chinese punctuation often follows a URL directly).
fn url_end(b: &[u8], start: usize) -> usize {
    b[start..]
        .iter()
        .position(|c| c.is_ascii_whitespace() || !c.is_ascii() || b")>\"'`".contains(c))
        .map_or(b.len(), |n| start + n)
}

#[cfg(test)]
mod tests {
    use super::bare_urls;

    #[test]
    fn finds_bare_urls_only() {
        assert_eq!(bare_urls("see https://a.com/x。"), ["https://a.com/x"]);
        assert_eq!(
            bare_urls("(http://a.com) and <https://b.com>"),
            ["http://a.com"]
        );
        assert!(bare_urls("地址:`https://a.com/x?y=1`").is_empty());
        assert!(bare_urls("``code with ` and https://a.com``").is_empty());
        assert!(bare_urls("见 [应答码表](https://a.com/9966)。").is_empty());
        assert!(bare_urls("<https://a.com/x>").is_empty());
        assert_eq!(bare_urls("` unmatched https://a.com"), ["https://a.com"]);
        assert_eq!(bare_urls("<https://a.com/x y>"), ["https://a.com/x"]);
        assert!(bare_urls("no links, 中文 only").is_empty());
        assert!(bare_urls("the scheme http:// alone").is_empty());
        assert_eq!(bare_urls("`split\nhttps://a.com`"), ["https://a.com"]);
    }
}
