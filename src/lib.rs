#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod crypto;
pub mod runtime;
#[cfg(feature = "simulator")]
pub mod simulator;
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

/// The generator's fixture platforms (every construct of the schema language), built
/// like the real platforms. Maintainers only (feature `codegen`); not a public API.
#[cfg(feature = "codegen")]
#[doc(hidden)]
pub mod fixtures {
    include!(concat!(env!("OUT_DIR"), "/fixture_decl.rs"));
}

pub use runtime::{Error, Media, RetryPolicy, Secret};
