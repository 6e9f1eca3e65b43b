//! Passwords for signing in to the web pages: stored only as Argon2id hashes
//! (PHC strings with their own salt and parameters), and a lockout after
//! repeated failures so that guessing is slow.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::users;
use crate::error::AppError;
use crate::ids::UserId;

/// Shorter passwords are refused; NCSC and NIST ask for length, not symbols.
pub const MIN_LENGTH: usize = 12;
/// Failed sign-ins in a row that lock a user out …
pub const FAILURES_BEFORE_LOCKOUT: i32 = 5;
/// … for this long.
pub const LOCKOUT_MINUTES: i64 = 15;

/// The Argon2id hash of `password`, or what is wrong with the password.
pub fn hash(password: &str) -> Result<String, String> {
    if password.chars().count() < MIN_LENGTH {
        return Err(format!("a password needs at least {MIN_LENGTH} characters"));
    }
    Argon2::default().hash_password(password.as_bytes()).map(|h| h.to_string()).map_err(|e| e.to_string())
}

/// Whether `password` matches the stored hash. A hash that cannot be read
/// matches nothing.
pub fn matches(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|hash| Argon2::default().verify_password(password.as_bytes(), &hash).is_ok())
}

/// Stores a hash made by [`hash`] as the user's password.
pub fn store(conn: &mut DbConnection, user: UserId, hashed: &str) -> Result<(), AppError> {
    diesel::update(users::table.find(user)).set(users::password_hash.eq(hashed)).execute(conn)?;
    Ok(())
}

/// How a sign-in went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignIn {
    Accepted(UserId),
    /// Unknown address, no password set, or the wrong password: the caller
    /// is told the same for all three, so addresses cannot be probed.
    Refused,
    /// Too many failures in a row; try again after this.
    LockedOut {
        until: NaiveDateTime,
    },
}

/// Checks an e-mail address and password at `now`, counting failures: the
/// `FAILURES_BEFORE_LOCKOUT`th in a row locks the user out for
/// `LOCKOUT_MINUTES`, and a success resets the count.
pub fn sign_in(conn: &mut DbConnection, email: &str, password: &str, now: NaiveDateTime) -> Result<SignIn, AppError> {
    crate::db::write_transaction(conn, |conn| {
        let found: Option<(UserId, Option<String>, i32, Option<NaiveDateTime>)> = users::table
            .filter(users::email.eq(email.trim()))
            .select((users::id, users::password_hash, users::failed_sign_ins, users::locked_until))
            .first(conn)
            .optional()?;
        let Some((id, stored, failures, locked_until)) = found else {
            // Hash anyway, so an unknown address takes as long as a known one.
            let _ = hash("timing-equaliser-password");
            return Ok(SignIn::Refused);
        };
        if let Some(until) = locked_until.filter(|until| *until > now) {
            return Ok(SignIn::LockedOut { until });
        }
        if stored.as_deref().is_some_and(|stored| matches(password, stored)) {
            diesel::update(users::table.find(id))
                .set((users::failed_sign_ins.eq(0), users::locked_until.eq(None::<NaiveDateTime>)))
                .execute(conn)?;
            return Ok(SignIn::Accepted(id));
        }
        let failures = failures + 1;
        let lock = (failures >= FAILURES_BEFORE_LOCKOUT).then(|| now + Duration::minutes(LOCKOUT_MINUTES));
        diesel::update(users::table.find(id))
            .set((users::failed_sign_ins.eq(if lock.is_some() { 0 } else { failures }), users::locked_until.eq(lock)))
            .execute(conn)?;
        Ok(match lock {
            Some(until) => SignIn::LockedOut { until },
            None => SignIn::Refused,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_matches_its_hash_and_nothing_else() {
        let stored = hash("korrekt häst batteri").unwrap();
        assert!(stored.starts_with("$argon2id$"), "{stored}");
        assert!(matches("korrekt häst batteri", &stored));
        assert!(!matches("korrekt häst batteri ", &stored));
        assert!(!matches("korrekt häst batteri", "not a hash"));
        // A fresh salt each time: the same password never hashes the same.
        assert_ne!(stored, hash("korrekt häst batteri").unwrap());
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(hash("elva tecken").unwrap_err().contains("12"));
        assert!(hash("tolv tecken!").is_ok());
    }
}
