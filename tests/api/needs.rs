use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, answer, spawn_apps, term};

/// An organisation with an active agreement and a course: (agreement id).
async fn setup(app: &TestApp) -> i64 {
    let org = app.organisation("212000-2403", "Härnösands kommun", 2100).await;
    app.course("SAMT3", 10, 30).await;
    app.agreement(org, "SKO-HAR-01", true).await
}

#[tokio::test]
async fn a_need_is_added_changed_and_withdrawn() {
    for (app, _db) in spawn_apps().await {
        let agreement = setup(&app).await;
        let body = json!({"agreement_id": agreement, "course_code": "samt3", "seats": 5, "extra_seats": 2,
                          "earliest_term": term(0).to_lowercase(), "latest_term": term(2), "note": "Biståndshandläggare"});
        let (status, need) = answer(app.post("/api/v1/needs", &body).await).await;
        assert_eq!(status, StatusCode::CREATED, "{:?} {need}", app.backend);
        assert_eq!(need["course_code"], "SAMT3");
        assert_eq!(need["earliest_term"], json!(term(0)));
        assert_eq!((need["seats"].as_i64(), need["extra_seats"].as_i64()), (Some(5), Some(2)));
        assert_eq!(need["status"], "open");
        let id = need["id"].as_i64().unwrap();

        let (status, changed) = answer(app.patch(&format!("/api/v1/needs/{id}"), &json!({"seats": 7})).await).await;
        assert_eq!(status, StatusCode::OK, "{changed}");
        assert_eq!((changed["seats"].as_i64(), changed["extra_seats"].as_i64()), (Some(7), Some(2)));

        let (status, withdrawn) = answer(app.delete_as(&app.token, &format!("/api/v1/needs/{id}")).await).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(withdrawn["status"], "withdrawn");
        let (status, again) = answer(app.delete_as(&app.token, &format!("/api/v1/needs/{id}")).await).await;
        assert_eq!(
            (status, again["status"].as_str()),
            (StatusCode::OK, Some("withdrawn")),
            "withdrawing twice is harmless"
        );
        let (status, _) = answer(app.patch(&format!("/api/v1/needs/{id}"), &json!({"seats": 1})).await).await;
        assert_eq!(status, StatusCode::CONFLICT, "a withdrawn need stays as it was");
        assert_eq!(app.list("/api/v1/needs?status=withdrawn").await.len(), 1);
        assert!(app.list("/api/v1/needs?status=open").await.is_empty());
    }
}

#[tokio::test]
async fn each_bad_need_is_named_and_nothing_is_stored() {
    for (app, _db) in spawn_apps().await {
        let agreement = setup(&app).await;
        let last_year = chrono::Local::now().date_naive().format("%Y").to_string().parse::<i32>().unwrap() - 1;
        let cases: Vec<(Value, &str, &str)> = vec![
            (json!({"seats": 0}), "seats", "from 1"),
            (json!({"seats": -3}), "seats", "from 1"),
            (json!({"extra_seats": -1}), "extra_seats", "from 0"),
            (json!({"course_code": "NOPE1"}), "course_code", "no course"),
            (json!({"agreement_id": 987654}), "agreement_id", "no agreement"),
            (json!({"earliest_term": "VT27"}), "earliest_term", "not a term"),
            (json!({"latest_term": "ST2027"}), "latest_term", "not a term"),
            (json!({"earliest_term": term(2), "latest_term": term(0)}), "latest_term", "before the earliest"),
            (json!({"earliest_term": format!("HT{}", last_year - 1)}), "earliest_term", "not inside agreement"),
            (json!({"latest_term": term(12)}), "latest_term", "not inside agreement"),
        ];
        for (change, field, expected) in &cases {
            let mut body = json!({"agreement_id": agreement, "course_code": "SAMT3", "seats": 4,
                                  "earliest_term": term(0), "latest_term": term(1)});
            for (key, value) in change.as_object().unwrap() {
                body[key] = value.clone();
            }
            let (status, answer) = answer(app.post("/api/v1/needs", &body).await).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{change} on {:?}: {answer}", app.backend);
            let problem = answer["error"]["fields"][field].as_str().unwrap_or_default();
            assert!(problem.contains(expected), "{change}: {answer}");
        }
        assert_eq!(app.count("needs"), 0, "{:?}", app.backend);
    }
}
