//! Accepting connections: HTTP/1.1 with a timer on every way a client can hold a connection,
//! and a shutdown that ends within its grace period whatever the clients do.
//!
//! `axum::serve` sets no timer at all: a client sending half a request line holds its
//! connection (and a file descriptor) forever, and one idle keep-alive connection makes a
//! graceful shutdown wait forever. Here:
//!
//! - hyper's header-read timer runs whenever a connection waits for a request head, so a
//!   request line or headers sent too slowly close the connection;
//! - a connection with no request in progress for the keep-alive timeout is closed;
//! - on shutdown the listener closes at once, idle connections close, requests in progress
//!   get the grace period to finish, and every connection still open after it is dropped.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tollgate::http::ClientAddr;
use tower::ServiceExt;

/// The timers of a connection's life, and the bound on shutdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionTimers {
    /// How long a client may take to send a request's line and headers.
    pub header_read: Duration,
    /// How long a connection may stay open with no request in progress.
    pub keep_alive: Duration,
    /// How long requests in progress at shutdown may take to finish.
    pub shutdown_grace: Duration,
}

/// Serves `app` on `listener` until `stop` resolves, then shuts down within the grace period.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    timers: ConnectionTimers,
    stop: impl Future<Output = ()>,
) {
    let (closing, closing_seen) = watch::channel(false);
    let mut connections = JoinSet::new();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    connections.spawn(connection(stream, peer, app.clone(), timers, closing_seen.clone()));
                }
                // Out of file descriptors, or a connection reset before it was accepted: the
                // listener itself is fine. Pausing keeps a full descriptor table from turning
                // this loop into a busy spin.
                Err(error) => {
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            // Reaps finished connections so the set holds only open ones.
            Some(_) = connections.join_next() => {}
        }
    }
    drop(listener);
    // Nobody may be waiting for the signal any more; that is fine.
    let _ = closing.send(true);
    let drained = tokio::time::timeout(timers.shutdown_grace, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            open = connections.len(),
            "shutdown grace period over: closing the connections still open"
        );
        connections.shutdown().await;
    }
}

/// One connection, from accept to close.
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    app: Router,
    timers: ConnectionTimers,
    mut closing: watch::Receiver<bool>,
) {
    let activity = Arc::new(Activity::new());
    let service = hyper::service::service_fn({
        let activity = Arc::clone(&activity);
        move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ClientAddr(peer.ip()));
            let in_progress = activity.begin();
            let app = app.clone();
            async move {
                let response = app.oneshot(request).await;
                drop(in_progress);
                response
            }
        }
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(timers.header_read)
        .keep_alive(true);
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    let mut ending = false;
    loop {
        tokio::select! {
            // A connection that failed (reset, timed out, malformed) has nobody to tell.
            _ = connection.as_mut() => return,
            // `graceful_shutdown` closes an idle connection at once, and lets a request in
            // progress finish without keep-alive.
            _ = closing.wait_for(|closing| *closing), if !ending => {
                ending = true;
                connection.as_mut().graceful_shutdown();
            }
            () = activity.idle_for(timers.keep_alive), if !ending => {
                ending = true;
                connection.as_mut().graceful_shutdown();
            }
        }
    }
}

/// Whether a connection has a request in progress, and since when it has had none.
#[derive(Debug)]
struct Activity {
    in_progress: AtomicUsize,
    idle_since: Mutex<Instant>,
}

/// A request in progress; its drop marks the end.
struct InProgress(Arc<Activity>);

impl Drop for InProgress {
    fn drop(&mut self) {
        *self.0.lock() = Instant::now();
        self.0.in_progress.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Activity {
    fn new() -> Self {
        Self {
            in_progress: AtomicUsize::new(0),
            idle_since: Mutex::new(Instant::now()),
        }
    }

    fn begin(self: &Arc<Self>) -> InProgress {
        self.in_progress.fetch_add(1, Ordering::AcqRel);
        InProgress(Arc::clone(self))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Instant> {
        // An `Instant` is valid whatever a panicking holder was doing.
        self.idle_since
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Resolves once no request has been in progress for `limit`.
    async fn idle_for(&self, limit: Duration) {
        loop {
            // Read the count first: a request ends by setting the time, then the count, so a
            // count of zero seen here comes with that request's end time.
            let idle = self.in_progress.load(Ordering::Acquire) == 0;
            let deadline = *self.lock() + limit;
            if idle && Instant::now() >= deadline {
                return;
            }
            // With a request in progress, its end is a limit away at the earliest.
            let wake = if idle {
                deadline
            } else {
                Instant::now() + limit
            };
            tokio::time::sleep_until(wake).await;
        }
    }
}
