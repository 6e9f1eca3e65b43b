//! SKO agreements: a framework agreement of a few years with a budget, under
//! which an organisation's needs are planned.

use chrono::{Months, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::term::Term;
use super::{now, required_text};
use crate::config::AgreementSettings;
use crate::db::DbConnection;
use crate::db::schema::{agreements, needs, organisations};
use crate::error::{AppError, Problems};
use crate::ids::{AgreementId, NeedId, OrganisationId};
use crate::money::Ore;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = agreements)]
pub struct Agreement {
    pub id: AgreementId,
    pub organisation_id: OrganisationId,
    pub reference: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub budget_ore: Ore,
    pub pooling: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AgreementStatus {
    Upcoming,
    Active,
    Ended,
}

impl Agreement {
    pub fn status_on(&self, today: NaiveDate) -> AgreementStatus {
        if today < self.starts_on {
            AgreementStatus::Upcoming
        } else if today > self.ends_on {
            AgreementStatus::Ended
        } else {
            AgreementStatus::Active
        }
    }

    pub fn view(self, today: NaiveDate) -> AgreementView {
        AgreementView {
            status: self.status_on(today),
            id: self.id,
            organisation_id: self.organisation_id,
            reference: self.reference,
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            budget_ore: self.budget_ore,
            pooling: self.pooling,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

/// An agreement as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgreementView {
    #[schema(value_type = i64)]
    pub id: AgreementId,
    #[schema(value_type = i64)]
    pub organisation_id: OrganisationId,
    #[schema(example = "SKO-2025-SUN-01")]
    pub reference: String,
    pub starts_on: NaiveDate,
    /// The last day of the agreement.
    pub ends_on: NaiveDate,
    #[schema(value_type = i64)]
    pub budget_ore: Ore,
    /// Whether its needs may share cohorts with other organisations.
    pub pooling: bool,
    /// Derived from today's date.
    pub status: AgreementStatus,
    #[serde(with = "super::utc_timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(with = "super::utc_timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgreementInput {
    pub organisation_id: i64,
    pub reference: String,
    /// `YYYY-MM-DD`.
    #[schema(example = "2025-01-01")]
    pub starts_on: String,
    /// `YYYY-MM-DD`, the last day of the agreement.
    #[schema(example = "2028-12-31")]
    pub ends_on: String,
    pub budget_ore: i64,
    #[serde(default = "default_pooling")]
    #[schema(default = true)]
    pub pooling: bool,
}

fn default_pooling() -> bool {
    true
}

/// A partial update: only the fields given change. An agreement cannot move
/// to another organisation.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgreementPatch {
    pub reference: Option<String>,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
    pub budget_ore: Option<i64>,
    pub pooling: Option<bool>,
}

#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = agreements)]
struct ValidAgreement {
    reference: String,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    budget_ore: Ore,
    pooling: bool,
}

pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| format!("{:?} is not a date; write it as YYYY-MM-DD, e.g. 2027-01-18", text.trim()))
}

/// Checks the agreement's length against the configured years. An agreement
/// of N years runs from its start to the day before the same date N years on
/// (2025-01-01 – 2028-12-31 is four years).
pub fn check_length(starts_on: NaiveDate, ends_on: NaiveDate, limits: &AgreementSettings) -> Result<(), String> {
    if ends_on < starts_on {
        return Err(format!("the agreement ends ({ends_on}) before it starts ({starts_on})"));
    }
    let years_on = |years: u32| {
        starts_on.checked_add_months(Months::new(12 * years)).and_then(|d| d.pred_opt()).unwrap_or(NaiveDate::MAX)
    };
    let (shortest_end, longest_end) = (years_on(limits.min_years), years_on(limits.max_years));
    if ends_on < shortest_end {
        Err(format!(
            "an agreement runs at least {} years; starting {starts_on} it ends {shortest_end} at the earliest",
            limits.min_years
        ))
    } else if ends_on > longest_end {
        Err(format!(
            "an agreement runs at most {} years; starting {starts_on} it ends {longest_end} at the latest",
            limits.max_years
        ))
    } else {
        Ok(())
    }
}

