use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{answer, spawn_apps};

fn sundsvall() -> Value {
    json!({"org_number": "2120002411", "name": "Sundsvalls kommun", "kind": "municipality", "employees": 8400,
           "coordinator_email": "kompetens@sundsvall.example", "finance_email": "ekonomi@sundsvall.example"})
}

#[tokio::test]
async fn an_organisation_is_registered_read_and_changed() {
    for (app, _db) in spawn_apps().await {
        let (status, created) = answer(app.post("/api/v1/organisations", &sundsvall()).await).await;
        assert_eq!(status, StatusCode::CREATED, "{:?} {created}", app.backend);
        assert_eq!(created["org_number"], "212000-2411", "ten digits are normalised");
        let id = created["id"].as_i64().unwrap();

        let (status, read) = answer(app.get(&format!("/api/v1/organisations/{id}")).await).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!((read["name"].as_str(), read["employees"].as_i64()), (Some("Sundsvalls kommun"), Some(8400)));

        let (status, changed) =
            answer(app.patch(&format!("/api/v1/organisations/{id}"), &json!({"employees": 8600})).await).await;
        assert_eq!(status, StatusCode::OK, "{changed}");
        assert_eq!(changed["employees"], 8600);
        assert_eq!(changed["name"], "Sundsvalls kommun");
        assert_eq!(app.list("/api/v1/organisations").await.len(), 1);
    }
}

#[tokio::test]
async fn each_bad_field_is_named_and_nothing_is_stored() {
    let cases = [
        ("org_number", json!("212000-2412"), "check digit"),
        ("org_number", json!("21200-2411"), "NNNNNN-NNNN"),
        ("coordinator_email", json!("kompetens.sundsvall.se"), "e-mail"),
        ("finance_email", json!("ekonomi@"), "e-mail"),
        ("kind", json!("county"), "kind"),
        ("employees", json!(0), "at least 1"),
        ("employees", json!(-40), "at least 1"),
        ("name", json!("   "), "empty"),
    ];
    for (app, _db) in spawn_apps().await {
        for (field, value, expected) in &cases {
            let mut body = sundsvall();
            body[*field] = value.clone();
            let (status, answer) = answer(app.post("/api/v1/organisations", &body).await).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}={value} on {:?}", app.backend);
            assert_eq!(answer["error"]["code"], "validation_failed");
            let problem = answer["error"]["fields"][field].as_str().unwrap_or_default();
            assert!(problem.contains(expected), "{field}={value}: {answer}");
        }
        assert_eq!(app.count("organisations"), 0, "{:?}", app.backend);
    }
}

#[tokio::test]
async fn a_registered_number_cannot_be_registered_twice() {
    for (app, _db) in spawn_apps().await {
        assert_eq!(app.post("/api/v1/organisations", &sundsvall()).await.status(), StatusCode::CREATED);
        let mut again = sundsvall();
        again["org_number"] = json!("212000-2411");
        again["name"] = json!("Sundsvall igen");
        let (status, body) = answer(app.post("/api/v1/organisations", &again).await).await;
        assert_eq!(status, StatusCode::CONFLICT, "{:?}", app.backend);
        assert!(body["error"]["fields"]["org_number"].as_str().unwrap().contains("already registered"));
        assert_eq!(app.count("organisations"), 1);

        // Nor can another organisation be changed to that number.
        let other = app.organisation("212000-2395", "Timrå kommun", 1600).await;
        let (status, _) =
            answer(app.patch(&format!("/api/v1/organisations/{other}"), &json!({"org_number": "212000-2411"})).await)
                .await;
        assert_eq!(status, StatusCode::CONFLICT);
        let timra: Value = app.get(&format!("/api/v1/organisations/{other}")).await.json().await.unwrap();
        assert_eq!(timra["org_number"], "212000-2395");
    }
}

#[tokio::test]
async fn a_bad_patch_changes_nothing() {
    for (app, _db) in spawn_apps().await {
        let id = app.organisation("212000-2411", "Sundsvalls kommun", 8400).await;
        let (status, body) = answer(
            app.patch(&format!("/api/v1/organisations/{id}"), &json!({"employees": 9000, "finance_email": "nope"}))
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let read: Value = app.get(&format!("/api/v1/organisations/{id}")).await.json().await.unwrap();
        assert_eq!(read["employees"], 8400, "{:?}", app.backend);
    }
}
