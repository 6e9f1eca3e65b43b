//! Split versions: the cost split of a confirmed cohort as stored. Every
//! change to a confirmed cohort (a join, a withdrawal, a cancellation) adds
//! a version; none is ever changed, so the history says who paid what when.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use super::records::{AllocationRecord, CohortRecord};
use super::views::fees;
use crate::access::Caller;
use crate::db::DbConnection;
use crate::db::schema::{cohorts, split_shares, split_versions, users};
use crate::error::AppError;
use crate::ids::{AgreementId, CohortId, OrganisationId, SplitId, UserId};
use crate::money::Ore;
use crate::registry::now;
use crate::splitting::{self, Party, Share, Split, SplitRule, VatRate};

/// What made a split version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SplitChange {
    Confirm,
    Join,
    Withdraw,
    /// The cohort was cancelled: every share is zero.
    Cancel,
}

impl SplitChange {
    pub fn as_str(self) -> &'static str {
        match self {
            SplitChange::Confirm => "confirm",
            SplitChange::Join => "join",
            SplitChange::Withdraw => "withdraw",
            SplitChange::Cancel => "cancel",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [Self::Confirm, Self::Join, Self::Withdraw, Self::Cancel].into_iter().find(|c| c.as_str() == text)
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = split_versions)]
pub struct SplitVersionRecord {
    pub id: SplitId,
    pub cohort_id: CohortId,
    pub version: i32,
    pub split_rule: String,
    pub host_agreement_id: Option<AgreementId>,
    pub change: String,
    pub description: String,
    pub size: i32,
    pub total_ore: Ore,
    pub vat_rate_percent: i32,
    pub created_at: NaiveDateTime,
    pub created_by: Option<UserId>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = split_shares)]
struct ShareRecord {
    split_id: SplitId,
    agreement_id: AgreementId,
    organisation_id: OrganisationId,
    org_number: String,
    employees: i32,
    seats: i32,
    amount_ore: Ore,
    fixed_part_ore: Ore,
    variable_part_ore: Ore,
    vat_ore: Ore,
    amount_incl_vat_ore: Ore,
    standalone_ore: Ore,
    savings_ore: Ore,
}

impl ShareRecord {
    fn into_share(self) -> Share {
        Share {
            agreement_id: self.agreement_id,
            organisation_id: self.organisation_id,
            org_number: self.org_number,
            seats: self.seats,
            amount_ore: self.amount_ore,
            fixed_part_ore: self.fixed_part_ore,
            variable_part_ore: self.variable_part_ore,
            vat_ore: self.vat_ore,
            amount_incl_vat_ore: self.amount_incl_vat_ore,
            standalone_ore: self.standalone_ore,
            savings_ore: self.savings_ore,
        }
    }
}

/// One version of a cohort's split, as `GET /cohorts/{id}/splits` lists it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SplitVersionView {
    pub version: i32,
    pub split_rule: SplitRule,
    /// The agreement that pays the fixed fee under `host_fixed`.
    #[schema(value_type = Option<i64>)]
    pub host_agreement_id: Option<AgreementId>,
    pub change: SplitChange,
    /// What changed, for people: "Ånge kommun (SKO-ANG-01) joined with 2 seats".
    pub description: String,
    /// Who made the change.
    pub changed_by: Option<String>,
    #[serde(with = "crate::registry::utc_timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub changed_at: NaiveDateTime,
    /// Seats paid for.
    pub size: i32,
    #[schema(value_type = i64)]
    pub total_ore: Ore,
    #[schema(value_type = i64)]
    pub vat_ore: Ore,
    pub vat_rate_percent: i32,
    pub shares: Vec<Share>,
}

/// A cohort's parties as they stand: one per agreement, with its firm and
/// extra seats (withdrawn-after-deadline seats included: they are paid for)
/// and its organisation's number and employees.
pub(crate) fn parties(conn: &mut DbConnection, rows: &[AllocationRecord]) -> Result<Vec<Party>, AppError> {
    let mut org_ids: Vec<OrganisationId> = rows.iter().map(|r| r.organisation_id).collect();
    org_ids.sort();
    org_ids.dedup();
    Ok(super::views::parties(rows, &super::views::org_facts(conn, &org_ids)?))
}

