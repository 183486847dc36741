//! The call loop every token-using platform shares: validate, get a token, send,
//! decode; refresh the token once on a token-invalid answer, retry idempotent calls on
//! "busy" within the retry policy's bounds. Platforms differ only in how they decode.

use super::{
    ApiError, Auth, CallOptions, Endpoint, Error, Extras, RawResponse, RetryPolicy, Secret,
    Transport,
};
use crate::token::{AccessToken, TokenError, TokenSource};
use std::time::Instant;

/// What every call of a platform client needs besides the token source.
pub struct Core {
    /// The app id (WeChat `appid`, Baidu AppKey `client_id`).
    pub app_id: String,
    pub secret: Secret<String>,
    pub transport: Transport,
    pub retry: RetryPolicy,
}

/// A platform's decoder of a complete answer for endpoint `E`.
pub type Decode<E> =
    fn(RawResponse) -> Result<<E as Endpoint>::Response, Error<<E as Endpoint>::Error>>;

enum Token {
    None,
    /// From the token source: may be invalidated and refreshed.
    Managed(AccessToken),
    /// Given for this call only.
    Fixed(String),
}

impl Token {
    fn value(&self) -> Option<&str> {
        match self {
            Token::None => None,
            Token::Managed(t) => Some(t.secret()),
            Token::Fixed(t) => Some(t),
        }
    }
}

/// One call: token, send, decode; refresh the token once on a token-invalid answer,
/// retry idempotent calls on "system busy" within the retry policy's bounds.
pub async fn execute<E>(
    core: &Core,
    tokens: Option<&dyn TokenSource>,
    request: E,
    options: CallOptions,
    decode: Decode<E>,
) -> Result<E::Response, Error<E::Error>>
where
    E: Endpoint,
{
    request.validate().map_err(|source| Error::Invalid {
        endpoint: E::NAME,
        source,
    })?;
    let started = Instant::now();
    let mut busy_retries = 0u32;
    let mut token_refreshed = false;
    loop {
        let token = match (E::AUTH, &options.access_token, tokens) {
            (Auth::AccessToken { .. }, Some(fixed), _) => Token::Fixed(fixed.expose().clone()),
            (Auth::AccessToken { .. }, None, Some(source)) => {
                Token::Managed(source.token().await.map_err(|source| Error::Token {
                    endpoint: E::NAME,
                    source,
                })?)
            }
            (Auth::AccessToken { .. }, None, None) => {
                return Err(Error::Token {
                    endpoint: E::NAME,
                    source: TokenError::Provider("no token source configured".into()),
                })
            }
            _ => Token::None,
        };
        let builder = core
            .transport
            .build(&request, core.extras::<E>(token.value()))?;
        let raw = core
            .transport
            .send(E::NAME, builder, options.timeout)
            .await?;
        let outcome = decode(raw);
        let Err(Error::Api { source: api, .. }) = &outcome else {
            return outcome;
        };
        if api.is_token_invalid() && !token_refreshed {
            if let (Token::Managed(failed), Some(source)) = (&token, tokens) {
                tracing::warn!(endpoint = E::NAME, error = %api, "access token rejected; refreshing it once and retrying once");
                source.invalidate(failed).await;
                token_refreshed = true;
                continue;
            }
        }
        if api.is_retryable() && E::IDEMPOTENT && busy_retries < core.retry.max_retries {
            let delay = core.retry.delay(busy_retries);
            if started.elapsed() + delay <= core.retry.max_elapsed {
                busy_retries += 1;
                tracing::debug!(endpoint = E::NAME, attempt = busy_retries, ?delay, error = %api, "platform busy; retrying");
                tokio::time::sleep(delay).await;
                continue;
            }
        }
        return outcome;
    }
}

impl Core {
    /// The auth parameters endpoint `E` needs, under the wire names its schema gives.
    pub fn extras<E: Endpoint>(&self, token: Option<&str>) -> Extras {
        let mut extras = Extras::default();
        match E::AUTH {
            Auth::AccessToken { name } => {
                if let Some(t) = token {
                    extras.query.push((name, t.to_owned()));
                }
            }
            Auth::AppSecret {
                app_id,
                secret,
                in_body,
            } => {
                let pairs = [
                    (app_id, self.app_id.clone()),
                    (secret, self.secret.expose().clone()),
                ];
                if in_body {
                    extras.body.extend(pairs);
                } else {
                    extras.query.extend(pairs);
                }
            }
            Auth::None | Auth::Sign { .. } => {}
        }
        extras
    }
}
