//! Pooled cohort formation: which cohorts to form from the open needs, so
//! that the most firm seats are placed at the lowest cost (rules.md, "The
//! plan"). Pure: no database and no HTTP, so it can be tested exhaustively.

mod flow;
mod instance;
mod model;
mod packing;
mod planner;
mod search;
mod share;
pub mod validate;

#[cfg(test)]
mod brute_force;
#[cfg(test)]
mod test_instances;

pub use model::*;
pub use planner::{DEFAULT_LIMITS, Limits, plan_course};
#[cfg(test)]
mod tests;
