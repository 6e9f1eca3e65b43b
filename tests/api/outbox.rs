//! The outbox under crashes and several processes: `serve` run as the real
//! binary, killed with SIGKILL mid-batch, or run twice on one database.

use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mail_parser::MessageParser;
use strumpavtal::email::outbox::{self, NewEmail};

use crate::helpers::{SmtpServer, TestDatabase, spawn_with};

/// Queues `n` e-mails straight into the outbox, as changes would, and
/// returns their Message-IDs.
async fn queue(database: &TestDatabase, n: usize) -> BTreeSet<String> {
    // The app migrates the database; its worker stays off.
    let app = spawn_with(database, |_| {}).await;
    let mut conn = app.pool.get().expect("a connection");
    for i in 0..n {
        let email = NewEmail {
            idempotency_key: format!("crash-test:{i}"),
            coalesce_key: None,
            kind: "test",
            organisation_id: None,
            cohort_id: None,
            to: format!("person{i}@kommun.example"),
            subject: format!("Test {i}"),
            html: format!("<p>Test {i}</p>"),
            text: format!("Test {i}"),
        };
        outbox::enqueue(&mut conn, email, chrono::Duration::zero()).expect("queued");
    }
    (0..n).map(|i| format!("crash-test.{i}@strumpavtal")).collect()
}

/// `strumpavtal serve` sending through the test SMTP server.
fn serve(database: &TestDatabase, smtp_port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_strumpavtal"))
        .arg("serve")
        .env("STRUMPAVTAL__DATABASE__URL", &database.url)
        .env("STRUMPAVTAL__SERVER__BIND", "127.0.0.1:0")
        .env("STRUMPAVTAL__EMAIL__TRANSPORT", "smtp")
        .env("STRUMPAVTAL__EMAIL__SMTP_HOST", "127.0.0.1")
        .env("STRUMPAVTAL__EMAIL__SMTP_PORT", smtp_port.to_string())
        .env("STRUMPAVTAL__EMAIL__SMTP_TLS", "none")
        .env("STRUMPAVTAL__EMAIL__POLL_INTERVAL_MS", "50")
        .env("STRUMPAVTAL__EMAIL__LEASE_SECONDS", "1")
        .env("STRUMPAVTAL__EMAIL__BACKOFF_SECONDS", "0.2")
        .env("STRUMPAVTAL__LOG__FILTER", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve starts")
}

fn message_ids(smtp: &SmtpServer) -> Vec<String> {
    smtp.received()
        .iter()
        .map(|raw| {
            MessageParser::default().parse(raw).and_then(|m| m.message_id().map(str::to_owned)).unwrap_or_default()
        })
        .map(|id| id.trim_start_matches('<').trim_end_matches('>').to_owned())
        .collect()
}

async fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < limit, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_killed_server_loses_no_e_mail() {
    for backend in crate::helpers::backends() {
        let database = TestDatabase::create(backend);
        let expected = queue(&database, 200).await;
        let smtp = SmtpServer::start();

        let mut first = serve(&database, smtp.port);
        wait_until("the first e-mails", Duration::from_secs(60), || !smtp.received().is_empty()).await;
        first.kill().expect("SIGKILL");
        first.wait().expect("the killed server is gone");
        let before_restart = smtp.received().len();
        assert!(before_restart < expected.len(), "{backend:?}: killed mid-batch ({before_restart} sent)");

        let mut second = serve(&database, smtp.port);
        let enough = expected.len();
        wait_until("every e-mail", Duration::from_secs(120), || smtp.received().len() >= enough).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        second.kill().expect("stopped");
        let _ = second.wait();

        let received = message_ids(&smtp);
        let distinct: BTreeSet<String> = received.iter().cloned().collect();
        assert_eq!(distinct, expected, "{backend:?}: every queued e-mail arrived");
        // Only the e-mails in flight when the process died (one per sender)
        // can arrive twice: sent, but not yet recorded as sent.
        let in_flight = strumpavtal::config::Settings::load(None).expect("settings").email.senders;
        let (arrived, queued) = (received.len(), expected.len());
        assert!(arrived <= queued + in_flight, "{backend:?}: {arrived} arrived for {queued}");
    }
}

#[tokio::test]
async fn two_servers_on_one_database_send_each_e_mail_once() {
    for backend in crate::helpers::backends() {
        let database = TestDatabase::create(backend);
        let expected = queue(&database, 200).await;
        let smtp = SmtpServer::start();
        let mut servers = [serve(&database, smtp.port), serve(&database, smtp.port)];
        let enough = expected.len();
        wait_until("every e-mail", Duration::from_secs(120), || smtp.received().len() >= enough).await;
        // Time for a second copy to arrive, if anything were sent twice.
        tokio::time::sleep(Duration::from_secs(2)).await;
        for server in &mut servers {
            server.kill().expect("stopped");
            let _ = server.wait();
        }
        let received = message_ids(&smtp);
        assert_eq!(received.len(), expected.len(), "{backend:?}: no e-mail twice");
        assert_eq!(received.into_iter().collect::<BTreeSet<_>>(), expected);
    }
}
