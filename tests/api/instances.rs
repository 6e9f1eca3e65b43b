//! Several `serve` processes on one database, as the real binary: only one
//! plan runs at a time, a plan and confirms never place a seat twice, joins
//! on two servers never overbook, and a session ended on one is refused by
//! the others at once.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use diesel::RunQueryDsl;
use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDatabase, answer, backends, spawn_on};
use crate::page_client::PageClient;

/// `strumpavtal serve` as its own process, on a free port; SIGKILLed when
/// dropped. Its e-mail worker is off, so queued e-mails stay in the outbox
/// for the tests to count.
pub struct Server {
    child: Child,
    pub address: String,
    client: reqwest::Client,
}

impl Server {
    pub fn start(database_url: &str) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_strumpavtal"))
            .arg("serve")
            .env("STRUMPAVTAL__DATABASE__URL", database_url)
            .env("STRUMPAVTAL__DATABASE__POOL_SIZE", "4")
            .env("STRUMPAVTAL__SERVER__BIND", "127.0.0.1:0")
            .env("STRUMPAVTAL__SERVER__WORKERS", "2")
            .env("STRUMPAVTAL__EMAIL__WORKER", "false")
            .env("STRUMPAVTAL__LOG__FILTER", "error")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("serve starts");
        let (sender, receiver) = std::sync::mpsc::channel();
        let stdout = child.stdout.take().expect("stdout");
        // Reads until the address, then keeps draining so the server never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(address) = line.strip_prefix("Strumpavtal is listening on ") {
                    let _ = sender.send(address.trim().to_owned());
                }
            }
        });
        let address = receiver.recv_timeout(Duration::from_secs(60)).expect("serve prints its address");
        let client = crate::helpers::http_client().timeout(Duration::from_secs(120)).build().unwrap();
        Self { child, address, client }
    }

    pub async fn post(&self, token: &str, path: &str, body: &Value) -> (StatusCode, Value) {
        answer(self.client.post(format!("{}{path}", self.address)).bearer_auth(token).json(body).send().await.unwrap())
            .await
    }

    pub async fn get(&self, token: &str, path: &str) -> (StatusCode, Value) {
        answer(self.client.get(format!("{}{path}", self.address)).bearer_auth(token).send().await.unwrap()).await
    }

    /// SIGKILL: no shutdown, no goodbye.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Loads the generated national data set (`bench plan`'s) of `needs` needs.
pub fn load_national(app: &TestApp, needs: usize) {
    let today = chrono::Local::now().date_naive();
    let data = strumpavtal::bench::national::generate(needs, 7, today);
    strumpavtal::bench::national::load(&mut app.pool.get().unwrap(), &data).expect("the data set loads");
}

