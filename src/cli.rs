//! The command line: `serve`, `migrate`, `backup`, `user add`, `bench …`.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::access::{Role, passwords, users};
use crate::config::Settings;
use crate::db;
use crate::registry::demo;
use crate::startup::Application;

#[derive(Debug, Parser)]
#[command(name = "strumpavtal", version, about = "Pools training demand across SKO agreements into shared cohorts.")]
pub struct Cli {
    /// A TOML file layered over config/default.toml (environment variables
    /// STRUMPAVTAL__SECTION__KEY override both).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending migrations and serve the API.
    Serve(ServeArgs),
    /// Apply pending migrations and exit.
    Migrate,
    /// Copy the SQLite database, while it serves, to a new file (PostgreSQL: use pg_dump).
    Backup(BackupArgs),
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Benchmarks on generated data (fresh databases; existing data is never touched).
    #[command(subcommand)]
    Bench(BenchCommand),
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Time POST /api/v1/plans and the pure solve on a generated national data set.
    Plan(crate::bench::PlanArgs),
    /// Time the outbox worker delivering e-mail against a bare lettre loop.
    Email(crate::bench::email::EmailArgs),
    /// Fill the configured (empty) database for the load test, bench/load.py.
    Seed(crate::bench::load::SeedArgs),
    /// Serve the load test's baseline: one row read through the same pool.
    Baseline(crate::bench::load::BaselineArgs),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Load the demo data set first if the database is empty, and print demo logins.
    #[arg(long)]
    pub demo: bool,
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The new file to write; an existing file is never overwritten.
    #[arg(long, value_name = "FILE")]
    pub to: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user; the last line printed is the user's new API token.
    Add(UserAddArgs),
}

#[derive(Debug, Args)]
pub struct UserAddArgs {
    #[arg(long)]
    pub email: String,
    #[arg(long, value_enum)]
    pub role: Role,
    /// The organisation number (NNNNNN-NNNN) of an organisation or finance user.
    #[arg(long, value_name = "ORGNR")]
    pub organisation: Option<String>,
    /// Read a password for signing in to the web pages from the first line
    /// of standard input (at least 12 characters).
    #[arg(long)]
    pub password_stdin: bool,
}

pub fn settings(cli: &Cli) -> anyhow::Result<Settings> {
    Settings::load(cli.config.as_deref())
}

pub async fn run(cli: Cli, settings: Settings) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => serve(settings, args).await,
        Command::Migrate => {
            let pool = db::open(&settings.database)?;
            println!("migrations applied; {} is up to date", db::redact(&settings.database.url));
            drop(pool);
            Ok(())
        }
        Command::Backup(args) => {
            let busy_timeout = Duration::from_millis(settings.database.busy_timeout_ms);
            let bytes = db::backup::sqlite_backup(&settings.database.url, &args.to, busy_timeout)?;
            println!("backed up {} to {} ({bytes} bytes)", db::redact(&settings.database.url), args.to.display());
            Ok(())
        }
        Command::User(UserCommand::Add(args)) => {
            // Checked and hashed before the user exists, so a bad password creates nothing.
            let password_hash = if args.password_stdin {
                let mut line = String::new();
                std::io::stdin().read_line(&mut line)?;
                let password = line.trim_end_matches(['\n', '\r']);
                Some(passwords::hash(password).map_err(|e| anyhow::anyhow!("password: {e}"))?)
            } else {
                None
            };
            let pool = db::open(&settings.database)?;
            let mut conn = pool.get()?;
            let new =
                users::NewUser { email: &args.email, role: args.role, organisation: args.organisation.as_deref() };
            // One transaction: the user and its password, or neither.
            let created = db::write_transaction(&mut conn, |conn| {
                let created = users::create(conn, new)?;
                if let Some(hashed) = &password_hash {
                    passwords::store(conn, created.id, hashed)?;
                }
                Ok::<_, crate::error::AppError>(created)
            })
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("created {} user {} (id {})", args.role, created.email, created.id);
            println!("API token (shown once; send it as 'Authorization: Bearer TOKEN'):");
            println!("{}", created.token);
            Ok(())
        }
        Command::Bench(BenchCommand::Plan(args)) => crate::bench::plan(settings, args),
        Command::Bench(BenchCommand::Email(args)) => crate::bench::email::email(settings, args).await,
        Command::Bench(BenchCommand::Seed(args)) => crate::bench::load::seed(&settings, &args),
        Command::Bench(BenchCommand::Baseline(args)) => crate::bench::load::baseline(settings, args).await,
    }
}

async fn serve(settings: Settings, args: ServeArgs) -> anyhow::Result<()> {
    let pool = db::open(&settings.database)?;
    if args.demo {
        let mut conn = pool.get()?;
        let today = chrono::Local::now().date_naive();
        match demo::load_if_empty(&mut conn, today, &settings.agreements).map_err(|e| anyhow::anyhow!("{e}"))? {
            Some(c) => println!(
                "Loaded the demo data: {} organisations, {} agreements, {} courses, {} needs.",
                c.organisations, c.agreements, c.courses, c.needs
            ),
            None => println!("The database already holds data; the demo data set was not loaded again."),
        }
        let logins = demo::logins(&mut conn).map_err(|e| anyhow::anyhow!("{e}"))?;
        println!("\nDemo logins (fresh API tokens; send as 'Authorization: Bearer TOKEN'):");
        for login in &logins.users {
            let of = login.organisation.map(|o| format!(" of {o}")).unwrap_or_default();
            println!("  {:<12} {}{of}\n               {}", login.role.as_str(), login.email, login.token);
        }
        println!("\nWeb pages: sign in with one of the e-mail addresses above and the password {}", logins.password);
    }
    let app = Application::build_with_pool(settings.clone(), pool)?;
    let address = format!("http://{}", display_address(&settings.server.bind, app.port()));
    println!("\nStrumpavtal is listening on {address}");
    println!("  pages:   {address}/login");
    println!("  health:  {address}/health");
    println!("  API:     {address}/api/v1  (OpenAPI: {address}/api/v1/openapi.json)");
    println!("Stop it with Ctrl-C.");
    app.run_until_stopped().await?;
    Ok(())
}

fn display_address(bind: &str, port: u16) -> String {
    let host = bind.rsplit_once(':').map(|(h, _)| h).unwrap_or(bind);
    let host = if host == "0.0.0.0" || host.is_empty() { "127.0.0.1" } else { host };
    format!("{host}:{port}")
}
