//! Invitations: a coordinator asks organisations whose agreements pool to
//! take open seats in a cohort, and each is told by e-mail what joining
//! would cost it.

use std::collections::BTreeSet;

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::access::Caller;
use crate::cohorts::open_seats::{self, OpenSeatsQuery};
use crate::cohorts::{self, ChangeContext};
use crate::db::DbConnection;
use crate::db::schema::{agreements, cohort_allocations, needs, organisations, plan_unplaced, plans};
use crate::email::notices;
use crate::error::AppError;
use crate::ids::{AgreementId, CohortId, OrganisationId, PlanId};
use crate::money::Ore;
use crate::registry::agreements::Agreement;
use crate::registry::term::Term;
use crate::splitting::{self, CourseFees, Party, VatRate};

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteInput {
    /// The organisations to invite (at most 100).
    pub organisation_ids: Vec<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Invited {
    #[schema(value_type = i64)]
    pub organisation_id: OrganisationId,
    /// The agreement the invitation is priced for.
    #[schema(value_type = i64)]
    pub agreement_id: AgreementId,
    /// Where the invitation went: the organisation's coordinator.
    pub email: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NotInvited {
    #[schema(value_type = i64)]
    pub organisation_id: OrganisationId,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Invitations {
    pub invited: Vec<Invited>,
    pub not_invited: Vec<NotInvited>,
}

/// Invites organisations to a cohort with open seats (coordinators). An
/// organisation is invited once a day at most; one already in the cohort,
/// or without an agreement that may join it, is listed with the reason.
pub fn invite(
    conn: &mut DbConnection,
    caller: &Caller,
    ctx: &ChangeContext,
    cohort: CohortId,
    input: InviteInput,
) -> Result<Invitations, AppError> {
    caller.require_coordinator("invite organisations")?;
    let wanted: BTreeSet<OrganisationId> = input.organisation_ids.iter().copied().map(OrganisationId).collect();
    if wanted.is_empty() || wanted.len() > 100 {
        return Err(AppError::field("organisation_ids", "name between 1 and 100 organisations"));
    }
    crate::db::write_transaction(conn, |conn| {
        let record = cohorts::lock(conn, cohort)?;
        if !record.joinable_on(ctx.today) || record.open_seats() == 0 {
            return Err(AppError::conflict(
                "cohort",
                format!(
                    "the cohort is {} with {} open seats; nobody can join it",
                    record.status().as_str(),
                    record.open_seats()
                ),
            ));
        }
        ensure_known(conn, &wanted)?;
        let inside: BTreeSet<OrganisationId> = cohort_allocations::table
            .filter(cohort_allocations::cohort_id.eq(cohort))
            .select(cohort_allocations::organisation_id)
            .load::<OrganisationId>(conn)?
            .into_iter()
            .collect();
        let mut result = Invitations { invited: Vec::new(), not_invited: Vec::new() };
        for organisation in wanted {
            if inside.contains(&organisation) {
                result
                    .not_invited
                    .push(NotInvited { organisation_id: organisation, reason: "already in the cohort".into() });
                continue;
            }
            // The same rules as the organisation's own view of open seats.
            let query = OpenSeatsQuery { organisation_id: Some(organisation.0) };
            let offer = open_seats::list(conn, caller, ctx.today, &query)?.into_iter().find(|o| o.cohort_id == cohort);
            let Some(offer) = offer else {
                let reason =
                    "no agreement of theirs may join: it must cover the term and allow pooling, as must the cohort's";
                result.not_invited.push(NotInvited { organisation_id: organisation, reason: reason.into() });
                continue;
            };
            let email = notices::invitation(conn, ctx.today, &record, organisation, &offer)?;
            result.invited.push(Invited { organisation_id: organisation, agreement_id: offer.agreements[0], email });
        }
        Ok(result)
    })
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NearViableInviteInput {
    #[schema(example = "DEM101")]
    pub course_code: String,
    #[schema(example = "HT2027")]
    pub term: String,
    /// The organisations to invite (at most 100).
    pub organisation_ids: Vec<i64>,
}

/// Invites organisations to a near-viable cohort of a plan: seats of `course`
/// that the plan left unplaced because `term` lacks a few to reach the
/// minimum. Each is e-mailed what it would pay if it brought the missing
/// seats (or a few more); joining means adding a need, so the next plan can
/// form the cohort.
pub fn invite_to_near_viable(
    conn: &mut DbConnection,
    caller: &Caller,
    ctx: &ChangeContext,
    plan: PlanId,
    input: NearViableInviteInput,
) -> Result<Invitations, AppError> {
    caller.require_coordinator("invite organisations")?;
    let wanted: BTreeSet<OrganisationId> = input.organisation_ids.iter().copied().map(OrganisationId).collect();
    let mut problems = crate::error::Problems::new();
    let term = problems.check("term", Term::parse(&input.term));
    if wanted.is_empty() || wanted.len() > 100 {
        problems.add("organisation_ids", "name between 1 and 100 organisations");
    }
    problems.into_result()?;
    let term = term.expect("checked");
    crate::db::write_transaction(conn, |conn| {
        plans::table
            .find(plan)
            .select(plans::id)
            .first::<PlanId>(conn)
            .optional()?
            .ok_or(AppError::NotFound("plan"))?;
        let course = crate::registry::courses::find_by_code(conn, &input.course_code)?.ok_or_else(|| {
            AppError::field(
                "course_code",
                format!("no course in the catalogue has the code {:?}", input.course_code.trim()),
            )
        })?;
        // The unplaced seats the plan would need a few more of in this term.
        let waiting: Vec<(AgreementId, OrganisationId, i32)> = plan_unplaced::table
            .inner_join(needs::table.inner_join(agreements::table))
            .filter(plan_unplaced::plan_id.eq(plan))
            .filter(plan_unplaced::reason.eq("below_minimum"))
            .filter(plan_unplaced::term.eq(term.to_string()))
            .filter(needs::course_id.eq(course.id))
            .select((needs::agreement_id, agreements::organisation_id, plan_unplaced::seats))
            .load(conn)?;
        if waiting.is_empty() {
            return Err(AppError::conflict(
                "term",
                format!("plan {plan} has no near-viable cohort of {} in {term}", course.code),
            ));
        }
        let seats_waiting: i32 = waiting.iter().map(|w| w.2).sum();
        let missing = (course.min_participants - seats_waiting).max(1);
        ensure_known(conn, &wanted)?;
        let org_ids: Vec<OrganisationId> = waiting.iter().map(|w| w.1).chain(wanted.iter().copied()).collect();
        let facts = crate::cohorts::org_facts(conn, &org_ids)?;
        let fees = CourseFees {
            fixed_fee: course.fixed_fee_ore,
            per_participant_fee: course.per_participant_fee_ore,
            min_participants: course.min_participants,
        };
        // The agreements waiting, one party each, as the split takes them.
        let mut waiting_parties: Vec<Party> = Vec::new();
        for (agreement_id, organisation_id, seats) in &waiting {
            match waiting_parties.iter_mut().find(|p| p.agreement_id == *agreement_id) {
                Some(party) => party.seats += seats,
                None => waiting_parties.push(Party {
                    agreement_id: *agreement_id,
                    organisation_id: *organisation_id,
                    org_number: facts.get(organisation_id).map(|f| f.org_number.clone()).unwrap_or_default(),
                    seats: *seats,
                    // `per_seat` does not weigh employees.
                    employees: 0,
                }),
            }
        }
        let mut result = Invitations { invited: Vec::new(), not_invited: Vec::new() };
        for organisation in wanted {
            if waiting.iter().any(|w| w.1 == organisation) {
                result.not_invited.push(NotInvited {
                    organisation_id: organisation,
                    reason: "already waiting for these seats".into(),
                });
                continue;
            }
            let agreement = agreements::table
                .filter(agreements::organisation_id.eq(organisation))
                .filter(agreements::pooling.eq(true))
                .order(agreements::id)
                .select(Agreement::as_select())
                .load(conn)?
                .into_iter()
                .find(|a| {
                    term.lies_within(a.starts_on, a.ends_on) && a.starts_on <= ctx.today && ctx.today <= a.ends_on
                });
            let Some(agreement) = agreement else {
                let reason = format!("no active agreement of theirs that pools covers {term}");
                result.not_invited.push(NotInvited { organisation_id: organisation, reason });
                continue;
            };
            // What it would pay bringing the missing seats, or up to two more.
            let most = (missing + 2).min(course.max_participants - seats_waiting);
            let newcomer = Party {
                agreement_id: agreement.id,
                organisation_id: organisation,
                org_number: facts.get(&organisation).map(|f| f.org_number.clone()).unwrap_or_default(),
                seats: 0,
                employees: 0,
            };
            let prices = (missing..=most)
                .map(|seats| price_with(&fees, &waiting_parties, Party { seats, ..newcomer.clone() }))
                .collect::<Result<Vec<_>, AppError>>()?;
            let about = notices::NearViable { course: &course, term, plan, seats_waiting, missing, prices };
            let email = notices::near_viable_invitation(conn, ctx.today, organisation, &about)?;
            result.invited.push(Invited { organisation_id: organisation, agreement_id: agreement.id, email });
        }
        Ok(result)
    })
}

/// `(seats, what the newcomer pays, everyone's price per seat)` if it joins
/// the parties waiting, by `per_seat` and excluding VAT (so the rate does
/// not matter).
fn price_with(fees: &CourseFees, waiting: &[Party], newcomer: Party) -> Result<(i32, Ore, Ore), AppError> {
    let (agreement, seats) = (newcomer.agreement_id, newcomer.seats);
    let parties: Vec<_> = waiting.iter().cloned().chain(std::iter::once(newcomer)).collect();
    let split = splitting::per_seat(fees, &parties, VatRate(0))
        .map_err(|e| anyhow::anyhow!("pricing a near-viable cohort: {e}"))?;
    let size = i64::from(parties.iter().map(|p| p.seats).sum::<i32>());
    let share = split.shares.iter().find(|s| s.agreement_id == agreement).map_or(Ore::ZERO, |s| s.amount_ore);
    // To the nearest öre, halves up, as open seats show it.
    let per_seat = Ore((2 * split.total.get() + size) / (2 * size));
    Ok((seats, share, per_seat))
}

/// Every organisation named must exist; the first that does not is named.
fn ensure_known(conn: &mut DbConnection, wanted: &BTreeSet<OrganisationId>) -> Result<(), AppError> {
    let known: BTreeSet<OrganisationId> = organisations::table
        .filter(organisations::id.eq_any(wanted))
        .select(organisations::id)
        .load::<OrganisationId>(conn)?
        .into_iter()
        .collect();
    match wanted.difference(&known).next() {
        Some(unknown) => Err(AppError::field("organisation_ids", format!("no organisation has the id {unknown}"))),
        None => Ok(()),
    }
}
