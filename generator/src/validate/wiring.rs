//! Validates what connects a platform to the runtime's one client: the decoder its
//! envelope style names, the signer its sign scheme names, its constructor's
//! credentials and its token modes. Every name checked here must exist in the runtime,
//! so a platform the runtime cannot serve fails the build here, not at a call.

use super::Reporter;
use crate::ir::{self, Auth, Group};
use crate::names;
use crate::spec::{self, EnvelopeStyle, PlatformSpec};

/// Envelope styles with a decoder in `miniapp::runtime::envelopes`.
const DECODERS: &[(EnvelopeStyle, &str)] = &[
    (EnvelopeStyle::Errcode, "Errcode"),
    (EnvelopeStyle::ErrnoData, "ErrnoData"),
    (EnvelopeStyle::CodeMsgData, "CodeMsgData"),
    (EnvelopeStyle::WechatpayXml, "WechatPayXml"),
    (EnvelopeStyle::Alipay, "Alipay"),
    (EnvelopeStyle::WechatpayV3, "WechatPayV3"),
];

/// A sign scheme with a signer in `miniapp::runtime::signers`.
struct SignerWiring {
    scheme: &'static str,
    /// The runtime type.
    signer: &'static str,
    /// The variants an endpoint may force (`sign_variant:`).
    variants: &'static [&'static str],
    /// The fields the signer adds to every body (`Signer::prepare`), which an endpoint
    /// may restrict (`sign_common_fields:`).
    common_fields: &'static [&'static str],
    /// Building it parses keys that may be malformed (no `InfallibleSigner`).
    fallible: bool,
}

const SIGNERS: &[SignerWiring] = &[
    SignerWiring {
        scheme: "jucai_md5",
        signer: "JucaiMd5",
        variants: &[],
        common_fields: &[],
        fallible: false,
    },
    SignerWiring {
        scheme: "wechatpay_v2",
        signer: "WechatPayV2",
        variants: &["MD5", "HMAC-SHA256"],
        common_fields: &["appid", "mch_id", "nonce_str", "sign_type"],
        fallible: false,
    },
    SignerWiring {
        scheme: "alipay_rsa2",
        signer: "AlipayRsa2",
        variants: &[],
        common_fields: &[
            "app_id",
            "format",
            "charset",
            "sign_type",
            "timestamp",
            "version",
            "app_cert_sn",
            "alipay_root_cert_sn",
        ],
        fallible: true,
    },
    SignerWiring {
        scheme: "wechatpay_v3",
        signer: "WechatPayV3",
        variants: &[],
        common_fields: &[],
        fallible: true,
    },
];

fn signer_wiring(scheme: &str) -> Option<&'static SignerWiring> {
    SIGNERS.iter().find(|s| s.scheme == scheme)
}

pub fn wiring(spec: &PlatformSpec, groups: &[Group], r: &mut Reporter) -> ir::Wiring {
    let signer = signer(spec, r);
    ir::Wiring {
        marker: marker(spec, r),
        string_codes: spec.envelope.code_type == spec::CodeType::String,
        decoder: decoder(spec, r),
        signer_fallible: signer.is_some_and(|s| s.fallible),
        signer: signer.map(|s| s.signer.to_owned()),
        credentials: credentials(spec, r),
        token_modes: token_modes(spec, groups, r),
        sandbox_key: sandbox_key(spec, groups, r),
        platform_keys: platform_keys(spec, groups, r),
    }
}

/// The marker type's name: `type_name` if given (a re-casing of the platform's name,
/// already UpperCamelCase), else the UpperCamelCase of `platform`.
fn marker(spec: &PlatformSpec, r: &mut Reporter) -> String {
    let derived = names::upper_camel(&spec.platform);
    let Some(given) = &spec.type_name else {
        return derived;
    };
    let letters = |s: &str| s.replace('_', "").to_lowercase();
    if names::upper_camel(given) != *given || letters(given) != letters(&spec.platform) {
        r.error(
            "type_name",
            format!(
                "`{given}` must be the platform's name `{}` in UpperCamelCase, only re-cased (e.g. `{derived}`)",
                spec.platform
            ),
        );
        return derived;
    }
    given.clone()
}

