//! The main journeys through the web pages, in a real headless Chromium, on
//! every backend, in Swedish and in English.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use strumpavtal::access::Role;

use crate::browser::Browser;
use crate::page_client::{PASSWORD, user_with_password};
use crate::splits::{ANGE, invoiced_cohort};

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

        browser.follow("Excel (XLSX)").await;
        let file = browser.downloaded("xlsx").await;
        let mut workbook = Xlsx::new(Cursor::new(std::fs::read(&file).unwrap())).unwrap();
        let sheet = workbook.worksheet_range_at(0).unwrap().unwrap();
        let cells: Vec<String> = sheet.cells().map(|(_, _, cell)| cell.to_string()).collect();
        assert!(cells.iter().any(|c| c == "SKO-ANG-01") && !cells.iter().any(|c| c == "SKO-SUN-01"), "{cells:?}");
        assert!(sheet.cells().any(|(_, _, cell)| matches!(cell, Data::Float(f) if *f == 75_000.0)), "{cells:?}");
        browser.close().await;
    }
}
