//! Cohorts as the API shows them: allocations with organisation names and
//! the `per_seat` preview of the cost split.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::records::{AllocationRecord, CohortRecord, CohortStatus};
use crate::access::Caller;
use crate::db::DbConnection;
use crate::db::schema::{agreements, cohort_allocations, cohorts, courses, invoice_lines, organisations};
use crate::error::AppError;
use crate::ids::{AgreementId, CohortId, CourseId, NeedId, OrganisationId, PlanId};
use crate::money::Ore;
use crate::splitting::{self, CourseFees, Party, Share, SplitRule, VatRate};

/// SQLite allows a limited number of bound values per statement.
pub(crate) const CHUNK: usize = 500;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CohortView {
    #[schema(value_type = i64)]
    pub id: CohortId,
    /// The plan that formed it.
    #[schema(value_type = Option<i64>)]
    pub plan_id: Option<PlanId>,
    pub course_code: String,
    pub course_title: String,
    #[schema(example = "HT2027")]
    pub term: String,
    pub status: CohortStatus,
    /// Firm plus extra seats.
    pub size: i32,
    pub firm_seats: i32,
    pub extra_seats: i32,
    pub min_participants: i32,
    pub max_participants: i32,
    /// Seats another organisation may still take (extra seats count as open:
    /// a join releases them first).
    pub open_seats: i32,
    #[schema(value_type = i64)]
    pub fixed_fee_ore: Ore,
    #[schema(value_type = i64)]
    pub per_participant_fee_ore: Ore,
    /// `fixed_fee + per_participant_fee × size`, excluding VAT.
    #[schema(value_type = i64)]
    pub total_ore: Ore,
    /// Last day seats may be withdrawn without paying for them, and joins taken.
    pub cancellation_deadline: Option<NaiveDate>,
    /// Set on confirming.
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    /// How the cost is split, once confirmed.
    pub split_rule: Option<SplitRule>,
    /// Under `host_fixed`, the organisation that pays the fixed fee.
    #[schema(value_type = Option<i64>)]
    pub host_organisation_id: Option<OrganisationId>,
    /// The current version of the split; each change after confirming adds one.
    pub split_version: Option<i32>,
    /// Each agreement's share in the current split version (empty until
    /// confirmed; all zero once cancelled). Organisation and finance users
    /// see only their own organisation's.
    pub shares: Vec<Share>,
    /// Whether the cohort has been invoiced; later changes are then invoiced
    /// as their differences.
    pub invoiced: bool,
    pub allocations: Vec<AllocationView>,
    /// What the split would be by `per_seat` with the seats as they stand.
    pub per_seat: PerSeatPreview,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AllocationView {
    #[schema(value_type = i64)]
    pub need_id: NeedId,
    #[schema(value_type = i64)]
    pub agreement_id: AgreementId,
    #[schema(value_type = i64)]
    pub organisation_id: OrganisationId,
    pub organisation_name: String,
    /// Firm seats of the need placed here.
    pub seats: i32,
    /// Extra seats (the need's tolerance) used to reach the minimum.
    pub extra_seats: i32,
    /// Seats withdrawn after the cancellation deadline: paid for, not taken.
    pub withdrawn_seats: i32,
    /// Seats that came by a join rather than from the planner.
    pub joined: bool,
}

/// What each agreement would pay if the cost were split by `per_seat`.
/// Organisation and finance users see only their own organisation's shares.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PerSeatPreview {
    pub shares: Vec<Share>,
    /// What the parties shown would pay running the course alone.
    #[schema(value_type = i64)]
    pub standalone_ore: Ore,
    #[schema(value_type = i64)]
    pub savings_ore: Ore,
}

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CohortFilter {
    /// `proposed`, `confirmed`, `cancelled` or `superseded`.
    pub status: Option<String>,
    pub course_code: Option<String>,
    pub term: Option<String>,
}

/// What the views of some cohorts need besides the cohort rows: their
/// allocations, their courses' codes and titles, and the names and numbers
/// of the organisations in them. One query per table, in chunks.
pub(crate) struct Related {
    pub allocations: HashMap<CohortId, Vec<AllocationRecord>>,
    /// Course → (code, title).
    pub courses: HashMap<CourseId, (String, String)>,
    pub organisations: HashMap<OrganisationId, OrgFacts>,
    /// Current split versions of the confirmed and cancelled cohorts.
    pub splits: HashMap<CohortId, Vec<Share>>,
    /// Cohorts with invoicing lines.
    pub invoiced: HashSet<CohortId>,
}

