//! Starts the real application on port 0 with a fresh database of its own:
//! an SQLite file in a temporary folder, and — when `TEST_DATABASE_URL` names
//! a PostgreSQL server — a freshly created PostgreSQL database, dropped
//! afterwards. Every test runs its body once per backend.

use std::time::Duration;

use diesel::pg::PgConnection;
use diesel::{Connection, RunQueryDsl};
use rand::RngCore;
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use strumpavtal::access::{Role, users};
use strumpavtal::config::Settings;
use strumpavtal::db::DbPool;
use strumpavtal::registry::term::Term;
use strumpavtal::startup::Application;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// SQLite always; PostgreSQL too when `TEST_DATABASE_URL` is set.
pub fn backends() -> Vec<Backend> {
    let mut backends = vec![Backend::Sqlite];
    if std::env::var("TEST_DATABASE_URL").is_ok_and(|url| !url.is_empty()) {
        backends.push(Backend::Postgres);
    }
    backends
}

/// A database that exists for one test.
pub struct TestDatabase {
    pub url: String,
    backend: Backend,
    // Keeps the SQLite file's folder alive; removed on drop.
    _dir: Option<tempfile::TempDir>,
    postgres_admin_url: Option<String>,
    postgres_name: Option<String>,
}

impl TestDatabase {
    pub fn create(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temporary folder");
                let url = format!("sqlite://{}/test.sqlite", dir.path().display());
                Self { url, backend, _dir: Some(dir), postgres_admin_url: None, postgres_name: None }
            }
            Backend::Postgres => {
                let admin = std::env::var("TEST_DATABASE_URL").expect("TEST_DATABASE_URL");
                let mut suffix = [0u8; 8];
                rand::rng().fill_bytes(&mut suffix);
                let name = format!("strumpavtal_test_{}", hex::encode(suffix));
                let mut conn = PgConnection::establish(&admin).expect("connect to TEST_DATABASE_URL");
                diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut conn).expect("create test database");
                let base = admin.split('?').next().unwrap_or(&admin);
                let (server, _) = base.rsplit_once('/').expect("TEST_DATABASE_URL names a database");
                Self {
                    url: format!("{server}/{name}"),
                    backend,
                    _dir: None,
                    postgres_admin_url: Some(admin),
                    postgres_name: Some(name),
                }
            }
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let (Some(admin), Some(name)) = (&self.postgres_admin_url, &self.postgres_name)
            && let Ok(mut conn) = PgConnection::establish(admin)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn);
        }
    }
}

pub struct TestApp {
    pub address: String,
    pub backend: Backend,
    pub pool: DbPool,
    pub client: reqwest::Client,
    /// A coordinator's token.
    pub token: String,
    pub settings: Settings,
}

pub fn test_settings(url: &str) -> Settings {
    let mut settings = Settings::load(None).expect("default settings");
    settings.server.bind = "127.0.0.1:0".into();
    settings.server.workers = 1;
    settings.database.url = url.into();
    settings.database.pool_size = 4;
    // Tests about e-mail start a worker with an SMTP server of their own;
    // the others leave what they queue in the outbox table.
    settings.email.worker = false;
    settings
}

/// An HTTP client for a server under test. It drops a connection idle for
/// 2 s, before the server's keep-alive (actix-web's 5 s) closes it: a request
/// sent on a connection just as the server closes it fails with
/// `IncompleteMessage`, as it did in CI after a browser journey's pause.
pub fn http_client() -> reqwest::ClientBuilder {
    reqwest::Client::builder().pool_idle_timeout(Duration::from_secs(2))
}

/// Starts the application on a database (migrating it) and makes a coordinator.
pub async fn spawn_on(database: &TestDatabase) -> TestApp {
    spawn_with(database, |_| {}).await
}

