//! The course catalogue: what the university offers, with its fees and the
//! size a cohort must have.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{now, required_text};
use crate::db::DbConnection;
use crate::db::schema::courses;
use crate::error::{AppError, Problems};
use crate::ids::CourseId;
use crate::money::Ore;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = courses)]
pub struct Course {
    pub id: CourseId,
    pub code: String,
    pub title: String,
    /// Credits (hp) in tenths, so 7.5 hp is 75: exact, unlike a float column.
    pub credits_tenths: i32,
    pub min_participants: i32,
    pub max_participants: i32,
    pub fixed_fee_ore: Ore,
    pub per_participant_fee_ore: Ore,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A course as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CourseView {
    #[schema(value_type = i64)]
    pub id: CourseId,
    #[schema(example = "SAMT3")]
    pub code: String,
    pub title: String,
    /// Higher-education credits (hp): 3, 4.5, 7.5 …
    #[schema(example = 7.5)]
    pub credits: f64,
    pub min_participants: i32,
    pub max_participants: i32,
    #[schema(value_type = i64)]
    pub fixed_fee_ore: Ore,
    #[schema(value_type = i64)]
    pub per_participant_fee_ore: Ore,
    #[serde(with = "super::utc_timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(with = "super::utc_timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
}

impl From<Course> for CourseView {
    fn from(c: Course) -> Self {
        CourseView {
            id: c.id,
            code: c.code,
            title: c.title,
            credits: f64::from(c.credits_tenths) / 10.0,
            min_participants: c.min_participants,
            max_participants: c.max_participants,
            fixed_fee_ore: c.fixed_fee_ore,
            per_participant_fee_ore: c.per_participant_fee_ore,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CourseInput {
    /// Letters, digits and `-`; stored in upper case.
    pub code: String,
    pub title: String,
    pub credits: f64,
    pub min_participants: i64,
    pub max_participants: i64,
    pub fixed_fee_ore: i64,
    pub per_participant_fee_ore: i64,
}

/// A partial update. The code names the course and does not change.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CoursePatch {
    pub title: Option<String>,
    pub credits: Option<f64>,
    pub min_participants: Option<i64>,
    pub max_participants: Option<i64>,
    pub fixed_fee_ore: Option<i64>,
    pub per_participant_fee_ore: Option<i64>,
}

#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = courses)]
struct ValidCourse {
    code: String,
    title: String,
    credits_tenths: i32,
    min_participants: i32,
    max_participants: i32,
    fixed_fee_ore: Ore,
    per_participant_fee_ore: Ore,
}

/// A course code as given, as it is stored: trimmed, in capitals. Course
/// codes are compared so: `samt3` and `SAMT3` are one course.
pub fn stored_code(code: &str) -> String {
    code.trim().to_ascii_uppercase()
}

/// A course code as stored ([`stored_code`]), if it is one.
pub fn normalise_code(code: &str) -> Result<String, String> {
    let code = stored_code(code);
    if code.is_empty() {
        Err("must not be empty".into())
    } else if code.len() > 20 || !code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        Err(format!("{code:?} is not a course code: use up to 20 letters A–Z, digits and -"))
    } else {
        Ok(code)
    }
}

/// Credits come in half points (1.5 hp is one full-time week).
fn credits_in_tenths(credits: f64) -> Result<i32, String> {
    let tenths = credits * 10.0;
    let whole = tenths.round();
    if !credits.is_finite() || credits <= 0.0 || credits > 120.0 {
        Err("must be a number of credits between 0.5 and 120".into())
    } else if (tenths - whole).abs() > 1e-6 || whole as i32 % 5 != 0 {
        Err(format!("{credits} is not a whole or half number of credits (e.g. 3, 4.5, 7.5)"))
    } else {
        Ok(whole as i32)
    }
}

fn count(value: i64, what: &str) -> Result<i32, String> {
    match value {
        1..=10_000 => Ok(value as i32),
        _ => Err(format!("{what} must be a whole number from 1 to 10000")),
    }
}

fn fee(value: i64) -> Result<Ore, String> {
    if value < 0 { Err("must not be negative (fees are in öre)".into()) } else { Ok(Ore(value)) }
}

impl CourseInput {
    fn validate(&self) -> Result<ValidCourse, AppError> {
        let mut problems = Problems::new();
        let code = problems.check("code", normalise_code(&self.code));
        let title = problems.check("title", required_text(&self.title, 300));
        let credits_tenths = problems.check("credits", credits_in_tenths(self.credits));
        let min = problems.check("min_participants", count(self.min_participants, "min_participants"));
        let max = problems.check("max_participants", count(self.max_participants, "max_participants"));
        if let (Some(min), Some(max)) = (min, max)
            && min > max
        {
            problems.add("min_participants", format!("the minimum ({min}) is above the maximum ({max}) participants"));
        }
        let fixed = problems.check("fixed_fee_ore", fee(self.fixed_fee_ore));
        let per_participant = problems.check("per_participant_fee_ore", fee(self.per_participant_fee_ore));
        // A full cohort's cost must stay far inside i64 öre.
        if let (Some(fixed), Some(per), Some(max)) = (fixed, per_participant, max)
            && per
                .checked_mul(i64::from(max))
                .and_then(|v| v.checked_add(fixed))
                .is_none_or(|t| t.0 > 1_000_000_000_000)
        {
            problems.add("fixed_fee_ore", "the fees of a full cohort exceed 10 000 000 000 kr");
        }
        problems.into_result()?;
        Ok(ValidCourse {
            code: code.expect("checked"),
            title: title.expect("checked"),
            credits_tenths: credits_tenths.expect("checked"),
            min_participants: min.expect("checked"),
            max_participants: max.expect("checked"),
            fixed_fee_ore: fixed.expect("checked"),
            per_participant_fee_ore: per_participant.expect("checked"),
        })
    }
}

pub fn create(conn: &mut DbConnection, input: CourseInput) -> Result<Course, AppError> {
    let valid = input.validate()?;
    if find_by_code(conn, &valid.code)?.is_some() {
        return Err(AppError::conflict("code", format!("a course with the code {} already exists", valid.code)));
    }
    let at = now();
    let id = diesel::insert_into(courses::table)
        .values((&valid, courses::created_at.eq(at), courses::updated_at.eq(at)))
        .returning(courses::id)
        .get_result::<CourseId>(conn)?;
    find(conn, id)
}

pub fn update(conn: &mut DbConnection, code: &str, patch: CoursePatch) -> Result<Course, AppError> {
    let current = find_by_code(conn, code)?.ok_or(AppError::NotFound("course"))?;
    let candidate = CourseInput {
        code: current.code.clone(),
        title: patch.title.unwrap_or_else(|| current.title.clone()),
        credits: patch.credits.unwrap_or(f64::from(current.credits_tenths) / 10.0),
        min_participants: patch.min_participants.unwrap_or(i64::from(current.min_participants)),
        max_participants: patch.max_participants.unwrap_or(i64::from(current.max_participants)),
        fixed_fee_ore: patch.fixed_fee_ore.unwrap_or(current.fixed_fee_ore.0),
        per_participant_fee_ore: patch.per_participant_fee_ore.unwrap_or(current.per_participant_fee_ore.0),
    };
    let valid = candidate.validate()?;
    diesel::update(courses::table.find(current.id)).set((&valid, courses::updated_at.eq(now()))).execute(conn)?;
    find(conn, current.id)
}

pub fn find(conn: &mut DbConnection, id: CourseId) -> Result<Course, AppError> {
    Ok(courses::table.find(id).select(Course::as_select()).first(conn)?)
}

/// The course with this code (any case), if there is one.
pub fn find_by_code(conn: &mut DbConnection, code: &str) -> Result<Option<Course>, AppError> {
    let Ok(code) = normalise_code(code) else { return Ok(None) };
    Ok(courses::table.filter(courses::code.eq(code)).select(Course::as_select()).first(conn).optional()?)
}

pub fn list(conn: &mut DbConnection) -> Result<Vec<Course>, AppError> {
    Ok(courses::table.select(Course::as_select()).order(courses::code).load(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> CourseInput {
        CourseInput {
            code: " samt3 ".into(),
            title: "Samtalsmetodik".into(),
            credits: 3.0,
            min_participants: 10,
            max_participants: 30,
            fixed_fee_ore: 12_000_000,
            per_participant_fee_ore: 500_000,
        }
    }

    #[test]
    fn a_valid_course_is_normalised() {
        let valid = input().validate().unwrap();
        assert_eq!(valid.code, "SAMT3");
        assert_eq!(valid.credits_tenths, 30);
    }

    #[test]
    fn half_credits_are_exact_and_others_refused() {
        assert_eq!(credits_in_tenths(7.5), Ok(75));
        assert_eq!(credits_in_tenths(4.5), Ok(45));
        assert_eq!(credits_in_tenths(0.5), Ok(5));
        for bad in [0.0, -3.0, 2.25, 3.3, f64::NAN, f64::INFINITY, 500.0] {
            assert!(credits_in_tenths(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn min_above_max_is_refused() {
        let err = CourseInput { min_participants: 31, ..input() }.validate().unwrap_err();
        let AppError::Validation { fields, .. } = err else { panic!() };
        assert!(fields["min_participants"].contains("above the maximum"), "{fields:?}");
    }

    #[test]
    fn negative_fees_and_sizes_are_refused() {
        assert!(CourseInput { fixed_fee_ore: -1, ..input() }.validate().is_err());
        assert!(CourseInput { per_participant_fee_ore: -1, ..input() }.validate().is_err());
        assert!(CourseInput { min_participants: 0, ..input() }.validate().is_err());
        assert!(CourseInput { per_participant_fee_ore: i64::MAX / 2, ..input() }.validate().is_err());
    }

    #[test]
    fn codes_are_upper_case_letters_digits_and_hyphens() {
        assert_eq!(normalise_code("psy-101").unwrap(), "PSY-101");
        for bad in ["", "  ", "PSY 101", "PSY/101", "ÅÄÖ1", "A234567890123456789012"] {
            assert!(normalise_code(bad).is_err(), "{bad:?}");
        }
    }
}
