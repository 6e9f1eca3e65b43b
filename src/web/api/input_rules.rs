//! The rules the service checks on its input, written into the OpenAPI
//! document so that a request the document calls valid is one the service
//! accepts, and one it calls invalid is refused.
//!
//! The rules live here, in one table, rather than as `#[schema(...)]`
//! attributes on the domain types: the patterns are long and shared by many
//! fields, and a unit test below makes sure every field named still exists.
//! What a schema cannot say (a Luhn check digit, an id that must exist, a
//! term inside an agreement's period, a minimum below the maximum) stays a
//! 422 from the service; docs/api.md lists those.

use serde_json::Value;
use utoipa::Modify;
use utoipa::openapi::schema::{Schema, SchemaFormat, SchemaType, Type};
use utoipa::openapi::{KnownFormat, OpenApi, RefOr};

use crate::registry::demand::MAX_COURSES_PER_PAGE;
use crate::registry::needs::{self, MAX_NOTE_CHARS, MAX_SEATS};
use crate::registry::organisations::{KINDS, LANGUAGES};

/// One rule, as the service checks it.
#[derive(Debug, Clone, Copy)]
pub(super) enum Rule {
    /// A whole number in a range.
    Range(i64, i64),
    /// A whole number of at least this.
    AtLeast(i64),
    /// Credits: 0.5 to 120 in half points.
    Credits,
    /// `required_text`: not empty once trimmed, at most this many characters
    /// once trimmed, no control characters.
    Text(usize),
    /// A need's note: may be empty; at most this many characters once
    /// trimmed; no control characters but line breaks and tabs.
    Note(usize),
    /// One of these words.
    OneOf(&'static [&'static str]),
    /// `VT2027`, `HT2027`; case and spaces are forgiven.
    Term,
    /// `YYYY-MM-DD`.
    Date,
    /// An address lettre can send to.
    Email,
    /// `NNNNNN-NNNN` or the ten digits (the check digit is the service's).
    OrgNumber,
    /// Up to 20 letters, digits and `-`.
    CourseCode,
    /// A list of this many items.
    Items(usize, usize),
}

/// The control characters Rust's `char::is_control` knows (Unicode Cc).
const CONTROL: &str = r"\x00-\x1F\x7F-\x9F";
/// The same but for tab and line feed, which a note may hold.
const CONTROL_BUT_TAB_AND_NEWLINE: &str = r"\x00-\x08\x0B-\x1F\x7F-\x9F";

const INVITED: Rule = Rule::Items(1, 100);
const REASON: Rule = Rule::Text(1000);
/// `SplitRule::ALL` by name (a test keeps them alike).
const SPLIT_RULES: [&str; 4] = ["per_seat", "equal_fixed", "employees_weighted", "host_fixed"];

