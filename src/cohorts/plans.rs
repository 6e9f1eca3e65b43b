//! Running the planner over all open needs and keeping its answer.
//!
//! One run reads the open needs of active agreements (less what confirmed
//! cohorts already hold), plans every course, marks the earlier proposals
//! superseded and stores the new ones, all in one transaction. On
//! PostgreSQL only one run at a time, in any process; on SQLite two may
//! solve at once, and their stores take turns. No store while a cohort
//! changes: see `locks`.
//! The solve itself runs before that transaction (see `run`).

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use super::records::{CohortRecord, CohortStatus};
use super::views::{CHUNK, CohortView, load_views};
use crate::access::Caller;
use crate::db::DbConnection;
use crate::db::schema::{agreements, cohort_allocations, cohorts, courses, needs, plan_unplaced, plans};
use crate::error::AppError;
use crate::ids::{AgreementId, CohortId, CourseId, NeedId, OrganisationId, PlanId};
use crate::money::Ore;
use crate::planning::{self, CoursePlan, CourseProblem, CourseTerms, Limits, PlanNeed};
use crate::registry::needs::OPEN;
use crate::registry::now;
use crate::registry::term::Term;
use crate::splitting::VatRate;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanView {
    #[schema(value_type = i64)]
    pub id: PlanId,
    #[serde(with = "crate::registry::utc_timestamp")]
    #[schema(value_type = String, example = "2026-11-29T21:00:00Z")]
    pub created_at: NaiveDateTime,
    /// The first term that had not begun when the plan was made.
    #[schema(example = "VT2027")]
    pub first_term: String,
    pub cohorts: Vec<CohortView>,
    pub unplaced: Vec<UnplacedView>,
    pub summary: PlanSummary,
}

/// Firm seats of a need that this plan left for a later one, and why.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnplacedView {
    #[schema(value_type = i64)]
    pub need_id: NeedId,
    #[schema(value_type = i64)]
    pub agreement_id: AgreementId,
    #[schema(value_type = i64)]
    pub organisation_id: OrganisationId,
    pub course_code: String,
    /// Firm seats not placed.
    pub seats: i32,
    /// `below_minimum`: too few seats could meet; `no_open_term`: every term
    /// of the window has begun; `search_limit`: the planner stopped early.
    pub reason: String,
    /// The term where the fewest more seats would make a cohort viable.
    pub term: Option<String>,
    /// How many more seats that term needs: a near-viable cohort to invite others to.
    pub missing_seats: Option<i32>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanSummary {
    pub firm_seats_requested: i64,
    pub firm_seats_placed: i64,
    pub extra_seats_used: i64,
    pub cohorts: i64,
    #[schema(value_type = i64)]
    pub total_cost_ore: Ore,
    /// What the parties would together pay if each ran its course alone.
    #[schema(value_type = i64)]
    pub standalone_cost_ore: Ore,
    #[schema(value_type = i64)]
    pub savings_ore: Ore,
    /// Whether every course's plan is proven best by the objective of rules.md.
    pub optimal: bool,
    /// Whether the most firm seats at the lowest cost are proven, even where
    /// the tie-breaks (fewest split needs, earliest terms) are not.
    pub seats_and_cost_optimal: bool,
    /// When not optimal: at most this many more firm seats could be placed …
    pub firm_seats_gap: i64,
    /// … or, with as many firm seats, the cost could be at most this much lower.
    #[schema(value_type = i64)]
    pub cost_gap_ore: Ore,
    pub solve_ms: i64,
}

