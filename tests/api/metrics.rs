//! Operations (docs/operations.md): `GET /metrics` counts what happened,
//! `log.format = "json"` writes JSON lines, and SIGTERM stops the real
//! binary gracefully — an e-mail being sent is recorded as sent, nothing
//! left `sending`.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use diesel::RunQueryDsl;
use reqwest::StatusCode;
use serde_json::{Value, json};
use strumpavtal::access::Role;
use strumpavtal::db::DbPool;
use strumpavtal::email::outbox::{self, NewEmail};

use crate::helpers::{TestApp, TestDatabase, backends, free_port, spawn_with};
use crate::page_client::PageClient;

/// The value of the series `series` (name and labels exactly as written) in
/// a scrape; 0 when it is not there yet.
pub fn value(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map_or(0.0, |v| v.trim().parse().unwrap_or_else(|_| panic!("a number for {series}: {v}")))
}

pub async fn scrape(app: &TestApp) -> String {
    let response = app.client.get(app.url("/metrics")).send().await.expect("scrape");
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    assert_eq!(content_type, "text/plain; version=0.0.4; charset=utf-8");
    response.text().await.unwrap()
}

const ORG_GET_2XX: &str =
    r#"strumpavtal_http_requests_total{method="GET",route="/api/v1/organisations/{id}",status="2xx"}"#;
const ORG_GET_4XX: &str =
    r#"strumpavtal_http_requests_total{method="GET",route="/api/v1/organisations/{id}",status="4xx"}"#;
const ORG_GET_COUNT: &str =
    r#"strumpavtal_http_request_duration_seconds_count{method="GET",route="/api/v1/organisations/{id}"}"#;
const ORG_POST_2XX: &str =
    r#"strumpavtal_http_requests_total{method="POST",route="/api/v1/organisations",status="2xx"}"#;
const UNMATCHED_4XX: &str = r#"strumpavtal_http_requests_total{method="GET",route="unmatched",status="4xx"}"#;
const METRICS_2XX: &str = r#"strumpavtal_http_requests_total{method="GET",route="/metrics",status="2xx"}"#;

#[tokio::test]
async fn requests_are_counted_once_each_under_their_route_pattern() {
    for (app, _db) in crate::helpers::spawn_apps().await {
        let before = scrape(&app).await;
        assert_eq!(value(&before, ORG_GET_2XX), 0.0);
        let id = app.organisation(crate::helpers::ANGE, "Ånge kommun", 1150).await;
        for _ in 0..3 {
            assert_eq!(app.get(&format!("/api/v1/organisations/{id}")).await.status(), StatusCode::OK);
        }
        assert_eq!(app.get("/api/v1/organisations/987654").await.status(), StatusCode::NOT_FOUND);
        assert_eq!(app.get("/api/v1/no-such-thing/17").await.status(), StatusCode::NOT_FOUND);
        assert_eq!(app.get("/wp-admin/setup-config.php").await.status(), StatusCode::NOT_FOUND);

        let after = scrape(&app).await;
        let backend = app.backend;
        assert_eq!(value(&after, ORG_POST_2XX), 1.0, "{backend:?}: {after}");
        assert_eq!(value(&after, ORG_GET_2XX), 3.0, "{backend:?}");
        assert_eq!(value(&after, ORG_GET_4XX), 1.0, "{backend:?}: the unknown id is a 404 of the same route");
        assert_eq!(value(&after, ORG_GET_COUNT), 4.0, "{backend:?}: every request timed once");
        assert_eq!(value(&after, UNMATCHED_4XX), 2.0, "{backend:?}: addresses no route matches");
        assert_eq!(value(&after, METRICS_2XX), 1.0, "{backend:?}: the first scrape, counted once answered");
        // Raw paths never become labels.
        for raw in [format!("/api/v1/organisations/{id}\""), "987654".into(), "no-such-thing".into(), "wp-admin".into()]
        {
            assert!(!after.contains(&raw), "{backend:?}: {raw} in {after}");
        }
    }
}

fn email(key: &str) -> NewEmail {
    NewEmail {
        idempotency_key: key.to_owned(),
        coalesce_key: None,
        kind: "test",
        organisation_id: None,
        cohort_id: None,
        to: "person@kommun.example".into(),
        subject: format!("Test {key}"),
        html: "<p>Test</p>".into(),
        text: "Test".into(),
    }
}

