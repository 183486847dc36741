//! The call loop every platform shares: validate → encode (auth, constants, sign) →
//! send → decode with the platform's envelope → retry: refresh the token once on a
//! token-invalid answer, retry idempotent calls on "busy" within the retry policy.

use super::encode::{encode, signed_fields};
use super::envelopes::Decoder;
use super::signers::Signer;
use super::{ApiError, Auth, CallOptions, Core, Endpoint, Error, Platform, Response, Secret};
use crate::token::{AccessToken, BoxFuture, TokenError, TokenSource};
use serde_json::Value;
use std::time::{Duration, Instant};

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

/// One call of endpoint `E` on a client of platform `P`.
pub async fn execute<P, E>(
    core: &Core<P>,
    tokens: Option<&dyn TokenSource>,
    request: E,
    options: CallOptions,
) -> Result<E::Response, Error<E::Error>>
where
    P: Platform,
    E: Endpoint,
{
    request.validate().map_err(|source| Error::Invalid {
        endpoint: E::NAME,
        source,
    })?;
    let base = call_signer::<P, E>(core).await?;
    let variant;
    let signer = match E::SIGN_VARIANT {
        None => base,
        Some(name) => {
            variant = base.with_variant(name).ok_or_else(|| Error::Encode {
                endpoint: E::NAME,
                reason: format!("the sign scheme has no variant `{name}`"),
            })?;
            &variant
        }
    };
    let started = Instant::now();
    let mut busy_retries = 0u32;
    let mut token_refreshed = false;
    let mut keys_refreshed = false;
    loop {
        let token = token::<E>(&options, tokens).await?;
        let wire = encode(core, signer, &request, token.value())?;
        let raw = core
            .transport
            .send::<E::Error>(wire, options.timeout, limit::<E>(core))
            .await?;
        // An answer signed with a key not seen yet (a rotated platform certificate):
        // download the keys once, then check this same answer again — never resend.
        if P::PLATFORM_KEYS.is_some() && !keys_refreshed && signer.names_unknown_key(&raw) {
            keys_refreshed = true;
            if let Err(reason) =
                super::platform_keys::refresh_platform_keys(core, Some(E::NAME)).await
            {
                tracing::warn!(endpoint = E::NAME, %reason, "could not download the platform's keys");
            }
        }
        let outcome = P::Decoder::decode::<E, P::Signer>(&P::ENVELOPE, raw, signer);
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

/// The body of a signed call of endpoint `E`, validated and signed as [`execute`] would
/// send it, but not sent: what a platform's client-side SDK takes where the server only
/// signs (Alipay's App order string).
pub async fn sign_only<P, E>(
    core: &Core<P>,
    request: &E,
) -> Result<serde_json::Map<String, Value>, Error<E::Error>>
where
    P: Platform,
    E: Endpoint,
{
    request.validate().map_err(|source| Error::Invalid {
        endpoint: E::NAME,
        source,
    })?;
    if !matches!(E::AUTH, Auth::Sign { .. }) {
        return Err(Error::Encode {
            endpoint: E::NAME,
            reason: "only calls with a sign auth can be signed".into(),
        });
    }
    let signer = call_signer::<P, E>(core).await?;
    signed_fields(signer, request)
}

/// The signer of this call: the sandbox's (fetched at the first signed call) on a
/// sandbox client whose platform has a sandbox key, else the client's own. The key's
/// endpoint itself is signed with the production key, as the docs require.
async fn call_signer<P: Platform, E: Endpoint>(
    core: &Core<P>,
) -> Result<&P::Signer, Error<E::Error>> {
    let own_key_call = P::SANDBOX_KEY.is_some_and(|key| key.endpoint == E::NAME);
    if !matches!(E::AUTH, Auth::Sign { .. }) || own_key_call {
        return Ok(&core.signer);
    }
    match sandbox_signer(core).await {
        Ok(signer) => Ok(signer.unwrap_or(&core.signer)),
        Err(reason) => Err(Error::SandboxKey {
            endpoint: E::NAME,
            reason,
        }),
    }
}

/// On a sandbox client whose platform has a sandbox key: the signer with that key,
/// fetched now unless it was before. `Ok(None)` on every other client.
pub(crate) async fn sandbox_signer<P: Platform>(
    core: &Core<P>,
) -> Result<Option<&P::Signer>, String> {
    let (Some(cell), Some(key)) = (&core.sandbox_signer, P::SANDBOX_KEY) else {
        return Ok(None);
    };
    cell.get_or_try_init(|| async {
        let secret = (key.fetch)(core).await?;
        if secret.expose().is_empty() {
            return Err(format!("{} answered an empty key", key.endpoint));
        }
        tracing::info!(endpoint = key.endpoint, "fetched the sandbox signing key");
        let credentials = core.credentials.clone().with_secret(secret.into_inner());
        P::Signer::new(&credentials, &core.signer_options).map_err(|e| e.to_string())
    })
    .await
    .map(Some)
}

fn limit<E: Endpoint>(core: &Core<impl Platform>) -> usize {
    match <E::Response as Response>::KIND {
        super::ResponseKind::Binary => core.transport.limits().media,
        _ => core.transport.limits().json,
    }
}

async fn token<E: Endpoint>(
    options: &CallOptions,
    tokens: Option<&dyn TokenSource>,
) -> Result<Token, Error<E::Error>> {
    let Auth::AccessToken { .. } = E::AUTH else {
        return Ok(Token::None);
    };
    if let Some(fixed) = &options.access_token {
        return Ok(Token::Fixed(fixed.expose().clone()));
    }
    let Some(source) = tokens else {
        return Err(Error::Token {
            endpoint: E::NAME,
            source: TokenError::Provider("no token source configured".into()),
        });
    };
    source
        .token()
        .await
        .map(Token::Managed)
        .map_err(|source| Error::Token {
            endpoint: E::NAME,
            source,
        })
}

/// Implemented (by generated code) for the endpoints the schema's `tokens` names.
pub trait IssuesToken: Endpoint {
    /// The request that asks for a token (token endpoints have no required input).
    fn token_request() -> Self;
    /// The token and its lifetime, from the endpoint's answer.
    fn into_token(response: Self::Response) -> AccessToken;
}

/// Fetches a token with endpoint `E` through the client's transport and retry rules;
/// generated [`TokenMode`](super::TokenMode)s point here.
pub fn fetch_token<P, E>(core: &Core<P>) -> BoxFuture<'_, Result<AccessToken, TokenError>>
where
    P: Platform,
    E: IssuesToken,
{
    Box::pin(async move {
        match execute(core, None, E::token_request(), CallOptions::default()).await {
            Ok(response) => Ok(E::into_token(response)),
            Err(Error::Api { source, .. }) => Err(match source.code().as_i64() {
                Some(code) => TokenError::Refused {
                    code,
                    message: source.to_string(),
                },
                None => TokenError::Upstream(source.to_string()),
            }),
            Err(other) => Err(TokenError::Upstream(other.to_string())),
        }
    })
}

/// Implemented (by generated code) for the endpoint the schema's `sandbox_key` names.
pub trait IssuesSandboxKey: Endpoint {
    /// The request that asks for the key (it has no required input).
    fn key_request() -> Self;
    /// The key, from the endpoint's answer.
    fn into_key(response: Self::Response) -> String;
}

/// Fetches the sandbox's signing key with endpoint `E`, signed with the production key;
/// the generated [`SandboxKey`](super::SandboxKey) points here.
pub fn fetch_sandbox_key<P, E>(core: &Core<P>) -> BoxFuture<'_, Result<Secret<String>, String>>
where
    P: Platform,
    E: IssuesSandboxKey,
{
    Box::pin(async move {
        execute(core, None, E::key_request(), CallOptions::default())
            .await
            .map(|response| Secret::new(E::into_key(response)))
            .map_err(|e| e.to_string())
    })
}

/// The text of a token field, whether the schema marks it secret or not.
pub trait TokenText {
    fn into_text(self) -> String;
}

impl TokenText for String {
    fn into_text(self) -> String {
        self
    }
}

impl TokenText for super::Secret<String> {
    fn into_text(self) -> String {
        self.into_inner()
    }
}

/// A token's lifetime from an `expires_in` in seconds of any integer type; clamped so
/// that an absurd value cannot overflow the clock, and a negative one is zero.
pub fn lifetime<T: TryInto<u64>>(expires_in_seconds: T) -> Duration {
    let seconds = expires_in_seconds.try_into().unwrap_or(0);
    Duration::from_secs(seconds.min(u64::from(u32::MAX)))
}
