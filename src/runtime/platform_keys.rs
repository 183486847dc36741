//! The platform's verifying keys where the schema says they are downloaded
//! (`platform_keys:`, WeChat Pay API v3's platform certificates): one download at a time
//! in the process, and — through the client's token store, e.g. Redis — one for every
//! instance of the service. What is shared is the download answer as it came (headers
//! and exact body): each instance checks it again before installing it, so a store
//! entry is never trusted for more than its signature and encryption prove.

use super::signers::Signer;
use super::{Core, Endpoint, Platform, RawResponse};
use crate::token::{
    AccessToken, BoxFuture, TokenError, TokenFetcher, TokenManager, TokenSource, TokenStore,
};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use http::{HeaderMap, HeaderName, HeaderValue};
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant};

/// How long a download stays in the store before the next refresh downloads again. An
/// answer that names a key not held yet triggers a refresh sooner, whatever this says.
pub const KEYS_KEPT_FOR: Duration = Duration::from_secs(12 * 3600);

/// How often a request from anyone (a notification naming a key not held) may make the
/// client download: a forged one costs the sender nothing, a download costs a call to
/// the platform (which limits its frequency).
pub const UNPROMPTED_REFRESH_INTERVAL: Duration = Duration::from_secs(60);

/// The largest stored entry read back (a download lists one or two certificates).
const MAX_KEPT_BYTES: usize = 256 * 1024;

/// One download of the platform's keys at a time: callers that arrive while one runs
/// wait for it and use its result instead of starting their own; across instances the
/// token store's lock does the same.
#[derive(Debug, Default)]
pub struct KeyRefresh {
    lock: tokio::sync::Mutex<()>,
    /// Refreshes completed in this process (a waiter compares before and after).
    refreshes: AtomicU64,
    /// When a request from anyone last made the client refresh.
    last_unprompted: Mutex<Option<Instant>>,
    /// The kept entry the signer holds now, and how many keys it gave.
    installed: Mutex<Option<(String, usize)>>,
    cache: Option<TokenManager>,
}

impl KeyRefresh {
    /// For a client of platform `P` whose core `core` will be: keeps downloads in
    /// `store` (memory when `None`) under `<platform>:platform-keys:<merchant or app>`.
    pub(crate) fn new<P: Platform>(
        core: Weak<Core<P>>,
        owner: &str,
        store: Option<Arc<dyn TokenStore>>,
    ) -> KeyRefresh {
        if P::PLATFORM_KEYS.is_none() {
            return KeyRefresh::default();
        }
        let fetcher = Arc::new(Download { core });
        let mut cache = TokenManager::builder(fetcher)
            .key(format!("{}:platform-keys:{owner}", P::NAME))
            // A store that is down must not stop payments: download for this process.
            .fallback_to_local(true);
        if let Some(store) = store {
            cache = cache.store(store);
        }
        KeyRefresh {
            cache: Some(cache.build()),
            ..KeyRefresh::default()
        }
    }

    fn installed(&self) -> std::sync::MutexGuard<'_, Option<(String, usize)>> {
        self.installed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The number of keys `entry` gave if it is what the signer holds.
    fn holds(&self, entry: &AccessToken) -> Option<usize> {
        match &*self.installed() {
            Some((text, held)) if text == entry.secret() => Some(*held),
            _ => None,
        }
    }
}

/// Installs the platform's keys — from the store when another instance downloaded
/// newer ones than the signer holds, else downloaded now through the schema's
/// `platform_keys` endpoint. Single flight: a caller that waited for a refresh another
/// caller made takes that one.
pub(crate) async fn refresh_platform_keys<P: Platform>(
    core: &Core<P>,
    during: Option<&'static str>,
) -> Result<usize, String> {
    let refresh = &core.key_refresh;
    let (Some(source), Some(cache)) = (P::PLATFORM_KEYS, &refresh.cache) else {
        return Err(format!("{} has no endpoint for its keys", P::NAME));
    };
    let seen = refresh.refreshes.load(Ordering::Acquire);
    let _one_at_a_time = refresh.lock.lock().await;
    if refresh.refreshes.load(Ordering::Acquire) != seen {
        return Ok(0);
    }
    tracing::info!(
        endpoint = source.endpoint,
        during,
        "refreshing the platform's keys"
    );
    let error = |e: TokenError| e.to_string();
    let failed = refresh.installed().as_ref().map(|(text, _)| text.clone());
    let mut entry = cache.token().await.map_err(error)?;
    if failed.as_deref() == Some(entry.secret()) {
        // What the store has is what failed us: ask for a download, unless another
        // instance has replaced it meanwhile (then that is what `token` returns).
        cache.invalidate(&entry).await;
        entry = cache.token().await.map_err(error)?;
    }
    let held = match refresh.holds(&entry) {
        Some(held) => held,
        None => match install_kept(core, &entry) {
            Ok(held) => held,
            Err(reason) => {
                // A damaged or planted entry: replace it with a download of our own.
                tracing::warn!(%reason, "refusing the platform keys kept in the token store");
                cache.invalidate(&entry).await;
                let entry = cache.token().await.map_err(error)?;
                match refresh.holds(&entry) {
                    Some(held) => held,
                    None => install_kept(core, &entry)?,
                }
            }
        },
    };
    refresh.refreshes.fetch_add(1, Ordering::AcqRel);
    Ok(held)
}

