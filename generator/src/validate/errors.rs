//! Error code tables: the platform's common codes and each endpoint's own, merged into
//! the list its error enum is built from.

use super::platform::PlatformContext;
use super::Reporter;
use crate::ir::{self, Auth, ErrorCase, Means, MEANINGS};
use crate::names;
use crate::spec::{
    AppliesTo, CodeType, CodeValue, EnvelopeSpec, EnvelopeStyle, ErrorSpec, MeansSpec,
};
use std::collections::BTreeSet;

pub fn error_case(
    e: &ErrorSpec,
    path: &str,
    env: &EnvelopeSpec,
    r: &mut Reporter,
) -> Option<ErrorCase> {
    let code = match (&e.code, env.code_type) {
        (CodeValue::Int(i), CodeType::Integer) => ir::CodeValue::Int(*i),
        (CodeValue::Str(s), CodeType::String) => ir::CodeValue::Str(s.clone()),
        (CodeValue::Str(s), CodeType::Integer) => {
            r.error(
                format!("{path}.code"),
                format!("error code {s:?} is a string; this platform's codes are integers (envelope.code_type)"),
            );
            return None;
        }
        (CodeValue::Int(i), CodeType::String) => {
            r.error(
                format!("{path}.code"),
                format!("error code {i} is an integer; this platform's codes are strings (envelope.code_type): write it as \"{i}\""),
            );
            return None;
        }
    };
    if env.success.contains(&e.code) {
        r.error(
            format!("{path}.code"),
            format!("{code} is the success code, not an error"),
        );
    }
    let variant = names::upper_camel(&e.name);
    if variant != e.name {
        r.error(
            format!("{path}.name"),
            format!(
                "error names are UpperCamelCase: `{}` (did you mean `{variant}`?)",
                e.name
            ),
        );
    }
    if variant == names::OTHER_VARIANT {
        r.error(
            format!("{path}.name"),
            "`Other` is reserved for codes the docs do not list",
        );
    }
    if e.retryable && e.token_invalid {
        r.error(path, "an error cannot be both `retryable` and `token_invalid`: the runtime handles them differently");
    }
    let status = status(e, path, env, r);
    let doc = e.doc.trim().to_owned();
    Some(ErrorCase {
        status,
        means: means(e.means.as_ref(), &doc, &format!("{path}.means"), r),
        code,
        variant,
        doc,
        retryable: e.retryable,
        token_invalid: e.token_invalid,
        from_platform: false,
    })
}

/// The meanings of an error entry; an unknown one is an error naming those known. A
/// meaning may name the constant it is about: `wrong_constant.grant_type`.
/// The HTTP status of a code: required where the envelope reads success off the status
/// (a test bed must answer the code with it), refused where the status means nothing.
fn status(e: &ErrorSpec, path: &str, env: &EnvelopeSpec, r: &mut Reporter) -> Option<u16> {
    let by_status = env.style == EnvelopeStyle::WechatpayV3;
    match (e.status, by_status) {
        (Some(s), true) if (400..=599).contains(&s) => Some(s),
        (Some(s), true) => {
            r.error(
                format!("{path}.status"),
                format!("an error's HTTP status is 400 to 599, not {s}"),
            );
            None
        }
        (None, true) => {
            r.error(
                path,
                "this platform reports errors by HTTP status: give the code's `status` (e.g. `status: 404`)",
            );
            None
        }
        (Some(_), false) => {
            r.error(
                format!("{path}.status"),
                "this envelope style reports errors in the body; `status` is for styles that read the HTTP status (wechatpay_v3)",
            );
            None
        }
        (None, false) => None,
    }
}

pub(super) fn means(
    spec: Option<&MeansSpec>,
    doc: &str,
    path: &str,
    r: &mut Reporter,
) -> Vec<Means> {
    let entries: Vec<(String, Option<String>)> = match spec {
        None => return Vec::new(),
        Some(MeansSpec::One(name)) => vec![(name.clone(), None)],
        Some(MeansSpec::Many(names)) => names.iter().map(|n| (n.clone(), None)).collect(),
        Some(MeansSpec::WithMessages(map)) => map
            .iter()
            .map(|(n, m)| (n.clone(), Some(m.trim().to_owned())))
            .collect(),
    };
    let mut out = Vec::new();
    for (name, message) in entries {
        let (meaning, param) = match name.split_once('.') {
            Some((meaning, param)) => (meaning, Some(param)),
            None => (name.as_str(), None),
        };
        if !MEANINGS.iter().any(|(m, _)| *m == meaning) {
            let known: Vec<&str> = MEANINGS.iter().map(|(m, _)| *m).collect();
            r.error(
                path,
                format!("unknown meaning `{meaning}` (known: {})", known.join(", ")),
            );
            continue;
        }
        if let Some(param) = param {
            if meaning != "wrong_constant" || names::snake(param) != param || param.is_empty() {
                r.error(
                    path,
                    format!("`{name}`: only `wrong_constant` names a parameter, as `wrong_constant.<snake_case wire name>`"),
                );
                continue;
            }
        }
        if message.as_deref() == Some("") {
            r.error(
                path,
                format!("`{name}`: the message is empty (leave it out to send the doc text)"),
            );
        }
        out.push(Means {
            meaning: names::upper_camel(meaning),
            param: param.map(str::to_owned),
            message: message.unwrap_or_else(|| doc.to_owned()),
        });
    }
    out
}

/// An endpoint's errors: its own table plus the common codes that apply to its auth (its
/// own entry wins for the same code), sorted by code. The flag says whether it has a
/// table of its own.
pub fn endpoint_errors(
    specs: &[ErrorSpec],
    auth: &Auth,
    ctx: &PlatformContext,
    envelope: &EnvelopeSpec,
    path: &str,
    r: &mut Reporter,
) -> (Vec<ErrorCase>, bool) {
    let mut errors = Vec::new();
    let mut codes = BTreeSet::new();
    let mut names_seen = BTreeSet::new();
    for (i, es) in specs.iter().enumerate() {
        let p = format!("{path}.errors[{i}]");
        if es.applies_to.is_some() {
            r.error(
                format!("{p}.applies_to"),
                "`applies_to` is for the platform's common errors",
            );
        }
        let Some(case) = error_case(es, &p, envelope, r) else {
            continue;
        };
        if !codes.insert(case.code.clone()) {
            r.error(
                format!("{p}.code"),
                format!("duplicate error code {}", case.code),
            );
            continue;
        }
        if !names_seen.insert(case.variant.clone()) {
            r.error(
                format!("{p}.name"),
                format!("duplicate error name `{}`", case.variant),
            );
        }
        errors.push(case);
    }
    for (case, applies) in &ctx.common_errors {
        let applies = match applies {
            AppliesTo::All => true,
            AppliesTo::AccessToken => matches!(auth, Auth::AccessToken { .. }),
            AppliesTo::Gateway => false,
        };
        if !applies || codes.contains(&case.code) {
            continue;
        }
        if !names_seen.insert(case.variant.clone()) {
            r.error(
                format!("{path}.errors"),
                format!(
                    "error name `{}` is also the platform's common error {}; rename one",
                    case.variant, case.code
                ),
            );
        }
        errors.push(ErrorCase {
            from_platform: true,
            ..case.clone()
        });
    }
    let own_errors = !codes.is_empty();
    errors.sort_by(|a, b| a.code.cmp(&b.code));
    (errors, own_errors)
}
