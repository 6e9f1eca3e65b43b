//! Users of the service, made from the command line (`strumpavtal user add`).

use chrono::Utc;
use diesel::prelude::*;

use super::Role;
use crate::db::schema::users;
use crate::db::{DbConnection, write_transaction};
use crate::error::AppError;
use crate::ids::{OrganisationId, UserId};
use crate::registry::email::parse_email;
use crate::registry::org_number::OrgNumber;
use crate::registry::organisations;

pub struct NewUser<'a> {
    pub email: &'a str,
    pub role: Role,
    /// Required for organisation and finance users, refused for the others.
    pub organisation: Option<&'a str>,
}

pub struct CreatedUser {
    pub id: UserId,
    pub email: String,
    pub organisation_id: Option<OrganisationId>,
    /// The API token in clear; shown once.
    pub token: String,
}

/// Creates a user with a fresh API token, in one transaction.
pub fn create(conn: &mut DbConnection, new: NewUser<'_>) -> Result<CreatedUser, AppError> {
    let email = parse_email(new.email).map_err(|e| AppError::field("email", e))?;
    let organisation_number = match (new.role.belongs_to_an_organisation(), new.organisation) {
        (true, None) => {
            return Err(AppError::field(
                "organisation",
                format!("a {} user belongs to an organisation; give its organisation number", new.role),
            ));
        }
        (false, Some(_)) => {
            return Err(AppError::field(
                "organisation",
                format!("a {} user works across all organisations; give no organisation", new.role),
            ));
        }
        (_, given) => given.map(OrgNumber::parse).transpose().map_err(|e| AppError::field("organisation", e))?,
    };
    write_transaction(conn, |conn| {
        let organisation_id =
            match &organisation_number {
                None => None,
                Some(number) => Some(organisations::id_by_number(conn, number.as_str())?.ok_or_else(|| {
                    AppError::field("organisation", format!("no organisation has the number {number}"))
                })?),
            };
        let taken = users::table.filter(users::email.eq(&email)).count().get_result::<i64>(conn)? > 0;
        if taken {
            return Err(AppError::conflict("email", format!("a user with the e-mail address {email} already exists")));
        }
        let id = diesel::insert_into(users::table)
            .values((
                users::email.eq(&email),
                users::role.eq(new.role.as_str()),
                users::organisation_id.eq(organisation_id),
                users::created_at.eq(Utc::now().naive_utc()),
            ))
            .returning(users::id)
            .get_result::<UserId>(conn)?;
        let token = super::tokens::issue(conn, id)?;
        Ok(CreatedUser { id, email: email.clone(), organisation_id, token })
    })
}

/// Finds a user by e-mail address.
pub fn find_by_email(conn: &mut DbConnection, email: &str) -> Result<Option<UserId>, AppError> {
    Ok(users::table.filter(users::email.eq(email)).select(users::id).first::<UserId>(conn).optional()?)
}
