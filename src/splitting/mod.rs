//! Splitting a cohort's cost among its partner organisations.

mod apportion;
mod per_seat;
mod rule;

pub use apportion::{ApportionError, Weighted, apportion};
pub use per_seat::{CourseFees, Party, Share, Split, SplitError, per_seat};
pub use rule::SplitRule;
