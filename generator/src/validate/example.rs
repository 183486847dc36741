//! `response.example`: the doc's example answer, which the simulator serves.

use super::Reporter;
use crate::ir::{Field, ResponseKind};

/// The doc's example response as JSON; it must carry every required field — inside the
/// envelope's `data` object when the platform wraps its payload and the example does too.
pub fn example(
    ex: &serde_yaml::Value,
    fields: &[Field],
    kind: ResponseKind,
    data_key: Option<&str>,
    path: &str,
    r: &mut Reporter,
) -> Option<String> {
    if kind != ResponseKind::Json {
        r.error(path, "only JSON responses take an example (the simulator serves a small PNG for binary ones)");
        return None;
    }
    let json: serde_json::Value = match serde_json::to_value(ex) {
        Ok(v) => v,
        Err(e) => {
            r.error(path, format!("example is not representable as JSON: {e}"));
            return None;
        }
    };
    let Some(obj) = json.as_object() else {
        r.error(
            path,
            "example must be a mapping (the JSON object the platform returns)",
        );
        return None;
    };
    let payload = match data_key
        .and_then(|k| obj.get(k))
        .and_then(|d| d.as_object())
    {
        Some(data) => data,
        None => obj,
    };
    for f in fields.iter().filter(|f| f.required) {
        if !payload.contains_key(&f.wire) {
            r.error(path, format!("example lacks required field `{}`", f.wire));
        }
    }
    serde_json::to_string(&json).ok()
}