/// What a cohort's view and split need of an organisation.
#[derive(Debug, Clone, Default)]
pub(crate) struct OrgFacts {
    pub name: String,
    pub org_number: String,
    pub employees: i32,
}

impl Related {
    pub fn load(conn: &mut DbConnection, records: &[CohortRecord]) -> Result<Self, AppError> {
        let allocations = allocations_of(conn, records)?;
        let course_ids = distinct(records.iter().map(|c| c.course_id));
        let mut courses = HashMap::new();
        for chunk in course_ids.chunks(CHUNK) {
            let rows: Vec<(CourseId, String, String)> = courses::table
                .filter(courses::id.eq_any(chunk))
                .select((courses::id, courses::code, courses::title))
                .load(conn)?;
            courses.extend(rows.into_iter().map(|(id, code, title)| (id, (code, title))));
        }
        let org_ids = distinct(allocations.values().flatten().map(|a| a.organisation_id));
        let organisations = org_facts(conn, &org_ids)?;
        let splits =
            super::splits::current(conn, records)?.into_iter().map(|(cohort, (_, shares))| (cohort, shares)).collect();
        let mut invoiced = HashSet::new();
        let confirmed: Vec<CohortId> = records.iter().filter(|r| r.split_version.is_some()).map(|r| r.id).collect();
        for chunk in confirmed.chunks(CHUNK) {
            let found: Vec<CohortId> = invoice_lines::table
                .filter(invoice_lines::cohort_id.eq_any(chunk))
                .select(invoice_lines::cohort_id)
                .distinct()
                .load(conn)?;
            invoiced.extend(found);
        }
        Ok(Self { allocations, courses, organisations, splits, invoiced })
    }
}

/// The allocations of each of the cohorts, oldest first.
fn allocations_of(
    conn: &mut DbConnection,
    records: &[CohortRecord],
) -> Result<HashMap<CohortId, Vec<AllocationRecord>>, AppError> {
    let ids: Vec<CohortId> = records.iter().map(|c| c.id).collect();
    let mut allocations: HashMap<CohortId, Vec<AllocationRecord>> = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        let rows = cohort_allocations::table
            .filter(cohort_allocations::cohort_id.eq_any(chunk))
            .order(cohort_allocations::id)
            .select(AllocationRecord::as_select())
            .load(conn)?;
        for row in rows {
            allocations.entry(row.cohort_id).or_default().push(row);
        }
    }
    Ok(allocations)
}

/// The per-seat preview of each cohort, in the order given: what
/// `CohortView::per_seat` shows, without the rest of the views (the
/// coordinator's overview adds up the previews of thousands of proposals).
pub fn per_seat_previews(
    conn: &mut DbConnection,
    records: &[CohortRecord],
    vat: VatRate,
) -> Result<Vec<PerSeatPreview>, AppError> {
    let mut allocations = allocations_of(conn, records)?;
    let org_ids = distinct(allocations.values().flatten().map(|a| a.organisation_id));
    let organisations = org_facts(conn, &org_ids)?;
    records
        .iter()
        .map(|record| preview(record, &allocations.remove(&record.id).unwrap_or_default(), &organisations, vat))
        .collect()
}

pub(crate) fn org_facts(
    conn: &mut DbConnection,
    ids: &[OrganisationId],
) -> Result<HashMap<OrganisationId, OrgFacts>, AppError> {
    let mut facts = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        let rows: Vec<(OrganisationId, String, String, i32)> = organisations::table
            .filter(organisations::id.eq_any(chunk))
            .select((organisations::id, organisations::name, organisations::org_number, organisations::employees))
            .load(conn)?;
        facts.extend(
            rows.into_iter().map(|(id, name, org_number, employees)| (id, OrgFacts { name, org_number, employees })),
        );
    }
    Ok(facts)
}

fn distinct<T: Ord>(items: impl Iterator<Item = T>) -> Vec<T> {
    let mut items: Vec<T> = items.collect();
    items.sort();
    items.dedup();
    items
}

