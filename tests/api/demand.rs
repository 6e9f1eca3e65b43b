use diesel::RunQueryDsl;
use reqwest::StatusCode;
use serde_json::Value;
use strumpavtal::access::Role;
use strumpavtal::web::encoding::GZIP_FROM_BYTES;

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

/// `GET path` with `accept` as its `Accept-Encoding`: the
/// `Content-Encoding` and `Vary` it answered with, and the body as sent.
async fn demand_encoded(
    app: &TestApp,
    token: &str,
    path: &str,
    accept: &str,
) -> (Option<String>, Option<String>, Vec<u8>) {
    let response = app
        .client
        .get(app.url(path))
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
async fn the_demand_is_gzipped_for_clients_that_take_it() {
    for (app, _db) in spawn_apps().await {
        let (_, [sun, ang, _]) = three_municipalities(&app).await;
        app.course("GZIP1", 4, 20).await;
        app.need(sun, "GZIP1", 3, (&term(0), &term(3))).await;
        app.need(ang, "GZIP1", 2, (&term(1), &term(2))).await;
        let ange_user = app.user(Role::Organisation, Some(ANGE));

        // Every course's, shared by coordinators or the organisation's own;
        // a page of it, kept.
        for path in ["/api/v1/demand", "/api/v1/demand?limit=5"] {
            for token in [&app.token, &ange_user] {
                let (encoding, vary, plain) = demand_encoded(&app, token, path, "identity").await;
                assert_eq!((encoding, vary.as_deref()), (None, Some("accept-encoding")));
                let rows: Value = serde_json::from_slice(&plain).unwrap();
                assert_eq!(rows.as_array().unwrap().len(), 4, "{rows}");
                assert!(plain.len() >= GZIP_FROM_BYTES, "long enough to be gzipped: {} bytes", plain.len());

                let (encoding, _, gzipped) = demand_encoded(&app, token, path, "br;q=1.0, gzip;q=0.8").await;
                assert_eq!(encoding.as_deref(), Some("gzip"), "{:?} {path}", app.backend);
                let mut unzipped = Vec::new();
                std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(gzipped.as_slice()), &mut unzipped)
                    .unwrap();
                assert_eq!(unzipped, plain, "gzipped, the same answer");

                // A client that refuses gzip gets it plain.
                let (encoding, _, body) = demand_encoded(&app, token, path, "gzip;q=0, identity").await;
                assert_eq!((encoding, body), (None, plain));
            }
        }
    }
}

