//! The binary itself: `user add` prints a working token last, and
//! `serve --demo` starts with demo data and tells how to log in.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{TestDatabase, backends, spawn_on};
use crate::page_client::PageClient;

fn strumpavtal(database_url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_strumpavtal"));
    command.env("STRUMPAVTAL__DATABASE__URL", database_url).env("STRUMPAVTAL__SERVER__BIND", "127.0.0.1:0");
    // The file transport's e-mails go to a temporary folder, not the repository.
    command.env("STRUMPAVTAL__EMAIL__FILE_DIR", std::env::temp_dir().join("strumpavtal-test-outbox"));
    command
}

#[tokio::test]
async fn user_add_prints_a_token_that_works_as_its_last_line() {
    for backend in backends() {
        let database = TestDatabase::create(backend);
        let app = spawn_on(&database).await;
        app.organisation("212000-2387", "Ånge kommun", 1150).await;
        let output = strumpavtal(&database.url)
            .args([
                "user",
                "add",
                "--email",
                "hr@ange.example",
                "--role",
                "organisation",
                "--organisation",
                "2120002387",
            ])
            .output()
            .unwrap();
        assert!(output.status.success(), "{backend:?}: {}", String::from_utf8_lossy(&output.stderr));
        let stdout = String::from_utf8(output.stdout).unwrap();
        let token = stdout.lines().last().unwrap().trim().to_owned();
        let organisations: Vec<Value> = app.get_as(&token, "/api/v1/organisations").await.json().await.unwrap();
        assert_eq!(organisations.len(), 1);
        assert_eq!(organisations[0]["name"], "Ånge kommun");

        // An organisation user needs an organisation that exists.
        let output = strumpavtal(&database.url)
            .args(["user", "add", "--email", "x@ange.example", "--role", "finance", "--organisation", "212000-2411"])
            .output()
            .unwrap();
        assert!(!output.status.success());
        assert!(String::from_utf8_lossy(&output.stderr).contains("212000-2411"));
        let output = strumpavtal(&database.url)
            .args(["user", "add", "--email", "y@ange.example", "--role", "finance"])
            .output()
            .unwrap();
        assert!(!output.status.success(), "a finance user without organisation is refused");
    }
}

#[tokio::test]
async fn serve_demo_loads_the_demo_data_and_prints_logins() {
    let database = TestDatabase::create(crate::helpers::Backend::Sqlite);
    let mut child = strumpavtal(&database.url)
        .args(["serve", "--demo"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut token, mut address, mut password) = (None, None, None);
    let started = Instant::now();
    let mut previous = String::new();
    while address.is_none() && started.elapsed() < Duration::from_secs(60) {
        let Some(Ok(line)) = lines.next() else { break };
        if previous.trim_start().starts_with("coordinator") {
            token = Some(line.trim().to_owned());
        }
        if let Some((_, rest)) =
            line.split_once("Web pages: sign in with one of the e-mail addresses above and the password ")
        {
            password = Some(rest.trim().to_owned());
        }
        if let Some(rest) = line.strip_prefix("Strumpavtal is listening on ") {
            address = Some(rest.trim().to_owned());
        }
        previous = line;
    }
    let (token, address) = (token.expect("a coordinator token"), address.expect("the address"));
    let client = crate::helpers::http_client().build().unwrap();
    let demand = client.get(format!("{address}/api/v1/demand")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(demand.status(), StatusCode::OK);
    let rows: Vec<Value> = demand.json().await.unwrap();
    let password = password.expect("a password for the web pages");
    let page = PageClient::sign_in_at(&address, "kompetens@ange.example", &password, "sv").await;
    let (status, home) = page.get("/").await;
    child.kill().unwrap();
    let _ = child.wait();
    assert!(rows.iter().any(|r| r["organisations"].as_i64().unwrap() >= 3 && r["viable"] == true), "pooled demand");
    assert!(
        rows.iter().any(|r| r["viable"] == false && r["missing_seats"].as_i64().unwrap() > 0),
        "near-viable demand"
    );
    assert_eq!(status, StatusCode::OK);
    assert!(home.contains("kompetens@ange.example"), "the demo user signed in with the printed password: {home}");
}

#[tokio::test]
async fn user_add_takes_a_password_from_stdin_and_sign_in_locks_out_guessers() {
    use std::io::Write;
    use strumpavtal::access::passwords::{self, SignIn};

    for backend in backends() {
        let database = TestDatabase::create(backend);
        let app = spawn_on(&database).await;
        let add = |email: &str, password: &str| {
            let mut child = strumpavtal(&database.url)
                .args(["user", "add", "--email", email, "--role", "coordinator", "--password-stdin"])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
            child.wait_with_output().unwrap()
        };
        let short = add("kort@strumpavtal.example", "för kort");
        assert!(!short.status.success() && String::from_utf8_lossy(&short.stderr).contains("12 characters"));
        let users_before = app.count("users");
        assert!(add("samordnare@strumpavtal.example", "korrekt häst batteri").status.success());
        assert_eq!(app.count("users"), users_before + 1, "the short password created nobody");

        let mut conn = app.pool.get().unwrap();
        let now = chrono::Utc::now().naive_utc();
        let email = "samordnare@strumpavtal.example";
        assert!(matches!(
            passwords::sign_in(&mut conn, email, "korrekt häst batteri", now).unwrap(),
            SignIn::Accepted(_)
        ));
        assert_eq!(
            passwords::sign_in(&mut conn, "ingen@strumpavtal.example", "korrekt häst batteri", now).unwrap(),
            SignIn::Refused
        );
        // Four wrong guesses are refused; the fifth locks the user out for 15 minutes.
        for _ in 0..4 {
            assert_eq!(passwords::sign_in(&mut conn, email, "fel lösenord här", now).unwrap(), SignIn::Refused);
        }
        let until = now + chrono::Duration::minutes(15);
        assert_eq!(passwords::sign_in(&mut conn, email, "fel lösenord här", now).unwrap(), SignIn::LockedOut { until });
        let locked = passwords::sign_in(&mut conn, email, "korrekt häst batteri", now + chrono::Duration::minutes(14));
        assert!(matches!(locked.unwrap(), SignIn::LockedOut { .. }), "even the right password waits");
        let later = passwords::sign_in(&mut conn, email, "korrekt häst batteri", until + chrono::Duration::seconds(1));
        assert!(matches!(later.unwrap(), SignIn::Accepted(_)));
    }
}
