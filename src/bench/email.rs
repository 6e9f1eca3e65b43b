//! `strumpavtal bench email`: queue e-mails in the outbox of a fresh
//! database and time their delivery by the real worker to an SMTP server;
//! then, in the same run, time a bare lettre loop sending the same messages
//! to the same server one after another.
//!
//! The SMTP server is the caller's, e.g. aiosmtpd discarding what it gets:
//! `python3 -m aiosmtpd -n -l 127.0.0.1:2525 -c aiosmtpd.handlers.Sink`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use futures_util::future::{Either, select};

use super::Scratch;
use crate::config::{EmailTransport, Settings, SmtpTls};
use crate::db::schema::email_outbox;
use crate::db::{self, DbPool};
use crate::email::messages::{self, CourseFacts, Enrolment, Lang};
use crate::email::outbox::{self, NewEmail, OutboxEmail};
use crate::email::transport::Mailer;
use crate::email::worker;
use crate::ids::OutboxId;
use crate::money::Ore;
use crate::splitting::SplitRule;

#[derive(Debug, clap::Args)]
pub struct EmailArgs {
    /// How many e-mails to send each way.
    #[arg(long, default_value_t = 10_000)]
    pub emails: usize,
    /// The SMTP server, `HOST:PORT` (plain SMTP, no TLS).
    #[arg(long, value_name = "HOST:PORT")]
    pub smtp: String,
    /// As for `bench plan`: a PostgreSQL server to create a scratch database
    /// on, or a new SQLite file; without it a temporary SQLite file.
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,
    /// The worker's senders (default: `email.senders`).
    #[arg(long)]
    pub senders: Option<usize>,
}

pub async fn email(mut settings: Settings, args: EmailArgs) -> anyhow::Result<()> {
    let (host, port) = args
        .smtp
        .rsplit_once(':')
        .and_then(|(host, port)| Some((host.to_owned(), port.parse::<u16>().ok()?)))
        .ok_or_else(|| anyhow::anyhow!("--smtp takes HOST:PORT, e.g. 127.0.0.1:2525"))?;
    let scratch = Scratch::create(args.database.as_deref())?;
    let e = &mut settings.email;
    e.transport = EmailTransport::Smtp;
    (e.smtp_host, e.smtp_port, e.smtp_tls) = (host, port, SmtpTls::None);
    (e.poll_interval_ms, e.backoff_seconds, e.max_attempts) = (10, 1.0, 5);
    e.senders = args.senders.unwrap_or(e.senders);
    let email = settings.email.clone();
    println!(
        "bench email: {} e-mails to {}, {}, {} senders, {} cores",
        args.emails,
        args.smtp,
        scratch.backend(),
        email.senders,
        std::thread::available_parallelism().map_or(1, usize::from)
    );
    let url = scratch.url();
    let pool =
        db::connect(&url, settings.database.pool_size, Duration::from_millis(settings.database.busy_timeout_ms))?;
    let mail = sample();
    println!("  one message: {} bytes of HTML, {} of text", mail.html.len(), mail.text.len());

    let started = Instant::now();
    queue(&pool, &mail, args.emails)?;
    println!("  queued in {} ms", started.elapsed().as_millis());

    let started = Instant::now();
    let all_sent = Box::pin(wait_until_sent(pool.clone(), args.emails));
    // The worker runs until every e-mail is sent; nothing tells it to stop sooner.
    let (_running, stop) = tokio::sync::watch::channel(false);
    match select(Box::pin(worker::run(pool.clone(), email.clone(), stop)), all_sent).await {
        Either::Left(((), _)) => anyhow::bail!("the worker stopped: see the log"),
        Either::Right((result, _)) => result?,
    }
    let outbox_time = started.elapsed();
    report("outbox worker", args.emails, outbox_time);

    let mailer = Arc::new(Mailer::from_settings(&email)?);
    let count = args.emails;
    let bare = mail.clone();
    let bare_time = actix_web::web::block(move || -> Result<Duration, String> {
        let started = Instant::now();
        for i in 0..count {
            let message = OutboxEmail {
                id: OutboxId(i as i64),
                to_address: format!("person{i}@kommun.example"),
                subject: bare.subject.clone(),
                html_body: bare.html.clone(),
                text_body: bare.text.clone(),
                message_id: format!("<bare.{i}@strumpavtal>"),
                attempts: 1,
            };
            mailer.send(&message)?;
        }
        Ok(started.elapsed())
    })
    .await
    .map_err(|e| anyhow::anyhow!("the send loop failed: {e}"))?
    .map_err(|e| anyhow::anyhow!("a bare send failed: {e}"))?;
    report("bare lettre loop", args.emails, bare_time);
    println!("  ratio outbox / bare: {:.2}", outbox_time.as_secs_f64() / bare_time.as_secs_f64());
    drop(pool);
    drop(scratch);
    Ok(())
}

