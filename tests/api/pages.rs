//! The web pages' sign-in: the form, its CSRF token, sessions, signing out,
//! and the language switch.

use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use strumpavtal::access::{Role, passwords, users};

use crate::helpers::TestApp;

const PASSWORD: &str = "korrekt häst batteri";

fn browser() -> reqwest::Client {
    crate::helpers::http_client().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// The value of cookie `name` set by a response, with its attributes.
fn set_cookie(response: &reqwest::Response, name: &str) -> Option<(String, String)> {
    response.headers().get_all(SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|header| {
        let (pair, attributes) = header.split_once(';').unwrap_or((header, ""));
        let (key, value) = pair.split_once('=')?;
        (key.trim() == name).then(|| (value.trim().to_owned(), attributes.to_owned()))
    })
}

/// The hidden `csrf_token` of the first form on a page.
fn csrf_in(html: &str) -> String {
    let at = html.find("name=\"csrf_token\" value=\"").expect("a CSRF field") + "name=\"csrf_token\" value=\"".len();
    html[at..].split('"').next().unwrap().to_owned()
}

fn coordinator_with_password(app: &TestApp, email: &str) {
    let mut conn = app.pool.get().unwrap();
    let created =
        users::create(&mut conn, users::NewUser { email, role: Role::Coordinator, organisation: None }).unwrap();
    passwords::store(&mut conn, created.id, &passwords::hash(PASSWORD).unwrap()).unwrap();
}

/// Fetches the form and posts it; returns the answer to the post.
async fn sign_in(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    let client = browser();
    let form = client.get(app.url("/login")).send().await.unwrap();
    let (csrf_cookie, _) = set_cookie(&form, "sp_login_csrf").expect("a sign-in CSRF cookie");
    let csrf = csrf_in(&form.text().await.unwrap());
    client
        .post(app.url("/login"))
        .header(COOKIE, format!("sp_login_csrf={csrf_cookie}"))
        .form(&[("email", email), ("password", password), ("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_user_signs_in_sees_the_start_page_and_signs_out() {
    for (app, _db) in crate::helpers::spawn_apps().await {
        coordinator_with_password(&app, "samordnare@region.example");
        let client = browser();
        let home = client.get(app.url("/")).send().await.unwrap();
        assert_eq!((home.status(), home.headers()[LOCATION].to_str().unwrap()), (StatusCode::SEE_OTHER, "/login"));

        let form = client.get(app.url("/login")).send().await.unwrap();
        assert_eq!(form.status(), StatusCode::OK);
        let (_, attributes) = set_cookie(&form, "sp_login_csrf").unwrap();
        assert!(attributes.contains("HttpOnly") && attributes.contains("SameSite=Strict"), "{attributes}");
        let html = form.text().await.unwrap();
        assert!(html.contains("<label for=\"email\">E-postadress</label>") && html.contains("lang=\"sv\""), "{html}");

        // Wrong password: the form again, with the address kept and the error by the field.
        let wrong = sign_in(&app, "samordnare@region.example", "fel lösenord här").await;
        assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(set_cookie(&wrong, "sp_session").is_none());
        let html = wrong.text().await.unwrap();
        assert!(
            html.contains("value=\"samordnare@region.example\"") && html.contains("lösenordet stämmer inte"),
            "{html}"
        );

        let right = sign_in(&app, "samordnare@region.example", PASSWORD).await;
        assert_eq!((right.status(), right.headers()[LOCATION].to_str().unwrap()), (StatusCode::SEE_OTHER, "/"));
        let (session, attributes) = set_cookie(&right, "sp_session").expect("a session cookie");
        assert!(
            attributes.contains("HttpOnly") && attributes.contains("Secure") && attributes.contains("SameSite=Strict")
        );
        let cookie = format!("sp_session={session}");
        let home = client.get(app.url("/")).header(COOKIE, &cookie).send().await.unwrap();
        assert_eq!(home.status(), StatusCode::OK);
        assert_eq!(home.headers()["cache-control"], "no-store");
        let html = home.text().await.unwrap();
        assert!(html.contains("samordnare@region.example") && html.contains("regional samordnare"), "{html}");

        // Signing out needs the session's CSRF token.
        let forged = client
            .post(app.url("/logout"))
            .header(COOKIE, &cookie)
            .form(&[("csrf_token", "guess")])
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), StatusCode::FORBIDDEN);
        assert_eq!(client.get(app.url("/")).header(COOKIE, &cookie).send().await.unwrap().status(), StatusCode::OK);
        let out = client
            .post(app.url("/logout"))
            .header(COOKIE, &cookie)
            .form(&[("csrf_token", csrf_in(&html))])
            .send()
            .await
            .unwrap();
        assert_eq!(out.status(), StatusCode::SEE_OTHER);
        let home = client.get(app.url("/")).header(COOKIE, &cookie).send().await.unwrap();
        assert_eq!(home.status(), StatusCode::SEE_OTHER, "the session has ended");
    }
}

#[tokio::test]
async fn the_sign_in_form_refuses_posts_without_its_token_and_locks_out_guessers() {
    for (app, _db) in crate::helpers::spawn_apps().await {
        coordinator_with_password(&app, "samordnare@region.example");
        let forged = browser()
            .post(app.url("/login"))
            .form(&[("email", "samordnare@region.example"), ("password", PASSWORD), ("csrf_token", "x")])
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), StatusCode::FORBIDDEN, "no CSRF cookie, no sign-in");
        assert!(set_cookie(&forged, "sp_session").is_none());

        for _ in 0..4 {
            assert_eq!(
                sign_in(&app, "samordnare@region.example", "fel lösenord här").await.status(),
                StatusCode::UNPROCESSABLE_ENTITY
            );
        }
        let locked = sign_in(&app, "samordnare@region.example", "fel lösenord här").await;
        assert!(locked.text().await.unwrap().contains("För många misslyckade försök"));
        let still = sign_in(&app, "samordnare@region.example", PASSWORD).await;
        assert_eq!(still.status(), StatusCode::UNPROCESSABLE_ENTITY, "locked out, even with the right password");
    }
}

