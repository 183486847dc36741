//! Which handler answers a request: the admin API's router under its prefix, the
//! platforms' handler everywhere else. Platform requests go to their handler directly,
//! not through a router's fallback: nothing there is routed by axum, and skipping it
//! saves every platform request the router's work (its boxed futures and clones).

use crate::admin::PREFIX;
use crate::engine::Shared;
use crate::server::{self};
use axum::body::Body;
use axum::response::Response;
use axum::Router;
use hyper::body::Incoming;
use hyper::Request;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

#[derive(Clone)]
pub(crate) struct App {
    /// The admin API, nested under [`PREFIX`].
    pub admin: Router,
    pub shared: Arc<Shared>,
}

pub(crate) type Answer = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

impl App {
    pub fn call(&self, request: Request<Incoming>) -> Answer {
        let path = request.uri().path();
        let admin = path
            .strip_prefix(PREFIX)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
        if admin {
            // A Router is always ready (its `poll_ready` returns `Ready` at once), so it
            // is called without asking.
            let mut router = self.admin.clone();
            return Box::pin(tower_service::Service::call(&mut router, request));
        }
        let shared = self.shared.clone();
        Box::pin(async move { Ok(server::handle(shared, request.map(Body::new)).await) })
    }
}
