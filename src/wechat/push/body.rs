//! Push bodies in either format the console offers, read into one shape: a JSON object.
//! An XML document's root children become its members — text as strings, elements with
//! children as objects, a repeated element as an array — so the typed events decode the
//! same way from both formats (numbers in XML arrive as text; the events accept both).
//! A DOCTYPE is refused (no entity is ever expanded) and nesting is bounded.

use super::PushError;
use quick_xml::events::Event;
use quick_xml::Reader;
use serde_json::{Map, Value};

/// How deep an XML push may nest; the documented events use 3 levels (`<xml>`, `<result>`,
/// `<suggest>`).
const MAX_XML_DEPTH: usize = 8;

/// The data format chosen in the mp console (数据格式).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
}

/// Reads a body (or a decrypted message) as JSON or XML, by its first character.
pub(crate) fn parse(body: &[u8]) -> Result<(Format, Map<String, Value>), PushError> {
    let text = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    match text.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => Ok((Format::Json, parse_json(text)?)),
        Some(b'<') => Ok((Format::Xml, parse_xml(text)?)),
        Some(_) => Err(malformed("neither a JSON object nor an XML document")),
        None => Err(malformed("the body is empty")),
    }
}

fn malformed(reason: impl Into<String>) -> PushError {
    PushError::Malformed(reason.into())
}

fn parse_json(text: &[u8]) -> Result<Map<String, Value>, PushError> {
    // serde_json bounds its own recursion and reports positions, never content.
    match serde_json::from_slice(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(malformed("the JSON is not an object")),
        Err(e) => Err(malformed(format!("invalid JSON: {e}"))),
    }
}

/// One open element: its children so far and its text.
#[derive(Default)]
struct Frame {
    name: String,
    children: Map<String, Value>,
    text: String,
}

fn parse_xml(text: &[u8]) -> Result<Map<String, Value>, PushError> {
    let mut reader = Reader::from_reader(text);
    reader.config_mut().trim_text(true);
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Map<String, Value>> = None;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| malformed(format!("malformed XML: {e}")))?;
        match event {
            Event::DocType(_) => {
                return Err(malformed(
                    "a DOCTYPE is not accepted (entities could be expanded)",
                ))
            }
            Event::Start(e) => {
                if stack.is_empty() && root.is_some() {
                    return Err(malformed("more than one root element"));
                }
                if stack.len() >= MAX_XML_DEPTH {
                    return Err(malformed(format!(
                        "nested deeper than {MAX_XML_DEPTH} levels"
                    )));
                }
                stack.push(Frame {
                    name: name_of(e.name().as_ref())?,
                    ..Frame::default()
                });
            }
            Event::Empty(e) => {
                let name = name_of(e.name().as_ref())?;
                match stack.last_mut() {
                    Some(parent) => {
                        insert(&mut parent.children, name, Value::String(String::new()))
                    }
                    None if root.is_none() => root = Some(Map::new()),
                    None => return Err(malformed("more than one root element")),
                }
            }
            Event::Text(t) => {
                let text = t
                    .unescape()
                    .map_err(|e| malformed(format!("bad text or entity reference: {e}")))?;
                push_text(&mut stack, &text)?;
            }
            Event::CData(c) => {
                let text = std::str::from_utf8(&c).map_err(|_| malformed("CDATA is not UTF-8"))?;
                push_text(&mut stack, text)?;
            }
            Event::End(_) => {
                let frame = stack.pop().ok_or_else(|| malformed("unbalanced end tag"))?;
                match stack.last_mut() {
                    Some(parent) => {
                        let value = if frame.children.is_empty() {
                            Value::String(frame.text)
                        } else if frame.text.trim().is_empty() {
                            Value::Object(frame.children)
                        } else {
                            return Err(malformed(format!(
                                "<{}> mixes text and elements",
                                bounded(&frame.name)
                            )));
                        };
                        insert(&mut parent.children, frame.name, value);
                    }
                    None => {
                        if !frame.text.trim().is_empty() {
                            return Err(malformed("text directly inside the root element"));
                        }
                        root = Some(frame.children);
                    }
                }
            }
            Event::Eof => break,
            // Declarations, comments and processing instructions carry no fields.
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err(malformed("unclosed element"));
    }
    root.ok_or_else(|| malformed("no root element"))
}