/// `GET path` as `token`: the rows, and the `Link` header's next page.
async fn demand_page(app: &TestApp, token: &str, path: &str) -> (Vec<Value>, Option<String>) {
    let response = app.get_as(token, path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let link = response.headers().get(reqwest::header::LINK).map(|v| v.to_str().unwrap().to_owned());
    let next = link.map(|link| {
        let target = link.strip_prefix('<').and_then(|l| l.strip_suffix(">; rel=\"next\""));
        target.unwrap_or_else(|| panic!("not a link to the next page: {link}")).to_owned()
    });
    (response.json().await.unwrap(), next)
}

fn courses_of(rows: &[Value]) -> Vec<&str> {
    let mut courses: Vec<&str> = rows.iter().map(|r| r["course_code"].as_str().unwrap()).collect();
    courses.dedup();
    courses
}

#[tokio::test]
async fn every_course_s_demand_comes_a_page_of_courses_at_a_time() {
    for (app, _db) in spawn_apps().await {
        let (_, [sun, ang, tim]) = three_municipalities(&app).await;
        for code in ["PGA", "PGB", "PGC", "PGD", "PGE"] {
            app.course(code, 4, 20).await;
        }
        app.need(sun, "PGA", 3, (&term(0), &term(1))).await;
        app.need(ang, "PGA", 2, (&term(1), &term(1))).await;
        app.need(ang, "PGB", 2, (&term(0), &term(0))).await;
        app.need(tim, "PGC", 5, (&term(1), &term(2))).await;
        // PGD's only need is for terms that have begun: it has no rows, and
        // takes no place on a page.
        let passed = app.need(sun, "PGD", 5, (&term(0), &term(0))).await;
        let mut conn = app.pool.get().unwrap();
        diesel::sql_query(format!(
            "UPDATE needs SET earliest_term = 'VT2020', latest_term = 'HT2020' WHERE id = {passed}"
        ))
        .execute(&mut conn)
        .unwrap();
        app.need(ang, "PGE", 4, (&term(2), &term(2))).await;
        let whole = app.list("/api/v1/demand").await;
        assert_eq!(courses_of(&whole), ["PGA", "PGB", "PGC", "PGE"], "{:?}", app.backend);

        // Two courses a page, each with all its terms, until the Link ends.
        let (first, next) = demand_page(&app, &app.token, "/api/v1/demand?limit=2").await;
        assert_eq!(courses_of(&first), ["PGA", "PGB"]);
        assert_eq!(first.len(), 3, "PGA in two terms, PGB in one: {first:?}");
        assert_eq!(next.as_deref(), Some("/api/v1/demand?limit=2&after=PGB"));
        let (second, next) = demand_page(&app, &app.token, &next.unwrap()).await;
        assert_eq!(courses_of(&second), ["PGC", "PGE"]);
        assert_eq!(next, None, "no course follows PGE");
        assert_eq!([first, second].concat(), whole, "the pages together are the whole answer");

        // The filters carry over to the next page; `after` is matched in
        // any case and may be given alone.
        let path = format!("/api/v1/demand?term={}&limit=1", term(1));
        let (rows, next) = demand_page(&app, &app.token, &path).await;
        assert_eq!(courses_of(&rows), ["PGA"], "PGB has no need in that term");
        assert_eq!(next, Some(format!("/api/v1/demand?term={}&limit=1&after=PGA", term(1))));
        let (rows, next) = demand_page(&app, &app.token, &next.unwrap()).await;
        assert_eq!((courses_of(&rows), next), (vec!["PGC"], None), "PGE's need is for a later term");
        let (rows, next) = demand_page(&app, &app.token, "/api/v1/demand?after=pgb").await;
        assert_eq!((courses_of(&rows), next), (vec!["PGC", "PGE"], None));
        let (rows, next) = demand_page(&app, &app.token, "/api/v1/demand?limit=3&after=PGE").await;
        assert_eq!((rows.len(), next), (0, None), "after the last course, an empty page");

        // An organisation's user pages through the same totals, with only
        // its own needs listed.
        let ange_user = app.user(Role::Organisation, Some(ANGE));
        let (rows, next) = demand_page(&app, &ange_user, "/api/v1/demand?limit=1").await;
        assert_eq!(next.as_deref(), Some("/api/v1/demand?limit=1&after=PGA"));
        let pooled = row(&rows, "PGA", &term(1));
        assert_eq!(pooled["firm_seats"], 5);
        let listed: Vec<&Value> = pooled["needs"].as_array().unwrap().iter().map(|n| &n["agreement_id"]).collect();
        assert_eq!(listed, [ang]);

        // A page is kept like any everyday read, and a change shows at once.
        app.need(tim, "PGB", 6, (&term(0), &term(0))).await;
        let (rows, _) = demand_page(&app, &app.token, "/api/v1/demand?limit=2").await;
        assert_eq!(row(&rows, "PGB", &term(0))["firm_seats"], 8);
    }
}

#[tokio::test]
async fn a_bad_page_size_is_named() {
    for (app, _db) in spawn_apps().await {
        for limit in ["0", "501", "-3"] {
            let (status, body) = answer(app.get(&format!("/api/v1/demand?limit={limit}")).await).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{:?} {limit}: {body}", app.backend);
            assert_eq!(body["error"]["fields"]["limit"], "must be between 1 and 500", "{body}");
        }
        for (query, field) in [("limit=ten", "limit"), ("limit=20&page=2", "page"), ("after=A&after=B", "after")] {
            let (status, body) = answer(app.get(&format!("/api/v1/demand?{query}")).await).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
            assert_eq!(body["error"]["code"], "invalid_query", "{body}");
            assert!(body["error"]["fields"][field].is_string(), "{query} names {field}: {body}");
        }
    }
}