impl PlanSummary {
    /// The summary of a plan that placed nothing, which is trivially optimal;
    /// each course's plan is added to it.
    pub fn empty(solve_ms: i64) -> Self {
        PlanSummary {
            firm_seats_requested: 0,
            firm_seats_placed: 0,
            extra_seats_used: 0,
            cohorts: 0,
            total_cost_ore: Ore::ZERO,
            standalone_cost_ore: Ore::ZERO,
            savings_ore: Ore::ZERO,
            optimal: true,
            seats_and_cost_optimal: true,
            firm_seats_gap: 0,
            cost_gap_ore: Ore::ZERO,
            solve_ms,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = plans)]
struct PlanRecord {
    id: PlanId,
    created_at: NaiveDateTime,
    first_term: String,
    firm_seats_requested: i64,
    firm_seats_placed: i64,
    extra_seats_used: i64,
    cohorts: i64,
    total_cost_ore: Ore,
    standalone_cost_ore: Ore,
    savings_ore: Ore,
    optimal: bool,
    seats_and_cost_optimal: bool,
    firm_seats_gap: i64,
    cost_gap_ore: Ore,
    solve_ms: i64,
}

/// A need of an active agreement, with what planning needs to know.
struct OpenNeed {
    plan_need: PlanNeed,
    course_id: CourseId,
}

/// Plans all open needs and stores the result (coordinators and admins).
/// While a plan runs, another one is refused with 409 on PostgreSQL.
///
/// The solve runs outside the write transaction, so a long plan does not
/// hold SQLite's write lock; the transaction then reads the needs again and
/// solves once more, inside it, only if they changed in the meantime.
pub fn run(
    conn: &mut DbConnection,
    caller: &Caller,
    today: NaiveDate,
    limits: Limits,
    vat: VatRate,
) -> Result<PlanView, AppError> {
    caller.require_coordinator("run the planner")?;
    super::locks::plan_running(conn, |conn| run_alone(conn, caller, today, limits, vat))
}

fn run_alone(
    conn: &mut DbConnection,
    caller: &Caller,
    today: NaiveDate,
    limits: Limits,
    vat: VatRate,
) -> Result<PlanView, AppError> {
    let first_term = Term::first_not_begun(today);
    let started = Instant::now();
    let (problems, course_ids) = load_problems(conn, today)?;
    let read = started.elapsed();
    let started = Instant::now();
    let plans = solve_all(&problems, first_term, limits);
    let solve_ms = started.elapsed().as_millis() as i64;
    let started = Instant::now();
    let id = crate::db::write_transaction(conn, |conn| {
        super::locks::plan_storing(conn)?;
        let (now_problems, now_course_ids) = load_problems(conn, today)?;
        if now_problems == problems && now_course_ids == course_ids {
            return store(conn, caller, first_term, &problems, &course_ids, &plans, solve_ms);
        }
        let started = Instant::now();
        let plans = solve_all(&now_problems, first_term, limits);
        let solve_ms = solve_ms + started.elapsed().as_millis() as i64;
        store(conn, caller, first_term, &now_problems, &now_course_ids, &plans, solve_ms)
    })?;
    let stored = started.elapsed();
    let started = Instant::now();
    let view = get(conn, caller, id, vat)?;
    tracing::info!(
        plan = id.0,
        courses = problems.len(),
        read_ms = read.as_millis() as u64,
        solve_ms,
        store_ms = stored.as_millis() as u64,
        answer_ms = started.elapsed().as_millis() as u64,
        "plan stored"
    );
    Ok(view)
}

pub fn load_problems(
    conn: &mut DbConnection,
    today: NaiveDate,
) -> Result<(Vec<CourseProblem>, Vec<CourseId>), AppError> {
    type Row = (NeedId, AgreementId, OrganisationId, bool, NaiveDate, NaiveDate, CourseId, i32, i32, String, String);
    let rows: Vec<Row> = needs::table
        .inner_join(agreements::table)
        .filter(needs::status.eq(OPEN))
        .filter(agreements::starts_on.le(today))
        .filter(agreements::ends_on.ge(today))
        .select((
            needs::id,
            needs::agreement_id,
            agreements::organisation_id,
            agreements::pooling,
            agreements::starts_on,
            agreements::ends_on,
            needs::course_id,
            needs::seats,
            needs::extra_seats,
            needs::earliest_term,
            needs::latest_term,
        ))
        .order(needs::id)
        .load(conn)?;
    let held = held_by_confirmed_cohorts(conn)?;
    let mut by_course: BTreeMap<CourseId, Vec<OpenNeed>> = BTreeMap::new();
    for (id, agreement_id, organisation_id, pooling, starts_on, ends_on, course_id, seats, extra, earliest, latest) in
        rows
    {
        let (held_seats, held_extra) = held.get(&id).copied().unwrap_or_default();
        let seats = seats - held_seats;
        if seats <= 0 {
            continue;
        }
        let (Ok(earliest), Ok(latest)) = (Term::parse(&earliest), Term::parse(&latest)) else { continue };
        // The window, cut to the terms that lie wholly inside the agreement.
        let first_inside = Term::containing(starts_on);
        let first_inside = if first_inside.first_day() == starts_on { first_inside } else { first_inside.next() };
        let last_inside = Term::containing(ends_on);
        let last_inside = if last_inside.last_day() == ends_on { last_inside } else { last_inside.plus(-1) };
        by_course.entry(course_id).or_default().push(OpenNeed {
            course_id,
            plan_need: PlanNeed {
                id,
                agreement_id,
                organisation_id,
                seats,
                extra_seats: (extra - held_extra).max(0),
                earliest: earliest.max(first_inside),
                latest: latest.min(last_inside),
                pooling,
            },
        });
    }
    let course_ids: Vec<CourseId> = by_course.keys().copied().collect();
    let mut terms: HashMap<CourseId, CourseTerms> = HashMap::new();
    for chunk in course_ids.chunks(CHUNK) {
        let rows: Vec<(CourseId, i32, i32, Ore, Ore)> = courses::table
            .filter(courses::id.eq_any(chunk))
            .select((
                courses::id,
                courses::min_participants,
                courses::max_participants,
                courses::fixed_fee_ore,
                courses::per_participant_fee_ore,
            ))
            .load(conn)?;
        for (id, min_participants, max_participants, fixed_fee, per_participant_fee) in rows {
            terms.insert(id, CourseTerms { min_participants, max_participants, fixed_fee, per_participant_fee });
        }
    }
    let problems = by_course
        .into_values()
        .map(|open| CourseProblem {
            course: terms[&open[0].course_id],
            needs: open.into_iter().map(|n| n.plan_need).collect(),
        })
        .collect();
    Ok((problems, course_ids))
}

/// Firm and extra seats per need already taken by confirmed cohorts.
fn held_by_confirmed_cohorts(conn: &mut DbConnection) -> Result<HashMap<NeedId, (i32, i32)>, AppError> {
    let rows: Vec<(NeedId, i32, i32)> = cohort_allocations::table
        .inner_join(cohorts::table)
        .filter(cohorts::status.eq(CohortStatus::Confirmed.as_str()))
        .select((cohort_allocations::need_id, cohort_allocations::seats, cohort_allocations::extra_seats))
        .load(conn)?;
    let mut held: HashMap<NeedId, (i32, i32)> = HashMap::new();
    for (need, seats, extra) in rows {
        let entry = held.entry(need).or_default();
        entry.0 += seats;
        entry.1 += extra;
    }
    Ok(held)
}

/// Courses are independent, so they are solved on all cores.
pub fn solve_all(problems: &[CourseProblem], first_term: Term, limits: Limits) -> Vec<CoursePlan> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from).min(problems.len().max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut results: Vec<Option<CoursePlan>> = vec![None; problems.len()];
    let solved = std::sync::Mutex::new(&mut results);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(problem) = problems.get(index) else { break };
                    let plan = planning::plan_course(problem, first_term, limits);
                    solved.lock().expect("no solver panics while holding the lock")[index] = Some(plan);
                }
            });
        }
    });
    results.into_iter().map(|plan| plan.expect("every course is solved")).collect()
}

