//! The organisation user's pages: needs (one by one and imported from CSV
//! or Excel), open seats and joining, and naming participants.

use reqwest::StatusCode;
use rust_xlsxwriter::Workbook;
use serde_json::{Value, json};
use strumpavtal::access::Role;

use crate::helpers::{TestApp, answer, term};
use crate::page_client::{PageClient, location};

const ANGE: &str = "212000-2387";
const SUNDSVALL: &str = "212000-2411";

/// "VT2027" as people read it: "VT 2027".
fn shown(term: &str) -> String {
    format!("{} {}", &term[..2], &term[2..])
}

/// A hidden field's value on a page, unescaped.
fn hidden_value(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let at = html.find(&marker).unwrap_or_else(|| panic!("a hidden {name} field in {html}")) + marker.len();
    let raw = html[at..].split('"').next().unwrap();
    raw.replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}

/// The needs as the coordinator reads them through the API.
async fn needs(app: &TestApp) -> Vec<Value> {
    app.list("/api/v1/needs").await
}

/// Ånge with agreement SKO-ANG-01 and the course PAGE1; returns the agreement.
async fn ange(app: &TestApp) -> i64 {
    let organisation = app.organisation(ANGE, "Ånge kommun", 1150).await;
    app.course("PAGE1", 2, 10).await;
    app.agreement(organisation, "SKO-ANG-01", true).await
}

