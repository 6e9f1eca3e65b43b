//! Which e-mails a change to a cohort queues, and what goes in them: read
//! from the database inside the change's own transaction, rendered, and
//! written to the outbox there, so the e-mail exists exactly when its cause
//! does.

use std::collections::{BTreeMap, BTreeSet};

use chrono::Duration;
use diesel::prelude::*;

use super::messages::{self, CourseFacts, Enrolment, InvoicingSummary, Lang, Rendered};
use super::outbox::{self, NewEmail};
use crate::cohorts::{self, CohortRecord};
use crate::config::EmailSettings;
use crate::db::DbConnection;
use crate::db::schema::{agreements, courses, organisations};
use crate::enrolment::participants;
use crate::error::AppError;
use crate::ids::{AgreementId, CohortId, OrganisationId};
use crate::invoicing::{InvoicingTotals, invoice, ledger};
use crate::money::Ore;
use crate::registry::agreements as agreement_registry;

/// Who an organisation is, for its e-mails.
struct Recipient {
    name: String,
    lang: Lang,
    coordinator_email: String,
    finance_email: String,
}

fn recipients(
    conn: &mut DbConnection,
    ids: &BTreeSet<OrganisationId>,
) -> Result<BTreeMap<OrganisationId, Recipient>, AppError> {
    let rows: Vec<(OrganisationId, String, String, String, String)> = organisations::table
        .filter(organisations::id.eq_any(ids))
        .select((
            organisations::id,
            organisations::name,
            organisations::language,
            organisations::coordinator_email,
            organisations::finance_email,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, language, coordinator_email, finance_email)| {
            (id, Recipient { name, lang: Lang::from_code(&language), coordinator_email, finance_email })
        })
        .collect())
}

fn course_facts(conn: &mut DbConnection, record: &CohortRecord) -> Result<CourseFacts, AppError> {
    let (code, title, credits_tenths): (String, String, i32) = courses::table
        .find(record.course_id)
        .select((courses::code, courses::title, courses::credits_tenths))
        .first(conn)?;
    Ok(CourseFacts {
        code,
        title,
        credits_tenths,
        term: record.term().map_or_else(|| record.term.clone(), |t| t.display_name()),
        starts_on: record.starts_on,
        ends_on: record.ends_on,
        cancellation_deadline: record.cancellation_deadline,
    })
}

/// The outbox row of a rendered e-mail about `cohort` to `organisation`.
fn new_email(
    key: String,
    kind: &'static str,
    (organisation, cohort): (OrganisationId, CohortId),
    to: &str,
    mail: Rendered,
) -> NewEmail {
    NewEmail {
        idempotency_key: key,
        coalesce_key: None,
        kind,
        organisation_id: Some(organisation),
        cohort_id: Some(cohort),
        to: to.to_owned(),
        subject: mail.subject,
        html: mail.html,
        text: mail.text,
    }
}

/// Summaries and notices about one organisation's part in one cohort
/// share this key, so one still waiting is replaced by the newer.
fn about(cohort: CohortId, organisation: OrganisationId) -> Option<String> {
    Some(format!("cohort:{cohort}:{organisation}"))
}