/// Whether each agreement with seats in `rows` allows pooling.
pub(crate) fn pooling_of(
    conn: &mut DbConnection,
    rows: &[AllocationRecord],
) -> Result<HashMap<AgreementId, bool>, AppError> {
    let ids = distinct(rows.iter().map(|r| r.agreement_id));
    let mut pooling = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        let found: Vec<(AgreementId, bool)> = agreements::table
            .filter(agreements::id.eq_any(chunk))
            .select((agreements::id, agreements::pooling))
            .load(conn)?;
        pooling.extend(found);
    }
    Ok(pooling)
}

/// Builds the views of stored cohorts, in the order given.
pub fn load_views(
    conn: &mut DbConnection,
    records: Vec<CohortRecord>,
    vat: VatRate,
) -> Result<Vec<CohortView>, AppError> {
    let Related { mut allocations, courses, organisations, mut splits, invoiced } = Related::load(conn, &records)?;
    records
        .into_iter()
        .map(|record| {
            let rows = allocations.remove(&record.id).unwrap_or_default();
            let (code, title) = courses.get(&record.course_id).cloned().unwrap_or_default();
            let shares = splits.remove(&record.id).unwrap_or_default();
            let invoiced = invoiced.contains(&record.id);
            build(record, rows, (code, title), shares, invoiced, &organisations, vat)
        })
        .collect()
}

fn build(
    record: CohortRecord,
    rows: Vec<AllocationRecord>,
    (course_code, course_title): (String, String),
    shares: Vec<Share>,
    invoiced: bool,
    orgs: &HashMap<OrganisationId, OrgFacts>,
    vat: VatRate,
) -> Result<CohortView, AppError> {
    let per_seat = preview(&record, &rows, orgs, vat)?;
    let allocations = rows
        .iter()
        .map(|a| AllocationView {
            need_id: a.need_id,
            agreement_id: a.agreement_id,
            organisation_id: a.organisation_id,
            organisation_name: orgs.get(&a.organisation_id).map(|o| o.name.clone()).unwrap_or_default(),
            seats: a.seats,
            extra_seats: a.extra_seats,
            withdrawn_seats: a.withdrawn_seats,
            joined: a.joined,
        })
        .collect();
    Ok(CohortView {
        id: record.id,
        plan_id: record.plan_id,
        course_code,
        course_title,
        status: record.status(),
        size: record.size(),
        firm_seats: record.firm_seats,
        extra_seats: record.extra_seats,
        min_participants: record.min_participants,
        max_participants: record.max_participants,
        open_seats: record.open_seats(),
        fixed_fee_ore: record.fixed_fee_ore,
        per_participant_fee_ore: record.per_participant_fee_ore,
        total_ore: record.total_cost(),
        cancellation_deadline: record.cancellation_deadline,
        starts_on: record.starts_on,
        ends_on: record.ends_on,
        split_rule: record.split_rule(),
        host_organisation_id: record.host_organisation_id,
        split_version: record.split_version,
        shares,
        invoiced,
        term: record.term,
        allocations,
        per_seat,
    })
}

impl CohortView {
    /// Leaves only `own` organisation's shares: partners' seats are shared,
    /// their money is not.
    fn keep_money_of(&mut self, own: OrganisationId) {
        self.shares.retain(|s| s.organisation_id == own);
        self.per_seat.shares.retain(|s| s.organisation_id == own);
        self.per_seat.standalone_ore = self.per_seat.shares.iter().map(|s| s.standalone_ore).sum();
        self.per_seat.savings_ore = self.per_seat.shares.iter().map(|s| s.savings_ore).sum();
    }
}

/// The parties of a cohort: one per agreement, with its firm and extra seats.
/// Seats withdrawn after the deadline count: they are paid for.
pub(crate) fn parties(rows: &[AllocationRecord], orgs: &HashMap<OrganisationId, OrgFacts>) -> Vec<Party> {
    let mut seats: BTreeMap<AgreementId, (OrganisationId, i32)> = BTreeMap::new();
    for row in rows {
        let entry = seats.entry(row.agreement_id).or_insert((row.organisation_id, 0));
        entry.1 += row.seats + row.extra_seats;
    }
    seats
        .into_iter()
        .map(|(agreement_id, (organisation_id, seats))| {
            let facts = orgs.get(&organisation_id).cloned().unwrap_or_default();
            Party { agreement_id, organisation_id, org_number: facts.org_number, seats, employees: facts.employees }
        })
        .collect()
}