/// A repeated element becomes an array of its occurrences, in document order.
fn insert(map: &mut Map<String, Value>, name: String, value: Value) {
    match map.get_mut(&name) {
        Some(Value::Array(items)) => items.push(value),
        Some(first) => {
            let first = first.take();
            map.insert(name, Value::Array(vec![first, value]));
        }
        None => {
            map.insert(name, value);
        }
    }
}

fn push_text(stack: &mut [Frame], text: &str) -> Result<(), PushError> {
    match stack.last_mut() {
        Some(frame) => {
            frame.text.push_str(text);
            Ok(())
        }
        None if text.trim().is_empty() => Ok(()),
        None => Err(malformed("text outside the root element")),
    }
}

fn name_of(raw: &[u8]) -> Result<String, PushError> {
    std::str::from_utf8(raw)
        .map(str::to_owned)
        .map_err(|_| malformed("an element name is not UTF-8"))
}

fn bounded(text: &str) -> String {
    text.chars().take(64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn xml_becomes_the_json_shape() {
        let body = br#"<?xml version="1.0"?>
<xml>
  <ToUserName><![CDATA[gh_abc]]></ToUserName>
  <CreateTime>1700000000</CreateTime>
  <Note>a &amp; b</Note>
  <Empty/>
  <result><suggest><![CDATA[pass]]></suggest><label>100</label></result>
  <detail><strategy>content_model</strategy><prob>90</prob></detail>
  <detail><strategy>keyword</strategy><prob>10</prob></detail>
</xml>"#;
        let (format, map) = parse(body).unwrap();
        assert_eq!(format, Format::Xml);
        assert_eq!(
            Value::Object(map),
            json!({
                "ToUserName": "gh_abc",
                "CreateTime": "1700000000",
                "Note": "a & b",
                "Empty": "",
                "result": {"suggest": "pass", "label": "100"},
                "detail": [
                    {"strategy": "content_model", "prob": "90"},
                    {"strategy": "keyword", "prob": "10"}
                ]
            })
        );
    }

    #[test]
    fn json_objects_only() {
        let (format, map) = parse(b" \n{\"MsgType\":\"event\"}").unwrap();
        assert_eq!(format, Format::Json);
        assert_eq!(map["MsgType"], "event");
        for bad in [
            &b"[1]"[..],
            b"{",
            b"{\"a\":}",
            b"",
            b"   ",
            b"success",
            b"\xff\xfe",
        ] {
            assert!(
                matches!(parse(bad), Err(PushError::Malformed(_))),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn hostile_xml_is_refused() {
        let xxe = br#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><a>&e;</a></xml>"#;
        let err = parse(xxe).unwrap_err();
        assert!(err.to_string().contains("DOCTYPE"), "{err}");
        let deep = format!("{}{}", "<a>".repeat(9), "</a>".repeat(9));
        assert!(parse(deep.as_bytes())
            .unwrap_err()
            .to_string()
            .contains("deeper"));
        for bad in [
            &b"<xml><a>&undefined;</a></xml>"[..],
            b"<xml><a>1</a>",
            b"<xml><a>1</b></xml>",
            b"<xml></xml><xml></xml>",
            b"<xml>text</xml>",
            b"<xml><a>t<b>1</b></a></xml>",
            b"<xml><a><![CDATA[\xff]]></a></xml>",
            b"<",
        ] {
            assert!(
                matches!(parse(bad), Err(PushError::Malformed(_))),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn very_deep_json_is_an_error_not_a_stack_overflow() {
        let deep = format!("{{\"a\":{}1{}}}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(matches!(
            parse(deep.as_bytes()),
            Err(PushError::Malformed(_))
        ));
    }
}
