//! VAT on contract education: a configurable rate (25 % as far as we know,
//! domain.md), added on top of amounts that exclude it.

use serde::{Deserialize, Serialize};

use crate::money::Ore;

/// A VAT rate in whole percent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct VatRate(pub u32);

impl VatRate {
    pub fn percent(self) -> u32 {
        self.0
    }

    /// VAT on `amount`, rounded to the nearest öre with halves away from
    /// zero, as an invoice rounds it; `None` if it does not fit in öre.
    pub fn on(self, amount: Ore) -> Option<Ore> {
        let exact_hundredths = i128::from(amount.get()) * i128::from(self.0);
        let magnitude = (exact_hundredths.abs() + 50) / 100;
        let rounded = if exact_hundredths < 0 { -magnitude } else { magnitude };
        i64::try_from(rounded).ok().map(Ore)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vat_rounds_halves_away_from_zero() {
        let vat = VatRate(25);
        // 25 % of 1 öre is 0.25 → 0; of 2 öre 0.5 → 1; of 3 öre 0.75 → 1.
        assert_eq!([1, 2, 3, 4, 6].map(|o| vat.on(Ore(o)).unwrap().get()), [0, 1, 1, 1, 2]);
        assert_eq!(vat.on(Ore(-2)), Some(Ore(-1)));
        assert_eq!(vat.on(Ore(15_000_000)), Some(Ore(3_750_000)));
        // 6 % of 1 234 567 öre is 74 074.02 → 74 074.
        assert_eq!(VatRate(6).on(Ore(1_234_567)), Some(Ore(74_074)));
        assert_eq!(VatRate(0).on(Ore(999)), Some(Ore(0)));
        assert_eq!(VatRate(100).on(Ore(i64::MAX)), Some(Ore(i64::MAX)));
        assert_eq!(VatRate(101).on(Ore(i64::MAX)), None);
    }
}