/// Queues an enrolment summary for the coordinator of every organisation in
/// a confirmed cohort. `cause` names the change (one summary per cause);
/// summaries still waiting to be sent are folded into the newest, so a
/// burst of changes makes one e-mail.
pub fn enrolment_summaries(
    conn: &mut DbConnection,
    settings: &EmailSettings,
    cohort: CohortId,
    cause: &str,
) -> Result<(), AppError> {
    let record = cohorts::find(conn, cohort)?;
    let Some(rule) = record.split_rule() else { return Ok(()) };
    let rows = cohorts::allocations(conn, cohort)?;
    let orgs: BTreeSet<OrganisationId> = rows.iter().map(|r| r.organisation_id).collect();
    let people = recipients(conn, &orgs)?;
    let course = course_facts(conn, &record)?;
    let shares = cohorts::splits::current_of(conn, &record)?.map(|(_, shares)| shares).unwrap_or_default();
    let agreement_ids: Vec<AgreementId> = rows.iter().map(|r| r.agreement_id).collect();
    let references: BTreeMap<AgreementId, String> = agreements::table
        .filter(agreements::id.eq_any(&agreement_ids))
        .select((agreements::id, agreements::reference))
        .load(conn)?
        .into_iter()
        .collect();
    for (org, person) in &people {
        let mut seats: BTreeMap<String, i32> = BTreeMap::new();
        for row in rows.iter().filter(|r| r.organisation_id == *org) {
            let reference = references.get(&row.agreement_id).cloned().unwrap_or_default();
            *seats.entry(reference).or_default() += row.seats_taken();
        }
        let own: Vec<_> = shares.iter().filter(|s| s.organisation_id == *org).collect();
        let enrolment = Enrolment {
            organisation: person.name.clone(),
            course: course.clone(),
            seats: seats.into_iter().collect(),
            participants: participants::names_of(conn, cohort, *org)?,
            partners: people.iter().filter(|(other, _)| *other != org).map(|(_, p)| p.name.clone()).collect(),
            split_rule: rule,
            amount: own.iter().map(|s| s.amount_ore).sum(),
            amount_incl_vat: own.iter().map(|s| s.amount_incl_vat_ore).sum(),
            savings: own.iter().map(|s| s.savings_ore).sum(),
        };
        let mail = messages::enrolment(person.lang, &enrolment);
        let key = format!("enrolment:{cohort}:{org}:{cause}");
        let email = new_email(key, "enrolment_summary", (*org, cohort), &person.coordinator_email, mail);
        outbox::enqueue(conn, NewEmail { coalesce_key: about(cohort, *org), ..email }, settings.coalesce())?;
    }
    Ok(())
}

/// Queues an invoicing summary for the finance team of every organisation
/// with lines in split version `version` of the cohort: those lines, their
/// total, and what remains of each agreement's budget.
pub fn invoicing_summaries(conn: &mut DbConnection, cohort: CohortId, version: i32) -> Result<(), AppError> {
    let record = cohorts::find(conn, cohort)?;
    let lines: Vec<_> =
        invoice::cohort_lines(conn, cohort)?.into_iter().filter(|l| l.split_version == version).collect();
    let agreement_orgs: BTreeMap<AgreementId, OrganisationId> = agreements::table
        .filter(agreements::id.eq_any(lines.iter().map(|l| l.agreement_id).collect::<Vec<_>>()))
        .select((agreements::id, agreements::organisation_id))
        .load(conn)?
        .into_iter()
        .collect();
    let orgs: BTreeSet<OrganisationId> = agreement_orgs.values().copied().collect();
    let people = recipients(conn, &orgs)?;
    let course = course_facts(conn, &record)?;
    for (org, person) in &people {
        let own: Vec<_> = lines.iter().filter(|l| agreement_orgs.get(&l.agreement_id) == Some(org)).cloned().collect();
        let mut remaining: Vec<(String, Ore)> = Vec::new();
        for agreement_id in own.iter().map(|l| l.agreement_id).collect::<BTreeSet<_>>() {
            let agreement = agreement_registry::find(conn, agreement_id)?;
            remaining.push((agreement.reference.clone(), ledger::budget(conn, &agreement)?.remaining_ore));
        }
        let summary = InvoicingSummary {
            organisation: person.name.clone(),
            course: course.clone(),
            totals: InvoicingTotals::of(&own),
            lines: own,
            remaining,
        };
        let mail = messages::invoicing(person.lang, &summary);
        let key = format!("invoicing:{cohort}:{org}:v{version}");
        let email = new_email(key, "invoicing_summary", (*org, cohort), &person.finance_email, mail);
        outbox::enqueue(conn, email, Duration::zero())?;
    }
    Ok(())
}

/// Tells an organisation's coordinator that its waitlisted seats are its own.
pub fn waitlist_promotion(
    conn: &mut DbConnection,
    cohort: CohortId,
    organisation: OrganisationId,
    seats: i32,
    entry: crate::ids::WaitlistId,
) -> Result<(), AppError> {
    let record = cohorts::find(conn, cohort)?;
    let course = course_facts(conn, &record)?;
    for (org, person) in recipients(conn, &BTreeSet::from([organisation]))? {
        let mail = messages::promoted(person.lang, &person.name, &course, seats);
        let key = format!("promoted:{cohort}:{org}:{entry}");
        let email = new_email(key, "waitlist_promotion", (org, cohort), &person.coordinator_email, mail);
        outbox::enqueue(conn, email, Duration::zero())?;
    }
    Ok(())
}

