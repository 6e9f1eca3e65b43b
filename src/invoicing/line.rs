//! An invoicing line as finance teams receive it (fakturaunderlag): one
//! agreement's charge for one cohort, or a later correction of it.

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use crate::ids::{AgreementId, CohortId, InvoiceLineId, OrganisationId};
use crate::money::Ore;
use crate::splitting::SplitRule;

/// Why a line was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    /// The first invoice of the agreement's share of the cohort.
    Invoice,
    /// A correction that raised the share: the difference is charged.
    Debit,
    /// A correction that lowered the share (a withdrawal, a cancellation):
    /// the difference is paid back. Its amounts are negative.
    Credit,
}

impl LineKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LineKind::Invoice => "invoice",
            LineKind::Debit => "debit",
            LineKind::Credit => "credit",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Invoice, Self::Debit, Self::Credit].into_iter().find(|k| k.as_str() == text)
    }
}

/// One invoicing line. Amounts are what this line charges (negative on a
/// credit), so the lines of an agreement and cohort sum to its current share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct InvoicingLine {
    #[schema(value_type = i64)]
    pub id: InvoiceLineId,
    pub invoiced_on: NaiveDate,
    #[schema(value_type = i64)]
    pub cohort_id: CohortId,
    pub course_code: String,
    pub course_title: String,
    #[schema(example = "HT2027")]
    pub term: String,
    #[schema(value_type = i64)]
    pub agreement_id: AgreementId,
    pub agreement_reference: String,
    /// The split version this line brings the agreement's charge to.
    pub split_version: i32,
    pub kind: LineKind,
    /// The agreement's seats in that split version.
    pub seats: i32,
    pub split_rule: SplitRule,
    /// Excluding VAT.
    #[schema(value_type = i64)]
    pub amount_ore: Ore,
    #[schema(value_type = i64)]
    pub vat_ore: Ore,
    #[schema(value_type = i64)]
    pub amount_incl_vat_ore: Ore,
    /// What this line adds to the agreement's savings against going alone.
    #[schema(value_type = i64)]
    pub savings_ore: Ore,
}

/// The sums of a set of lines.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct InvoicingTotals {
    #[schema(value_type = i64)]
    pub amount_ore: Ore,
    #[schema(value_type = i64)]
    pub vat_ore: Ore,
    #[schema(value_type = i64)]
    pub amount_incl_vat_ore: Ore,
    #[schema(value_type = i64)]
    pub savings_ore: Ore,
}

impl InvoicingTotals {
    pub fn of(lines: &[InvoicingLine]) -> Self {
        Self {
            amount_ore: lines.iter().map(|l| l.amount_ore).sum(),
            vat_ore: lines.iter().map(|l| l.vat_ore).sum(),
            amount_incl_vat_ore: lines.iter().map(|l| l.amount_incl_vat_ore).sum(),
            savings_ore: lines.iter().map(|l| l.savings_ore).sum(),
        }
    }
}

/// An organisation's invoicing lines for a period, in the order they were
/// written, with their totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Invoicing {
    #[schema(value_type = i64)]
    pub organisation_id: OrganisationId,
    pub organisation_name: String,
    #[schema(example = "212000-2411")]
    pub org_number: String,
    /// First day of the period, if one was asked for.
    pub from: Option<NaiveDate>,
    /// Last day of the period, if one was asked for.
    pub to: Option<NaiveDate>,
    pub lines: Vec<InvoicingLine>,
    pub totals: InvoicingTotals,
}