/// Splits the cohort's cost among `parties` by `rule`.
pub(crate) fn compute(
    record: &CohortRecord,
    parties: &[Party],
    rule: SplitRule,
    host: Option<AgreementId>,
    vat: VatRate,
) -> Result<Split, AppError> {
    splitting::split(rule, &fees(record), parties, host, vat)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("cohort {}: {e}", record.id)))
}

/// A version about to be stored.
pub(crate) struct NewVersion<'a> {
    pub change: SplitChange,
    pub description: String,
    pub host: Option<AgreementId>,
    pub split: &'a Split,
    /// Employees per agreement, as weighed.
    pub parties: &'a [Party],
    pub vat: VatRate,
}

/// Stores the next version of the cohort's split and makes it current.
pub(crate) fn store(
    conn: &mut DbConnection,
    caller: &Caller,
    record: &CohortRecord,
    new: NewVersion<'_>,
) -> Result<(SplitId, i32), AppError> {
    let version = record.split_version.unwrap_or(0) + 1;
    let size: i32 = new.split.shares.iter().map(|s| s.seats).sum();
    let id = diesel::insert_into(split_versions::table)
        .values((
            split_versions::cohort_id.eq(record.id),
            split_versions::version.eq(version),
            split_versions::split_rule.eq(new.split.rule.as_str()),
            split_versions::host_agreement_id.eq(new.host),
            split_versions::change.eq(new.change.as_str()),
            split_versions::description.eq(&new.description),
            split_versions::size.eq(size),
            split_versions::total_ore.eq(new.split.total),
            split_versions::vat_rate_percent.eq(i32::try_from(new.vat.percent()).unwrap_or(i32::MAX)),
            split_versions::created_at.eq(now()),
            split_versions::created_by.eq(caller.user_id),
        ))
        .returning(split_versions::id)
        .get_result::<SplitId>(conn)?;
    let employees: HashMap<AgreementId, i32> = new.parties.iter().map(|p| (p.agreement_id, p.employees)).collect();
    let rows: Vec<ShareRecord> = new
        .split
        .shares
        .iter()
        .map(|s| ShareRecord {
            split_id: id,
            agreement_id: s.agreement_id,
            organisation_id: s.organisation_id,
            org_number: s.org_number.clone(),
            employees: employees.get(&s.agreement_id).copied().unwrap_or_default(),
            seats: s.seats,
            amount_ore: s.amount_ore,
            fixed_part_ore: s.fixed_part_ore,
            variable_part_ore: s.variable_part_ore,
            vat_ore: s.vat_ore,
            amount_incl_vat_ore: s.amount_incl_vat_ore,
            standalone_ore: s.standalone_ore,
            savings_ore: s.savings_ore,
        })
        .collect();
    // A cohort has a handful of parties: one INSERT each is quick enough.
    for row in &rows {
        diesel::insert_into(split_shares::table).values(row).execute(conn)?;
    }
    diesel::update(cohorts::table.find(record.id)).set(cohorts::split_version.eq(version)).execute(conn)?;
    Ok((id, version))
}

/// The current version of each confirmed or cancelled cohort among `records`.
pub(crate) fn current(
    conn: &mut DbConnection,
    records: &[CohortRecord],
) -> Result<HashMap<CohortId, (SplitVersionRecord, Vec<Share>)>, AppError> {
    let mut found = HashMap::new();
    let with_split: Vec<CohortId> = records.iter().filter(|r| r.split_version.is_some()).map(|r| r.id).collect();
    for ids in with_split.chunks(super::views::CHUNK) {
        let versions: Vec<SplitVersionRecord> = split_versions::table
            .inner_join(cohorts::table)
            .filter(cohorts::id.eq_any(ids))
            .filter(cohorts::split_version.eq(split_versions::version.nullable()))
            .select(SplitVersionRecord::as_select())
            .load(conn)?;
        let mut shares = shares_of(conn, &versions.iter().map(|v| v.id).collect::<Vec<_>>())?;
        for version in versions {
            let shares = shares.remove(&version.id).unwrap_or_default();
            found.insert(version.cohort_id, (version, shares));
        }
    }
    Ok(found)
}

