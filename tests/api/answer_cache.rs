//! The everyday reads' kept answers (`web::cache`): given again while the
//! data is unchanged, and never once a change is committed — by this
//! instance, by another one, or straight in the database — nor to a caller
//! who may see less. And the data's version they rest on (`db::version`).

use chrono::Utc;
use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
use reqwest::StatusCode;
use serde_json::{Value, json};
use strumpavtal::access::{Role, tokens};
use strumpavtal::db::schema::{api_tokens, users};

use crate::helpers::{
    ANGE, Backend, TIMRA, TestApp, TestDatabase, answer, backends, spawn_on, term, three_municipalities,
};
use crate::instances::Server;
use crate::metrics::{scrape, value};
use crate::page_client::PageClient;
use crate::pages_coordinator::failed_email;
use crate::splits::{confirm, proposed_cohort};

const KEPT: &str = r#"strumpavtal_cached_reads_total{outcome="kept"}"#;

async fn get(app: &TestApp, token: &str, path: &str) -> Value {
    let (status, body) = answer(app.get_as(token, path).await).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    body
}

/// How many reads this instance answered from the cache.
async fn kept(app: &TestApp) -> f64 {
    value(&scrape(app).await, KEPT)
}

/// Reads `path` twice with nothing changed between, and checks that the
/// second answer was the kept one.
async fn read_twice(app: &TestApp, token: &str, path: &str) -> Value {
    let first = get(app, token, path).await;
    let before = kept(app).await;
    let second = get(app, token, path).await;
    assert_eq!(second, first, "{path}: nothing changed, yet the answer did");
    assert_eq!(kept(app).await, before + 1.0, "{path}: the second read was not the kept answer ({:?})", app.backend);
    second
}

