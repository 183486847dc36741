//! The platform file: hosts, envelope, auth kinds and common errors, and what the group
//! files need from it (`PlatformContext`).

use super::errors::error_case;
use super::Reporter;
use crate::ir::{Auth, ErrorCase, Group};
use crate::names;
use crate::spec::{AppliesTo, AuthKindSpec, AuthSpec, EnvelopeSpec, EnvelopeStyle, Location};
use crate::spec::{Hosts, PlatformSpec};
use std::collections::{BTreeMap, BTreeSet};

/// What endpoints may refer to: auth names, named hosts, and the common error codes.
pub struct PlatformContext {
    pub auth: BTreeMap<String, Auth>,
    /// Names of the platform's named hosts (`hosts:` entries besides production/sandbox).
    pub hosts: BTreeSet<String>,
    pub common_errors: Vec<(ErrorCase, AppliesTo)>,
    /// The kinds of credential the client holds (what `from:` fields may name).
    pub credential_kinds: Vec<crate::ir::CredentialKind>,
}

pub fn platform(spec: &PlatformSpec, r: &mut Reporter) -> PlatformContext {
    if names::snake(&spec.platform) != spec.platform {
        r.error(
            "platform",
            format!(
                "platform name `{}` must be snake_case (it names a module and a cargo feature)",
                spec.platform
            ),
        );
    }
    let hosts = hosts(&spec.hosts, r);
    envelope(&spec.envelope, r);
    let credential_kinds = credential_kinds(spec);
    let auth = auth(&spec.auth, r);
    let common_errors = common_errors(spec, r);
    gateway_codes(&spec.envelope, &common_errors, r);
    PlatformContext {
        credential_kinds,
        auth,
        hosts,
        common_errors,
    }
}

/// The codes a gateway answers itself are common codes of the platform: the table says
/// what they mean, the gateway list only where they are written.
fn gateway_codes(e: &EnvelopeSpec, common: &[(ErrorCase, AppliesTo)], r: &mut Reporter) {
    let Some(gateway) = &e.gateway else {
        return;
    };
    for code in &gateway.codes {
        let code = super::convert::code_value(code);
        if !common.iter().any(|(case, _)| case.code == code) {
            r.error(
                "envelope.gateway.codes",
                format!("{code} is none of the platform's `common_errors`: list it there too"),
            );
        }
    }
}

/// Checks every host URL and returns the names of the named hosts.
fn hosts(spec: &Hosts, r: &mut Reporter) -> BTreeSet<String> {
    let named_paths: Vec<(&String, String)> = spec
        .named
        .iter()
        .map(|(name, url)| (url, format!("hosts.{name}")))
        .collect();
    for (host, path) in std::iter::once((&spec.production, "hosts.production".to_owned()))
        .chain(
            spec.sandbox
                .as_ref()
                .map(|s| (s, "hosts.sandbox".to_owned())),
        )
        .chain(named_paths)
    {
        let bad_url = !(host.starts_with("https://") || host.starts_with("http://"))
            || host.ends_with('/')
            || host.contains(['?', '#', ' ']);
        if bad_url {
            r.error(
                &path,
                format!("host `{host}` must be an http(s) URL without a trailing slash or query"),
            );
        }
    }
    let mut names = BTreeSet::new();
    for name in spec.named.keys() {
        if names::snake(name) != *name {
            r.error(
                format!("hosts.{name}"),
                format!("host name `{name}` must be snake_case (endpoints refer to it with `host: {name}`)"),
            );
        }
        names.insert(name.clone());
    }
    names
}

/// A named host no endpoint uses is most likely a typo (`sandbx:`): serde cannot reject
/// it, since named hosts are free-form keys.
pub fn unused_hosts(spec: &PlatformSpec, groups: &[Group], r: &mut Reporter) {
    for name in spec.hosts.named.keys() {
        let used = groups
            .iter()
            .flat_map(|g| g.endpoints.iter())
            .any(|ep| ep.host.as_deref() == Some(name.as_str()));
        if !used {
            r.error(
                format!("hosts.{name}"),
                format!(
                    "host `{name}` is not used by any endpoint (named hosts are picked with `host: {name}`; the platform's own keys are `production` and `sandbox`)"
                ),
            );
        }
    }
}

fn envelope(e: &EnvelopeSpec, r: &mut Reporter) {
    let need = |r: &mut Reporter, key: &str, v: &Option<String>| {
        if v.is_none() {
            r.error(
                format!("envelope.{key}"),
                format!("style `{:?}` needs `{key}`", e.style),
            );
        }
    };
    match e.style {
        EnvelopeStyle::Errcode => {}
        EnvelopeStyle::ErrnoData => need(r, "data", &e.data),
        EnvelopeStyle::CodeMsgData => {
            need(r, "data", &e.data);
            need(r, "business_code", &e.business_code);
        }
        EnvelopeStyle::WechatpayXml => {
            need(r, "result", &e.result);
            need(r, "business_code", &e.business_code);
        }
        EnvelopeStyle::Alipay => need(r, "sub_code", &e.sub_code),
        EnvelopeStyle::WechatpayV3 => {}
    }
    // Fields only the `errno_data` style has: `key`, and what the style would do with it.
    let only_errno_data = |r: &mut Reporter, key: &str, what: &str| {
        if e.style != EnvelopeStyle::ErrnoData {
            r.error(
                format!("envelope.{key}"),
                format!("style `{:?}` {what} (only `errno_data` does)", e.style),
            );
        }
    };
    if let Some(gateway) = &e.gateway {
        only_errno_data(r, "gateway", "reads no gateway fields");
        if gateway.codes.is_empty() {
            r.error(
                "envelope.gateway.codes",
                "list the codes the gateway answers itself",
            );
        }
    }
    if let Some(oauth) = &e.oauth {
        only_errno_data(r, "oauth", "writes no OAuth2.0 fields");
        if !(400..=599).contains(&oauth.status) {
            r.error(
                "envelope.oauth.status",
                format!(
                    "an OAuth2.0 error's HTTP status is 400 to 599, not {}",
                    oauth.status
                ),
            );
        }
        if oauth.error == oauth.description || [&oauth.error, &oauth.description].contains(&&e.code)
        {
            r.error(
                "envelope.oauth",
                "`error`, `description` and the envelope's `code` are three different fields",
            );
        }
    }
    // API v3 reads success off the HTTP status; every other style off a code.
    match (e.style, e.success.is_empty()) {
        (EnvelopeStyle::WechatpayV3, false) => r.error(
            "envelope.success",
            "style `wechatpay_v3` reads success off the HTTP status (2xx); write `success: []`",
        ),
        (EnvelopeStyle::WechatpayV3, true) | (_, false) => {}
        (_, true) => r.error("envelope.success", "list at least one success code"),
    }
}