/// The endpoint `group.docName` names, with its group.
fn find_endpoint<'g>(
    groups: &'g [Group],
    full_name: &str,
) -> Option<(&'g Group, &'g ir::Endpoint)> {
    groups.iter().find_map(|g| {
        g.endpoints
            .iter()
            .find(|ep| ep.full_name == full_name)
            .map(|ep| (g, ep))
    })
}

/// The sandbox key's endpoint: a signed call without required input, answering the key
/// as a required text field, on a platform that has a sandbox.
fn sandbox_key(spec: &PlatformSpec, groups: &[Group], r: &mut Reporter) -> Option<ir::SandboxKey> {
    let key = spec.sandbox_key.as_ref()?;
    if spec.hosts.sandbox.is_none() {
        r.error(
            "sandbox_key",
            "a sandbox key needs a sandbox host (`hosts.sandbox`)",
        );
    }
    let endpoint = key.endpoint.as_str();
    let Some((group, ep)) = find_endpoint(groups, endpoint) else {
        r.error(
            "sandbox_key.endpoint",
            format!("no endpoint `{endpoint}` (write `group.docName`, e.g. `pay.getSignKey`)"),
        );
        return None;
    };
    if !matches!(ep.auth, Auth::Sign { .. }) {
        r.error(
            "sandbox_key.endpoint",
            format!("`{endpoint}` must be signed: the sandbox issues its key to the holder of the production key"),
        );
    }
    if ep.has_required_input() {
        r.error(
            "sandbox_key.endpoint",
            format!("`{endpoint}` has required request fields; the runtime calls it with none"),
        );
    }
    let field = &key.field;
    let key_field = match ep.response.iter().find(|f| f.wire == *field) {
        Some(f) if f.required && f.ty == ir::Ty::String => f.ident.clone(),
        Some(_) => {
            r.error(
                "sandbox_key.field",
                format!("`{field}` of `{endpoint}` must be a required string"),
            );
            return None;
        }
        None => {
            r.error(
                "sandbox_key.field",
                format!("`{endpoint}` has no response field `{field}`"),
            );
            return None;
        }
    };
    Some(ir::SandboxKey {
        endpoint: endpoint.to_owned(),
        doc: key.doc.as_deref().unwrap_or("").trim().to_owned(),
        group_module: group.module.clone(),
        request_type: ep.request_type.clone(),
        key_field,
    })
}

/// The platform-keys endpoint: a signed call without required input (the signer reads
/// the keys out of its answer).
fn platform_keys(
    spec: &PlatformSpec,
    groups: &[Group],
    r: &mut Reporter,
) -> Option<ir::PlatformKeys> {
    let keys = spec.platform_keys.as_ref()?;
    let endpoint = keys.endpoint.as_str();
    let Some((group, ep)) = find_endpoint(groups, endpoint) else {
        r.error(
            "platform_keys.endpoint",
            format!(
                "no endpoint `{endpoint}` (write `group.docName`, e.g. `certificates.download`)"
            ),
        );
        return None;
    };
    if !ep.auth.is_signed() {
        r.error(
            "platform_keys.endpoint",
            format!(
                "`{endpoint}` must be signed: the platform hands its keys to the merchant only"
            ),
        );
    }
    if ep.has_required_input() {
        r.error(
            "platform_keys.endpoint",
            format!("`{endpoint}` has required request fields; the runtime calls it with none"),
        );
    }
    Some(ir::PlatformKeys {
        endpoint: endpoint.to_owned(),
        doc: keys.doc.as_deref().unwrap_or("").trim().to_owned(),
        group_module: group.module.clone(),
        request_type: ep.request_type.clone(),
    })
}

