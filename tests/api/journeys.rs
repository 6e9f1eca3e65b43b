//! The main journeys through the web pages, in a real headless Chromium, on
//! every backend, each in Swedish and in English.
//!
//! The course of every journey costs 120 000 kr fixed and 5 000 kr a seat
//! (`TestApp::course`); the amounts below are worked out from that by hand.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use reqwest::StatusCode;
use serde_json::json;
use strumpavtal::access::Role;

use crate::browser::Browser;
use crate::helpers::ANGE;
use crate::helpers::{TestApp, answer, term};
use crate::page_client::{PASSWORD, user_with_password};
use crate::splits::invoiced_cohort;

const HARNOSAND: &str = "212000-2403";
const SOLLEFTEA: &str = "212000-2429";

/// The pages' two languages: the link that switches to each, and a way to
/// pick the words expected in it.
#[derive(Clone, Copy, Debug)]
enum Language {
    Swedish,
    English,
}

impl Language {
    const BOTH: [Language; 2] = [Language::Swedish, Language::English];

    fn pick(self, sv: &'static str, en: &'static str) -> &'static str {
        match self {
            Language::Swedish => sv,
            Language::English => en,
        }
    }

    /// Pages start in Swedish; English is one click on the header's link.
    async fn choose(self, browser: &Browser) {
        if let Language::English = self {
            browser.switch_language("English").await;
        }
    }

    fn code(self) -> &'static str {
        self.pick("sv", "en")
    }
}

/// Härnösand (2 100 employees) and Ånge (1 150), each with an agreement;
/// returns Härnösand's id and the two agreements.
async fn two_municipalities(app: &TestApp) -> (i64, i64, i64) {
    let harnosand = app.organisation(HARNOSAND, "Härnösands kommun", 2100).await;
    let ange = app.organisation(ANGE, "Ånge kommun", 1150).await;
    (harnosand, app.agreement(harnosand, "SKO-HAR-01", true).await, app.agreement(ange, "SKO-ANG-01", true).await)
}

