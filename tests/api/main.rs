//! Integration tests: the real application over HTTP, on SQLite and — when
//! `TEST_DATABASE_URL` is set — on PostgreSQL too.

mod access;
mod agreements;
mod answer_cache;
mod authorization;
mod browser;
mod cli;
mod courses;
mod demand;
mod email;
mod enrolment;
mod faults;
mod helpers;
mod import;
mod instances;
mod journeys;
mod metrics;
mod needs;
mod organisations;
mod outbox;
mod page_client;
mod pages;
mod pages_cohorts;
mod pages_coordinator;
mod pages_finance;
mod pages_organisation;
mod planning;
mod schemathesis;
mod service;
mod smtp_faults;
mod splits;
