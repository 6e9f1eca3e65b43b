//! E-mail through a real SMTP server (aiosmtpd on loopback): what arrives,
//! to whom, saying what, and that outages lose nothing and repeats send
//! nothing twice.

use mail_parser::{MessageParser, MimeHeaders};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{SmtpServer, TestApp, answer, free_port, smtp_to, spawn_with, term};

/// An organisation with addresses of its own, and an agreement; returns the agreement.
async fn municipality(app: &TestApp, org_number: &str, name: &str, short: &str, language: &str) -> i64 {
    let body = json!({
        "org_number": org_number, "name": name, "kind": "municipality", "employees": 2_000,
        "coordinator_email": format!("kompetens@{short}.example"), "finance_email": format!("ekonomi@{short}.example"),
        "language": language,
    });
    let (status, organisation) = answer(app.post("/api/v1/organisations", &body).await).await;
    assert_eq!(status, StatusCode::CREATED, "{organisation}");
    app.agreement(organisation["id"].as_i64().unwrap(), &format!("SKO-{}-01", short.to_uppercase()), true).await
}

/// Sundsvall (Swedish) and Ånge (English) with 3 seats each in a proposed
/// cohort: 15 000 000 öre in all, 7 500 000 each by `per_seat`. Returns the
/// cohort and Ånge's agreement.
pub async fn cohort_of_two(app: &TestApp) -> (i64, i64) {
    let sundsvall = municipality(app, "212000-2411", "Sundsvalls kommun", "sundsvall", "sv").await;
    let ange = municipality(app, "212000-2387", "Ånge kommun", "ange", "en").await;
    app.course("MAIL1", 2, 10).await;
    app.need(sundsvall, "MAIL1", 3, (&term(0), &term(0))).await;
    app.need(ange, "MAIL1", 3, (&term(0), &term(0))).await;
    let (status, plan) = answer(app.post("/api/v1/plans", &json!({})).await).await;
    assert_eq!(status, StatusCode::CREATED, "{plan}");
    (plan["cohorts"][0]["id"].as_i64().unwrap(), ange)
}

/// A received message: to, subject, Reply-To, Message-ID, text part, HTML part.
pub struct Received {
    pub to: String,
    pub subject: String,
    pub reply_to: String,
    pub message_id: String,
    pub text: String,
    pub html: String,
}

fn parse(raw: &[u8]) -> Received {
    let message = MessageParser::default().parse(raw).expect("a message");
    let first = |list: Option<&mail_parser::Address>| {
        list.and_then(|a| a.first()).and_then(|a| a.address()).unwrap_or_default().to_owned()
    };
    assert!(message.content_type().is_some_and(|c| c.subtype() == Some("alternative")), "multipart/alternative");
    Received {
        to: first(message.to()),
        subject: message.subject().unwrap_or_default().to_owned(),
        reply_to: first(message.reply_to()),
        message_id: message.message_id().unwrap_or_default().to_owned(),
        text: message.body_text(0).expect("a text part").into_owned(),
        html: message.body_html(0).expect("an HTML part").into_owned(),
    }
}

pub fn by_recipient(raw: &[Vec<u8>]) -> Vec<Received> {
    let mut messages: Vec<Received> = raw.iter().map(|m| parse(m)).collect();
    messages.sort_by(|a, b| a.to.cmp(&b.to));
    messages
}

pub async fn outbox(app: &TestApp) -> Vec<Value> {
    app.list("/api/v1/outbox").await
}