/// A coordinator signs in, imports Härnösand's and Ånge's needs from a CSV
/// file, runs the planner, and confirms the cohort it proposes with
/// Härnösand as host paying the fixed fee.
#[tokio::test]
async fn a_coordinator_imports_needs_plans_and_confirms_a_cohort() {
    for (app, _db) in crate::helpers::spawn_apps().await {
        let (harnosand, _, _) = two_municipalities(&app).await;
        for language in Language::BOTH {
            let code = format!("KOORD{}", language.code().to_uppercase());
            app.course(&code, 5, 10).await;
            let email = format!("samordnare-{}@region.example", language.code());
            user_with_password(&app, &email, Role::Coordinator, None);
            let journey = format!("coordinator-{:?}-{}", app.backend, language.code()).to_lowercase();
            let browser = Browser::start(&app, &journey).await;
            browser.sign_in(&email, PASSWORD).await;
            language.choose(&browser).await;
            let text = browser.text().await;
            assert!(text.contains(language.pick("Översikt", "Overview")), "{text}");
            browser.screenshot("overview").await;
            assert!(browser.fits_a_phone(320, "overview-phone").await, "the overview fits a 320 px screen");

            // Import: a preview of each row first, then one button stores them.
            let window = term(1);
            let csv = format!(
                "agreement_reference,course_code,seats,earliest_term,latest_term\n\
                 SKO-HAR-01,{code},3,{window},{window}\nSKO-ANG-01,{code},3,{window},{window}\n"
            );
            let file = browser.downloads.path().join("behov.csv");
            std::fs::write(&file, csv).unwrap();
            browser.visit("/needs/import").await;
            browser.fill("#file", file.to_str().unwrap()).await;
            browser.submit("form[action='/needs/import'] button[type=submit]").await;
            let text = browser.text().await;
            assert!(text.contains("SKO-ANG-01") && text.contains(&code), "{text}");
            browser.screenshot("import-preview").await;
            browser.submit("form[action='/needs/import/confirm'] button[type=submit]").await;
            assert_eq!(browser.path().await.split('?').next(), Some("/needs"));
            let (_, needs) = answer(app.get("/api/v1/needs").await).await;
            let stored = needs.as_array().unwrap().iter().filter(|n| n["course_code"] == code.as_str()).count();
            assert_eq!(stored, 2, "both rows stored: {needs}");

            // The overview's heat map shows the imported demand.
            browser.follow(language.pick("Översikt", "Overview")).await;
            let text = browser.text().await;
            assert!(text.contains(&code), "the course in the heat map: {text}");
            browser.screenshot("overview-demand").await;

            // Plan, then review and confirm the proposed cohort.
            browser.follow(language.pick("Planering", "Planning")).await;
            browser.submit("form[action='/plans'] button[type=submit]").await;
            let path = browser.path().await;
            assert!(path.starts_with("/plans/"), "on the plan's page, not {path}: {}", browser.text().await);
            browser.screenshot("plan").await;
            let links = browser.hrefs("section[aria-labelledby] a[href$='/confirm']").await;
            let confirm =
                links.into_iter().find(|href| browser_cohort_is(&app, href, &code)).expect("a cohort of the course");
            browser.visit(&confirm).await;
            browser.click("#rule-host_fixed").await;
            browser.choose("#host_organisation_id", &harnosand.to_string()).await;
            browser.submit("button[value=preview]").await;
            // Härnösand pays the fixed 120 000 kr and its 3 seats; Ånge its 3 seats.
            let text = browser.text().await;
            assert!(text.contains("135 000,00 kr") && text.contains("15 000,00 kr"), "{text}");
            browser.screenshot("confirm").await;
            browser.submit("button[value=confirm]").await;
            let cohort_page = browser.path().await;
            let cohort_page = cohort_page.split('?').next().unwrap().to_owned();
            assert!(cohort_page.starts_with("/cohorts/") && !cohort_page.ends_with("/confirm"), "{cohort_page}");
            let text = browser.text().await;
            assert!(text.contains(language.pick("Bekräftad", "Confirmed")) && text.contains("150 000,00 kr"), "{text}");
            browser.screenshot("cohort").await;
            assert!(browser.fits_a_phone(320, "cohort-phone").await, "the cohort page fits a 320 px screen");
            let id: i64 =
                cohort_page.trim_start_matches("/cohorts/").split(['?', '/']).next().unwrap().parse().unwrap();
            browser.visit(&format!("/organisations/{harnosand}")).await;
            assert!(browser.text().await.contains("SKO-HAR-01"));
            browser.screenshot("organisation").await;
            let (status, cohort) = answer(app.get(&format!("/api/v1/cohorts/{id}")).await).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(
                (cohort["status"].as_str(), cohort["split_rule"].as_str()),
                (Some("confirmed"), Some("host_fixed"))
            );
            browser.close().await;
        }
    }
}

/// Whether the confirm link `href` (`/cohorts/ID/confirm`) is of course `code`.
fn browser_cohort_is(app: &TestApp, href: &str, code: &str) -> bool {
    let id: i64 = href.trim_start_matches("/cohorts/").trim_end_matches("/confirm").parse().unwrap();
    let mut conn = app.pool.get().unwrap();
    use diesel::prelude::*;
    use strumpavtal::db::schema::{cohorts, courses};
    cohorts::table
        .inner_join(courses::table)
        .filter(cohorts::id.eq(id))
        .select(courses::code)
        .first::<String>(&mut conn)
        .is_ok_and(|found| found == code)
}

