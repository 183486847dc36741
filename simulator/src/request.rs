//! What arrived: the parsed request (fields from the query, a JSON, form or flat XML
//! body, or multipart parts) and the redacted record kept for [`Simulator::requests`].
//!
//! [`Simulator::requests`]: super::Simulator::requests

use miniapp::runtime::xml::{parse_flat, write_flat};
use miniapp::runtime::Code;
use serde_json::Value;
use std::borrow::Cow;
use std::fmt;

/// Wire names whose values never appear in a record's `Debug`/`Display`.
pub const REDACTED: &[&str] = &[
    "secret",
    "sk",
    "client_secret",
    "access_token",
    "refresh_token",
    "session_key",
];

const MASK: &str = "***";

fn is_redacted(name: &str) -> bool {
    REDACTED.iter().any(|r| r.eq_ignore_ascii_case(name))
}

/// The value shown for the field `name`: [`MASK`] for secrets.
fn shown<'a>(name: &str, value: &'a str) -> &'a str {
    if is_redacted(name) {
        MASK
    } else {
        value
    }
}

/// One request the simulator received, as it arrived.
///
/// The fields hold the raw values (tests may check what was sent); `Debug`, `Display`
/// and `Serialize` replace the values of `secret`, `sk`, `client_secret`,
/// `access_token`, `refresh_token` and `session_key` with `***`, in the query and in
/// JSON, form or XML bodies.
///
/// As JSON (what the admin API's `GET /_admin/requests` lists), always these members:
///
/// ```json
/// {"id": 1, "platform": "wechat", "endpoint": "auth.code2Session", "method": "GET",
///  "path": "/sns/jscode2session",
///  "query": [["appid", "wx-demo-appid"], ["secret", "***"], ["js_code", "c"]],
///  "content_type": null, "body": null, "body_len": 0, "body_truncated": false,
///  "parts": [], "status": 200, "code": 0}
/// ```
///
/// `platform`, `endpoint` and `code` are `null` when no endpoint matched (`code` also
/// for a binary answer); `code` is a number or a string, as the platform's codes are;
/// `body` is the redacted body text, or a size for a body that is not text or was
/// truncated (the log keeps the first 64 KiB of a body by default,
/// [`SimulatorBuilder::log_body_bytes`](super::SimulatorBuilder::log_body_bytes));
/// `body_len` is always the body's real length.
#[derive(Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// Its number in the log: 1 for the first request received, counting on through
    /// resets (a reader paging by number never sees a request twice).
    pub id: u64,
    /// The platform whose endpoint matched, if one did.
    pub platform: Option<&'static str>,
    /// The endpoint's `group.docName`, if one matched.
    pub endpoint: Option<&'static str>,
    pub method: String,
    pub path: String,
    /// Query pairs in order, decoded.
    pub query: Vec<(String, String)>,
    pub content_type: Option<String>,
    /// The body as text when it is UTF-8 and not multipart; `None` otherwise. Only its
    /// start when `body_truncated`.
    pub body_text: Option<String>,
    /// `body_text` is the start of the body only: the body is longer than the log
    /// keeps.
    pub body_truncated: bool,
    /// The body's real length in bytes, however much of it was kept.
    pub body_len: usize,
    /// Names of the multipart parts, in order (empty for other bodies).
    pub parts: Vec<String>,
    /// HTTP status answered.
    pub status: u16,
    /// The platform code answered (`errcode`, `errno`, …): `Some(0)` for a JSON
    /// success, `None` for a binary answer or no matching endpoint.
    pub code: Option<Code>,
}

impl RecordedRequest {
    /// The first query value under `name` (raw, not redacted).
    pub fn query_value(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn body_json(&self) -> Option<Value> {
        serde_json::from_str(self.body_text.as_deref()?).ok()
    }

    /// Did it reach one of these `(platform, endpoint)` names?
    pub(crate) fn reached(&self, names: &[(&str, &str)]) -> bool {
        match (self.platform, self.endpoint) {
            (Some(p), Some(e)) => names.contains(&(p, e)),
            _ => false,
        }
    }

    /// The query's pairs, secrets masked.
    fn redacted_pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.query.iter().map(|(k, v)| (k.as_str(), shown(k, v)))
    }