#[tokio::test]
async fn confirming_and_invoicing_mail_each_organisation_once() {
    for backend in crate::helpers::backends() {
        let smtp = SmtpServer::start();
        let database = crate::helpers::TestDatabase::create(backend);
        let app = spawn_with(&database, |s| smtp_to(s, smtp.port)).await;
        let (cohort, _) = cohort_of_two(&app).await;

        let (status, _) = answer(app.post(&format!("/api/v1/cohorts/{cohort}/confirm"), &json!({})).await).await;
        assert_eq!(status, StatusCode::OK);
        let enrolments = by_recipient(&smtp.wait_for(2).await);
        assert_eq!(enrolments.len(), 2, "one enrolment summary per organisation");
        let [ange, sundsvall] = [&enrolments[0], &enrolments[1]];
        assert_eq!(
            (ange.to.as_str(), sundsvall.to.as_str()),
            ("kompetens@ange.example", "kompetens@sundsvall.example")
        );
        assert!(sundsvall.subject.starts_with("Kursbekräftelse: MAIL1"), "{}", sundsvall.subject);
        assert!(ange.subject.starts_with("Enrolment summary: MAIL1"), "Ånge reads English: {}", ange.subject);
        for mail in [ange, sundsvall] {
            assert_eq!(mail.reply_to, "samordnare@strumpavtal.example");
            assert!(mail.message_id.starts_with("enrolment.") && mail.message_id.ends_with("@strumpavtal"));
            // Each pays 7 500 000 öre, 9 375 000 with VAT; alone 13 500 000.
            for part in [&mail.text, &mail.html] {
                assert!(part.contains("75\u{a0}000,00\u{a0}kr") && part.contains("93\u{a0}750,00\u{a0}kr"), "{part}");
                assert!(part.contains("60\u{a0}000,00\u{a0}kr"), "the savings: {part}");
            }
        }
        assert!(sundsvall.text.contains("Ånge kommun") && ange.text.contains("Sundsvalls kommun"), "partners by name");

        let invoice = format!("/api/v1/cohorts/{cohort}/invoice");
        assert_eq!(app.post(&invoice, &json!({})).await.status(), StatusCode::CREATED);
        let all = smtp.wait_for(4).await;
        assert_eq!(all.len(), 4);
        let invoices: Vec<Received> = by_recipient(&all).into_iter().filter(|m| m.to.starts_with("ekonomi@")).collect();
        assert_eq!(invoices.len(), 2, "one invoicing summary per finance team");
        assert_eq!(
            (invoices[0].to.as_str(), invoices[1].to.as_str()),
            ("ekonomi@ange.example", "ekonomi@sundsvall.example")
        );
        for mail in &invoices {
            for part in [&mail.text, &mail.html] {
                // The line and the total: 75 000 kr, 93 750 kr with VAT; 1 925 000 kr of the budget left.
                assert!(part.contains("75\u{a0}000,00\u{a0}kr") && part.contains("93\u{a0}750,00\u{a0}kr"), "{part}");
                assert!(part.contains("1\u{a0}925\u{a0}000,00\u{a0}kr"), "the remaining budget: {part}");
                assert!(part.contains("SKO-"), "the agreement reference: {part}");
            }
        }

        // Repeating the requests sends nothing more.
        let (status, _) = answer(app.post(&format!("/api/v1/cohorts/{cohort}/confirm"), &json!({})).await).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(app.post(&invoice, &json!({})).await.status(), StatusCode::OK);
        assert_eq!(smtp.wait_for(4).await.len(), 4, "no e-mail twice");
        let outbox = outbox(&app).await;
        assert_eq!(outbox.len(), 4);
        assert!(outbox.iter().all(|e| e["status"] == "sent" && e["attempts"] == 1), "{outbox:?}");
    }
}

