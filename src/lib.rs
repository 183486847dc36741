#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod crypto;
pub mod runtime;
#[cfg(feature = "simulator")]
pub mod simulator;
pub mod token;

#[cfg(feature = "wechat")]
pub mod wechat;

#[cfg(feature = "baidu")]
pub mod baidu;
#[cfg(feature = "jucai")]
pub mod jucai;

pub use runtime::{Error, Media, RetryPolicy, Secret};