fn set_status(pool: &DbPool, key: &str, status: &str) {
    let mut conn = pool.get().unwrap();
    diesel::sql_query("UPDATE email_outbox SET status = $1 WHERE idempotency_key = $2")
        .bind::<diesel::sql_types::Text, _>(status)
        .bind::<diesel::sql_types::Text, _>(key)
        .execute(&mut conn)
        .unwrap();
}

#[tokio::test]
async fn the_outbox_depth_is_what_the_database_holds_at_the_scrape() {
    for (app, _db) in crate::helpers::spawn_apps().await {
        let backend = app.backend;
        let empty = scrape(&app).await;
        assert!(empty.contains("strumpavtal_outbox_depth{status=\"queued\"} 0\n"), "{backend:?}: {empty}");
        {
            let mut conn = app.pool.get().unwrap();
            for key in ["a", "b", "c", "d", "e"] {
                outbox::enqueue(&mut conn, email(key), chrono::Duration::zero()).unwrap();
            }
        }
        // Two stay queued; one each is being sent, failed and sent.
        set_status(&app.pool, "c", "sending");
        set_status(&app.pool, "d", "failed");
        set_status(&app.pool, "e", "sent");
        let text = scrape(&app).await;
        assert_eq!(value(&text, r#"strumpavtal_outbox_depth{status="queued"}"#), 2.0, "{backend:?}: {text}");
        assert_eq!(value(&text, r#"strumpavtal_outbox_depth{status="sending"}"#), 1.0, "{backend:?}");
        assert_eq!(value(&text, r#"strumpavtal_outbox_depth{status="failed"}"#), 1.0, "{backend:?}");
        assert!(!text.contains(r#"status="sent""#), "{backend:?}: sent e-mails are not depth");
    }
}

const PLANS_STORED: &str = r#"strumpavtal_plan_runs_total{outcome="stored"}"#;
const PLAN_COUNT: &str = "strumpavtal_plan_duration_seconds_count";

#[tokio::test]
async fn plan_runs_from_the_api_and_the_page_are_timed() {
    for (app, _db) in crate::helpers::spawn_apps().await {
        let backend = app.backend;
        let before = scrape(&app).await;
        assert_eq!((value(&before, PLANS_STORED), value(&before, PLAN_COUNT)), (0.0, 0.0), "{backend:?}");
        let (orgs, agreements) = crate::helpers::three_municipalities(&app).await;
        let _ = orgs;
        app.course("LED100", 2, 20).await;
        for agreement in agreements {
            app.need(agreement, "LED100", 3, (&crate::helpers::term(1), &crate::helpers::term(2))).await;
        }
        let response = app.post("/api/v1/plans", &json!({})).await;
        assert_eq!(response.status(), StatusCode::CREATED, "{backend:?}");
        let one = scrape(&app).await;
        assert_eq!(value(&one, PLANS_STORED), 1.0, "{backend:?}: {one}");
        assert_eq!(value(&one, PLAN_COUNT), 1.0, "{backend:?}");
        assert!(value(&one, "strumpavtal_plan_duration_seconds_sum") > 0.0, "{backend:?}: a run takes time");
        assert_eq!(value(&one, r#"strumpavtal_plan_duration_seconds_bucket{le="+Inf"}"#), 1.0, "{backend:?}");

        // The planning page runs the same planner and is timed the same way.
        let page = PageClient::sign_in(&app, Role::Coordinator, None, "en").await;
        let response = page.post("/plans", &[]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{backend:?}");
        // Someone who may not plan runs nothing.
        let finance = app.user(Role::Finance, Some(crate::helpers::ANGE));
        assert_eq!(app.post_as(&finance, "/api/v1/plans", &json!({})).await.status(), StatusCode::FORBIDDEN);

        let two = scrape(&app).await;
        assert_eq!(value(&two, PLANS_STORED), 2.0, "{backend:?}: {two}");
        assert_eq!(value(&two, PLAN_COUNT), 2.0, "{backend:?}");
        assert_eq!(value(&two, r#"strumpavtal_plan_runs_total{outcome="failed"}"#), 0.0, "{backend:?}");
    }
}

#[tokio::test]
async fn a_metrics_token_is_required_once_set_and_metrics_can_be_turned_off() {
    let token = "scrape-me-with-this-long-token";
    for backend in backends() {
        let database = TestDatabase::create(backend);
        let app = spawn_with(&database, |s| s.metrics.token = Some(token.into())).await;
        let url = app.url("/metrics");
        let none = app.client.get(&url).send().await.unwrap();
        assert_eq!(none.status(), StatusCode::UNAUTHORIZED, "{backend:?}");
        assert_eq!(none.headers()["www-authenticate"], "Bearer");
        // An API token is not the metrics token.
        let api = app.client.get(&url).bearer_auth(&app.token).send().await.unwrap();
        assert_eq!(api.status(), StatusCode::UNAUTHORIZED, "{backend:?}");
        let right = app.client.get(&url).bearer_auth(token).send().await.unwrap();
        assert_eq!(right.status(), StatusCode::OK, "{backend:?}");
        let text = right.text().await.unwrap();
        assert_eq!(
            value(&text, r#"strumpavtal_http_requests_total{method="GET",route="/metrics",status="4xx"}"#),
            2.0,
            "{backend:?}: {text}"
        );

        let off_database = TestDatabase::create(backend);
        let off = spawn_with(&off_database, |s| s.metrics.enabled = false).await;
        assert_eq!(off.client.get(off.url("/metrics")).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    }
}

// The real binary: JSON logs and a graceful stop.

/// `strumpavtal serve` on `database` with `env` added; returns the child
/// and the address it printed.
fn serve(database: &TestDatabase, env: &[(&str, String)]) -> (Child, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_strumpavtal"));
    command
        .arg("serve")
        .env("STRUMPAVTAL__DATABASE__URL", &database.url)
        .env("STRUMPAVTAL__SERVER__BIND", "127.0.0.1:0")
        .env("STRUMPAVTAL__EMAIL__FILE_DIR", std::env::temp_dir().join("strumpavtal-test-outbox"))
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("serve starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let address = loop {
        let line = lines.next().expect("serve prints its address").expect("a line");
        if let Some(address) = line.strip_prefix("Strumpavtal is listening on ") {
            break address.trim().to_owned();
        }
    };
    // Keep reading, so the child never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    (child, address)
}

fn sigterm(child: &Child) {
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill(1)");
    assert!(status.success());
}

/// Waits for the child to exit, at most `limit`.
fn exit_status(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("the server did not stop within {limit:?} of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn pool(database: &TestDatabase) -> DbPool {
    strumpavtal::db::connect(&database.url, 2, Duration::from_secs(5)).expect("the database")
}

#[tokio::test]
async fn json_logs_are_one_json_object_a_line() {
    let database = TestDatabase::create(crate::helpers::Backend::Sqlite);
    let (mut child, address) =
        serve(&database, &[("STRUMPAVTAL__LOG__FORMAT", "json".into()), ("STRUMPAVTAL__LOG__FILTER", "info".into())]);
    let mut stderr = child.stderr.take().unwrap();
    let answer = reqwest::get(format!("{address}/api/v1/organisations")).await.unwrap();
    assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
    sigterm(&child);
    let status = exit_status(&mut child, Duration::from_secs(30));
    assert!(status.success(), "{status:?}");
    let mut log = String::new();
    stderr.read_to_string(&mut log).unwrap();
    let lines: Vec<Value> = log
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect();
    let message = |line: &Value| line["message"].as_str().unwrap_or_default().to_owned();
    assert!(lines.iter().all(|l| l["timestamp"].is_string() && l["level"].is_string()), "{log}");
    assert!(
        lines.iter().any(|l| message(l).starts_with("GET /api/v1/organisations HTTP/1.1 401")),
        "the request is logged: {log}"
    );
    assert!(lines.iter().any(|l| message(l) == "stopped" && l["level"] == "INFO"), "{log}");
}

/// An SMTP server (aiosmtpd) that takes `delay` to accept each message and
/// says on its standard output when a message came (`DATA`) and when it
/// accepted it (`ACCEPTED`).
struct SlowSmtp {
    port: u16,
    child: Child,
    events: mpsc::Receiver<String>,
}

const SLOW_SMTP: &str = r#"
import asyncio, sys, time
from aiosmtpd.controller import Controller

class Slow:
    async def handle_DATA(self, server, session, envelope):
        print("DATA", flush=True)
        await asyncio.sleep(float(sys.argv[2]))
        print("ACCEPTED", flush=True)
        return "250 OK"

controller = Controller(Slow(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("READY", flush=True)
while True:
    time.sleep(3600)
"#;

impl SlowSmtp {
    fn start(delay: Duration) -> Self {
        let port = free_port();
        let mut child = Command::new("python3")
            .args(["-c", SLOW_SMTP, &port.to_string(), &delay.as_secs_f64().to_string()])
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 with aiosmtpd");
        let (sender, events) = mpsc::channel();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                let _ = sender.send(line);
            }
        });
        let smtp = Self { port, child, events };
        smtp.expect("READY", Duration::from_secs(20));
        smtp
    }

    fn expect(&self, event: &str, limit: Duration) {
        let got = self.events.recv_timeout(limit).unwrap_or_else(|_| panic!("no {event} within {limit:?}"));
        assert_eq!(got, event);
    }

    /// Events that came without waiting.
    fn more(&self) -> Vec<String> {
        self.events.try_iter().collect()
    }
}

impl Drop for SlowSmtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug, PartialEq, diesel::QueryableByName)]
struct Row {
    #[diesel(sql_type = diesel::sql_types::Text)]
    idempotency_key: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    status: String,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    attempts: i32,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamp>)]
    claimed_until: Option<chrono::NaiveDateTime>,
}

#[tokio::test]
async fn sigterm_lets_the_e_mail_being_sent_finish_and_claims_no_more() {
    for backend in backends() {
        let database = TestDatabase::create(backend);
        {
            // The test app migrates the database; its worker stays off.
            let app = spawn_with(&database, |_| {}).await;
            let mut conn = app.pool.get().unwrap();
            for key in ["first", "second", "third"] {
                outbox::enqueue(&mut conn, email(key), chrono::Duration::zero()).unwrap();
            }
        }
        let smtp = SlowSmtp::start(Duration::from_millis(1500));
        let (mut child, _) = serve(
            &database,
            &[
                ("STRUMPAVTAL__EMAIL__TRANSPORT", "smtp".into()),
                ("STRUMPAVTAL__EMAIL__SMTP_PORT", smtp.port.to_string()),
                ("STRUMPAVTAL__EMAIL__SENDERS", "1".into()),
                ("STRUMPAVTAL__EMAIL__POLL_INTERVAL_MS", "50".into()),
            ],
        );
        // The first e-mail is on the wire: the server holds it for 1.5 s.
        smtp.expect("DATA", Duration::from_secs(30));
        sigterm(&child);
        let status = exit_status(&mut child, Duration::from_secs(30));
        assert!(status.success(), "{backend:?}: {status:?}");
        assert_eq!(smtp.more(), ["ACCEPTED"], "{backend:?}: the e-mail in flight was delivered, and only it");

        let mut conn = pool(&database).get().unwrap();
        let rows: Vec<Row> =
            diesel::sql_query("SELECT idempotency_key, status, attempts, claimed_until FROM email_outbox ORDER BY id")
                .load(&mut conn)
                .unwrap();
        let row = |key: &str, status: &str, attempts| Row {
            idempotency_key: key.into(),
            status: status.into(),
            attempts,
            claimed_until: None,
        };
        assert_eq!(
            rows,
            [row("first", "sent", 1), row("second", "queued", 0), row("third", "queued", 0)],
            "{backend:?}: the delivered e-mail is recorded as sent, the others were never claimed"
        );
    }
}

#[tokio::test]
async fn backup_copies_a_serving_sqlite_database_that_restores_with_its_data() {
    let database = TestDatabase::create(crate::helpers::Backend::Sqlite);
    let app = spawn_with(&database, |_| {}).await;
    app.organisation(crate::helpers::ANGE, "Ånge kommun", 1150).await;
    let folder = tempfile::tempdir().unwrap();
    let copy = folder.path().join("backup.sqlite");
    let backup = |to: &std::path::Path, url: &str| {
        Command::new(env!("CARGO_BIN_EXE_strumpavtal"))
            .args(["backup", "--to"])
            .arg(to)
            .env("STRUMPAVTAL__DATABASE__URL", url)
            .output()
            .unwrap()
    };
    // The app is still serving (and holds connections) while the copy is taken.
    let output = backup(&copy, &database.url);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    app.organisation(crate::helpers::TIMRA, "Timrå kommun", 1600).await;

    // Restored: a server on the copy sees what was there when it was taken.
    let restored = spawn_with(&database, |s| s.database.url = format!("sqlite://{}", copy.display())).await;
    let names: Vec<String> =
        restored.list("/api/v1/organisations").await.iter().map(|o| o["name"].as_str().unwrap().to_owned()).collect();
    assert_eq!(names, ["Ånge kommun"]);

    let again = backup(&copy, &database.url);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"), "no backup is overwritten");
    let postgres = backup(&folder.path().join("pg.sqlite"), "postgres://postgres@127.0.0.1:5432/postgres");
    assert!(!postgres.status.success());
    assert!(String::from_utf8_lossy(&postgres.stderr).contains("pg_dump"));
}