fn decoder(spec: &PlatformSpec, r: &mut Reporter) -> String {
    // One gateway path for every call: the answer is found by the operation's name.
    if spec.envelope.style == EnvelopeStyle::Alipay && spec.envelope.operation.is_none() {
        r.error(
            "envelope.operation",
            "style `alipay` finds each answer under `<operation>_response`: name the request parameter holding the operation (`operation: method`)",
        );
    }
    match DECODERS
        .iter()
        .find(|(style, _)| *style == spec.envelope.style)
    {
        Some((_, decoder)) => (*decoder).to_owned(),
        None => {
            let known: Vec<String> = DECODERS.iter().map(|(s, _)| style_name(*s)).collect();
            r.error(
                "envelope.style",
                format!(
                    "style `{}` has no decoder in the runtime (known: {}); add one in src/runtime/envelopes/ first",
                    style_name(spec.envelope.style),
                    known.join(", ")
                ),
            );
            String::new()
        }
    }
}

fn style_name(style: EnvelopeStyle) -> String {
    let debug = format!("{style:?}");
    names::snake(&debug)
}

/// One signer per platform: every `kind: sign` auth must name the same known scheme.
fn signer(spec: &PlatformSpec, r: &mut Reporter) -> Option<&'static SignerWiring> {
    let mut chosen: Option<&'static SignerWiring> = None;
    for (name, auth) in &spec.auth {
        let (spec::AuthKindSpec::Sign | spec::AuthKindSpec::SignedRequest, Some(scheme)) =
            (auth.kind, auth.scheme.as_deref())
        else {
            continue;
        };
        let path = format!("auth.{name}.scheme");
        let Some(wiring) = signer_wiring(scheme) else {
            let known: Vec<&str> = SIGNERS.iter().map(|s| s.scheme).collect();
            r.error(
                &path,
                format!(
                    "sign scheme `{scheme}` has no signer in the runtime (known: {}); add one in src/runtime/signers/ first",
                    known.join(", ")
                ),
            );
            continue;
        };
        match chosen {
            Some(other) if other.scheme != scheme => r.error(
                &path,
                format!(
                    "a platform has one sign scheme; `{}` is already used",
                    other.scheme
                ),
            ),
            _ => chosen = Some(wiring),
        }
    }
    chosen
}

fn credentials(spec: &PlatformSpec, r: &mut Reporter) -> Vec<ir::Credential> {
    let Some(list) = &spec.credentials else {
        return vec![
            ir::Credential {
                ident: "app_id".into(),
                kind: ir::CredentialKind::AppId,
                doc: "The app's id.".into(),
            },
            ir::Credential {
                ident: "secret".into(),
                kind: ir::CredentialKind::Secret,
                doc: "The app's secret.".into(),
            },
        ];
    };
    let mut out: Vec<ir::Credential> = Vec::new();
    for (i, c) in list.iter().enumerate() {
        let path = format!("credentials[{i}]");
        let ident = names::snake(&c.name);
        if ident != c.name {
            r.error(
                format!("{path}.name"),
                format!("credential names are snake_case: `{}`", c.name),
            );
        }
        let kind = match c.kind {
            spec::CredentialKind::AppId => ir::CredentialKind::AppId,
            spec::CredentialKind::MerchantId => ir::CredentialKind::MerchantId,
            spec::CredentialKind::Secret => ir::CredentialKind::Secret,
            spec::CredentialKind::BaseUrl => ir::CredentialKind::BaseUrl,
            spec::CredentialKind::PlatformKey => ir::CredentialKind::PlatformKey,
            spec::CredentialKind::KeyId => ir::CredentialKind::KeyId,
        };
        if out.iter().any(|o| o.kind == kind) {
            r.error(
                format!("{path}.kind"),
                "each kind of credential appears at most once",
            );
        }
        if out.iter().any(|o| o.ident == ident) {
            r.error(format!("{path}.name"), format!("duplicate name `{ident}`"));
        }
        out.push(ir::Credential {
            ident,
            kind,
            doc: c.doc.trim().to_owned(),
        });
    }
    if !out.iter().any(|c| c.kind == ir::CredentialKind::Secret) {
        r.error(
            "credentials",
            "a platform needs a `secret` credential (app secret or signing key)",
        );
    }
    out
}

