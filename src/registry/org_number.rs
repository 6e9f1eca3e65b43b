//! Swedish organisation numbers (organisationsnummer): ten digits written
//! `NNNNNN-NNNN`, the last a Luhn check digit over the first nine.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OrgNumber(String);

impl OrgNumber {
    /// Accepts `NNNNNN-NNNN` or the ten digits alone, and gives the hyphenated form.
    pub fn parse(input: &str) -> Result<Self, String> {
        let trimmed = input.trim();
        let digits: String = match trimmed.len() {
            10 if trimmed.bytes().all(|b| b.is_ascii_digit()) => trimmed.to_owned(),
            11 if trimmed.as_bytes()[6] == b'-' => trimmed.replacen('-', "", 1),
            _ => String::new(),
        };
        if digits.len() != 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "{trimmed:?} is not an organisation number; write it as NNNNNN-NNNN, e.g. 212000-2411"
            ));
        }
        let expected = luhn_check_digit(&digits[..9]);
        if digits.as_bytes()[9] - b'0' != expected {
            return Err(format!(
                "{}-{} has a wrong check digit; check the number against the organisation's records",
                &digits[..6],
                &digits[6..]
            ));
        }
        Ok(Self(format!("{}-{}", &digits[..6], &digits[6..])))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OrgNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The Luhn digit over nine digits: from the left they are weighted 2, 1, 2, …;
/// the digits of the products are summed.
pub(crate) fn luhn_check_digit(nine_digits: &str) -> u8 {
    let sum: u32 = nine_digits
        .bytes()
        .enumerate()
        .map(|(i, b)| {
            let product = u32::from(b - b'0') * if i % 2 == 0 { 2 } else { 1 };
            product / 10 + product % 10
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_municipalities_are_accepted() {
        for number in ["212000-2411", "212000-2395", "212000-2387", "202100-4524"] {
            assert_eq!(OrgNumber::parse(number).unwrap().as_str(), number);
        }
    }

    #[test]
    fn ten_digits_are_normalised() {
        assert_eq!(OrgNumber::parse("2120002411").unwrap().as_str(), "212000-2411");
        assert_eq!(OrgNumber::parse(" 212000-2411 ").unwrap().as_str(), "212000-2411");
    }

    #[test]
    fn a_wrong_check_digit_is_refused() {
        let err = OrgNumber::parse("212000-2412").unwrap_err();
        assert!(err.contains("212000-2412 has a wrong check digit"), "{err}");
        assert!(OrgNumber::parse("2120002410").is_err());
    }

    #[test]
    fn malformed_numbers_are_refused() {
        for bad in [
            "",
            "212000-241",
            "21200-02411",
            "212000+2411",
            "2120-002411",
            "21200024111",
            "abcdef-ghij",
            "２１２０００-２４１１",
        ] {
            assert!(OrgNumber::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn every_single_digit_typo_is_caught() {
        // Luhn catches every change of one digit.
        let good = "2120002411";
        for position in 0..10 {
            for digit in b'0'..=b'9' {
                let mut typo = good.as_bytes().to_vec();
                if typo[position] == digit {
                    continue;
                }
                typo[position] = digit;
                let typo = String::from_utf8(typo).unwrap();
                assert!(OrgNumber::parse(&typo).is_err(), "{typo} passed");
            }
        }
    }
}
