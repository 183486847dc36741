//! The spec's plain enums and records as the IR's own types. Kept apart from the checks:
//! these conversions cannot fail, the checks decide whether the result is used.

use crate::ir;
use crate::spec;

pub fn hosts(h: &spec::Hosts) -> ir::Hosts {
    ir::Hosts {
        production: h.production.clone(),
        sandbox: h.sandbox.clone(),
        named: h
            .named
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    }
}

pub fn envelope(e: &spec::EnvelopeSpec) -> ir::Envelope {
    ir::Envelope {
        style: envelope_style(e.style),
        code: e.code.clone(),
        message: e.message.clone(),
        code_alias: e.code_alias.clone(),
        message_alias: e.message_alias.clone(),
        success: e.success.iter().map(code_value).collect(),
        data: e.data.clone(),
        request_id: e.request_id.clone(),
        business_code: e.business_code.clone(),
        business_message: e.business_message.clone(),
        business_success: e.business_success.iter().map(code_value).collect(),
        result: e.result.clone(),
        sub_code: e.sub_code.clone(),
        sub_message: e.sub_message.clone(),
        operation: e.operation.clone(),
        numbers_as_text: e.numbers_as_text,
        gateway: e.gateway.as_ref().map(|g| ir::Gateway {
            code: g.code.clone(),
            message: g.message.clone(),
            codes: g.codes.iter().map(code_value).collect(),
        }),
        oauth: e.oauth.as_ref().map(|o| ir::OAuth {
            error: o.error.clone(),
            description: o.description.clone(),
            status: o.status,
        }),
    }
}

fn envelope_style(s: spec::EnvelopeStyle) -> ir::EnvelopeStyle {
    match s {
        spec::EnvelopeStyle::Errcode => ir::EnvelopeStyle::Errcode,
        spec::EnvelopeStyle::ErrnoData => ir::EnvelopeStyle::ErrnoData,
        spec::EnvelopeStyle::CodeMsgData => ir::EnvelopeStyle::CodeMsgData,
        spec::EnvelopeStyle::WechatpayXml => ir::EnvelopeStyle::WechatpayXml,
        spec::EnvelopeStyle::Alipay => ir::EnvelopeStyle::Alipay,
        spec::EnvelopeStyle::WechatpayV3 => ir::EnvelopeStyle::WechatpayV3,
    }
}

pub fn code_value(c: &spec::CodeValue) -> ir::CodeValue {
    match c {
        spec::CodeValue::Int(i) => ir::CodeValue::Int(*i),
        spec::CodeValue::Str(s) => ir::CodeValue::Str(s.clone()),
    }
}

pub fn method(m: spec::Method) -> ir::HttpMethod {
    match m {
        spec::Method::Get => ir::HttpMethod::Get,
        spec::Method::Post => ir::HttpMethod::Post,
    }
}

pub fn body(b: spec::BodySpec) -> ir::BodyKind {
    match b {
        spec::BodySpec::None => ir::BodyKind::None,
        spec::BodySpec::Json => ir::BodyKind::Json,
        spec::BodySpec::Form => ir::BodyKind::Form,
        spec::BodySpec::Multipart => ir::BodyKind::Multipart,
        spec::BodySpec::Xml => ir::BodyKind::Xml,
    }
}

pub fn location(l: spec::Location) -> ir::Location {
    match l {
        spec::Location::Query => ir::Location::Query,
        spec::Location::Body => ir::Location::Body,
        spec::Location::Path => ir::Location::Path,
    }
}

pub fn response_kind(k: spec::ResponseKindSpec) -> ir::ResponseKind {
    match k {
        spec::ResponseKindSpec::Json => ir::ResponseKind::Json,
        spec::ResponseKindSpec::Binary => ir::ResponseKind::Binary,
        spec::ResponseKindSpec::Text => ir::ResponseKind::Text,
        spec::ResponseKindSpec::None => ir::ResponseKind::None,
    }
}

pub fn enum_repr(r: spec::EnumRepr) -> ir::EnumRepr {
    match r {
        spec::EnumRepr::String => ir::EnumRepr::String,
        spec::EnumRepr::Int => ir::EnumRepr::Int,
    }
}