fn token_modes(spec: &PlatformSpec, groups: &[Group], r: &mut Reporter) -> Vec<ir::TokenMode> {
    let Some(tokens) = &spec.tokens else {
        return Vec::new();
    };
    let default = std::iter::once((
        "default",
        tokens.endpoint.as_str(),
        tokens.doc.as_deref().unwrap_or(""),
        "tokens.endpoint".to_owned(),
    ));
    let modes = tokens.modes.iter().map(|(name, m)| {
        (
            name.as_str(),
            m.endpoint.as_str(),
            m.doc.as_str(),
            format!("tokens.modes.{name}.endpoint"),
        )
    });
    let mut out = Vec::new();
    for (name, endpoint, doc, path) in default.chain(modes) {
        if name != "default" && names::snake(name) != name {
            r.error(
                format!("tokens.modes.{name}"),
                format!("token mode names are snake_case: `{name}`"),
            );
        }
        if let Some(mode) = token_mode(spec, tokens, groups, (name, endpoint, doc), &path, r) {
            out.push(mode);
        }
    }
    out
}

fn token_mode(
    spec: &PlatformSpec,
    tokens: &spec::TokensSpec,
    groups: &[Group],
    (name, endpoint, doc): (&str, &str, &str),
    path: &str,
    r: &mut Reporter,
) -> Option<ir::TokenMode> {
    let Some((group, ep)) = find_endpoint(groups, endpoint) else {
        r.error(
            path,
            format!("no endpoint `{endpoint}` (write `group.docName`, e.g. `auth.getAccessToken`)"),
        );
        return None;
    };
    if ep.has_required_input() {
        r.error(
            path,
            format!("token endpoint `{endpoint}` has required request fields; the runtime calls it with none"),
        );
    }
    if matches!(ep.auth, Auth::AccessToken { .. }) {
        r.error(
            path,
            format!("token endpoint `{endpoint}` cannot itself need an access token"),
        );
    }
    let field = |wire: &str, key: &str, r: &mut Reporter| -> String {
        match ep.response.iter().find(|f| f.wire == wire) {
            Some(f) if f.required => f.ident.clone(),
            Some(_) => {
                r.error(
                    format!("tokens.{key}"),
                    format!("`{wire}` of `{endpoint}` must be required"),
                );
                String::new()
            }
            None => {
                r.error(
                    format!("tokens.{key}"),
                    format!("`{endpoint}` has no response field `{wire}`"),
                );
                String::new()
            }
        }
    };
    let token_field = field(&tokens.token, "token", r);
    let expires_field = field(&tokens.expires_in, "expires_in", r);
    let (key_prefix, builder_method) = if name == "default" {
        (spec.platform.clone(), None)
    } else {
        (
            format!("{}-{name}", spec.platform),
            Some(names::snake(&format!("{name}_token"))),
        )
    };
    Some(ir::TokenMode {
        name: name.to_owned(),
        key_prefix,
        builder_method,
        doc: doc.trim().to_owned(),
        group_module: group.module.clone(),
        request_type: ep.request_type.clone(),
        token_field,
        expires_field,
        token_wire: tokens.token.clone(),
        expires_wire: tokens.expires_in.clone(),
    })
}

/// The variants an endpoint may force (`sign_variant:`) with sign scheme `scheme`.
pub fn sign_variants(scheme: &str) -> &'static [&'static str] {
    signer_wiring(scheme).map_or(&[][..], |s| s.variants)
}

/// The fields sign scheme `scheme` adds to every body.
pub fn sign_common_fields(scheme: &str) -> &'static [&'static str] {
    signer_wiring(scheme).map_or(&[][..], |s| s.common_fields)
}