    /// The query string with secret values masked.
    pub fn redacted_query(&self) -> String {
        self.redacted_pairs()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// The body with secret values masked (JSON, form and flat XML bodies), or a size for
    /// others.
    pub fn redacted_body(&self) -> Option<String> {
        if !self.parts.is_empty() {
            return Some(format!(
                "multipart [{}] ({} bytes)",
                self.parts.join(", "),
                self.body_len
            ));
        }
        if self.body_len == 0 {
            return None;
        }
        let Some(text) = self.body_text.as_deref() else {
            return Some(format!("<{} bytes>", self.body_len));
        };
        if self.body_truncated {
            // The start of a document does not parse: its secrets could not be found.
            return Some(format!("<{} bytes of text, truncated>", self.body_len));
        }
        if let Ok(mut json) = serde_json::from_str::<Value>(text) {
            redact_json(&mut json);
            return Some(json.to_string());
        }
        if self
            .content_type
            .as_deref()
            .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"))
        {
            if let Ok(pairs) = serde_urlencoded::from_str::<Vec<(String, String)>>(text) {
                let masked: Vec<(String, String)> = pairs
                    .into_iter()
                    .map(|(k, v)| {
                        let v = shown(&k, &v).to_owned();
                        (k, v)
                    })
                    .collect();
                return serde_urlencoded::to_string(masked).ok();
            }
        }
        if looks_like_xml(text) {
            if let Ok(fields) = parse_flat(text.as_bytes()) {
                return Some(write_flat(
                    fields.iter().map(|(k, v)| (k.as_str(), shown(k, v))),
                ));
            }
        }
        // Unknown text: it could hold anything, so show only its size.
        Some(format!("<{} bytes of text>", self.body_len))
    }
}

fn redact_json(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if is_redacted(k) {
                    *v = Value::from(MASK);
                } else {
                    redact_json(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_json),
        _ => {}
    }
}

impl fmt::Debug for RecordedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordedRequest")
            .field("id", &self.id)
            .field("platform", &self.platform)
            .field("endpoint", &self.endpoint)
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.redacted_query())
            .field("content_type", &self.content_type)
            .field("body", &self.redacted_body())
            .field("body_len", &self.body_len)
            .field("status", &self.status)
            .field("code", &self.code)
            .finish()
    }
}

/// The redacted record (see the type's docs for the shape).
impl serde::Serialize for RecordedRequest {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let query: Vec<(&str, &str)> = self.redacted_pairs().collect();
        let mut out = serializer.serialize_struct("RecordedRequest", 13)?;
        out.serialize_field("id", &self.id)?;
        out.serialize_field("platform", &self.platform)?;
        out.serialize_field("endpoint", &self.endpoint)?;
        out.serialize_field("method", &self.method)?;
        out.serialize_field("path", &self.path)?;
        out.serialize_field("query", &query)?;
        out.serialize_field("content_type", &self.content_type)?;
        out.serialize_field("body", &self.redacted_body())?;
        out.serialize_field("body_len", &self.body_len)?;
        out.serialize_field("body_truncated", &self.body_truncated)?;
        out.serialize_field("parts", &self.parts)?;
        out.serialize_field("status", &self.status)?;
        out.serialize_field("code", &self.code)?;
        out.end()
    }
}

/// `GET /path?query body → code`, secrets masked.
impl fmt::Display for RecordedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.path)?;
        if !self.query.is_empty() {
            write!(f, "?{}", self.redacted_query())?;
        }
        if let Some(body) = self.redacted_body() {
            write!(f, " {body}")?;
        }
        match &self.code {
            Some(code) => write!(f, " → {} code {code}", self.status),
            None => write!(f, " → {}", self.status),
        }
    }
}

/// A parsed incoming request: where the simulator looks for fields.
#[derive(Debug, Default)]
pub(crate) struct Incoming {
    pub query: Vec<(String, String)>,
    pub body_len: usize,
    pub body_text: Option<String>,
    /// The body as a JSON object, when it is one.
    pub json: Option<serde_json::Map<String, Value>>,
    /// The children of a flat XML body (WeChat Pay), in document order.
    pub xml: Option<Vec<(String, String)>>,
    /// Why a body that claims to be JSON or XML (or looks like it) was not read: not a
    /// JSON object, or not a flat XML document (a DOCTYPE among the reasons).
    pub bad_body: Option<String>,
    pub form: Vec<(String, String)>,
    /// Multipart parts: name and, for text parts, the value.
    pub parts: Vec<(String, Option<String>)>,
    /// The values of a path's parameters (`/v3/pay/transactions/id/{transaction_id}`),
    /// percent-decoded, by the template's names.
    pub path_params: Vec<(String, String)>,
    /// The request as it came on the wire, for platforms that sign it whole (WeChat
    /// Pay API v3 signs the method, the path and query as sent, and the exact body).
    /// Moved in, not copied: every request pays nothing for it.
    pub wire: Wire,
}

