//! Splitting a cohort's cost among its partner organisations.

mod rule;

pub use rule::SplitRule;
