//! Confirming a proposed cohort: the coordinator fixes the split rule, the
//! dates and the cancellation deadline, and the cohort's cost is committed
//! against each agreement's budget as split version 1.

use chrono::{Days, NaiveDate};
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::ChangeContext;
use super::records::{AllocationRecord, CohortRecord, CohortStatus};
use super::splits::{self, NewVersion, SplitChange};
use super::views::CohortView;
use crate::access::Caller;
use crate::audit::{self, AuditAction};
use crate::config::PricingSettings;
use crate::db::DbConnection;
use crate::db::schema::cohorts;
use crate::email::notices;
use crate::error::{AppError, Problems};
use crate::ids::{AgreementId, CohortId, OrganisationId};
use crate::invoicing::ledger;
use crate::registry::agreements::parse_date;
use crate::registry::{now, required_text};
use crate::splitting::{Party, SplitRule};

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmInput {
    /// `per_seat`, `equal_fixed`, `employees_weighted` or `host_fixed`;
    /// the configured default when left out.
    pub split_rule: Option<String>,
    /// Only for `host_fixed`: the organisation that pays the fixed fee.
    /// Default: the one with the most seats.
    pub host_organisation_id: Option<i64>,
    /// First day of teaching, `YYYY-MM-DD`, within the cohort's term.
    pub starts_on: Option<String>,
    /// Last day of teaching, `YYYY-MM-DD`.
    pub ends_on: Option<String>,
    /// Last day seats may be withdrawn without paying for them, and joins
    /// taken, `YYYY-MM-DD`. Default: a configured number of days before the
    /// start (or the term's first day), but not before today.
    pub cancellation_deadline: Option<String>,
    /// Needed when an agreement's remaining budget cannot carry its share;
    /// kept in the audit log.
    pub override_budget_reason: Option<String>,
}

/// The input, checked.
struct Terms {
    rule: SplitRule,
    host_organisation: Option<OrganisationId>,
    starts_on: Option<NaiveDate>,
    ends_on: Option<NaiveDate>,
    cancellation_deadline: NaiveDate,
    override_reason: Option<String>,
}

/// Confirms a proposed cohort. Confirming one already confirmed with the
/// same terms answers as the first time and changes nothing.
pub fn confirm(
    conn: &mut DbConnection,
    caller: &Caller,
    ctx: &ChangeContext,
    id: CohortId,
    input: ConfirmInput,
) -> Result<CohortView, AppError> {
    caller.require_coordinator("confirm cohorts")?;
    let (today, pricing) = (ctx.today, &ctx.settings.pricing);
    crate::db::write_transaction(conn, |conn| {
        let record = super::lock(conn, id)?;
        let rows = super::allocations(conn, id)?;
        let parties = splits::parties(conn, &rows)?;
        let terms = check(&input, &record, &parties, today, pricing)?;
        match record.status() {
            CohortStatus::Confirmed => {
                same_terms(&record, &terms, &input)?;
                return super::get(conn, caller, today, id, pricing.vat());
            }
            CohortStatus::Proposed => {}
            other => {
                return Err(AppError::conflict(
                    "cohort",
                    format!("the cohort is {} and cannot be confirmed", other.as_str()),
                ));
            }
        }
        if record.size() < record.min_participants {
            return Err(AppError::conflict(
                "cohort",
                format!(
                    "the cohort has {} seats, below the course's minimum of {}",
                    record.size(),
                    record.min_participants
                ),
            ));
        }
        let host = host_agreement(&rows, terms.host_organisation);
        let split = splits::compute(&record, &parties, terms.rule, host, pricing.vat())?;
        let shortfalls = ledger::shortfalls(conn, id, &split.shares)?;
        if !shortfalls.is_empty() {
            let Some(reason) = &terms.override_reason else { return Err(AppError::OverBudget(shortfalls)) };
            audit::record(
                conn,
                caller,
                AuditAction::OverrideBudget,
                Some(id),
                None,
                json!({ "reason": reason, "shortfalls": shortfalls }),
            )?;
        }
        diesel::update(cohorts::table.find(id))
            .set((
                cohorts::status.eq(CohortStatus::Confirmed.as_str()),
                cohorts::split_rule.eq(terms.rule.as_str()),
                cohorts::host_organisation_id.eq(terms.host_organisation),
                cohorts::starts_on.eq(terms.starts_on),
                cohorts::ends_on.eq(terms.ends_on),
                cohorts::cancellation_deadline.eq(terms.cancellation_deadline),
                cohorts::confirmed_at.eq(now()),
                cohorts::updated_at.eq(now()),
            ))
            .execute(conn)?;
        let description = format!("confirmed with {} by {}", terms.rule.as_str(), caller.email);
        let (_, version) = splits::store(
            conn,
            caller,
            &record,
            NewVersion {
                change: SplitChange::Confirm,
                description,
                host,
                split: &split,
                parties: &parties,
                vat: pricing.vat(),
            },
        )?;
        audit::record(
            conn,
            caller,
            AuditAction::Confirm,
            Some(id),
            None,
            json!({
                "split_rule": terms.rule, "split_version": version, "total_ore": split.total,
                "cancellation_deadline": terms.cancellation_deadline,
                "shares": split.shares.iter().map(|s| json!({"agreement_id": s.agreement_id, "amount_ore": s.amount_ore})).collect::<Vec<_>>(),
            }),
        )?;
        notices::enrolment_summaries(conn, &ctx.settings.email, id, &format!("v{version}"))?;
        super::get(conn, caller, today, id, pricing.vat())
    })
}

