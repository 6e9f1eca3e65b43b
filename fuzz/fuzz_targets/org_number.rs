//! Organisation numbers (`NNNNNN-NNNN`, Luhn-checked), as the organisation
//! bodies and the demo read them. No input may panic; the parser accepts a
//! number exactly when an independent Luhn check does, and what it accepts
//! reads back as itself in both written forms.

#![no_main]

use libfuzzer_sys::fuzz_target;
use strumpavtal::registry::org_number::OrgNumber;

fuzz_target!(|input: &str| {
    let parsed = OrgNumber::parse(input);
    assert_eq!(parsed.is_ok(), well_formed(input.trim()), "{input:?}: {parsed:?}");
    let Ok(number) = parsed else { return };
    let text = number.as_str();
    assert_eq!(number.to_string(), text);
    assert!(text.len() == 11 && text.as_bytes()[6] == b'-', "{text:?} is NNNNNN-NNNN");
    assert_eq!(OrgNumber::parse(text).as_ref(), Ok(&number));
    assert_eq!(OrgNumber::parse(&text.replace('-', "")).as_ref(), Ok(&number));
    assert_eq!(text.replace('-', ""), input.trim().replace('-', ""), "the digits are kept as given");
    // Serde keeps the text as it is (the check happens in `parse`).
    let json = serde_json::to_string(&number).expect("serializes");
    assert_eq!(serde_json::from_str::<OrgNumber>(&json).ok().as_ref(), Some(&number));
});

/// Ten ASCII digits, with or without a hyphen after the sixth, whose last is
/// the Luhn check digit of the first nine: a spec written apart from `parse`.
fn well_formed(text: &str) -> bool {
    let digits: Vec<u32> = match text.len() {
        10 => text.chars().map(|c| c.to_digit(10)).collect::<Option<_>>(),
        11 if text.as_bytes()[6] == b'-' => {
            text.char_indices().filter(|&(i, _)| i != 6).map(|(_, c)| c.to_digit(10)).collect::<Option<_>>()
        }
        _ => None,
    }
    .unwrap_or_default();
    if digits.len() != 10 || !text.is_ascii() {
        return false;
    }
    let sum: u32 = digits[..9].iter().zip([2, 1].iter().cycle()).map(|(d, w)| (d * w) / 10 + (d * w) % 10).sum();
    (10 - sum % 10) % 10 == digits[9]
}
