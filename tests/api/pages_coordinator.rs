//! The coordinator's pages and every role's start page: the dashboard with
//! its heat map, key figures and attention list; organisations and their
//! budgets; the course catalogue; the outbox and the audit log.
//!
//! Courses come from the helper: 120 000 kr fixed (12 000 000 öre) and
//! 5 000 kr (500 000 öre) a seat; every agreement has 2 000 000 kr.

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{Value, json};
use strumpavtal::access::{Caller, Role};
use strumpavtal::email::outbox::{self, NewEmail, OutboxFilter, OutboxStatus};
use strumpavtal::ids::UserId;
use strumpavtal::registry::term::Term;

use crate::helpers::{ANGE, SUNDSVALL, TestApp, answer, term, three_municipalities};
use crate::page_client::{PageClient, location};

/// An amount as the pages should write it: "75 000,00 kr", with no-break
/// spaces. Written here from the rule, not with `Ore`'s own formatting, so
/// that a broken format fails the assertions.
fn kr(ore: i64) -> String {
    assert!(ore >= 0, "the expected amounts here are not negative");
    let kronor = (ore / 100).to_string();
    let first = kronor.len() % 3;
    let mut groups: Vec<&str> = if first > 0 { vec![&kronor[..first]] } else { Vec::new() };
    groups.extend((first..kronor.len()).step_by(3).map(|i| &kronor[i..i + 3]));
    format!("{},{:02}\u{a0}kr", groups.join("\u{a0}"), ore % 100)
}

/// "VT 2027" for the `n`th term from the first that has not begun.
fn term_name(n: usize) -> String {
    Term::parse(&term(n)).unwrap().display_name()
}

/// The part of `html` from `marker` to the next `end`.
fn part<'a>(html: &'a str, marker: &str, end: &str) -> &'a str {
    let at = html.find(marker).unwrap_or_else(|| panic!("{marker} in {html}"));
    let rest = &html[at..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

/// The table row of `html` that holds `needle`.
fn row_around<'a>(html: &'a str, needle: &str) -> &'a str {
    let at = html.find(needle).unwrap_or_else(|| panic!("{needle} in {html}"));
    let start = html[..at].rfind("<tr").expect("a row");
    part(&html[start..], "<tr", "</tr>")
}

/// Runs the planner; returns the plan.
async fn plan(app: &TestApp) -> Value {
    let (status, plan) = answer(app.post("/api/v1/plans", &json!({})).await).await;
    assert_eq!(status, StatusCode::CREATED, "{plan}");
    plan
}

fn cohort_of(plan: &Value, course: &str) -> i64 {
    let found: Vec<&Value> =
        plan["cohorts"].as_array().unwrap().iter().filter(|c| c["course_code"] == course).collect();
    assert_eq!(found.len(), 1, "one {course} cohort in {plan}");
    found[0]["id"].as_i64().unwrap()
}

async fn confirm(app: &TestApp, cohort: i64, body: Value) {
    let (status, answer) = answer(app.post(&format!("/api/v1/cohorts/{cohort}/confirm"), &body).await).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
}

/// Queues an e-mail and lets it fail for good; returns its id. Call it while
/// nothing else is due, so the claim takes this one.
pub(crate) fn failed_email(app: &TestApp, subject: &str) -> i64 {
    let mut conn = app.pool.get().unwrap();
    outbox::enqueue(&mut conn, email(subject), Duration::zero()).unwrap();
    let claimed = outbox::claim_next(&mut conn, Duration::seconds(60)).unwrap().expect("the e-mail is due");
    assert_eq!(claimed.subject, subject);
    outbox::mark_failed(&mut conn, &claimed, "550 mailbox unavailable", 1, Duration::seconds(1)).unwrap();
    claimed.id.0
}

fn email(subject: &str) -> NewEmail {
    NewEmail {
        idempotency_key: format!("page-test:{subject}"),
        coalesce_key: None,
        kind: "test",
        organisation_id: None,
        cohort_id: None,
        to: "ekonomi@kommun.example".into(),
        subject: subject.into(),
        html: format!("<p>{subject}</p>"),
        text: subject.into(),
    }
}

