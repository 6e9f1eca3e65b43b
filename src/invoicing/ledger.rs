//! Each agreement's ledger (rules.md, "Budgets"): its budget, what confirmed
//! cohorts have committed, what has been invoiced, and what remains. All
//! amounts exclude VAT, as budgets do.
//!
//! Committed is the agreement's share in the current split version of every
//! confirmed cohort, invoiced or not; a cancelled cohort commits nothing.
//! Invoiced is the sum of its invoicing lines, credits included.

use std::collections::{BTreeMap, HashMap};

use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::cohorts::CohortStatus;
use crate::db::DbConnection;
use crate::db::schema::{agreements, cohorts, invoice_lines, organisations, split_shares, split_versions};
use crate::error::AppError;
use crate::ids::{AgreementId, CohortId};
use crate::money::Ore;
use crate::registry::agreements::Agreement;
use crate::registry::term::Term;
use crate::splitting::Share;

/// An agreement's ledger.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Budget {
    #[schema(value_type = i64)]
    pub agreement_id: AgreementId,
    #[schema(value_type = i64)]
    pub budget_ore: Ore,
    /// Shares of confirmed cohorts, excluding VAT.
    #[schema(value_type = i64)]
    pub committed_ore: Ore,
    /// Net of invoices, debits and credits, excluding VAT.
    #[schema(value_type = i64)]
    pub invoiced_ore: Ore,
    /// `budget_ore − committed_ore`; negative when a coordinator overrode the budget.
    #[schema(value_type = i64)]
    pub remaining_ore: Ore,
}

pub fn budget(conn: &mut DbConnection, agreement: &Agreement) -> Result<Budget, AppError> {
    let committed = committed(conn, &[agreement.id], None)?.remove(&agreement.id).unwrap_or_default();
    let invoiced: Vec<Ore> = invoice_lines::table
        .filter(invoice_lines::agreement_id.eq(agreement.id))
        .select(invoice_lines::amount_ore)
        .load(conn)?;
    Ok(Budget {
        agreement_id: agreement.id,
        budget_ore: agreement.budget_ore,
        committed_ore: committed,
        invoiced_ore: invoiced.into_iter().sum(),
        remaining_ore: agreement.budget_ore - committed,
    })
}

/// What confirmed cohorts other than `except` commit of each agreement.
pub fn committed(
    conn: &mut DbConnection,
    agreement_ids: &[AgreementId],
    except: Option<CohortId>,
) -> Result<HashMap<AgreementId, Ore>, AppError> {
    let mut query = split_shares::table
        .inner_join(split_versions::table.inner_join(cohorts::table))
        .filter(cohorts::status.eq(CohortStatus::Confirmed.as_str()))
        .filter(cohorts::split_version.eq(split_versions::version.nullable()))
        .filter(split_shares::agreement_id.eq_any(agreement_ids))
        .select((split_shares::agreement_id, split_shares::amount_ore))
        .into_boxed();
    if let Some(cohort) = except {
        query = query.filter(cohorts::id.ne(cohort));
    }
    let mut sums: HashMap<AgreementId, Ore> = HashMap::new();
    for (agreement, amount) in query.load::<(AgreementId, Ore)>(conn)? {
        *sums.entry(agreement).or_default() += amount;
    }
    Ok(sums)
}

/// What the committed amount of each agreement is made of, by the cohorts'
/// terms. The same shares as `committed` (the current split version
/// of each confirmed cohort), with the term added.
pub fn committed_by_term(
    conn: &mut DbConnection,
    ids: &[AgreementId],
) -> Result<HashMap<AgreementId, Vec<(Term, Ore)>>, AppError> {
    let rows: Vec<(AgreementId, String, Ore)> = split_shares::table
        .inner_join(split_versions::table.inner_join(cohorts::table))
        .filter(cohorts::status.eq(CohortStatus::Confirmed.as_str()))
        .filter(cohorts::split_version.eq(split_versions::version.nullable()))
        .filter(split_shares::agreement_id.eq_any(ids))
        .select((split_shares::agreement_id, cohorts::term, split_shares::amount_ore))
        .load(conn)?;
    let mut sums: HashMap<AgreementId, BTreeMap<Term, Ore>> = HashMap::new();
    for (agreement, term, amount) in rows {
        // Stored codes were checked on the way in.
        let Ok(term) = Term::parse(&term) else { continue };
        *sums.entry(agreement).or_default().entry(term).or_default() += amount;
    }
    Ok(sums.into_iter().map(|(agreement, terms)| (agreement, terms.into_iter().collect())).collect())
}

/// An agreement whose remaining budget cannot carry its share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Shortfall {
    #[schema(value_type = i64)]
    pub agreement_id: AgreementId,
    pub agreement_reference: String,
    pub organisation_name: String,
    /// What the agreement has left before this cohort.
    #[schema(value_type = i64)]
    pub remaining_ore: Ore,
    /// Its share of this cohort, excluding VAT.
    #[schema(value_type = i64)]
    pub share_ore: Ore,
    /// `share_ore − remaining_ore`.
    #[schema(value_type = i64)]
    pub shortfall_ore: Ore,
}

/// The agreements among `shares` whose budget, less what other confirmed
/// cohorts commit, is smaller than their share of `cohort`.
pub fn shortfalls(conn: &mut DbConnection, cohort: CohortId, shares: &[Share]) -> Result<Vec<Shortfall>, AppError> {
    let ids: Vec<AgreementId> = shares.iter().map(|s| s.agreement_id).collect();
    let committed = committed(conn, &ids, Some(cohort))?;
    let facts: HashMap<AgreementId, (String, Ore, String)> = agreements::table
        .inner_join(organisations::table)
        .filter(agreements::id.eq_any(&ids))
        .select((agreements::id, (agreements::reference, agreements::budget_ore, organisations::name)))
        .load::<(AgreementId, (String, Ore, String))>(conn)?
        .into_iter()
        .collect();
    let mut found = Vec::new();
    for share in shares {
        let Some((reference, budget, organisation)) = facts.get(&share.agreement_id) else { continue };
        let remaining = *budget - committed.get(&share.agreement_id).copied().unwrap_or_default();
        if share.amount_ore > remaining {
            found.push(Shortfall {
                agreement_id: share.agreement_id,
                agreement_reference: reference.clone(),
                organisation_name: organisation.clone(),
                remaining_ore: remaining,
                share_ore: share.amount_ore,
                shortfall_ore: share.amount_ore - remaining,
            });
        }
    }
    Ok(found)
}
