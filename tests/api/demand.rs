use reqwest::StatusCode;
use serde_json::Value;
use strumpavtal::access::Role;

use crate::helpers::{ANGE, TestApp, answer, spawn_apps, term, three_municipalities};

fn row<'a>(rows: &'a [Value], course: &str, term: &str) -> &'a Value {
    rows.iter()
        .find(|r| r["course_code"] == course && r["term"] == term)
        .unwrap_or_else(|| panic!("no row for {course} {term} in {rows:?}"))
}

#[tokio::test]
async fn needs_of_several_organisations_pool_into_one_row_per_course_and_term() {
    for (app, _db) in spawn_apps().await {
        let harnosand = app.organisation("212000-2403", "Härnösands kommun", 2100).await;
        let ange = app.organisation("212000-2387", "Ånge kommun", 1150).await;
        let timra = app.organisation("212000-2395", "Timrå kommun", 1600).await;
        let a_har = app.agreement(harnosand, "SKO-HAR-01", true).await;
        let a_ang = app.agreement(ange, "SKO-ANG-01", true).await;
        let a_tim = app.agreement(timra, "SKO-TIM-01", true).await;
        app.course("SAMT3", 12, 25).await;
        // Härnösand can take term 0 or 1, Ånge only term 1, Timrå terms 1–2.
        app.need(a_har, "SAMT3", 5, (&term(0), &term(1))).await;
        let ange_need = app.need(a_ang, "SAMT3", 4, (&term(1), &term(1))).await;
        app.need(a_tim, "SAMT3", 3, (&term(1), &term(2))).await;

        let rows = app.list("/api/v1/demand").await;
        assert_eq!(rows.len(), 3, "{:?} {rows:?}", app.backend);
        let first = row(&rows, "SAMT3", &term(0));
        assert_eq!((first["organisations"].as_i64(), first["firm_seats"].as_i64()), (Some(1), Some(5)));
        assert_eq!((first["viable"].as_bool(), first["missing_seats"].as_i64()), (Some(false), Some(7)));
        let pooled = row(&rows, "SAMT3", &term(1));
        assert_eq!((pooled["organisations"].as_i64(), pooled["firm_seats"].as_i64()), (Some(3), Some(12)));
        assert_eq!((pooled["viable"].as_bool(), pooled["missing_seats"].as_i64()), (Some(true), Some(0)));
        assert_eq!((pooled["min_participants"].as_i64(), pooled["max_participants"].as_i64()), (Some(12), Some(25)));

        // A withdrawn need no longer counts.
        app.delete_as(&app.token, &format!("/api/v1/needs/{ange_need}")).await;
        let rows = app.list(&format!("/api/v1/demand?course_code=samt3&term={}", term(1))).await;
        assert_eq!(rows.len(), 1);
        assert_eq!((rows[0]["firm_seats"].as_i64(), rows[0]["missing_seats"].as_i64()), (Some(8), Some(4)));

        // An organisation user sees the totals but only its own needs behind them.
        let token = app.user(Role::Organisation, Some("212000-2395"));
        let rows: Vec<Value> = app.get_as(&token, "/api/v1/demand").await.json().await.unwrap();
        let pooled = row(&rows, "SAMT3", &term(1));
        assert_eq!(pooled["organisations"], 2);
        let names: Vec<&str> =
            pooled["needs"].as_array().unwrap().iter().map(|n| n["organisation_name"].as_str().unwrap()).collect();
        assert_eq!(names, ["Timrå kommun"]);
    }
}