/// Each e-mail's subject and status, straight from the outbox.
fn outbox_statuses(app: &TestApp) -> Vec<(String, OutboxStatus)> {
    let coordinator =
        Caller { user_id: UserId(0), email: "test@example".into(), role: Role::Coordinator, organisation_id: None };
    let mut conn = app.pool.get().unwrap();
    let mut found: Vec<(String, OutboxStatus)> = outbox::list(&mut conn, &coordinator, &OutboxFilter::default())
        .unwrap()
        .into_iter()
        .map(|e| (e.subject, e.status))
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

#[tokio::test]
async fn the_heat_map_shows_a_pooled_cell_that_reaches_the_minimum_unlike_one_that_does_not() {
    for (app, _db) in crate::helpers::spawn_apps().await {
        let (_, [sun, ang, _]) = three_municipalities(&app).await;
        // POOL (minimum 6) in the first term: 4 + 3 = 7 seats, neither enough alone, together enough.
        app.course("POOL", 6, 20).await;
        app.need(sun, "POOL", 4, (&term(0), &term(0))).await;
        app.need(ang, "POOL", 3, (&term(0), &term(0))).await;
        // SHORT (minimum 12) in the second term: the same 7 seats, 5 short.
        app.course("SHORT", 12, 20).await;
        app.need(sun, "SHORT", 4, (&term(1), &term(1))).await;
        app.need(ang, "SHORT", 3, (&term(1), &term(1))).await;

        let coordinator = PageClient::sign_in(&app, Role::Coordinator, None, "sv").await;
        let (status, html) = coordinator.get("/").await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains("<h1>Översikt</h1>") && html.contains("regional samordnare"), "{html}");
        assert!(html.contains("role=\"img\"") && html.contains("aria-labelledby=\"heat-map-title heat-map-desc\""));

        let viable = part(&html, &format!("<g class=\"cell viable\" data-cell=\"POOL {}\">", term(0)), "</g>");
        assert!(viable.contains(">7<") && viable.contains(">✓<") && viable.contains("#00703c"), "{viable}");
        assert!(viable.contains("når minsta antal"), "{viable}");

        let short = part(&html, &format!("<g class=\"cell short\" data-cell=\"SHORT {}\">", term(1)), "</g>");
        assert!(short.contains(">7<") && short.contains(">−5<") && short.contains("url(#heat-short)"), "{short}");
        assert!(short.contains("5 platser saknas"), "{short}");
        // POOL has no demand in the second term, SHORT none in the first.
        assert_eq!(html.matches("class=\"cell empty\"").count(), 2, "{html}");
        assert!(html.contains("1 av 2 celler med behov når kursens minsta antal deltagare"), "{html}");

        // The table behind the map says the same in words.
        let table = part(&html, "<details><summary>Efterfrågan som tabell", "</details>");
        let pool_row = part(table, "POOL", "</tr>");
        assert!(pool_row.contains(&term_name(0)) && pool_row.contains("✓ når minsta antal"), "{pool_row}");
        let short_row = part(table, "SHORT", "</tr>");
        assert!(short_row.contains(&term_name(1)) && short_row.contains("−5 5 platser saknas"), "{short_row}");
        assert!(html.contains("Ingen planering har gjorts ännu."), "{html}");
        let heading = html.find("<h2>Efterfrågan per kurs och termin</h2>").expect("the heading");
        assert!(heading < html.find("role=\"img\"").expect("the map"), "the map under its heading: {html}");
        assert!(!html.contains("<!--heat-map-->"), "the heat map is in its slot: {html}");

        // A browser that takes gzip gets the same page gzipped: the heat
        // map, kept deflated, stitched between the rest made for it.
        let gzipped = coordinator.get_gzipped("/").await;
        let mut unzipped = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(gzipped.as_slice()), &mut unzipped).unwrap();
        assert_eq!(unzipped, html);
        let (_, again) = coordinator.get("/").await;
        assert_eq!(again, html, "the kept heat map, plain again");
    }
}