/// As `spawn_on`, with the test settings changed by `adjust` first.
pub async fn spawn_with(database: &TestDatabase, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let mut settings = test_settings(&database.url);
    adjust(&mut settings);
    let app = Application::build(settings.clone()).expect("application starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let pool = app.pool().clone();
    tokio::spawn(app.run_until_stopped());
    let client = http_client().timeout(Duration::from_secs(30)).build().unwrap();
    let mut test_app = TestApp { address, backend: database.backend(), pool, client, token: String::new(), settings };
    test_app.token = test_app.user(Role::Coordinator, None);
    test_app
}

/// One fresh application per backend; the databases live as long as the apps.
pub async fn spawn_apps() -> Vec<(TestApp, TestDatabase)> {
    let mut apps = Vec::new();
    for backend in backends() {
        let database = TestDatabase::create(backend);
        apps.push((spawn_on(&database).await, database));
    }
    apps
}

impl TestApp {
    /// Creates a user and returns its token.
    pub fn user(&self, role: Role, organisation: Option<&str>) -> String {
        let mut conn = self.pool.get().expect("connection");
        let mut suffix = [0u8; 6];
        rand::rng().fill_bytes(&mut suffix);
        let email = format!("{}-{}@test.example", role.as_str(), hex::encode(suffix));
        users::create(&mut conn, users::NewUser { email: &email, role, organisation }).expect("user").token
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get_as(&self, token: &str, path: &str) -> Response {
        self.client.get(self.url(path)).bearer_auth(token).send().await.expect("request")
    }

    pub async fn get(&self, path: &str) -> Response {
        self.get_as(&self.token, path).await
    }

    pub async fn post_as(&self, token: &str, path: &str, body: &Value) -> Response {
        self.client.post(self.url(path)).bearer_auth(token).json(body).send().await.expect("request")
    }

    pub async fn post(&self, path: &str, body: &Value) -> Response {
        self.post_as(&self.token, path, body).await
    }

    pub async fn post_raw(&self, path: &str, content_type: &str, body: impl Into<reqwest::Body>) -> Response {
        self.client
            .post(self.url(path))
            .bearer_auth(&self.token)
            .header("Content-Type", content_type)
            .body(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn patch_as(&self, token: &str, path: &str, body: &Value) -> Response {
        self.client.patch(self.url(path)).bearer_auth(token).json(body).send().await.expect("request")
    }

    pub async fn patch(&self, path: &str, body: &Value) -> Response {
        self.patch_as(&self.token, path, body).await
    }

    pub async fn delete_as(&self, token: &str, path: &str) -> Response {
        self.client.delete(self.url(path)).bearer_auth(token).send().await.expect("request")
    }

    /// The JSON array at `path`, as the coordinator sees it.
    pub async fn list(&self, path: &str) -> Vec<Value> {
        let response = self.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "{:?} GET {path}", self.backend);
        response.json::<Vec<Value>>().await.expect("a JSON array")
    }

    /// Registers an organisation and returns its id.
    pub async fn organisation(&self, org_number: &str, name: &str, employees: i64) -> i64 {
        let response = self
            .post(
                "/api/v1/organisations",
                &json!({
                    "org_number": org_number, "name": name, "kind": "municipality", "employees": employees,
                    "coordinator_email": "kompetens@kommun.example", "finance_email": "ekonomi@kommun.example"
                }),
            )
            .await;
        created_id(response, self.backend).await
    }

    /// An agreement active today, running from January 1 last year for four years.
    pub async fn agreement(&self, organisation_id: i64, reference: &str, pooling: bool) -> i64 {
        let (starts_on, ends_on) = active_period();
        let response = self
            .post(
                "/api/v1/agreements",
                &json!({
                    "organisation_id": organisation_id, "reference": reference, "starts_on": starts_on,
                    "ends_on": ends_on, "budget_ore": 200_000_000, "pooling": pooling
                }),
            )
            .await;
        created_id(response, self.backend).await
    }

    pub async fn course(&self, code: &str, min: i64, max: i64) {
        let response = self
            .post(
                "/api/v1/courses",
                &json!({
                    "code": code, "title": format!("Kurs {code}"), "credits": 3, "min_participants": min,
                    "max_participants": max, "fixed_fee_ore": 12_000_000, "per_participant_fee_ore": 500_000
                }),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED, "{:?} {}", self.backend, response.text().await.unwrap());
    }

    pub async fn need(&self, agreement_id: i64, course: &str, seats: i64, window: (&str, &str)) -> i64 {
        let response = self
            .post(
                "/api/v1/needs",
                &json!({
                    "agreement_id": agreement_id, "course_code": course, "seats": seats,
                    "earliest_term": window.0, "latest_term": window.1
                }),
            )
            .await;
        created_id(response, self.backend).await
    }

    /// Moves a cohort's cancellation deadline, as time passing would.
    pub fn set_cancellation_deadline(&self, cohort: i64, date: &str) {
        let mut conn = self.pool.get().expect("connection");
        let date = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").expect("a date");
        diesel::sql_query("UPDATE cohorts SET cancellation_deadline = $1 WHERE id = $2")
            .bind::<diesel::sql_types::Date, _>(date)
            .bind::<diesel::sql_types::BigInt, _>(cohort)
            .execute(&mut conn)
            .expect("deadline moved");
    }

    /// How many rows a table has, read straight from the database.
    pub fn count(&self, table: &str) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = self.pool.get().expect("connection");
        diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}")).get_result::<Count>(&mut conn).expect("count").n
    }
}

pub async fn created_id(response: Response, backend: Backend) -> i64 {
    let status = response.status();
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(status, StatusCode::CREATED, "{backend:?}: {body}");
    body["id"].as_i64().expect("an id")
}

/// The status and JSON body of a response.
pub async fn answer(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// Four years from January 1 last year: active today.
pub fn active_period() -> (String, String) {
    use chrono::Datelike;
    let year = chrono::Local::now().date_naive().year();
    (format!("{}-01-01", year - 1), format!("{}-12-31", year + 2))
}

/// The first term that has not begun, and the `n`th after it.
pub fn term(n: usize) -> String {
    let first = Term::first_not_begun(chrono::Local::now().date_naive());
    std::iter::successors(Some(first), |t| Some(t.next())).nth(n).unwrap().to_string()
}

pub const SUNDSVALL: &str = "212000-2411";
pub const ANGE: &str = "212000-2387";
pub const TIMRA: &str = "212000-2395";

/// Sundsvall (9 000 employees), Ånge (1 200) and Timrå (1 600), each with an
/// agreement of 2 000 000 kr: (organisation ids, agreement ids), in that order.
pub async fn three_municipalities(app: &TestApp) -> ([i64; 3], [i64; 3]) {
    let orgs = [
        app.organisation(SUNDSVALL, "Sundsvalls kommun", 9_000).await,
        app.organisation(ANGE, "Ånge kommun", 1_200).await,
        app.organisation(TIMRA, "Timrå kommun", 1_600).await,
    ];
    let agreements = [
        app.agreement(orgs[0], "SKO-SUN-01", true).await,
        app.agreement(orgs[1], "SKO-ANG-01", true).await,
        app.agreement(orgs[2], "SKO-TIM-01", true).await,
    ];
    (orgs, agreements)
}

/// A real SMTP server on loopback: aiosmtpd (from PyPI), keeping what it
/// receives as files in a maildir of its own. Stopped when dropped.
pub struct SmtpServer {
    pub port: u16,
    maildir: tempfile::TempDir,
    child: Option<std::process::Child>,
}

impl SmtpServer {
    /// On a port of its own.
    pub fn start() -> Self {
        Self::start_on(free_port())
    }

    pub fn start_on(port: u16) -> Self {
        let maildir = tempfile::tempdir().expect("a maildir");
        let mut server = Self { port, maildir, child: None };
        server.listen();
        server
    }

    /// Starts listening (again), keeping what was received.
    pub fn listen(&mut self) {
        let child = std::process::Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{}", self.port)])
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            // A folder that does not exist yet: the handler makes the maildir's own folders only then.
            .arg(self.maildir.path().join("mail"))
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("python3 -m aiosmtpd starts (pip install aiosmtpd)");
        self.child = Some(child);
        let started = std::time::Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(20), "aiosmtpd did not listen on {}", self.port);
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops listening, as a server that goes down.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Every message received so far, raw.
    pub fn received(&self) -> Vec<Vec<u8>> {
        let new = self.maildir.path().join("mail").join("new");
        let mut files: Vec<_> =
            std::fs::read_dir(&new).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default();
        files.sort();
        files.iter().map(|f| std::fs::read(f).expect("a message")).collect()
    }

    /// Waits until at least `n` messages have arrived, then a little longer
    /// for any that should not come, and returns them all.
    pub async fn wait_for(&self, n: usize) -> Vec<Vec<u8>> {
        let started = std::time::Instant::now();
        while self.received().len() < n {
            assert!(started.elapsed() < Duration::from_secs(30), "{} of {n} e-mails arrived", self.received().len());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        self.received()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A port nothing listens on (the OS's pick, released at once).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port()
}

/// Settings for a worker that sends through `port` and retries quickly.
pub fn smtp_to(settings: &mut Settings, port: u16) {
    use strumpavtal::config::{EmailTransport, SmtpTls};
    settings.email.transport = EmailTransport::Smtp;
    settings.email.smtp_host = "127.0.0.1".into();
    settings.email.smtp_port = port;
    settings.email.smtp_tls = SmtpTls::None;
    settings.email.worker = true;
    settings.email.backoff_seconds = 0.2;
    settings.email.coalesce_seconds = 0.0;
    settings.email.poll_interval_ms = 50;
    settings.email.max_attempts = 30;
}
