//! The authorization matrix (issue 7, "hostile input"): every API route and
//! every page, asked by every kind of caller about another organisation's
//! things, is refused and never shows that organisation's data; tokens that
//! are missing, malformed, unknown, revoked or expired are refused on every
//! route; and nothing a refused write tried has changed anything.
//!
//! The other organisation is Sundsvall, with one thing of every kind: an
//! agreement, needs, a confirmed and invoiced cohort that is full (so others
//! cannot see it; they may only queue for it, by design), named
//! participants, a waitlist entry, e-mails in the outbox, audit entries and
//! a plan. The caller's own
//! organisation is Ånge, with its own cohort, so that lists have something
//! of the caller's in them. The tables of routes below must name every
//! route the service has: the test reads the OpenAPI document and the
//! `configure` functions of the source and fails on a route it lacks.

use std::collections::BTreeSet;

use chrono::Utc;
use diesel::prelude::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use strumpavtal::access::{Role, tokens};
use strumpavtal::db::schema::api_tokens;

use crate::helpers::{ANGE, SUNDSVALL, TestApp, active_period, answer, created_id, spawn_apps, term};
use crate::page_client::PageClient;

/// Strings only Sundsvall's data contains: names, addresses, references,
/// notes and amounts (öre in JSON, kronor with a decimal comma on pages and
/// with a point in workbooks). A refused or filtered answer holds none.
const SECRETS: [&str; 16] = [
    "Sundsvall",
    "sundsvall.example",
    SUNDSVALL,
    "SKO-SUN-HEMLIG",
    "Sigrid",
    "Sundström",
    "Sune Sundqvist",
    "hemliga behov",
    // Sundsvall's share of its cohort: 9 876 543 + 3 × 12 345 öre.
    "9913578",
    "99135,78",
    "99135.78",
    // Its agreement's budget, and what is left of it after the share.
    "123456789",
    "1234567,89",
    "1234567.89",
    "113543211",
    "1135432,11",
];

/// The secrets found in `text`; amounts are looked for without the spaces
/// that group their thousands.
fn secrets_in(text: &str) -> Vec<&'static str> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace() && *c != '\u{a0}' && *c != '\u{202f}').collect();
    SECRETS.iter().copied().filter(|s| text.contains(s) || compact.contains(s)).collect()
}

/// Whether `text` names `id` right after `prefix` (`"agreement_id":7`, but
/// not `"agreement_id":71`).
fn names_id(text: &str, prefix: &str, id: i64) -> bool {
    let needle = format!("{prefix}{id}");
    text.match_indices(&needle).any(|(at, _)| !text[at + needle.len()..].starts_with(|c: char| c.is_ascii_digit()))
}

/// Sundsvall's ids as JSON answers would name them.
fn api_id_secrets(f: &Fixture) -> Vec<(&'static str, i64)> {
    vec![
        ("\"organisation_id\":", f.sundsvall),
        ("\"agreement_id\":", f.sun_agreement),
        ("\"need_id\":", f.sun_need),
        ("\"need_id\":", f.sun_open_need),
    ]
}

/// Sundsvall's things as pages would link to them.
fn page_id_secrets(f: &Fixture) -> Vec<(&'static str, i64)> {
    vec![
        ("/organisations/", f.sundsvall),
        ("/cohorts/", f.sun_cohort),
        ("/open-seats/", f.sun_cohort),
        ("/needs/", f.sun_need),
        ("/needs/", f.sun_open_need),
    ]
}

/// Sundsvall's things (the other organisation's) and Ånge's (the caller's own).
struct Fixture {
    sundsvall: i64,
    sun_agreement: i64,
    /// The need behind Sundsvall's cohort.
    sun_need: i64,
    /// An open need that no cohort took: it is in the demand.
    sun_open_need: i64,
    sun_cohort: i64,
    sun_participant: i64,
    sun_waitlist_entry: i64,
    sun_email: i64,
    plan: i64,
    ange: i64,
    ange_agreement: i64,
    ange_cohort: i64,
}

fn organisation_body(org_number: &str, name: &str, domain: &str, employees: i64) -> Value {
    json!({
        "org_number": org_number, "name": name, "kind": "municipality", "employees": employees,
        "coordinator_email": format!("kompetens@{domain}"), "finance_email": format!("ekonomi@{domain}")
    })
}

async fn ok_json(app: &TestApp, response: reqwest::Response, what: &str) -> Value {
    let (status, body) = answer(response).await;
    assert!(status.is_success(), "{:?} {what}: {status} {body}", app.backend);
    body
}

