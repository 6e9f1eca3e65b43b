//! Invoicing a confirmed cohort (rules.md, "After confirmation"): the first
//! invoice locks the current split and writes one line per agreement; every
//! later version of the split (a join, a withdrawal, a cancellation) is
//! invoiced at once as its difference, a debit or a credit line, so the
//! lines of each agreement always sum to its current share.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use super::line::{Invoicing, InvoicingLine, InvoicingTotals, LineKind};
use crate::access::Caller;
use crate::audit::{self, AuditAction};
use crate::cohorts::{self, CohortStatus};
use crate::db::DbConnection;
use crate::db::schema::{agreements, cohorts as cohort_table, courses, invoice_lines, organisations, split_versions};
use crate::email::notices;
use crate::error::{AppError, Problems};
use crate::ids::{AgreementId, CohortId, InvoiceLineId, OrganisationId, SplitId};
use crate::money::Ore;
use crate::registry::agreements::parse_date;
use crate::registry::now;
use crate::splitting::{Share, SplitRule};

/// A cohort's invoicing lines, as `POST /cohorts/{id}/invoice` answers.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CohortInvoicing {
    #[schema(value_type = i64)]
    pub cohort_id: CohortId,
    /// The split version the lines now add up to.
    pub split_version: i32,
    pub lines: Vec<InvoicingLine>,
    pub totals: InvoicingTotals,
}

/// The split version to invoice: its id, number and shares.
pub(crate) struct Invoiceable<'a> {
    pub split_id: SplitId,
    pub version: i32,
    pub shares: &'a [Share],
}

/// A new version of an invoiced cohort's split (a join, a withdrawal, a
/// cancellation) is invoiced at once, as its difference; a cohort not yet
/// invoiced waits for `POST …/invoice`.
pub(crate) fn invoice_if_invoiced(
    conn: &mut DbConnection,
    caller: &Caller,
    today: NaiveDate,
    cohort: CohortId,
    target: &Invoiceable<'_>,
) -> Result<(), AppError> {
    if is_invoiced(conn, cohort)? {
        invoice_version(conn, caller, today, cohort, target)?;
    }
    Ok(())
}

/// Writes the lines of a split version (`invoice_difference`) and queues the
/// invoicing summaries of the organisations that got lines. Returns how many
/// lines were written.
fn invoice_version(
    conn: &mut DbConnection,
    caller: &Caller,
    today: NaiveDate,
    cohort: CohortId,
    target: &Invoiceable<'_>,
) -> Result<usize, AppError> {
    let written = invoice_difference(conn, caller, today, cohort, target)?;
    if written > 0 {
        notices::invoicing_summaries(conn, cohort, target.version)?;
    }
    Ok(written)
}