#[derive(diesel::QueryableByName)]
struct Name {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

fn names_of(app: &TestApp, sql: &str) -> Vec<String> {
    diesel::sql_query(sql).load::<Name>(&mut app.pool.get().unwrap()).expect(sql).into_iter().map(|n| n.name).collect()
}

fn data_version(app: &TestApp) -> String {
    names_of(app, "SELECT CAST(version AS TEXT) AS name FROM data_version_now").remove(0)
}

/// Tables whose changes no kept answer or kept caller shows.
const UNWATCHED: [&str; 6] =
    ["web_sessions", "audit_log", "email_outbox", "data_version", "data_version_pending", "__diesel_schema_migrations"];

#[tokio::test]
async fn every_change_to_a_watched_table_moves_the_data_version() {
    for (app, _database) in crate::helpers::spawn_apps().await {
        // A table added later without its trigger fails here.
        let (tables, lacking) = match app.backend {
            Backend::Sqlite => (
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
                "SELECT name FROM sqlite_master AS t WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND \
                 (SELECT COUNT(*) FROM sqlite_master AS g WHERE g.type = 'trigger' AND g.tbl_name = t.name \
                  AND g.name LIKE '%_moves_data_version') < 3",
            ),
            Backend::Postgres => (
                "SELECT relname::text AS name FROM pg_class WHERE relkind = 'r' \
                 AND relnamespace = current_schema()::regnamespace",
                "SELECT relname::text AS name FROM pg_class AS c WHERE relkind = 'r' \
                 AND relnamespace = current_schema()::regnamespace AND NOT EXISTS \
                 (SELECT 1 FROM pg_trigger WHERE tgrelid = c.oid AND tgname = c.relname || '_moves_data_version')",
            ),
        };
        let watched: Vec<String> =
            names_of(&app, tables).into_iter().filter(|t| !UNWATCHED.contains(&t.as_str())).collect();
        assert_eq!(watched.len(), 15, "{watched:?}");
        let lacking: Vec<String> =
            names_of(&app, lacking).into_iter().filter(|t| !UNWATCHED.contains(&t.as_str())).collect();
        assert!(lacking.is_empty(), "{:?}: no trigger moves the data version on {lacking:?}", app.backend);

        // The triggers work: reading leaves it, an insert, an update and a delete each move it.
        let moved = |sql: &str| {
            let before = data_version(&app);
            assert_eq!(data_version(&app), before, "reading changes nothing");
            diesel::sql_query(sql).execute(&mut app.pool.get().unwrap()).expect(sql);
            assert_ne!(data_version(&app), before, "{:?}: {sql}", app.backend);
        };
        moved(
            "INSERT INTO courses (code, title, credits_tenths, min_participants, max_participants, fixed_fee_ore, \
             per_participant_fee_ore, created_at, updated_at) \
             VALUES ('X1', 'Kurs', 75, 2, 10, 100, 10, '2026-11-30 12:00:00', '2026-11-30 12:00:00')",
        );
        moved("UPDATE courses SET title = 'Ny kurs' WHERE code = 'X1'");
        moved("DELETE FROM courses WHERE code = 'X1'");
        // A change the service makes in a transaction, too.
        let before = data_version(&app);
        app.organisation(crate::helpers::SUNDSVALL, "Sundsvalls kommun", 9_000).await;
        assert_ne!(data_version(&app), before);
    }
}

fn organisation_names(cohort: &Value) -> Vec<String> {
    let mut names: Vec<String> = cohort["allocations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["organisation_name"].as_str().unwrap().to_owned())
        .collect();
    names.dedup();
    names
}

fn share_agreements(cohort: &Value) -> Vec<i64> {
    cohort["shares"].as_array().unwrap().iter().map(|s| s["agreement_id"].as_i64().unwrap()).collect()
}

/// The three municipalities, and a confirmed cohort of a new course of at
/// most `max` seats, in which Sundsvall and Ånge have 3 seats each:
/// (organisations, agreements, cohort).
async fn cohort_of_sundsvall_and_ange(app: &TestApp, course: &str, max: i64) -> ([i64; 3], [i64; 3], i64) {
    let (orgs, agreements) = three_municipalities(app).await;
    app.course(course, 2, max).await;
    for agreement in &agreements[..2] {
        app.need(*agreement, course, 3, (&term(0), &term(0))).await;
    }
    let cohort = proposed_cohort(app, course).await;
    let (status, confirmed) = confirm(app, cohort, json!({"split_rule": "per_seat"})).await;
    assert_eq!(status, StatusCode::OK, "{confirmed}");
    (orgs, agreements, cohort)
}

#[tokio::test]
async fn a_kept_answer_is_given_until_anything_changes_it_on_any_instance() {
    for backend in backends() {
        let database = TestDatabase::create(backend);
        let app = spawn_on(&database).await;
        let other = Server::start(&database.url);
        let (orgs, [sun, ang, tim], cohort) = cohort_of_sundsvall_and_ange(&app, "CACHE1", 10).await;
        let path = format!("/api/v1/cohorts/{cohort}");

        let first = read_twice(&app, &app.token, &path).await;
        assert_eq!(first["split_version"], 1);

        // Timrå joins through the other instance: this one's answer follows.
        let timra_joins = json!({"agreement_id": tim, "seats": 2});
        let (status, joined) = other.post(&app.token, &format!("{path}/join"), &timra_joins).await;
        assert_eq!(status, StatusCode::OK, "{joined}");
        let after_join = get(&app, &app.token, &path).await;
        assert_eq!(after_join["split_version"], 2, "{after_join}");
        assert_eq!(after_join["size"], 8);
        assert_eq!(organisation_names(&after_join), ["Sundsvalls kommun", "Ånge kommun", "Timrå kommun"]);

        // Invoicing lines appear when the other instance invoices.
        let invoicing = format!("/api/v1/organisations/{}/invoicing", orgs[0]);
        let before = read_twice(&app, &app.token, &invoicing).await;
        assert_eq!(before["lines"].as_array().unwrap().len(), 0, "{before}");
        let (status, invoiced) = other.post(&app.token, &format!("{path}/invoice"), &json!({})).await;
        assert_eq!(status, StatusCode::CREATED, "{invoiced}");
        let after = get(&app, &app.token, &invoicing).await;
        assert_eq!(after["lines"].as_array().unwrap().len(), 1, "{after}");

        // One course's demand counts a need the other instance adds.
        app.course("CACHE2", 2, 10).await;
        app.need(sun, "CACHE2", 1, (&term(1), &term(1))).await;
        let demand = "/api/v1/demand?course_code=CACHE2";
        let seats = |rows: &Value| rows[0]["firm_seats"].as_i64().unwrap();
        assert_eq!(seats(&read_twice(&app, &app.token, demand).await), 1);
        let need = json!({"agreement_id": ang, "course_code": "CACHE2", "seats": 2,
                          "earliest_term": term(1), "latest_term": term(1)});
        let (status, created) = other.post(&app.token, "/api/v1/needs", &need).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        assert_eq!(seats(&get(&app, &app.token, demand).await), 3);

        // A change made in the database by hand, not through the service.
        let mut invoiced = after_join.clone();
        invoiced["invoiced"] = json!(true);
        assert_eq!(read_twice(&app, &app.token, &path).await, invoiced);
        diesel::sql_query(format!("UPDATE organisations SET name = 'Sundsvall' WHERE id = {}", orgs[0]))
            .execute(&mut app.pool.get().unwrap())
            .unwrap();
        let renamed = get(&app, &app.token, &path).await;
        assert_eq!(organisation_names(&renamed), ["Sundsvall", "Ånge kommun", "Timrå kommun"], "{backend:?}");
    }
}

#[tokio::test]
async fn a_kept_answer_goes_only_to_callers_who_may_see_the_same() {
    for backend in backends() {
        let database = TestDatabase::create(backend);
        let app = spawn_on(&database).await;
        // Six seats of six: full, so no one else may look at it to join.
        let (_, [sun, ang, _], cohort) = cohort_of_sundsvall_and_ange(&app, "CACHE3", 6).await;
        let path = format!("/api/v1/cohorts/{cohort}");
        let ange = app.user(Role::Organisation, Some(ANGE));
        let ange_finance = app.user(Role::Finance, Some(ANGE));
        let timra = app.user(Role::Organisation, Some(TIMRA));

        // The coordinator's answer, with every partner's money, is kept first.
        assert_eq!(share_agreements(&read_twice(&app, &app.token, &path).await), [sun, ang]);
        // Ånge's users see only Ånge's share, each time, kept or not.
        for token in [&ange, &ange_finance] {
            assert_eq!(share_agreements(&get(&app, token, &path).await), [ang], "{backend:?}");
            assert_eq!(share_agreements(&read_twice(&app, token, &path).await), [ang], "{backend:?}");
        }
        // Timrå has no seats in it, and it is full: not found, kept answer or not.
        assert_eq!(app.get_as(&timra, &path).await.status(), StatusCode::NOT_FOUND);
        assert_eq!(share_agreements(&get(&app, &app.token, &path).await), [sun, ang]);
    }
}

/// Runs `sql` and tells whether it moved the data's version.
fn moves_the_version(app: &TestApp, sql: &str) -> bool {
    let before = data_version(app);
    diesel::sql_query(sql).execute(&mut app.pool.get().unwrap()).expect(sql);
    data_version(app) != before
}

#[tokio::test]
async fn a_kept_caller_is_believed_only_while_nothing_about_the_token_has_changed() {
    for backend in backends() {
        let database = TestDatabase::create(backend);
        let app = spawn_on(&database).await;
        let ([sundsvall, ..], [sun, ang, _], cohort) = cohort_of_sundsvall_and_ange(&app, "CACHE4", 6).await;
        let path = format!("/api/v1/cohorts/{cohort}");
        let token_row = |token: &str| api_tokens::table.filter(api_tokens::token_hash.eq(tokens::hash(token)));
        let mut conn = app.pool.get().unwrap();

        // Revoked: refused at once, though its caller and answer were kept.
        let revoked = app.user(Role::Organisation, Some(ANGE));
        read_twice(&app, &revoked, &path).await;
        diesel::update(token_row(&revoked))
            .set(api_tokens::revoked_at.eq(Utc::now().naive_utc()))
            .execute(&mut conn)
            .unwrap();
        assert_eq!(app.get_as(&revoked, &path).await.status(), StatusCode::UNAUTHORIZED, "{backend:?}");

        // Moved to Sundsvall: answered as Sundsvall's user, with its share only.
        let moved = app.user(Role::Organisation, Some(ANGE));
        assert_eq!(share_agreements(&read_twice(&app, &moved, &path).await), [ang]);
        diesel::update(users::table.filter(users::id.eq_any(token_row(&moved).select(api_tokens::user_id))))
            .set(users::organisation_id.eq(sundsvall))
            .execute(&mut conn)
            .unwrap();
        assert_eq!(share_agreements(&get(&app, &moved, &path).await), [sun], "{backend:?}");

        // Expiring in two seconds: believed until then, from the kept caller too.
        let expiring = app.user(Role::Organisation, Some(ANGE));
        let expires_at = Utc::now().naive_utc() + chrono::Duration::seconds(2);
        diesel::update(token_row(&expiring)).set(api_tokens::expires_at.eq(expires_at)).execute(&mut conn).unwrap();
        read_twice(&app, &expiring, &path).await;
        tokio::time::sleep((expires_at - Utc::now().naive_utc()).to_std().unwrap_or_default()).await;
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert_eq!(app.get_as(&expiring, &path).await.status(), StatusCode::UNAUTHORIZED, "{backend:?}");

        // Signing in, failing to, being locked out and a new password change
        // nothing a token stands for: the kept answers stay.
        for unwatched in [
            "UPDATE users SET failed_sign_ins = failed_sign_ins + 1",
            "UPDATE users SET locked_until = '2026-11-30 12:00:00', failed_sign_ins = 0",
            "UPDATE users SET password_hash = 'not a hash'",
        ] {
            assert!(!moves_the_version(&app, unwatched), "{backend:?}: {unwatched}");
        }
        assert!(moves_the_version(&app, "UPDATE users SET email = email"), "{backend:?}");
    }
}

#[tokio::test]
async fn the_heavy_reads_are_given_again_until_anything_changes_them() {
    for backend in backends() {
        let database = TestDatabase::create(backend);
        let app = spawn_on(&database).await;
        let other = Server::start(&database.url);
        let (_, [sun, ang, _]) = three_municipalities(&app).await;
        app.course("HEAVY1", 2, 10).await;
        app.need(sun, "HEAVY1", 3, (&term(1), &term(1))).await;
        let coordinator = PageClient::sign_in(&app, Role::Coordinator, None, "sv").await;
        let course = |rows: &Value| -> (i64, String) {
            let row = rows.as_array().unwrap().iter().find(|r| r["course_code"] == "HEAVY1").expect("HEAVY1's row");
            (row["firm_seats"].as_i64().unwrap(), row["course_title"].as_str().unwrap().to_owned())
        };
        let overview = || async {
            let (status, html) = coordinator.get("/").await;
            assert_eq!(status, StatusCode::OK, "{html}");
            html
        };
        let requested = |html: &str| -> String {
            let at = html.find("id=\"figure-requested\"><strong>").expect("the requested seats") + 30;
            html[at..].split('<').next().unwrap().to_owned()
        };

        // Every course's demand as the coordinator sees it, and the overview.
        assert_eq!(course(&read_twice(&app, &app.token, "/api/v1/demand").await).0, 3, "{backend:?}");
        let first = overview().await;
        let before = kept(&app).await;
        assert_eq!(overview().await, first, "nothing changed, yet the overview did");
        assert_eq!(kept(&app).await, before + 1.0, "the second overview was not the kept one ({backend:?})");
        assert_eq!(requested(&first), "3");

        // An e-mail failing moves the data's version: the overview, which
        // counts failures, is computed again and counts it.
        failed_email(&app, "Studsade");
        let before = kept(&app).await;
        let html = overview().await;
        assert_eq!(kept(&app).await, before, "the overview was given as kept before the failure ({backend:?})");
        assert!(html.contains("<strong>1</strong> e-brev misslyckades."), "{html}");

        // Ånge's need, made through the other instance, shows on this one at once.
        let need = json!({"agreement_id": ang, "course_code": "HEAVY1", "seats": 2,
                          "earliest_term": term(1), "latest_term": term(1)});
        let (status, created) = other.post(&app.token, "/api/v1/needs", &need).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        assert_eq!(course(&get(&app, &app.token, "/api/v1/demand").await).0, 5, "{backend:?}");
        assert_eq!(requested(&overview().await), "5", "{backend:?}");

        // So does a course renamed in the database by hand.
        diesel::sql_query("UPDATE courses SET title = 'Tung läsning' WHERE code = 'HEAVY1'")
            .execute(&mut app.pool.get().unwrap())
            .unwrap();
        assert_eq!(course(&get(&app, &app.token, "/api/v1/demand").await), (5, "Tung läsning".to_owned()));
    }
}