async fn fixture(app: &TestApp) -> Fixture {
    let sundsvall = created_id(
        app.post(
            "/api/v1/organisations",
            &organisation_body(SUNDSVALL, "Sundsvalls kommun", "sundsvall.example", 9_000),
        )
        .await,
        app.backend,
    )
    .await;
    let ange = created_id(
        app.post("/api/v1/organisations", &organisation_body(ANGE, "Ånge kommun", "ange.example", 1_200)).await,
        app.backend,
    )
    .await;
    let (starts_on, ends_on) = active_period();
    let sun_agreement = created_id(
        app.post(
            "/api/v1/agreements",
            &json!({"organisation_id": sundsvall, "reference": "SKO-SUN-HEMLIG", "starts_on": starts_on,
                    "ends_on": ends_on, "budget_ore": 123_456_789, "pooling": true}),
        )
        .await,
        app.backend,
    )
    .await;
    let ange_agreement = app.agreement(ange, "SKO-ANG-01", true).await;

    // A course of at most 3 that Sundsvall fills alone.
    let full = app
        .post(
            "/api/v1/courses",
            &json!({"code": "FULLKURS", "title": "Kurs FULLKURS", "credits": 3, "min_participants": 2,
                    "max_participants": 3, "fixed_fee_ore": 9_876_543, "per_participant_fee_ore": 12_345}),
        )
        .await;
    assert_eq!(full.status(), StatusCode::CREATED);
    app.course("ANGEKURS", 2, 10).await;
    // Too few for a cohort: these needs stay open and make up the demand.
    app.course("SAMLA", 20, 30).await;

    let need = |agreement: i64, course: &str, seats: i64, note: &str| {
        json!({"agreement_id": agreement, "course_code": course, "seats": seats,
               "earliest_term": term(0), "latest_term": term(0), "note": note})
    };
    let sun_need = created_id(
        app.post("/api/v1/needs", &need(sun_agreement, "FULLKURS", 3, "Sundsvalls hemliga behov")).await,
        app.backend,
    )
    .await;
    let sun_open_need = created_id(
        app.post("/api/v1/needs", &need(sun_agreement, "SAMLA", 7, "Sundsvalls hemliga behov")).await,
        app.backend,
    )
    .await;
    app.need(ange_agreement, "ANGEKURS", 3, (&term(0), &term(0))).await;
    app.need(ange_agreement, "SAMLA", 2, (&term(0), &term(0))).await;

    let plan = ok_json(app, app.post("/api/v1/plans", &json!({})).await, "plan").await;
    let cohort_of = |course: &str| {
        plan["cohorts"].as_array().unwrap().iter().find(|c| c["course_code"] == course).expect(course)["id"]
            .as_i64()
            .unwrap()
    };
    let (sun_cohort, ange_cohort) = (cohort_of("FULLKURS"), cohort_of("ANGEKURS"));
    let plan = plan["id"].as_i64().unwrap();

    for cohort in [sun_cohort, ange_cohort] {
        ok_json(app, app.post(&format!("/api/v1/cohorts/{cohort}/confirm"), &json!({})).await, "confirm").await;
    }
    let mut sun_participant = 0;
    for (name, email) in
        [("Sigrid Sundström", "sigrid.sundstrom@sundsvall.example"), ("Sune Sundqvist", "sune@sundsvall.example")]
    {
        let added = app
            .post(
                &format!("/api/v1/cohorts/{sun_cohort}/participants"),
                &json!({"agreement_id": sun_agreement, "name": name, "email": email}),
            )
            .await;
        sun_participant = ok_json(app, added, "participant").await["id"].as_i64().unwrap();
    }
    let added = app
        .post(
            &format!("/api/v1/cohorts/{ange_cohort}/participants"),
            &json!({"agreement_id": ange_agreement, "name": "Åsa Ängström", "email": "asa@ange.example"}),
        )
        .await;
    ok_json(app, added, "Ånge's participant").await;
    for cohort in [sun_cohort, ange_cohort] {
        ok_json(app, app.post(&format!("/api/v1/cohorts/{cohort}/invoice"), &json!({})).await, "invoice").await;
    }

    // The cohort is full: one more Sundsvall seat waits.
    let waiting = app
        .post(&format!("/api/v1/cohorts/{sun_cohort}/join"), &json!({"agreement_id": sun_agreement, "seats": 1}))
        .await;
    assert_eq!(waiting.status(), StatusCode::ACCEPTED, "{:?}: waitlisted", app.backend);
    let sun_waitlist_entry = waiting.json::<Value>().await.unwrap()["id"].as_i64().unwrap();

    let outbox = app.list("/api/v1/outbox").await;
    let sun_email = outbox
        .iter()
        .find(|e| e["to"].as_str().is_some_and(|to| to.contains("sundsvall.example")))
        .unwrap_or_else(|| panic!("an e-mail to Sundsvall in {outbox:?}"))["id"]
        .as_i64()
        .unwrap();
    assert!(app.count("audit_log") > 0 && app.count("invoice_lines") > 0);

    Fixture {
        sundsvall,
        sun_agreement,
        sun_need,
        sun_open_need,
        sun_cohort,
        sun_participant,
        sun_waitlist_entry,
        sun_email,
        plan,
        ange,
        ange_agreement,
        ange_cohort,
    }
}

/// What an organisation or finance user of Ånge may get from a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Another organisation's thing, or a role's refusal: 403 or 404.
    Refused,
    /// As `Refused`, or 422 when what is refused is an id in the body
    /// (the answer names the field, as for any id the caller cannot use).
    RefusedOrInvalid,
    /// A list or a shared page: 200 (or 403 for a role that may not read
    /// it), without any of the other organisation's data.
    Filtered,
    /// Joining a full cohort: by design an organisation may queue for seats
    /// in any cohort it could join (one that filled up while it decided),
    /// so its own request waits (202) or is refused; the answer is about
    /// its own waitlist entry only.
    WaitsInLine,
    /// Open to everyone, without a token: not part of the matrix (the
    /// OpenAPI document's examples are Sundsvall's, so its text is not checked).
    Public,
}

/// The body a request carries.
#[derive(Debug, Clone)]
enum Body {
    None,
    Json(Value),
    Csv(String),
}

struct ApiRoute {
    method: Method,
    /// The path as the OpenAPI document names it.
    template: &'static str,
    path: String,
    body: Body,
    expect: Expect,
    /// A string the coordinator's answer contains: the fixture is right and
    /// a filtered answer without it means something.
    coordinator_sees: Option<String>,
}

fn api(method: Method, template: &'static str, path: String, body: Body, expect: Expect) -> ApiRoute {
    ApiRoute { method, template, path, body, expect, coordinator_sees: None }
}

impl ApiRoute {
    fn seen_by_coordinator(mut self, marker: impl Into<String>) -> Self {
        self.coordinator_sees = Some(marker.into());
        self
    }
}

