//! The worker `serve` starts: it sends due e-mails from the outbox, one
//! claim at a time, and records each outcome. Failures wait out an
//! exponential backoff; after `email.max_attempts` an e-mail is `failed`.
//!
//! Told to stop (the server is shutting down), each sender finishes the
//! e-mail it holds and records the outcome — sent, or queued again after a
//! failure — claims no more, and returns: a graceful stop leaves nothing
//! `sending` for its lease to run out.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use super::outbox::{self, OutboxEmail};
use super::transport::Mailer;
use crate::config::EmailSettings;
use crate::db::{self, DbPool};
use crate::error::AppError;

/// Sends e-mail until `stop` turns true (or the sender side is dropped), with
/// `email.senders` senders side by side: each SMTP delivery spends most of
/// its time waiting on the network, so several at once go faster.
pub async fn run(pool: DbPool, settings: EmailSettings, stop: watch::Receiver<bool>) {
    let mailer = match Mailer::from_settings(&settings) {
        Ok(mailer) => Arc::new(mailer),
        Err(error) => {
            tracing::error!(%error, "e-mail is not sent: the transport cannot be set up");
            return;
        }
    };
    let senders = (0..settings.senders.max(1)).map(|_| sender(&pool, &mailer, &settings, stop.clone()));
    futures_util::future::join_all(senders).await;
    tracing::info!("the e-mail worker stopped");
}

async fn sender(pool: &DbPool, mailer: &Arc<Mailer>, settings: &EmailSettings, mut stop: watch::Receiver<bool>) {
    let idle = Duration::from_millis(settings.poll_interval_ms.max(10));
    while !stopped(&stop) {
        match send_due(pool, mailer, settings, &stop).await {
            Ok(sent) if sent > 0 => continue,
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "the e-mail worker could not read the outbox"),
        }
        // Idle until the next look, or until told to stop.
        let _ = tokio::time::timeout(idle, stop.wait_for(|stop| *stop)).await;
    }
}

/// True once the worker is told to stop, or nobody can tell it any more.
fn stopped(stop: &watch::Receiver<bool>) -> bool {
    *stop.borrow() || stop.has_changed().is_err()
}

/// Sends due e-mails until none is left or `stop` turns true; returns how
/// many it tried. An e-mail it claimed is always recorded before it looks
/// at `stop` again.
pub async fn send_due(
    pool: &DbPool,
    mailer: &Arc<Mailer>,
    settings: &EmailSettings,
    stop: &watch::Receiver<bool>,
) -> Result<usize, AppError> {
    let lease = settings.lease();
    let mut tried = 0;
    while !stopped(stop)
        && let Some(email) = db::run(pool, move |conn| outbox::claim_next(conn, lease)).await?
    {
        let sender = Arc::clone(mailer);
        let (email, outcome) = actix_web::web::block(move || {
            let outcome = sender.send(&email);
            (email, outcome)
        })
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("the send task failed: {e}")))?;
        record(pool, email, outcome, settings).await?;
        tried += 1;
    }
    Ok(tried)
}

async fn record(
    pool: &DbPool,
    email: OutboxEmail,
    outcome: Result<(), String>,
    settings: &EmailSettings,
) -> Result<(), AppError> {
    let (max_attempts, first_backoff) = (settings.max_attempts, settings.first_backoff());
    match outcome {
        Ok(()) => {
            // The address is personal data: the id finds it in the outbox.
            tracing::debug!(id = %email.id, "e-mail sent");
            db::run(pool, move |conn| outbox::mark_sent(conn, email.id)).await
        }
        Err(error) => {
            tracing::warn!(id = %email.id, attempt = email.attempts, %error, "e-mail not sent");
            db::run(pool, move |conn| outbox::mark_failed(conn, &email, &error, max_attempts, first_backoff)).await
        }
    }
}