/// Properties of request bodies: (schema, property, rule).
const BODY_RULES: &[(&str, &str, Rule)] = &[
    ("OrganisationInput", "org_number", Rule::OrgNumber),
    ("OrganisationInput", "name", Rule::Text(200)),
    ("OrganisationInput", "kind", Rule::OneOf(&KINDS)),
    ("OrganisationInput", "employees", Rule::Range(1, 10_000_000)),
    ("OrganisationInput", "coordinator_email", Rule::Email),
    ("OrganisationInput", "finance_email", Rule::Email),
    ("OrganisationInput", "language", Rule::OneOf(&LANGUAGES)),
    ("OrganisationPatch", "org_number", Rule::OrgNumber),
    ("OrganisationPatch", "name", Rule::Text(200)),
    ("OrganisationPatch", "kind", Rule::OneOf(&KINDS)),
    ("OrganisationPatch", "employees", Rule::Range(1, 10_000_000)),
    ("OrganisationPatch", "coordinator_email", Rule::Email),
    ("OrganisationPatch", "finance_email", Rule::Email),
    ("OrganisationPatch", "language", Rule::OneOf(&LANGUAGES)),
    ("AgreementInput", "reference", Rule::Text(100)),
    ("AgreementInput", "starts_on", Rule::Date),
    ("AgreementInput", "ends_on", Rule::Date),
    ("AgreementInput", "budget_ore", Rule::AtLeast(0)),
    ("AgreementPatch", "reference", Rule::Text(100)),
    ("AgreementPatch", "starts_on", Rule::Date),
    ("AgreementPatch", "ends_on", Rule::Date),
    ("AgreementPatch", "budget_ore", Rule::AtLeast(0)),
    ("CourseInput", "code", Rule::CourseCode),
    ("CourseInput", "title", Rule::Text(300)),
    ("CourseInput", "credits", Rule::Credits),
    ("CourseInput", "min_participants", Rule::Range(1, 10_000)),
    ("CourseInput", "max_participants", Rule::Range(1, 10_000)),
    ("CourseInput", "fixed_fee_ore", Rule::AtLeast(0)),
    ("CourseInput", "per_participant_fee_ore", Rule::AtLeast(0)),
    ("CoursePatch", "title", Rule::Text(300)),
    ("CoursePatch", "credits", Rule::Credits),
    ("CoursePatch", "min_participants", Rule::Range(1, 10_000)),
    ("CoursePatch", "max_participants", Rule::Range(1, 10_000)),
    ("CoursePatch", "fixed_fee_ore", Rule::AtLeast(0)),
    ("CoursePatch", "per_participant_fee_ore", Rule::AtLeast(0)),
    ("NeedInput", "course_code", Rule::CourseCode),
    ("NeedInput", "seats", Rule::Range(1, MAX_SEATS)),
    ("NeedInput", "extra_seats", Rule::Range(0, MAX_SEATS)),
    ("NeedInput", "earliest_term", Rule::Term),
    ("NeedInput", "latest_term", Rule::Term),
    ("NeedInput", "note", Rule::Note(MAX_NOTE_CHARS)),
    ("NeedPatch", "course_code", Rule::CourseCode),
    ("NeedPatch", "seats", Rule::Range(1, MAX_SEATS)),
    ("NeedPatch", "extra_seats", Rule::Range(0, MAX_SEATS)),
    ("NeedPatch", "earliest_term", Rule::Term),
    ("NeedPatch", "latest_term", Rule::Term),
    ("NeedPatch", "note", Rule::Note(MAX_NOTE_CHARS)),
    ("JoinInput", "seats", Rule::AtLeast(1)),
    ("JoinInput", "override_budget_reason", REASON),
    ("WithdrawInput", "seats", Rule::AtLeast(1)),
    ("CancelInput", "reason", REASON),
    ("ConfirmInput", "split_rule", Rule::OneOf(&SPLIT_RULES)),
    ("ConfirmInput", "starts_on", Rule::Date),
    ("ConfirmInput", "ends_on", Rule::Date),
    ("ConfirmInput", "cancellation_deadline", Rule::Date),
    ("ConfirmInput", "override_budget_reason", REASON),
    ("ParticipantInput", "name", Rule::Text(200)),
    ("ParticipantInput", "email", Rule::Email),
    ("InviteInput", "organisation_ids", INVITED),
    ("NearViableInviteInput", "course_code", Rule::CourseCode),
    ("NearViableInviteInput", "term", Rule::Term),
    ("NearViableInviteInput", "organisation_ids", INVITED),
];

/// What `/api/v1/audit?action=` takes; a test checks it against `AuditAction`.
const AUDIT_ACTIONS: [&str; 6] = ["confirm", "override_budget", "join", "withdraw", "cancel", "invoice"];

/// Query parameters: (path, parameter, rule). A course code that filters
/// needs or demand is compared as given (one that names no course finds
/// nothing), so it has no rule; the cohorts' filter looks the course up.
const QUERY_RULES: &[(&str, &str, Rule)] = &[
    ("/api/v1/audit", "action", Rule::OneOf(&AUDIT_ACTIONS)),
    ("/api/v1/audit", "limit", Rule::Range(1, 1000)),
    ("/api/v1/outbox", "status", Rule::OneOf(&["queued", "sending", "sent", "failed"])),
    ("/api/v1/outbox", "limit", Rule::Range(1, 1000)),
    ("/api/v1/cohorts", "status", Rule::OneOf(&["proposed", "confirmed", "cancelled", "superseded"])),
    ("/api/v1/cohorts", "term", Rule::Term),
    ("/api/v1/cohorts", "course_code", Rule::CourseCode),
    ("/api/v1/needs", "status", Rule::OneOf(&[needs::OPEN, needs::WITHDRAWN])),
    ("/api/v1/demand", "term", Rule::Term),
    ("/api/v1/demand", "limit", Rule::Range(1, MAX_COURSES_PER_PAGE)),
    ("/api/v1/organisations/{id}/invoicing", "from", Rule::Date),
    ("/api/v1/organisations/{id}/invoicing", "to", Rule::Date),
    ("/api/v1/organisations/{id}/invoicing.csv", "from", Rule::Date),
    ("/api/v1/organisations/{id}/invoicing.csv", "to", Rule::Date),
    ("/api/v1/organisations/{id}/invoicing.xlsx", "from", Rule::Date),
    ("/api/v1/organisations/{id}/invoicing.xlsx", "to", Rule::Date),
];

/// Text of 1 to `max` characters once trimmed, none of them in `forbidden`:
/// leading and trailing white space, then a first and a last character
/// that are not white space.
fn trimmed_text_pattern(max: usize, forbidden: &str) -> String {
    let inner = max.saturating_sub(2);
    format!(r"^\s*[^\s{forbidden}](?:[^{forbidden}]{{0,{inner}}}[^\s{forbidden}])?\s*$")
}

