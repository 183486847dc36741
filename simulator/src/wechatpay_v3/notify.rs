//! The notifications API v3 POSTs to a merchant: a JSON envelope whose `resource` is
//! sealed with the APIv3 key (`AEAD_AES_256_GCM`, associated data its
//! `original_type`), signed like an answer in `Wechatpay-Timestamp/Nonce/Serial/
//! Signature` with `Wechatpay-Signature-Type: WECHATPAY2-SHA256-RSA2048`.
//!
//! Public docs: <https://pay.weixin.qq.com/wiki/doc/apiv3/wechatpay/wechatpay4_2.shtml>.

use super::books::Books;
use super::keys::Setup;
use super::refund::notification_resource;
use super::trade::transaction;
use super::{keys::rfc3339, WechatPayV3KeyMode, WechatPayV3SteerError};
use crate::delivery::{self, Notified};
use crate::engine::{Shared, State};
use miniapp::__private::RawResponse;
use miniapp::runtime::signers::wechatpay_v3::{header, PROBE_PREFIX, SCHEME};
use miniapp::runtime::signers::{Signer, WechatPayV3};
use miniapp::wechatpay_v3::refund::RefundStatus;
use rand::distributions::{Alphanumeric, DistString};
use rand::Rng;
use serde::Serialize;
use std::sync::{Arc, Weak};
use std::time::SystemTime;

/// The envelope, its members in the order WeChat Pay writes them.
#[derive(Serialize)]
struct Envelope<'a> {
    id: String,
    create_time: String,
    resource_type: &'static str,
    event_type: &'a str,
    summary: &'a str,
    resource: Resource<'a>,
}

#[derive(Serialize)]
struct Resource<'a> {
    original_type: &'a str,
    algorithm: &'static str,
    ciphertext: String,
    associated_data: &'a str,
    nonce: String,
}

/// A notification ready to go: where, the body, its headers.
#[derive(Clone)]
pub(super) struct Letter {
    /// The envelope's `id`: the same on every resend.
    id: String,
    url: String,
    body: String,
    headers: Vec<(String, String)>,
    /// A signature probe: never resent.
    probe: bool,
}

/// Redeliveries waiting at most: beyond this an unacknowledged notification is not
/// resent (a merchant that never answers must not make the simulator grow).
pub(super) const MAX_PENDING: usize = 1_000;

impl Letter {
    /// POSTs it; a 2xx reply (200 or 204, whatever the body) acknowledges it.
    async fn post(self) -> Notified {
        delivery::deliver_with(
            self.url,
            "application/json",
            self.headers,
            self.body,
            |_| true,
        )
        .await
    }

    /// POSTs it, records the delivery, and when the merchant did not acknowledge it,
    /// resends it on the redelivery schedule, signed afresh each time (a timestamp
    /// older than 5 minutes would be refused), until acknowledged.
    pub(super) async fn deliver(self, shared: &Arc<Shared>) -> Notified {
        let first = self.clone().post().await;
        record(shared, &self.id, 1, &first);
        if !first.acknowledged && !self.probe {
            redeliver(Arc::downgrade(shared), self);
        }
        first
    }
}

/// Keeps a delivery in the merchant's bounded history.
fn record(shared: &Shared, id: &str, attempt: u32, notified: &Notified) {
    let mut state = shared.lock();
    if let Some(books) = state.merchants.get_mut::<Books>() {
        books.record_delivery(super::Delivery {
            id: id.to_owned(),
            attempt,
            notified: notified.clone(),
        });
    }
}

