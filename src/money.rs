//! Money as an integer number of öre. Never a float: 1 krona = 100 öre.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Neg, Sub};

use diesel_derive_newtype::DieselNewType;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, DieselNewType)]
#[serde(transparent)]
pub struct Ore(pub i64);

impl Ore {
    pub const ZERO: Ore = Ore(0);

    pub fn from_kronor(kronor: i64) -> Self {
        Ore(kronor * 100)
    }

    pub fn get(self) -> i64 {
        self.0
    }

    pub fn checked_add(self, other: Ore) -> Option<Ore> {
        self.0.checked_add(other.0).map(Ore)
    }

    pub fn checked_mul(self, factor: i64) -> Option<Ore> {
        self.0.checked_mul(factor).map(Ore)
    }

    pub fn is_negative(self) -> bool {
        self.0 < 0
    }
}

impl Add for Ore {
    type Output = Ore;
    fn add(self, other: Ore) -> Ore {
        Ore(self.0 + other.0)
    }
}

impl AddAssign for Ore {
    fn add_assign(&mut self, other: Ore) {
        self.0 += other.0;
    }
}

impl Neg for Ore {
    type Output = Ore;
    fn neg(self) -> Ore {
        Ore(-self.0)
    }
}

impl Sub for Ore {
    type Output = Ore;
    fn sub(self, other: Ore) -> Ore {
        Ore(self.0 - other.0)
    }
}

impl Sum for Ore {
    fn sum<I: Iterator<Item = Ore>>(iter: I) -> Ore {
        Ore(iter.map(|o| o.0).sum())
    }
}

/// Swedish kronor as people read them: `12 345,50 kr` (a no-break space
/// groups thousands, a comma separates öre).
impl fmt::Display for Ore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "−" } else { "" };
        let abs = self.0.unsigned_abs();
        let kronor = (abs / 100).to_string();
        let mut grouped = String::new();
        for (i, digit) in kronor.chars().enumerate() {
            if i > 0 && (kronor.len() - i).is_multiple_of(3) {
                grouped.push('\u{a0}');
            }
            grouped.push(digit);
        }
        write!(f, "{sign}{grouped},{:02}\u{a0}kr", abs % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kronor_are_grouped_with_comma_decimals() {
        assert_eq!(Ore(1_234_550).to_string(), "12\u{a0}345,50\u{a0}kr");
        assert_eq!(Ore(5).to_string(), "0,05\u{a0}kr");
        assert_eq!(Ore(100_000_000).to_string(), "1\u{a0}000\u{a0}000,00\u{a0}kr");
        assert_eq!(Ore(-99_900).to_string(), "−999,00\u{a0}kr");
    }

    #[test]
    fn sums_are_exact() {
        let parts = [Ore(33_333), Ore(33_333), Ore(33_334)];
        assert_eq!(parts.into_iter().sum::<Ore>(), Ore(100_000));
        assert_eq!(Ore::from_kronor(2_000_000), Ore(200_000_000));
        assert_eq!(Ore(i64::MAX).checked_add(Ore(1)), None);
    }
}