impl Rule {
    fn apply(self, schema: &mut Schema) {
        if let (Rule::Items(min, max), Schema::Array(array)) = (self, &mut *schema) {
            array.min_items = Some(min);
            array.max_items = Some(max);
            return;
        }
        let Schema::Object(object) = schema else { return };
        match self {
            Rule::Range(min, max) => {
                object.minimum = Some(min.into());
                object.maximum = Some(max.into());
            }
            Rule::AtLeast(min) => object.minimum = Some(min.into()),
            Rule::Credits => {
                object.minimum = Some(0.5.into());
                object.maximum = Some(120.into());
                object.multiple_of = Some(0.5.into());
            }
            Rule::Text(max) => object.pattern = Some(trimmed_text_pattern(max, CONTROL)),
            Rule::Note(max) => {
                let text = trimmed_text_pattern(max, CONTROL_BUT_TAB_AND_NEWLINE);
                // Empty (or only white space) is a note too.
                object.pattern = Some(format!(r"^\s*$|{text}"));
            }
            Rule::OneOf(words) => {
                let mut values: Vec<Value> = words.iter().map(|w| Value::from(*w)).collect();
                // An optional field's `null` must stay valid.
                if matches!(&object.schema_type, SchemaType::Array(types) if types.contains(&Type::Null)) {
                    values.push(Value::Null);
                }
                object.enum_values = Some(values);
            }
            Rule::Term => object.pattern = Some(r"^\s*[VvHh]\s*[Tt]\s*2\s*0\s*[0-9]\s*[0-9]\s*$".into()),
            Rule::Date => object.format = Some(SchemaFormat::KnownFormat(KnownFormat::Date)),
            Rule::Email => object.format = Some(SchemaFormat::KnownFormat(KnownFormat::Email)),
            Rule::OrgNumber => object.pattern = Some(r"^\s*(?:[0-9]{6}-[0-9]{4}|[0-9]{10})\s*$".into()),
            Rule::CourseCode => object.pattern = Some(r"^\s*[A-Za-z0-9-]{1,20}\s*$".into()),
            Rule::Items(..) => {}
        }
    }
}

/// Writes the rules into the document.
pub(super) struct InputRules;

impl Modify for InputRules {
    fn modify(&self, openapi: &mut OpenApi) {
        for (schema, property, rule) in BODY_RULES {
            if let Some(target) = body_property(openapi, schema, property) {
                rule.apply(target);
            }
        }
        for (path, parameter, rule) in QUERY_RULES {
            if let Some(target) = query_parameter(openapi, path, parameter) {
                rule.apply(target);
            }
        }
    }
}

fn body_property<'a>(openapi: &'a mut OpenApi, schema: &str, property: &str) -> Option<&'a mut Schema> {
    let schema = openapi.components.as_mut()?.schemas.get_mut(schema)?;
    let RefOr::T(Schema::Object(object)) = schema else { return None };
    match object.properties.get_mut(property)? {
        RefOr::T(schema) => Some(schema),
        RefOr::Ref(_) => None,
    }
}

fn query_parameter<'a>(openapi: &'a mut OpenApi, path: &str, name: &str) -> Option<&'a mut Schema> {
    let item = openapi.paths.paths.get_mut(path)?;
    let parameter = item.get.as_mut()?.parameters.as_mut()?.iter_mut().find(|p| p.name == name)?;
    match parameter.schema.as_mut()? {
        RefOr::T(schema) => Some(schema),
        RefOr::Ref(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use regex::Regex;
    use utoipa::OpenApi as _;

    use super::*;
    use crate::registry::required_text;
    use crate::splitting::SplitRule;
    use crate::web::api::openapi::ApiDoc;

    #[test]
    fn every_rule_names_a_field_of_the_document() {
        let mut document = ApiDoc::openapi();
        for (schema, property, _) in BODY_RULES {
            assert!(
                body_property(&mut document, schema, property).is_some(),
                "{schema}.{property} is not in the document"
            );
        }
        for (path, parameter, _) in QUERY_RULES {
            assert!(
                query_parameter(&mut document, path, parameter).is_some(),
                "{path}?{parameter} is not in the document"
            );
        }
    }

    #[test]
    fn the_split_rules_are_all_named() {
        assert_eq!(SPLIT_RULES, SplitRule::ALL.map(SplitRule::as_str));
    }

    #[test]
    fn the_audit_actions_are_all_named() {
        assert_eq!(AUDIT_ACTIONS, crate::audit::AuditAction::ALL.map(crate::audit::AuditAction::as_str));
    }

    #[test]
    fn the_text_pattern_says_what_required_text_accepts() {
        let pattern = Regex::new(&trimmed_text_pattern(5, CONTROL)).unwrap();
        for text in
            ["a", "abcde", "  abcde  ", "a b", "\u{e5}\u{e4}\u{f6}", "x\n", "", "  ", "abcdef", "a\u{7}b", "a\u{9a}"]
        {
            assert_eq!(pattern.is_match(text), required_text(text, 5).is_ok(), "{text:?}");
        }
    }
}
