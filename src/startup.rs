//! Builds the server from settings and binds its own listener, so tests can
//! run it on port 0 and learn the port.

use std::net::TcpListener;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, middleware, web};

use futures_util::future::{Either, select};

use crate::access::sign_in_limit::SignInLimiter;
use crate::config::{EmailSettings, Settings};
use crate::db::{self, DbPool};
use crate::email;
use crate::web::{self as http, AppState};

pub struct Application {
    port: u16,
    server: Server,
    pool: DbPool,
    /// Sends the outbox's e-mail while the server runs (`email.worker`).
    email_worker: Option<EmailSettings>,
}

impl Application {
    /// Opens the database (applying migrations) and binds `server.bind`.
    pub fn build(settings: Settings) -> anyhow::Result<Self> {
        let pool = db::connect(
            &settings.database.url,
            settings.database.pool_size,
            Duration::from_millis(settings.database.busy_timeout_ms),
        )?;
        Self::build_with_pool(settings, pool)
    }

    pub fn build_with_pool(settings: Settings, pool: DbPool) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(&settings.server.bind)
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", settings.server.bind))?;
        let port = listener.local_addr()?.port();
        let workers = settings.server.workers;
        let email_worker = settings.email.worker.then(|| settings.email.clone());
        let per_minute = NonZeroU32::new(settings.web.sign_in_attempts_per_minute)
            .ok_or_else(|| anyhow::anyhow!("web.sign_in_attempts_per_minute must be at least 1"))?;
        let sign_in_limiter = Arc::new(SignInLimiter::new(per_minute));
        let state = web::Data::new(AppState { pool: pool.clone(), settings: Arc::new(settings), sign_in_limiter });
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .wrap(http::json_error_pages())
                .wrap(http::security_headers())
                .wrap(middleware::Logger::new("%r %s %Dms").exclude("/health"))
                .configure(http::configure)
        })
        .listen(listener)?;
        if workers > 0 {
            server = server.workers(workers);
        }
        Ok(Self { port, server: server.run(), pool, email_worker })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn pool(&self) -> &DbPool {
        &self.pool
    }

    /// Serves until the server stops; the e-mail worker stops with it.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let Some(email) = self.email_worker else { return self.server.await };
        let worker = Box::pin(email::worker::run(self.pool.clone(), email));
        match select(self.server, worker).await {
            Either::Left((served, _)) => served,
            // The worker only returns when its transport cannot be set up;
            // it has said why, and the API still serves.
            Either::Right(((), server)) => server.await,
        }
    }
}
