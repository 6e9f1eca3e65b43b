use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{TestApp, answer, spawn_apps, term};

async fn setup(app: &TestApp) {
    let harnosand = app.organisation("212000-2403", "Härnösands kommun", 2100).await;
    let ange = app.organisation("212000-2387", "Ånge kommun", 1150).await;
    app.course("SAMT3", 10, 30).await;
    app.course("STRESS", 8, 30).await;
    app.agreement(harnosand, "SKO-HAR-01", true).await;
    app.agreement(ange, "SKO-ANG-01", true).await;
}

#[tokio::test]
async fn a_semicolon_file_from_excel_with_a_bom_is_imported_whole() {
    for (app, _db) in spawn_apps().await {
        setup(&app).await;
        let csv = format!(
            "\u{feff}agreement_reference;course_code;seats;extra_seats;earliest_term;latest_term;note\r\n\
             SKO-HAR-01;SAMT3;5;1;{t0};{t1};Socialsekreterare\r\n\
             SKO-ANG-01;samt3;3;;{t0};{t0};Biståndshandläggare, äldreomsorg\r\n\
             SKO-ANG-01;STRESS;4;0;{t1};{t2};\r\n",
            t0 = term(0),
            t1 = term(1),
            t2 = term(2)
        );
        let (status, body) = answer(app.post_raw("/api/v1/needs/import", "text/csv", csv).await).await;
        assert_eq!(status, StatusCode::CREATED, "{:?} {body}", app.backend);
        assert_eq!(body["count"], 3);
        assert_eq!(body["ids"].as_array().unwrap().len(), 3);
        let needs = app.list("/api/v1/needs").await;
        assert_eq!(needs.len(), 3);
        assert_eq!(needs[1]["note"], "Biståndshandläggare, äldreomsorg");
        assert_eq!(needs[1]["extra_seats"], 0, "an empty extra_seats cell is 0");
    }
}

#[tokio::test]
async fn a_comma_file_is_imported_too() {
    for (app, _db) in spawn_apps().await {
        setup(&app).await;
        let csv = format!(
            "agreement_reference,course_code,seats,earliest_term,latest_term\nSKO-HAR-01,SAMT3,2,{t},{t}\n",
            t = term(0)
        );
        let (status, body) = answer(app.post_raw("/api/v1/needs/import", "text/csv", csv).await).await;
        assert_eq!(status, StatusCode::CREATED, "{:?} {body}", app.backend);
        assert_eq!(body["count"], 1);
    }
}

#[tokio::test]
async fn one_bad_row_stores_nothing_and_every_bad_row_is_listed() {
    for (app, _db) in spawn_apps().await {
        setup(&app).await;
        let csv = format!(
            "agreement_reference;course_code;seats;extra_seats;earliest_term;latest_term;note\n\
             SKO-HAR-01;SAMT3;5;1;{t0};{t1};ok\n\
             SKO-XXX-99;SAMT3;5;1;{t0};{t1};unknown agreement\n\
             SKO-ANG-01;NOPE;0;1;{t0};{t1};unknown course and zero seats\n\
             SKO-ANG-01;SAMT3;4;1;VT27;{t1};bad term\n\
             SKO-ANG-01;SAMT3;fyra;1;{t1};{t0};not a number, window backwards\n\
             SKO-ANG-01;SAMT3\n",
            t0 = term(0),
            t1 = term(1)
        );
        let (status, body) = answer(app.post_raw("/api/v1/needs/import", "text/csv", csv).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{:?} {body}", app.backend);
        assert_eq!(body["error"]["code"], "invalid_rows");
        let rows: Vec<(i64, String)> = body["error"]["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r: &Value| (r["row"].as_i64().unwrap(), r["column"].as_str().unwrap().to_owned()))
            .collect();
        let expected: Vec<(i64, String)> = [
            (3, "agreement_reference"),
            (4, "course_code"),
            (4, "seats"),
            (5, "earliest_term"),
            (6, "latest_term"),
            (6, "seats"),
            (7, ""),
        ]
        .iter()
        .map(|(r, c)| (*r, c.to_string()))
        .collect();
        assert_eq!(rows, expected, "{body}");
        assert_eq!(app.count("needs"), 0, "the good row was not stored either");
    }
}

#[tokio::test]
async fn a_file_with_wrong_columns_is_refused_at_the_header() {
    for (app, _db) in spawn_apps().await {
        setup(&app).await;
        let (status, body) =
            answer(app.post_raw("/api/v1/needs/import", "text/csv", "reference;course;seats\nA;B;1\n").await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", app.backend);
        let rows = body["error"]["rows"].as_array().unwrap();
        assert!(rows.iter().all(|r| r["row"] == 1), "{body}");
        assert!(rows.iter().any(|r| r["column"] == "agreement_reference"), "{body}");
        assert_eq!(app.count("needs"), 0);
    }
}

#[tokio::test]
async fn an_organisation_user_imports_only_under_its_own_agreements() {
    for (app, _db) in spawn_apps().await {
        setup(&app).await;
        let token = app.user(strumpavtal::access::Role::Organisation, Some("212000-2387"));
        let csv = format!(
            "agreement_reference;course_code;seats;earliest_term;latest_term\n\
             SKO-ANG-01;SAMT3;2;{t};{t}\nSKO-HAR-01;SAMT3;2;{t};{t}\n",
            t = term(0)
        );
        let response = app
            .client
            .post(app.url("/api/v1/needs/import"))
            .bearer_auth(&token)
            .header("Content-Type", "text/csv")
            .body(csv)
            .send()
            .await
            .unwrap();
        let (status, body) = answer(response).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{:?} {body}", app.backend);
        assert_eq!(body["error"]["rows"][0]["row"], 3);
        assert_eq!(app.count("needs"), 0);
    }
}
