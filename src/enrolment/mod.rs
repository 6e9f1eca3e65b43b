//! Enrolment: the people who take an organisation's seats in a confirmed
//! cohort, and the waitlist for cohorts that are full.

pub mod participants;
pub mod waitlist;