impl AgreementInput {
    fn validate(&self, organisation_exists: bool, limits: &AgreementSettings) -> Result<ValidAgreement, AppError> {
        let mut problems = Problems::new();
        if !organisation_exists {
            problems.add("organisation_id", format!("no organisation has the id {}", self.organisation_id));
        }
        let reference = problems.check("reference", required_text(&self.reference, 100));
        let starts_on = problems.check("starts_on", parse_date(&self.starts_on));
        let ends_on = problems.check("ends_on", parse_date(&self.ends_on));
        if let (Some(starts_on), Some(ends_on)) = (starts_on, ends_on) {
            problems.check("ends_on", check_length(starts_on, ends_on, limits));
        }
        if self.budget_ore < 0 {
            problems.add("budget_ore", "must not be negative (it is in öre: 2 000 000 kr is 200000000)");
        }
        problems.into_result()?;
        Ok(ValidAgreement {
            reference: reference.expect("checked"),
            starts_on: starts_on.expect("checked"),
            ends_on: ends_on.expect("checked"),
            budget_ore: Ore(self.budget_ore),
            pooling: self.pooling,
        })
    }
}

fn ensure_reference_is_free(
    conn: &mut DbConnection,
    reference: &str,
    except: Option<AgreementId>,
) -> Result<(), AppError> {
    let holder = agreements::table
        .filter(agreements::reference.eq(reference))
        .select(agreements::id)
        .first::<AgreementId>(conn)
        .optional()?;
    match holder {
        Some(id) if Some(id) != except => Err(AppError::conflict(
            "reference",
            format!("an agreement with the reference {reference:?} already exists"),
        )),
        _ => Ok(()),
    }
}

pub fn create(
    conn: &mut DbConnection,
    input: AgreementInput,
    limits: &AgreementSettings,
) -> Result<Agreement, AppError> {
    let organisation_exists =
        organisations::table.find(OrganisationId(input.organisation_id)).count().get_result::<i64>(conn)? > 0;
    let valid = input.validate(organisation_exists, limits)?;
    ensure_reference_is_free(conn, &valid.reference, None)?;
    let at = now();
    let id = diesel::insert_into(agreements::table)
        .values((
            &valid,
            agreements::organisation_id.eq(OrganisationId(input.organisation_id)),
            agreements::created_at.eq(at),
            agreements::updated_at.eq(at),
        ))
        .returning(agreements::id)
        .get_result::<AgreementId>(conn)?;
    find(conn, id)
}

pub fn update(
    conn: &mut DbConnection,
    id: AgreementId,
    patch: AgreementPatch,
    limits: &AgreementSettings,
) -> Result<Agreement, AppError> {
    let current = find(conn, id)?;
    let moved_field = if patch.starts_on.is_some() && patch.ends_on.is_none() { "starts_on" } else { "ends_on" };
    let candidate = AgreementInput {
        organisation_id: current.organisation_id.0,
        reference: patch.reference.unwrap_or_else(|| current.reference.clone()),
        starts_on: patch.starts_on.unwrap_or_else(|| current.starts_on.to_string()),
        ends_on: patch.ends_on.unwrap_or_else(|| current.ends_on.to_string()),
        budget_ore: patch.budget_ore.unwrap_or(current.budget_ore.0),
        pooling: patch.pooling.unwrap_or(current.pooling),
    };
    let valid = candidate.validate(true, limits)?;
    ensure_reference_is_free(conn, &valid.reference, Some(id))?;
    ensure_open_needs_fit(conn, id, valid.starts_on, valid.ends_on, moved_field)?;
    diesel::update(agreements::table.find(id)).set((&valid, agreements::updated_at.eq(now()))).execute(conn)?;
    find(conn, id)
}

/// A new period must still hold every term of every open need's window, or
/// those needs would become impossible to plan without anyone noticing.
fn ensure_open_needs_fit(
    conn: &mut DbConnection,
    id: AgreementId,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    field: &str,
) -> Result<(), AppError> {
    let windows = needs::table
        .filter(needs::agreement_id.eq(id))
        .filter(needs::status.eq("open"))
        .select((needs::id, needs::earliest_term, needs::latest_term))
        .load::<(NeedId, String, String)>(conn)?;
    let outside: Vec<String> = windows
        .into_iter()
        .filter(|(_, earliest, latest)| {
            let inside = |code: &str| Term::parse(code).is_ok_and(|t| t.lies_within(starts_on, ends_on));
            !(inside(earliest) && inside(latest))
        })
        .map(|(need, _, _)| need.to_string())
        .collect();
    if outside.is_empty() {
        Ok(())
    } else {
        Err(AppError::Conflict {
            message: format!(
                "open needs {} have terms outside the new period {starts_on} – {ends_on}; change or withdraw them first",
                outside.join(", ")
            ),
            fields: [(field.to_owned(), "open needs have terms outside this period".to_owned())].into(),
        })
    }
}

