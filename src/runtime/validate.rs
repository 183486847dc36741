//! Checks of the constraints the docs state, run before a request is sent.
//! The generated `validate()` methods call these with the field's wire name.

use std::fmt;

/// A request field breaks a rule the platform's docs state; nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// Wire name of the field, with its path for nested values: `width`,
    /// `line_color.r`, `items[2].key`.
    pub field: String,
    /// The rule, in words, e.g. `must be between 280 and 1280`.
    pub rule: String,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "field `{}` {}", self.field, self.rule)
    }
}

impl std::error::Error for ValidationError {}

impl ValidationError {
    /// The same error, seen from the value that holds the field: `r` → `line_color.r`.
    pub fn within(mut self, parent: &str) -> Self {
        self.field = format!("{parent}.{}", self.field);
        self
    }
    /// The same error, seen from a list: `key` → `items[2].key`.
    pub fn within_item(mut self, list: &str, index: usize) -> Self {
        self.field = format!("{list}[{index}].{}", self.field);
        self
    }
}

fn fail(field: &'static str, rule: String) -> Result<(), ValidationError> {
    Err(ValidationError {
        field: field.to_owned(),
        rule,
    })
}

/// Length in bytes (UTF-8) within `[min, max]`.
pub fn byte_len(
    field: &'static str,
    value: &str,
    min: usize,
    max: usize,
) -> Result<(), ValidationError> {
    let n = value.len();
    if n < min || n > max {
        return fail(field, format!("must be {min} to {max} bytes long (is {n})"));
    }
    Ok(())
}

/// Length in characters within `[min, max]`.
pub fn char_len(
    field: &'static str,
    value: &str,
    min: usize,
    max: usize,
) -> Result<(), ValidationError> {
    let n = value.chars().count();
    if n < min || n > max {
        return fail(
            field,
            format!("must be {min} to {max} characters long (is {n})"),
        );
    }
    Ok(())
}

/// Numeric range, inclusive.
pub fn range<T: PartialOrd + fmt::Display + Copy>(
    field: &'static str,
    value: T,
    min: T,
    max: T,
) -> Result<(), ValidationError> {
    if value < min || value > max {
        return fail(
            field,
            format!("must be between {min} and {max} (is {value})"),
        );
    }
    Ok(())
}

/// Every character is in the set, given as a regex-class body such as `A-Za-z0-9_`.
pub fn charset(
    field: &'static str,
    value: &str,
    class: &'static str,
) -> Result<(), ValidationError> {
    if let Some(bad) = value.chars().find(|c| !in_class(*c, class)) {
        return fail(
            field,
            format!("may only contain the characters [{class}] (found {bad:?})"),
        );
    }
    Ok(())
}

/// An integer field's wire text as its type; text that is not one is refused.
pub fn integer<T: std::str::FromStr>(
    field: &'static str,
    text: &str,
) -> Result<T, ValidationError> {
    text.parse().map_err(|_| ValidationError {
        field: field.to_owned(),
        rule: format!("must be an integer (is {:?})", bounded(text)),
    })
}

/// An amount in yuan's wire text as integer fen; text that is not an exact amount is
/// refused.
pub fn yuan(field: &'static str, text: &str) -> Result<i64, ValidationError> {
    super::money::yuan_to_fen(text).map_err(|e| ValidationError {
        field: field.to_owned(),
        rule: format!("must be {e}"),
    })
}

/// At most 64 characters of a value, for a message.
fn bounded(text: &str) -> String {
    text.chars().take(64).collect()
}

/// A path parameter's value: not empty, and not `.` or `..`, which a server would read
/// as "this segment" or "the one above" whatever the encoding.
pub fn path_segment(field: &'static str, value: &str) -> Result<(), ValidationError> {
    match value {
        "" => fail(field, "is a path parameter and must not be empty".into()),
        "." | ".." => fail(
            field,
            format!("is a path parameter and cannot be {value:?}"),
        ),
        _ => Ok(()),
    }
}

fn in_class(c: char, class: &str) -> bool {
    let chars: Vec<char> = class.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        // `a-z` is a range unless the `-` is first or last.
        if i + 2 < chars.len() && chars[i + 1] == '-' {
            if (chars[i]..=chars[i + 2]).contains(&c) {
                return true;
            }
            i += 3;
        } else {
            if chars[i] == c {
                return true;
            }
            i += 1;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charset_understands_ranges_and_literal_dash() {
        let class = "0-9A-Za-z!#$&'()*+,/:;=?@._~-";
        assert!(charset("scene", "a=1&b=Z~-", class).is_ok());
        let err = charset("scene", "中文", class).unwrap_err();
        assert_eq!(err.field, "scene");
        assert!(err.to_string().contains("'中'"), "{err}");
        assert!(charset("scene", "50%", class).is_err());
    }

    #[test]
    fn lengths_count_the_right_unit() {
        assert!(byte_len("path", &"页".repeat(43), 1, 128).is_err()); // 129 bytes
        assert!(char_len("scene", &"页".repeat(32), 1, 32).is_ok());
        assert!(char_len("mchOrderNo", "abcd", 5, 30).is_err());
    }

    #[test]
    fn path_segments_are_never_empty_or_dots() {
        assert!(path_segment("transaction_id", "4200000985202103031441826014").is_ok());
        assert!(
            path_segment("out_trade_no", "a/b").is_ok(),
            "encoded, not refused"
        );
        for bad in ["", ".", ".."] {
            let e = path_segment("out_trade_no", bad).unwrap_err();
            assert_eq!(e.field, "out_trade_no");
        }
    }

    #[test]
    fn range_is_inclusive() {
        assert!(range("width", 280u32, 280, 1280).is_ok());
        assert!(range("width", 1280u32, 280, 1280).is_ok());
        let e = range("width", 1281u32, 280, 1280).unwrap_err();
        assert_eq!(
            e.to_string(),
            "field `width` must be between 280 and 1280 (is 1281)"
        );
    }
}