#[tokio::test]
async fn key_figures_follow_a_confirmed_cohort_and_the_latest_plan_in_both_languages() {
    for (app, _db) in crate::helpers::spawn_apps().await {
        let (_, [sun, ang, tim]) = three_municipalities(&app).await;
        // CONF: 3 + 3 seats, confirmed by seat. PROP: 2 + 1 seats, left proposed.
        // NEAR (minimum 12): 4 + 3 seats, 5 short of a cohort.
        app.course("CONF", 2, 10).await;
        app.need(sun, "CONF", 3, (&term(0), &term(0))).await;
        app.need(ang, "CONF", 3, (&term(0), &term(0))).await;
        app.course("PROP", 2, 10).await;
        app.need(sun, "PROP", 2, (&term(0), &term(0))).await;
        app.need(ang, "PROP", 1, (&term(0), &term(0))).await;
        app.course("NEAR", 12, 20).await;
        app.need(sun, "NEAR", 4, (&term(0), &term(0))).await;
        app.need(tim, "NEAR", 3, (&term(0), &term(0))).await;
        let plan = plan(&app).await;
        let plan_id = plan["id"].as_i64().unwrap();
        confirm(&app, cohort_of(&plan, "CONF"), json!({})).await;

        let coordinator = PageClient::sign_in(&app, Role::Coordinator, None, "sv").await;
        let (status, html) = coordinator.get("/").await;
        assert_eq!(status, StatusCode::OK, "{html}");
        // Requested: 3 + 3 + 2 + 1 + 4 + 3 = 16 firm seats in open needs.
        assert!(part(&html, "id=\"figure-requested\"", "</li>").contains("<strong>16</strong>"), "{html}");
        // Placed: 6 in the confirmed cohort, 3 in the proposal.
        let placed = part(&html, "id=\"figure-placed\"", "</li>");
        assert!(placed.contains("<strong>9</strong>") && placed.contains("6 i bekräftade, 3 i förslag"), "{placed}");
        let cohorts = part(&html, "id=\"figure-cohorts\"", "</li>");
        assert!(cohorts.contains("<strong>2</strong>") && cohorts.contains("1 bekräftade, 1 förslag"), "{cohorts}");
        // Cost: CONF 12 000 000 + 6 × 500 000 = 15 000 000; PROP 12 000 000 + 3 × 500 000 = 13 500 000.
        let cost = part(&html, "id=\"figure-cost\"", "</li>");
        assert!(cost.contains(&kr(15_000_000)) && cost.contains(&kr(13_500_000)), "{cost}");
        // Savings, confirmed: each would pay 12 000 000 + 3 × 500 000 = 13 500 000 alone and
        // pays 7 500 000, so 2 × 6 000 000. Proposed, by seat: Sundsvall pays 9 000 000 of a
        // standalone 13 000 000, Ånge 4 500 000 of 13 000 000 (alone it pays the minimum 2
        // seats): 4 000 000 + 8 500 000.
        let savings = part(&html, "id=\"figure-savings\"", "</li>");
        assert!(savings.contains(&kr(12_000_000)) && savings.contains(&kr(12_500_000)), "{savings}");
        assert!(html.contains("Besparingen är vad varje part hade betalat för ett eget kurstillfälle"), "{html}");

        // NEAR: 7 seats wait in the first term, 12 − 7 = 5 missing.
        let near = part(&html, "id=\"attention-near-viable\"", "</section>");
        assert!(near.contains(&format!("NEAR {}", term_name(0))), "{near}");
        assert!(near.contains("7 platser väntar, 5 platser saknas"), "{near}");
        assert!(near.contains(&format!("href=\"/plans/{plan_id}\"")), "{near}");
        assert!(!near.contains("CONF") && !near.contains("PROP"), "{near}");

        let english = PageClient::sign_in(&app, Role::Coordinator, None, "en").await;
        let (status, html) = english.get("/").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("lang=\"en\"") && html.contains("<h1>Overview</h1>"), "{html}");
        assert!(html.contains("<h2>Key figures</h2>") && html.contains("regional coordinator"), "{html}");
        assert!(html.contains("seats placed: 6 in confirmed cohorts, 3 in proposals"), "{html}");
        assert!(html.contains("cohorts: 1 confirmed, 1 proposed"), "{html}");
        assert!(html.contains("7 seats waiting, 5 seats missing") && html.contains("Demand heat map"), "{html}");
        assert!(html.contains("Savings are what each party would have paid"), "{html}");
        assert!(!html.contains("Nyckeltal"), "{html}");
    }
}