pub(crate) fn fees(record: &CohortRecord) -> CourseFees {
    CourseFees {
        fixed_fee: record.fixed_fee_ore,
        per_participant_fee: record.per_participant_fee_ore,
        min_participants: record.min_participants,
    }
}

fn preview(
    record: &CohortRecord,
    rows: &[AllocationRecord],
    orgs: &HashMap<OrganisationId, OrgFacts>,
    vat: VatRate,
) -> Result<PerSeatPreview, AppError> {
    let parties = parties(rows, orgs);
    if parties.is_empty() {
        return Ok(PerSeatPreview { shares: Vec::new(), standalone_ore: Ore::ZERO, savings_ore: Ore::ZERO });
    }
    let split = splitting::per_seat(&fees(record), &parties, vat)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("cohort {}: {e}", record.id)))?;
    let standalone_ore = split.shares.iter().map(|s| s.standalone_ore).sum();
    let savings_ore = split.shares.iter().map(|s| s.savings_ore).sum();
    Ok(PerSeatPreview { shares: split.shares, standalone_ore, savings_ore })
}

/// Whether the caller's organisation has seats in the cohort.
fn is_party(conn: &mut DbConnection, cohort: CohortId, organisation: OrganisationId) -> Result<bool, AppError> {
    let found: i64 = cohort_allocations::table
        .filter(cohort_allocations::cohort_id.eq(cohort))
        .filter(cohort_allocations::organisation_id.eq(organisation))
        .count()
        .get_result(conn)?;
    Ok(found > 0)
}

/// One cohort. Organisation and finance users see the cohorts they have
/// seats in, and those open for joining; any other is "not found".
pub fn get(
    conn: &mut DbConnection,
    caller: &Caller,
    today: NaiveDate,
    id: CohortId,
    vat: VatRate,
) -> Result<CohortView, AppError> {
    let record = cohorts::table
        .find(id)
        .select(CohortRecord::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound("cohort"))?;
    if let Some(own) = caller.scope() {
        let open = record.joinable_on(today) && record.open_seats() > 0;
        if !open && !is_party(conn, id, own)? {
            return Err(AppError::NotFound("cohort"));
        }
    }
    let mut views = load_views(conn, vec![record], vat)?;
    let mut view = views.remove(0);
    if let Some(own) = caller.scope() {
        view.keep_money_of(own);
    }
    Ok(view)
}

/// Cohorts in term order; organisation and finance users get only the
/// cohorts their organisation has seats in.
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    filter: &CohortFilter,
    vat: VatRate,
) -> Result<Vec<CohortView>, AppError> {
    let mut query = cohorts::table.select(CohortRecord::as_select()).into_boxed();
    if let Some(status) = &filter.status {
        let status = CohortStatus::parse(status.trim()).ok_or_else(|| {
            AppError::field(
                "status",
                format!("{status:?} is not a status; use proposed, confirmed, cancelled or superseded"),
            )
        })?;
        query = query.filter(cohorts::status.eq(status.as_str()));
    }
    if let Some(term) = &filter.term {
        let term = crate::registry::term::Term::parse(term).map_err(|e| AppError::field("term", e))?;
        query = query.filter(cohorts::term.eq(term.to_string()));
    }
    if let Some(code) = &filter.course_code {
        let course = crate::registry::courses::find_by_code(conn, code)?.ok_or_else(|| {
            AppError::field("course_code", format!("no course in the catalogue has the code {:?}", code.trim()))
        })?;
        query = query.filter(cohorts::course_id.eq(course.id));
    }
    if let Some(own) = caller.scope() {
        let mine = cohort_allocations::table
            .filter(cohort_allocations::organisation_id.eq(own))
            .select(cohort_allocations::cohort_id);
        query = query.filter(cohorts::id.eq_any(mine));
    }
    let mut records: Vec<CohortRecord> = query.order(cohorts::id.asc()).load(conn)?;
    // Terms are stored as codes, whose text order ("HT" < "VT") is not time order.
    records.sort_by_key(|c| (c.term(), c.id));
    let mut views = load_views(conn, records, vat)?;
    if let Some(own) = caller.scope() {
        views.iter_mut().for_each(|view| view.keep_money_of(own));
    }
    Ok(views)
}
