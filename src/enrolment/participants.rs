//! Participants: the people an organisation sends to a confirmed cohort. An
//! organisation never names more participants than the seats it holds, and
//! sees only its own participants' names and addresses; partners appear as
//! counts.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::access::Caller;
use crate::cohorts::changes::{self, WithdrawInput};
use crate::cohorts::{self, AllocationRecord, ChangeContext, CohortStatus};
use crate::db::DbConnection;
use crate::db::schema::{organisations, participants};
use crate::email::notices;
use crate::error::{AppError, Problems};
use crate::ids::{AgreementId, CohortId, OrganisationId, ParticipantId};
use crate::registry::email::parse_email;
use crate::registry::needs::agreement_for_caller;
use crate::registry::{now, required_text};

const ENROLLED: &str = "enrolled";
const WITHDRAWN: &str = "withdrawn";

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ParticipantInput {
    /// The agreement whose seat the participant takes: one of the caller's
    /// own (any, for coordinators).
    pub agreement_id: i64,
    #[schema(example = "Anna Berg")]
    pub name: String,
    #[schema(example = "anna.berg@ange.se")]
    pub email: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ParticipantView {
    #[schema(value_type = i64)]
    pub id: ParticipantId,
    #[schema(value_type = i64)]
    pub agreement_id: AgreementId,
    #[schema(value_type = i64)]
    pub organisation_id: OrganisationId,
    pub name: String,
    pub email: String,
    #[serde(with = "crate::registry::utc_timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub enrolled_at: NaiveDateTime,
}

/// How many seats an organisation holds in the cohort and how many of them
/// have a named participant.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrganisationCount {
    #[schema(value_type = i64)]
    pub organisation_id: OrganisationId,
    pub organisation_name: String,
    pub seats: i32,
    pub participants: i64,
}

/// A cohort's participants as the caller may see them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CohortParticipants {
    #[schema(value_type = i64)]
    pub cohort_id: CohortId,
    /// Names and addresses: all for coordinators, the caller's own
    /// organisation's for everyone else.
    pub participants: Vec<ParticipantView>,
    /// Every organisation in the cohort, with its seats and how many are named.
    pub organisations: Vec<OrganisationCount>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = participants)]
struct ParticipantRecord {
    id: ParticipantId,
    agreement_id: AgreementId,
    organisation_id: OrganisationId,
    name: String,
    email: String,
    created_at: NaiveDateTime,
}

impl ParticipantRecord {
    fn view(self) -> ParticipantView {
        ParticipantView {
            id: self.id,
            agreement_id: self.agreement_id,
            organisation_id: self.organisation_id,
            name: self.name,
            email: self.email,
            enrolled_at: self.created_at,
        }
    }
}

/// The seats each agreement takes (paid seats less those withdrawn after the deadline).
fn seats_by_agreement(rows: &[AllocationRecord]) -> BTreeMap<AgreementId, i32> {
    let mut seats = BTreeMap::new();
    for row in rows {
        *seats.entry(row.agreement_id).or_default() += row.seats_taken();
    }
    seats
}

fn enrolled(conn: &mut DbConnection, cohort: CohortId) -> Result<Vec<ParticipantRecord>, AppError> {
    Ok(participants::table
        .filter(participants::cohort_id.eq(cohort))
        .filter(participants::status.eq(ENROLLED))
        .order(participants::id)
        .select(ParticipantRecord::as_select())
        .load(conn)?)
}

/// How many participants an agreement has named in the cohort.
pub fn named(conn: &mut DbConnection, cohort: CohortId, agreement: AgreementId) -> Result<i64, AppError> {
    Ok(participants::table
        .filter(participants::cohort_id.eq(cohort))
        .filter(participants::agreement_id.eq(agreement))
        .filter(participants::status.eq(ENROLLED))
        .count()
        .get_result(conn)?)
}

/// Names and addresses of an organisation's participants, for its summary.
pub fn names_of(
    conn: &mut DbConnection,
    cohort: CohortId,
    organisation: OrganisationId,
) -> Result<Vec<(String, String)>, AppError> {
    Ok(participants::table
        .filter(participants::cohort_id.eq(cohort))
        .filter(participants::organisation_id.eq(organisation))
        .filter(participants::status.eq(ENROLLED))
        .order(participants::id)
        .select((participants::name, participants::email))
        .load(conn)?)
}

/// Organisation and finance users reach only cohorts their organisation has seats in.
fn ensure_party(caller: &Caller, rows: &[AllocationRecord]) -> Result<(), AppError> {
    match caller.scope() {
        Some(own) if !rows.iter().any(|r| r.organisation_id == own) => Err(AppError::NotFound("cohort")),
        _ => Ok(()),
    }
}

