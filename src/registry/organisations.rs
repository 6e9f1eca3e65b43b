//! Organisations that buy contract education: municipalities, regions,
//! agencies and companies.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::email::parse_email;
use super::org_number::OrgNumber;
use super::{now, required_text};
use crate::db::DbConnection;
use crate::db::schema::organisations;
use crate::error::{AppError, Problems};
use crate::ids::OrganisationId;

pub const KINDS: [&str; 5] = ["municipality", "region", "agency", "company", "other"];

#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = organisations)]
pub struct Organisation {
    #[schema(value_type = i64)]
    pub id: OrganisationId,
    /// `NNNNNN-NNNN`.
    #[schema(example = "212000-2411")]
    pub org_number: String,
    #[schema(example = "Sundsvalls kommun")]
    pub name: String,
    /// `municipality`, `region`, `agency`, `company` or `other`.
    #[schema(example = "municipality")]
    pub kind: String,
    pub employees: i32,
    pub coordinator_email: String,
    pub finance_email: String,
    #[serde(with = "super::utc_timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(with = "super::utc_timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
    /// The language of its e-mails: `sv` (Swedish) or `en` (English).
    #[schema(example = "sv")]
    pub language: String,
}

/// What a client sends to register an organisation.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganisationInput {
    /// `NNNNNN-NNNN`; the ten digits without hyphen are accepted too.
    #[schema(example = "212000-2411")]
    pub org_number: String,
    pub name: String,
    pub kind: String,
    pub employees: i64,
    pub coordinator_email: String,
    pub finance_email: String,
    /// `sv` (the default) or `en`: the language of its e-mails.
    #[serde(default)]
    pub language: Option<String>,
}

/// A partial update: only the fields given change.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganisationPatch {
    pub org_number: Option<String>,
    pub name: Option<String>,
    pub kind: Option<String>,
    pub employees: Option<i64>,
    pub coordinator_email: Option<String>,
    pub finance_email: Option<String>,
    pub language: Option<String>,
}

/// The languages e-mails are written in.
pub const LANGUAGES: [&str; 2] = ["sv", "en"];

#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = organisations)]
struct ValidOrganisation {
    org_number: String,
    name: String,
    kind: String,
    employees: i32,
    coordinator_email: String,
    finance_email: String,
    language: String,
}

impl OrganisationInput {
    fn validate(self) -> Result<ValidOrganisation, AppError> {
        let mut problems = Problems::new();
        let org_number = problems.check("org_number", OrgNumber::parse(&self.org_number));
        let name = problems.check("name", required_text(&self.name, 200));
        let kind = problems.check(
            "kind",
            if KINDS.contains(&self.kind.as_str()) {
                Ok(self.kind.clone())
            } else {
                Err(format!("{:?} is not a kind of organisation; use one of {}", self.kind, KINDS.join(", ")))
            },
        );
        let employees = problems.check(
            "employees",
            match self.employees {
                1..=10_000_000 => Ok(self.employees as i32),
                _ => Err("must be a whole number of at least 1".to_owned()),
            },
        );
        let coordinator_email = problems.check("coordinator_email", parse_email(&self.coordinator_email));
        let finance_email = problems.check("finance_email", parse_email(&self.finance_email));
        let language = self.language.as_deref().map_or("sv", str::trim).to_owned();
        if !LANGUAGES.contains(&language.as_str()) {
            problems.add("language", format!("{language:?} is not a language we write in; use sv or en"));
        }
        problems.into_result()?;
        Ok(ValidOrganisation {
            org_number: org_number.expect("checked").to_string(),
            name: name.expect("checked"),
            kind: kind.expect("checked"),
            employees: employees.expect("checked"),
            coordinator_email: coordinator_email.expect("checked"),
            finance_email: finance_email.expect("checked"),
            language,
        })
    }
}

impl OrganisationPatch {
    fn apply_to(self, current: &Organisation) -> OrganisationInput {
        OrganisationInput {
            org_number: self.org_number.unwrap_or_else(|| current.org_number.clone()),
            name: self.name.unwrap_or_else(|| current.name.clone()),
            kind: self.kind.unwrap_or_else(|| current.kind.clone()),
            employees: self.employees.unwrap_or(i64::from(current.employees)),
            coordinator_email: self.coordinator_email.unwrap_or_else(|| current.coordinator_email.clone()),
            finance_email: self.finance_email.unwrap_or_else(|| current.finance_email.clone()),
            language: Some(self.language.unwrap_or_else(|| current.language.clone())),
        }
    }
}