/// Queues an invitation to take open seats, priced for the organisation;
/// one a day at most. Returns the address it goes to.
pub fn invitation(
    conn: &mut DbConnection,
    today: chrono::NaiveDate,
    record: &CohortRecord,
    organisation: OrganisationId,
    open: &crate::cohorts::open_seats::OpenCohort,
) -> Result<String, AppError> {
    let course = course_facts(conn, record)?;
    let people = recipients(conn, &BTreeSet::from([organisation]))?;
    let person = people.get(&organisation).ok_or(AppError::NotFound("organisation"))?;
    let offer = messages::Offer {
        prices: open.what_if.iter().map(|w| (w.seats, w.you_pay_ore, w.price_per_seat_ore)).collect(),
    };
    let mail = messages::invitation(person.lang, &person.name, &course, open.open_seats, &offer);
    let key = format!("invite:{}:{organisation}:{today}", record.id);
    let email = new_email(key, "invitation", (organisation, record.id), &person.coordinator_email, mail);
    outbox::enqueue(conn, email, Duration::zero())?;
    Ok(person.coordinator_email.clone())
}

/// A near-viable cohort of a plan, priced for one organisation.
pub struct NearViable<'a> {
    pub course: &'a crate::registry::courses::Course,
    pub term: crate::registry::term::Term,
    pub plan: crate::ids::PlanId,
    /// Seats asked for and left unplaced in that term.
    pub seats_waiting: i32,
    /// How many more make the minimum.
    pub missing: i32,
    /// (seats brought, what the organisation would pay, everyone's price per seat).
    pub prices: Vec<(i32, Ore, Ore)>,
}

/// Queues an invitation to bring the seats a near-viable cohort lacks; one a
/// day at most. Returns the address it goes to.
pub fn near_viable_invitation(
    conn: &mut DbConnection,
    today: chrono::NaiveDate,
    organisation: OrganisationId,
    about: &NearViable<'_>,
) -> Result<String, AppError> {
    let course = CourseFacts {
        code: about.course.code.clone(),
        title: about.course.title.clone(),
        credits_tenths: about.course.credits_tenths,
        term: about.term.display_name(),
        starts_on: None,
        ends_on: None,
        cancellation_deadline: None,
    };
    let people = recipients(conn, &BTreeSet::from([organisation]))?;
    let person = people.get(&organisation).ok_or(AppError::NotFound("organisation"))?;
    let offer = messages::Offer { prices: about.prices.clone() };
    let mail = messages::near_viable(person.lang, &person.name, &course, about.seats_waiting, about.missing, &offer);
    let key = format!("invite-near-viable:{}:{}:{}:{organisation}:{today}", about.plan, about.course.id, about.term);
    let email = NewEmail {
        idempotency_key: key,
        coalesce_key: None,
        kind: "invitation",
        organisation_id: Some(organisation),
        cohort_id: None,
        to: person.coordinator_email.clone(),
        subject: mail.subject,
        html: mail.html,
        text: mail.text,
    };
    outbox::enqueue(conn, email, Duration::zero())?;
    Ok(person.coordinator_email.clone())
}

/// Queues a cancellation notice for the coordinator of each organisation
/// that was in the cohort. It takes the place of a summary of the same
/// cohort still waiting to be sent, which would now be wrong.
pub fn cancellation_notices(
    conn: &mut DbConnection,
    cohort: CohortId,
    organisations: &BTreeSet<OrganisationId>,
    reason: Option<&str>,
) -> Result<(), AppError> {
    let record = cohorts::find(conn, cohort)?;
    let course = course_facts(conn, &record)?;
    for (org, person) in recipients(conn, organisations)? {
        let mail = messages::cancelled(person.lang, &person.name, &course, reason);
        let key = format!("cancelled:{cohort}:{org}");
        let email = new_email(key, "cohort_cancelled", (org, cohort), &person.coordinator_email, mail);
        outbox::enqueue(conn, NewEmail { coalesce_key: about(cohort, org), ..email }, Duration::zero())?;
    }
    Ok(())
}
