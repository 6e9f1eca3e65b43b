//! The finance pages: an organisation's invoicing lines per period, and
//! their downloads. The amounts are those worked out by hand in splits.rs:
//! Sundsvall and Ånge 3 seats each of a 150 000 kr cohort under per_seat,
//! 75 000 kr each, VAT 18 750 kr, saving 60 000 kr against going alone.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use reqwest::StatusCode;
use strumpavtal::access::Role;

use crate::helpers::{ANGE, SUNDSVALL};
use crate::page_client::{PageClient, kr};
use crate::splits::invoiced_cohort;

#[tokio::test]
async fn a_finance_officer_reads_and_downloads_only_its_own_invoicing() {
    for (app, _db) in crate::helpers::spawn_apps().await {
        invoiced_cohort(&app, "FINANCE").await;
        let finance = PageClient::sign_in(&app, Role::Finance, Some(ANGE), "sv").await;
        let (status, html) = finance.get("/invoicing").await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains("Ånge kommun") && html.contains("SKO-ANG-01"), "{html}");
        for amount in ["75 000,00 kr", "18 750,00 kr", "93 750,00 kr", "60 000,00 kr"] {
            assert!(html.contains(&kr(amount)), "{amount} in {html}");
        }
        assert!(html.contains("<tfoot>") && html.contains("Per plats"), "a totals row and the rule named");
        assert!(!html.contains("SKO-SUN-01") && !html.contains("Sundsvalls kommun"), "nothing of Sundsvall's");
        assert!(html.contains("href=\"/invoicing.xlsx?organisation="), "{html}");

        // Asking for Sundsvall's organisation changes nothing: a finance user reads its own.
        let sundsvall_view = finance.get("/invoicing?organisation=1").await.1;
        assert!(!sundsvall_view.contains("SKO-SUN-01"));

        let response = finance.get_raw("/invoicing.xlsx").await;
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.headers()["content-disposition"].to_str().unwrap().contains(".xlsx"));
        let mut workbook = Xlsx::new(Cursor::new(response.bytes().await.unwrap().to_vec())).unwrap();
        let sheet = workbook.worksheet_range_at(0).unwrap().unwrap();
        let cells: Vec<String> = sheet.cells().map(|(_, _, cell)| cell.to_string()).collect();
        assert!(cells.iter().any(|c| c == "SKO-ANG-01") && !cells.iter().any(|c| c == "SKO-SUN-01"), "{cells:?}");
        assert!(sheet.cells().any(|(_, _, cell)| matches!(cell, Data::Float(f) if *f == 75_000.0)), "{cells:?}");

        let csv = finance.get_raw("/invoicing.csv").await;
        assert_eq!(csv.status(), StatusCode::OK);
        assert!(csv.bytes().await.unwrap().starts_with(b"\xEF\xBB\xBF"));
    }
}

#[tokio::test]
async fn a_bad_period_is_shown_beside_its_field_and_an_empty_one_says_so() {
    for (app, _db) in crate::helpers::spawn_apps().await {
        invoiced_cohort(&app, "PERIOD").await;
        let finance = PageClient::sign_in(&app, Role::Finance, Some(SUNDSVALL), "en").await;
        let (status, html) = finance.get("/invoicing?from=2027-13-01&to=").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
        assert!(html.contains("id=\"from-error\"") && html.contains("value=\"2027-13-01\""), "{html}");
        assert!(html.contains("There is a problem") && html.contains("href=\"#from\""), "{html}");

        let (status, html) = finance.get("/invoicing?from=2001-01-01&to=2001-12-31").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("No invoicing lines in the period.") && !html.contains("SKO-SUN-01"), "{html}");
        let (_, html) = finance.get("/invoicing?from=2001-01-01").await;
        assert!(html.contains("SKO-SUN-01") && html.contains("Savings"), "everything since 2001: {html}");
    }
}

#[tokio::test]
async fn a_coordinator_chooses_whose_invoicing_to_read() {
    for (app, _db) in crate::helpers::spawn_apps().await {
        invoiced_cohort(&app, "CHOOSE").await;
        let coordinator = PageClient::sign_in(&app, Role::Coordinator, None, "sv").await;
        let (status, html) = coordinator.get("/invoicing").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("<select id=\"organisation\"") && html.contains("Sundsvalls kommun"), "{html}");
        let sundsvall = html.split("<option value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
        let (status, html) = coordinator.get(&format!("/invoicing?organisation={sundsvall}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("SKO-SUN-01") && !html.contains("SKO-ANG-01"), "{html}");
        assert_eq!(coordinator.get("/invoicing?organisation=99999").await.0, StatusCode::NOT_FOUND);
    }
}
