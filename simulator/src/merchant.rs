//! Platforms whose answers depend on what happened before (WeChat Pay's orders, Alipay's
//! trades, API v3's refunds) keep a merchant: its books, behind one trait. The engine
//! knows merchants only through it — it makes one per platform that registers one,
//! hands it the calls that passed every generic check, mounts its admin routes, resets
//! it, and reports its counts — and never names a platform.

use super::engine::{Desk, Registration, Reply, Sim, State};
pub(crate) use super::holdings::{Held, Start};
use axum::Router;

/// A platform's merchant.
pub(crate) trait Merchant: Held {
    /// Its books at start, bounded by `start.limits`; `Err` says why it cannot be
    /// served (a setting that does not parse).
    fn start(start: &mut Start<'_>) -> Result<Self, String>
    where
        Self: Sized;
    /// Answers a call that passed every generic check from the books; `None`: the
    /// generic answer (the docs' example).
    fn serve(desk: &mut Desk<'_>) -> Option<Reply>
    where
        Self: Sized;
    /// Adds its routes to the admin API (paying an order, settling a refund…).
    fn admin(router: Router<Sim>) -> Router<Sim>
    where
        Self: Sized;
}

/// How a platform registers merchant `M` with the engine.
pub(crate) fn registration<M: Merchant>() -> Registration {
    Registration {
        start: |start| M::start(start).map(|m| Box::new(m) as Box<dyn Held>),
        serve: M::serve,
        admin: M::admin,
    }
}

impl State {
    /// Merchant `M`'s books, or the simulator's own failure if its platform is not
    /// served (a handler of a platform runs only when it is).
    pub fn merchant<M: Held>(&self) -> Result<&M, Reply> {
        self.merchants.get().ok_or_else(not_served::<M>)
    }
    pub fn merchant_mut<M: Held>(&mut self) -> Result<&mut M, Reply> {
        self.merchants.get_mut().ok_or_else(not_served::<M>)
    }
}

fn not_served<M>() -> Reply {
    Reply::Broken(format!(
        "no merchant {} is served",
        std::any::type_name::<M>()
    ))
}