/// What a whole-request signature covers, and the headers it travels in.
#[derive(Debug, Default)]
// Read only by a platform that signs whole requests (its `authenticate` hook).
#[allow(dead_code)]
pub(crate) struct Wire {
    pub method: http::Method,
    /// The request target as received (path and query, percent-encoded as sent).
    pub uri: http::Uri,
    pub headers: http::HeaderMap,
    /// The exact body bytes.
    pub body: bytes::Bytes,
}

impl Wire {
    /// A header's value as text, if it is there and is text.
    #[allow(dead_code)] // read by whole-request signing hooks
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    /// The path and query exactly as received.
    #[allow(dead_code)] // read by whole-request signing hooks
    pub fn target(&self) -> &str {
        self.uri.path_and_query().map_or("/", |pq| pq.as_str())
    }
}

impl Incoming {
    pub fn parse(query: Option<&str>, content_type: Option<&str>, body: &[u8]) -> Incoming {
        let mut incoming = Incoming {
            query: query.map(query_pairs).unwrap_or_default(),
            body_len: body.len(),
            ..Incoming::default()
        };
        let ct = content_type.unwrap_or("").to_ascii_lowercase();
        if ct.starts_with("multipart/") {
            if let Some(boundary) = boundary(content_type.unwrap_or("")) {
                incoming.parts = multipart_parts(body, &boundary);
            }
            return incoming;
        }
        incoming.body_text = std::str::from_utf8(body).ok().map(str::to_owned);
        let text = incoming.body_text.as_deref().unwrap_or("");
        if ct.starts_with("application/x-www-form-urlencoded") {
            incoming.form = serde_urlencoded::from_str(text).unwrap_or_default();
        } else if ct.contains("json") || text.trim_start().starts_with('{') {
            match serde_json::from_slice::<Value>(body) {
                Ok(Value::Object(map)) => incoming.json = Some(map),
                _ if body.iter().all(u8::is_ascii_whitespace) && !ct.contains("json") => {}
                _ => incoming.bad_body = Some("the body is not a JSON object".into()),
            }
        } else if ct.contains("xml") || looks_like_xml(text) {
            match parse_flat(body) {
                Ok(fields) => incoming.xml = Some(fields),
                Err(e) => incoming.bad_body = Some(format!("the body is not flat XML: {e}")),
            }
        }
        incoming
    }

    fn xml_value(&self, name: &str) -> Option<&str> {
        self.xml
            .as_deref()?
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Is a field of this name present anywhere (query, body, parts)?
    pub fn has(&self, name: &str) -> bool {
        self.query.iter().any(|(k, _)| k == name)
            || self.path_params.iter().any(|(k, _)| k == name)
            || self.json.as_ref().is_some_and(|m| m.contains_key(name))
            || self.form.iter().any(|(k, _)| k == name)
            || self.xml_value(name).is_some()
            || self.parts.iter().any(|(k, _)| k == name)
    }

    /// The value of a field as text (JSON non-strings as their JSON text).
    pub fn get(&self, name: &str) -> Option<String> {
        self.get_ref(name).map(Cow::into_owned)
    }

    /// [`Incoming::get`] without a copy where the text is there as it is (all but
    /// JSON non-strings): the checks every request goes through use it.
    pub fn get_ref(&self, name: &str) -> Option<Cow<'_, str>> {
        fn find<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        }
        if let Some(v) = find(&self.query, name) {
            return Some(Cow::Borrowed(v));
        }
        if let Some(v) = find(&self.path_params, name) {
            return Some(Cow::Borrowed(v));
        }
        if let Some(v) = self.json.as_ref().and_then(|m| m.get(name)) {
            return Some(match v {
                Value::String(s) => Cow::Borrowed(s.as_str()),
                other => Cow::Owned(other.to_string()),
            });
        }
        if let Some(v) = find(&self.form, name).or_else(|| self.xml_value(name)) {
            return Some(Cow::Borrowed(v));
        }
        self.parts
            .iter()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.as_deref())
            .map(Cow::Borrowed)
    }

    /// The body's fields (a JSON object as it is, form pairs and XML elements as
    /// strings): what a request sign covers.
    pub fn body_fields(&self) -> serde_json::Map<String, Value> {
        if let Some(map) = &self.json {
            return map.clone();
        }
        self.xml
            .as_deref()
            .unwrap_or(&self.form)
            .iter()
            .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
            .collect()
    }

    /// Is the field set to true (`true`, `1`)?
    pub fn flag(&self, name: &str) -> bool {
        self.get(name)
            .is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
    }
}