/// Resends an unacknowledged notification in the background on the schedule. Holds
/// only a weak handle between attempts: a simulator that stops ends its resends.
fn redeliver(weak: Weak<Shared>, letter: Letter) {
    let Some(shared) = weak.upgrade() else {
        return;
    };
    let schedule = match shared.fixed.get::<Setup>() {
        Some(setup) if !setup.redelivery.is_empty() => setup.redelivery.clone(),
        _ => return,
    };
    {
        let mut state = shared.lock();
        let Some(books) = state.merchants.get_mut::<Books>() else {
            return;
        };
        if books.pending >= MAX_PENDING {
            tracing::warn!(id = %letter.id, "miniapp simulator: too many notifications waiting; this one is not resent");
            return;
        }
        books.pending += 1;
    }
    drop(shared);
    tokio::spawn(async move {
        for (n, delay) in schedule.iter().enumerate() {
            tokio::time::sleep(*delay).await;
            let Some(shared) = weak.upgrade() else {
                return;
            };
            let resent = {
                let mut state = shared.lock();
                resign(&shared, &mut state, &letter)
            };
            let Ok(resent) = resent else { break };
            let attempt = u32::try_from(n + 2).unwrap_or(u32::MAX);
            let notified = resent.post().await;
            record(&shared, &letter.id, attempt, &notified);
            if notified.acknowledged {
                break;
            }
        }
        if let Some(shared) = weak.upgrade() {
            let mut state = shared.lock();
            if let Some(books) = state.merchants.get_mut::<Books>() {
                books.pending = books.pending.saturating_sub(1);
            }
        }
    });
}

/// The same notification with fresh signature headers.
fn resign(
    shared: &Shared,
    state: &mut State,
    letter: &Letter,
) -> Result<Letter, WechatPayV3SteerError> {
    let setup = shared
        .fixed
        .get::<Setup>()
        .ok_or(WechatPayV3SteerError::NotServed)?;
    let headers = sign_headers(setup, state, &letter.body)?;
    Ok(Letter {
        headers,
        ..letter.clone()
    })
}

/// The cipher notifications and platform certificates are sealed with.
pub(super) const ALGORITHM: &str = "AEAD_AES_256_GCM";

/// 12 random characters: a GCM nonce as WeChat Pay writes them.
pub(super) fn nonce12() -> String {
    Alphanumeric.sample_string(&mut rand::thread_rng(), 12)
}

/// The `TRANSACTION.SUCCESS` notification of an order as it stands; `probe`: with a
/// signature probe instead of a signature.
pub(super) fn payment(
    shared: &Shared,
    state: &mut State,
    out_trade_no: &str,
    probe: bool,
) -> Result<Letter, WechatPayV3SteerError> {
    let books = state
        .merchants
        .get::<Books>()
        .ok_or(WechatPayV3SteerError::NotServed)?;
    let entry = books
        .order(out_trade_no)
        .ok_or_else(|| WechatPayV3SteerError::UnknownOrder(out_trade_no.to_owned()))?;
    let order = books.snapshot(entry);
    let resource = serde_json::to_value(transaction(&order, &shared.merchant_id))
        .map_err(|e| WechatPayV3SteerError::Internal(e.to_string()))?;
    let event = Event {
        event_type: "TRANSACTION.SUCCESS",
        summary: "支付成功",
        original_type: "transaction",
    };
    seal(shared, state, order.notify_url, &event, &resource, probe)
}

/// The `REFUND.*` notification of a settled refund.
pub(super) fn refund(
    shared: &Shared,
    state: &mut State,
    out_refund_no: &str,
) -> Result<Letter, WechatPayV3SteerError> {
    let books = state
        .merchants
        .get::<Books>()
        .ok_or(WechatPayV3SteerError::NotServed)?;
    let entry = books
        .refund(out_refund_no)
        .ok_or_else(|| WechatPayV3SteerError::UnknownRefund(out_refund_no.to_owned()))?;
    let refund = entry.refund.clone();
    let url = match &refund.notify_url {
        Some(url) => url.clone(),
        None => books
            .order(&refund.out_trade_no)
            .map(|e| e.order.notify_url.clone())
            .ok_or_else(|| WechatPayV3SteerError::UnknownOrder(refund.out_trade_no.clone()))?,
    };
    let (event_type, summary) = match refund.status {
        RefundStatus::Success => ("REFUND.SUCCESS", "退款成功"),
        RefundStatus::Abnormal => ("REFUND.ABNORMAL", "退款异常"),
        _ => ("REFUND.CLOSED", "退款关闭"),
    };
    let event = Event {
        event_type,
        summary,
        original_type: "refund",
    };
    let resource = notification_resource(&refund, &shared.merchant_id)
        .map_err(WechatPayV3SteerError::Internal)?;
    seal(shared, state, url, &event, &resource, false)
}

