//! The server side of the load test in `bench/load.py`: `bench seed` fills
//! an empty database with the demo or the national data set and makes the
//! bench's coordinator; `bench baseline` serves the baseline the endpoints
//! are compared with.
//!
//! The load itself comes from `wrk`, a separate process, against a real
//! `strumpavtal serve`; these two commands only prepare what it needs.

use actix_web::{App, HttpResponse, HttpServer, web};
use diesel::prelude::*;
use serde::Serialize;

use super::national;
use crate::access::{Role, sessions, users};
use crate::config::Settings;
use crate::db::schema::organisations;
use crate::db::{self, DbPool};
use crate::error::AppError;
use crate::registry::demo;

/// Which data set `bench seed` loads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DataSetName {
    /// The demo data set of `serve --demo` (12 organisations, 68 needs).
    Demo,
    /// The generated national data set of `bench plan` (511 organisations,
    /// 1,500 courses, `--needs` needs).
    National,
}

#[derive(Debug, clap::Args)]
pub struct SeedArgs {
    #[arg(long, value_enum)]
    pub data: DataSetName,
    /// Needs in the national data set (ignored for the demo).
    #[arg(long, default_value_t = 30_000)]
    pub needs: usize,
    /// Seed of the national data set's generator.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// What `bench seed` prints, as one JSON object, for the load script.
#[derive(Debug, Serialize)]
struct Seeded {
    /// An API token of the bench's coordinator.
    coordinator_token: String,
    /// The same coordinator's web session, for the pages (cookie `sp_session`).
    session_cookie: String,
    organisations: usize,
}

/// Runs `bench seed` on the configured database, which must hold no data.
pub fn seed(settings: &Settings, args: &SeedArgs) -> anyhow::Result<()> {
    let pool = db::open(&settings.database)?;
    let mut conn = pool.get()?;
    let existing: i64 = organisations::table.count().get_result(&mut *conn)?;
    if existing > 0 {
        anyhow::bail!(
            "{} already holds {existing} organisations; bench seed only fills an empty database",
            db::redact(&settings.database.url)
        );
    }
    let today = chrono::Local::now().date_naive();
    let organisations = match args.data {
        DataSetName::Demo => demo::load_if_empty(&mut conn, today, &settings.agreements)
            .map_err(anyhow_of)?
            .map_or(0, |loaded| loaded.organisations),
        DataSetName::National => {
            let data = national::generate(args.needs, args.seed, today);
            national::load(&mut conn, &data).map_err(anyhow_of)?;
            data.organisations.len()
        }
    };
    let coordinator = users::create(
        &mut conn,
        users::NewUser { email: "load@strumpavtal.example", role: Role::Coordinator, organisation: None },
    )
    .map_err(anyhow_of)?;
    // A session that outlasts any run, so the pages need no sign-in (whose
    // rate limit would otherwise be what is measured).
    let session_cookie =
        sessions::start(&mut conn, coordinator.id, chrono::Local::now().naive_local(), 24).map_err(anyhow_of)?;
    let seeded = Seeded { coordinator_token: coordinator.token, session_cookie, organisations };
    println!("{}", serde_json::to_string(&seeded)?);
    Ok(())
}

#[derive(Debug, clap::Args)]
pub struct BaselineArgs {
    /// Address and port to listen on.
    #[arg(long, default_value = "127.0.0.1:8090")]
    pub bind: String,
}

/// The one row the baseline answers with.
#[derive(Debug, Serialize, Queryable)]
struct OrganisationRow {
    id: i64,
    org_number: String,
    name: String,
}

/// Runs `bench baseline`: the least an endpoint of this service can do —
/// check a connection out of the same pool (`db::run`, on actix's blocking
/// threads, as every handler does), read one row by primary key and answer
/// it as JSON — with the same worker count as `serve`. No middleware, no
/// authentication, no logging.
pub async fn baseline(settings: Settings, args: BaselineArgs) -> anyhow::Result<()> {
    let pool = db::open(&settings.database)?;
    let first: i64 = {
        let mut conn = pool.get()?;
        organisations::table.select(organisations::id).order(organisations::id).first(&mut *conn)?
    };
    let workers = settings.server.workers;
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(pool.clone()))
            .route("/baseline", web::get().to(move |pool: web::Data<DbPool>| one_row(pool, first)))
    })
    .bind(&args.bind)?;
    if workers > 0 {
        server = server.workers(workers);
    }
    println!("baseline listening on http://{}/baseline", args.bind);
    server.run().await?;
    Ok(())
}

async fn one_row(pool: web::Data<DbPool>, id: i64) -> Result<HttpResponse, AppError> {
    let row: OrganisationRow = db::run(&pool, move |conn| {
        Ok(organisations::table
            .find(id)
            .select((organisations::id, organisations::org_number, organisations::name))
            .first(conn)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(row))
}

fn anyhow_of(error: AppError) -> anyhow::Error {
    anyhow::anyhow!("{error}")
}
