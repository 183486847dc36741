//! Maps YAML paths (`endpoints[1].request[0].name`) to line/column, so that errors found
//! after deserialization (duplicates, clashes, unknown types) can point into the file.

use std::collections::HashMap;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

#[derive(Debug, Default)]
pub struct Locations {
    map: HashMap<String, (usize, usize)>,
}

impl Locations {
    pub fn index(source: &str) -> Locations {
        let mut builder = Builder::default();
        let mut parser = Parser::new_from_str(source);
        // A syntax error is reported by serde_yaml with its own location; here we
        // simply keep what was indexed before it.
        let _ = parser.load(&mut builder, false);
        Locations { map: builder.map }
    }

    /// Line and column (1-based) of `path`, or of its nearest indexed ancestor.
    pub fn find(&self, path: &str) -> Option<(usize, usize)> {
        let mut p = path;
        loop {
            if let Some(at) = self.map.get(p) {
                return Some(*at);
            }
            let cut = p.rfind(['.', '['])?;
            p = &p[..cut];
        }
    }
}

enum Frame {
    Map {
        path: String,
        key: Option<String>,
        keys_seen: usize,
    },
    Seq {
        path: String,
        next: usize,
    },
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    map: HashMap<String, (usize, usize)>,
}

impl Builder {
    /// The path of the node that is starting now, or `None` when it is a mapping key.
    fn node_path(&mut self) -> Option<String> {
        match self.stack.last_mut() {
            None => Some(String::new()),
            Some(Frame::Seq { path, next }) => {
                let p = format!("{path}[{next}]");
                *next += 1;
                Some(p)
            }
            Some(Frame::Map { path, key, .. }) => key.take().map(|k| {
                if path.is_empty() {
                    k
                } else {
                    format!("{path}.{k}")
                }
            }),
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let at = (mark.line(), mark.col() + 1);
        match ev {
            Event::Scalar(value, ..) => match self.node_path() {
                Some(p) => {
                    self.map.entry(p).or_insert(at);
                }
                None => {
                    if let Some(Frame::Map {
                        path,
                        key,
                        keys_seen,
                    }) = self.stack.last_mut()
                    {
                        let full = if path.is_empty() {
                            value.clone()
                        } else {
                            format!("{path}.{value}")
                        };
                        // Point at the key: that is the line a reader looks for. The
                        // mapping itself is located at its first key.
                        self.map.insert(full, at);
                        if *keys_seen == 0 && !path.is_empty() {
                            self.map.insert(path.clone(), at);
                        }
                        *keys_seen += 1;
                        *key = Some(value);
                    }
                }
            },
            Event::MappingStart(..) => {
                let path = self.node_path().unwrap_or_default();
                self.map.entry(path.clone()).or_insert(at);
                self.stack.push(Frame::Map {
                    path,
                    key: None,
                    keys_seen: 0,
                });
            }
            Event::SequenceStart(..) => {
                let path = self.node_path().unwrap_or_default();
                self.map.entry(path.clone()).or_insert(at);
                self.stack.push(Frame::Seq { path, next: 0 });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            Event::Alias(_) => {
                let _ = self.node_path();
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_nested_keys_and_sequence_items() {
        let src = "group: auth\nendpoints:\n  - name: a\n    request:\n      - name: x\n        type: strin\n";
        let l = Locations::index(src);
        assert_eq!(l.find("group"), Some((1, 1)));
        assert_eq!(l.find("endpoints[0].name"), Some((3, 5)));
        assert_eq!(l.find("endpoints[0].request[0].type"), Some((6, 9)));
        assert_eq!(l.find("endpoints[0].request[0].nothing"), Some((5, 9)));
    }
}
