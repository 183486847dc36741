//! API v3 on the wire: requests authenticated from their `Authorization` header over
//! what arrived (method, path and query as received, timestamp, nonce, exact body),
//! answers written whole by the runtime's encoder — the status its code is documented
//! with, the body, the `Wechatpay-*` headers signing it — with the key the key mode
//! picks.

use super::books::Books;
use super::{Setup, WechatPayV3KeyMode};
use crate::engine::{Key, Shared, State};
use crate::request::{Incoming, Wire};
use miniapp::__private::{Endpoint, FilledField, Meaning, RawResponse};
use miniapp::runtime::signers::wechatpay_v3::{
    request_message, Authorization, DEFAULT_MAX_SKEW, PUBLIC_KEY_ID_PREFIX,
};
use miniapp::runtime::signers::{Signer, WechatPayV3};
use miniapp::runtime::ResponseKind;
use serde_json::Value;
use std::time::{SystemTime, UNIX_EPOCH};

/// Writes the answer of one endpoint (`miniapp::__private::envelopes::encode::answer`).
type AnswerFn = fn(Value, &WechatPayV3) -> Result<RawResponse, String>;

/// What the simulator needs of an endpoint beyond its `EndpointInfo`: its encoder (the
/// statuses of its codes live in its `Endpoint::ERROR_STATUSES`) and the fields its
/// client fills from the credentials (`appid`, `mchid`), checked against this
/// merchant's.
pub(super) struct Entry {
    pub name: &'static str,
    pub answer: AnswerFn,
    pub filled: &'static [FilledField],
}

fn entry<E>() -> Entry
where
    E: Endpoint<Platform = miniapp::wechatpay_v3::WechatPayV3>,
{
    Entry {
        name: E::NAME,
        answer: miniapp::__private::envelopes::encode::answer::<E>,
        filled: E::FILLED,
    }
}

/// Every endpoint of the generated table (a test checks that none is missing).
pub(super) fn entries() -> [Entry; 12] {
    use miniapp::wechatpay_v3::{bill, certificates, pay, refund};
    [
        entry::<bill::TradeBillRequest>(),
        entry::<bill::FundFlowBillRequest>(),
        entry::<certificates::DownloadRequest>(),
        entry::<pay::JsapiRequest>(),
        entry::<pay::AppRequest>(),
        entry::<pay::H5Request>(),
        entry::<pay::NativeRequest>(),
        entry::<pay::QueryByIdRequest>(),
        entry::<pay::QueryByOutTradeNoRequest>(),
        entry::<pay::CloseRequest>(),
        entry::<refund::CreateRequest>(),
        entry::<refund::QueryRequest>(),
    ]
}

pub(super) fn entry_of(name: &str) -> Option<Entry> {
    entries().into_iter().find(|e| e.name == name)
}

/// The platform's `authenticate` hook.
pub(crate) fn authenticate(
    shared: &Shared,
    _platform: usize,
    incoming: &Incoming,
) -> Result<(), (Meaning, String)> {
    let Some(setup) = shared.fixed.get::<Setup>() else {
        return Err((Meaning::BadSign, "WeChat Pay API v3 is not set up".into()));
    };
    verify(
        setup,
        &shared.merchant_id,
        &incoming.wire,
        SystemTime::now(),
    )
}