/// Writes the lines that bring each agreement's invoiced amounts to its
/// share in `target`: the whole share for an agreement not yet invoiced,
/// the difference for one that was. Returns how many lines were written.
fn invoice_difference(
    conn: &mut DbConnection,
    caller: &Caller,
    today: NaiveDate,
    cohort: CohortId,
    target: &Invoiceable<'_>,
) -> Result<usize, AppError> {
    // What each agreement has been invoiced so far: amount, VAT, savings.
    let rows: Vec<(AgreementId, OrganisationId, Ore, Ore, Ore)> = invoice_lines::table
        .filter(invoice_lines::cohort_id.eq(cohort))
        .select((
            invoice_lines::agreement_id,
            invoice_lines::organisation_id,
            invoice_lines::amount_ore,
            invoice_lines::vat_ore,
            invoice_lines::savings_ore,
        ))
        .load(conn)?;
    let mut invoiced: BTreeMap<AgreementId, (OrganisationId, Ore, Ore, Ore)> = BTreeMap::new();
    for (agreement, organisation, amount, vat, savings) in rows {
        let entry = invoiced.entry(agreement).or_insert((organisation, Ore::ZERO, Ore::ZERO, Ore::ZERO));
        entry.1 += amount;
        entry.2 += vat;
        entry.3 += savings;
    }
    let mut agreements: Vec<AgreementId> = target.shares.iter().map(|s| s.agreement_id).collect();
    agreements.extend(invoiced.keys().copied());
    agreements.sort();
    agreements.dedup();

    let mut written = 0;
    for agreement in agreements {
        let share = target.shares.iter().find(|s| s.agreement_id == agreement);
        let before = invoiced.get(&agreement);
        let (organisation, seats, amount, vat, savings) = match (share, before) {
            (Some(s), Some(&(_, amount, vat, savings))) => {
                (s.organisation_id, s.seats, s.amount_ore - amount, s.vat_ore - vat, s.savings_ore - savings)
            }
            (Some(s), None) => (s.organisation_id, s.seats, s.amount_ore, s.vat_ore, s.savings_ore),
            // The agreement left the cohort: everything invoiced is credited.
            (None, Some(&(organisation, amount, vat, savings))) => (organisation, 0, -amount, -vat, -savings),
            (None, None) => continue,
        };
        let kind = match before {
            None => LineKind::Invoice,
            Some(_) if amount == Ore::ZERO && vat == Ore::ZERO && savings == Ore::ZERO => continue,
            Some(_) if amount.is_negative() => LineKind::Credit,
            Some(_) => LineKind::Debit,
        };
        diesel::insert_into(invoice_lines::table)
            .values((
                invoice_lines::cohort_id.eq(cohort),
                invoice_lines::split_id.eq(target.split_id),
                invoice_lines::agreement_id.eq(agreement),
                invoice_lines::organisation_id.eq(organisation),
                invoice_lines::kind.eq(kind.as_str()),
                invoice_lines::seats.eq(seats),
                invoice_lines::amount_ore.eq(amount),
                invoice_lines::vat_ore.eq(vat),
                invoice_lines::amount_incl_vat_ore.eq(amount + vat),
                invoice_lines::savings_ore.eq(savings),
                invoice_lines::invoiced_on.eq(today),
                invoice_lines::created_at.eq(now()),
                invoice_lines::created_by.eq(caller.user_id),
            ))
            .execute(conn)?;
        written += 1;
    }
    Ok(written)
}

/// Whether the cohort has been invoiced, so that later versions of its split
/// must be invoiced as differences.
fn is_invoiced(conn: &mut DbConnection, cohort: CohortId) -> Result<bool, AppError> {
    let lines: i64 = invoice_lines::table.filter(invoice_lines::cohort_id.eq(cohort)).count().get_result(conn)?;
    Ok(lines > 0)
}

/// Invoices a confirmed cohort's current split (coordinators). Invoicing
/// again writes nothing new and answers the same; the flag says whether
/// lines were written.
pub fn invoice(
    conn: &mut DbConnection,
    caller: &Caller,
    today: NaiveDate,
    id: CohortId,
) -> Result<(CohortInvoicing, bool), AppError> {
    caller.require_coordinator("invoice cohorts")?;
    crate::db::write_transaction(conn, |conn| {
        let record = cohorts::lock(conn, id)?;
        let invoiced_before = is_invoiced(conn, id)?;
        let status = record.status();
        if status != CohortStatus::Confirmed && !(status == CohortStatus::Cancelled && invoiced_before) {
            return Err(AppError::conflict(
                "cohort",
                format!("the cohort is {}; only confirmed cohorts are invoiced", status.as_str()),
            ));
        }
        let (version, shares) = cohorts::splits::current_of(conn, &record)?
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("confirmed cohort {id} has no split")))?;
        let target = Invoiceable { split_id: version.id, version: version.version, shares: &shares };
        let written = invoice_version(conn, caller, today, id, &target)?;
        if written > 0 {
            audit::record(
                conn,
                caller,
                AuditAction::Invoice,
                Some(id),
                None,
                json!({ "split_version": version.version, "lines": written }),
            )?;
        }
        let lines = lines(conn, LineFilter::Cohort(id))?;
        let totals = InvoicingTotals::of(&lines);
        Ok((CohortInvoicing { cohort_id: id, split_version: version.version, lines, totals }, written > 0))
    })
}

/// A cohort's invoicing lines, oldest first.
pub(crate) fn cohort_lines(conn: &mut DbConnection, cohort: CohortId) -> Result<Vec<InvoicingLine>, AppError> {
    lines(conn, LineFilter::Cohort(cohort))
}

