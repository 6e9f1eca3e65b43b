//! The registry: organisations, their SKO agreements, the course catalogue and
//! the needs inventories — the demand that planning pools into cohorts.

pub mod agreements;
pub mod courses;
pub mod demand;
pub mod demo;
mod demo_data;
pub mod email;
pub mod import;
pub mod needs;
pub mod org_number;
pub mod organisations;
pub mod term;
// The upload page reads workbooks with it; public so that the fuzz targets reach it too.
pub mod xlsx;

use chrono::{NaiveDateTime, Utc};

/// Timestamps are stored as UTC without zone and sent as RFC 3339 with `Z`.
pub(crate) fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

pub(crate) mod utc_timestamp {
    use chrono::NaiveDateTime;
    use serde::Serializer;

    pub fn serialize<S: Serializer>(at: &NaiveDateTime, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&at.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
    }

    pub mod option {
        use chrono::NaiveDateTime;
        use serde::Serializer;

        pub fn serialize<S: Serializer>(at: &Option<NaiveDateTime>, serializer: S) -> Result<S::Ok, S::Error> {
            match at {
                Some(at) => super::serialize(at, serializer),
                None => serializer.serialize_none(),
            }
        }
    }
}

/// A required text field: trimmed, not empty, not absurdly long.
pub(crate) fn required_text(value: &str, max_chars: usize) -> Result<String, String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        Err("must not be empty".into())
    } else if trimmed.chars().count() > max_chars {
        Err(format!("must be at most {max_chars} characters"))
    } else if trimmed.chars().any(char::is_control) {
        Err("must not contain control characters".into())
    } else {
        Ok(trimmed.to_owned())
    }
}