/// Refreshes when `headers` — of a request anyone could have sent, such as a
/// notification — name a key the signer does not hold but could download, and no such
/// request made it refresh in the last [`UNPROMPTED_REFRESH_INTERVAL`]. `Ok(None)`:
/// nothing done.
pub(crate) async fn refresh_for_headers<P: Platform>(
    core: &Core<P>,
    headers: &HeaderMap,
) -> Result<Option<usize>, String> {
    if P::PLATFORM_KEYS.is_none() {
        return Ok(None);
    }
    let probe = RawResponse {
        status: 200,
        headers: headers.clone(),
        body: Default::default(),
    };
    if !core.signer.names_unknown_key(&probe) {
        return Ok(None);
    }
    {
        let mut last = core
            .key_refresh
            .last_unprompted
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if last.is_some_and(|at| at.elapsed() < UNPROMPTED_REFRESH_INTERVAL) {
            tracing::debug!("a request names an unknown key; refreshed for one recently");
            return Ok(None);
        }
        *last = Some(Instant::now());
    }
    refresh_platform_keys(core, Some("a request naming an unknown key"))
        .await
        .map(Some)
}

/// Installs a download another instance (or an earlier refresh) kept in the store.
fn install_kept<P: Platform>(core: &Core<P>, entry: &AccessToken) -> Result<usize, String> {
    let raw = Kept::read(entry.secret())?;
    let held = core
        .signer
        .install_kept_platform_keys(&raw)
        .map_err(|e| format!("the platform keys kept in the token store: {e}"))?;
    *core.key_refresh.installed() = Some((entry.secret().to_owned(), held));
    Ok(held)
}

/// Downloads for the cache: checked and installed here, before the store shares them.
struct Download<P: Platform> {
    core: Weak<Core<P>>,
}

impl<P: Platform> TokenFetcher for Download<P> {
    fn fetch(&self) -> BoxFuture<'_, Result<AccessToken, TokenError>> {
        Box::pin(async move {
            let core = self
                .core
                .upgrade()
                .ok_or_else(|| TokenError::Provider("the client was dropped".into()))?;
            let source = P::PLATFORM_KEYS
                .ok_or_else(|| TokenError::Provider(format!("{} has no key endpoint", P::NAME)))?;
            let raw = (source.fetch)(&core).await.map_err(TokenError::Provider)?;
            let held = core
                .signer
                .install_platform_keys(&raw)
                .map_err(TokenError::Provider)?;
            let text = Kept::write(&raw);
            *core.key_refresh.installed() = Some((text.clone(), held));
            Ok(AccessToken::expiring_in(text, KEYS_KEPT_FOR))
        })
    }
}

/// A download answer as kept in a token store: status, headers and exact body.
#[derive(Serialize, Deserialize)]
struct Kept {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Kept {
    fn write(raw: &RawResponse) -> String {
        let kept = Kept {
            status: raw.status,
            headers: raw
                .headers
                .iter()
                .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
                .collect(),
            body: STANDARD.encode(&raw.body),
        };
        serde_json::to_string(&kept).unwrap_or_default()
    }

    fn read(text: &str) -> Result<RawResponse, String> {
        let unreadable = |why: String| format!("the platform keys kept in the token store: {why}");
        if text.len() > MAX_KEPT_BYTES {
            return Err(unreadable(format!("{} bytes", text.len())));
        }
        let kept: Kept = serde_json::from_str(text).map_err(|e| unreadable(e.to_string()))?;
        let mut headers = HeaderMap::new();
        for (name, value) in kept.headers {
            let name = HeaderName::try_from(name).map_err(|e| unreadable(e.to_string()))?;
            let value = HeaderValue::try_from(value).map_err(|e| unreadable(e.to_string()))?;
            headers.append(name, value);
        }
        let body = STANDARD
            .decode(kept.body)
            .map_err(|e| unreadable(e.to_string()))?;
        Ok(RawResponse {
            status: kept.status,
            headers,
            body: body.into(),
        })
    }
}

/// Implemented (by generated code) for the endpoint the schema's `platform_keys` names.
pub trait IssuesPlatformKeys: Endpoint {
    /// The request that asks for the keys (it has no required input).
    fn keys_request() -> Self;
}

/// Sends endpoint `E`'s request for the platform's keys and returns its answer as it
/// came, unverified: the signer checks it with the keys it carries.
pub fn fetch_platform_keys<P, E>(core: &Core<P>) -> BoxFuture<'_, Result<RawResponse, String>>
where
    P: Platform,
    E: IssuesPlatformKeys,
{
    Box::pin(async move {
        let request = E::keys_request();
        let wire =
            super::encode::encode(core, &core.signer, &request, None).map_err(|e| e.to_string())?;
        let raw = core
            .transport
            .send::<E::Error>(wire, None, core.transport.limits().json)
            .await
            .map_err(|e| e.to_string())?;
        if !raw.is_success() {
            return Err(format!(
                "{} answered HTTP {}: {}",
                E::NAME,
                raw.status,
                raw.snippet()
            ));
        }
        Ok(raw)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_answer_reads_back_as_it_came() {
        let mut raw = RawResponse::new(200, Some("application/json"), &b"{\"data\":[]}"[..]);
        raw.headers.insert(
            "wechatpay-serial",
            HeaderValue::from_static("D7CE59D1F522D701"),
        );
        let back = Kept::read(&Kept::write(&raw)).unwrap();
        assert_eq!(back.status, 200);
        assert_eq!(back.body, raw.body);
        assert_eq!(back.headers, raw.headers);
    }

    #[test]
    fn a_damaged_entry_is_refused_with_the_reason() {
        let e = Kept::read("{\"status\":200").unwrap_err();
        assert!(e.contains("token store"), "{e}");
        let e = Kept::read(&"x".repeat(MAX_KEPT_BYTES + 1)).unwrap_err();
        assert!(e.contains("bytes"), "{e}");
    }
}