struct Event {
    event_type: &'static str,
    summary: &'static str,
    original_type: &'static str,
}

/// Seals the resource, writes the envelope, signs it with the key the mode picks for
/// notifications (mixed mode alternates, as notifications switch gradually during a
/// migration).
fn seal(
    shared: &Shared,
    state: &mut State,
    url: String,
    event: &Event,
    resource: &serde_json::Value,
    probe: bool,
) -> Result<Letter, WechatPayV3SteerError> {
    let setup = shared
        .fixed
        .get::<Setup>()
        .ok_or(WechatPayV3SteerError::NotServed)?;
    let internal = |e: String| WechatPayV3SteerError::Internal(e);
    let nonce = nonce12();
    let ciphertext = setup
        .api_v3_key
        .encrypt(&nonce, event.original_type, resource.to_string().as_bytes())
        .map_err(|e| internal(e.to_string()))?;
    let id: u64 = rand::thread_rng().gen_range(0..10_000_000_000_000_000);
    let envelope = Envelope {
        id: format!("EV-{id:019}"),
        create_time: rfc3339(SystemTime::now()),
        resource_type: "encrypt-resource",
        event_type: event.event_type,
        summary: event.summary,
        resource: Resource {
            original_type: event.original_type,
            algorithm: ALGORITHM,
            ciphertext,
            associated_data: event.original_type,
            nonce,
        },
    };
    let id = envelope.id.clone();
    let body = serde_json::to_string(&envelope).map_err(|e| internal(e.to_string()))?;
    let mut headers = sign_headers(setup, state, &body)?;
    if probe {
        // Not base64 at all, as WeChat Pay's probes are not: a verifier must refuse it
        // without tripping over it.
        let junk = Alphanumeric.sample_string(&mut rand::thread_rng(), 32);
        for (name, value) in &mut headers {
            if name == "Wechatpay-Signature" {
                *value = format!("{PROBE_PREFIX}{junk}");
            }
        }
    }
    Ok(Letter {
        id,
        url,
        body,
        headers,
        probe,
    })
}

/// The signature headers of a notification's body, with the key the mode picks.
fn sign_headers(
    setup: &super::Setup,
    state: &mut State,
    body: &str,
) -> Result<Vec<(String, String)>, WechatPayV3SteerError> {
    if let Some(books) = state.merchants.get_mut::<Books>() {
        books.notifications += 1;
    }
    let signer = notification_signer(setup, state);
    let mut raw = RawResponse::new(200, None, body.to_owned());
    signer
        .sign_answer(&mut raw)
        .map_err(WechatPayV3SteerError::Internal)?;
    let mut headers: Vec<(String, String)> = [
        header::TIMESTAMP,
        header::NONCE,
        header::SERIAL,
        header::SIGNATURE,
    ]
    .iter()
    .filter_map(|name| {
        let value = raw.headers.get(*name)?.to_str().ok()?;
        Some((display(name), value.to_owned()))
    })
    .collect();
    headers.push((display(header::SIGNATURE_TYPE), SCHEME.to_owned()));
    Ok(headers)
}

/// The key a notification is signed with: the public key, the newest certificate, or
/// in mixed mode each in turn.
fn notification_signer<'a>(setup: &'a super::Setup, state: &'a State) -> &'a WechatPayV3 {
    let books = state.merchants.get::<Books>();
    let certificate = books
        .and_then(Books::signing_certificate)
        .map(|c| &c.signer);
    let notifications = books.map_or(0, |b| b.notifications);
    match (setup.mode, certificate) {
        (WechatPayV3KeyMode::Certificate, Some(signer)) => signer,
        (WechatPayV3KeyMode::Mixed, Some(signer)) if notifications % 2 == 0 => signer,
        _ => &setup.public_key,
    }
}

/// A header's name as WeChat Pay writes it (`Wechatpay-Serial`).
fn display(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}
