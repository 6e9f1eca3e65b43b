//! The pages for planning, confirming, invoicing and reading cohorts.
//!
//! The courses come from the helper: 120 000 kr fixed (12 000 000 öre) and
//! 5 000 kr (500 000 öre) a seat; VAT is the default 25 %. Every amount
//! below is worked out by hand; money is shown as `12 345,50 kr` with a
//! no-break space between the thousands.

use reqwest::StatusCode;
use serde_json::{Value, json};
use strumpavtal::access::Role;

use crate::helpers::{ANGE, TestApp, answer, term, three_municipalities};
use crate::page_client::{PageClient, location};

/// Kronor as the pages show them: `kr("75 000,00")` → "75 000,00 kr" with no-break spaces.
fn kr(amount: &str) -> String {
    format!("{amount} kr").replace(' ', "\u{a0}")
}

async fn plan_json(app: &TestApp, plan: i64) -> Value {
    let (status, plan) = answer(app.get(&format!("/api/v1/plans/{plan}")).await).await;
    assert_eq!(status, StatusCode::OK, "{plan}");
    plan
}

fn cohort_of(plan: &Value, course: &str) -> i64 {
    let found: Vec<&Value> =
        plan["cohorts"].as_array().unwrap().iter().filter(|c| c["course_code"] == course).collect();
    assert_eq!(found.len(), 1, "one {course} cohort in {plan}");
    found[0]["id"].as_i64().unwrap()
}

async fn cohort_json(app: &TestApp, cohort: i64) -> Value {
    let (status, cohort) = answer(app.get(&format!("/api/v1/cohorts/{cohort}")).await).await;
    assert_eq!(status, StatusCode::OK, "{cohort}");
    cohort
}

