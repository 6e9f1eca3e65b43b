//! Faults, with the real binary: the server SIGKILLed during a needs import,
//! a plan, a confirm and an invoice leaves each change wholly stored or not
//! at all, with its e-mails in the outbox exactly when the change is there;
//! and a PostgreSQL outage makes requests fail fast with 503, then succeed
//! again without restarting the server.

use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use rand::Rng;
use reqwest::StatusCode;
use serde_json::{Value, json};
use strumpavtal::access::{Role, users};

use crate::helpers::{
    ANGE, SUNDSVALL, TestApp, TestDatabase, backends, free_port, spawn_on, term, three_municipalities,
};
use crate::instances::{Server, load_national, needs_placed_twice, number};

/// How long after sending to kill the server, one trial each: from before
/// the request is read to after it is done. A little jitter on top.
const KILL_AFTER_MS: [u64; 5] = [5, 30, 100, 250, 600];

enum Body {
    Json(Value),
    Csv(String),
}

/// Starts a server, sends every request at once, SIGKILLs the server
/// `after` later, then starts another on the same database and checks that
/// it answers. Returns how many requests got an answer before the kill.
async fn kill_during(database: &TestDatabase, token: &str, requests: &[(String, Body)], after: Duration) -> usize {
    let mut server = Server::start(&database.url);
    let client = crate::helpers::http_client().build().unwrap();
    let sent: Vec<_> = requests
        .iter()
        .map(|(path, body)| {
            let request = client.post(format!("{}{path}", server.address)).bearer_auth(token);
            let request = match body {
                Body::Json(value) => request.json(value),
                Body::Csv(text) => request.header("Content-Type", "text/csv").body(text.clone()),
            };
            tokio::spawn(request.send())
        })
        .collect();
    tokio::time::sleep(after).await;
    server.kill();
    let mut answered = 0;
    for request in sent {
        if matches!(request.await, Ok(Ok(_))) {
            answered += 1;
        }
    }
    let restarted = Server::start(&database.url);
    let (status, health) = restarted.get(token, "/health").await;
    assert_eq!(status, StatusCode::OK, "{:?}: the restarted server answers: {health}", database.backend());
    answered
}

fn jittered(ms: u64) -> Duration {
    Duration::from_millis(ms + rand::rng().random_range(0..20))
}

#[tokio::test]
async fn a_needs_import_killed_midway_is_stored_whole_or_not_at_all() {
    const ROWS: i64 = 3_000;
    for backend in backends() {
        let database = TestDatabase::create(backend);
        let app = spawn_on(&database).await;
        three_municipalities(&app).await;
        app.course("KILLIMP", 2, 30).await;
        let mut csv =
            String::from("agreement_reference;course_code;seats;extra_seats;earliest_term;latest_term;note\n");
        for row in 0..ROWS {
            csv.push_str(&format!("SKO-SUN-01;KILLIMP;1;0;{};{};rad {row}\n", term(0), term(2)));
        }
        let mut outcomes = Vec::new();
        // Checking and storing 3,000 rows takes a while: later kills too.
        for ms in [5, 100, 500, 1_500, 5_000] {
            let before = app.count("needs");
            let request = [("/api/v1/needs/import".to_owned(), Body::Csv(csv.clone()))];
            let answered = kill_during(&database, &app.token, &request, jittered(ms)).await;
            let added = app.count("needs") - before;
            assert!(added == 0 || added == ROWS, "{backend:?}: killed after {ms} ms, {added} of {ROWS} needs stored");
            assert!(answered == 0 || added == ROWS, "{backend:?}: an answered import is stored");
            outcomes.push(added);
        }
        eprintln!("{backend:?}: needs stored per killed import: {outcomes:?}");
    }
}

/// Plans whose cohorts are not all there, and cohorts without their seats.
fn partial_plans(app: &TestApp) -> i64 {
    number(
        app,
        "SELECT COUNT(*) AS n FROM plans p WHERE p.cohorts <> (SELECT COUNT(*) FROM cohorts c WHERE c.plan_id = p.id)",
    ) + number(
        app,
        "SELECT COUNT(*) AS n FROM cohorts c WHERE NOT EXISTS \
         (SELECT 1 FROM cohort_allocations a WHERE a.cohort_id = c.id)",
    )
}