/// Every API route, with Sundsvall's ids filled in and a valid body.
fn api_routes(f: &Fixture) -> Vec<ApiRoute> {
    use Expect::*;
    let (get, post, patch, delete) = (Method::GET, Method::POST, Method::PATCH, Method::DELETE);
    let (sun, agr, need, cohort) = (f.sundsvall, f.sun_agreement, f.sun_need, f.sun_cohort);
    let (starts_on, ends_on) = active_period();
    let json = Body::Json;
    let need_body = |agreement: i64| {
        json!({"agreement_id": agreement, "course_code": "SAMLA", "seats": 2,
               "earliest_term": term(0), "latest_term": term(0)})
    };
    vec![
        api(get.clone(), "/health", "/health".into(), Body::None, Public),
        api(get.clone(), "/api/v1/openapi.json", "/api/v1/openapi.json".into(), Body::None, Public),
        // The registry.
        api(
            post.clone(),
            "/api/v1/organisations",
            "/api/v1/organisations".into(),
            json(organisation_body("212000-2395", "Timrå kommun", "timra.example", 1_600)),
            Refused,
        ),
        api(get.clone(), "/api/v1/organisations", "/api/v1/organisations".into(), Body::None, Filtered)
            .seen_by_coordinator("Sundsvalls kommun"),
        api(get.clone(), "/api/v1/organisations/{id}", format!("/api/v1/organisations/{sun}"), Body::None, Refused),
        api(
            patch.clone(),
            "/api/v1/organisations/{id}",
            format!("/api/v1/organisations/{sun}"),
            json(json!({"employees": 1})),
            Refused,
        ),
        api(
            get.clone(),
            "/api/v1/organisations/{id}/invoicing",
            format!("/api/v1/organisations/{sun}/invoicing"),
            Body::None,
            Refused,
        )
        .seen_by_coordinator("9913578"),
        api(
            get.clone(),
            "/api/v1/organisations/{id}/invoicing.csv",
            format!("/api/v1/organisations/{sun}/invoicing.csv"),
            Body::None,
            Refused,
        )
        .seen_by_coordinator("SKO-SUN-HEMLIG"),
        api(
            get.clone(),
            "/api/v1/organisations/{id}/invoicing.xlsx",
            format!("/api/v1/organisations/{sun}/invoicing.xlsx"),
            Body::None,
            Refused,
        ),
        api(
            post.clone(),
            "/api/v1/agreements",
            "/api/v1/agreements".into(),
            json(json!({"organisation_id": sun, "reference": "SKO-SUN-02", "starts_on": starts_on,
                        "ends_on": ends_on, "budget_ore": 100, "pooling": true})),
            Refused,
        ),
        api(get.clone(), "/api/v1/agreements", "/api/v1/agreements".into(), Body::None, Filtered)
            .seen_by_coordinator("SKO-SUN-HEMLIG"),
        api(
            get.clone(),
            "/api/v1/agreements",
            format!("/api/v1/agreements?organisation_id={sun}"),
            Body::None,
            Filtered,
        )
        .seen_by_coordinator("SKO-SUN-HEMLIG"),
        api(get.clone(), "/api/v1/agreements/{id}", format!("/api/v1/agreements/{agr}"), Body::None, Refused),
        api(
            patch.clone(),
            "/api/v1/agreements/{id}",
            format!("/api/v1/agreements/{agr}"),
            json(json!({"budget_ore": 1})),
            Refused,
        ),
        api(
            get.clone(),
            "/api/v1/agreements/{id}/budget",
            format!("/api/v1/agreements/{agr}/budget"),
            Body::None,
            Refused,
        )
        .seen_by_coordinator("113543211"),
        api(
            post.clone(),
            "/api/v1/courses",
            "/api/v1/courses".into(),
            json(json!({"code": "NY1", "title": "Ny", "credits": 3, "min_participants": 1,
                        "max_participants": 2, "fixed_fee_ore": 0, "per_participant_fee_ore": 0})),
            Refused,
        ),
        // The catalogue is everyone's.
        api(get.clone(), "/api/v1/courses", "/api/v1/courses".into(), Body::None, Filtered),
        api(get.clone(), "/api/v1/courses/{code}", "/api/v1/courses/FULLKURS".into(), Body::None, Filtered),
        api(
            patch.clone(),
            "/api/v1/courses/{code}",
            "/api/v1/courses/FULLKURS".into(),
            json(json!({"title": "Ändrad"})),
            Refused,
        ),
        // Needs and demand.
        api(post.clone(), "/api/v1/needs", "/api/v1/needs".into(), json(need_body(agr)), RefusedOrInvalid),
        api(get.clone(), "/api/v1/needs", "/api/v1/needs".into(), Body::None, Filtered)
            .seen_by_coordinator("hemliga behov"),
        api(get.clone(), "/api/v1/needs", format!("/api/v1/needs?organisation_id={sun}"), Body::None, Filtered),
        api(get.clone(), "/api/v1/needs/{id}", format!("/api/v1/needs/{need}"), Body::None, Refused),
        api(get.clone(), "/api/v1/needs/{id}", format!("/api/v1/needs/{}", f.sun_open_need), Body::None, Refused),
        api(
            patch.clone(),
            "/api/v1/needs/{id}",
            format!("/api/v1/needs/{}", f.sun_open_need),
            json(json!({"seats": 1})),
            Refused,
        ),
        api(delete.clone(), "/api/v1/needs/{id}", format!("/api/v1/needs/{}", f.sun_open_need), Body::None, Refused),
        api(
            post.clone(),
            "/api/v1/needs/import",
            "/api/v1/needs/import".into(),
            Body::Csv(format!(
                "agreement_reference,course_code,seats,extra_seats,earliest_term,latest_term,note\nSKO-SUN-HEMLIG,SAMLA,2,0,{},{},\n",
                term(0),
                term(0)
            )),
            RefusedOrInvalid,
        ),
        api(get.clone(), "/api/v1/demand", "/api/v1/demand".into(), Body::None, Filtered)
            .seen_by_coordinator("Sundsvalls kommun"),
        // Planning and cohorts.
        api(post.clone(), "/api/v1/plans", "/api/v1/plans".into(), json(json!({})), Refused),
        api(get.clone(), "/api/v1/plans/{id}", format!("/api/v1/plans/{}", f.plan), Body::None, Refused)
            .seen_by_coordinator("Sundsvalls kommun"),
        api(
            post.clone(),
            "/api/v1/plans/{id}/invite",
            format!("/api/v1/plans/{}/invite", f.plan),
            json(json!({"course_code": "SAMLA", "term": term(0), "organisation_ids": [f.ange]})),
            Refused,
        ),
        api(get.clone(), "/api/v1/cohorts", "/api/v1/cohorts".into(), Body::None, Filtered)
            .seen_by_coordinator("Sundsvalls kommun"),
        api(get.clone(), "/api/v1/cohorts/{id}", format!("/api/v1/cohorts/{cohort}"), Body::None, Refused)
            .seen_by_coordinator("9913578"),
        api(
            post.clone(),
            "/api/v1/cohorts/{id}/join",
            format!("/api/v1/cohorts/{cohort}/join"),
            json(json!({"agreement_id": f.ange_agreement, "seats": 1})),
            WaitsInLine,
        ),
        api(
            post.clone(),
            "/api/v1/cohorts/{id}/confirm",
            format!("/api/v1/cohorts/{cohort}/confirm"),
            json(json!({})),
            Refused,
        ),
        api(
            get.clone(),
            "/api/v1/cohorts/{id}/splits",
            format!("/api/v1/cohorts/{cohort}/splits"),
            Body::None,
            Refused,
        )
        .seen_by_coordinator("9913578"),
        api(
            post.clone(),
            "/api/v1/cohorts/{id}/withdraw",
            format!("/api/v1/cohorts/{cohort}/withdraw"),
            json(json!({"agreement_id": agr, "seats": 1})),
            Refused,
        ),
        api(
            post.clone(),
            "/api/v1/cohorts/{id}/cancel",
            format!("/api/v1/cohorts/{cohort}/cancel"),
            json(json!({"reason": "Fel"})),
            Refused,
        ),
        api(
            post.clone(),
            "/api/v1/cohorts/{id}/invoice",
            format!("/api/v1/cohorts/{cohort}/invoice"),
            json(json!({})),
            Refused,
        ),
        api(
            post.clone(),
            "/api/v1/cohorts/{id}/participants",
            format!("/api/v1/cohorts/{cohort}/participants"),
            json(json!({"agreement_id": f.ange_agreement, "name": "Eva", "email": "eva@ange.example"})),
            Refused,
        ),
        api(
            get.clone(),
            "/api/v1/cohorts/{id}/participants",
            format!("/api/v1/cohorts/{cohort}/participants"),
            Body::None,
            Refused,
        )
        .seen_by_coordinator("Sigrid Sundström"),
        api(
            delete.clone(),
            "/api/v1/cohorts/{id}/participants/{participant_id}",
            format!("/api/v1/cohorts/{cohort}/participants/{}", f.sun_participant),
            Body::None,
            Refused,
        ),
        // Everyone's waitlist of a cohort, filtered to their own entries
        // (an empty list for any id, so it tells nothing of the cohort).
        api(
            get.clone(),
            "/api/v1/cohorts/{id}/waitlist",
            format!("/api/v1/cohorts/{cohort}/waitlist"),
            Body::None,
            Filtered,
        )
        .seen_by_coordinator(format!("\"organisation_id\":{sun}")),
        api(
            delete.clone(),
            "/api/v1/cohorts/{id}/waitlist/{entry_id}",
            format!("/api/v1/cohorts/{cohort}/waitlist/{}", f.sun_waitlist_entry),
            Body::None,
            Refused,
        ),
        api(
            post.clone(),
            "/api/v1/cohorts/{id}/invite",
            format!("/api/v1/cohorts/{cohort}/invite"),
            json(json!({"organisation_ids": [f.ange]})),
            Refused,
        ),
        api(get.clone(), "/api/v1/open-seats", "/api/v1/open-seats".into(), Body::None, Filtered),
        api(
            get.clone(),
            "/api/v1/open-seats",
            format!("/api/v1/open-seats?organisation_id={sun}"),
            Body::None,
            Filtered,
        ),
        // The audit log and the outbox.
        api(get.clone(), "/api/v1/audit", "/api/v1/audit".into(), Body::None, Filtered)
            .seen_by_coordinator(format!("\"cohort_id\":{cohort}")),
        api(get.clone(), "/api/v1/outbox", "/api/v1/outbox".into(), Body::None, Filtered)
            .seen_by_coordinator("sundsvall.example"),
        api(
            post.clone(),
            "/api/v1/outbox/{id}/retry",
            format!("/api/v1/outbox/{}/retry", f.sun_email),
            json(json!({})),
            Refused,
        ),
        // Ånge's own cohort, with Sundsvall's agreement in the body.
        api(
            post.clone(),
            "/api/v1/cohorts/{id}/join",
            format!("/api/v1/cohorts/{}/join", f.ange_cohort),
            json(json!({"agreement_id": agr, "seats": 1})),
            RefusedOrInvalid,
        ),
        api(
            post.clone(),
            "/api/v1/cohorts/{id}/withdraw",
            format!("/api/v1/cohorts/{}/withdraw", f.ange_cohort),
            json(json!({"agreement_id": agr, "seats": 1})),
            RefusedOrInvalid,
        ),
        api(
            post,
            "/api/v1/cohorts/{id}/participants",
            format!("/api/v1/cohorts/{}/participants", f.ange_cohort),
            json(json!({"agreement_id": agr, "name": "Eva", "email": "eva@ange.example"})),
            RefusedOrInvalid,
        ),
    ]
}