/// Names a participant for one of the agreement's seats in a confirmed cohort.
pub fn add(
    conn: &mut DbConnection,
    caller: &Caller,
    ctx: &ChangeContext,
    cohort: CohortId,
    input: ParticipantInput,
) -> Result<ParticipantView, AppError> {
    crate::db::write_transaction(conn, |conn| {
        let record = cohorts::lock(conn, cohort)?;
        let rows = cohorts::allocations(conn, cohort)?;
        ensure_party(caller, &rows)?;
        let mut problems = Problems::new();
        let agreement = agreement_for_caller(conn, caller, AgreementId(input.agreement_id))?;
        if agreement.is_none() {
            problems.add("agreement_id", format!("no agreement with the id {} is open to you", input.agreement_id));
        }
        let name = problems.check("name", required_text(&input.name, 200));
        let email = problems.check("email", parse_email(&input.email));
        problems.into_result()?;
        let (agreement, name, email) = (agreement.expect("checked"), name.expect("checked"), email.expect("checked"));
        if record.status() != CohortStatus::Confirmed {
            return Err(AppError::conflict(
                "cohort",
                format!("the cohort is {}; participants are named once it is confirmed", record.status().as_str()),
            ));
        }
        let seats = seats_by_agreement(&rows).get(&agreement.id).copied().unwrap_or(0);
        if seats == 0 {
            return Err(AppError::field(
                "agreement_id",
                format!("agreement {} has no seats in this cohort", agreement.reference),
            ));
        }
        let taken = named(conn, cohort, agreement.id)?;
        if taken >= i64::from(seats) {
            return Err(AppError::conflict(
                "agreement_id",
                format!(
                    "agreement {} holds {seats} seats and has named {taken} participants; withdraw one or join with more seats first",
                    agreement.reference
                ),
            ));
        }
        let address = email.to_lowercase();
        if enrolled(conn, cohort)?.iter().any(|p| p.email.to_lowercase() == address) {
            return Err(AppError::conflict("email", format!("{email} already takes a seat in this cohort")));
        }
        let id = diesel::insert_into(participants::table)
            .values((
                participants::cohort_id.eq(cohort),
                participants::agreement_id.eq(agreement.id),
                participants::organisation_id.eq(agreement.organisation_id),
                participants::name.eq(&name),
                participants::email.eq(&email),
                participants::status.eq(ENROLLED),
                participants::created_at.eq(now()),
            ))
            .returning(participants::id)
            .get_result::<ParticipantId>(conn)?;
        notices::enrolment_summaries(conn, &ctx.settings.email, cohort, &format!("participant-{id}"))?;
        let added = participants::table.find(id).select(ParticipantRecord::as_select()).first(conn)?;
        Ok(added.view())
    })
}

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RemoveQuery {
    /// `true` keeps the seat for someone else; by default the seat is
    /// withdrawn with the participant (freed until the cancellation
    /// deadline, still paid for after it).
    pub keep_seat: Option<bool>,
}

/// Withdraws a participant, and with them their seat unless `keep_seat`.
pub fn remove(
    conn: &mut DbConnection,
    caller: &Caller,
    ctx: &ChangeContext,
    cohort: CohortId,
    id: ParticipantId,
    query: &RemoveQuery,
) -> Result<CohortParticipants, AppError> {
    crate::db::write_transaction(conn, |conn| {
        cohorts::lock(conn, cohort)?;
        let found = participants::table
            .filter(participants::id.eq(id))
            .filter(participants::cohort_id.eq(cohort))
            .filter(participants::status.eq(ENROLLED))
            .select(ParticipantRecord::as_select())
            .first(conn)
            .optional()?
            .filter(|p| caller.can_see(p.organisation_id))
            .ok_or(AppError::NotFound("participant"))?;
        if !caller.may_change_needs_of(found.organisation_id) {
            return Err(AppError::Forbidden("finance users may read participants but not change them".into()));
        }
        diesel::update(participants::table.find(id))
            .set((participants::status.eq(WITHDRAWN), participants::withdrawn_at.eq(now())))
            .execute(conn)?;
        if query.keep_seat.unwrap_or(false) {
            notices::enrolment_summaries(conn, &ctx.settings.email, cohort, &format!("participant-{id}-out"))?;
        } else {
            let seat = WithdrawInput { agreement_id: found.agreement_id.0, seats: 1 };
            changes::withdraw(conn, caller, ctx, cohort, seat)?;
        }
        list(conn, caller, cohort)
    })
}

/// The cohort's participants: names and addresses of the caller's own (all,
/// for coordinators), and counts for every organisation.
pub fn list(conn: &mut DbConnection, caller: &Caller, cohort: CohortId) -> Result<CohortParticipants, AppError> {
    cohorts::find(conn, cohort)?;
    let rows = cohorts::allocations(conn, cohort)?;
    ensure_party(caller, &rows)?;
    let people = enrolled(conn, cohort)?;
    let mut seats: BTreeMap<OrganisationId, i32> = BTreeMap::new();
    for row in &rows {
        *seats.entry(row.organisation_id).or_default() += row.seats_taken();
    }
    let names: BTreeMap<OrganisationId, String> = organisations::table
        .filter(organisations::id.eq_any(seats.keys().copied().collect::<Vec<_>>()))
        .select((organisations::id, organisations::name))
        .load(conn)?
        .into_iter()
        .collect();
    let organisations = seats
        .iter()
        .map(|(org, seats)| OrganisationCount {
            organisation_id: *org,
            organisation_name: names.get(org).cloned().unwrap_or_default(),
            seats: *seats,
            participants: people.iter().filter(|p| p.organisation_id == *org).count() as i64,
        })
        .collect();
    let participants =
        people.into_iter().filter(|p| caller.can_see(p.organisation_id)).map(ParticipantRecord::view).collect();
    Ok(CohortParticipants { cohort_id: cohort, participants, organisations })
}
