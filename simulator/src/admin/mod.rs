//! The admin API: the [`Simulator`] handle's steering over HTTP, on the simulator's
//! own port under [`PREFIX`] (`/_admin/`), so that a backend in any language can test
//! against the simulator (see the `miniapp-simulator` binary).
//!
//! No platform can be served under the prefix: [`SimulatorBuilder::start`] refuses a
//! platform named `_admin` and an endpoint path starting `/_admin/` (no real platform
//! path begins with an underscore). Admin calls are not platform requests: they are
//! not in the request log.
//!
//! Bodies are JSON, read as JSON whatever their `Content-Type` (so `curl -d` works);
//! unknown members are refused. Answers are JSON. A refusal is
//! `{"error": "<why>"}` with a 4xx status: 400 for a body or name that is wrong (an
//! unknown endpoint, a bad outcome, malformed JSON), 404 for an unknown order, trade,
//! refund or admin path, 405 for a route's wrong method, 409 for a state change the
//! state does not allow (paying an order that is paid already, a full failure queue),
//! 408 for a body slower than the body timeout, 413 for a body over 64 KiB.
//!
//! # Routes
//!
//! Always:
//!
//! | Route | Body | Answer |
//! |---|---|---|
//! | `GET /_admin/health` | | `{"ok": true, "base_url", "admin_url", "merchant_id", "platforms": [{"name", "url", "app_id", "endpoints"}], "connections": {"open", "limit", "timed_out"}, "log": {"requests", "bytes", "limits": {"requests", "bytes", "body_bytes"}}, "merchants": {"wechatpay": {"orders", "refunds"}, "wechatpay_v3": {"orders", "refunds"}, "alipay": {"trades", "refunds"}}}` (`endpoints`: how many it serves; `timed_out`: connections closed for being too slow; a merchant only when served) |
//! | `GET /_admin/requests[?endpoint=NAME][&after=ID][&limit=N]` | | one page of the log, oldest first, secrets masked: `{"count", "requests": [...], "next"}` — `requests` in the shape of [`RecordedRequest`]'s `Serialize` (each with its `id`), at most `limit` of them (default 100, at most 1000) and about 4 MiB; `count`: how many kept requests match, on every page; `next`: the path of the next page (`…?after=<last id>&limit=N[&endpoint=NAME]`), `null` on the last; with `endpoint`, only that endpoint's |
//! | `DELETE /_admin/requests` | | `{"ok": true}`; the same as `POST /_admin/reset` |
//! | `POST /_admin/reset` | | `{"ok": true}`: [`Simulator::reset`] (the log, pending failures and delays; tokens, orders and trades stay) |
//! | `POST /_admin/reset-merchants` | | `{"ok": true}`: [`Simulator::reset_merchants`] (every order, trade and refund, Alipay's used auth codes and refresh tokens; the log, tokens, failures and delays stay) |
//! | `POST /_admin/fail-next` | `{"endpoint": NAME, "code": 40029 or "ORDERPAID", "times": 1}` (`times` 0 to 10,000, default 1) | `{"endpoints": ["wechat:auth.code2Session"]}`, every endpoint the name stands for: [`Simulator::try_fail_next`] |
//! | `POST /_admin/delay` | `{"endpoint": NAME, "ms": 1500}` (at most 60,000; `0` removes it) | `{"endpoints": [...], "ms": 1500}`: [`Simulator::try_set_delay`] |
//! | `POST /_admin/expire-tokens` | | `{"ok": true}`: [`Simulator::expire_tokens`] |
//!
//! `NAME` is an endpoint's doc name, bare (`auth.code2Session`: every platform that has
//! it) or qualified with the platform (`wechat:auth.code2Session`); a name no served
//! endpoint has answers 400.
//!
//! A `fail-next` code must be one the platform can answer: where codes are integers
//! (WeChat, Baidu, Jucai) a JSON integer or a string of digits (`"40029"`); where they
//! are text (WeChat Pay, Alipay) a non-empty string of at most 64 bytes, or an integer.
//! A bare name standing for endpoints of both kinds takes integers only. Anything else
//! answers 400 naming the endpoints; so do `times` above 10,000 and `ms` above 60,000.
//! At most 100 runs of failures (a code and its count; the same code again lengthens
//! the last run) wait per endpoint: a 101st answers 409.
//!
//! With WeChat Pay served (feature `wechatpay`), see [`wechatpay`](super::wechatpay):
//!
//! | Route | Body | Answer |
//! |---|---|---|
//! | `GET /_admin/wechatpay/orders[?offset=N][&limit=M]` | | `{"orders": [Order, ...], "count", "next"}` ([`Order`](super::wechatpay::Order) as JSON, amounts in fen), a page as below |
//! | `GET /_admin/wechatpay/orders/{out_trade_no}` | | the `Order`, or 404 |
//! | `POST /_admin/wechatpay/orders/{out_trade_no}/pay` | | the notification sent, `{"url", "sent", "status", "reply", "acknowledged"}`: [`Simulator::pay_order`]; 404 unknown, 409 not `NOTPAY` |
//! | `GET /_admin/wechatpay/refunds[?offset=N][&limit=M]` | | `{"refunds": [Refund, ...], "count", "next"}` |
//! | `GET /_admin/wechatpay/refunds/{out_refund_no}` | | the `Refund`, or 404 |
//! | `POST /_admin/wechatpay/refunds/{out_refund_no}/settle` | `{"outcome": "SUCCESS" or "CHANGE" or "REFUNDCLOSE"}` | the notification sent, as for `pay`: [`Simulator::settle_refund`]; 404 unknown, 409 settled already |
//!
//! With WeChat Pay API v3 served (feature `wechatpay_v3`), see
//! [`wechatpay_v3`](super::wechatpay_v3):
//!
//! | Route | Body | Answer |
//! |---|---|---|
//! | `GET /_admin/wechatpay_v3/keys` | | what a client needs (published **test** keys): `{"merchant_id", "app_id", "merchant_serial", "merchant_private_key", "wechatpay_public_key_id", "wechatpay_public_key", "api_v3_key", "key_mode", "platform_certificates": [{"serial_no", "effective_time", "expire_time", "pem"}]}` ([`WechatPayV3Keys`](super::wechatpay_v3::WechatPayV3Keys)) |
//! | `GET /_admin/wechatpay_v3/notifications` | | `{"deliveries": [{"id", "attempt", "notified": {"url", "sent", "headers", "status", "reply", "acknowledged"}}, ...]}`: the latest 256 POSTs of notifications, first attempts and resends, oldest first ([`Simulator::wechatpay_v3_deliveries`]) |
//! | `GET /_admin/wechatpay_v3/orders[?offset=N][&limit=M]` | | `{"orders": [Order, ...], "count", "next"}` ([`Order`](super::wechatpay_v3::Order), amounts in fen) |
//! | `GET /_admin/wechatpay_v3/orders/{out_trade_no}` | | the `Order`, or 404 |
//! | `POST /_admin/wechatpay_v3/orders/{out_trade_no}/pay` | | the `TRANSACTION.SUCCESS` notification sent, `{"url", "sent", "headers", "status", "reply", "acknowledged"}`: [`Simulator::pay_wechatpay_v3_order`]; 404 unknown, 409 not `NOTPAY` |
//! | `POST /_admin/wechatpay_v3/orders/{out_trade_no}/probe` | | the signature probe sent (`Wechatpay-Signature: WECHATPAY/SIGNTEST/…`; `acknowledged` must be `false`): [`Simulator::send_wechatpay_v3_probe`] |
//! | `GET /_admin/wechatpay_v3/refunds[?offset=N][&limit=M]` | | `{"refunds": [Refund, ...], "count", "next"}` |
//! | `GET /_admin/wechatpay_v3/refunds/{out_refund_no}` | | the `Refund`, or 404 |
//! | `POST /_admin/wechatpay_v3/refunds/{out_refund_no}/settle` | `{"outcome": "SUCCESS" or "ABNORMAL" or "CLOSED"}` | the `REFUND.*` notification sent: [`Simulator::settle_wechatpay_v3_refund`]; 404 unknown, 409 settled already |
//! | `POST /_admin/wechatpay_v3/rotate-certificate` | | `{"serial_no": the new certificate's, "certificates": [...]}`: [`Simulator::rotate_wechatpay_v3_certificate`]; 409 in public-key mode |
//!
//! With Alipay served (feature `alipay`), see [`alipay`](super::alipay):
//!
//! | Route | Body | Answer |
//! |---|---|---|
//! | `GET /_admin/alipay/trades[?offset=N][&limit=M]` | | `{"trades": [Trade, ...], "count", "next"}` ([`Trade`](super::alipay::Trade) as JSON, amounts in fen), a page as below |
//! | `GET /_admin/alipay/trades/{out_trade_no}` | | the `Trade`, or 404 |
//! | `POST /_admin/alipay/trades/{out_trade_no}/pay` | | the notification sent, `{"url", "sent", "status", "reply", "acknowledged"}`, all `null` but `acknowledged: false` when the trade has no `notify_url` (it is paid, nothing is sent): [`Simulator::pay_alipay_trade`]; 404 unknown, 409 not `WAIT_BUYER_PAY` |
//! | `POST /_admin/alipay/trades/{out_trade_no}/refunds/{out_request_no}/notify` | | the notification sent: [`Simulator::notify_alipay_refund`]; 404 unknown trade or refund, 409 no `notify_url` |
//! | `POST /_admin/alipay/trades/{out_trade_no}/finish` | | the `Trade`, now `TRADE_FINISHED`: [`Simulator::finish_alipay_trade`]; 404 unknown, 409 not `TRADE_SUCCESS` |
//! | `GET /_admin/alipay/refunds[?offset=N][&limit=M]` | | `{"refunds": [Refund, ...], "count", "next"}` |
//!
//! A listing is one page, oldest first: `limit` items (default 100, at most 1000) from
//! the `offset`-th (default 0); `count` is how many are kept, `next` the path of the
//! next page (`null` on the last). Orders evicted between two pages shift the offsets.
//!
//! A provider's routes exist only when its feature is compiled in and the simulator
//! serves it (elsewhere they answer 404 like any unknown admin path).
//!
//! ```text
//! $ curl -s localhost:8900/_admin/fail-next -d '{"endpoint": "wechat:auth.code2Session", "code": 40029}'
//! {"endpoints":["wechat:auth.code2Session"]}
//! $ curl -s -X POST localhost:8900/_admin/wechatpay/orders/order-1/pay
//! {"url":"http://127.0.0.1:8080/pay/notify","sent":"<xml>…</xml>","status":200,"reply":"<xml>…</xml>","acknowledged":true}
//! ```
//!
//! [`Simulator`]: super::Simulator
//! [`SimulatorBuilder::start`]: super::SimulatorBuilder::start
//! [`RecordedRequest`]: super::RecordedRequest
//! [`Simulator::try_fail_next`]: super::Simulator::try_fail_next
//! [`Simulator::try_set_delay`]: super::Simulator::try_set_delay
//! [`Simulator::reset`]: super::Simulator::reset
//! [`Simulator::reset_merchants`]: super::Simulator::reset_merchants
//! [`Simulator::expire_tokens`]: super::Simulator::expire_tokens
//! [`Simulator::pay_order`]: super::Simulator::pay_order
//! [`Simulator::settle_refund`]: super::Simulator::settle_refund
//! [`Simulator::pay_alipay_trade`]: super::Simulator::pay_alipay_trade
//! [`Simulator::pay_wechatpay_v3_order`]: super::Simulator::pay_wechatpay_v3_order
//! [`Simulator::wechatpay_v3_deliveries`]: super::Simulator::wechatpay_v3_deliveries
//! [`Simulator::send_wechatpay_v3_probe`]: super::Simulator::send_wechatpay_v3_probe
//! [`Simulator::settle_wechatpay_v3_refund`]: super::Simulator::settle_wechatpay_v3_refund
//! [`Simulator::rotate_wechatpay_v3_certificate`]: super::Simulator::rotate_wechatpay_v3_certificate
//! [`Simulator::notify_alipay_refund`]: super::Simulator::notify_alipay_refund
//! [`Simulator::finish_alipay_trade`]: super::Simulator::finish_alipay_trade

