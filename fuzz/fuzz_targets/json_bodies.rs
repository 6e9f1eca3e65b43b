//! The JSON request bodies of the API, read as the API reads them
//! (`parse_json`, with its second reading of `3.0` as an integer) and, for
//! the registry's bodies, checked and stored by the same functions the
//! handlers call, in a transaction that is rolled back. No body may panic,
//! a body that cannot be read is a 400, and no body may cause a server
//! error (500 or 503).
//!
//! The first byte of an input picks the body type: `a` + the index in
//! `BODIES` below (`a` an organisation, `g` a need, …); the rest is the body.

#![no_main]

use libfuzzer_sys::fuzz_target;
use serde::de::DeserializeOwned;
use strumpavtal::access::Caller;
use strumpavtal::cohorts::changes::{CancelInput, WithdrawInput};
use strumpavtal::cohorts::confirm::ConfirmInput;
use strumpavtal::cohorts::join::JoinInput;
use strumpavtal::config::AgreementSettings;
use strumpavtal::db::{DbConnection, write_transaction};
use strumpavtal::enrolment::invitations::{InviteInput, NearViableInviteInput};
use strumpavtal::enrolment::participants::ParticipantInput;
use strumpavtal::error::AppError;
use strumpavtal::ids::{AgreementId, NeedId, OrganisationId};
use strumpavtal::registry::{agreements, courses, needs, organisations};
use strumpavtal::web::extract::parse_json;
use strumpavtal_fuzz::{Fixture, fixture, is_server_failure, rolled_back};

/// The body types, in the order of their selector letters.
const BODIES: usize = 15;

fuzz_target!(|input: &[u8]| {
    let Some((&selector, body)) = input.split_first() else { return };
    let mut guard = fixture();
    let fx = &mut *guard;
    match selector.wrapping_sub(b'a') as usize % BODIES {
        0 => store(fx, body, |conn, _, _, input| organisations::create(conn, input).map(drop)),
        1 => store(fx, body, |conn, _, _, patch| organisations::update(conn, OrganisationId(1), patch).map(drop)),
        2 => store(fx, body, |conn, _, limits, input| agreements::create(conn, input, limits).map(drop)),
        3 => {
            store(fx, body, |conn, _, limits, patch| agreements::update(conn, AgreementId(1), patch, limits).map(drop))
        }
        4 => store(fx, body, |conn, _, _, input| courses::create(conn, input).map(drop)),
        5 => store(fx, body, |conn, _, _, patch| courses::update(conn, "PSY101", patch).map(drop)),
        6 => store(fx, body, |conn, caller, _, input| needs::create(conn, caller, input).map(drop)),
        7 => store(fx, body, |conn, caller, _, patch| needs::update(conn, caller, NeedId(1), patch).map(drop)),
        // The cohorts' bodies are checked against a cohort's state, which
        // the demo data has none of; their reading is what is fuzzed here.
        8 => read_only::<JoinInput>(body),
        9 => read_only::<WithdrawInput>(body),
        10 => read_only::<CancelInput>(body),
        11 => read_only::<ConfirmInput>(body),
        12 => read_only::<ParticipantInput>(body),
        13 => read_only::<InviteInput>(body),
        _ => read_only::<NearViableInviteInput>(body),
    }
});

fn read_only<T: DeserializeOwned>(body: &[u8]) {
    read::<T>(body);
}

/// The body as the extractor reads it. A refusal must be a 400.
fn read<T: DeserializeOwned>(body: &[u8]) -> Option<T> {
    match parse_json::<T>(body) {
        Ok(value) => Some(value),
        Err(AppError::BadRequest { .. }) => None,
        Err(other) => panic!("an unreadable body answered with {other:?}"),
    }
}

/// Reads the body and, if it can be read, hands it to `call` as a handler
/// would: in a write transaction, here inside one that is rolled back.
fn store<T: DeserializeOwned>(
    fx: &mut Fixture,
    body: &[u8],
    call: impl FnOnce(&mut DbConnection, &Caller, &AgreementSettings, T) -> Result<(), AppError>,
) {
    let Some(value) = read::<T>(body) else { return };
    let Fixture { conn, caller, limits } = fx;
    let outcome = rolled_back(conn, |conn| write_transaction(conn, |conn| call(conn, caller, limits, value)));
    if let Err(error) = outcome {
        assert!(!is_server_failure(&error), "a body caused a server error: {error:?}");
    }
}
