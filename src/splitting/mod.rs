//! Splitting a cohort's cost among its partner organisations: pure
//! functions over plain structs, no database and no HTTP.

mod apportion;
mod rule;
mod split;
mod vat;

pub use apportion::{ApportionError, Weighted, apportion};
pub use rule::SplitRule;
pub use split::{CourseFees, Party, Share, Split, SplitError, per_seat, split};
pub use vat::VatRate;
