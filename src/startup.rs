//! Builds the server from settings and binds its own listener, so tests can
//! run it on port 0 and learn the port.
//!
//! A graceful stop: on SIGTERM or Ctrl-C (SIGINT) the server stops accepting
//! connections and finishes the requests in flight, while the e-mail worker
//! finishes and records the e-mails it is sending; both get
//! `server.shutdown_timeout_seconds`.

use std::net::TcpListener;
use std::num::NonZeroU32;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, middleware, web};

use futures_util::future::{Either, join, select};
use tokio::sync::watch;

use crate::access::sign_in_limit::SignInLimiter;
use crate::config::{EmailSettings, Settings};
use crate::db::{self, DbPool};
use crate::email;
use crate::telemetry::metrics::Metrics;
use crate::web::cache::AnswerCache;
use crate::web::{self as http, AppState};

pub struct Application {
    port: u16,
    server: Server,
    pool: DbPool,
    /// Sends the outbox's e-mail while the server runs (`email.worker`).
    email_worker: Option<EmailSettings>,
    shutdown_timeout: Duration,
}

impl Application {
    /// Opens the database (applying migrations) and binds `server.bind`.
    pub fn build(settings: Settings) -> anyhow::Result<Self> {
        let pool = db::open(&settings.database)?;
        Self::build_with_pool(settings, pool)
    }

    pub fn build_with_pool(settings: Settings, pool: DbPool) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(&settings.server.bind)
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", settings.server.bind))?;
        let port = listener.local_addr()?.port();
        let workers = settings.server.workers;
        let email_worker = settings.email.worker.then(|| settings.email.clone());
        let shutdown_timeout = Duration::from_secs(settings.server.shutdown_timeout_seconds);
        let per_minute = NonZeroU32::new(settings.web.sign_in_attempts_per_minute)
            .ok_or_else(|| anyhow::anyhow!("web.sign_in_attempts_per_minute must be at least 1"))?;
        let sign_in_limiter = Arc::new(SignInLimiter::new(per_minute));
        let answers = Arc::new(AnswerCache::new(settings.server.answer_cache_mb.saturating_mul(1024 * 1024)));
        let state = web::Data::new(AppState {
            pool: pool.clone(),
            settings: Arc::new(settings),
            sign_in_limiter,
            metrics: Metrics::new(),
            heavy: Arc::default(),
            answers,
        });
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .wrap(http::json_error_pages())
                .wrap(http::security_headers())
                .wrap(middleware::Logger::new("%r %s %Dms").exclude("/health").exclude("/metrics"))
                // Outermost: counts the status the client gets, timed until the answer's head.
                .wrap(middleware::from_fn(http::metrics::record))
                .configure(http::configure)
        })
        // Without it, the kernel holds back a write smaller than a segment
        // while an earlier one is unacknowledged, and the client delays its
        // acknowledgement (40 ms on Linux): an answer sent in pieces (see
        // `web::encoding::Slices`) waited that long for its last piece.
        .on_connect(|connection, _| {
            if let Some(tcp) = connection.downcast_ref::<actix_web::rt::net::TcpStream>() {
                let _ = tcp.set_nodelay(true);
            }
        })
        // Signals are handled below, so that Ctrl-C stops as gently as
        // SIGTERM (actix would drop requests in flight on SIGINT).
        .disable_signals()
        .shutdown_timeout(shutdown_timeout.as_secs())
        .listen(listener)?;
        if workers > 0 {
            server = server.workers(workers);
        }
        Ok(Self { port, server: server.run(), pool, email_worker, shutdown_timeout })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn pool(&self) -> &DbPool {
        &self.pool
    }

    /// Serves until SIGTERM or Ctrl-C (or until the server fails), then
    /// stops gracefully: requests in flight are answered and e-mails being
    /// sent are recorded before this returns.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let Self { server, pool, email_worker, shutdown_timeout, .. } = self;
        let handle = server.handle();
        let (stop, stopped) = watch::channel(false);
        let serve = async move {
            let served = match select(server, pin!(shutdown_signal())).await {
                Either::Left((served, _)) => served,
                Either::Right(((), server)) => {
                    tracing::info!("stopping: finishing the requests and e-mails in flight");
                    stop.send_replace(true);
                    // Stops accepting at once; the server's future ends when
                    // the requests in flight are answered or the timeout passes.
                    drop(handle.stop(true));
                    server.await
                }
            };
            stop.send_replace(true);
            served
        };
        let send = async move {
            let Some(email) = email_worker else { return };
            let mut told = stopped.clone();
            let deadline = async move {
                let _ = told.wait_for(|stop| *stop).await;
                tokio::time::sleep(shutdown_timeout).await;
            };
            // The worker only returns early when its transport cannot be set
            // up; it has said why, and the API still serves.
            if let Either::Right(_) = select(pin!(email::worker::run(pool, email, stopped)), pin!(deadline)).await {
                tracing::warn!(
                    "the e-mail worker did not finish within server.shutdown_timeout_seconds; \
                     the e-mails it holds are sent again when their lease runs out"
                );
            }
        };
        let (served, ()) = join(serve, send).await;
        tracing::info!("stopped");
        served
    }
}

/// Resolves on the first SIGTERM or SIGINT (Ctrl-C).
async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut terminate) => {
                terminate.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    select(pin!(interrupt), pin!(terminate)).await;
}