fn report(what: &str, emails: usize, time: Duration) {
    println!("  {what:<17} {:>9.2} s  {:>8.1} e-mails/s", time.as_secs_f64(), emails as f64 / time.as_secs_f64());
}

/// An enrolment summary as a cohort's confirmation queues it.
fn sample() -> messages::Rendered {
    let enrolment = Enrolment {
        organisation: "Ånge kommun".into(),
        course: CourseFacts {
            code: "PSY102".into(),
            title: "Klinisk psykologi och mötet med psykisk ohälsa".into(),
            credits_tenths: 30,
            term: "HT 2027".into(),
            starts_on: chrono::NaiveDate::from_ymd_opt(2027, 9, 6),
            ends_on: chrono::NaiveDate::from_ymd_opt(2027, 11, 26),
            cancellation_deadline: chrono::NaiveDate::from_ymd_opt(2027, 8, 9),
        },
        seats: vec![("SKO-ANG-01".into(), 2)],
        participants: vec![
            ("Anna Berg".into(), "anna.berg@ange.example".into()),
            ("Bo Ek".into(), "bo.ek@ange.example".into()),
        ],
        partners: vec!["Härnösands kommun".into(), "Kramfors kommun".into(), "Örnsköldsviks kommun".into()],
        split_rule: SplitRule::PerSeat,
        amount: Ore(2_207_692),
        amount_incl_vat: Ore(2_759_615),
        savings: Ore(10_792_308),
    };
    messages::enrolment(Lang::Sv, &enrolment)
}

fn queue(pool: &DbPool, mail: &messages::Rendered, emails: usize) -> anyhow::Result<()> {
    let mut conn = pool.get()?;
    db::write_transaction(&mut conn, |conn| {
        for i in 0..emails {
            let email = NewEmail {
                idempotency_key: format!("bench:{i}"),
                coalesce_key: None,
                kind: "bench",
                organisation_id: None,
                cohort_id: None,
                to: format!("person{i}@kommun.example"),
                subject: mail.subject.clone(),
                html: mail.html.clone(),
                text: mail.text.clone(),
            };
            outbox::enqueue(conn, email, chrono::Duration::zero())?;
        }
        Ok::<_, crate::error::AppError>(())
    })
    .map_err(|e| anyhow::anyhow!("queueing: {e}"))
}

async fn wait_until_sent(pool: DbPool, emails: usize) -> anyhow::Result<()> {
    loop {
        let counts = db::run(&pool, |conn| {
            let sent: i64 = email_outbox::table.filter(email_outbox::status.eq("sent")).count().get_result(conn)?;
            let failed: i64 = email_outbox::table.filter(email_outbox::status.eq("failed")).count().get_result(conn)?;
            Ok((sent, failed))
        })
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        match counts {
            (_, failed) if failed > 0 => anyhow::bail!("{failed} e-mails failed; is the SMTP server up?"),
            (sent, _) if sent as usize >= emails => return Ok(()),
            _ => actix_web::rt::time::sleep(Duration::from_millis(50)).await,
        }
    }
}
