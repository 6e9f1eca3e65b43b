//! Cohorts as stored: the planner's proposals, the seats of each need in
//! them, the open seats organisations may join, and the plans themselves.
//! The planning itself is pure (`crate::planning`); this is where its input
//! is read from the registry and its answer written back.

pub mod join;
pub mod open_seats;
pub mod plans;
mod records;
mod views;

pub use records::{AllocationRecord, CohortRecord, CohortStatus};
pub use views::{AllocationView, CohortFilter, CohortView, PerSeatPreview, get, list, load_views};