#[allow(clippy::too_many_arguments)]
fn store(
    conn: &mut DbConnection,
    caller: &Caller,
    first_term: Term,
    problems: &[CourseProblem],
    course_ids: &[CourseId],
    plans: &[CoursePlan],
    solve_ms: i64,
) -> Result<PlanId, AppError> {
    let at = now();
    diesel::update(cohorts::table.filter(cohorts::status.eq(CohortStatus::Proposed.as_str())))
        .set((cohorts::status.eq(CohortStatus::Superseded.as_str()), cohorts::updated_at.eq(at)))
        .execute(conn)?;

    let summary = summarise(problems, plans, solve_ms);
    let plan_id: PlanId = diesel::insert_into(plans::table)
        .values((
            plans::created_at.eq(at),
            plans::created_by.eq(Some(caller.user_id)),
            plans::first_term.eq(first_term.to_string()),
            plans::firm_seats_requested.eq(summary.firm_seats_requested),
            plans::firm_seats_placed.eq(summary.firm_seats_placed),
            plans::extra_seats_used.eq(summary.extra_seats_used),
            plans::cohorts.eq(summary.cohorts),
            plans::total_cost_ore.eq(summary.total_cost_ore),
            plans::standalone_cost_ore.eq(summary.standalone_cost_ore),
            plans::savings_ore.eq(summary.savings_ore),
            plans::optimal.eq(summary.optimal),
            plans::seats_and_cost_optimal.eq(summary.seats_and_cost_optimal),
            plans::firm_seats_gap.eq(summary.firm_seats_gap),
            plans::cost_gap_ore.eq(summary.cost_gap_ore),
            plans::solve_ms.eq(summary.solve_ms),
        ))
        .returning(plans::id)
        .get_result(conn)?;

    // Cohorts in one batch per chunk, matched back to their ids by position.
    let mut cohort_rows = Vec::new();
    let mut placements = Vec::new();
    for ((problem, course_id), plan) in problems.iter().zip(course_ids).zip(plans) {
        let need_of: HashMap<NeedId, &PlanNeed> = problem.needs.iter().map(|n| (n.id, n)).collect();
        for cohort in &plan.cohorts {
            let position = cohort_rows.len() as i32;
            let firm: i32 = cohort.placements.iter().map(|p| p.seats).sum();
            let extra: i32 = cohort.placements.iter().map(|p| p.extra_seats).sum();
            cohort_rows.push((
                cohorts::plan_id.eq(Some(plan_id)),
                cohorts::plan_position.eq(position),
                cohorts::course_id.eq(*course_id),
                cohorts::term.eq(cohort.term.to_string()),
                cohorts::status.eq(CohortStatus::Proposed.as_str()),
                cohorts::min_participants.eq(problem.course.min_participants),
                cohorts::max_participants.eq(problem.course.max_participants),
                cohorts::fixed_fee_ore.eq(problem.course.fixed_fee),
                cohorts::per_participant_fee_ore.eq(problem.course.per_participant_fee),
                cohorts::firm_seats.eq(firm),
                cohorts::extra_seats.eq(extra),
                cohorts::created_at.eq(at),
                cohorts::updated_at.eq(at),
            ));
            for placement in &cohort.placements {
                let need = need_of[&placement.need_id];
                placements.push((position, need.id, need.agreement_id, need.organisation_id, *placement));
            }
        }
    }
    crate::insert_rows!(conn, cohorts::table, &cohort_rows[..], 13)?;
    let ids: HashMap<i32, CohortId> = cohorts::table
        .filter(cohorts::plan_id.eq(plan_id))
        .select((cohorts::plan_position, cohorts::id))
        .load::<(i32, CohortId)>(conn)?
        .into_iter()
        .collect();
    let allocation_rows: Vec<_> = placements
        .iter()
        .map(|(position, need, agreement, organisation, placement)| {
            (
                cohort_allocations::cohort_id.eq(ids[position]),
                cohort_allocations::need_id.eq(*need),
                cohort_allocations::agreement_id.eq(*agreement),
                cohort_allocations::organisation_id.eq(*organisation),
                cohort_allocations::seats.eq(placement.seats),
                cohort_allocations::extra_seats.eq(placement.extra_seats),
                cohort_allocations::joined.eq(false),
                cohort_allocations::created_at.eq(at),
            )
        })
        .collect();
    crate::insert_rows!(conn, cohort_allocations::table, &allocation_rows[..], 8)?;
    let unplaced_rows: Vec<_> = plans
        .iter()
        .flat_map(|plan| &plan.unplaced)
        .map(|u| {
            (
                plan_unplaced::plan_id.eq(plan_id),
                plan_unplaced::need_id.eq(u.need_id),
                plan_unplaced::seats.eq(u.seats),
                plan_unplaced::reason.eq(u.reason.as_str()),
                plan_unplaced::term.eq(u.term.map(|t| t.to_string())),
                plan_unplaced::missing_seats.eq(u.missing_seats),
            )
        })
        .collect();
    crate::insert_rows!(conn, plan_unplaced::table, &unplaced_rows[..], 6)?;
    Ok(plan_id)
}

