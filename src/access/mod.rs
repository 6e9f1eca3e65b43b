//! Who may do what: users, their roles and API tokens.
//!
//! `admin` and `coordinator` see and change everything. `organisation` users
//! see their own organisation and change its needs; `finance` users read their
//! own organisation's agreements and money. Anything outside a caller's
//! organisation is "not found" for them, never its data.

pub mod passwords;
pub mod sessions;
pub mod sign_in_limit;
pub mod tokens;
pub mod users;

use std::fmt;
use std::str::FromStr;

use crate::error::AppError;
use crate::ids::{OrganisationId, UserId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Coordinator,
    Organisation,
    Finance,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Coordinator => "coordinator",
            Role::Organisation => "organisation",
            Role::Finance => "finance",
        }
    }

    /// Organisation and finance users act for one organisation.
    pub fn belongs_to_an_organisation(self) -> bool {
        matches!(self, Role::Organisation | Role::Finance)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "admin" => Ok(Role::Admin),
            "coordinator" => Ok(Role::Coordinator),
            "organisation" => Ok(Role::Organisation),
            "finance" => Ok(Role::Finance),
            other => Err(format!("unknown role {other:?}")),
        }
    }
}

/// The authenticated user behind a request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: UserId,
    pub email: String,
    pub role: Role,
    /// Set for organisation and finance users.
    pub organisation_id: Option<OrganisationId>,
}

impl Caller {
    /// Admins and coordinators work across all organisations.
    pub fn is_coordinator(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Coordinator)
    }

    pub fn require_coordinator(&self, action: &str) -> Result<(), AppError> {
        if self.is_coordinator() {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!("only coordinators and administrators may {action}")))
        }
    }

    /// The one organisation whose data the caller may see, or `None` for all.
    pub fn scope(&self) -> Option<OrganisationId> {
        if self.is_coordinator() { None } else { Some(self.organisation_id.unwrap_or(OrganisationId(-1))) }
    }

    pub fn can_see(&self, organisation: OrganisationId) -> bool {
        self.scope().is_none_or(|own| own == organisation)
    }

    /// Coordinators change anyone's needs; organisation users their own.
    pub fn may_change_needs_of(&self, organisation: OrganisationId) -> bool {
        self.is_coordinator() || (self.role == Role::Organisation && self.organisation_id == Some(organisation))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(role: Role, organisation: Option<i64>) -> Caller {
        Caller {
            user_id: UserId(1),
            email: "x@example.se".into(),
            role,
            organisation_id: organisation.map(OrganisationId),
        }
    }

    #[test]
    fn coordinators_see_everything() {
        for role in [Role::Admin, Role::Coordinator] {
            let c = caller(role, None);
            assert!(c.can_see(OrganisationId(7)) && c.may_change_needs_of(OrganisationId(7)));
            assert!(c.require_coordinator("plan").is_ok());
        }
    }

    #[test]
    fn organisation_users_see_only_their_own() {
        let c = caller(Role::Organisation, Some(3));
        assert!(c.can_see(OrganisationId(3)) && c.may_change_needs_of(OrganisationId(3)));
        assert!(!c.can_see(OrganisationId(4)) && !c.may_change_needs_of(OrganisationId(4)));
        assert!(c.require_coordinator("plan").is_err());
    }

    #[test]
    fn finance_users_read_but_do_not_change_needs() {
        let c = caller(Role::Finance, Some(3));
        assert!(c.can_see(OrganisationId(3)));
        assert!(!c.may_change_needs_of(OrganisationId(3)));
    }

    #[test]
    fn a_user_without_organisation_sees_nothing() {
        let c = caller(Role::Organisation, None);
        assert!(!c.can_see(OrganisationId(1)));
    }
}