/// One number from the database.
pub fn number(app: &TestApp, sql: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Number {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query(sql).get_result::<Number>(&mut app.pool.get().unwrap()).expect(sql).n
}

/// Needs whose firm seats in proposed and confirmed cohorts together exceed
/// the need: a seat placed twice.
pub fn needs_placed_twice(app: &TestApp) -> i64 {
    number(
        app,
        "SELECT COUNT(*) AS n FROM (SELECT a.need_id FROM cohort_allocations a \
         JOIN cohorts c ON c.id = a.cohort_id JOIN needs n ON n.id = a.need_id \
         WHERE c.status IN ('proposed', 'confirmed') \
         GROUP BY a.need_id, n.seats HAVING SUM(a.seats - a.withdrawn_seats) > n.seats) AS over",
    )
}

#[tokio::test]
async fn two_servers_run_one_plan_at_a_time() {
    for backend in backends() {
        let database = TestDatabase::create(backend);
        let app = spawn_on(&database).await;
        // Enough needs that a plan takes a few hundred milliseconds.
        load_national(&app, 4_000);
        let servers = [Server::start(&database.url), Server::start(&database.url)];
        let empty = json!({});
        let answers = join_all(servers.iter().map(|s| s.post(&app.token, "/api/v1/plans", &empty))).await;
        let mut statuses: Vec<StatusCode> = answers.iter().map(|(status, _)| *status).collect();
        statuses.sort();
        let created = statuses.iter().filter(|s| **s == StatusCode::CREATED).count() as i64;
        match backend {
            // The plan lock is PostgreSQL's; on SQLite the second plan stores
            // after the first, under the file's write lock.
            crate::helpers::Backend::Sqlite => assert_eq!(statuses, [StatusCode::CREATED; 2], "{answers:?}"),
            crate::helpers::Backend::Postgres => {
                assert_eq!(statuses, [StatusCode::CREATED, StatusCode::CONFLICT], "{answers:?}");
                let refused = &answers.iter().find(|(s, _)| *s == StatusCode::CONFLICT).unwrap().1;
                let message = refused["error"]["message"].as_str().unwrap();
                assert!(message.contains("a plan is already running"), "{refused}");
            }
        }
        assert_eq!(number(&app, "SELECT COUNT(*) AS n FROM plans"), created, "{backend:?}: a plan per 201");
        let proposing = "SELECT COUNT(DISTINCT plan_id) AS n FROM cohorts WHERE status = 'proposed'";
        assert_eq!(number(&app, proposing), 1, "{backend:?}: one plan's proposals");
        assert_eq!(needs_placed_twice(&app), 0, "{backend:?}: no seat proposed twice");
        let proposed = number(&app, "SELECT COUNT(*) AS n FROM cohorts WHERE status = 'proposed'");
        assert!(proposed > 100, "{backend:?}: {proposed} proposals");

        // The lock is released: the next plan, on either server, runs.
        let (status, plan) = servers[1].post(&app.token, "/api/v1/plans", &json!({})).await;
        assert_eq!(status, StatusCode::CREATED, "{backend:?}: {plan}");
        assert_eq!(number(&app, proposing), 1, "{backend:?}");
        assert_eq!(
            number(&app, "SELECT COUNT(*) AS n FROM cohorts WHERE status = 'proposed'"),
            plan["cohorts"].as_array().unwrap().len() as i64
        );
    }
}

#[tokio::test]
async fn a_plan_and_confirms_on_two_servers_never_place_a_seat_twice() {
    for backend in backends() {
        let database = TestDatabase::create(backend);
        let app = spawn_on(&database).await;
        load_national(&app, 3_000);
        let (planner, confirmer) = (Server::start(&database.url), Server::start(&database.url));
        let (status, plan) = planner.post(&app.token, "/api/v1/plans", &json!({})).await;
        assert_eq!(status, StatusCode::CREATED, "{plan}");
        let cohorts: Vec<i64> =
            plan["cohorts"].as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).take(120).collect();

        // A new plan replaces the proposals while they are being confirmed,
        // four at a time, on the other server.
        let body = json!({"override_budget_reason": "test of concurrent changes"});
        let confirms = async {
            let mut answers = Vec::new();
            for chunk in cohorts.chunks(4) {
                let path = |id: &i64| format!("/api/v1/cohorts/{id}/confirm");
                let paths: Vec<String> = chunk.iter().map(path).collect();
                answers.extend(join_all(paths.iter().map(|p| confirmer.post(&app.token, p, &body))).await);
            }
            answers
        };
        let empty = json!({});
        let ((status, replan), answers) = tokio::join!(planner.post(&app.token, "/api/v1/plans", &empty), confirms);
        assert_eq!(status, StatusCode::CREATED, "{backend:?}: {replan}");
        let confirmed = answers.iter().filter(|(s, _)| *s == StatusCode::OK).count() as i64;
        for (status, body) in &answers {
            // Confirmed, or refused because the plan superseded the proposal first.
            assert!(*status == StatusCode::OK || *status == StatusCode::CONFLICT, "{backend:?}: {status} {body}");
        }
        assert_eq!(number(&app, "SELECT COUNT(*) AS n FROM cohorts WHERE status = 'confirmed'"), confirmed);
        assert_eq!(needs_placed_twice(&app), 0, "{backend:?}: a seat both confirmed and proposed again");
        eprintln!("{backend:?}: {confirmed} of {} confirms went through beside the plan", answers.len());
    }
}

