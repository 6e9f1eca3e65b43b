//! Web sessions: a browser that signed in holds a random token in a cookie;
//! only the token's SHA-256 is stored. Each session carries its own CSRF
//! token, which every form it posts must send back.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::tokens::{generate, hash};
use super::{Caller, Role};
use crate::db::DbConnection;
use crate::db::schema::{users, web_sessions};
use crate::error::AppError;
use crate::ids::{OrganisationId, UserId};

/// A signed-in browser.
#[derive(Debug, Clone)]
pub struct Session {
    pub caller: Caller,
    /// What the session's forms must carry.
    pub csrf_token: String,
}

/// Starts a session for `user` lasting `hours`; returns the cookie's token.
pub fn start(conn: &mut DbConnection, user: UserId, now: NaiveDateTime, hours: i64) -> Result<String, AppError> {
    let token = generate();
    diesel::insert_into(web_sessions::table)
        .values((
            web_sessions::token_hash.eq(hash(&token)),
            web_sessions::user_id.eq(user),
            web_sessions::csrf_token.eq(generate()),
            web_sessions::created_at.eq(now),
            web_sessions::expires_at.eq(now + Duration::hours(hours)),
        ))
        .execute(conn)?;
    Ok(token)
}

/// The session a cookie's token belongs to, if it has not expired.
pub fn find(conn: &mut DbConnection, token: &str, now: NaiveDateTime) -> Result<Option<Session>, AppError> {
    Ok(find_until(conn, token, now)?.map(|(session, _)| session))
}

/// The same, with when the session expires.
pub fn find_until(
    conn: &mut DbConnection,
    token: &str,
    now: NaiveDateTime,
) -> Result<Option<(Session, NaiveDateTime)>, AppError> {
    let found = web_sessions::table
        .inner_join(users::table)
        .filter(web_sessions::token_hash.eq(hash(token)))
        .filter(web_sessions::expires_at.gt(now))
        .select((
            users::id,
            users::email,
            users::role,
            users::organisation_id,
            web_sessions::csrf_token,
            web_sessions::expires_at,
        ))
        .first::<(UserId, String, String, Option<OrganisationId>, String, NaiveDateTime)>(conn)
        .optional()?;
    Ok(found.and_then(|(user_id, email, role, organisation_id, csrf_token, expires_at)| {
        let role: Role = role.parse().ok()?;
        Some((Session { caller: Caller { user_id, email, role, organisation_id }, csrf_token }, expires_at))
    }))
}

/// Ends the session of a cookie's token (signing out).
pub fn end(conn: &mut DbConnection, token: &str) -> Result<(), AppError> {
    diesel::delete(web_sessions::table.filter(web_sessions::token_hash.eq(hash(token)))).execute(conn)?;
    Ok(())
}