fn summarise(problems: &[CourseProblem], plans: &[CoursePlan], solve_ms: i64) -> PlanSummary {
    let mut summary = PlanSummary::empty(solve_ms);
    for (problem, plan) in problems.iter().zip(plans) {
        let course = problem.course;
        summary.firm_seats_requested += problem.needs.iter().map(|n| i64::from(n.seats)).sum::<i64>();
        summary.optimal &= plan.optimal;
        summary.seats_and_cost_optimal &= plan.seats_and_cost_optimal;
        summary.firm_seats_gap += plan.firm_seats_gap;
        summary.cost_gap_ore += Ore(plan.cost_gap_ore);
        let agreement_of: HashMap<NeedId, AgreementId> = problem.needs.iter().map(|n| (n.id, n.agreement_id)).collect();
        for cohort in &plan.cohorts {
            summary.cohorts += 1;
            let size = cohort.size();
            summary.total_cost_ore += course.cohort_cost(size);
            let mut seats_of: BTreeMap<AgreementId, i64> = BTreeMap::new();
            for placement in &cohort.placements {
                summary.firm_seats_placed += i64::from(placement.seats);
                summary.extra_seats_used += i64::from(placement.extra_seats);
                *seats_of.entry(agreement_of[&placement.need_id]).or_default() +=
                    i64::from(placement.seats + placement.extra_seats);
            }
            // rules.md, "Savings": alone, a party pays at least the minimum's seats.
            for seats in seats_of.values() {
                summary.standalone_cost_ore += course.cohort_cost((*seats).max(i64::from(course.min_participants)));
            }
        }
    }
    summary.savings_ore = summary.standalone_cost_ore - summary.total_cost_ore;
    summary
}

