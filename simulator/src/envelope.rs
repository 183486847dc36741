//! The envelopes the simulator answers in: the runtime's encoders, which live beside its
//! decoders (`miniapp::__private::envelopes::encode`), so that what the simulator writes
//! is exactly what the clients read.

use miniapp::__private::EnvelopeStyle;

pub(crate) use miniapp::__private::envelopes::encode::{
    bare_failure, code_of, failure, is_signed, success, wechatpay_xml_body as to_xml,
};

/// Can the simulator speak this envelope style?
pub(crate) fn supported(style: EnvelopeStyle) -> bool {
    matches!(
        style,
        EnvelopeStyle::Errcode
            | EnvelopeStyle::ErrnoData
            | EnvelopeStyle::CodeMsgData
            | EnvelopeStyle::WechatPayXml
            | EnvelopeStyle::Alipay
            | EnvelopeStyle::WechatPayV3
    )
}
