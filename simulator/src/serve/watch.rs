//! A socket that tells its connection's [`Clock`] of every byte read or written and
//! fails with `TimedOut` when it would wait past the clock's deadline, and the service
//! that tells the clock when a handler runs. Between them a silent or trickling client
//! is closed (see [`Clock`] for which deadline applies when).

use super::app::{self, App};
use super::clock::{Busy, Clock};
use axum::response::Response;
use hyper::body::Incoming;
use hyper::Request;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

pub(crate) struct Watched<S> {
    socket: S,
    clock: Arc<Clock>,
    timer: Pin<Box<Sleep>>,
    /// The clock generation the timer was set for, when the socket began to wait in
    /// it, and the deadline set.
    armed: Option<(u64, Instant, Instant)>,
}

impl<S> Watched<S> {
    pub fn new(socket: S, clock: Arc<Clock>) -> Self {
        Watched {
            socket,
            clock,
            timer: Box::pin(tokio::time::sleep_until(Instant::now())),
            armed: None,
        }
    }

    /// Called when the socket would wait: is the time allowed for this wait over?
    /// (Sets the timer when a new count starts or the allowance changes, so that the
    /// task wakes when it ends.)
    fn expired(&mut self, cx: &mut Context<'_>) -> bool {
        let Some((generation, allowed)) = self.clock.allowance() else {
            return false;
        };
        let since = match self.armed {
            Some((armed, since, _)) if armed == generation => since,
            _ => Instant::now(),
        };
        // A timeout too large for the clock means none (a century will do).
        let far = Duration::from_secs(100 * 365 * 86_400);
        let deadline = since.checked_add(allowed).unwrap_or(since + far);
        if self.armed != Some((generation, since, deadline)) {
            self.timer.as_mut().reset(deadline);
            self.armed = Some((generation, since, deadline));
        }
        if self.timer.as_mut().poll(cx).is_ready() {
            self.clock.expire();
            return true;
        }
        false
    }

    fn waited<T>(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        if self.expired(cx) {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "miniapp simulator: the client was too slow",
            )));
        }
        Poll::Pending
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.socket).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    this.clock.read();
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => this.waited(cx),
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match Pin::new(&mut this.socket).poll_write(cx, buf) {
            Poll::Ready(Ok(n)) => {
                this.clock.wrote();
                Poll::Ready(Ok(n))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => this.waited(cx),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match Pin::new(&mut this.socket).poll_write_vectored(cx, bufs) {
            Poll::Ready(Ok(n)) => {
                this.clock.wrote();
                Poll::Ready(Ok(n))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => this.waited(cx),
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.socket.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.socket).poll_flush(cx) {
            Poll::Pending => this.waited(cx),
            done => done,
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.socket).poll_shutdown(cx) {
            Poll::Pending => this.waited(cx),
            done => done,
        }
    }
}

/// The app, as hyper calls it, with the connection's clock told when a handler runs.
#[derive(Clone)]
pub(crate) struct Tracked {
    pub app: App,
    pub clock: Arc<Clock>,
}

impl hyper::service::Service<Request<Incoming>> for Tracked {
    type Response = Response;
    type Error = Infallible;
    type Future = Answering;

    fn call(&self, request: Request<Incoming>) -> Self::Future {
        let busy = self.clock.begin();
        Answering {
            answer: self.app.call(request),
            busy: Some(busy),
        }
    }
}

/// The app's answer on its way; the handler counts as running until it is ready.
pub(crate) struct Answering {
    answer: app::Answer,
    busy: Option<Busy>,
}

impl Future for Answering {
    type Output = Result<Response, Infallible>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let answer = std::task::ready!(self.answer.as_mut().poll(cx));
        self.busy.take();
        Poll::Ready(answer)
    }
}