/// The value of the input named `name` on a page.
fn value_of(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" type=\"text\" value=\"");
    let at = html.find(&marker).unwrap_or_else(|| panic!("a field {name} in {html}")) + marker.len();
    html[at..].split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn a_coordinator_plans_previews_confirms_invoices_and_cancels_a_cohort() {
    for (app, _db) in crate::helpers::spawn_apps().await {
        let ([_, _, timra], [sun, ang, tim]) = three_municipalities(&app).await;
        app.course("PAGE1", 2, 10).await;
        for (agreement, seats) in [(sun, 3), (ang, 1), (tim, 2)] {
            app.need(agreement, "PAGE1", seats, (&term(0), &term(0))).await;
        }
        // Two seats of NEAR1 cannot meet its minimum of 5: three are missing.
        app.course("NEAR1", 5, 10).await;
        app.need(ang, "NEAR1", 2, (&term(0), &term(0))).await;
        let me = PageClient::sign_in(&app, Role::Coordinator, None, "sv").await;

        // A forged form runs nothing.
        let forged = me.post_exactly("/plans", &[]).await;
        assert_eq!(forged.status(), StatusCode::FORBIDDEN);
        assert_eq!(app.count("plans"), 0);
        let (status, html) = me.get("/plans").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("Ingen planering har körts än.") && html.contains("Kör planeringen"), "{html}");

        let ran = me.post("/plans", &[]).await;
        assert_eq!(ran.status(), StatusCode::SEE_OTHER);
        let plan_path = location(&ran);
        let plan_id: i64 = plan_path.trim_start_matches("/plans/").parse().expect("/plans/{id}");
        let plan = plan_json(&app, plan_id).await;
        let cohort = cohort_of(&plan, "PAGE1");

        // Size 6, 15 000 000 öre: per seat 2 500 000, so Sundsvall's 3 seats
        // cost 75 000 kr, Ånge's 1 25 000 kr and Timrå's 2 50 000 kr.
        let (status, html) = me.get(&plan_path).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains("PAGE1 Kurs PAGE1") && html.contains("Förslag"), "{html}");
        assert!(html.contains(&format!("href=\"/cohorts/{cohort}/confirm\"")) && html.contains("Granska och bekräfta"));
        for amount in ["75 000,00", "25 000,00", "50 000,00", "150 000,00"] {
            assert!(html.contains(&kr(amount)), "{amount} in {html}");
        }
        assert!(html.contains("Det saknas 3 platser.") && html.contains("Nästan ett kurstillfälle: NEAR1"), "{html}");
        let (_, latest) = me.get("/plans").await;
        assert!(latest.contains(&format!("href=\"/plans/{plan_id}\"")), "{latest}");

        // Inviting: nobody chosen is refused beside the checkboxes; Timrå is invited.
        let invite = format!("/plans/{plan_id}/invite");
        let none = me.post(&invite, &[("course_code", "NEAR1"), ("term", &term(0))]).await;
        assert_eq!(none.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = none.text().await.unwrap();
        let field = format!("invite-NEAR1-{}", term(0));
        assert!(
            html.contains(&format!("id=\"{field}-error\"")) && html.contains("Välj minst en organisation"),
            "{html}"
        );
        let emails = app.count("email_outbox");
        let timra_id = timra.to_string();
        let sent =
            me.post(&invite, &[("course_code", "NEAR1"), ("term", &term(0)), ("organisation_ids", &timra_id)]).await;
        assert_eq!(sent.status(), StatusCode::SEE_OTHER);
        let back = location(&sent);
        assert!(back.starts_with(&plan_path), "{back}");
        assert_eq!(app.count("email_outbox"), emails + 1, "one invitation queued");
        let (_, html) = me.get(&back).await;
        assert!(html.contains("1 organisationer har bjudits in."), "{html}");

        // The confirm page: the default rule, per seat, previewed at once.
        let confirm = format!("/cohorts/{cohort}/confirm");
        let (status, html) = me.get(&confirm).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains("value=\"per_seat\" checked"), "{html}");
        assert!(html.contains("Den fasta avgiften delas efter organisationernas antal anställda"), "{html}");
        assert!(html.contains(&kr("75 000,00")), "{html}");
        let starts_on = value_of(&html, "starts_on");
        let ends_on = value_of(&html, "ends_on");
        let deadline = value_of(&html, "cancellation_deadline");
        assert!(starts_on.ends_with("-01-01") || starts_on.ends_with("-07-01"), "the term's first day: {starts_on}");

        // Preview equal_fixed: 12 000 000 / 3 = 4 000 000 each, plus 500 000 a
        // seat: Sundsvall 55 000 kr, Ånge 45 000 kr, Timrå 50 000 kr. Nothing stored.
        let preview = me.post(&confirm, &[("split_rule", "equal_fixed"), ("action", "preview")]).await;
        assert_eq!(preview.status(), StatusCode::OK);
        let html = preview.text().await.unwrap();
        assert!(html.contains("value=\"equal_fixed\" checked"), "{html}");
        for amount in ["55 000,00", "45 000,00", "50 000,00", "150 000,00"] {
            assert!(html.contains(&kr(amount)), "{amount} in {html}");
        }
        assert!(!html.contains(&kr("75 000,00")), "no per-seat figures left: {html}");
        assert_eq!(cohort_json(&app, cohort).await["status"], "proposed");

        // A date that is not one: 422, the message beside the field, everything kept.
        let host = timra.to_string();
        let bad = me
            .post(
                &confirm,
                &[
                    ("split_rule", "host_fixed"),
                    ("host_organisation_id", &host),
                    ("starts_on", "2027-13-45"),
                    ("ends_on", &ends_on),
                    ("cancellation_deadline", &deadline),
                    ("action", "confirm"),
                ],
            )
            .await;
        assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = bad.text().await.unwrap();
        assert!(html.contains("id=\"starts_on-error\"") && html.contains("ÅÅÅÅ-MM-DD"), "{html}");
        assert!(html.contains("href=\"#starts_on\""), "in the summary: {html}");
        assert_eq!(value_of(&html, "starts_on"), "2027-13-45");
        assert_eq!(value_of(&html, "ends_on"), ends_on);
        assert!(html.contains("value=\"host_fixed\" checked"), "{html}");
        assert!(html.contains(&format!("option value=\"{timra}\" selected")), "{html}");
        // A date outside the term: the domain's refusal, beside its field.
        let outside =
            me.post(&confirm, &[("split_rule", "per_seat"), ("starts_on", "2001-01-15"), ("action", "confirm")]).await;
        assert_eq!(outside.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = outside.text().await.unwrap();
        assert!(html.contains("id=\"starts_on-error\"") && html.contains("must lie within"), "{html}");
        assert_eq!(cohort_json(&app, cohort).await["status"], "proposed");

        // Confirmed with Timrå as host: it pays the fixed fee and its 2 seats,
        // 13 000 000; Sundsvall 1 500 000, Ånge 500 000.
        let done = me
            .post(
                &confirm,
                &[
                    ("split_rule", "host_fixed"),
                    ("host_organisation_id", &host),
                    ("starts_on", &starts_on),
                    ("ends_on", &ends_on),
                    ("cancellation_deadline", &deadline),
                    ("action", "confirm"),
                ],
            )
            .await;
        assert_eq!(done.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&done), format!("/cohorts/{cohort}?notice=confirmed"));
        let confirmed = cohort_json(&app, cohort).await;
        assert_eq!(
            (
                confirmed["status"].as_str(),
                confirmed["split_rule"].as_str(),
                confirmed["host_organisation_id"].as_i64()
            ),
            (Some("confirmed"), Some("host_fixed"), Some(timra))
        );
        assert_eq!(confirmed["starts_on"].as_str(), Some(starts_on.as_str()));
        assert_eq!(confirmed["cancellation_deadline"].as_str(), Some(deadline.as_str()));

        // The cohort page: the rule in a sentence, shares, savings, totals.
        // Alone: Sundsvall 13 500 000, Ånge and Timrå 13 000 000 (minimum 2).
        // Savings 12 000 000 + 12 500 000 + 0 = 24 500 000. VAT 25 %:
        // 375 000 + 125 000 + 3 250 000 = 3 750 000; 18 750 000 in all.
        let (status, html) = me.get(&location(&done)).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains("Kurstillfället är bekräftat.") && html.contains("Bekräftad"), "{html}");
        assert!(html.contains("Värden betalar fast avgift") && html.contains("Värd: Timrå kommun"), "{html}");
        assert!(html.contains("Värdorganisationen betalar hela den fasta avgiften"), "{html}");
        for amount in ["15 000,00", "5 000,00", "130 000,00", "135 000,00", "120 000,00", "125 000,00"] {
            assert!(html.contains(&kr(amount)), "{amount} in {html}");
        }
        let split = &html[html.find("Version 1 av fördelningen").expect("the split table")..];
        let foot = &split[split.find("<tfoot>").unwrap()..split.find("</tfoot>").unwrap()];
        for amount in ["150 000,00", "37 500,00", "187 500,00", "395 000,00", "245 000,00"] {
            assert!(foot.contains(&kr(amount)), "{amount} in the totals row {foot}");
        }
        assert!(html.contains("Fördelningens versioner") && html.contains("confirmed with host_fixed"), "{html}");
        assert!(html.contains("role=\"img\"") && html.contains("Visa som tabell"), "the price chart: {html}");
        assert!(html.contains(&format!("href=\"/cohorts/{cohort}/participants\"")), "{html}");
        assert!(html.contains("Utskick om kurstillfället") && html.contains("Väntar"), "e-mails: {html}");
        assert!(html.contains("Inte fakturerat än."), "{html}");

        // Invoicing: a summary, then one button; a forged form writes nothing.
        let invoice = format!("/cohorts/{cohort}/invoice");
        let (status, html) = me.get(&invoice).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("Skapa fakturaunderlag") && html.contains(&kr("130 000,00")), "{html}");
        assert_eq!(me.post_exactly(&invoice, &[]).await.status(), StatusCode::FORBIDDEN);
        assert_eq!(app.count("invoice_lines"), 0);
        let invoiced = me.post(&invoice, &[]).await;
        assert_eq!(invoiced.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&invoiced), format!("/cohorts/{cohort}?notice=invoiced"));
        assert_eq!(app.count("invoice_lines"), 3);
        let (_, html) = me.get(&location(&invoiced)).await;
        assert!(html.contains("Fakturerad") && html.contains("SKO-TIM-01") && html.contains(">Faktura<"), "{html}");
        let lines = &html[html.find("<h2>Fakturaunderlag</h2>").unwrap()..];
        assert!(lines.contains(&kr("187 500,00")), "the lines' total incl. VAT: {lines}");

        // Cancelling a cohort that has its minimum needs a reason.
        let cancel = format!("/cohorts/{cohort}/cancel");
        let (status, html) = me.get(&cancel).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("Krävs: kurstillfället har 6 platser"), "{html}");
        let refused = me.post(&cancel, &[("reason", "  ")]).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.text().await.unwrap().contains("id=\"reason-error\""));
        assert_eq!(cohort_json(&app, cohort).await["status"], "confirmed");
        let cancelled = me.post(&cancel, &[("reason", "Läraren är sjuk")]).await;
        assert_eq!(cancelled.status(), StatusCode::SEE_OTHER);
        assert_eq!(cohort_json(&app, cohort).await["status"], "cancelled");
        let (_, html) = me.get(&location(&cancelled)).await;
        assert!(html.contains("Kurstillfället är inställt.") && html.contains("Kreditering"), "{html}");
    }
}