#[tokio::test]
async fn e_mail_waits_for_the_smtp_server_and_arrives_once() {
    for backend in crate::helpers::backends() {
        let port = free_port();
        let database = crate::helpers::TestDatabase::create(backend);
        let app = spawn_with(&database, |s| smtp_to(s, port)).await;
        let (cohort, _) = cohort_of_two(&app).await;
        let (status, _) = answer(app.post(&format!("/api/v1/cohorts/{cohort}/confirm"), &json!({})).await).await;
        assert_eq!(status, StatusCode::OK);

        // Nothing listens: the attempts fail and are recorded.
        let started = std::time::Instant::now();
        loop {
            let queued = outbox(&app).await;
            if queued.iter().all(|e| e["attempts"].as_i64().unwrap() >= 2) {
                // Each is waiting for its next attempt, or in it (attempts count from the claim).
                let retrying = |e: &Value| e["status"] == "queued" || e["status"] == "sending";
                assert!(queued.iter().all(|e| retrying(e) && e["last_error"].is_string()), "{queued:?}");
                break;
            }
            assert!(started.elapsed() < std::time::Duration::from_secs(30), "no retries: {queued:?}");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }

        // The server comes up: each e-mail arrives, once.
        let smtp = SmtpServer::start_on(port);
        let received = by_recipient(&smtp.wait_for(2).await);
        assert_eq!(received.len(), 2);
        assert_eq!(
            (received[0].to.as_str(), received[1].to.as_str()),
            ("kompetens@ange.example", "kompetens@sundsvall.example")
        );
        let started = std::time::Instant::now();
        while !outbox(&app).await.iter().all(|e| e["status"] == "sent") {
            assert!(started.elapsed() < std::time::Duration::from_secs(10), "not marked sent");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}

#[tokio::test]
async fn a_failed_e_mail_can_be_retried() {
    for backend in crate::helpers::backends() {
        let port = free_port();
        let database = crate::helpers::TestDatabase::create(backend);
        let app = spawn_with(&database, |s| {
            smtp_to(s, port);
            s.email.max_attempts = 2;
        })
        .await;
        let (cohort, _) = cohort_of_two(&app).await;
        let (status, _) = answer(app.post(&format!("/api/v1/cohorts/{cohort}/confirm"), &json!({})).await).await;
        assert_eq!(status, StatusCode::OK);
        let started = std::time::Instant::now();
        let failed = loop {
            let failed: Vec<Value> = outbox(&app).await.into_iter().filter(|e| e["status"] == "failed").collect();
            if failed.len() == 2 {
                break failed;
            }
            assert!(started.elapsed() < std::time::Duration::from_secs(30), "not marked failed");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        };
        assert!(failed.iter().all(|e| e["attempts"] == 2 && e["last_error"].is_string()), "{failed:?}");
        let (status, _) =
            answer(app.post(&format!("/api/v1/outbox/{}/retry", failed[0]["id"]), &json!({})).await).await;
        assert_eq!(status, StatusCode::OK);
        let smtp = SmtpServer::start_on(port);
        assert_eq!(smtp.wait_for(1).await.len(), 1, "only the retried e-mail is sent");
        let (status, error) =
            answer(app.post(&format!("/api/v1/outbox/{}/retry", failed[0]["id"]), &json!({})).await).await;
        assert_eq!(status, StatusCode::CONFLICT, "a sent e-mail is not retried: {error}");
        let organisation = app.user(strumpavtal::access::Role::Organisation, Some("212000-2387"));
        assert_eq!(app.get_as(&organisation, "/api/v1/outbox").await.status(), StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn a_burst_of_changes_makes_one_summary_naming_the_participants() {
    for backend in crate::helpers::backends() {
        let smtp = SmtpServer::start();
        let database = crate::helpers::TestDatabase::create(backend);
        let app = spawn_with(&database, |s| {
            smtp_to(s, smtp.port);
            s.email.coalesce_seconds = 3.0;
        })
        .await;
        let (cohort, ange) = cohort_of_two(&app).await;
        let (status, _) = answer(app.post(&format!("/api/v1/cohorts/{cohort}/confirm"), &json!({})).await).await;
        assert_eq!(status, StatusCode::OK);
        for (name, address) in [("Anna Berg", "anna.berg@ange.example"), ("Bo Ek", "bo.ek@ange.example")] {
            let body = json!({"agreement_id": ange, "name": name, "email": address});
            let (status, added) =
                answer(app.post(&format!("/api/v1/cohorts/{cohort}/participants"), &body).await).await;
            assert_eq!(status, StatusCode::CREATED, "{added}");
        }
        // Three changes, one summary per organisation, with the latest content.
        let received = by_recipient(&smtp.wait_for(2).await);
        assert_eq!(received.len(), 2, "a burst is one e-mail per organisation");
        let (ange_mail, sundsvall_mail) = (&received[0], &received[1]);
        assert_eq!(ange_mail.to, "kompetens@ange.example");
        for part in [&ange_mail.text, &ange_mail.html] {
            assert!(part.contains("Anna Berg") && part.contains("bo.ek@ange.example"), "{part}");
        }
        assert!(!sundsvall_mail.text.contains("Anna Berg"), "partners' names stay private");
        assert_eq!(outbox(&app).await.len(), 2);
    }
}
