//! API tokens. A token is shown once, when it is made; only its SHA-256 is
//! stored, so a copy of the database does not let anyone in.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::{Caller, Role};
use crate::db::DbConnection;
use crate::db::schema::{api_tokens, users};
use crate::error::AppError;
use crate::ids::{OrganisationId, UserId};

const PREFIX: &str = "sp_";

/// A new random token: `sp_` and 64 hex digits (256 bits).
pub fn generate() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{PREFIX}{}", hex::encode(bytes))
}

pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Stores a new token for the user and returns it in clear, the only time it is seen.
pub fn issue(conn: &mut DbConnection, user: UserId) -> Result<String, AppError> {
    let token = generate();
    diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::user_id.eq(user),
            api_tokens::token_hash.eq(hash(&token)),
            api_tokens::created_at.eq(Utc::now().naive_utc()),
        ))
        .execute(conn)?;
    Ok(token)
}

/// The caller a token belongs to, if it is well-formed, known, not revoked
/// and not expired.
pub fn authenticate(conn: &mut DbConnection, token: &str) -> Result<Option<Caller>, AppError> {
    Ok(authenticate_until(conn, token)?.map(|(caller, _)| caller))
}

/// As [`authenticate`], with when the token expires (never, if `None`), for
/// one who keeps the caller and must stop believing the token then.
pub fn authenticate_until(
    conn: &mut DbConnection,
    token: &str,
) -> Result<Option<(Caller, Option<NaiveDateTime>)>, AppError> {
    if !looks_like_a_token(token) {
        return Ok(None);
    }
    let now = Utc::now().naive_utc();
    let found = api_tokens::table
        .inner_join(users::table)
        .filter(api_tokens::token_hash.eq(hash(token)))
        .filter(api_tokens::revoked_at.is_null())
        .filter(api_tokens::expires_at.is_null().or(api_tokens::expires_at.gt(now)))
        .select((users::id, users::email, users::role, users::organisation_id, api_tokens::expires_at))
        .first::<(UserId, String, String, Option<OrganisationId>, Option<NaiveDateTime>)>(conn)
        .optional()?;
    Ok(found.and_then(|(user_id, email, role, organisation_id, expires_at)| {
        let role: Role = role.parse().ok()?;
        Some((Caller { user_id, email, role, organisation_id }, expires_at))
    }))
}

fn looks_like_a_token(token: &str) -> bool {
    token.len() == PREFIX.len() + 64
        && token.starts_with(PREFIX)
        && token[PREFIX.len()..].bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_well_formed() {
        let a = generate();
        let b = generate();
        assert_ne!(a, b);
        assert!(looks_like_a_token(&a), "{a}");
        assert!(!looks_like_a_token("sp_123"));
        assert!(!looks_like_a_token(&a.replace("sp_", "xx_")));
    }

    #[test]
    fn the_hash_is_sha256_hex() {
        assert_eq!(hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