/// A query's pairs, decoded as forms are (`+` a space, `%XX` a byte, invalid UTF-8
/// replaced). Every request has one: a pair with nothing to decode is copied as it is,
/// without the general decoder's passes over it.
fn query_pairs(query: &str) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    for piece in query.split('&').filter(|p| !p.is_empty()) {
        if piece.bytes().any(|b| b == b'%' || b == b'+') {
            let decoded = form_urlencoded::parse(piece.as_bytes());
            pairs.extend(decoded.map(|(k, v)| (k.into_owned(), v.into_owned())));
        } else {
            let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
            pairs.push((name.to_owned(), value.to_owned()));
        }
    }
    pairs
}

/// Does the text start like an XML document (after a byte-order mark and whitespace)?
fn looks_like_xml(text: &str) -> bool {
    text.trim_start_matches('\u{feff}')
        .trim_start()
        .starts_with('<')
}

/// The `boundary=` parameter of a multipart content type.
fn boundary(content_type: &str) -> Option<String> {
    content_type.split(';').find_map(|param| {
        let (k, v) = param.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"').to_owned())
    })
}

/// Names (and text values) of the parts of a multipart body. Malformed input yields
/// whatever parts could be read; it never panics.
fn multipart_parts(body: &[u8], boundary: &str) -> Vec<(String, Option<String>)> {
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    let mut parts = Vec::new();
    let mut rest = match find(body, delimiter) {
        Some(at) => &body[at + delimiter.len()..],
        None => return parts,
    };
    loop {
        if rest.starts_with(b"--") {
            break; // closing delimiter
        }
        let Some(next) = find(rest, delimiter) else {
            break;
        };
        let part = &rest[..next];
        rest = &rest[next + delimiter.len()..];
        let part = part.strip_prefix(b"\r\n").unwrap_or(part);
        let part = part.strip_suffix(b"\r\n").unwrap_or(part);
        let Some(split) = find(part, b"\r\n\r\n") else {
            continue;
        };
        let headers = String::from_utf8_lossy(&part[..split]);
        let content = &part[split + 4..];
        let mut name = None;
        let mut is_file = false;
        for line in headers.lines() {
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            if !key.trim().eq_ignore_ascii_case("content-disposition") {
                continue;
            }
            for param in value.split(';') {
                if let Some((k, v)) = param.split_once('=') {
                    match k.trim() {
                        "name" => name = Some(v.trim().trim_matches('"').to_owned()),
                        "filename" => is_file = true,
                        _ => {}
                    }
                }
            }
        }
        if let Some(name) = name {
            let text = if is_file {
                None
            } else {
                std::str::from_utf8(content).ok().map(str::to_owned)
            };
            parts.push((name, text));
        }
    }
    parts
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fields_from_every_place() {
        let i = Incoming::parse(
            Some("access_token=t&type=image"),
            Some("application/json"),
            br#"{"touser":"o","n":3,"force_refresh":true}"#,
        );
        assert!(i.has("touser") && i.has("type") && !i.has("media"));
        assert_eq!(i.get("n").as_deref(), Some("3"));
        assert!(i.flag("force_refresh"));

        let i = Incoming::parse(
            None,
            Some("application/x-www-form-urlencoded"),
            b"code=c&sk=s",
        );
        assert_eq!(i.get("sk").as_deref(), Some("s"));

        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"type\"\r\n\r\nimage\r\n--XyZ\r\nContent-Disposition: form-data; name=\"media\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n--XyZ--\r\n";
        let i = Incoming::parse(None, Some("multipart/form-data; boundary=XyZ"), body);
        assert_eq!(
            i.parts,
            vec![
                ("type".to_owned(), Some("image".to_owned())),
                ("media".to_owned(), None)
            ]
        );
        let empty = Incoming::parse(
            None,
            Some("multipart/form-data; boundary=XyZ"),
            b"--XyZ--\r\n",
        );
        assert!(empty.parts.is_empty());
        let garbage = Incoming::parse(
            None,
            Some("multipart/form-data; boundary=XyZ"),
            b"--XyZ\r\nno",
        );
        assert!(garbage.parts.is_empty());
    }

    #[test]
    fn query_pairs_decode_as_forms_do() {
        for query in [
            "appid=wx1&secret=s&js_code=c&grant_type=authorization_code",
            "a=1&&b&c=&=d&e=x=y",
            "q=%E4%BD%A0%E5%A5%BD+there&plus=a%2Bb&bad=%FF%zz&raw=é",
            "",
            "&",
        ] {
            let general: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap();
            assert_eq!(query_pairs(query), general, "{query:?}");
        }
    }

    #[test]
    fn flags_bad_json() {
        let bad = |ct, body: &[u8]| Incoming::parse(None, ct, body).bad_body.is_some();
        assert!(bad(Some("application/json"), b"{nope"));
        assert!(bad(Some("application/json"), b"[1]"));
        assert!(!bad(None, b""));
    }

    #[test]
    fn reads_flat_xml_and_refuses_a_doctype() {
        let body = b"<xml><appid><![CDATA[wx1]]></appid><total_fee>1</total_fee></xml>";
        for ct in [Some("text/xml; charset=utf-8"), None] {
            let i = Incoming::parse(None, ct, body);
            assert_eq!(i.get("appid").as_deref(), Some("wx1"));
            assert!(i.has("total_fee") && !i.has("sign"));
            assert_eq!(i.body_fields()["total_fee"], "1");
        }
        let xxe = br#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><a>&e;</a></xml>"#;
        let refused = Incoming::parse(None, Some("text/xml"), xxe);
        assert!(refused.bad_body.as_deref().unwrap().contains("DOCTYPE"));
        assert!(refused.xml.is_none());
        let empty = Incoming::parse(None, Some("application/xml"), b"");
        assert!(
            empty.bad_body.is_some(),
            "an empty XML body is not a document"
        );
    }

    #[test]
    fn redacts_secrets_in_debug_and_display() {
        let r = RecordedRequest {
            id: 1,
            platform: Some("wechat"),
            endpoint: Some("auth.getStableAccessToken"),
            method: "POST".into(),
            path: "/cgi-bin/stable_token".into(),
            query: vec![
                ("access_token".into(), "TOKEN-VALUE".into()),
                ("appid".into(), "wx1".into()),
            ],
            content_type: Some("application/json".into()),
            body_text: Some(r#"{"appid":"wx1","secret":"SECRET-VALUE","x":{"sk":"SK"}}"#.into()),
            body_truncated: false,
            body_len: 10,
            parts: vec![],
            status: 200,
            code: Some(Code::Int(0)),
        };
        for shown in [format!("{r:?}"), r.to_string()] {
            assert!(!shown.contains("TOKEN-VALUE"), "{shown}");
            assert!(!shown.contains("SECRET-VALUE"), "{shown}");
            assert!(!shown.contains("\"SK\""), "{shown}");
            assert!(shown.contains("wx1"), "{shown}");
        }
        let form = RecordedRequest {
            content_type: Some("application/x-www-form-urlencoded".into()),
            body_text: Some("code=c&sk=SK-VALUE&client_secret=CS".into()),
            ..r
        };
        let shown = form.to_string();
        assert!(
            !shown.contains("SK-VALUE") && !shown.contains("=CS"),
            "{shown}"
        );
        let xml = RecordedRequest {
            content_type: Some("text/xml".into()),
            body_text: Some("<xml><mch_id>1</mch_id><secret>XML-SECRET</secret></xml>".into()),
            ..form
        };
        let shown = format!("{xml:?}");
        assert!(
            !shown.contains("XML-SECRET") && shown.contains("mch_id"),
            "{shown}"
        );
        // A truncated body's secret may sit in the part that parses: only its size shows.
        let cut = RecordedRequest {
            content_type: Some("application/json".into()),
            body_text: Some(r#"{"secret":"CUT-SECRET","x":"#.into()),
            body_truncated: true,
            body_len: 100_000,
            ..xml
        };
        let shown = format!("{cut:?} {cut}");
        assert!(!shown.contains("CUT-SECRET"), "{shown}");
        assert!(
            shown.contains("<100000 bytes of text, truncated>"),
            "{shown}"
        );
    }
}
