//! Enrolment: the people who take an organisation's seats in a confirmed
//! cohort.

pub mod participants;