#[tokio::test]
async fn confirming_past_a_budget_shows_the_shortfalls_and_needs_a_reason() {
    for (app, _db) in crate::helpers::spawn_apps().await {
        let (_, [sun, ang, _]) = three_municipalities(&app).await;
        app.course("BUDGET", 2, 10).await;
        app.need(sun, "BUDGET", 3, (&term(0), &term(0))).await;
        app.need(ang, "BUDGET", 3, (&term(0), &term(0))).await;
        let (status, plan) = answer(app.post("/api/v1/plans", &json!({})).await).await;
        assert_eq!(status, StatusCode::CREATED, "{plan}");
        let cohort = cohort_of(&plan, "BUDGET");
        // Ånge has 50 000 kr; per seat its share is 15 000 000 × 3/6 = 75 000 kr,
        // 25 000 kr short.
        let (status, _) =
            answer(app.patch(&format!("/api/v1/agreements/{ang}"), &json!({"budget_ore": 5_000_000})).await).await;
        assert_eq!(status, StatusCode::OK);
        let me = PageClient::sign_in(&app, Role::Coordinator, None, "sv").await;
        let confirm = format!("/cohorts/{cohort}/confirm");

        // The preview warns before anything is tried.
        let (_, html) = me.get(&confirm).await;
        assert!(html.contains("Budgeten räcker inte") && html.contains("SKO-ANG-01"), "{html}");

        // A forged confirm stores nothing.
        let forged = me.post_exactly(&confirm, &[("split_rule", "per_seat"), ("action", "confirm")]).await;
        assert_eq!(forged.status(), StatusCode::FORBIDDEN);
        assert_eq!(cohort_json(&app, cohort).await["status"], "proposed");

        let refused = me.post(&confirm, &[("split_rule", "per_seat"), ("action", "confirm")]).await;
        assert_eq!(refused.status(), StatusCode::CONFLICT);
        let html = refused.text().await.unwrap();
        let table = &html[html.find("Avtal vars budget inte räcker").expect("the shortfalls")..];
        for amount in ["50 000,00", "75 000,00", "25 000,00"] {
            assert!(table.contains(&kr(amount)), "{amount} in {table}");
        }
        assert!(!table.contains("SKO-SUN-01"), "Sundsvall's budget is enough: {table}");
        assert!(
            html.contains("id=\"override_budget_reason-error\"") && html.contains("href=\"#override_budget_reason\"")
        );
        assert_eq!(cohort_json(&app, cohort).await["status"], "proposed");

        let reason = "Ånge tillskjuter medel i höst";
        let done = me
            .post(&confirm, &[("split_rule", "per_seat"), ("override_budget_reason", reason), ("action", "confirm")])
            .await;
        assert_eq!(done.status(), StatusCode::SEE_OTHER);
        let confirmed = cohort_json(&app, cohort).await;
        assert_eq!(
            (confirmed["status"].as_str(), confirmed["split_rule"].as_str()),
            (Some("confirmed"), Some("per_seat"))
        );
        let (_, log) = answer(app.get("/api/v1/audit?action=override_budget").await).await;
        assert!(log.to_string().contains(reason), "{log}");
    }
}

