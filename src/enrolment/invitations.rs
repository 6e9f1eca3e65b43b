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
use crate::db::schema::{cohort_allocations, organisations};
use crate::email::notices;
use crate::error::AppError;
use crate::ids::{AgreementId, CohortId, OrganisationId};

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
        let known: BTreeSet<OrganisationId> = organisations::table
            .filter(organisations::id.eq_any(&wanted))
            .select(organisations::id)
            .load::<OrganisationId>(conn)?
            .into_iter()
            .collect();
        if let Some(unknown) = wanted.difference(&known).next() {
            return Err(AppError::field("organisation_ids", format!("no organisation has the id {unknown}")));
        }
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
