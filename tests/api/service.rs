//! The service as a whole: health, bad bodies, the OpenAPI document,
//! migrations, restarts.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestDatabase, answer, backends, spawn_apps, spawn_on};

#[tokio::test]
async fn health_answers_when_the_database_does() {
    for (app, _db) in spawn_apps().await {
        let response = app.client.get(app.url("/health")).send().await.unwrap();
        let (status, body) = answer(response).await;
        assert_eq!(status, StatusCode::OK, "{:?}", app.backend);
        assert_eq!(body["database"], "ok");
    }
}

#[tokio::test]
async fn malformed_json_and_wrong_types_are_400s_naming_the_problem() {
    for (app, _db) in spawn_apps().await {
        let response = app.post_raw("/api/v1/organisations", "application/json", r#"{"org_number": "2120"#).await;
        let (status, body) = answer(response).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{:?}", app.backend);
        assert_eq!(body["error"]["code"], "malformed_json");

        let response = app
            .post(
                "/api/v1/organisations",
                &json!({"org_number": "212000-2411", "name": "Sundsvalls kommun", "kind": "municipality",
                        "employees": "many", "coordinator_email": "a@b.se", "finance_email": "c@d.se"}),
            )
            .await;
        let (status, body) = answer(response).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"]["code"], "invalid_field");
        assert!(body["error"]["fields"]["employees"].as_str().unwrap().contains("invalid type"), "{body}");

        let response = app.post("/api/v1/courses", &json!({"code": "X", "colour": "red"})).await;
        let (status, body) = answer(response).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body["error"]["fields"].get("colour").is_some(), "{body}");

        let response = app.post_raw("/api/v1/needs", "application/json", "").await;
        assert_eq!(answer(response).await.1["error"]["code"], "empty_body");
        assert_eq!(app.count("organisations"), 0, "nothing stored on {:?}", app.backend);
    }
}

#[tokio::test]
async fn bodies_over_the_limit_are_413() {
    for (app, _db) in spawn_apps().await {
        let limit = app.settings.server.json_limit_bytes;
        let huge = format!(r#"{{"name": "{}"}}"#, "x".repeat(limit + 10));
        let (status, body) = answer(app.post_raw("/api/v1/organisations", "application/json", huge).await).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{:?}", app.backend);
        assert_eq!(body["error"]["code"], "payload_too_large");

        let csv_limit = app.settings.server.import_limit_bytes;
        let huge_csv = "a".repeat(csv_limit + 1);
        let (status, _) = answer(app.post_raw("/api/v1/needs/import", "text/csv", huge_csv).await).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    }
}

#[tokio::test]
async fn unknown_routes_and_ids_are_json_404s() {
    for (app, _db) in spawn_apps().await {
        for path in ["/api/v1/nothing-here", "/api/v1/needs/abc", "/api/v1/organisations/999999"] {
            let (status, body) = answer(app.get(path).await).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path} on {:?}", app.backend);
            assert_eq!(body["error"]["code"], "not_found", "{path}");
        }
    }
}

#[tokio::test]
async fn a_wrong_method_is_a_json_405_naming_the_right_ones() {
    for (app, _db) in spawn_apps().await {
        let response = app.client.put(app.url("/api/v1/organisations")).bearer_auth(&app.token).send().await.unwrap();
        let allow = response.headers().get("allow").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
        let (status, body) = answer(response).await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{:?}", app.backend);
        assert_eq!(body["error"]["code"], "method_not_allowed");
        assert!(allow.contains("POST") && allow.contains("GET"), "{allow}");
    }
}

#[tokio::test]
async fn a_json_array_is_not_taken_for_an_object() {
    for (app, _db) in spawn_apps().await {
        let body = r#"["212000-2346", "Ragunda kommun", "municipality", 900, "a@b.se", "c@d.se"]"#;
        let (status, answer) = answer(app.post_raw("/api/v1/organisations", "application/json", body).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{:?} {answer}", app.backend);
        assert_eq!(app.count("organisations"), 0);
    }
}

#[tokio::test]
async fn the_openapi_document_describes_the_endpoints() {
    for (app, _db) in spawn_apps().await {
        let response = app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap();
        let (status, doc) = answer(response).await;
        assert_eq!(status, StatusCode::OK);
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."), "{}", doc["openapi"]);
        for path in
            ["/api/v1/organisations", "/api/v1/agreements/{id}/budget", "/api/v1/needs/import", "/api/v1/demand"]
        {
            assert!(doc["paths"].get(path).is_some(), "{path} missing");
        }
        assert!(doc["components"]["schemas"].get("NeedInput").is_some());
        let ids: Vec<&str> = doc["paths"]
            .as_object()
            .unwrap()
            .values()
            .flat_map(|p| p.as_object().unwrap().values().filter_map(|op| op["operationId"].as_str()))
            .collect();
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(ids.len(), unique.len(), "operation ids must be unique: {ids:?}");
    }
}

#[tokio::test]
async fn data_survives_a_restart() {
    for backend in backends() {
        let database = TestDatabase::create(backend);
        let first = spawn_on(&database).await;
        let id = first.organisation("212000-2411", "Sundsvalls kommun", 8400).await;
        drop(first);
        let second = spawn_on(&database).await;
        let (status, body) = answer(second.get(&format!("/api/v1/organisations/{id}")).await).await;
        assert_eq!(status, StatusCode::OK, "{backend:?}");
        assert_eq!(body["name"], "Sundsvalls kommun");
    }
}

#[test]
fn both_backends_have_the_same_migrations() {
    let versions = |backend: &str| {
        let mut names: Vec<String> = std::fs::read_dir(format!("{}/migrations/{backend}", env!("CARGO_MANIFEST_DIR")))
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let sqlite = versions("sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, versions("postgres"));
    for name in &sqlite {
        for file in ["up.sql", "down.sql"] {
            for backend in ["sqlite", "postgres"] {
                let path = format!("{}/migrations/{backend}/{name}/{file}", env!("CARGO_MANIFEST_DIR"));
                assert!(std::path::Path::new(&path).exists(), "{path} missing");
            }
        }
    }
}