#[tokio::test]
async fn the_language_switch_remembers_english() {
    for (app, _db) in crate::helpers::spawn_apps().await {
        let client = browser();
        let switch = client.get(app.url("/language/en")).header("Referer", app.url("/login")).send().await.unwrap();
        assert_eq!((switch.status(), switch.headers()[LOCATION].to_str().unwrap()), (StatusCode::SEE_OTHER, "/login"));
        let (lang, _) = set_cookie(&switch, "sp_lang").unwrap();
        assert_eq!(lang, "en");
        let html =
            client.get(app.url("/login")).header(COOKIE, "sp_lang=en").send().await.unwrap().text().await.unwrap();
        assert!(html.contains("lang=\"en\"") && html.contains("<label for=\"email\">E-mail address</label>"), "{html}");
        // Only back to this site.
        let away =
            client.get(app.url("/language/sv")).header("Referer", "https://evil.example//x").send().await.unwrap();
        assert_eq!(away.headers()[LOCATION], "/");
    }
}

#[tokio::test]
async fn an_unknown_page_is_a_page_for_browsers_and_json_for_programs() {
    for (app, _db) in crate::helpers::spawn_apps().await {
        let client = browser();
        let page = client
            .get(app.url("/no-such-page"))
            .header("Accept", "text/html,application/xhtml+xml")
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::NOT_FOUND);
        assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
        let html = page.text().await.unwrap();
        assert!(html.contains("Sidan finns inte") && html.contains("href=\"/\""), "{html}");
        let json = client.get(app.url("/no-such-page")).send().await.unwrap();
        assert_eq!(json.status(), StatusCode::NOT_FOUND);
        let body: serde_json::Value = json.json().await.unwrap();
        assert_eq!(body["error"]["code"], "not_found");
    }
}