#[tokio::test]
async fn needs_are_added_changed_and_withdrawn_through_the_pages() {
    for (app, _db) in crate::helpers::spawn_apps().await {
        let agreement = ange(&app).await;
        let sundsvall = app.organisation(SUNDSVALL, "Sundsvalls kommun", 2000).await;
        let theirs = app.agreement(sundsvall, "SKO-SUN-01", true).await;
        let their_need = app.need(theirs, "PAGE1", 4, (&term(1), &term(1))).await;
        let me = PageClient::sign_in(&app, Role::Organisation, Some(ANGE), "sv").await;
        let (first, last) = (term(1), term(2));

        let (status, form) = me.get("/needs/new").await;
        assert_eq!(status, StatusCode::OK, "{form}");
        assert!(form.contains(&format!("<option value=\"{agreement}\" selected>SKO-ANG-01")), "{form}");
        assert!(form.contains("<option value=\"PAGE1\">PAGE1 – Kurs PAGE1</option>"), "{form}");
        assert!(!form.contains("SKO-SUN-01"), "another organisation's agreement is not offered");

        // A typing mistake: the form comes back with the message beside the field and every value kept.
        let agreement_text = agreement.to_string();
        let mut fields = vec![
            ("agreement_id", agreement_text.as_str()),
            ("course_code", "PAGE1"),
            ("seats", "tre"),
            ("extra_seats", ""),
            ("earliest_term", first.as_str()),
            ("latest_term", last.as_str()),
            ("note", "Socialsekreterare"),
        ];
        let refused = me.post("/needs", &fields).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = refused.text().await.unwrap();
        assert!(html.contains("<span class=\"error\" id=\"seats-error\">Ange antal platser som ett heltal"), "{html}");
        assert!(html.contains("value=\"tre\"") && html.contains(&format!("value=\"{first}\"")), "{html}");
        assert!(html.contains(">Socialsekreterare</textarea>") && html.contains("href=\"#seats\""), "{html}");
        // The domain's own rule, beside the same field.
        fields[2] = ("seats", "0");
        let refused = me.post("/needs", &fields).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = refused.text().await.unwrap();
        assert!(html.contains("id=\"seats-error\">must be a whole number from 1 to 1000"), "{html}");
        assert_eq!(needs(&app).await.len(), 1, "nothing stored");

        fields[2] = ("seats", "3");
        let forged = me.post_exactly("/needs", &fields).await;
        assert_eq!(forged.status(), StatusCode::FORBIDDEN);
        assert_eq!(needs(&app).await.len(), 1, "a form without its token stores nothing");
        let created = me.post("/needs", &fields).await;
        assert_eq!((created.status(), location(&created)), (StatusCode::SEE_OTHER, "/needs?notice=created".into()));
        let stored = needs(&app).await;
        let mine = stored.iter().find(|n| n["agreement_id"] == agreement).expect("the new need");
        assert_eq!((mine["seats"].as_i64(), mine["course_code"].as_str()), (Some(3), Some("PAGE1")));
        assert_eq!(
            (mine["earliest_term"].as_str(), mine["latest_term"].as_str()),
            (Some(first.as_str()), Some(last.as_str()))
        );
        let id = mine["id"].as_i64().unwrap();

        let (status, list) = me.get("/needs?notice=created").await;
        assert_eq!(status, StatusCode::OK);
        assert!(list.contains("Behovet är sparat."), "{list}");
        assert!(
            list.contains(&format!("{} – {}", shown(&first), shown(&last))) && list.contains("SKO-ANG-01"),
            "{list}"
        );
        assert!(list.contains(&format!("href=\"/needs/{id}/edit\"")), "{list}");
        assert!(!list.contains("SKO-SUN-01") && !list.contains(&format!("/needs/{their_need}/")), "{list}");

        // Changing it.
        let (status, edit) = me.get(&format!("/needs/{id}/edit")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(edit.contains("value=\"3\"") && edit.contains("SKO-ANG-01"), "{edit}");
        let change = [
            ("course_code", "PAGE1"),
            ("seats", "5"),
            ("extra_seats", "1"),
            ("earliest_term", first.as_str()),
            ("latest_term", first.as_str()),
            ("note", ""),
        ];
        assert_eq!(me.post_exactly(&format!("/needs/{id}"), &change).await.status(), StatusCode::FORBIDDEN);
        let bad = [("seats", "fem"), change[0], change[2], change[3], change[4]];
        let refused = me.post(&format!("/needs/{id}"), &bad).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.text().await.unwrap().contains("value=\"fem\""));
        let changed = me.post(&format!("/needs/{id}"), &change).await;
        assert_eq!((changed.status(), location(&changed)), (StatusCode::SEE_OTHER, "/needs?notice=updated".into()));
        let (_, need) = answer(app.get(&format!("/api/v1/needs/{id}")).await).await;
        assert_eq!((need["seats"].as_i64(), need["extra_seats"].as_i64()), (Some(5), Some(1)));
        assert_eq!(need["latest_term"].as_str(), Some(first.as_str()));

        // Withdrawing it: a summary, then one button.
        let (status, summary) = me.get(&format!("/needs/{id}/withdraw")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            summary.contains(&format!("action=\"/needs/{id}/withdraw\"")) && summary.contains("PAGE1"),
            "{summary}"
        );
        assert_eq!(me.post_exactly(&format!("/needs/{id}/withdraw"), &[]).await.status(), StatusCode::FORBIDDEN);
        let (_, need) = answer(app.get(&format!("/api/v1/needs/{id}")).await).await;
        assert_eq!(need["status"], "open");
        let withdrawn = me.post(&format!("/needs/{id}/withdraw"), &[]).await;
        assert_eq!(location(&withdrawn), "/needs?notice=withdrawn");
        let (_, need) = answer(app.get(&format!("/api/v1/needs/{id}")).await).await;
        assert_eq!(need["status"], "withdrawn");

        // Another organisation's need does not exist for Ånge.
        for path in [format!("/needs/{their_need}/edit"), format!("/needs/{their_need}/withdraw")] {
            assert_eq!(me.get(&path).await.0, StatusCode::NOT_FOUND, "{path}");
        }
        let answer_to_post = me.post(&format!("/needs/{their_need}/withdraw"), &[]).await;
        assert_eq!(answer_to_post.status(), StatusCode::NOT_FOUND);
        let answer_to_edit = me.post(&format!("/needs/{their_need}"), &change).await;
        assert_eq!(answer_to_edit.status(), StatusCode::NOT_FOUND);
        let (_, theirs_now) = answer(app.get(&format!("/api/v1/needs/{their_need}")).await).await;
        assert_eq!((theirs_now["status"].as_str(), theirs_now["seats"].as_i64()), (Some("open"), Some(4)));

        // Coordinators see every organisation's needs, named; finance has its own pages.
        let coordinator = PageClient::sign_in(&app, Role::Coordinator, None, "sv").await;
        let (_, all) = coordinator.get("/needs").await;
        assert!(all.contains("Sundsvalls kommun") && all.contains("Ånge kommun"), "{all}");
        let finance = PageClient::sign_in(&app, Role::Finance, Some(ANGE), "sv").await;
        assert_eq!(finance.get("/needs").await.0, StatusCode::FORBIDDEN);
        assert_eq!(finance.get("/needs/import").await.0, StatusCode::FORBIDDEN);
    }
}