fn check(
    input: &ConfirmInput,
    record: &CohortRecord,
    parties: &[Party],
    today: NaiveDate,
    pricing: &PricingSettings,
) -> Result<Terms, AppError> {
    let mut problems = Problems::new();
    let rule = match &input.split_rule {
        Some(text) => problems.check("split_rule", SplitRule::parse(text)),
        None => Some(pricing.default_split_rule),
    };
    let host_organisation = match (rule, input.host_organisation_id) {
        (Some(SplitRule::HostFixed), Some(org)) => {
            if parties.iter().any(|p| p.organisation_id == OrganisationId(org)) {
                Some(OrganisationId(org))
            } else {
                problems.add("host_organisation_id", format!("organisation {org} has no seats in this cohort"));
                None
            }
        }
        (Some(SplitRule::HostFixed), None) => most_seats(parties),
        (Some(_), Some(_)) => {
            problems.add("host_organisation_id", "only the host_fixed rule has a host");
            None
        }
        (_, None) | (None, _) => None,
    };
    let date = |problems: &mut Problems, field: &str, text: &Option<String>| {
        text.as_ref().and_then(|text| problems.check(field, parse_date(text)))
    };
    let starts_on = date(&mut problems, "starts_on", &input.starts_on);
    let ends_on = date(&mut problems, "ends_on", &input.ends_on);
    let deadline = date(&mut problems, "cancellation_deadline", &input.cancellation_deadline);
    let term = record.term();
    if let (Some(starts_on), Some(term)) = (starts_on, term)
        && !(term.first_day() <= starts_on && starts_on <= term.last_day())
    {
        problems.add(
            "starts_on",
            format!("must lie within the cohort's term {term} ({} – {})", term.first_day(), term.last_day()),
        );
    }
    match (starts_on, ends_on) {
        (Some(starts_on), Some(ends_on)) if ends_on < starts_on => {
            problems.add("ends_on", format!("the cohort ends ({ends_on}) before it starts ({starts_on})"));
        }
        (None, Some(_)) if input.starts_on.is_none() => problems.add("ends_on", "give starts_on too"),
        _ => {}
    }
    let begins = starts_on.or(term.map(|t| t.first_day()));
    if let Some(deadline) = deadline {
        if deadline < today {
            problems.add("cancellation_deadline", format!("{deadline} has passed"));
        } else if let Some(begins) = begins
            && deadline >= begins
        {
            problems.add("cancellation_deadline", format!("must be before the cohort begins ({begins})"));
        }
    }
    let override_reason = match &input.override_budget_reason {
        Some(text) => problems.check("override_budget_reason", required_text(text, 1000)),
        None => None,
    };
    problems.into_result()?;
    let default_deadline = begins
        .and_then(|b| b.checked_sub_days(Days::new(u64::from(pricing.cancellation_notice_days))))
        .map_or(today, |d| d.max(today));
    Ok(Terms {
        rule: rule.expect("checked"),
        host_organisation,
        starts_on,
        ends_on,
        cancellation_deadline: deadline.unwrap_or(default_deadline),
        override_reason,
    })
}

/// A second confirm must not ask for something else than the first got.
fn same_terms(record: &CohortRecord, terms: &Terms, input: &ConfirmInput) -> Result<(), AppError> {
    let differs = |field: &str, now: String| {
        AppError::conflict(field, format!("the cohort is already confirmed with {field} {now}"))
    };
    if input.split_rule.is_some() && record.split_rule() != Some(terms.rule) {
        return Err(differs("split_rule", record.split_rule.clone().unwrap_or_default()));
    }
    if input.host_organisation_id.is_some() && record.host_organisation_id != terms.host_organisation {
        return Err(differs("host_organisation_id", format!("{:?}", record.host_organisation_id.map(|o| o.0))));
    }
    let dates = [
        ("starts_on", input.starts_on.is_some(), record.starts_on, terms.starts_on),
        ("ends_on", input.ends_on.is_some(), record.ends_on, terms.ends_on),
        (
            "cancellation_deadline",
            input.cancellation_deadline.is_some(),
            record.cancellation_deadline,
            Some(terms.cancellation_deadline),
        ),
    ];
    for (field, given, stored, asked) in dates {
        if given && stored != asked {
            return Err(differs(field, stored.map_or("unset".to_owned(), |d| d.to_string())));
        }
    }
    Ok(())
}

/// The organisation with the most seats; ties go to the smaller org number,
/// as rounding ties do.
fn most_seats(parties: &[Party]) -> Option<OrganisationId> {
    let mut seats: std::collections::BTreeMap<OrganisationId, (i32, &str)> = std::collections::BTreeMap::new();
    for p in parties {
        let entry = seats.entry(p.organisation_id).or_insert((0, &p.org_number));
        entry.0 += p.seats;
    }
    seats.into_iter().min_by(|a, b| b.1.0.cmp(&a.1.0).then(a.1.1.cmp(b.1.1))).map(|(org, _)| org)
}

/// The host organisation's agreement with the most seats in the cohort
/// (the smaller id on a tie): the one its fixed fee is charged to.
pub(crate) fn host_agreement(rows: &[AllocationRecord], host: Option<OrganisationId>) -> Option<AgreementId> {
    let host = host?;
    let mut seats: std::collections::BTreeMap<AgreementId, i32> = std::collections::BTreeMap::new();
    for row in rows.iter().filter(|r| r.organisation_id == host) {
        *seats.entry(row.agreement_id).or_default() += row.seats + row.extra_seats;
    }
    seats.into_iter().min_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0))).map(|(agreement, _)| agreement)
}
