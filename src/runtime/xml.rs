//! Flat XML bodies (`<xml><k>v</k>…</xml>`), as WeChat Pay v2 sends and expects them:
//! one root, one level of text elements. A DOCTYPE or an entity declaration is refused
//! outright (XXE), as is anything deeper than one level.

use quick_xml::events::Event;
use quick_xml::Reader;
use std::fmt;

/// Why a body is not a flat XML document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlError(pub String);

impl fmt::Display for XmlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for XmlError {}

fn err(reason: impl Into<String>) -> XmlError {
    XmlError(reason.into())
}

/// The root's child elements as `(name, text)` in document order (CDATA and escaped
/// text alike; an empty element gives an empty text).
pub fn parse_flat(body: &[u8]) -> Result<Vec<(String, String)>, XmlError> {
    let mut reader = Reader::from_reader(body);
    reader.config_mut().trim_text(true);
    let mut fields = Vec::new();
    let mut depth = 0usize;
    let mut current: Option<(String, String)> = None;
    let mut root_seen = false;
    loop {
        match reader.read_event() {
            Err(e) => return Err(err(format!("malformed XML: {e}"))),
            Ok(Event::DocType(_)) => {
                return Err(err(
                    "a DOCTYPE is not accepted (entities could be expanded)",
                ))
            }
            Ok(Event::Start(e)) => {
                depth += 1;
                match depth {
                    1 if root_seen => return Err(err("more than one root element")),
                    1 => root_seen = true,
                    2 => current = Some((name_of(e.name().as_ref())?, String::new())),
                    _ => return Err(err("nested elements are not expected in a flat body")),
                }
            }
            Ok(Event::Empty(e)) => match depth {
                0 if !root_seen => root_seen = true,
                1 => fields.push((name_of(e.name().as_ref())?, String::new())),
                _ => return Err(err("unexpected element")),
            },
            Ok(Event::Text(t)) => {
                let text = t
                    .unescape()
                    .map_err(|e| err(format!("bad text or entity reference: {e}")))?;
                push_text(&mut current, depth, &text)?;
            }
            Ok(Event::CData(c)) => {
                let text = std::str::from_utf8(&c)
                    .map_err(|_| err("CDATA is not UTF-8"))?
                    .to_owned();
                push_text(&mut current, depth, &text)?;
            }
            Ok(Event::End(_)) => {
                if depth == 2 {
                    fields.extend(current.take());
                }
                depth = depth.saturating_sub(1);
            }
            Ok(Event::Eof) => break,
            // Declarations, comments and processing instructions carry no fields.
            Ok(_) => {}
        }
    }
    if !root_seen {
        return Err(err("no root element"));
    }
    if depth != 0 {
        return Err(err("unclosed element"));
    }
    Ok(fields)
}

fn name_of(raw: &[u8]) -> Result<String, XmlError> {
    std::str::from_utf8(raw)
        .map(str::to_owned)
        .map_err(|_| err("element name is not UTF-8"))
}

fn push_text(
    current: &mut Option<(String, String)>,
    depth: usize,
    text: &str,
) -> Result<(), XmlError> {
    match (current, depth) {
        (Some((_, value)), 2) => {
            value.push_str(text);
            Ok(())
        }
        (_, 1) if text.trim().is_empty() => Ok(()),
        _ => Err(err("text outside the root's elements")),
    }
}

/// `<xml><k><![CDATA[v]]></k>…</xml>` in the given order. A `]]>` inside a value is
/// split across two CDATA sections, so any text round-trips.
pub fn write_flat<'a>(fields: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = String::from("<xml>");
    for (name, value) in fields {
        out.push('<');
        out.push_str(name);
        out.push_str("><![CDATA[");
        out.push_str(&value.replace("]]>", "]]]]><![CDATA[>"));
        out.push_str("]]></");
        out.push_str(name);
        out.push('>');
    }
    out.push_str("</xml>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cdata_escaped_and_empty_fields() {
        let body = b"<xml>\n<return_code><![CDATA[SUCCESS]]></return_code>\n<total_fee>1</total_fee>\n<attach><![CDATA[]]></attach><note>a &amp; b</note><empty/></xml>";
        assert_eq!(
            parse_flat(body).unwrap(),
            vec![
                ("return_code".into(), "SUCCESS".into()),
                ("total_fee".into(), "1".into()),
                ("attach".into(), String::new()),
                ("note".into(), "a & b".into()),
                ("empty".into(), String::new()),
            ]
        );
    }

    #[test]
    fn doctype_and_entities_are_refused() {
        let xxe = br#"<?xml version="1.0" ?><!DOCTYPE doc [<!ENTITY win SYSTEM "file:///C:/x.txt">]><doc>&win;</doc>"#;
        assert!(parse_flat(xxe).unwrap_err().0.contains("DOCTYPE"));
        assert!(parse_flat(b"<xml><a>&win;</a></xml>").is_err());
    }

    #[test]
    fn malformed_bodies_are_errors() {
        for bad in [
            &b""[..],
            b"<xml><a>1</a>",
            b"<xml><a><b>1</b></a></xml>",
            b"<xml></xml><xml></xml>",
            b"not xml",
            b"{\"json\":true}",
        ] {
            assert!(parse_flat(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn written_bodies_round_trip() {
        let text = write_flat([("body", "书 ]]> <x>"), ("total_fee", "1")]);
        assert_eq!(
            parse_flat(text.as_bytes()).unwrap(),
            vec![
                ("body".into(), "书 ]]> <x>".into()),
                ("total_fee".into(), "1".into())
            ]
        );
    }
}