#[tokio::test]
async fn only_active_agreements_count() {
    for (app, _db) in spawn_apps().await {
        let org = app.organisation("212000-2403", "Härnösands kommun", 2100).await;
        app.course("SAMT3", 12, 25).await;
        let agreement = app.agreement(org, "SKO-HAR-01", true).await;
        app.need(agreement, "SAMT3", 5, (&term(0), &term(0))).await;
        assert_eq!(app.list("/api/v1/demand").await.len(), 1, "{:?}", app.backend);
        // The same agreement, moved to start next year, is upcoming: its need waits.
        let (starts_on, ends_on) = {
            use chrono::Datelike;
            let year = chrono::Local::now().date_naive().year();
            (format!("{}-01-01", year + 1), format!("{}-12-31", year + 3))
        };
        let org2 = app.organisation("212000-2387", "Ånge kommun", 1150).await;
        let response = app
            .post(
                "/api/v1/agreements",
                &serde_json::json!({"organisation_id": org2, "reference": "SKO-ANG-02",
                "starts_on": starts_on, "ends_on": ends_on, "budget_ore": 1}),
            )
            .await;
        let (status, upcoming) = answer(response).await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(upcoming["status"], "upcoming");
        let first_term_of_next_year = format!("VT{}", &starts_on[..4]);
        app.need(upcoming["id"].as_i64().unwrap(), "SAMT3", 5, (&first_term_of_next_year, &first_term_of_next_year))
            .await;
        let rows = app.list("/api/v1/demand").await;
        assert!(rows.iter().all(|r| r["organisations"] == 1), "{rows:?}");
        assert_eq!(rows.iter().map(|r| r["firm_seats"].as_i64().unwrap()).sum::<i64>(), 5);
    }
}

#[tokio::test]
async fn a_bad_term_filter_is_named() {
    for (app, _db) in spawn_apps().await {
        let (status, body) = answer(app.get("/api/v1/demand?term=2027").await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", app.backend);
        assert!(body["error"]["fields"]["term"].is_string());
    }
}

/// `GET /api/v1/demand` with `accept` as its `Accept-Encoding`: the
/// `Content-Encoding` and `Vary` it answered with, and the body as sent.
async fn demand_encoded(app: &TestApp, token: &str, accept: &str) -> (Option<String>, Option<String>, Vec<u8>) {
    let response = app
        .client
        .get(app.url("/api/v1/demand"))
        .bearer_auth(token)
        .header(reqwest::header::ACCEPT_ENCODING, accept)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let header =
        |name| response.headers().get(name).map(|v: &reqwest::header::HeaderValue| v.to_str().unwrap().to_owned());
    let (encoding, vary) = (header(reqwest::header::CONTENT_ENCODING), header(reqwest::header::VARY));
    (encoding, vary, response.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn every_course_s_demand_is_gzipped_for_clients_that_take_it() {
    for (app, _db) in spawn_apps().await {
        let (_, [sun, ang, _]) = three_municipalities(&app).await;
        app.course("GZIP1", 4, 20).await;
        app.need(sun, "GZIP1", 3, (&term(1), &term(2))).await;
        app.need(ang, "GZIP1", 2, (&term(1), &term(1))).await;
        let ange_user = app.user(Role::Organisation, Some(ANGE));

        for token in [&app.token, &ange_user] {
            let (encoding, vary, plain) = demand_encoded(&app, token, "identity").await;
            assert_eq!((encoding, vary.as_deref()), (None, Some("accept-encoding")));
            let rows: Value = serde_json::from_slice(&plain).unwrap();
            assert_eq!(rows.as_array().unwrap().len(), 2, "{rows}");

            let (encoding, _, gzipped) = demand_encoded(&app, token, "br;q=1.0, gzip;q=0.8").await;
            assert_eq!(encoding.as_deref(), Some("gzip"), "{:?}", app.backend);
            let mut unzipped = Vec::new();
            std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(gzipped.as_slice()), &mut unzipped).unwrap();
            assert_eq!(unzipped, plain, "gzipped, the same answer");

            // A client that refuses gzip gets it plain.
            let (encoding, _, body) = demand_encoded(&app, token, "gzip;q=0, identity").await;
            assert_eq!((encoding, body), (None, plain));
        }
    }
}