/// The overview is kept while the data is unchanged; an e-mail failing,
/// or being tried again, shows on it at once all the same.
#[tokio::test]
async fn the_overview_shows_an_e_mail_failing_and_being_tried_again_at_once() {
    for (app, _db) in crate::helpers::spawn_apps().await {
        let coordinator = PageClient::sign_in(&app, Role::Coordinator, None, "en").await;
        let failures = |html: &str| part(html, "id=\"attention-failed-emails\"", "</section>").to_owned();
        for _ in 0..2 {
            let (_, html) = coordinator.get("/").await;
            assert!(failures(&html).contains("Every e-mail has been sent or is waiting"), "{html}");
        }
        let failed = failed_email(&app, "Kallelse som studsade");
        let (_, html) = coordinator.get("/").await;
        assert!(failures(&html).contains("<strong>1</strong> e-mails failed."), "{:?}: {html}", app.backend);
        let retried = coordinator.post(&format!("/outbox/{failed}/retry"), &[]).await;
        assert_eq!(retried.status(), StatusCode::SEE_OTHER);
        let (_, html) = coordinator.get("/").await;
        assert!(failures(&html).contains("Every e-mail has been sent or is waiting"), "{:?}: {html}", app.backend);
    }
}

#[tokio::test]
async fn the_attention_list_names_a_failed_e_mail_and_an_agreement_over_budget() {
    for (app, _db) in crate::helpers::spawn_apps().await {
        let failed = failed_email(&app, "Kallelse som studsade");
        let ([_, ange, _], [sun, ang, _]) = three_municipalities(&app).await;
        app.course("BUDGET", 2, 10).await;
        app.need(sun, "BUDGET", 3, (&term(0), &term(0))).await;
        app.need(ang, "BUDGET", 3, (&term(0), &term(0))).await;
        let plan = plan(&app).await;
        // Ånge has 50 000 kr; its share is 15 000 000 × 3/6 = 7 500 000 öre.
        let (status, _) =
            answer(app.patch(&format!("/api/v1/agreements/{ang}"), &json!({"budget_ore": 5_000_000})).await).await;
        assert_eq!(status, StatusCode::OK);
        let reason = "Kommunstyrelsen sköt till medel";
        confirm(&app, cohort_of(&plan, "BUDGET"), json!({"override_budget_reason": reason})).await;

        let coordinator = PageClient::sign_in(&app, Role::Coordinator, None, "sv").await;
        let (_, html) = coordinator.get("/").await;
        let emails = part(&html, "id=\"attention-failed-emails\"", "</section>");
        assert!(emails.contains("<strong>1</strong> e-brev misslyckades."), "{emails}");
        assert!(emails.contains("href=\"/outbox?status=failed\""), "{emails}");
        let over = part(&html, "id=\"attention-over-budget\"", "</section>");
        assert!(over.contains(&format!("href=\"/organisations/{ange}\">Ånge kommun</a>, SKO-ANG-01")), "{over}");
        // 7 500 000 committed of 5 000 000: over by 2 500 000.
        assert!(over.contains(&kr(7_500_000)) && over.contains(&kr(5_000_000)), "{over}");
        assert!(over.contains(&format!("över med <span class=\"money\">{}</span>", kr(2_500_000))), "{over}");
        assert!(!over.contains("SKO-SUN-01"), "Sundsvall is within its budget: {over}");

        // Ånge's page says so too, in the bar and in words.
        let (status, page) = coordinator.get(&format!("/organisations/{ange}")).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(page.contains("<g class=\"over\">"), "{page}");
        assert!(page.contains(&format!("Över budget med <span class=\"money\">{}</span>", kr(2_500_000))), "{page}");
        assert!(page.contains(&format!("över budget med {}.", kr(2_500_000))), "the text alternative: {page}");

        // The audit log keeps the override, its reason and who made it.
        let (status, log) = coordinator.get("/audit").await;
        assert_eq!(status, StatusCode::OK, "{log}");
        let row = row_around(&log, "Gick förbi en budget");
        assert!(row.contains(reason) && row.contains("coordinator-"), "{row}");
        // Ånge lacked 7 500 000 − 5 000 000 öre.
        assert!(row.contains(&format!("SKO-ANG-01: saknade <span class=\"money\">{}</span>", kr(2_500_000))), "{row}");
        assert!(row_around(&log, "Bekräftade ett kurstillfälle").contains("coordinator-"), "{log}");
        // Newest first: the confirm is written after the override it needed.
        assert!(log.find("Bekräftade ett kurstillfälle") < log.find("Gick förbi en budget"), "{log}");

        let (_, outbox_page) = coordinator.get("/outbox?status=failed").await;
        assert!(outbox_page.contains(&format!("/outbox/{failed}/retry")), "{outbox_page}");
    }
}