/// The current version of one cohort's split, if it has one.
pub(crate) fn current_of(
    conn: &mut DbConnection,
    record: &CohortRecord,
) -> Result<Option<(SplitVersionRecord, Vec<Share>)>, AppError> {
    Ok(current(conn, std::slice::from_ref(record))?.remove(&record.id))
}

/// The agreement that pays the fixed fee in the cohort's current split,
/// under `host_fixed`.
pub(crate) fn current_host(conn: &mut DbConnection, record: &CohortRecord) -> Result<Option<AgreementId>, AppError> {
    let Some(version) = record.split_version else { return Ok(None) };
    Ok(split_versions::table
        .filter(split_versions::cohort_id.eq(record.id))
        .filter(split_versions::version.eq(version))
        .select(split_versions::host_agreement_id)
        .first::<Option<AgreementId>>(conn)
        .optional()?
        .flatten())
}

fn shares_of(conn: &mut DbConnection, split_ids: &[SplitId]) -> Result<HashMap<SplitId, Vec<Share>>, AppError> {
    let rows: Vec<ShareRecord> = split_shares::table
        .filter(split_shares::split_id.eq_any(split_ids))
        .order((split_shares::split_id, split_shares::agreement_id))
        .select(ShareRecord::as_select())
        .load(conn)?;
    let mut by_split: HashMap<SplitId, Vec<Share>> = HashMap::new();
    for row in rows {
        by_split.entry(row.split_id).or_default().push(row.into_share());
    }
    Ok(by_split)
}

/// Every version of a cohort's split, oldest first. Organisation and finance
/// users see the versions of cohorts their organisation has seats in, or
/// had a share in, with only their own shares; any other cohort is "not found".
pub fn list(conn: &mut DbConnection, caller: &Caller, cohort: CohortId) -> Result<Vec<SplitVersionView>, AppError> {
    super::find(conn, cohort)?;
    let mut found = versions(conn, cohort)?;
    if let Some(own) = caller.scope() {
        let had_a_share = found.iter().any(|v| v.shares.iter().any(|s| s.organisation_id == own));
        if !had_a_share && !super::allocations(conn, cohort)?.iter().any(|r| r.organisation_id == own) {
            return Err(AppError::NotFound("cohort"));
        }
        for version in &mut found {
            version.shares.retain(|s| s.organisation_id == own);
        }
    }
    Ok(found)
}

fn versions(conn: &mut DbConnection, cohort: CohortId) -> Result<Vec<SplitVersionView>, AppError> {
    let records: Vec<SplitVersionRecord> = split_versions::table
        .filter(split_versions::cohort_id.eq(cohort))
        .order(split_versions::version)
        .select(SplitVersionRecord::as_select())
        .load(conn)?;
    let mut shares = shares_of(conn, &records.iter().map(|v| v.id).collect::<Vec<_>>())?;
    let user_ids: Vec<UserId> = records.iter().filter_map(|v| v.created_by).collect();
    let emails: HashMap<UserId, String> = users::table
        .filter(users::id.eq_any(&user_ids))
        .select((users::id, users::email))
        .load(conn)?
        .into_iter()
        .collect();
    records
        .into_iter()
        .map(|v| {
            let shares = shares.remove(&v.id).unwrap_or_default();
            let split_rule = SplitRule::parse(&v.split_rule).map_err(|e| anyhow::anyhow!("split {}: {e}", v.id))?;
            let change =
                SplitChange::parse(&v.change).ok_or_else(|| anyhow::anyhow!("split {}: unknown change", v.id))?;
            Ok(SplitVersionView {
                version: v.version,
                split_rule,
                host_agreement_id: v.host_agreement_id,
                change,
                description: v.description,
                changed_by: v.created_by.and_then(|u| emails.get(&u).cloned()),
                changed_at: v.created_at,
                size: v.size,
                total_ore: v.total_ore,
                vat_ore: shares.iter().map(|s| s.vat_ore).sum(),
                vat_rate_percent: v.vat_rate_percent,
                shares,
            })
        })
        .collect()
}
