//! Loads the demo data set (`serve --demo`) into an empty database, through
//! the same checks as the API, and makes demo users to log in with.

use chrono::{Datelike, Months, NaiveDate};
use diesel::prelude::*;

use super::agreements::{self, AgreementInput};
use super::courses::{self, CourseInput};
use super::demo_data;
use super::needs::{self, NeedDraft};
use super::organisations::{self, OrganisationInput};
use super::term::Term;
use crate::access::{Role, passwords, tokens, users};
use crate::config::AgreementSettings;
use crate::db::schema::organisations as organisations_table;
use crate::db::{DbConnection, write_transaction};
use crate::error::{AppError, Problems};

/// A demo user and a fresh token to log in with.
pub struct DemoLogin {
    pub email: &'static str,
    pub role: Role,
    pub organisation: Option<&'static str>,
    pub token: String,
}

/// The demo users, and the password they sign in to the web pages with.
pub struct DemoLogins {
    pub users: Vec<DemoLogin>,
    pub password: String,
}

/// A fresh password that is easy to type: four groups of four letters.
fn readable_password() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    let group =
        |rng: &mut rand::rngs::ThreadRng| (0..4).map(|_| rng.random_range(b'a'..=b'z') as char).collect::<String>();
    (0..4).map(|_| group(&mut rng)).collect::<Vec<_>>().join("-")
}

pub struct DemoCounts {
    pub organisations: usize,
    pub agreements: usize,
    pub courses: usize,
    pub needs: usize,
}

const DEMO_USERS: [(&str, Role, Option<&str>); 3] = [
    ("samordnare@strumpavtal.example", Role::Coordinator, None),
    ("kompetens@ange.example", Role::Organisation, Some("212000-2387")),
    ("ekonomi@ange.example", Role::Finance, Some("212000-2387")),
];

/// Loads the data set if the database has no organisations yet; returns what
/// was loaded, or `None` when the database already held data.
pub fn load_if_empty(
    conn: &mut DbConnection,
    today: NaiveDate,
    limits: &AgreementSettings,
) -> Result<Option<DemoCounts>, AppError> {
    write_transaction(conn, |conn| {
        let existing: i64 = organisations_table::table.count().get_result(conn)?;
        if existing > 0 {
            return Ok(None);
        }
        load(conn, today, limits).map(Some)
    })
}

fn load(conn: &mut DbConnection, today: NaiveDate, limits: &AgreementSettings) -> Result<DemoCounts, AppError> {
    let mut organisation_ids = std::collections::HashMap::new();
    for o in demo_data::organisations() {
        let created = organisations::create(
            conn,
            OrganisationInput {
                org_number: o.org_number.into(),
                name: o.name.into(),
                kind: o.kind.into(),
                employees: i64::from(o.employees),
                coordinator_email: o.coordinator_email.into(),
                finance_email: o.finance_email.into(),
                language: None,
            },
        )?;
        organisation_ids.insert(o.org_number, created.id);
    }
    for a in demo_data::agreements() {
        let (starts_on, ends_on) = period(today, a.start_year_offset, a.start_month, a.years);
        agreements::create(
            conn,
            AgreementInput {
                organisation_id: organisation_ids[a.org_number].0,
                reference: a.reference.into(),
                starts_on: starts_on.to_string(),
                ends_on: ends_on.to_string(),
                budget_ore: a.budget_ore,
                pooling: a.pooling,
            },
            limits,
        )?;
    }
    for c in demo_data::courses() {
        courses::create(
            conn,
            CourseInput {
                code: c.code.into(),
                title: c.title.into(),
                credits: f64::from(c.credits_tenths) / 10.0,
                min_participants: i64::from(c.min_participants),
                max_participants: i64::from(c.max_participants),
                fixed_fee_ore: c.fixed_fee_ore,
                per_participant_fee_ore: c.per_participant_fee_ore,
            },
        )?;
    }
    let first_term = Term::first_not_begun(today);
    let term_at = |offset: u32| (0..offset).fold(first_term, |t, _| t.next()).to_string();
    for n in demo_data::needs() {
        let agreement = agreements::find_by_reference(conn, n.agreement_reference)?;
        let course = courses::find_by_code(conn, n.course_code)?;
        let (earliest, latest) = (term_at(n.earliest_term_offset), term_at(n.latest_term_offset));
        let draft = NeedDraft {
            seats: i64::from(n.seats),
            extra_seats: i64::from(n.extra_seats),
            earliest_term: &earliest,
            latest_term: &latest,
            note: n.note,
        };
        let mut problems = Problems::new();
        match draft.check(agreement.as_ref(), course.as_ref(), &mut problems) {
            Some(valid) => {
                needs::insert(conn, &valid)?;
            }
            None => {
                problems.into_result()?;
                return Err(AppError::Internal(anyhow::anyhow!(
                    "demo need {} / {} names an unknown agreement or course",
                    n.agreement_reference,
                    n.course_code
                )));
            }
        }
    }
    Ok(DemoCounts {
        organisations: demo_data::organisations().len(),
        agreements: demo_data::agreements().len(),
        courses: demo_data::courses().len(),
        needs: demo_data::needs().len(),
    })
}

/// The agreement period: the first of `start_month` in the current year plus
/// `year_offset`, running `years` whole years.
fn period(today: NaiveDate, year_offset: i32, start_month: u32, years: u32) -> (NaiveDate, NaiveDate) {
    let starts_on = NaiveDate::from_ymd_opt(today.year() + year_offset, start_month, 1).expect("valid demo month");
    let ends_on = starts_on
        .checked_add_months(Months::new(12 * years))
        .and_then(|d| d.pred_opt())
        .expect("demo period within the calendar");
    (starts_on, ends_on)
}

/// Makes sure the demo users exist and gives each a fresh token, and all of
/// them one fresh password for the web pages (earlier ones stop working).
/// Users of an organisation that is not in the database (it held other data
/// before the demo) are left out.
pub fn logins(conn: &mut DbConnection) -> Result<DemoLogins, AppError> {
    let password = readable_password();
    let hashed = passwords::hash(&password).map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
    write_transaction(conn, |conn| {
        let mut logins = Vec::new();
        for (email, role, organisation) in DEMO_USERS {
            if let Some(number) = organisation
                && organisations::id_by_number(conn, number)?.is_none()
            {
                continue;
            }
            let (id, token) = match users::find_by_email(conn, email)? {
                Some(id) => (id, tokens::issue(conn, id)?),
                None => {
                    let created = users::create(conn, users::NewUser { email, role, organisation })?;
                    (created.id, created.token)
                }
            };
            passwords::store(conn, id, &hashed)?;
            logins.push(DemoLogin { email, role, organisation, token });
        }
        Ok(DemoLogins { users: logins, password: password.clone() })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_passwords_are_long_enough_and_fresh() {
        let (one, two) = (readable_password(), readable_password());
        assert_eq!(one.len(), 19);
        assert!(passwords::hash(&one).is_ok(), "long enough for the password rule");
        assert_ne!(one, two);
    }

    #[test]
    fn periods_run_whole_years() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        let (starts_on, ends_on) = period(today, -1, 7, 4);
        assert_eq!(starts_on.to_string(), "2025-07-01");
        assert_eq!(ends_on.to_string(), "2029-06-30");
    }
}