fn csv(rows: &[&str]) -> Vec<u8> {
    let mut text = "agreement_reference;course_code;seats;earliest_term;latest_term\n".to_owned();
    for row in rows {
        text.push_str(row);
        text.push('\n');
    }
    text.into_bytes()
}

#[tokio::test]
async fn a_csv_file_is_previewed_row_by_row_and_stored_only_when_confirmed() {
    for (app, _db) in crate::helpers::spawn_apps().await {
        ange(&app).await;
        let mut me = PageClient::sign_in(&app, Role::Organisation, Some(ANGE), "sv").await;
        let (t1, t2) = (term(1), term(2));
        let good_one = format!("SKO-ANG-01;PAGE1;3;{t1};{t2}");
        let good_two = format!("SKO-ANG-01;page1;2;{t1};{t1}");
        let bad = format!("SKO-ANG-01;PAGE1;två;{t1};{t1}");

        let (status, form) = me.get("/needs/import").await;
        assert_eq!(status, StatusCode::OK);
        assert!(form.contains("enctype=\"multipart/form-data\"") && form.contains("type=\"file\""), "{form}");

        // One bad row: every row shown, the bad one with its problem, nothing stored, no button.
        let file = csv(&[&good_one, &bad, &good_two]);
        let preview = me.post_file("/needs/import", &[], "file", "behov.csv", file).await;
        assert_eq!(preview.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = preview.text().await.unwrap();
        assert!(html.contains("<th scope=\"row\" class=\"num\">3</th>"), "the bad row is row 3 of the file: {html}");
        assert!(html.contains("<code>seats</code>: &quot;två&quot; is not a whole number"), "{html}");
        assert!(html.contains("1 av raderna har fel. Inget har sparats."), "{html}");
        assert_eq!(html.matches(">OK<").count(), 2, "the good rows are shown as good: {html}");
        assert!(!html.contains("/needs/import/confirm") && !html.contains("Spara "), "no store button: {html}");
        assert_eq!(app.count("needs"), 0);

        // The upload needs its token too.
        let token = std::mem::take(&mut me.csrf);
        let forged = me.post_file("/needs/import", &[], "file", "behov.csv", csv(&[&good_one])).await;
        me.csrf = token;
        assert_eq!(forged.status(), StatusCode::FORBIDDEN);

        // All good: the button stores exactly the rows shown.
        let file = csv(&[&good_one, "", &good_two]);
        let preview = me.post_file("/needs/import", &[], "file", "behov.csv", file).await;
        assert_eq!(preview.status(), StatusCode::OK);
        let html = preview.text().await.unwrap();
        assert!(html.contains("Spara 2 behov") && html.contains("Alla 2 rader kan sparas"), "{html}");
        assert!(html.contains("<th scope=\"row\" class=\"num\">4</th>"), "blank lines keep the numbering: {html}");
        assert_eq!(app.count("needs"), 0, "a preview stores nothing");
        let rows = hidden_value(&html, "rows");
        assert_eq!(me.post_exactly("/needs/import/confirm", &[("rows", &rows)]).await.status(), StatusCode::FORBIDDEN);
        assert_eq!(app.count("needs"), 0);
        let stored = me.post("/needs/import/confirm", &[("rows", &rows)]).await;
        assert_eq!(location(&stored), "/needs?notice=imported&count=2");
        let mut seats: Vec<(i64, String, String)> = needs(&app)
            .await
            .iter()
            .map(|n| {
                (
                    n["seats"].as_i64().unwrap(),
                    n["course_code"].as_str().unwrap().into(),
                    n["latest_term"].as_str().unwrap().into(),
                )
            })
            .collect();
        seats.sort();
        assert_eq!(seats, [(2, "PAGE1".into(), t1.clone()), (3, "PAGE1".into(), t2.clone())]);
        let (_, list) = me.get("/needs?notice=imported&count=2").await;
        assert!(list.contains("2 behov är sparade från filen."), "{list}");

        // Files that are not a needs spreadsheet are refused beside the field.
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01".to_vec();
        for (name, bytes, message) in [
            ("bild.png", png, "Filen är varken en CSV-fil eller en Excelfil"),
            ("tom.csv", Vec::new(), "Välj en fil med behoven."),
            ("fel.csv", b"namn;antal\nAnna;3\n".to_vec(), "Filen går inte att läsa in."),
        ] {
            let refused = me.post_file("/needs/import", &[], "file", name, bytes).await;
            assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "{name}");
            let html = refused.text().await.unwrap();
            assert!(html.contains(&format!("<span class=\"error\" id=\"file-error\">{message}")), "{name}: {html}");
        }
        let refused = me.post_file("/needs/import", &[], "file", "fel.csv", b"namn;antal\nAnna;3\n".to_vec()).await;
        let html = refused.text().await.unwrap();
        assert!(html.contains("Rad 1, kolumn seats: the column seats is missing from the header row"), "{html}");
        // Past the service's import limit (4 MiB in the tests' settings).
        let limit = app.settings.server.import_limit_bytes;
        let too_large = me.post_file("/needs/import", &[], "file", "stor.csv", vec![b'a'; limit + 1]).await;
        assert_eq!(too_large.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(too_large.text().await.unwrap().contains("Filen är för stor."));
        assert_eq!(app.count("needs"), 2);
    }
}

/// The needs inventory as Excel saves it: text cells, and numbers as numbers.
fn workbook(rows: &[(&str, &str, f64, &str, &str)]) -> Vec<u8> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    for (column, header) in
        ["agreement_reference", "course_code", "seats", "earliest_term", "latest_term"].iter().enumerate()
    {
        sheet.write_string(0, column as u16, *header).unwrap();
    }
    for (i, (reference, course, seats, earliest, latest)) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_string(row, 0, *reference).unwrap();
        sheet.write_string(row, 1, *course).unwrap();
        sheet.write_number(row, 2, *seats).unwrap();
        sheet.write_string(row, 3, *earliest).unwrap();
        sheet.write_string(row, 4, *latest).unwrap();
    }
    workbook.save_to_buffer().unwrap()
}

