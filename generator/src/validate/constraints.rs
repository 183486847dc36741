//! `constraints:` of a field: the checks the generated `validate()` runs before sending.

use super::Reporter;
use crate::ir::{Check, Ty};
use crate::spec::{Constraints, LengthUnit, RangeSpec};

pub fn constraints(c: Option<&Constraints>, ty: &Ty, path: &str, r: &mut Reporter) -> Vec<Check> {
    let Some(c) = c else { return Vec::new() };
    let mut checks = Vec::new();
    if let Some(len) = &c.length {
        if *ty != Ty::String {
            r.error(format!("{path}.length"), "length applies to strings only");
        }
        let (min, max) = (len.min.unwrap_or(0), len.max.unwrap_or(usize::MAX));
        if min > max {
            r.error(
                format!("{path}.length"),
                format!("min {min} is larger than max {max}"),
            );
        }
        checks.push(match len.unit {
            LengthUnit::Bytes => Check::ByteLen(min, max),
            LengthUnit::Chars => Check::CharLen(min, max),
        });
    }
    if let Some(range) = &c.range {
        checks.extend(range_check(range, ty, path, r));
    }
    if let Some(cs) = &c.charset {
        if *ty != Ty::String {
            r.error(format!("{path}.charset"), "charset applies to strings only");
        }
        if cs.is_empty() {
            r.error(format!("{path}.charset"), "charset is empty");
        }
        checks.push(Check::Charset(cs.clone()));
    }
    checks
}

fn range_check(range: &RangeSpec, ty: &Ty, path: &str, r: &mut Reporter) -> Option<Check> {
    if !ty.is_numeric() {
        r.error(format!("{path}.range"), "range applies to numbers only");
    }
    // `.inf` and `.nan` are YAML floats, but no Rust literal can spell them.
    if range.min.iter().chain(&range.max).any(|b| !b.is_finite()) {
        r.error(
            format!("{path}.range"),
            "range bounds must be finite numbers",
        );
        return None;
    }
    let (min, max) = (range.min.unwrap_or(f64::MIN), range.max.unwrap_or(f64::MAX));
    if min > max {
        r.error(
            format!("{path}.range"),
            format!("min {min} is larger than max {max}"),
        );
    }
    // Each bound on its own: a fractional one would be truncated silently into the check.
    if ty.is_integer() {
        for (name, bound) in [("min", range.min), ("max", range.max)] {
            if let Some(bound) = bound.filter(|b| b.fract() != 0.0) {
                r.error(
                    format!("{path}.range.{name}"),
                    format!("an integer field needs integer bounds; {name} is {bound}"),
                );
            }
        }
    }
    Some(Check::Range(min, max))
}
