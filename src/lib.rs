//! Strumpavtal: pools the training demand of organisations with SKO
//! agreements into shared university cohorts, and splits their cost.
//!
//! Where things are:
//! - `registry` — organisations, agreements, courses, needs, demand;
//! - `planning` — the pure planner: which cohorts to form;
//! - `cohorts` — plans, cohorts, open seats and joins as stored;
//! - `splitting` — how a cohort's cost is divided;
//! - `access` — users, roles, API tokens;
//! - `web` — the HTTP API; `startup` builds the server, `cli` the commands;
//! - `db` — the database layer for SQLite and PostgreSQL;
//! - `bench` — `strumpavtal bench plan`, on a generated national data set.

pub mod access;
pub mod audit;
pub mod bench;
pub mod cli;
pub mod cohorts;
pub mod config;
pub mod db;
pub mod email;
pub mod enrolment;
pub mod error;
pub mod ids;
pub mod invoicing;
pub mod money;
pub mod planning;
pub mod registry;
pub mod splitting;
pub mod startup;
pub mod telemetry;
pub mod web;
