//! The API against its own OpenAPI document: schemathesis (from PyPI)
//! generates requests from `/api/v1/openapi.json`, valid and invalid, with a
//! coordinator's token, and checks every answer — no 5xx, only documented
//! statuses, bodies as documented, valid requests accepted and invalid ones
//! refused. The allowances it runs with are in schemathesis.toml, each with
//! its reason (docs/api.md).

use std::path::Path;
use std::process::Command;

use serde_json::json;
use strumpavtal::access::Role;

use crate::helpers::{SUNDSVALL, TestApp, answer};
use crate::splits::invoiced_cohort;

/// Fixed, so that a run draws the same requests every time.
const SEED: &str = "20261130";
/// Per operation and phase: 20 to 30 seconds per backend on two cores
/// (60 took over a minute, mostly in the stateful phase).
const EXAMPLES: &str = "40";

#[tokio::test]
async fn the_api_keeps_to_its_openapi_document() {
    for (app, _db) in crate::helpers::spawn_apps().await {
        some_data(&app).await;
        let output = run_schemathesis(&app).await;
        let report = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        assert!(output.status.success(), "schemathesis found problems on {:?}:\n{report}", app.backend);
        let summary = report.lines().rev().find(|line| line.contains(" in ")).unwrap_or_default();
        println!("schemathesis on {:?}: {}", app.backend, summary.trim_matches(|c| c == '=' || c == ' '));
        // A run that reached nothing would pass too: make sure it tested
        // every operation of the document.
        let operations = operations_in_document(&app).await;
        let tested = report.split("Tested: ").nth(1).and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next());
        assert_eq!(tested, Some(operations.to_string().as_str()), "not all {operations} operations tested:\n{report}");
        // The service still answers after thousands of hostile requests.
        assert_eq!(app.get("/health").await.status(), reqwest::StatusCode::OK);
    }
}

/// Something behind the ids schemathesis will find and try: the three
/// municipalities with agreements, a course, needs, a plan, a confirmed and
/// invoiced cohort with a named participant.
async fn some_data(app: &TestApp) {
    let (cohort, sundsvall, _) = invoiced_cohort(app, "SCHEMA1").await;
    let own = app.user(Role::Organisation, Some(SUNDSVALL));
    let participant = json!({"agreement_id": sundsvall, "name": "Anna Berg", "email": "anna.berg@sundsvall.se"});
    let (status, body) =
        answer(app.post_as(&own, &format!("/api/v1/cohorts/{cohort}/participants"), &participant).await).await;
    assert_eq!(status, reqwest::StatusCode::CREATED, "{body}");
}

async fn operations_in_document(app: &TestApp) -> usize {
    let (status, document) = answer(app.get("/api/v1/openapi.json").await).await;
    assert_eq!(status, reqwest::StatusCode::OK);
    document["paths"].as_object().expect("paths").values().map(|item| item.as_object().expect("a path").len()).sum()
}

/// Runs the CLI against the app, off the runtime's thread so that the app
/// (on the same runtime) keeps answering.
async fn run_schemathesis(app: &TestApp) -> std::process::Output {
    let schema = app.url("/api/v1/openapi.json");
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemathesis.toml");
    let authorization = format!("Authorization: Bearer {}", app.token);
    // Its cache of examples (.hypothesis/) goes to a directory of its own.
    let workdir = tempfile::tempdir().expect("a temporary directory");
    let dir = workdir.path().to_owned();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("schemathesis")
            .current_dir(&dir)
            .arg("--no-color")
            .arg("--config-file")
            .arg(&config)
            .args(["run", &schema, "-H", &authorization])
            .args(["--seed", SEED, "--max-examples", EXAMPLES, "--workers", "1"])
            .output()
    })
    .await
    .expect("the run finishes");
    match output {
        Ok(output) => output,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            panic!("the schemathesis CLI is missing: install it with `python3 -m pip install schemathesis`")
        }
        Err(error) => panic!("schemathesis did not start: {error}"),
    }
}
