#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod crypto;
pub mod runtime;
pub mod token;

#[cfg(feature = "wechat")]
pub mod wechat;

#[cfg(feature = "alipay")]
pub mod alipay;
#[cfg(feature = "baidu")]
pub mod baidu;
#[cfg(feature = "jucai")]
pub mod jucai;
#[cfg(feature = "payment")]
pub mod payment;
#[cfg(feature = "wechatpay")]
pub mod wechatpay;
#[cfg(feature = "wechatpay_v3")]
pub mod wechatpay_v3;

/// The generator's fixture platforms (every construct of the schema language), built
/// like the real platforms. Maintainers only (feature `codegen`); not a public API.
#[cfg(feature = "codegen")]
#[doc(hidden)]
pub mod fixtures {
    include!(concat!(env!("OUT_DIR"), "/fixture_decl.rs"));
}

pub use runtime::{Error, Media, RetryPolicy, Secret};

/// What generated code (and the simulator) needs from the runtime and users do not:
/// the endpoint and platform contract, the encode step, envelope decoders, sign
/// schemes, constraint checks, and serde as the runtime depends on it. Not a public
/// API: it changes whenever the generator does.
#[doc(hidden)]
pub mod __private {
    #[cfg(feature = "encoders")]
    pub use crate::runtime::envelopes::encode::{
        path_params, read_request, read_text_request, request_round_trip, round_trip,
        round_trip_typed, text_request_round_trip, write_text_response, RoundTrip,
    };
    pub use crate::runtime::envelopes::{self, Envelope, EnvelopeStyle, Gateway, OAuth};
    pub use crate::runtime::execute::{
        fetch_sandbox_key, fetch_token, lifetime, IssuesSandboxKey, IssuesToken, TokenText,
    };
    pub use crate::runtime::platform_keys::{fetch_platform_keys, IssuesPlatformKeys};
    pub use crate::runtime::signers::{InfallibleSigner, Signer};
    pub use crate::runtime::{beijing_time, lenient, raw_json, validate, xml};
    pub use crate::runtime::{
        bounded_message, decode_indexed_text_fields, decode_json, decode_text_fields, form_text,
        no_wire_checks, push_path_segment, Auth, BodyKind, BodyLimits, CallOptions, CodeType, Core,
        Credential, Endpoint, EndpointInfo, Execute, FilledField, FromCode, Hosts, HttpMethod,
        IndexedList, KeySource, Meaning, Multipart, MultipartValue, Platform, Query, RawResponse,
        Refusal, Response, ResponseKind, SandboxKey, StructuredResponse, TokenFields, TokenMode,
        Transport, WireBody, WireRequest,
    };
    pub use crate::token::AccessToken;
    pub use serde;
    pub use serde_json;

    /// WeChat Pay v2's encoders beside its decoders (the simulator writes with them).
    #[cfg(feature = "wechatpay")]
    pub mod wechatpay {
        pub use crate::wechatpay::encrypt_req_info;
    }

    /// Serde adapters of amounts in yuan text (the schema's `money_yuan`).
    pub mod money {
        pub use crate::runtime::money::serde::{signed_yuan, signed_yuan_opt, yuan, yuan_opt};
    }
}
