use rand::Rng;
use std::time::Duration;

/// Bounds for retrying a call the platform reported as busy (WeChat errcode -1).
///
/// Only endpoints the schema marks idempotent are retried; quota errors (45009) are
/// never retryable, so they are never retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 disables retrying).
    pub max_retries: u32,
    /// Delay before the first retry; doubled each time.
    pub base_delay: Duration,
    /// No single delay is longer than this.
    pub max_delay: Duration,
    /// No retry starts after this much time has passed since the first attempt.
    pub max_elapsed: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(2),
            max_elapsed: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// "Full jitter" back-off: a uniform delay in `[0, min(max, base·2^attempt)]`, so
    /// that many clients told "busy" at once do not come back at once.
    pub fn delay(&self, attempt: u32) -> Duration {
        let ceiling = self
            .base_delay
            .saturating_mul(1u32.checked_shl(attempt).unwrap_or(u32::MAX))
            .min(self.max_delay);
        let nanos = ceiling.as_nanos().min(u64::MAX as u128) as u64;
        if nanos == 0 {
            return Duration::ZERO;
        }
        Duration::from_nanos(rand::thread_rng().gen_range(0..=nanos))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_are_bounded_by_the_exponential_ceiling() {
        let p = RetryPolicy::default();
        for attempt in 0..40 {
            let ceiling = (p.base_delay * 2u32.saturating_pow(attempt.min(20))).min(p.max_delay);
            for _ in 0..50 {
                assert!(p.delay(attempt) <= ceiling);
            }
        }
    }
}