#[tokio::test]
async fn joins_on_two_servers_never_overbook() {
    for backend in backends() {
        let database = TestDatabase::create(backend);
        let app = spawn_on(&database).await;
        // Sundsvall 3 and Ånge 3 seats in a cohort of at most 10: 4 seats open.
        let (cohort, [_, _, timra]) = crate::splits::cohort_of_two(&app, "TWOSRV").await;
        let (status, confirmed) = crate::splits::confirm(&app, cohort, json!({})).await;
        assert_eq!(status, StatusCode::OK, "{confirmed}");
        let servers = [Server::start(&database.url), Server::start(&database.url)];

        let path = format!("/api/v1/cohorts/{cohort}/join");
        let body = json!({"agreement_id": timra, "seats": 1});
        let joins = (0..24).map(|i| servers[i % 2].post(&app.token, &path, &body));
        let answers = join_all(joins).await;
        let joined = answers.iter().filter(|(s, _)| *s == StatusCode::OK).count();
        let waiting = answers.iter().filter(|(s, _)| *s == StatusCode::ACCEPTED).count();
        assert_eq!((joined, waiting), (4, 20), "{backend:?}: {answers:?}");

        let (_, now) = servers[0].get(&app.token, &format!("/api/v1/cohorts/{cohort}")).await;
        assert_eq!(now["size"], 10, "{backend:?}: full, not past its maximum: {now}");
        assert_eq!(now["split_version"], 5, "{backend:?}: a split version per join");
        let (_, waitlist) = servers[1].get(&app.token, &format!("/api/v1/cohorts/{cohort}/waitlist")).await;
        assert_eq!(waitlist.as_array().unwrap().len(), 20, "{backend:?}: every other seat waits: {waitlist}");
        let joined_rows = format!("SELECT COUNT(*) AS n FROM cohort_allocations WHERE cohort_id = {cohort} AND joined");
        assert_eq!(number(&app, &joined_rows), 4, "{backend:?}");
    }
}

/// Each server keeps the sessions it has seen in memory; a sign-out on
/// another server must still end the session everywhere, at once.
#[tokio::test]
async fn a_session_ended_on_one_server_is_refused_by_the_other() {
    for backend in backends() {
        let database = TestDatabase::create(backend);
        let app = spawn_on(&database).await;
        let email = "samordnare@instanser.example";
        crate::page_client::user_with_password(&app, email, strumpavtal::access::Role::Coordinator, None);
        let servers = [Server::start(&database.url), Server::start(&database.url)];
        let on_first = PageClient::sign_in_at(&servers[0].address, email, crate::page_client::PASSWORD, "sv").await;
        // The same browser (its cookie) on the second server: the session
        // is now kept there too.
        let on_second = on_first.at(&servers[1].address);
        for _ in 0..2 {
            let (status, home) = on_second.get("/").await;
            assert_eq!(status, StatusCode::OK, "{backend:?}: {home}");
        }
        let out = on_first.post("/logout", &[]).await;
        assert_eq!(out.status(), StatusCode::SEE_OTHER, "{backend:?}: signed out");
        let home = on_second.get_raw("/").await;
        assert_eq!(home.status(), StatusCode::SEE_OTHER, "{backend:?}: the ended session is refused");
        assert_eq!(crate::page_client::location(&home), "/login", "{backend:?}");
    }
}

/// Servers started together on a new database all start: the migrations
/// run under a lock, instead of racing to create the same tables.
#[tokio::test]
async fn servers_started_together_on_a_new_database_all_start() {
    for backend in backends() {
        let database = TestDatabase::create(backend);
        let url = database.url.clone();
        let starting: Vec<_> = (0..3)
            .map(|_| {
                let url = url.clone();
                std::thread::spawn(move || Server::start(&url))
            })
            .collect();
        let servers: Vec<Server> = starting
            .into_iter()
            .map(|s| s.join().unwrap_or_else(|_| panic!("{backend:?}: a server failed to start")))
            .collect();
        // Without the lock, all but one failed to start ("relation already
        // exists"); that every one answers is the check.
        for server in &servers {
            let (status, health) = server.get("", "/health").await;
            assert_eq!(status, StatusCode::OK, "{backend:?}: {health}");
        }
    }
}
