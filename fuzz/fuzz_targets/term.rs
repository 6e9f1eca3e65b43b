//! Term codes (`VT2027`, `HT2027`), as every field, query parameter and
//! import cell that holds one is read. No input may panic; what is accepted
//! must read back as itself and behave as a term.

#![no_main]

use libfuzzer_sys::fuzz_target;
use strumpavtal::registry::term::{FIRST_YEAR, LAST_YEAR, Season, Term};

fuzz_target!(|input: &str| {
    let parsed = Term::parse(input);
    // A JSON body's term goes through the same parser.
    let from_json: Result<Term, _> = serde_json::from_value(serde_json::Value::String(input.to_owned()));
    assert_eq!(from_json.ok(), parsed.clone().ok());
    let Ok(term) = parsed else { return };
    let code = term.to_string();
    assert_eq!(Term::parse(&code), Ok(term), "the code {code:?} reads back");
    assert_eq!(Term::parse(&term.display_name()), Ok(term), "the name {:?} reads back", term.display_name());
    assert_eq!(Term::parse(&code.to_ascii_lowercase()), Ok(term));
    assert_eq!(serde_json::to_value(term).ok(), Some(serde_json::Value::String(code.clone())));
    assert!((FIRST_YEAR..=LAST_YEAR).contains(&term.year()));
    assert_eq!(term.season() == Season::Spring, code.starts_with("VT"));
    // What a term is, in days and in order.
    assert!(term.first_day() < term.last_day());
    assert_eq!(Term::containing(term.first_day()), term);
    assert_eq!(Term::containing(term.last_day()), term);
    assert!(term < term.next());
    assert_eq!(term.plus(1), term.next());
    assert_eq!(term.next().ordinal() - term.ordinal(), 1);
});