#[tokio::test]
async fn an_excel_file_is_previewed_and_stored_as_the_same_csv_would_be() {
    for (app, _db) in crate::helpers::spawn_apps().await {
        ange(&app).await;
        let me = PageClient::sign_in(&app, Role::Organisation, Some(ANGE), "sv").await;
        let (t1, t2) = (term(1), term(2));

        let bad = workbook(&[("SKO-ANG-01", "PAGE1", 3.0, &t1, &t2), ("SKO-ANG-01", "PAGE1", 2.5, &t1, &t1)]);
        let preview = me.post_file("/needs/import", &[], "file", "behov.xlsx", bad).await;
        assert_eq!(preview.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = preview.text().await.unwrap();
        assert!(html.contains("<code>seats</code>: &quot;2,5&quot; is not a whole number"), "{html}");
        assert!(!html.contains("/needs/import/confirm"));

        let good = workbook(&[("SKO-ANG-01", "PAGE1", 3.0, &t1, &t2), ("SKO-ANG-01", "PAGE1", 2.0, &t1, &t1)]);
        let preview = me.post_file("/needs/import", &[], "file", "behov.xlsx", good).await;
        assert_eq!(preview.status(), StatusCode::OK);
        let from_excel = hidden_value(&preview.text().await.unwrap(), "rows");
        let same_csv = csv(&[&format!("SKO-ANG-01;PAGE1;3;{t1};{t2}"), &format!("SKO-ANG-01;PAGE1;2;{t1};{t1}")]);
        let preview = me.post_file("/needs/import", &[], "file", "behov.csv", same_csv).await;
        let from_csv = hidden_value(&preview.text().await.unwrap(), "rows");
        assert_eq!(from_excel, from_csv, "Excel's 3.0 seats are the CSV's 3");
        assert!(from_excel.contains(&format!("SKO-ANG-01,PAGE1,3,,{t1},{t2},")), "{from_excel}");

        let stored = me.post("/needs/import/confirm", &[("rows", &from_excel)]).await;
        assert_eq!(location(&stored), "/needs?notice=imported&count=2");
        let mut seats: Vec<i64> = needs(&app).await.iter().map(|n| n["seats"].as_i64().unwrap()).collect();
        seats.sort();
        assert_eq!(seats, [2, 3]);
    }
}

/// Härnösand and Ånge with 3 seats each in a cohort of PLAN1 (5–10 seats,
/// 120 000 kr fixed and 5 000 kr a seat), and Sollefteå, which may join.
/// Returns the cohort, Ånge's agreement and Sollefteå's.
async fn open_cohort(app: &TestApp, solleftea_budget_ore: i64) -> (i64, i64, i64) {
    let harnosand = app.organisation("212000-2403", "Härnösands kommun", 2100).await;
    let ange = app.organisation(ANGE, "Ånge kommun", 1150).await;
    let solleftea = app.organisation("212000-2429", "Sollefteå kommun", 1900).await;
    let a_har = app.agreement(harnosand, "SKO-HAR-01", true).await;
    let a_ang = app.agreement(ange, "SKO-ANG-01", true).await;
    let (starts_on, ends_on) = crate::helpers::active_period();
    let response = app
        .post(
            "/api/v1/agreements",
            &json!({
                "organisation_id": solleftea, "reference": "SKO-SOL-01", "starts_on": starts_on,
                "ends_on": ends_on, "budget_ore": solleftea_budget_ore, "pooling": true
            }),
        )
        .await;
    let a_sol = crate::helpers::created_id(response, app.backend).await;
    app.course("PLAN1", 5, 10).await;
    app.need(a_har, "PLAN1", 3, (&term(1), &term(1))).await;
    app.need(a_ang, "PLAN1", 3, (&term(1), &term(1))).await;
    let (status, plan) = answer(app.post("/api/v1/plans", &json!({})).await).await;
    assert_eq!(status, StatusCode::CREATED, "{plan}");
    (plan["cohorts"][0]["id"].as_i64().unwrap(), a_ang, a_sol)
}

#[tokio::test]
async fn open_seats_show_what_joining_costs_and_the_button_takes_the_seats() {
    for (app, _db) in crate::helpers::spawn_apps().await {
        let (cohort, a_ang, a_sol) = open_cohort(&app, 200_000_000).await;
        let me = PageClient::sign_in(&app, Role::Organisation, Some("212000-2429"), "sv").await;

        // Today 6 seats share 150 000 kr: 25 000 kr each. One more: 155 000 / 7 = 22 142,86 kr,
        // 2 857,14 kr (11,4 %) less for everyone. Two more: 160 000 / 8 = 20 000 kr, 20 % less.
        let (status, html) = me.get("/open-seats").await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains(&format!("PLAN1 – Kurs PLAN1, {}", shown(&term(1)))), "{html}");
        assert!(html.contains("25\u{a0}000,00\u{a0}kr"), "{html}");
        assert!(
            html.contains(
                "1 plats: 22\u{a0}142,86\u{a0}kr per plats, 22\u{a0}142,86\u{a0}kr för er; allas pris sjunker med 11 %"
            ),
            "{html}"
        );
        assert!(
            html.contains("2 platser: 20\u{a0}000,00\u{a0}kr per plats, 40\u{a0}000,00\u{a0}kr för er; allas pris sjunker med 20 %"),
            "{html}"
        );
        assert!(
            html.contains(&format!("action=\"/open-seats/{cohort}/join\"")) && html.contains("SKO-SOL-01"),
            "{html}"
        );

        let english = PageClient::sign_in(&app, Role::Organisation, Some("212000-2429"), "en").await;
        let (_, html) = english.get("/open-seats").await;
        assert!(html.contains("<html lang=\"en\">") && html.contains("<h1>Open seats</h1>"), "{html}");
        assert!(
            html.contains(
                "2 seats: 20\u{a0}000,00\u{a0}kr each, 40\u{a0}000,00\u{a0}kr for you; everyone's price drops by 20 %"
            ),
            "{html}"
        );

        // The summary: what it costs, from which agreement, what happens to the others' price.
        let summary_path = format!("/open-seats/{cohort}/join?seats=2&agreement={a_sol}");
        let (status, summary) = me.get(&summary_path).await;
        assert_eq!(status, StatusCode::OK, "{summary}");
        assert!(
            summary.contains("Det kostar er <strong><span class=\"money\">40\u{a0}000,00\u{a0}kr</span></strong>"),
            "{summary}"
        );
        assert!(summary.contains("SKO-SOL-01") && summary.contains("Gå med med 2 platser"), "{summary}");
        assert!(summary.contains("5\u{a0}000,00\u{a0}kr</span> mindre per plats"), "{summary}");
        assert_eq!(
            me.get(&format!("/open-seats/{}/join?seats=2&agreement={a_sol}", cohort + 100)).await.0,
            StatusCode::NOT_FOUND
        );
        // Ånge is already in the cohort with agreement SKO-ANG-01; Sollefteå cannot pay with it.
        assert_eq!(
            me.get(&format!("/open-seats/{cohort}/join?seats=2&agreement={a_ang}")).await.0,
            StatusCode::NOT_FOUND
        );

        let join = format!("/open-seats/{cohort}/join");
        let fields = [("seats", "2"), ("agreement", &a_sol.to_string()), ("need", "")];
        assert_eq!(me.post_exactly(&join, &fields).await.status(), StatusCode::FORBIDDEN);
        let (_, unchanged) = answer(app.get(&format!("/api/v1/cohorts/{cohort}")).await).await;
        assert_eq!(unchanged["size"], 6);
        let joined = me.post(&join, &fields).await;
        assert_eq!(
            (joined.status(), location(&joined)),
            (StatusCode::SEE_OTHER, format!("/cohorts/{cohort}/participants?notice=joined"))
        );
        let (status, html) = me.get(&location(&joined)).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(
            html.contains("Ni har gått med i kurstillfället.") && html.contains("0 av 2 bokade platser har namn."),
            "{html}"
        );
        assert!(
            html.contains("Deltagare anges när kurstillfället är bekräftat."),
            "the cohort is still a proposal: {html}"
        );
        let (_, after) = answer(app.get(&format!("/api/v1/cohorts/{cohort}")).await).await;
        assert_eq!((after["size"].as_i64(), after["open_seats"].as_i64()), (Some(8), Some(2)));
        let ours = after["allocations"].as_array().unwrap().iter().find(|a| a["agreement_id"] == a_sol).unwrap();
        assert_eq!((ours["seats"].as_i64(), ours["joined"].as_bool()), (Some(2), Some(true)));

        // More seats than are open: the page says the request waits in line.
        let waiting = me.post(&join, &[("seats", "5"), ("agreement", &a_sol.to_string()), ("need", "")]).await;
        assert_eq!(waiting.status(), StatusCode::OK);
        let html = waiting.text().await.unwrap();
        assert!(html.contains("Ni står i kö för 5 platser, som nummer 1."), "{html}");

        let finance = PageClient::sign_in(&app, Role::Finance, Some("212000-2429"), "sv").await;
        assert_eq!(finance.get("/open-seats").await.0, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn a_join_past_the_budget_says_which_agreement_lacks_how_much() {
    for (app, _db) in crate::helpers::spawn_apps().await {
        // 10 000 kr left; one seat of the confirmed cohort costs about 22 000 kr.
        let (cohort, _, a_sol) = open_cohort(&app, 1_000_000).await;
        let (status, body) = answer(app.post(&format!("/api/v1/cohorts/{cohort}/confirm"), &json!({})).await).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let me = PageClient::sign_in(&app, Role::Organisation, Some("212000-2429"), "sv").await;
        let (_, summary) = me.get(&format!("/open-seats/{cohort}/join?seats=1&agreement={a_sol}")).await;
        assert!(summary.contains("Kvar i budgeten: <span class=\"money\">10\u{a0}000,00\u{a0}kr</span>"), "{summary}");
        assert!(summary.contains("Budgeten räcker inte; det saknas"), "{summary}");
        let refused =
            me.post(&format!("/open-seats/{cohort}/join"), &[("seats", "1"), ("agreement", &a_sol.to_string())]).await;
        assert_eq!(refused.status(), StatusCode::CONFLICT);
        let html = refused.text().await.unwrap();
        assert!(html.contains("<th scope=\"row\">SKO-SOL-01</th>"), "{html}");
        assert!(html.contains("<td class=\"num\">10\u{a0}000,00\u{a0}kr</td>"), "{html}");
        let (_, unchanged) = answer(app.get(&format!("/api/v1/cohorts/{cohort}")).await).await;
        assert_eq!(unchanged["size"], 6);
    }
}

/// Sundsvall and Ånge with 3 seats each in a confirmed cohort; Timrå outside it.
async fn confirmed_cohort(app: &TestApp) -> (i64, i64, i64) {
    let sundsvall = app.organisation(SUNDSVALL, "Sundsvalls kommun", 2000).await;
    let ange = app.organisation(ANGE, "Ånge kommun", 1150).await;
    app.organisation("212000-2395", "Timrå kommun", 1600).await;
    let a_sun = app.agreement(sundsvall, "SKO-SUN-01", true).await;
    let a_ang = app.agreement(ange, "SKO-ANG-01", true).await;
    app.course("ENROL", 2, 10).await;
    app.need(a_sun, "ENROL", 3, (&term(0), &term(0))).await;
    app.need(a_ang, "ENROL", 3, (&term(0), &term(0))).await;
    let (status, plan) = answer(app.post("/api/v1/plans", &json!({})).await).await;
    assert_eq!(status, StatusCode::CREATED, "{plan}");
    let cohort = plan["cohorts"][0]["id"].as_i64().unwrap();
    let (status, body) = answer(app.post(&format!("/api/v1/cohorts/{cohort}/confirm"), &json!({})).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    (cohort, a_sun, a_ang)
}

#[tokio::test]
async fn participants_are_named_and_withdrawn_and_partners_names_stay_hidden() {
    for (app, _db) in crate::helpers::spawn_apps().await {
        let (cohort, a_sun, a_ang) = confirmed_cohort(&app).await;
        let path = format!("/cohorts/{cohort}/participants");
        let (status, body) = answer(
            app.post(
                &format!("/api/v1/cohorts/{cohort}/participants"),
                &json!({"agreement_id": a_sun, "name": "Sven Svensson", "email": "sven@sundsvall.example"}),
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let me = PageClient::sign_in(&app, Role::Organisation, Some(ANGE), "sv").await;

        let (status, html) = me.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains("0 av 3 bokade platser har namn."), "{html}");
        assert!(html.contains(&format!("name=\"agreement_id\" value=\"{a_ang}\"")), "{html}");

        let person = [
            ("agreement_id", a_ang.to_string()),
            ("name", "Anna Berg".into()),
            ("email", "anna.berg@ange.example".into()),
        ];
        let person: Vec<(&str, &str)> = person.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(me.post_exactly(&path, &person).await.status(), StatusCode::FORBIDDEN);
        assert_eq!(app.count("participants"), 1);
        let added = me.post(&path, &person).await;
        assert_eq!(location(&added), format!("{path}?notice=added"));
        let (_, html) = me.get(&format!("{path}?notice=added")).await;
        assert!(html.contains("Deltagaren är tillagd.") && html.contains("Anna Berg"), "{html}");
        assert!(html.contains("1 av 3 bokade platser har namn."), "{html}");
        assert!(
            !html.contains("Sven Svensson") && !html.contains("sven@sundsvall"),
            "a partner's names stay hidden: {html}"
        );
        assert!(html.contains("Sundsvalls kommun"), "partners are counted: {html}");

        // A bad address: the form again, beside the field, with the name kept.
        let bad = [("agreement_id", a_ang.to_string()), ("name", "Bo Ek".into()), ("email", "bo".into())];
        let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let refused = me.post(&path, &bad).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = refused.text().await.unwrap();
        assert!(
            html.contains("id=\"email-error\"") && html.contains("value=\"Bo Ek\"") && html.contains("value=\"bo\""),
            "{html}"
        );
        assert_eq!(app.count("participants"), 2);

        // Coordinators see everyone's names, per organisation.
        let coordinator = PageClient::sign_in(&app, Role::Coordinator, None, "sv").await;
        let (_, all) = coordinator.get(&path).await;
        assert!(all.contains("<h2>Sundsvalls kommun</h2>") && all.contains("<h2>Ånge kommun</h2>"), "{all}");
        assert!(all.contains("Sven Svensson") && all.contains("Anna Berg"), "{all}");

        // Another organisation's cohort and participants do not exist for these users.
        let timra = PageClient::sign_in(&app, Role::Organisation, Some("212000-2395"), "sv").await;
        assert_eq!(timra.get(&path).await.0, StatusCode::NOT_FOUND);
        assert_eq!(timra.post(&path, &bad).await.status(), StatusCode::NOT_FOUND);
        let (_, listed) = answer(app.get(&format!("/api/v1/cohorts/{cohort}/participants")).await).await;
        let id_of = |name: &str| {
            listed["participants"].as_array().unwrap().iter().find(|p| p["name"] == name).unwrap()["id"]
                .as_i64()
                .unwrap()
        };
        let (anna, sven) = (id_of("Anna Berg"), id_of("Sven Svensson"));
        assert_eq!(me.get(&format!("{path}/{sven}/remove")).await.0, StatusCode::NOT_FOUND);
        assert_eq!(
            me.post(&format!("{path}/{sven}/remove"), &[("keep_seat", "false")]).await.status(),
            StatusCode::NOT_FOUND
        );

        // Withdrawing Anna with her seat: a summary, one button.
        let (status, summary) = me.get(&format!("{path}/{anna}/remove")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(summary.contains("Anna Berg") && summary.contains("Lämna tillbaka platsen"), "{summary}");
        assert_eq!(
            me.post_exactly(&format!("{path}/{anna}/remove"), &[("keep_seat", "false")]).await.status(),
            StatusCode::FORBIDDEN
        );
        let removed = me.post(&format!("{path}/{anna}/remove"), &[("keep_seat", "false")]).await;
        assert_eq!(location(&removed), format!("{path}?notice=removed"));
        let (_, left) = answer(app.get(&format!("/api/v1/cohorts/{cohort}/participants")).await).await;
        let names: Vec<&str> =
            left["participants"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["Sven Svensson"]);
        let (_, after) = answer(app.get(&format!("/api/v1/cohorts/{cohort}")).await).await;
        assert_eq!(after["size"], 5, "the seat went with her");
        let (_, html) = me.get(&path).await;
        assert!(html.contains("0 av 2 bokade platser har namn."), "{html}");
    }
}