/// The text of an answer: a workbook's cells, anything else as it came.
async fn text_of(response: reqwest::Response) -> String {
    let is_xlsx = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .is_some_and(|t| t.to_str().unwrap_or("").contains("spreadsheetml"));
    let bytes = response.bytes().await.expect("a body").to_vec();
    if !is_xlsx {
        return String::from_utf8_lossy(&bytes).into_owned();
    }
    use calamine::Reader;
    let mut workbook: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("an XLSX workbook");
    let mut text = String::new();
    for (_, sheet) in workbook.worksheets() {
        for row in sheet.rows() {
            for cell in row {
                text.push_str(&cell.to_string());
                text.push('\t');
            }
            text.push('\n');
        }
    }
    text
}

async fn send(app: &TestApp, token: Option<&str>, route: &ApiRoute) -> reqwest::Response {
    let mut request = app.client.request(route.method.clone(), app.url(&route.path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request = match &route.body {
        Body::None => request,
        Body::Json(value) => request.json(value),
        Body::Csv(text) => request.header("Content-Type", "text/csv").body(text.clone()),
    };
    request.send().await.expect("request")
}

/// What the database holds, as far as a refused write could have changed
/// it: every table's row count but the sign-ins', and the coordinator's view
/// of each of both organisations' things.
async fn snapshot(app: &TestApp, f: &Fixture) -> Vec<(String, String)> {
    let mut seen = Vec::new();
    for table in [
        "organisations",
        "agreements",
        "courses",
        "needs",
        "plans",
        "cohorts",
        "cohort_allocations",
        "plan_unplaced",
        "split_versions",
        "split_shares",
        "invoice_lines",
        "audit_log",
        "email_outbox",
        "participants",
        "waitlist",
    ] {
        seen.push((table.to_owned(), app.count(table).to_string()));
    }
    for path in [
        format!("/api/v1/organisations/{}", f.sundsvall),
        format!("/api/v1/organisations/{}", f.ange),
        format!("/api/v1/agreements/{}", f.sun_agreement),
        format!("/api/v1/agreements/{}/budget", f.sun_agreement),
        format!("/api/v1/agreements/{}/budget", f.ange_agreement),
        format!("/api/v1/needs/{}", f.sun_need),
        format!("/api/v1/needs/{}", f.sun_open_need),
        "/api/v1/courses".to_owned(),
        format!("/api/v1/cohorts/{}", f.sun_cohort),
        format!("/api/v1/cohorts/{}", f.ange_cohort),
        format!("/api/v1/cohorts/{}/participants", f.sun_cohort),
        format!("/api/v1/cohorts/{}/waitlist", f.sun_cohort),
        "/api/v1/outbox".to_owned(),
    ] {
        let body = app.get(&path).await.text().await.expect("a body");
        seen.push((path, body));
    }
    seen
}

/// A token whose row is changed straight in the database.
fn token_with(app: &TestApp, role: Role, organisation: Option<&str>, change: &str) -> String {
    let token = app.user(role, organisation);
    let mut conn = app.pool.get().expect("connection");
    let now = Utc::now().naive_utc();
    let row = api_tokens::table.filter(api_tokens::token_hash.eq(tokens::hash(&token)));
    let changed = match change {
        "revoked" => diesel::update(row).set(api_tokens::revoked_at.eq(Some(now))).execute(&mut conn),
        "expired" => diesel::update(row)
            .set(api_tokens::expires_at.eq(Some(now - chrono::Duration::minutes(1))))
            .execute(&mut conn),
        other => panic!("no change {other}"),
    };
    assert_eq!(changed.expect("token changed"), 1);
    token
}

/// The routes named by the OpenAPI document, as (method, path).
async fn openapi_routes(app: &TestApp) -> BTreeSet<(String, String)> {
    let document = public_json(app, "/api/v1/openapi.json").await;
    let mut routes = BTreeSet::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                routes.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    routes
}

/// The routes that `configure` functions register in `files` (relative to
/// the crate), as (method, `prefix` + path). A resource not named by a
/// string literal is given by the constant's name.
fn source_routes(files: &[&str], prefix: &str) -> BTreeSet<(String, String)> {
    let mut routes = BTreeSet::new();
    for file in files {
        let source = std::fs::read_to_string(format!("{}/{file}", env!("CARGO_MANIFEST_DIR"))).expect(file);
        let Some(start) = source.find("pub fn configure") else { continue };
        let body = &source[start..];
        let body = &body[..body.find("\n}\n").unwrap_or(body.len())];
        for chunk in body.split("web::resource(").skip(1) {
            let path = match chunk.strip_prefix('"') {
                Some(rest) => format!("{prefix}{}", &rest[..rest.find('"').unwrap()]),
                None => chunk[..chunk.find(')').unwrap()].to_owned(),
            };
            for method in ["get", "post", "put", "patch", "delete"] {
                if chunk.contains(&format!("web::{method}()")) {
                    routes.insert((method.to_uppercase(), path.clone()));
                }
            }
        }
    }
    routes
}

/// The `.rs` files of a folder of the crate and the `mod.rs` of each of its
/// subfolders: where routes are registered.
fn source_files(folder: &str) -> Vec<String> {
    let root = format!("{}/{folder}", env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<String> = std::fs::read_dir(&root)
        .expect(folder)
        .flatten()
        .filter_map(|entry| {
            let (path, name) = (entry.path(), entry.file_name().to_string_lossy().into_owned());
            if path.is_dir() {
                path.join("mod.rs").exists().then(|| format!("{folder}/{name}/mod.rs"))
            } else {
                name.ends_with(".rs").then(|| format!("{folder}/{name}"))
            }
        })
        .collect();
    files.sort();
    files
}

/// A JSON document that needs no token.
async fn public_json(app: &TestApp, path: &str) -> Value {
    let response = app.client.get(app.url(path)).send().await.expect("request");
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.json().await.expect("JSON")
}

#[tokio::test]
async fn every_api_route_refuses_other_organisations_and_bad_tokens() {
    for (app, _db) in spawn_apps().await {
        let f = fixture(&app).await;
        let routes = api_routes(&f);

        // The table names every route there is.
        let table: BTreeSet<(String, String)> =
            routes.iter().map(|r| (r.method.to_string(), r.template.to_owned())).collect();
        let documented = openapi_routes(&app).await;
        let missing: Vec<_> = documented.difference(&table).collect();
        assert!(missing.is_empty(), "routes of the OpenAPI document the matrix lacks: {missing:?}");
        let api_files = source_files("src/web/api");
        let api_files: Vec<&str> = api_files.iter().map(String::as_str).collect();
        let registered = source_routes(&api_files, "/api/v1");
        let missing: Vec<_> = registered.difference(&table).collect();
        assert!(missing.is_empty(), "routes registered in src/web/api the matrix lacks: {missing:?}");
        assert!(registered.len() > 40, "the source was read: {registered:?}");

        let mut before = snapshot(&app, &f).await;
        let mut failures = Vec::new();

        // Without a valid token, every route but the public ones is 401 and
        // changes nothing, even for a token that was a coordinator's.
        let unknown = tokens::generate();
        let revoked = token_with(&app, Role::Coordinator, None, "revoked");
        let expired = token_with(&app, Role::Coordinator, None, "expired");
        let revoked_own = token_with(&app, Role::Organisation, Some(ANGE), "revoked");
        let too_long = format!("{}0", app.token);
        let bad_tokens: [(&str, Option<&str>); 8] = [
            ("no token", None),
            ("empty", Some("")),
            ("malformed", Some("sp_not-hex")),
            ("too long", Some(&too_long)),
            ("unknown", Some(&unknown)),
            ("revoked coordinator", Some(&revoked)),
            ("expired coordinator", Some(&expired)),
            ("revoked own", Some(&revoked_own)),
        ];
        for route in routes.iter().filter(|r| r.expect != Expect::Public) {
            for (label, token) in &bad_tokens {
                let response = send(&app, *token, route).await;
                let status = response.status();
                let body = text_of(response).await;
                if status != StatusCode::UNAUTHORIZED || !secrets_in(&body).is_empty() {
                    failures.push(format!("{label}: {} {} → {status} {body}", route.method, route.path));
                }
            }
        }
        if snapshot(&app, &f).await != before {
            failures.push("a request without a valid token changed something".to_owned());
            before = snapshot(&app, &f).await;
        }

        // Ånge's own users: refused for Sundsvall's things, lists without them.
        let callers = [
            ("organisation", app.user(Role::Organisation, Some(ANGE))),
            ("finance", app.user(Role::Finance, Some(ANGE))),
        ];
        for (label, token) in &callers {
            for route in routes.iter().filter(|r| r.expect != Expect::Public) {
                let response = send(&app, Some(token), route).await;
                let status = response.status();
                let body = text_of(response).await;
                let sent = format!("{} {}", route.path, sent_text(&route.body));
                let problem = judge(route.expect, status, &body, &sent, f.ange)
                    .or_else(|| names_any(&body, &sent, &api_id_secrets(&f)));
                if let Some(problem) = problem {
                    failures.push(format!("{label}: {} {} → {status}, {problem}: {body}", route.method, route.path));
                }
                if route.method != Method::GET {
                    let after = snapshot(&app, &f).await;
                    if after != before && !(route.expect == Expect::WaitsInLine && status == StatusCode::ACCEPTED) {
                        failures.push(format!("{label}: {} {} changed something ({status})", route.method, route.path));
                    }
                    before = after;
                }
            }
        }

        // The coordinator reads everything: the ids are right, so the 404s
        // above are refusals, and the secrets are there to be found.
        for route in routes.iter().filter(|r| r.method == Method::GET) {
            let response = send(&app, Some(&app.token), route).await;
            let status = response.status();
            let body = text_of(response).await;
            if !status.is_success() || route.coordinator_sees.as_ref().is_some_and(|marker| !body.contains(marker)) {
                failures.push(format!("coordinator: GET {} → {status} {body}", route.path));
            }
        }
        assert!(failures.is_empty(), "{:?}:\n{}", app.backend, failures.join("\n"));
    }
}

/// Which of Sundsvall's ids an answer names that its request did not.
fn names_any(body: &str, sent: &str, ids: &[(&str, i64)]) -> Option<String> {
    let named: Vec<String> = ids
        .iter()
        .filter(|(prefix, id)| names_id(body, prefix, *id) && !names_id(sent, prefix, *id))
        .map(|(prefix, id)| format!("{prefix}{id}"))
        .collect();
    (!named.is_empty()).then(|| format!("names Sundsvall's {named:?}"))
}

/// The text a request sent: what an answer may repeat back to its sender.
fn sent_text(body: &Body) -> String {
    match body {
        Body::None => String::new(),
        Body::Json(value) => value.to_string(),
        Body::Csv(text) => text.clone(),
    }
}

/// What is wrong with an answer to one of Ånge's users, if anything. An
/// answer may repeat what the request sent (an unusable reference, named).
fn judge(expect: Expect, status: StatusCode, body: &str, sent: &str, own: i64) -> Option<String> {
    let status = status.as_u16();
    let allowed: &[u16] = match expect {
        Expect::Refused => &[403, 404],
        Expect::RefusedOrInvalid => &[403, 404, 422],
        Expect::Filtered | Expect::Public => &[200, 403],
        Expect::WaitsInLine => &[202, 403, 404, 409],
    };
    if !allowed.contains(&status) {
        return Some(format!("not one of {allowed:?}"));
    }
    let leaked: Vec<&str> = secrets_in(body).into_iter().filter(|s| !sent.contains(s)).collect();
    if !leaked.is_empty() {
        return Some(format!("leaks {leaked:?}"));
    }
    if expect == Expect::WaitsInLine && status == 202 {
        let entry: Value = serde_json::from_str(body).unwrap_or_default();
        if entry["organisation_id"] != own {
            return Some("a waitlist entry not of the caller's own".to_owned());
        }
    }
    None
}

/// A form a page route is sent.
enum Form {
    None,
    Fields(Vec<(&'static str, String)>),
    /// A file for the import form, as CSV.
    File(String),
}

struct PageRoute {
    method: Method,
    /// The path as `configure` registers it.
    template: &'static str,
    path: String,
    form: Form,
    expect: Expect,
    /// What the coordinator's page shows, when the coordinator may read it.
    coordinator_sees: Option<String>,
}

fn page(method: Method, template: &'static str, path: String, form: Form, expect: Expect) -> PageRoute {
    PageRoute { method, template, path, form, expect, coordinator_sees: None }
}

impl PageRoute {
    fn seen_by_coordinator(mut self, marker: impl Into<String>) -> Self {
        self.coordinator_sees = Some(marker.into());
        self
    }
}

/// Every page route, with Sundsvall's ids filled in and a valid form.
fn page_routes(f: &Fixture) -> Vec<PageRoute> {
    use Expect::*;
    let (get, post) = (Method::GET, Method::POST);
    let (sun, need, cohort) = (f.sundsvall, f.sun_open_need, f.sun_cohort);
    let fields = |pairs: &[(&'static str, String)]| Form::Fields(pairs.to_vec());
    let csv = format!(
        "agreement_reference,course_code,seats,extra_seats,earliest_term,latest_term,note\nSKO-SUN-HEMLIG,SAMLA,2,0,{},{},\n",
        term(0),
        term(0)
    );
    let need_fields = |agreement: i64| {
        vec![
            ("agreement_id", agreement.to_string()),
            ("course_code", "SAMLA".to_owned()),
            ("seats", "2".to_owned()),
            ("extra_seats", "0".to_owned()),
            ("earliest_term", term(0)),
            ("latest_term", term(0)),
            ("note", String::new()),
        ]
    };
    vec![
        page(get.clone(), "/login", "/login".into(), Form::None, Public),
        page(post.clone(), "/login", "/login".into(), Form::None, Public),
        page(post.clone(), "/logout", "/logout".into(), Form::None, Public),
        page(get.clone(), "/language/{code}", "/language/en".into(), Form::None, Public),
        page(get.clone(), "layout::STYLESHEET_PATH", "/".into(), Form::None, Public),
        page(get.clone(), "/", "/".into(), Form::None, Filtered).seen_by_coordinator("FULLKURS"),
        // The coordinator's pages.
        page(get.clone(), "/organisations", "/organisations".into(), Form::None, Filtered)
            .seen_by_coordinator("Sundsvalls kommun"),
        page(get.clone(), "/organisations/{id}", format!("/organisations/{sun}"), Form::None, Refused)
            .seen_by_coordinator("SKO-SUN-HEMLIG"),
        page(get.clone(), "/agreements", "/agreements".into(), Form::None, Filtered),
        page(get.clone(), "/courses", "/courses".into(), Form::None, Filtered),
        page(get.clone(), "/outbox", "/outbox".into(), Form::None, Filtered).seen_by_coordinator("sundsvall.example"),
        page(post.clone(), "/outbox/{id}/retry", format!("/outbox/{}/retry", f.sun_email), fields(&[]), Refused),
        page(get.clone(), "/audit", "/audit".into(), Form::None, Filtered),
        // Plans and cohorts.
        page(get.clone(), "/plans", "/plans".into(), Form::None, Filtered),
        page(post.clone(), "/plans", "/plans".into(), fields(&[]), Refused),
        page(get.clone(), "/plans/{id}", format!("/plans/{}", f.plan), Form::None, Refused)
            .seen_by_coordinator("Sundsvalls kommun"),
        page(
            post.clone(),
            "/plans/{id}/invite",
            format!("/plans/{}/invite", f.plan),
            fields(&[("course_code", "SAMLA".into()), ("term", term(0)), ("organisation_ids", f.ange.to_string())]),
            Refused,
        ),
        page(get.clone(), "/cohorts", "/cohorts".into(), Form::None, Filtered)
            .seen_by_coordinator(format!("/cohorts/{cohort}\"")),
        page(get.clone(), "/cohorts/{id}", format!("/cohorts/{cohort}"), Form::None, Refused)
            .seen_by_coordinator("Sigrid Sundström"),
        page(get.clone(), "/cohorts/{id}/confirm", format!("/cohorts/{cohort}/confirm"), Form::None, Refused),
        page(
            post.clone(),
            "/cohorts/{id}/confirm",
            format!("/cohorts/{cohort}/confirm"),
            fields(&[("split_rule", "per_seat".into())]),
            Refused,
        ),
        page(get.clone(), "/cohorts/{id}/invoice", format!("/cohorts/{cohort}/invoice"), Form::None, Refused),
        page(post.clone(), "/cohorts/{id}/invoice", format!("/cohorts/{cohort}/invoice"), fields(&[]), Refused),
        page(get.clone(), "/cohorts/{id}/cancel", format!("/cohorts/{cohort}/cancel"), Form::None, Refused),
        page(
            post.clone(),
            "/cohorts/{id}/cancel",
            format!("/cohorts/{cohort}/cancel"),
            fields(&[("reason", "Fel".into())]),
            Refused,
        ),
        // Needs.
        page(get.clone(), "/needs", "/needs".into(), Form::None, Filtered).seen_by_coordinator("SKO-SUN-HEMLIG"),
        page(post.clone(), "/needs", "/needs".into(), Form::Fields(need_fields(f.sun_agreement)), RefusedOrInvalid),
        page(get.clone(), "/needs/new", "/needs/new".into(), Form::None, Filtered),
        page(get.clone(), "/needs/import", "/needs/import".into(), Form::None, Filtered),
        page(post.clone(), "/needs/import", "/needs/import".into(), Form::File(csv.clone()), RefusedOrInvalid),
        page(
            post.clone(),
            "/needs/import/confirm",
            "/needs/import/confirm".into(),
            fields(&[("rows", csv)]),
            RefusedOrInvalid,
        ),
        page(
            post.clone(),
            "/needs/{id}",
            format!("/needs/{need}"),
            Form::Fields(need_fields(f.sun_agreement)),
            Refused,
        ),
        page(get.clone(), "/needs/{id}/edit", format!("/needs/{need}/edit"), Form::None, Refused)
            .seen_by_coordinator("hemliga behov"),
        page(get.clone(), "/needs/{id}/withdraw", format!("/needs/{need}/withdraw"), Form::None, Refused),
        page(post.clone(), "/needs/{id}/withdraw", format!("/needs/{need}/withdraw"), fields(&[]), Refused),
        // Open seats and participants.
        page(get.clone(), "/open-seats", "/open-seats".into(), Form::None, Filtered),
        page(
            get.clone(),
            "/open-seats/{cohort_id}/join",
            format!("/open-seats/{cohort}/join?seats=1&agreement={}", f.ange_agreement),
            Form::None,
            RefusedOrInvalid,
        ),
        page(
            post.clone(),
            "/open-seats/{cohort_id}/join",
            format!("/open-seats/{cohort}/join"),
            fields(&[("seats", "1".into()), ("agreement", f.ange_agreement.to_string())]),
            WaitsInLine,
        ),
        page(get.clone(), "/cohorts/{id}/participants", format!("/cohorts/{cohort}/participants"), Form::None, Refused)
            .seen_by_coordinator("Sigrid Sundström"),
        page(
            post.clone(),
            "/cohorts/{id}/participants",
            format!("/cohorts/{cohort}/participants"),
            fields(&[
                ("agreement_id", f.ange_agreement.to_string()),
                ("name", "Eva".into()),
                ("email", "eva@ange.example".into()),
            ]),
            Refused,
        ),
        page(
            get.clone(),
            "/cohorts/{id}/participants/{participant_id}/remove",
            format!("/cohorts/{cohort}/participants/{}/remove", f.sun_participant),
            Form::None,
            Refused,
        )
        .seen_by_coordinator("Sune Sundqvist"),
        page(
            post.clone(),
            "/cohorts/{id}/participants/{participant_id}/remove",
            format!("/cohorts/{cohort}/participants/{}/remove", f.sun_participant),
            fields(&[]),
            Refused,
        ),
        // Ånge's own cohort, with Sundsvall's agreement in the form.
        page(
            post.clone(),
            "/cohorts/{id}/participants",
            format!("/cohorts/{}/participants", f.ange_cohort),
            fields(&[
                ("agreement_id", f.sun_agreement.to_string()),
                ("name", "Eva".into()),
                ("email", "eva@ange.example".into()),
            ]),
            RefusedOrInvalid,
        ),
        // Invoicing: the organisation asked for is a coordinator's choice.
        page(get.clone(), "/invoicing", format!("/invoicing?organisation={sun}"), Form::None, Filtered)
            .seen_by_coordinator("SKO-SUN-HEMLIG"),
        page(get.clone(), "/invoicing.csv", format!("/invoicing.csv?organisation={sun}"), Form::None, Filtered)
            .seen_by_coordinator("SKO-SUN-HEMLIG"),
        page(get, "/invoicing.xlsx", format!("/invoicing.xlsx?organisation={sun}"), Form::None, Filtered)
            .seen_by_coordinator("SKO-SUN-HEMLIG"),
    ]
}

async fn send_page(browser: &PageClient, route: &PageRoute) -> reqwest::Response {
    match (&route.method, &route.form) {
        (&Method::GET, _) => browser.get_raw(&route.path).await,
        (_, Form::File(csv)) => {
            browser.post_file(&route.path, &[], "file", "behov.csv", csv.clone().into_bytes()).await
        }
        (_, Form::Fields(pairs)) => {
            let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
            browser.post(&route.path, &pairs).await
        }
        (_, Form::None) => browser.post(&route.path, &[]).await,
    }
}

fn form_text(form: &Form) -> String {
    match form {
        Form::None => String::new(),
        Form::Fields(pairs) => pairs.iter().map(|(k, v)| format!("{k}={v}\n")).collect(),
        Form::File(csv) => csv.clone(),
    }
}

#[tokio::test]
async fn every_page_refuses_other_organisations() {
    for (app, _db) in spawn_apps().await {
        let f = fixture(&app).await;
        let routes = page_routes(&f);

        // The table names every page route there is.
        let table: BTreeSet<(String, String)> =
            routes.iter().map(|r| (r.method.to_string(), r.template.to_owned())).collect();
        let page_files = source_files("src/web/pages");
        let page_files: Vec<&str> = page_files.iter().map(String::as_str).collect();
        let registered = source_routes(&page_files, "");
        let missing: Vec<_> = registered.difference(&table).collect();
        assert!(missing.is_empty(), "page routes registered in src/web/pages the matrix lacks: {missing:?}");
        assert!(registered.len() > 40, "the source was read: {registered:?}");

        let mut before = snapshot(&app, &f).await;
        let mut failures = Vec::new();

        // Without a session every page sends the browser to the sign-in form.
        // A connection each: the server answers before reading a body it
        // has no use for, and closes the connection after.
        let anonymous = crate::helpers::http_client()
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(0)
            .build()
            .unwrap();
        for route in routes.iter().filter(|r| r.expect != Expect::Public) {
            let request = anonymous.request(route.method.clone(), app.url(&route.path));
            let request = match &route.form {
                Form::Fields(pairs) => request.form(pairs),
                _ => request,
            };
            let response = request.send().await.expect("request");
            let status = response.status();
            let to = response.headers().get(reqwest::header::LOCATION).map(|l| l.to_str().unwrap().to_owned());
            if status != StatusCode::SEE_OTHER || to.as_deref() != Some("/login") {
                failures.push(format!("no session: {} {} → {status} {to:?}", route.method, route.path));
            }
        }
        if snapshot(&app, &f).await != before {
            failures.push("a request without a session changed something".to_owned());
            before = snapshot(&app, &f).await;
        }

        let browsers = [
            ("organisation", PageClient::sign_in(&app, Role::Organisation, Some(ANGE), "sv").await),
            ("finance", PageClient::sign_in(&app, Role::Finance, Some(ANGE), "en").await),
        ];
        for (label, browser) in &browsers {
            for route in routes.iter().filter(|r| r.expect != Expect::Public) {
                let response = send_page(browser, route).await;
                let status = response.status();
                let body = text_of(response).await;
                let sent = format!("{} {}", route.path, form_text(&route.form));
                let problem = judge_page(route.expect, status, &body, &sent)
                    .or_else(|| names_any(&body, &sent, &page_id_secrets(&f)));
                if let Some(problem) = problem {
                    failures.push(format!("{label}: {} {} → {status}, {problem}: {body}", route.method, route.path));
                }
                if route.method != Method::GET {
                    let after = snapshot(&app, &f).await;
                    let waits = route.expect == Expect::WaitsInLine && status == StatusCode::OK;
                    if after != before && !waits {
                        failures.push(format!("{label}: {} {} changed something ({status})", route.method, route.path));
                    }
                    before = after;
                }
            }
        }

        // The coordinator's browser finds what the others could not.
        let coordinator = PageClient::sign_in(&app, Role::Coordinator, None, "sv").await;
        for route in routes.iter().filter(|r| r.coordinator_sees.is_some()) {
            let response = send_page(&coordinator, route).await;
            let status = response.status();
            let body = text_of(response).await;
            let marker = route.coordinator_sees.as_deref().unwrap();
            if status != StatusCode::OK || !body.contains(marker) {
                failures.push(format!("coordinator: GET {} → {status}, without {marker:?}", route.path));
            }
        }
        assert!(failures.is_empty(), "{:?}:\n{}", app.backend, failures.join("\n"));
    }
}

/// As `judge`, for a page: a refusal is the 403 or 404 page (or the form
/// again, 422, naming what it cannot use); queueing is a page saying so.
fn judge_page(expect: Expect, status: StatusCode, body: &str, sent: &str) -> Option<String> {
    let status = status.as_u16();
    let allowed: &[u16] = match expect {
        Expect::Refused => &[403, 404],
        Expect::RefusedOrInvalid => &[403, 404, 422],
        Expect::Filtered | Expect::Public => &[200, 403],
        Expect::WaitsInLine => &[200, 403, 404, 409, 422],
    };
    if !allowed.contains(&status) {
        return Some(format!("not one of {allowed:?}"));
    }
    if expect == Expect::WaitsInLine && status == 200 && !body.contains("i kö") && !body.contains("waitlist") {
        return Some("200 but not the waitlist page".to_owned());
    }
    let leaked: Vec<&str> = secrets_in(body).into_iter().filter(|s| !sent.contains(s)).collect();
    (!leaked.is_empty()).then(|| format!("leaks {leaked:?}"))
}