pub fn find(conn: &mut DbConnection, id: AgreementId) -> Result<Agreement, AppError> {
    agreements::table
        .find(id)
        .select(Agreement::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound("agreement"))
}

pub fn find_by_reference(conn: &mut DbConnection, reference: &str) -> Result<Option<Agreement>, AppError> {
    Ok(agreements::table
        .filter(agreements::reference.eq(reference.trim()))
        .select(Agreement::as_select())
        .first(conn)
        .optional()?)
}

pub fn list(
    conn: &mut DbConnection,
    scope: Option<OrganisationId>,
    organisation: Option<OrganisationId>,
) -> Result<Vec<Agreement>, AppError> {
    let mut query = agreements::table.select(Agreement::as_select()).into_boxed();
    if let Some(own) = scope {
        query = query.filter(agreements::organisation_id.eq(own));
    }
    if let Some(organisation) = organisation {
        query = query.filter(agreements::organisation_id.eq(organisation));
    }
    Ok(query.order((agreements::starts_on, agreements::id)).load(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> AgreementSettings {
        AgreementSettings { min_years: 2, max_years: 4 }
    }

    fn d(text: &str) -> NaiveDate {
        parse_date(text).unwrap()
    }

    #[test]
    fn two_to_four_years_are_accepted() {
        assert!(check_length(d("2025-01-01"), d("2028-12-31"), &limits()).is_ok());
        assert!(check_length(d("2025-03-15"), d("2027-03-14"), &limits()).is_ok());
        assert!(check_length(d("2025-03-15"), d("2028-01-31"), &limits()).is_ok());
    }

    #[test]
    fn too_short_or_too_long_is_refused_with_the_bound() {
        let short = check_length(d("2025-03-15"), d("2027-03-13"), &limits()).unwrap_err();
        assert!(short.contains("at least 2 years") && short.contains("2027-03-14"), "{short}");
        let long = check_length(d("2025-01-01"), d("2029-01-01"), &limits()).unwrap_err();
        assert!(long.contains("at most 4 years") && long.contains("2028-12-31"), "{long}");
    }

    #[test]
    fn ending_before_starting_is_named() {
        let err = check_length(d("2026-01-01"), d("2025-12-31"), &limits()).unwrap_err();
        assert!(err.contains("before it starts"), "{err}");
    }

    #[test]
    fn a_leap_day_start_counts_whole_years() {
        // 2028-02-29 + 2 years is 2030-02-28 (chrono clamps), so the shortest end is 2030-02-27.
        assert!(check_length(d("2028-02-29"), d("2030-02-27"), &limits()).is_ok());
        assert!(check_length(d("2028-02-29"), d("2030-02-26"), &limits()).is_err());
    }

    #[test]
    fn the_status_follows_today() {
        let a = Agreement {
            id: AgreementId(1),
            organisation_id: OrganisationId(1),
            reference: "R".into(),
            starts_on: d("2025-01-01"),
            ends_on: d("2028-12-31"),
            budget_ore: Ore(0),
            pooling: true,
            created_at: now(),
            updated_at: now(),
        };
        assert_eq!(a.status_on(d("2024-12-31")), AgreementStatus::Upcoming);
        assert_eq!(a.status_on(d("2025-01-01")), AgreementStatus::Active);
        assert_eq!(a.status_on(d("2028-12-31")), AgreementStatus::Active);
        assert_eq!(a.status_on(d("2029-01-01")), AgreementStatus::Ended);
    }

    #[test]
    fn dates_must_be_iso() {
        assert!(parse_date("2027-01-18").is_ok());
        for bad in ["18/1/2027", "2027-13-01", "2027-02-30", "", "2027-1-1x"] {
            assert!(parse_date(bad).is_err(), "{bad:?}");
        }
    }
}