fn credential_kinds(spec: &PlatformSpec) -> Vec<crate::ir::CredentialKind> {
    use crate::ir::CredentialKind as K;
    match &spec.credentials {
        None => vec![K::AppId, K::Secret],
        Some(list) => list
            .iter()
            .map(|c| match c.kind {
                crate::spec::CredentialKind::AppId => K::AppId,
                crate::spec::CredentialKind::MerchantId => K::MerchantId,
                crate::spec::CredentialKind::Secret => K::Secret,
                crate::spec::CredentialKind::BaseUrl => K::BaseUrl,
                crate::spec::CredentialKind::PlatformKey => K::PlatformKey,
                crate::spec::CredentialKind::KeyId => K::KeyId,
            })
            .collect(),
    }
}

fn auth(specs: &BTreeMap<String, AuthSpec>, r: &mut Reporter) -> BTreeMap<String, Auth> {
    let mut auth = BTreeMap::new();
    for (name, a) in specs {
        let path = format!("auth.{name}");
        if name == "none" {
            r.error(
                &path,
                "`none` is reserved for endpoints without authentication",
            );
            continue;
        }
        auth.insert(name.clone(), auth_kind(a, &path, r));
    }
    auth
}

fn auth_kind(a: &AuthSpec, path: &str, r: &mut Reporter) -> Auth {
    let extra = |r: &mut Reporter, key: &str, present: bool| {
        if present {
            r.error(
                format!("{path}.{key}"),
                format!("`{key}` does not apply to auth kind {:?}", a.kind),
            );
        }
    };
    let need = |r: &mut Reporter, key: &str, v: &Option<String>| -> String {
        v.clone().unwrap_or_else(|| {
            r.error(path, format!("auth kind {:?} needs `{key}`", a.kind));
            String::new()
        })
    };
    if a.location == Some(Location::Path) {
        r.error(
            format!("{path}.in"),
            "credentials travel in the query or the body, never in the path",
        );
    }
    match a.kind {
        AuthKindSpec::AccessToken => {
            extra(r, "app_id", a.app_id.is_some());
            extra(r, "secret", a.secret.is_some());
            extra(r, "scheme", a.scheme.is_some());
            if a.location == Some(Location::Body) {
                r.error(format!("{path}.in"), "access tokens travel in the query");
            }
            Auth::AccessToken {
                name: need(r, "name", &a.name),
            }
        }
        AuthKindSpec::AppSecret => {
            extra(r, "name", a.name.is_some());
            extra(r, "scheme", a.scheme.is_some());
            Auth::AppSecret {
                app_id: need(r, "app_id", &a.app_id),
                secret: need(r, "secret", &a.secret),
                in_body: a.location == Some(Location::Body),
            }
        }
        AuthKindSpec::Sign => {
            extra(r, "app_id", a.app_id.is_some());
            extra(r, "secret", a.secret.is_some());
            Auth::Sign {
                scheme: need(r, "scheme", &a.scheme),
                field: need(r, "field", &a.field),
                unconfirmed: a.unconfirmed.clone(),
            }
        }
        AuthKindSpec::SignedRequest => {
            extra(r, "app_id", a.app_id.is_some());
            extra(r, "secret", a.secret.is_some());
            extra(r, "name", a.name.is_some());
            extra(r, "field", a.field.is_some());
            Auth::SignedRequest {
                scheme: need(r, "scheme", &a.scheme),
                unconfirmed: a.unconfirmed.clone(),
            }
        }
    }
}

fn common_errors(spec: &PlatformSpec, r: &mut Reporter) -> Vec<(ErrorCase, AppliesTo)> {
    let mut common_errors = Vec::new();
    let mut seen_codes = BTreeSet::new();
    let mut seen_names = BTreeSet::new();
    for (i, e) in spec.common_errors.iter().enumerate() {
        let path = format!("common_errors[{i}]");
        let Some(case) = error_case(e, &path, &spec.envelope, r) else {
            continue;
        };
        if !seen_codes.insert(case.code.clone()) {
            r.error(
                format!("{path}.code"),
                format!("duplicate error code {}", case.code),
            );
        }
        if !seen_names.insert(case.variant.clone()) {
            r.error(
                format!("{path}.name"),
                format!("duplicate error name `{}`", case.variant),
            );
        }
        match e.applies_to {
            Some(applies) => common_errors.push((case, applies)),
            None => r.error(
                &path,
                "common errors need `applies_to: all` or `applies_to: access_token`",
            ),
        }
    }
    common_errors
}
