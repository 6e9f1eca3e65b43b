use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{active_period, answer, spawn_apps, term};

#[tokio::test]
async fn an_active_agreement_shows_its_status_and_an_empty_ledger() {
    for (app, _db) in spawn_apps().await {
        let org = app.organisation("212000-2403", "Härnösands kommun", 2100).await;
        let (starts_on, ends_on) = active_period();
        let body = json!({"organisation_id": org, "reference": "SKO-HAR-01", "starts_on": starts_on,
                          "ends_on": ends_on, "budget_ore": 200_000_000});
        let (status, created) = answer(app.post("/api/v1/agreements", &body).await).await;
        assert_eq!(status, StatusCode::CREATED, "{:?} {created}", app.backend);
        assert_eq!(created["status"], "active");
        assert_eq!(created["pooling"], true, "pooling defaults to true");
        assert_eq!(created["starts_on"], json!(starts_on));
        let id = created["id"].as_i64().unwrap();
        let (status, budget) = answer(app.get(&format!("/api/v1/agreements/{id}/budget")).await).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(budget["budget_ore"], 200_000_000);
        assert_eq!((budget["committed_ore"].as_i64(), budget["invoiced_ore"].as_i64()), (Some(0), Some(0)));
        assert_eq!(budget["remaining_ore"], 200_000_000);
    }
}

#[tokio::test]
async fn bad_periods_budgets_and_organisations_are_named() {
    let cases: [(Value, &str, &str); 6] = [
        (json!({"starts_on": "2026-01-01", "ends_on": "2025-12-31"}), "ends_on", "before it starts"),
        (json!({"starts_on": "2026-01-01", "ends_on": "2027-06-30"}), "ends_on", "at least 2 years"),
        (json!({"starts_on": "2026-01-01", "ends_on": "2030-01-01"}), "ends_on", "at most 4 years"),
        (json!({"starts_on": "1/1/2026"}), "starts_on", "YYYY-MM-DD"),
        (json!({"budget_ore": -1}), "budget_ore", "negative"),
        (json!({"organisation_id": 424242}), "organisation_id", "no organisation"),
    ];
    for (app, _db) in spawn_apps().await {
        let org = app.organisation("212000-2403", "Härnösands kommun", 2100).await;
        for (change, field, expected) in &cases {
            let mut body = json!({"organisation_id": org, "reference": "SKO-HAR-01", "starts_on": "2026-01-01",
                                  "ends_on": "2029-12-31", "budget_ore": 100});
            for (key, value) in change.as_object().unwrap() {
                body[key] = value.clone();
            }
            let (status, answer) = answer(app.post("/api/v1/agreements", &body).await).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{change} on {:?}: {answer}", app.backend);
            let problem = answer["error"]["fields"][field].as_str().unwrap_or_default();
            assert!(problem.contains(expected), "{change}: {answer}");
        }
        assert_eq!(app.count("agreements"), 0);
    }
}

#[tokio::test]
async fn references_are_unique() {
    for (app, _db) in spawn_apps().await {
        let org = app.organisation("212000-2403", "Härnösands kommun", 2100).await;
        app.agreement(org, "SKO-HAR-01", true).await;
        let (starts_on, ends_on) = active_period();
        let (status, body) = answer(
            app.post(
                "/api/v1/agreements",
                &json!({"organisation_id": org, "reference": "SKO-HAR-01",
                "starts_on": starts_on, "ends_on": ends_on, "budget_ore": 1}),
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "{:?}", app.backend);
        assert!(body["error"]["fields"]["reference"].is_string());
        assert_eq!(app.count("agreements"), 1);
    }
}

#[tokio::test]
async fn a_period_cannot_shrink_past_an_open_need() {
    for (app, _db) in spawn_apps().await {
        let org = app.organisation("212000-2403", "Härnösands kommun", 2100).await;
        let agreement = app.agreement(org, "SKO-HAR-01", true).await;
        app.course("SAMT3", 10, 30).await;
        app.need(agreement, "SAMT3", 4, (&term(0), &term(3))).await;
        let original: Value = app.get(&format!("/api/v1/agreements/{agreement}")).await.json().await.unwrap();

        // Ending just before the need's last term would strand it.
        let last_term = strumpavtal::registry::term::Term::parse(&term(3)).unwrap();
        let too_early = last_term.first_day().pred_opt().unwrap();
        let starts_on = original["starts_on"].as_str().unwrap();
        let (status, body) = answer(
            app.patch(
                &format!("/api/v1/agreements/{agreement}"),
                &json!({"ends_on": too_early.to_string(),
                "starts_on": starts_on}),
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert!(body["error"]["message"].as_str().unwrap().contains("open needs"), "{body}");
        let after: Value = app.get(&format!("/api/v1/agreements/{agreement}")).await.json().await.unwrap();
        assert_eq!(after["ends_on"], original["ends_on"], "{:?}", app.backend);

        // The budget and pooling can change freely.
        let (status, changed) = answer(
            app.patch(
                &format!("/api/v1/agreements/{agreement}"),
                &json!({"budget_ore": 150_000_000, "pooling": false}),
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{changed}");
        assert_eq!((changed["budget_ore"].as_i64(), changed["pooling"].as_bool()), (Some(150_000_000), Some(false)));
    }
}