/// Which lines to read.
enum LineFilter {
    Cohort(CohortId),
    Organisation { id: OrganisationId, from: Option<NaiveDate>, to: Option<NaiveDate> },
}

type LineRow = (
    (InvoiceLineId, NaiveDate, CohortId, String, String, String),
    (AgreementId, String, i32, String, String, i32),
    (Ore, Ore, Ore, Ore),
);

fn lines(conn: &mut DbConnection, filter: LineFilter) -> Result<Vec<InvoicingLine>, AppError> {
    let mut query = invoice_lines::table
        .inner_join(cohort_table::table.inner_join(courses::table))
        .inner_join(agreements::table)
        .inner_join(split_versions::table)
        .select((
            (
                invoice_lines::id,
                invoice_lines::invoiced_on,
                invoice_lines::cohort_id,
                courses::code,
                courses::title,
                cohort_table::term,
            ),
            (
                invoice_lines::agreement_id,
                agreements::reference,
                split_versions::version,
                invoice_lines::kind,
                split_versions::split_rule,
                invoice_lines::seats,
            ),
            (
                invoice_lines::amount_ore,
                invoice_lines::vat_ore,
                invoice_lines::amount_incl_vat_ore,
                invoice_lines::savings_ore,
            ),
        ))
        .into_boxed();
    match filter {
        LineFilter::Cohort(id) => query = query.filter(invoice_lines::cohort_id.eq(id)),
        LineFilter::Organisation { id, from, to } => {
            query = query.filter(invoice_lines::organisation_id.eq(id));
            if let Some(from) = from {
                query = query.filter(invoice_lines::invoiced_on.ge(from));
            }
            if let Some(to) = to {
                query = query.filter(invoice_lines::invoiced_on.le(to));
            }
        }
    }
    let rows: Vec<LineRow> = query.order(invoice_lines::id).load(conn)?;
    rows.into_iter()
        .map(
            |(
                (id, invoiced_on, cohort_id, course_code, course_title, term),
                (agreement_id, agreement_reference, split_version, kind, rule, seats),
                (amount_ore, vat_ore, amount_incl_vat_ore, savings_ore),
            )| {
                let kind =
                    LineKind::parse(&kind).ok_or_else(|| anyhow::anyhow!("invoice line {id} has kind {kind:?}"))?;
                let split_rule = SplitRule::parse(&rule).map_err(|e| anyhow::anyhow!("invoice line {id}: {e}"))?;
                Ok(InvoicingLine {
                    id,
                    invoiced_on,
                    cohort_id,
                    course_code,
                    course_title,
                    term,
                    agreement_id,
                    agreement_reference,
                    split_version,
                    kind,
                    seats,
                    split_rule,
                    amount_ore,
                    vat_ore,
                    amount_incl_vat_ore,
                    savings_ore,
                })
            },
        )
        .collect()
}

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// First day, `YYYY-MM-DD` (the day a line was invoiced).
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD`.
    pub to: Option<String>,
}

/// An organisation's invoicing lines in a period. Organisation and finance
/// users see only their own organisation's; any other is "not found".
pub fn for_organisation(
    conn: &mut DbConnection,
    caller: &Caller,
    id: OrganisationId,
    period: &PeriodQuery,
) -> Result<Invoicing, AppError> {
    if !caller.can_see(id) {
        return Err(AppError::NotFound("organisation"));
    }
    let mut problems = Problems::new();
    let from = period.from.as_deref().and_then(|text| problems.check("from", parse_date(text)));
    let to = period.to.as_deref().and_then(|text| problems.check("to", parse_date(text)));
    if let (Some(from), Some(to)) = (from, to)
        && to < from
    {
        problems.add("to", format!("the period ends ({to}) before it begins ({from})"));
    }
    problems.into_result()?;
    let (organisation_name, org_number) = organisations::table
        .find(id)
        .select((organisations::name, organisations::org_number))
        .first::<(String, String)>(conn)
        .optional()?
        .ok_or(AppError::NotFound("organisation"))?;
    let lines = lines(conn, LineFilter::Organisation { id, from, to })?;
    let totals = InvoicingTotals::of(&lines);
    Ok(Invoicing { organisation_id: id, organisation_name, org_number, from, to, lines, totals })
}
