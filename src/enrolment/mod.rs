//! Enrolment: the people who take an organisation's seats in a confirmed
//! cohort, the waitlist for cohorts that are full, and invitations to
//! cohorts with open seats.

pub mod invitations;
pub mod participants;
pub mod waitlist;