#[tokio::test]
async fn an_organisation_page_shows_each_budget_to_the_ore_and_only_to_its_own() {
    for (app, _db) in crate::helpers::spawn_apps().await {
        let ([sundsvall, ange, _], [sun, ang, _]) = three_municipalities(&app).await;
        // A: 3 + 3 seats in the first term; B: 2 + 1 in the second. Both
        // confirmed by seat, only A invoiced.
        app.course("KURSA", 2, 10).await;
        app.need(sun, "KURSA", 3, (&term(0), &term(0))).await;
        app.need(ang, "KURSA", 3, (&term(0), &term(0))).await;
        app.course("KURSB", 2, 10).await;
        app.need(sun, "KURSB", 2, (&term(1), &term(1))).await;
        app.need(ang, "KURSB", 1, (&term(1), &term(1))).await;
        let plan = plan(&app).await;
        let (a, b) = (cohort_of(&plan, "KURSA"), cohort_of(&plan, "KURSB"));
        confirm(&app, a, json!({})).await;
        confirm(&app, b, json!({})).await;
        let (status, invoiced) = answer(app.post(&format!("/api/v1/cohorts/{a}/invoice"), &json!({})).await).await;
        assert_eq!(status, StatusCode::CREATED, "{invoiced}");

        // Sundsvall: A 15 000 000 × 3/6 = 7 500 000 (invoiced), B 13 500 000 × 2/3 = 9 000 000;
        // committed 16 500 000, remaining 200 000 000 − 16 500 000 = 183 500 000.
        let coordinator = PageClient::sign_in(&app, Role::Coordinator, None, "sv").await;
        let (status, html) = coordinator.get(&format!("/organisations/{sundsvall}")).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains("<h1>Sundsvalls kommun</h1>") && html.contains(SUNDSVALL), "{html}");
        let alternative = format!(
            "Budget {}: beslutat {}, varav fakturerat {}; kvar {}.",
            kr(200_000_000),
            kr(16_500_000),
            kr(7_500_000),
            kr(183_500_000)
        );
        assert!(html.contains(&alternative), "{html}");
        let figures = part(&html, "<ul class=\"budget-figures\">", "</ul>");
        for expected in [
            format!("Fakturerat: <span class=\"money\">{}</span>", kr(7_500_000)),
            format!("Beslutat, ännu inte fakturerat: <span class=\"money\">{}</span>", kr(9_000_000)),
            format!("Kvar: <span class=\"money\">{}</span>", kr(183_500_000)),
        ] {
            assert!(figures.contains(&expected), "{expected} in {figures}");
        }
        assert!(!html.contains("<g class=\"over\">"), "within budget: {html}");
        // Over time: 7 500 000 in the first term, 16 500 000 after the second.
        let by_term = part(&html, "Beslutat per termin som tabell", "</table>");
        let first = part(by_term, &format!("<th scope=\"row\">{}</th>", term_name(0)), "</tr>");
        assert!(first.matches(&kr(7_500_000)).count() == 2, "{first}");
        let second = part(by_term, &format!("<th scope=\"row\">{}</th>", term_name(1)), "</tr>");
        assert!(second.contains(&kr(9_000_000)) && second.contains(&kr(16_500_000)), "{second}");

        // The list: Sundsvall has used 16 500 000 / 200 000 000 = 8 % (8.25, rounded down).
        let (status, list) = coordinator.get("/organisations").await;
        assert_eq!(status, StatusCode::OK, "{list}");
        let row = part(&list, "Sundsvalls kommun</a>", "</tr>");
        assert!(row.contains(SUNDSVALL) && row.contains("9000") && row.contains(&kr(16_500_000)), "{row}");
        assert!(row.contains("8 %"), "{row}");
        assert_eq!(location(&coordinator.get_raw("/agreements").await), "/organisations");

        // Sundsvall's own users see their organisation, and no other.
        let user = PageClient::sign_in(&app, Role::Organisation, Some(SUNDSVALL), "sv").await;
        let (status, own) = user.get("/agreements").await;
        assert_eq!(status, StatusCode::OK, "{own}");
        assert!(own.contains("Avtal – Sundsvalls kommun") && own.contains(&alternative), "{own}");
        assert!(!own.contains("SKO-ANG-01"), "{own}");
        assert_eq!(user.get(&format!("/organisations/{sundsvall}")).await.0, StatusCode::OK);
        let (status, other) = user.get(&format!("/organisations/{ange}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{other}");
        assert!(!other.contains("Ånge kommun"), "{other}");
        assert_eq!(user.get("/organisations/999999").await.0, StatusCode::NOT_FOUND);
        for page in ["/organisations", "/outbox", "/audit"] {
            assert_eq!(user.get(page).await.0, StatusCode::FORBIDDEN, "{page}");
        }
        // Its start page: the organisation, its agreement's figures, and where to go.
        let (_, home) = user.get("/").await;
        assert!(home.contains("<h1>Sundsvalls kommun</h1>") && home.contains("SKO-SUN-01"), "{home}");
        assert!(home.contains(&kr(183_500_000)) && home.contains("href=\"/needs\""), "{home}");
        assert!(home.contains("href=\"/open-seats\"") && home.contains("href=\"/cohorts\""), "{home}");
        // Everyone signed in reads the catalogue.
        let (status, courses) = user.get("/courses").await;
        assert_eq!(status, StatusCode::OK, "{courses}");
        let course = part(&courses, "<th scope=\"row\">KURSA</th>", "</tr>");
        assert!(course.contains("Kurs KURSA") && course.contains(">10<") && course.contains(">3<"), "{course}");
        assert!(course.contains(&kr(12_000_000)) && course.contains(&kr(500_000)), "{course}");

        let finance = PageClient::sign_in(&app, Role::Finance, Some(ANGE), "en").await;
        let (_, home) = finance.get("/").await;
        assert!(home.contains("<h1>Ånge kommun</h1>") && home.contains("href=\"/invoicing\""), "{home}");
        let (status, own) = finance.get("/agreements").await;
        assert_eq!(status, StatusCode::OK, "{own}");
        assert!(own.contains("Agreements – Ånge kommun") && own.contains("SKO-ANG-01"), "{own}");
        assert_eq!(finance.get(&format!("/organisations/{sundsvall}")).await.0, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn the_outbox_shows_each_state_and_sends_a_failed_e_mail_again() {
    for (app, _db) in crate::helpers::spawn_apps().await {
        {
            let mut conn = app.pool.get().unwrap();
            outbox::enqueue(&mut conn, email("Skickat brev"), Duration::zero()).unwrap();
            let sent = outbox::claim_next(&mut conn, Duration::seconds(60)).unwrap().unwrap();
            outbox::mark_sent(&mut conn, sent.id).unwrap();
        }
        let failed = failed_email(&app, "Misslyckat brev");
        {
            let mut conn = app.pool.get().unwrap();
            outbox::enqueue(&mut conn, email("Väntande brev"), Duration::hours(1)).unwrap();
        }
        let coordinator = PageClient::sign_in(&app, Role::Coordinator, None, "sv").await;
        let (status, html) = coordinator.get("/outbox").await;
        assert_eq!(status, StatusCode::OK, "{html}");
        for (subject, badge) in [
            ("Skickat brev", "<span class=\"badge sent\">Skickat</span>"),
            ("Misslyckat brev", "<span class=\"badge failed\">Misslyckades</span>"),
            ("Väntande brev", "<span class=\"badge waiting\">Väntar</span>"),
        ] {
            let row = part(&html, &format!("<td>{subject}</td>"), "</tr>");
            assert!(row.contains(badge), "{badge} in {row}");
        }
        assert_eq!(html.matches("/retry\"").count(), 1, "only the failed e-mail can be tried again: {html}");
        assert!(part(&html, "<td>Misslyckat brev</td>", "</tr>").contains("550 mailbox unavailable"));

        let (status, only_failed) = coordinator.get("/outbox?status=failed").await;
        assert_eq!(status, StatusCode::OK);
        assert!(only_failed.contains("Misslyckat brev") && !only_failed.contains("Skickat brev"), "{only_failed}");
        assert!(only_failed.contains("<option value=\"failed\" selected>"), "{only_failed}");
        let (_, waiting) = coordinator.get("/outbox?status=waiting").await;
        assert!(waiting.contains("Väntande brev") && !waiting.contains("Misslyckat brev"), "{waiting}");
        let (status, bad) = coordinator.get("/outbox?status=studsat").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(bad.contains("error-summary") && bad.contains("id=\"status-error\""), "{bad}");

        // Without the session's token nothing happens.
        let path = format!("/outbox/{failed}/retry");
        let forged = coordinator.post_exactly(&path, &[]).await;
        assert_eq!(forged.status(), StatusCode::FORBIDDEN);
        let guessed = coordinator.post_exactly(&path, &[("csrf_token", "gissning")]).await;
        assert_eq!(guessed.status(), StatusCode::FORBIDDEN);
        app.organisation(SUNDSVALL, "Sundsvalls kommun", 9_000).await;
        let user = PageClient::sign_in(&app, Role::Organisation, Some(SUNDSVALL), "sv").await;
        assert_eq!(user.post(&path, &[]).await.status(), StatusCode::FORBIDDEN, "coordinators only");
        assert!(outbox_statuses(&app).contains(&("Misslyckat brev".into(), OutboxStatus::Failed)));

        let retried = coordinator.post(&path, &[]).await;
        assert_eq!(retried.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&retried), "/outbox");
        assert_eq!(
            outbox_statuses(&app),
            [
                ("Misslyckat brev".into(), OutboxStatus::Queued),
                ("Skickat brev".into(), OutboxStatus::Sent),
                ("Väntande brev".into(), OutboxStatus::Queued),
            ]
        );
        let (_, after) = coordinator.get("/outbox").await;
        assert!(part(&after, "<td>Misslyckat brev</td>", "</tr>").contains("badge waiting"), "{after}");
        // Only a failed e-mail is tried again; a second post changes nothing.
        let again = coordinator.post(&path, &[]).await;
        assert_eq!(again.status(), StatusCode::CONFLICT);
        assert_eq!(coordinator.post("/outbox/999999/retry", &[]).await.status(), StatusCode::NOT_FOUND);
    }
}