#[tokio::test]
async fn a_plan_killed_midway_is_stored_whole_or_not_at_all() {
    for backend in backends() {
        let database = TestDatabase::create(backend);
        let app = spawn_on(&database).await;
        load_national(&app, 3_000);
        let mut plans = Vec::new();
        for ms in KILL_AFTER_MS {
            let request = [("/api/v1/plans".to_owned(), Body::Json(json!({})))];
            kill_during(&database, &app.token, &request, jittered(ms)).await;
            assert_eq!(partial_plans(&app), 0, "{backend:?}: killed after {ms} ms");
            let proposing = "SELECT COUNT(DISTINCT plan_id) AS n FROM cohorts WHERE status = 'proposed'";
            assert!(number(&app, proposing) <= 1, "{backend:?}: one plan's proposals");
            assert_eq!(needs_placed_twice(&app), 0, "{backend:?}");
            plans.push(app.count("plans"));
        }
        eprintln!("{backend:?}: plans stored after each kill: {plans:?}");
        // A plan killed while it ran left no lock behind.
        let server = Server::start(&database.url);
        let (status, plan) = server.post(&app.token, "/api/v1/plans", &json!({})).await;
        assert_eq!(status, StatusCode::CREATED, "{backend:?}: {plan}");
        assert_eq!(partial_plans(&app), 0);
    }
}

/// The national data set planned, through the in-process server; returns
/// the proposed cohorts.
async fn planned(app: &TestApp) -> Vec<i64> {
    load_national(app, 3_000);
    let (status, plan) = crate::helpers::answer(app.post("/api/v1/plans", &json!({})).await).await;
    assert_eq!(status, StatusCode::CREATED, "{plan}");
    plan["cohorts"].as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect()
}

/// Cohorts whose confirmation is partly there: confirmed without exactly
/// one split version with shares, one audit entry and an enrolment e-mail
/// per organisation, or not confirmed with any of them.
fn partial_confirms(app: &TestApp) -> i64 {
    let confirmed_but = "SELECT COUNT(*) AS n FROM cohorts c WHERE c.status = 'confirmed' AND (\
        (SELECT COUNT(*) FROM split_versions v WHERE v.cohort_id = c.id) <> 1 \
        OR (SELECT COUNT(*) FROM audit_log l WHERE l.cohort_id = c.id AND l.action = 'confirm') <> 1 \
        OR (SELECT COUNT(*) FROM email_outbox e WHERE e.cohort_id = c.id AND e.kind = 'enrolment_summary') \
           <> (SELECT COUNT(DISTINCT a.organisation_id) FROM cohort_allocations a WHERE a.cohort_id = c.id))";
    let not_confirmed_but = "SELECT COUNT(*) AS n FROM cohorts c WHERE c.status <> 'confirmed' AND (\
        EXISTS (SELECT 1 FROM split_versions v WHERE v.cohort_id = c.id) \
        OR EXISTS (SELECT 1 FROM audit_log l WHERE l.cohort_id = c.id) \
        OR EXISTS (SELECT 1 FROM email_outbox e WHERE e.cohort_id = c.id))";
    let versions_without_shares = "SELECT COUNT(*) AS n FROM split_versions v \
        WHERE NOT EXISTS (SELECT 1 FROM split_shares s WHERE s.split_id = v.id)";
    number(app, confirmed_but) + number(app, not_confirmed_but) + number(app, versions_without_shares)
}

fn confirms(cohorts: &[i64]) -> Vec<(String, Body)> {
    let body = || Body::Json(json!({"override_budget_reason": "fault test"}));
    cohorts.iter().map(|id| (format!("/api/v1/cohorts/{id}/confirm"), body())).collect()
}

#[tokio::test]
async fn a_confirm_killed_midway_is_stored_whole_or_not_at_all() {
    for backend in backends() {
        let database = TestDatabase::create(backend);
        let app = spawn_on(&database).await;
        let cohorts = planned(&app).await;
        let mut confirmed = Vec::new();
        for (trial, ms) in KILL_AFTER_MS.into_iter().enumerate() {
            let batch = &cohorts[trial * 8..trial * 8 + 8];
            kill_during(&database, &app.token, &confirms(batch), jittered(ms)).await;
            assert_eq!(partial_confirms(&app), 0, "{backend:?}: killed after {ms} ms");
            confirmed.push(number(&app, "SELECT COUNT(*) AS n FROM cohorts WHERE status = 'confirmed'"));
        }
        eprintln!("{backend:?}: cohorts confirmed after each kill: {confirmed:?}");
    }
}