pub(crate) mod reply;
mod steer;

use super::engine::Platform;
use super::Simulator;
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use reply::Refusal;
use std::sync::Arc;

/// The path prefix of the admin API, reserved: no platform is served under it.
pub const PREFIX: &str = "/_admin";

/// What the admin handlers share: a handle on the simulator's state.
pub(crate) type Sim = Arc<Simulator>;

/// The admin API, to be nested under [`PREFIX`].
pub(super) fn router<S: Clone + Send + Sync + 'static>(sim: Sim) -> Router<S> {
    let mut router = Router::new()
        .route("/health", only(get(steer::health)))
        .route("/requests", only(get(steer::requests).delete(steer::reset)))
        .route("/reset", only(post(steer::reset)))
        .route("/reset-merchants", only(post(steer::reset_merchants)))
        .route("/fail-next", only(post(steer::fail_next)))
        .route("/delay", only(post(steer::delay)))
        .route("/expire-tokens", only(post(steer::expire_tokens)));
    // Each served merchant adds its own routes (paying an order, settling a refund…).
    let merchants: Vec<_> = sim
        .shared
        .platforms
        .iter()
        .filter_map(|p| p.merchant)
        .collect();
    for merchant in merchants {
        router = (merchant.admin)(router);
    }
    router.fallback(no_route).with_state(sim)
}