/// Checks a request's `Authorization` as WeChat Pay does: this merchant, its
/// certificate's serial, a timestamp within 5 minutes, the signature over the request
/// as received.
pub(super) fn verify(
    setup: &Setup,
    merchant_id: &str,
    wire: &Wire,
    now: SystemTime,
) -> Result<(), (Meaning, String)> {
    let bad = |why: String| (Meaning::BadSign, why);
    let header = wire
        .header("authorization")
        .ok_or_else(|| bad("the request has no Authorization header".into()))?;
    let auth = Authorization::parse(header).map_err(bad)?;
    if auth.mchid != merchant_id {
        return Err(bad(format!(
            "Authorization mchid {:?} is not this simulator's ({merchant_id})",
            bounded(auth.mchid)
        )));
    }
    if !auth.serial_no.eq_ignore_ascii_case(&setup.merchant_serial) {
        return Err(bad(format!(
            "Authorization serial_no {:?} is not the merchant certificate's ({})",
            bounded(auth.serial_no),
            setup.merchant_serial
        )));
    }
    let stale = |why: String| (Meaning::BadTimestamp, why);
    let timestamp: u64 = auth.timestamp.parse().map_err(|_| {
        stale(format!(
            "timestamp {:?} is not Unix seconds",
            bounded(auth.timestamp)
        ))
    })?;
    let now = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let skew = now.abs_diff(timestamp);
    if skew >= DEFAULT_MAX_SKEW.as_secs() {
        return Err(stale(format!(
            "timestamp {timestamp} is {skew} s from the simulator's clock (under {} s allowed)",
            DEFAULT_MAX_SKEW.as_secs()
        )));
    }
    let message = request_message(
        wire.method.as_str(),
        wire.target(),
        auth.timestamp,
        auth.nonce_str,
        &wire.body,
    );
    setup
        .merchant_key
        .verify(&message, auth.signature)
        .map_err(|e| {
            bad(format!(
                "the signature does not verify over `{} {}` and the {}-byte body as received with the merchant's public key ({e})",
                wire.method,
                bounded(wire.target()),
                wire.body.len()
            ))
        })
}

/// Untrusted text short enough for a message.
fn bounded(text: &str) -> String {
    text.chars().take(80).collect()
}

/// The signer of an answer: public-key mode signs with the WeChat Pay public key,
/// certificate mode with the newest certificate, mixed mode with the public key when
/// the request names it in `Wechatpay-Serial` (as WeChat Pay does while a merchant
/// migrates) and with the certificate otherwise.
pub(super) fn answer_signer<'a>(
    setup: &'a Setup,
    state: &'a State,
    wire: &Wire,
) -> &'a WechatPayV3 {
    let asks_public_key = wire
        .header("wechatpay-serial")
        .is_some_and(|s| s.starts_with(PUBLIC_KEY_ID_PREFIX));
    let certificate = state
        .merchants
        .get::<Books>()
        .and_then(Books::signing_certificate)
        .map(|c| &c.signer);
    match (setup.mode, certificate) {
        (WechatPayV3KeyMode::Certificate, Some(signer)) => signer,
        (WechatPayV3KeyMode::Mixed, Some(signer)) if !asks_public_key => signer,
        _ => &setup.public_key,
    }
}

/// The platform's `respond` hook: the runtime's encoder for the endpoint, signed.
pub(crate) fn respond(
    shared: &Shared,
    state: &State,
    key: Key,
    incoming: &Incoming,
    value: Value,
) -> RawResponse {
    let info = shared.info(key);
    let Some(setup) = shared.fixed.get::<Setup>() else {
        return internal("WeChat Pay API v3 is not set up");
    };
    let Some(entry) = entry_of(info.name) else {
        return internal(&format!("no encoder for {}", info.name));
    };
    let env = &shared.platforms[key.0].envelope;
    let refusal = value.get(env.code).is_some() && value.get(env.message).is_some();
    // A success of an endpoint that answers no body is a 204 (the encoder's null).
    let value = match info.response {
        ResponseKind::Empty if !refusal => Value::Null,
        _ => value,
    };
    let signer = answer_signer(setup, state, &incoming.wire);
    (entry.answer)(value, signer).unwrap_or_else(|e| internal(&e))
}

/// The simulator's own failure, unsigned: a 500 that names it.
pub(super) fn internal(why: &str) -> RawResponse {
    let error = miniapp::wechatpay_v3::pay::JsapiError::SystemError {
        message: format!("miniapp simulator bug: {why}"),
    };
    let body = serde_json::json!({
        "code": miniapp::runtime::ApiError::code(&error).to_string(),
        "message": miniapp::runtime::ApiError::message(&error),
    });
    RawResponse::new(500, Some("application/json"), body.to_string())
}

/// An answer outside the endpoints (a bill download's refusal), signed as answers are.
pub(super) fn signed_json(signer: &WechatPayV3, status: u16, body: &Value) -> RawResponse {
    let mut raw = RawResponse::new(status, Some("application/json"), body.to_string());
    match signer.sign_answer(&mut raw) {
        Ok(()) => raw,
        Err(e) => internal(&e),
    }
}