#[tokio::test]
async fn an_organisation_user_sees_only_its_own_money_and_not_the_planning() {
    for (app, _db) in crate::helpers::spawn_apps().await {
        let (_, [sun, ang, tim]) = three_municipalities(&app).await;
        app.course("PAGE3", 2, 10).await;
        app.need(sun, "PAGE3", 3, (&term(0), &term(0))).await;
        app.need(ang, "PAGE3", 1, (&term(0), &term(0))).await;
        // A full cohort Ånge has no seats in: nobody else may join it.
        app.course("FULL", 2, 3).await;
        app.need(tim, "FULL", 3, (&term(0), &term(0))).await;
        let (status, plan) = answer(app.post("/api/v1/plans", &json!({})).await).await;
        assert_eq!(status, StatusCode::CREATED, "{plan}");
        let (cohort, full) = (cohort_of(&plan, "PAGE3"), cohort_of(&plan, "FULL"));
        // 14 000 000 öre per seat: Sundsvall 10 500 000, Ånge 3 500 000 (VAT
        // 875 000, 4 375 000 with it); Ånge alone 13 000 000, saving 9 500 000.
        let (status, confirmed) =
            answer(app.post(&format!("/api/v1/cohorts/{cohort}/confirm"), &json!({"split_rule": "per_seat"})).await)
                .await;
        assert_eq!(status, StatusCode::OK, "{confirmed}");

        let ange = PageClient::sign_in(&app, Role::Organisation, Some(ANGE), "sv").await;
        let (status, html) = ange.get(&format!("/cohorts/{cohort}")).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        for amount in ["35 000,00", "8 750,00", "43 750,00", "95 000,00"] {
            assert!(html.contains(&kr(amount)), "{amount} in {html}");
        }
        assert!(html.contains("Sundsvalls kommun"), "partners' seats are shared: {html}");
        // Sundsvall's share, VAT, share with VAT and savings stay hidden.
        for amount in ["105 000,00", "26 250,00", "131 250,00"] {
            assert!(!html.contains(&kr(amount)), "{amount} must not show: {html}");
        }
        assert!(html.contains("Hela kurstillfället kostar") && html.contains(&kr("140 000,00")), "{html}");
        assert!(!html.contains("Utskick om kurstillfället") && !html.contains("/invoice\""), "{html}");

        assert_eq!(ange.get(&format!("/cohorts/{full}")).await.0, StatusCode::NOT_FOUND);
        assert_eq!(ange.get("/plans").await.0, StatusCode::FORBIDDEN);
        assert_eq!(ange.get(&format!("/plans/{}", plan["id"])).await.0, StatusCode::FORBIDDEN);
        assert_eq!(ange.get(&format!("/cohorts/{full}/confirm")).await.0, StatusCode::FORBIDDEN);
        assert_eq!(ange.post("/plans", &[]).await.status(), StatusCode::FORBIDDEN);
        assert_eq!(app.count("plans"), 1);

        let (status, list) = ange.get("/cohorts").await;
        assert_eq!(status, StatusCode::OK);
        assert!(list.contains(&format!("href=\"/cohorts/{cohort}\"")) && !list.contains("FULL"), "{list}");

        // The coordinator filters by state; a state that is none is refused beside the field.
        let me = PageClient::sign_in(&app, Role::Coordinator, None, "sv").await;
        let (_, proposed) = me.get("/cohorts?status=proposed").await;
        assert!(proposed.contains("FULL") && !proposed.contains("PAGE3"), "{proposed}");
        let (_, confirmed_list) = me.get("/cohorts?status=confirmed").await;
        assert!(confirmed_list.contains("PAGE3") && !confirmed_list.contains("FULL"), "{confirmed_list}");
        let (status, html) = me.get("/cohorts?status=bekr%C3%A4ftad").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("id=\"status-error\""), "{html}");

        // In English.
        let english = PageClient::sign_in(&app, Role::Organisation, Some(ANGE), "en").await;
        let (status, html) = english.get(&format!("/cohorts/{cohort}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("lang=\"en\"") && html.contains("<h2>Cost split</h2>"), "{html}");
        assert!(html.contains("Per seat") && html.contains("Share excl. VAT") && html.contains("Savings"), "{html}");
        assert!(html.contains("Each party pays the cohort's whole cost in proportion to its seats."), "{html}");
        assert!(html.contains("The price per seat falls from"), "{html}");
        assert!(html.contains(&kr("35 000,00")) && !html.contains(&kr("105 000,00")), "{html}");
    }
}