/// The organisation registered under this (normalised) number, if any.
pub fn id_by_number(conn: &mut DbConnection, number: &str) -> Result<Option<OrganisationId>, AppError> {
    Ok(organisations::table
        .filter(organisations::org_number.eq(number))
        .select(organisations::id)
        .first::<OrganisationId>(conn)
        .optional()?)
}

fn ensure_number_is_free(
    conn: &mut DbConnection,
    number: &str,
    except: Option<OrganisationId>,
) -> Result<(), AppError> {
    match id_by_number(conn, number)? {
        Some(id) if Some(id) != except => Err(AppError::conflict(
            "org_number",
            format!("an organisation with the number {number} is already registered"),
        )),
        _ => Ok(()),
    }
}

pub fn create(conn: &mut DbConnection, input: OrganisationInput) -> Result<Organisation, AppError> {
    let valid = input.validate()?;
    ensure_number_is_free(conn, &valid.org_number, None)?;
    let at = now();
    let id = diesel::insert_into(organisations::table)
        .values((&valid, organisations::created_at.eq(at), organisations::updated_at.eq(at)))
        .returning(organisations::id)
        .get_result::<OrganisationId>(conn)?;
    find(conn, id)
}

pub fn update(conn: &mut DbConnection, id: OrganisationId, patch: OrganisationPatch) -> Result<Organisation, AppError> {
    let current = find(conn, id)?;
    let valid = patch.apply_to(&current).validate()?;
    ensure_number_is_free(conn, &valid.org_number, Some(id))?;
    diesel::update(organisations::table.find(id)).set((&valid, organisations::updated_at.eq(now()))).execute(conn)?;
    find(conn, id)
}

pub fn find(conn: &mut DbConnection, id: OrganisationId) -> Result<Organisation, AppError> {
    organisations::table
        .find(id)
        .select(Organisation::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound("organisation"))
}

/// All organisations, or only `scope`'s, by name.
pub fn list(conn: &mut DbConnection, scope: Option<OrganisationId>) -> Result<Vec<Organisation>, AppError> {
    let mut query = organisations::table.select(Organisation::as_select()).into_boxed();
    if let Some(own) = scope {
        query = query.filter(organisations::id.eq(own));
    }
    Ok(query.order((organisations::name, organisations::id)).load(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> OrganisationInput {
        OrganisationInput {
            org_number: "2120002411".into(),
            name: " Sundsvalls kommun ".into(),
            kind: "municipality".into(),
            employees: 8_600,
            coordinator_email: "kompetens@sundsvall.se".into(),
            finance_email: "ekonomi@sundsvall.se".into(),
            language: None,
        }
    }

    #[test]
    fn a_valid_organisation_is_normalised() {
        let valid = input().validate().unwrap();
        assert_eq!(valid.org_number, "212000-2411");
        assert_eq!(valid.name, "Sundsvalls kommun");
        assert_eq!(valid.language, "sv", "Swedish unless asked");
        let english = OrganisationInput { language: Some(" en ".into()), ..input() }.validate().unwrap();
        assert_eq!(english.language, "en");
    }

    #[test]
    fn every_bad_field_is_named_at_once() {
        let bad = OrganisationInput {
            org_number: "212000-2412".into(),
            name: "  ".into(),
            kind: "county".into(),
            employees: 0,
            coordinator_email: "kompetens".into(),
            finance_email: "ekonomi@".into(),
            language: Some("de".into()),
        };
        let AppError::Validation { fields, .. } = bad.validate().unwrap_err() else { panic!("not a validation error") };
        let named: Vec<&str> = fields.keys().map(String::as_str).collect();
        assert_eq!(
            named,
            ["coordinator_email", "employees", "finance_email", "kind", "language", "name", "org_number"]
        );
        assert!(fields["org_number"].contains("check digit"));
    }

    #[test]
    fn negative_employees_are_refused() {
        let bad = OrganisationInput { employees: -5, ..input() };
        assert!(bad.validate().is_err());
    }
}