/// Cohorts whose invoicing is partly there: lines for some shares of the
/// split but not all, or lines without their audit entry and an invoicing
/// e-mail per organisation, or those without the lines.
fn partial_invoices(app: &TestApp) -> i64 {
    let lines = "(SELECT COUNT(*) FROM invoice_lines l WHERE l.cohort_id = c.id)";
    let shares = "(SELECT COUNT(*) FROM split_shares s JOIN split_versions v ON v.id = s.split_id \
        WHERE v.cohort_id = c.id AND s.amount_ore <> 0)";
    let invoiced_orgs = "(SELECT COUNT(DISTINCT l.organisation_id) FROM invoice_lines l WHERE l.cohort_id = c.id)";
    let emails = "(SELECT COUNT(*) FROM email_outbox e WHERE e.cohort_id = c.id AND e.kind = 'invoicing_summary')";
    let audits = "(SELECT COUNT(*) FROM audit_log a WHERE a.cohort_id = c.id AND a.action = 'invoice')";
    let partial = format!(
        "SELECT COUNT(*) AS n FROM cohorts c WHERE ({lines} > 0 AND ({lines} <> {shares} OR {emails} <> {invoiced_orgs} \
         OR {audits} <> 1)) OR ({lines} = 0 AND ({emails} > 0 OR {audits} > 0))"
    );
    number(app, &partial)
}