/// Sollefteå, a small municipality, sees the open seats of Härnösand's and
/// Ånge's confirmed cohort, joins it with one seat, and names a participant.
#[tokio::test]
async fn a_small_municipality_joins_open_seats_and_names_a_participant() {
    for (app, _db) in crate::helpers::spawn_apps().await {
        let (_, a_har, a_ang) = two_municipalities(&app).await;
        let solleftea = app.organisation(SOLLEFTEA, "Sollefteå kommun", 1900).await;
        app.agreement(solleftea, "SKO-SOL-01", true).await;
        for language in Language::BOTH {
            let code = format!("JOIN{}", language.code().to_uppercase());
            app.course(&code, 5, 10).await;
            app.need(a_har, &code, 3, (&term(1), &term(1))).await;
            app.need(a_ang, &code, 3, (&term(1), &term(1))).await;
            let (status, plan) = answer(app.post("/api/v1/plans", &json!({})).await).await;
            assert_eq!(status, StatusCode::CREATED, "{plan}");
            let cohort =
                plan["cohorts"].as_array().unwrap().iter().find(|c| c["course_code"] == code.as_str()).unwrap()["id"]
                    .as_i64()
                    .unwrap();
            let (status, body) = answer(app.post(&format!("/api/v1/cohorts/{cohort}/confirm"), &json!({})).await).await;
            assert_eq!(status, StatusCode::OK, "{body}");

            let email = format!("hr-{}@solleftea.example", language.code());
            user_with_password(&app, &email, Role::Organisation, Some(SOLLEFTEA));
            let journey = format!("municipality-{:?}-{}", app.backend, language.code()).to_lowercase();
            let browser = Browser::start(&app, &journey).await;
            browser.sign_in(&email, PASSWORD).await;
            language.choose(&browser).await;
            browser.screenshot("start").await;

            browser.follow(language.pick("Lediga platser", "Open seats")).await;
            // Six seats share 150 000 kr: 25 000 kr each. With a seventh, 155 000 / 7 = 22 142,86 kr.
            let text = browser.text().await;
            assert!(text.contains(&code) && text.contains("25 000,00 kr") && text.contains("22 142,86 kr"), "{text}");
            browser.screenshot("open-seats").await;
            assert!(browser.fits_a_phone(320, "open-seats-phone").await, "the open seats fit a 320 px screen");
            browser.choose(&format!("#seats-{cohort}"), "1").await;
            browser.submit(&format!("form[action='/open-seats/{cohort}/join'] button[type=submit]")).await;
            let text = browser.text().await;
            assert!(text.contains("22 142,86 kr") && text.contains("SKO-SOL-01"), "the summary: {text}");
            browser.screenshot("join-summary").await;
            browser.submit(&format!("form[action='/open-seats/{cohort}/join'][method=post] button[type=submit]")).await;
            assert_eq!(
                browser.path().await.split('?').next(),
                Some(format!("/cohorts/{cohort}/participants").as_str())
            );
            let (_, view) = answer(app.get(&format!("/api/v1/cohorts/{cohort}")).await).await;
            assert_eq!(view["size"], 7, "the seat is taken: {view}");

            browser.fill("#name", "Stina Nilsson").await;
            browser.fill("#email", "stina.nilsson@solleftea.example").await;
            browser.submit(&format!("form[action='/cohorts/{cohort}/participants'] button[type=submit]")).await;
            let text = browser.text().await;
            assert!(text.contains("Stina Nilsson"), "{text}");
            browser.screenshot("participants").await;
            browser.close().await;
        }
    }
}

/// A finance officer of Ånge signs in, reads the invoicing in Swedish, then
/// in English, and downloads the XLSX file, which holds Ånge's lines only.
#[tokio::test]
async fn a_finance_officer_downloads_the_invoicing_workbook() {
    for (app, _db) in crate::helpers::spawn_apps().await {
        invoiced_cohort(&app, "JOURNEY").await;
        user_with_password(&app, "ekonomi@ange.example", Role::Finance, Some(ANGE));
        let browser = Browser::start(&app, &format!("finance-{:?}", app.backend).to_lowercase()).await;
        browser.sign_in("ekonomi@ange.example", PASSWORD).await;
        browser.screenshot("start").await;

        browser.follow("Fakturaunderlag").await;
        let text = browser.text().await;
        assert!(text.contains("Ånge kommun") && text.contains("75 000,00 kr"), "{text}");
        browser.screenshot("invoicing-sv").await;

        browser.switch_language("English").await;
        assert_eq!(browser.path().await, "/invoicing", "the switch comes back to the same page");
        let text = browser.text().await;
        assert!(text.contains("Every line") && text.contains("Savings"), "{text}");
        browser.screenshot("invoicing-en").await;

        let file = browser.download("Excel (XLSX)", "xlsx").await;
        let mut workbook = Xlsx::new(Cursor::new(std::fs::read(&file).unwrap())).unwrap();
        let sheet = workbook.worksheet_range_at(0).unwrap().unwrap();
        let cells: Vec<String> = sheet.cells().map(|(_, _, cell)| cell.to_string()).collect();
        assert!(cells.iter().any(|c| c == "SKO-ANG-01") && !cells.iter().any(|c| c == "SKO-SUN-01"), "{cells:?}");
        assert!(sheet.cells().any(|(_, _, cell)| matches!(cell, Data::Float(f) if *f == 75_000.0)), "{cells:?}");
        browser.close().await;
    }
}