#[tokio::test]
async fn a_body_that_is_not_a_form_gets_a_page_and_changes_nothing() {
    for (app, _db) in crate::helpers::spawn_apps().await {
        let answer = browser()
            .post(app.url("/login"))
            .header("Content-Type", "application/json")
            .body(r#"{"email": "x@example.se"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
        assert!(set_cookie(&answer, "sp_session").is_none());
        let html = answer.text().await.unwrap();
        assert!(html.contains("Formuläret kunde inte läsas"), "{html}");
    }
}

#[tokio::test]
async fn an_address_with_a_bad_id_is_a_page_for_browsers_and_json_for_programs() {
    for (app, _db) in crate::helpers::spawn_apps().await {
        let coordinator = crate::page_client::PageClient::sign_in(&app, Role::Coordinator, None, "en").await;
        let (status, html) = coordinator.get("/cohorts/abc").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(html.contains("Page not found"), "{html}");
        let api = app.get("/api/v1/cohorts/abc").await;
        assert_eq!(api.status(), StatusCode::NOT_FOUND);
        let body: serde_json::Value = api.json().await.unwrap();
        assert_eq!(body["error"]["code"], "not_found");
    }
}

#[tokio::test]
async fn a_session_ends_when_it_expires() {
    use diesel::prelude::*;
    use strumpavtal::db::schema::web_sessions;
    for (app, _db) in crate::helpers::spawn_apps().await {
        let page = crate::page_client::PageClient::sign_in(&app, Role::Coordinator, None, "sv").await;
        assert_eq!(page.get("/").await.0, StatusCode::OK);
        // Move the end of the session an hour into the past.
        let an_hour_ago = chrono::Utc::now().naive_utc() - chrono::Duration::hours(1);
        let mut conn = app.pool.get().unwrap();
        diesel::update(web_sessions::table).set(web_sessions::expires_at.eq(an_hour_ago)).execute(&mut conn).unwrap();
        let expired = page.get_raw("/").await;
        assert_eq!(
            (expired.status(), expired.headers()[LOCATION].to_str().unwrap()),
            (StatusCode::SEE_OTHER, "/login")
        );
    }
}

#[tokio::test]
async fn pages_forbid_scripts_frames_and_sniffing_and_load_their_one_stylesheet() {
    for (app, _db) in crate::helpers::spawn_apps().await {
        let form = browser().get(app.url("/login")).send().await.unwrap();
        let header = |name: &str| form.headers().get(name).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
        let policy = header("content-security-policy");
        assert!(policy.contains("default-src 'none'") && policy.contains("frame-ancestors 'none'"), "{policy}");
        assert!(policy.contains("style-src 'self'") && !policy.contains("unsafe-inline"), "{policy}");
        assert_eq!(header("x-content-type-options"), "nosniff");
        assert_eq!(header("x-frame-options"), "DENY");
        assert_eq!(header("referrer-policy"), "same-origin");
        let html = form.text().await.unwrap();
        assert!(!html.contains("<style") && !html.contains("<script") && !html.contains("style=\""), "{html}");
        let href = html.split("rel=\"stylesheet\" href=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
        let css = browser().get(app.url(&href)).send().await.unwrap();
        assert_eq!(css.status(), StatusCode::OK);
        assert!(css.headers()["content-type"].to_str().unwrap().starts_with("text/css"));
        assert!(css.text().await.unwrap().contains(".error-summary{"));
        // The API answers carry them too.
        let api = app.get("/api/v1/courses").await;
        assert_eq!(api.headers()["x-content-type-options"], "nosniff");
    }
}

#[tokio::test]
async fn one_address_may_try_only_so_many_sign_ins_a_minute() {
    for backend in crate::helpers::backends() {
        let database = crate::helpers::TestDatabase::create(backend);
        let app = crate::helpers::spawn_with(&database, |s| s.web.sign_in_attempts_per_minute = 3).await;
        coordinator_with_password(&app, "samordnare@region.example");
        for _ in 0..3 {
            let answer = sign_in(&app, "nobody@region.example", "fel lösenord här").await;
            assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY);
        }
        // The fourth, even with the right password, waits.
        let refused = sign_in(&app, "samordnare@region.example", PASSWORD).await;
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
        let wait: u64 = refused.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=20).contains(&wait), "{wait}");
        assert!(set_cookie(&refused, "sp_session").is_none());
        assert!(refused.text().await.unwrap().contains("För många inloggningsförsök"));
    }
}
