//! The audit log: every confirm, budget override, join, withdrawal,
//! cancellation and invoice, with who, when and what. Entries are written in
//! the same transaction as the change they describe, so neither exists
//! without the other, and are never changed afterwards.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::access::Caller;
use crate::db::DbConnection;
use crate::db::schema::audit_log;
use crate::error::AppError;
use crate::ids::{AgreementId, AuditEntryId, CohortId, UserId};
use crate::registry::now;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    Confirm,
    /// A coordinator let a cohort take an agreement past its budget.
    OverrideBudget,
    Join,
    Withdraw,
    Cancel,
    Invoice,
}

impl AuditAction {
    pub(crate) const ALL: [AuditAction; 6] = [
        AuditAction::Confirm,
        AuditAction::OverrideBudget,
        AuditAction::Join,
        AuditAction::Withdraw,
        AuditAction::Cancel,
        AuditAction::Invoice,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Confirm => "confirm",
            AuditAction::OverrideBudget => "override_budget",
            AuditAction::Join => "join",
            AuditAction::Withdraw => "withdraw",
            AuditAction::Cancel => "cancel",
            AuditAction::Invoice => "invoice",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == text.trim())
    }
}

/// Writes one entry. `details` says what changed, as a JSON object.
pub fn record(
    conn: &mut DbConnection,
    caller: &Caller,
    action: AuditAction,
    cohort: Option<CohortId>,
    agreement: Option<AgreementId>,
    details: serde_json::Value,
) -> Result<(), AppError> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::at.eq(now()),
            audit_log::user_id.eq(caller.user_id),
            audit_log::user_email.eq(&caller.email),
            audit_log::action.eq(action.as_str()),
            audit_log::cohort_id.eq(cohort),
            audit_log::agreement_id.eq(agreement),
            audit_log::details.eq(details.to_string()),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditEntry {
    #[schema(value_type = i64)]
    pub id: AuditEntryId,
    #[serde(with = "crate::registry::utc_timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub at: NaiveDateTime,
    #[schema(value_type = Option<i64>)]
    pub user_id: Option<UserId>,
    pub user_email: String,
    pub action: AuditAction,
    #[schema(value_type = Option<i64>)]
    pub cohort_id: Option<CohortId>,
    #[schema(value_type = Option<i64>)]
    pub agreement_id: Option<AgreementId>,
    /// What changed, in the action's own terms (seats, amounts in öre, the
    /// reason given for an override …).
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditFilter {
    pub cohort_id: Option<i64>,
    pub agreement_id: Option<i64>,
    /// `confirm`, `override_budget`, `join`, `withdraw`, `cancel` or `invoice`.
    pub action: Option<String>,
    /// At most this many entries, newest first (default 100, at most 1000).
    pub limit: Option<i64>,
}

type Row = (AuditEntryId, NaiveDateTime, Option<UserId>, String, String, Option<CohortId>, Option<AgreementId>, String);

/// Entries newest first (coordinators only).
pub fn list(conn: &mut DbConnection, caller: &Caller, filter: &AuditFilter) -> Result<Vec<AuditEntry>, AppError> {
    caller.require_coordinator("read the audit log")?;
    let limit = filter.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(AppError::field("limit", "must be between 1 and 1000"));
    }
    let mut query = audit_log::table.into_boxed();
    if let Some(action) = &filter.action {
        let action = AuditAction::parse(action).ok_or_else(|| {
            AppError::field(
                "action",
                format!("{action:?} is not an action; use confirm, override_budget, join, withdraw, cancel or invoice"),
            )
        })?;
        query = query.filter(audit_log::action.eq(action.as_str()));
    }
    if let Some(cohort) = filter.cohort_id {
        query = query.filter(audit_log::cohort_id.eq(CohortId(cohort)));
    }
    if let Some(agreement) = filter.agreement_id {
        query = query.filter(audit_log::agreement_id.eq(AgreementId(agreement)));
    }
    let rows: Vec<Row> = query
        .order(audit_log::id.desc())
        .limit(limit)
        .select((
            audit_log::id,
            audit_log::at,
            audit_log::user_id,
            audit_log::user_email,
            audit_log::action,
            audit_log::cohort_id,
            audit_log::agreement_id,
            audit_log::details,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(id, at, user_id, user_email, action, cohort_id, agreement_id, details)| {
            // Only `record` writes the table, with a known action and JSON.
            let action = AuditAction::parse(&action)
                .ok_or_else(|| anyhow::anyhow!("audit entry {id} has an unknown action {action:?}"))?;
            let details = serde_json::from_str(&details)
                .map_err(|e| anyhow::anyhow!("audit entry {id} has unreadable details: {e}"))?;
            Ok(AuditEntry { id, at, user_id, user_email, action, cohort_id, agreement_id, details })
        })
        .collect()
}