/// The newest plan, if the planner has run (coordinators).
pub fn latest(conn: &mut DbConnection, caller: &Caller) -> Result<Option<PlanId>, AppError> {
    caller.require_coordinator("read plans")?;
    Ok(plans::table.select(diesel::dsl::max(plans::id)).first::<Option<PlanId>>(conn)?)
}

/// One stored plan with its cohorts (coordinators and admins).
pub fn get(conn: &mut DbConnection, caller: &Caller, id: PlanId, vat: VatRate) -> Result<PlanView, AppError> {
    caller.require_coordinator("read plans")?;
    let plan = plans::table
        .find(id)
        .select(PlanRecord::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound("plan"))?;
    let records = cohorts::table
        .filter(cohorts::plan_id.eq(id))
        .order(cohorts::plan_position)
        .select(CohortRecord::as_select())
        .load(conn)?;
    let cohorts = load_views(conn, records, vat)?;
    let unplaced = load_unplaced(conn, id)?;
    Ok(PlanView {
        id: plan.id,
        created_at: plan.created_at,
        first_term: plan.first_term,
        cohorts,
        unplaced,
        summary: PlanSummary {
            firm_seats_requested: plan.firm_seats_requested,
            firm_seats_placed: plan.firm_seats_placed,
            extra_seats_used: plan.extra_seats_used,
            cohorts: plan.cohorts,
            total_cost_ore: plan.total_cost_ore,
            standalone_cost_ore: plan.standalone_cost_ore,
            savings_ore: plan.savings_ore,
            optimal: plan.optimal,
            seats_and_cost_optimal: plan.seats_and_cost_optimal,
            firm_seats_gap: plan.firm_seats_gap,
            cost_gap_ore: plan.cost_gap_ore,
            solve_ms: plan.solve_ms,
        },
    })
}

/// The firm seats a stored plan left unplaced, and why (coordinators and
/// admins): what the overview needs of a plan, without its cohorts.
pub fn unplaced(conn: &mut DbConnection, caller: &Caller, id: PlanId) -> Result<Vec<UnplacedView>, AppError> {
    caller.require_coordinator("read plans")?;
    load_unplaced(conn, id)
}

fn load_unplaced(conn: &mut DbConnection, id: PlanId) -> Result<Vec<UnplacedView>, AppError> {
    type UnplacedRow = (NeedId, AgreementId, OrganisationId, String, i32, String, Option<String>, Option<i32>);
    let rows = plan_unplaced::table
        .inner_join(needs::table.inner_join(agreements::table).inner_join(courses::table))
        .filter(plan_unplaced::plan_id.eq(id))
        .order(plan_unplaced::id)
        .select((
            plan_unplaced::need_id,
            needs::agreement_id,
            agreements::organisation_id,
            courses::code,
            plan_unplaced::seats,
            plan_unplaced::reason,
            plan_unplaced::term,
            plan_unplaced::missing_seats,
        ))
        .load::<UnplacedRow>(conn)?;
    Ok(rows
        .into_iter()
        .map(|(need_id, agreement_id, organisation_id, course_code, seats, reason, term, missing_seats)| UnplacedView {
            need_id,
            agreement_id,
            organisation_id,
            course_code,
            seats,
            reason,
            term,
            missing_seats,
        })
        .collect())
}
