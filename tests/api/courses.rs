use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{answer, spawn_apps};

fn samtal() -> Value {
    json!({"code": "samt3", "title": "Samtalsmetodik", "credits": 7.5, "min_participants": 12,
           "max_participants": 25, "fixed_fee_ore": 12_000_000, "per_participant_fee_ore": 450_000})
}

#[tokio::test]
async fn a_course_is_added_found_by_code_and_changed() {
    for (app, _db) in spawn_apps().await {
        let (status, created) = answer(app.post("/api/v1/courses", &samtal()).await).await;
        assert_eq!(status, StatusCode::CREATED, "{:?} {created}", app.backend);
        assert_eq!(created["code"], "SAMT3");
        assert_eq!(created["credits"], 7.5);
        let (status, found) = answer(app.get("/api/v1/courses/Samt3").await).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(found["id"], created["id"]);
        let (status, changed) =
            answer(app.patch("/api/v1/courses/SAMT3", &json!({"max_participants": 30, "credits": 4.5})).await).await;
        assert_eq!(status, StatusCode::OK, "{changed}");
        assert_eq!((changed["max_participants"].as_i64(), changed["credits"].as_f64()), (Some(30), Some(4.5)));
        assert_eq!(changed["title"], "Samtalsmetodik");
    }
}

#[tokio::test]
async fn bad_sizes_fees_and_credits_are_named() {
    let cases = [
        ("min_participants", json!(26), "above the maximum"),
        ("min_participants", json!(0), "from 1"),
        ("fixed_fee_ore", json!(-100), "negative"),
        ("per_participant_fee_ore", json!(-1), "negative"),
        ("credits", json!(3.3), "half"),
        ("credits", json!(0), "between"),
        ("code", json!("SAMT 3"), "course code"),
    ];
    for (app, _db) in spawn_apps().await {
        for (field, value, expected) in &cases {
            let mut body = samtal();
            body[*field] = value.clone();
            let (status, answer) = answer(app.post("/api/v1/courses", &body).await).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}={value} on {:?}", app.backend);
            let problem = answer["error"]["fields"][field].as_str().unwrap_or_default();
            assert!(problem.contains(expected), "{field}={value}: {answer}");
        }
        assert_eq!(app.count("courses"), 0);
        // A patch that would put the minimum above the maximum changes nothing.
        app.course("STRESS", 10, 20).await;
        let (status, _) = answer(app.patch("/api/v1/courses/STRESS", &json!({"min_participants": 21})).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let course: Value = app.get("/api/v1/courses/STRESS").await.json().await.unwrap();
        assert_eq!(course["min_participants"], 10);
    }
}

#[tokio::test]
async fn codes_are_unique_whatever_their_case() {
    for (app, _db) in spawn_apps().await {
        assert_eq!(app.post("/api/v1/courses", &samtal()).await.status(), StatusCode::CREATED);
        let mut again = samtal();
        again["code"] = json!("SAMT3");
        let (status, body) = answer(app.post("/api/v1/courses", &again).await).await;
        assert_eq!(status, StatusCode::CONFLICT, "{:?}", app.backend);
        assert!(body["error"]["fields"]["code"].is_string());
        assert_eq!(app.count("courses"), 1);
    }
}
