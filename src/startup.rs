//! Builds the server from settings and binds its own listener, so tests can
//! run it on port 0 and learn the port.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, middleware, web};

use crate::config::Settings;
use crate::db::{self, DbPool};
use crate::web::{self as http, AppState};

pub struct Application {
    port: u16,
    server: Server,
    pool: DbPool,
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
        let state = web::Data::new(AppState { pool: pool.clone(), settings: Arc::new(settings) });
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .wrap(http::json_error_pages())
                .wrap(middleware::Logger::new("%r %s %Dms").exclude("/health"))
                .configure(http::configure)
        })
        .listen(listener)?;
        if workers > 0 {
            server = server.workers(workers);
        }
        Ok(Self { port, server: server.run(), pool })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn pool(&self) -> &DbPool {
        &self.pool
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
