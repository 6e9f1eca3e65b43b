//! Money after confirmation: the invoicing lines finance teams receive, the
//! exports they open in Excel, and each agreement's budget ledger.

pub mod export;
pub mod invoice;
pub mod ledger;
pub mod line;

pub use line::{Invoicing, InvoicingLine, InvoicingTotals, LineKind};