#[tokio::test]
async fn an_invoice_killed_midway_is_stored_whole_or_not_at_all() {
    for backend in backends() {
        let database = TestDatabase::create(backend);
        let app = spawn_on(&database).await;
        let cohorts = planned(&app).await;
        let cohorts = &cohorts[..KILL_AFTER_MS.len() * 8];
        let coordinator = &app;
        let body = json!({"override_budget_reason": "fault test"});
        let confirmed = join_all(cohorts.iter().map(|id| {
            let (path, body) = (format!("/api/v1/cohorts/{id}/confirm"), &body);
            async move { crate::helpers::answer(coordinator.post(&path, body).await).await }
        }))
        .await;
        for (status, body) in confirmed {
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        let mut invoiced = Vec::new();
        for (trial, ms) in KILL_AFTER_MS.into_iter().enumerate() {
            let batch = &cohorts[trial * 8..trial * 8 + 8];
            let requests: Vec<_> =
                batch.iter().map(|id| (format!("/api/v1/cohorts/{id}/invoice"), Body::Json(json!({})))).collect();
            kill_during(&database, &app.token, &requests, jittered(ms)).await;
            assert_eq!(partial_invoices(&app), 0, "{backend:?}: killed after {ms} ms");
            invoiced.push(number(&app, "SELECT COUNT(DISTINCT cohort_id) AS n FROM invoice_lines"));
        }
        eprintln!("{backend:?}: cohorts invoiced after each kill: {invoiced:?}");
    }
}

/// A PostgreSQL server of this test's own, in a temporary folder on a free
/// port, so that stopping it disturbs no other test. Run as the `postgres`
/// user when the tests run as root, since PostgreSQL refuses root.
struct PrivateCluster {
    folder: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
}

impl PrivateCluster {
    fn start() -> Self {
        let bin = postgres_bin();
        let folder = tempfile::tempdir().expect("a folder for the cluster");
        if running_as_root() {
            let chown = Command::new("chown").arg("postgres:").arg(folder.path()).status().expect("chown runs");
            assert!(chown.success(), "the cluster's folder is given to the postgres user");
        }
        let cluster = Self { folder, bin, port: free_port() };
        let data = cluster.data();
        cluster.run("initdb", &["-D", &data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"]);
        cluster.resume();
        cluster
    }

    fn data(&self) -> String {
        self.folder.path().join("data").display().to_string()
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Starts the server (again), waiting until it takes connections.
    fn resume(&self) {
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories={} -c fsync=off",
            self.port,
            self.folder.path().display()
        );
        let log = self.folder.path().join("log").display().to_string();
        self.run("pg_ctl", &["-D", &self.data(), "-l", &log, "-o", &options, "-w", "start"]);
    }

    /// Stops it as an administrator would for a restart: connections are cut.
    fn stop(&self) {
        self.run("pg_ctl", &["-D", &self.data(), "-m", "fast", "-w", "stop"]);
    }

    fn command(&self, program: &str) -> Command {
        let program = self.bin.join(program);
        if running_as_root() {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        }
    }

    fn run(&self, program: &str, args: &[&str]) {
        let output = self.command(program).args(args).stdin(Stdio::null()).output().expect(program);
        assert!(
            output.status.success(),
            "{program} {args:?} failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        let _ = self.command("pg_ctl").args(["-D", &self.data(), "-m", "immediate", "stop"]).output();
    }
}

fn running_as_root() -> bool {
    std::fs::metadata("/proc/self").map(|m| m.uid() == 0).unwrap_or(false)
}

/// The newest `/usr/lib/postgresql/<version>/bin` with `initdb` and `pg_ctl`.
fn postgres_bin() -> PathBuf {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            (bin.join("initdb").exists() && bin.join("pg_ctl").exists()).then_some((version, bin))
        })
        .collect();
    found.sort();
    match found.pop() {
        Some((_, bin)) => bin,
        None => panic!(
            "this test starts a PostgreSQL server of its own and needs its programs (initdb, pg_ctl) under \
             /usr/lib/postgresql/<version>/bin: install them with `apt-get install postgresql` (as .ci/run does)"
        ),
    }
}

fn organisation(org_number: &str, name: &str) -> Value {
    json!({
        "org_number": org_number, "name": name, "kind": "municipality", "employees": 1_000,
        "coordinator_email": "kompetens@kommun.example", "finance_email": "ekonomi@kommun.example"
    })
}

/// Sends a request during the outage: it must fail with 503 and a message
/// that says so, and soon.
async fn refused_during_outage(what: &str, request: impl std::future::Future<Output = (StatusCode, Value)>) -> Value {
    let started = Instant::now();
    let (status, body) = request.await;
    let took = started.elapsed();
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{what}: {body}");
    assert!(took < Duration::from_secs(3), "{what} answered after {took:?}, not at once");
    body
}

#[tokio::test]
async fn a_postgresql_restart_fails_requests_cleanly_and_the_server_recovers_by_itself() {
    let cluster = PrivateCluster::start();
    let url = cluster.url();
    let token = {
        let pool = strumpavtal::db::connect(&url, 1, Duration::from_secs(5)).expect("the private cluster answers");
        let coordinator =
            users::NewUser { email: "samordnare@test.example", role: Role::Coordinator, organisation: None };
        users::create(&mut pool.get().unwrap(), coordinator).expect("a coordinator").token
    };
    let server = Server::start(&url);
    let (status, body) = server.post(&token, "/api/v1/organisations", &organisation(SUNDSVALL, "Sundsvall")).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    // Restarted while the server is idle: its pooled connections are dead,
    // and the next request must not get one.
    cluster.stop();
    cluster.resume();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (status, listed) = server.get(&token, "/api/v1/organisations").await;
    assert_eq!(status, StatusCode::OK, "the first request after a restart while idle: {listed}");

    // Stopped while the server runs.
    cluster.stop();
    for _ in 0..3 {
        let listed = refused_during_outage("GET", server.get(&token, "/api/v1/organisations")).await;
        assert_eq!(listed["error"]["code"], "unavailable", "{listed}");
        let message = listed["error"]["message"].as_str().unwrap();
        assert!(message.contains("database is not available") && message.contains("nothing was changed"), "{listed}");
        let ange = organisation(ANGE, "Ånge");
        let created = refused_during_outage("POST", server.post(&token, "/api/v1/organisations", &ange)).await;
        assert_eq!(created["error"]["code"], "unavailable", "{created}");
        let health = refused_during_outage("health", server.get(&token, "/health")).await;
        assert_eq!(health["database"], "unreachable", "{health}");
    }

    cluster.resume();
    let started = Instant::now();
    loop {
        let (status, body) = server.get(&token, "/api/v1/organisations").await;
        if status == StatusCode::OK {
            assert_eq!(body.as_array().unwrap().len(), 1, "{body}");
            break;
        }
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert!(started.elapsed() < Duration::from_secs(30), "the server did not recover: {body}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (status, body) = server.post(&token, "/api/v1/organisations", &organisation(ANGE, "Ånge")).await;
    assert_eq!(status, StatusCode::CREATED, "nothing was stored during the outage: {body}");
    let (_, listed) = server.get(&token, "/api/v1/organisations").await;
    assert_eq!(listed.as_array().unwrap().len(), 2, "{listed}");
}
