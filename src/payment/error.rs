//! One error type for every call of the facade, keeping what callers tell apart: a
//! call the provider does not have, settings or a request the provider cannot use, the
//! provider's refusal (its own code kept), and everything else the generated client
//! reports (kept as the source, so it can be downcast to the endpoint's typed error).

use super::Provider;
use crate::runtime::{ApiError, Code};
use std::error::Error as StdError;

/// Why a [`Payment`](super::Payment) call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PaymentError {
    /// The provider has no such call (`cancelOrder` on WeChat Pay, `downloadBill` on
    /// Alipay). Nothing was sent.
    #[error("{call} is not supported by {provider}")]
    Unsupported {
        provider: Provider,
        call: &'static str,
    },
    /// The settings cannot make a client for this provider (a missing `mchId`, a key
    /// that does not parse, a certificate that does not open).
    #[error("{provider} settings: {reason}")]
    Settings { provider: Provider, reason: String },
    /// The request lacks what this provider needs, or holds what it cannot take.
    /// Nothing was sent.
    #[error("{call} on {provider}: {reason}")]
    Invalid {
        provider: Provider,
        call: &'static str,
        reason: String,
    },
    /// The provider refused the call with a code: WeChat Pay's `err_code`
    /// (`ORDERPAID`), Alipay's `sub_code` (`ACQ.TRADE_NOT_EXIST`) or public code.
    #[error("{call} on {provider}: refused: {code} {message}")]
    Refused {
        provider: Provider,
        call: &'static str,
        code: Code,
        message: String,
        /// The provider says asking again later may work.
        retryable: bool,
        /// The endpoint's typed error (`miniapp::Error<wechatpay::pay::RefundError>`, …).
        #[source]
        source: Box<dyn StdError + Send + Sync>,
    },
    /// The call failed before the provider could answer it, or its answer was unusable
    /// (transport, timeout, HTTP status, a bad signature, an undecodable body). The
    /// source is the generated client's `miniapp::Error<_>`.
    #[error("{call} on {provider}: {source}")]
    Call {
        provider: Provider,
        call: &'static str,
        #[source]
        source: Box<dyn StdError + Send + Sync>,
    },
}

impl PaymentError {
    /// The provider's code, when it refused the call.
    pub fn code(&self) -> Option<&Code> {
        match self {
            PaymentError::Refused { code, .. } => Some(code),
            _ => None,
        }
    }
    /// Is this "the provider has no such call"?
    pub fn is_unsupported(&self) -> bool {
        matches!(self, PaymentError::Unsupported { .. })
    }

    pub(super) fn unsupported(provider: Provider, call: &'static str) -> Self {
        PaymentError::Unsupported { provider, call }
    }

    pub(super) fn invalid(
        provider: Provider,
        call: &'static str,
        reason: impl Into<String>,
    ) -> Self {
        PaymentError::Invalid {
            provider,
            call,
            reason: reason.into(),
        }
    }

    /// From a generated client's error: the provider's refusal keeps its code, the
    /// rest keeps the error whole.
    pub(super) fn from_call<E: ApiError>(
        provider: Provider,
        call: &'static str,
        error: crate::Error<E>,
    ) -> Self {
        match error.api() {
            Some(api) => PaymentError::Refused {
                provider,
                call,
                code: api.code(),
                message: api.message().to_owned(),
                retryable: api.is_retryable(),
                source: Box::new(error),
            },
            None => PaymentError::Call {
                provider,
                call,
                source: Box::new(error),
            },
        }
    }
}
