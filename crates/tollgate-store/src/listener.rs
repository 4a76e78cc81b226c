//! Hearing of token changes made by other processes on a shared PostgreSQL database.

use crate::{CachedStorage, SqlStorage, StoreError};

impl CachedStorage<SqlStorage> {
    /// This cache hearing of every change to tokens that any process makes in the same
    /// PostgreSQL database: each server instance on a shared database calls this, so that a
    /// token revoked or deleted through one instance is refused by every other as soon as
    /// PostgreSQL's notification arrives, not after the time to live.
    ///
    /// - **How**: triggers in the database (installed by the schema migrations) send a
    ///   notification at the commit of any change to what authentication reads: a token's
    ///   revocation, deletion or limits, a user's role or deletion; changes made with plain SQL
    ///   included. A task listens (`LISTEN`) on a connection of its own, outside the pool, and
    ///   forgets every cached token on each notification.
    /// - **A lost connection**: a notification sent while the listener is disconnected is lost
    ///   (PostgreSQL keeps none for a listener that is gone). So from the moment the listener
    ///   sees its connection fail until it listens again, this cache forgets everything and
    ///   answers every lookup from the database, caching nothing; it reconnects with a
    ///   backoff from 50 ms to 5 s. A connection that dies silently (a network cut with no
    ///   reset) is not seen until the operating system gives up on it: then the time to live
    ///   still bounds how long a change goes unheard.
    /// - **SQLite** has no notifications: this returns the cache unchanged. A SQLite file is
    ///   served by one process, whose own changes are heard in the same call; other processes
    ///   on the same file are seen within the time to live.
    ///
    /// The listener is a task on the tokio runtime this is called on, and stops when this
    /// cache is dropped. Call this after
    /// [`with_time_to_live`](Self::with_time_to_live) and
    /// [`with_capacity`](Self::with_capacity) or before: either order keeps it.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the first `LISTEN` fails: then the cache would have
    /// to trust what it cannot hear.
    pub async fn listen_for_changes(self) -> Result<Self, StoreError> {
        #[cfg(feature = "postgres")]
        if let Some(url) = self.inner().changes_url() {
            let listener = postgres::subscribe(&url).await?;
            // Whatever was cached before the first LISTEN may be stale.
            self.validity().trust();
            let validity = std::sync::Arc::clone(self.validity());
            let task = tokio::spawn(postgres::keep_listening(url, listener, validity));
            return Ok(self.with_listener(task));
        }
        Ok(self)
    }
}

#[cfg(feature = "postgres")]
mod postgres {
    use std::sync::Arc;
    use std::time::Duration;

    use sqlx::postgres::PgListener;

    use crate::cache::Validity;
    use crate::schema::CHANGES_CHANNEL;

    /// The first wait before reconnecting, doubled after each failure up to [`MAX_RETRY_WAIT`].
    const FIRST_RETRY_WAIT: Duration = Duration::from_millis(50);
    const MAX_RETRY_WAIT: Duration = Duration::from_secs(5);

    /// A connection listening on the changes channel. `LISTEN` is in effect when this returns.
    pub(super) async fn subscribe(url: &str) -> Result<PgListener, sqlx::Error> {
        let mut listener = PgListener::connect(url).await?;
        // A lost connection is reported at once rather than silently replaced: this module, not
        // sqlx, decides what a gap in hearing means.
        listener.eager_reconnect(false);
        listener.listen(CHANGES_CHANNEL).await?;
        Ok(listener)
    }

    /// Forgets every cached token on each notification; distrusts the cache from a lost
    /// connection until a new one listens.
    pub(super) async fn keep_listening(
        url: Arc<str>,
        mut listener: PgListener,
        validity: Arc<Validity>,
    ) {
        loop {
            loop {
                match listener.try_recv().await {
                    Ok(Some(_)) => validity.forget_tokens(),
                    Ok(None) => {
                        tracing::warn!("token change listener lost its connection; reconnecting");
                        break;
                    }
                    Err(error) => {
                        tracing::warn!(%error, "token change listener failed; reconnecting");
                        break;
                    }
                }
            }
            validity.distrust();
            drop(listener);
            listener = resubscribe(&url).await;
            validity.trust();
        }
    }

    /// Subscribes again, retrying with a doubling wait until it succeeds.
    async fn resubscribe(url: &str) -> PgListener {
        let mut wait = FIRST_RETRY_WAIT;
        loop {
            match subscribe(url).await {
                Ok(listener) => return listener,
                Err(error) => {
                    tracing::warn!(%error, ?wait, "token change listener cannot reconnect yet")
                }
            }
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(MAX_RETRY_WAIT);
        }
    }
}