/// A route whose other methods answer 405 in JSON, as every admin refusal is.
pub(crate) fn only(route: MethodRouter<Sim>) -> MethodRouter<Sim> {
    route.fallback(wrong_method)
}

async fn wrong_method(method: axum::http::Method, uri: axum::http::Uri) -> Refusal {
    Refusal::wrong_method(format!(
        "{PREFIX}{} does not take {method} (the Allow header says what it takes)",
        uri.path()
    ))
}

async fn no_route(method: axum::http::Method, uri: axum::http::Uri) -> Refusal {
    Refusal::not_found(format!(
        "no admin route {method} {PREFIX}{} (the routes are listed in the docs of \
         miniapp_simulator::admin)",
        uri.path()
    ))
}

/// Why a platform cannot be served beside the admin API: it would be under its prefix,
/// by its name (`/<name>/…` is the platform's own prefix) or by an endpoint's path.
pub(super) fn collision(platform: &Platform) -> Option<String> {
    let reserved = PREFIX.trim_start_matches('/');
    if platform.name == reserved {
        return Some(format!(
            "simulator: no platform can be named `{reserved}`: {PREFIX}/ is the admin API's"
        ));
    }
    let under = |path: &str| {
        path.strip_prefix(PREFIX)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    };
    let endpoint = platform.endpoints.iter().find(|e| under(e.path))?;
    Some(format!(
        "simulator: endpoint {} of platform `{}` is at {}, under {PREFIX}/, the admin API's",
        endpoint.name, platform.name, endpoint.path
    ))
}
