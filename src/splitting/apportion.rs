//! Largest-remainder apportionment: the one way every division of money in a
//! split is rounded (rules.md, "Split rules", Rounding).
//!
//! Each party gets the floor of `amount × weight / Σ weight` öre; the öre left
//! over go one each to the parties with the largest remainders
//! (`amount × weight mod Σ weight`); ties go to more seats, then to the smaller
//! organisation number as text, then to the earlier party in the input. All
//! arithmetic is exact integer arithmetic in `i128`, so nothing can overflow.

use std::cmp::Ordering;

use crate::money::Ore;

/// One party of an apportionment: its weight, and what breaks ties.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Weighted<'a> {
    /// The party's share is `amount × weight / Σ weight`; never negative.
    pub weight: i64,
    /// More seats win a tie on the remainder.
    pub seats: i32,
    /// Then the smaller organisation number, compared as text.
    pub org_number: &'a str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ApportionError {
    #[error("cannot split a negative amount ({0})")]
    NegativeAmount(Ore),
    #[error("party {index} has a negative weight ({weight})")]
    NegativeWeight { index: usize, weight: i64 },
    #[error("cannot split {0} among no parties")]
    NoParties(Ore),
}

/// Splits `amount` among `parties` in proportion to their weights; the shares
/// come in the parties' order and sum exactly to `amount`.
///
/// If every weight is zero, nobody has a larger claim than anyone else, so the
/// amount is split equally (as if every weight were 1) by the same rule.
/// A zero amount gives all zeros; no parties are fine only for a zero amount.
/// A negative amount or weight is an error, never a panic.
pub fn apportion(amount: Ore, parties: &[Weighted<'_>]) -> Result<Vec<Ore>, ApportionError> {
    if amount.is_negative() {
        return Err(ApportionError::NegativeAmount(amount));
    }
    if let Some((index, party)) = parties.iter().enumerate().find(|(_, p)| p.weight < 0) {
        return Err(ApportionError::NegativeWeight { index, weight: party.weight });
    }
    if parties.is_empty() {
        return if amount == Ore::ZERO { Ok(Vec::new()) } else { Err(ApportionError::NoParties(amount)) };
    }

    let sum_of_weights: i128 = parties.iter().map(|p| i128::from(p.weight)).sum();
    let equal = sum_of_weights == 0;
    // usize is at most 64 bits, so the count fits in i128.
    let divisor = if equal { parties.len() as i128 } else { sum_of_weights };
    let amount_wide = i128::from(amount.get());

    let (mut shares, remainders): (Vec<i128>, Vec<i128>) = parties
        .iter()
        .map(|p| {
            let product = amount_wide * if equal { 1 } else { i128::from(p.weight) };
            (product / divisor, product % divisor)
        })
        .unzip();

    // Each remainder is below the divisor, so fewer öre are left than there are parties.
    let left_over = amount_wide - shares.iter().sum::<i128>();
    let mut order: Vec<usize> = (0..parties.len()).collect();
    // A stable sort: parties equal on every key keep their input order.
    order.sort_by(|&a, &b| precedence(&parties[a], remainders[a], &parties[b], remainders[b]));
    for &index in order.iter().take(usize::try_from(left_over).unwrap_or(0)) {
        shares[index] += 1;
    }

    // No share exceeds the amount, which is an i64, so the conversion is lossless.
    Ok(shares.into_iter().map(|s| Ore(i64::try_from(s).unwrap_or(i64::MAX))).collect())
}

/// `Less` when party `a` gets a left-over öre before party `b`.
fn precedence(a: &Weighted<'_>, remainder_a: i128, b: &Weighted<'_>, remainder_b: i128) -> Ordering {
    remainder_b.cmp(&remainder_a).then(b.seats.cmp(&a.seats)).then(a.org_number.cmp(b.org_number))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn party(weight: i64, seats: i32, org_number: &str) -> Weighted<'_> {
        Weighted { weight, seats, org_number }
    }

    fn split(amount: i64, parties: &[Weighted<'_>]) -> Vec<i64> {
        apportion(Ore(amount), parties).unwrap().into_iter().map(Ore::get).collect()
    }

    #[test]
    fn equal_tie_goes_to_the_smaller_org_number() {
        // 100 000 × 1 / 3 = 33 333 remainder 1 for each; 1 öre is left, all
        // tie on remainder and seats, so the smallest org number "212000-2411" gets it.
        let parties = [party(1, 1, "556000-0001"), party(1, 1, "212000-2411"), party(1, 1, "232100-0016")];
        assert_eq!(split(100_000, &parties), [33_333, 33_334, 33_333]);
    }

    #[test]
    fn tie_on_remainder_goes_to_more_seats() {
        // Σ weight = 6. 100 005 × 1 = 6 × 16 667 + 3; 100 005 × 3 = 6 × 50 002 + 3;
        // 100 005 × 2 = 6 × 33 335 + 0. Floors sum to 100 004, 1 öre left; the
        // first two tie on remainder 3 and the one with 3 seats wins although
        // the other has the smaller org number.
        let parties = [party(1, 1, "111111-1111"), party(3, 3, "999999-9999"), party(2, 2, "555555-5555")];
        assert_eq!(split(100_005, &parties), [16_667, 50_003, 33_335]);
    }

    #[test]
    fn larger_remainder_wins_regardless_of_seats() {
        // Σ weight = 5. 100 003 × 1 = 5 × 20 000 + 3; 100 003 × 4 = 5 × 80 002 + 2.
        // 1 öre left; remainder 3 beats 2 though that party has fewer seats and
        // the larger org number.
        let parties = [party(1, 1, "999999-9999"), party(4, 4, "111111-1111")];
        assert_eq!(split(100_003, &parties), [20_001, 80_002]);
    }

    #[test]
    fn weights_and_seats_are_independent() {
        // Employees as weights: 10 öre × 1 / 2 = 5 r 0 each; nothing left over.
        // 7 öre: 3 r 1 each, 1 left; the tie goes to more seats (party 2).
        let parties = [party(1, 5, "111111-1111"), party(1, 9, "999999-9999")];
        assert_eq!(split(10, &parties), [5, 5]);
        assert_eq!(split(7, &parties), [3, 4]);
    }

    #[test]
    fn all_zero_weights_split_equally() {
        // 10 / 3 = 3 r 1 each; 1 left, the tie goes to 2 seats.
        let parties = [party(0, 1, "111111-1111"), party(0, 2, "999999-9999"), party(0, 1, "555555-5555")];
        assert_eq!(split(10, &parties), [3, 4, 3]);
        assert_eq!(split(0, &parties), [0, 0, 0]);
    }

    #[test]
    fn a_zero_weight_among_others_gets_nothing() {
        // 10 × 1 / 3 = 3 r 1, 10 × 2 / 3 = 6 r 2; the zero weight has remainder 0.
        let parties = [party(0, 9, "000000-0000"), party(1, 1, "111111-1111"), party(2, 1, "222222-2222")];
        assert_eq!(split(10, &parties), [0, 3, 7]);
    }

    #[test]
    fn extreme_values_do_not_overflow() {
        let parties = [party(i64::MAX, 1, "a"), party(i64::MAX, 1, "b"), party(i64::MAX - 1, 1, "c")];
        let shares = split(i64::MAX, &parties);
        assert_eq!(shares.iter().map(|&s| i128::from(s)).sum::<i128>(), i128::from(i64::MAX));
        assert_eq!(split(i64::MAX, &[party(1, 1, "a")]), [i64::MAX]);
        assert_eq!(split(i64::MAX, &[party(i64::MAX, 1, "a"), party(0, 1, "b")]), [i64::MAX, 0]);
    }

    #[test]
    fn bad_input_is_an_error() {
        let parties = [party(1, 1, "a"), party(-1, 1, "b")];
        assert_eq!(apportion(Ore(-1), &parties[..1]), Err(ApportionError::NegativeAmount(Ore(-1))));
        assert_eq!(apportion(Ore(5), &parties), Err(ApportionError::NegativeWeight { index: 1, weight: -1 }));
        assert_eq!(apportion(Ore(5), &[]), Err(ApportionError::NoParties(Ore(5))));
        assert_eq!(apportion(Ore(0), &[]), Ok(Vec::new()));
    }

    /// Parties with distinct org numbers and small weights and seats, so
    /// remainders and seats tie often.
    fn parties_strategy(max_weight: i64) -> impl Strategy<Value = Vec<(i64, i32, String)>> {
        prop::collection::vec((0..=max_weight, 1..=4i32), 1..8).prop_map(|rows| {
            rows.into_iter()
                .enumerate()
                .map(|(i, (w, s))| (w, s, format!("{:06}-{:04}", (i * 7919) % 1000, i)))
                .collect()
        })
    }

    fn as_weighted(rows: &[(i64, i32, String)]) -> Vec<Weighted<'_>> {
        rows.iter().map(|(w, s, o)| party(*w, *s, o)).collect()
    }

    /// The exact share of a party is `product(party) / divisor`; computed here
    /// independently of `apportion`, with all-zero weights counting as 1 each.
    fn exact(amount: i64, parties: &[Weighted<'_>]) -> (i128, impl Fn(&Weighted<'_>) -> i128) {
        let sum: i128 = parties.iter().map(|p| i128::from(p.weight)).sum();
        let divisor = if sum == 0 { parties.len() as i128 } else { sum };
        (divisor, move |p: &Weighted<'_>| i128::from(amount) * if sum == 0 { 1 } else { i128::from(p.weight) })
    }

    proptest! {
        #[test]
        fn shares_sum_exactly_and_are_within_one_ore(amount in 0..=i64::MAX, rows in parties_strategy(1 << 40)) {
            let parties = as_weighted(&rows);
            let shares = split(amount, &parties);
            prop_assert_eq!(shares.len(), parties.len());
            prop_assert_eq!(shares.iter().map(|&s| i128::from(s)).sum::<i128>(), i128::from(amount));
            let (divisor, product) = exact(amount, &parties);
            for (share, p) in shares.iter().zip(&parties) {
                // share is floor or floor + 1 of the exact share: |share × Σ − amount × w| < Σ.
                let gap = i128::from(*share) * divisor - product(p);
                prop_assert!(gap > -divisor && gap < divisor, "share {} off by {}/{}", share, gap, divisor);
            }
        }

        #[test]
        fn left_over_ore_go_by_remainder_then_seats_then_org_number(amount in 0..10_000i64, rows in parties_strategy(6)) {
            let parties = as_weighted(&rows);
            let shares = split(amount, &parties);
            let (divisor, product) = exact(amount, &parties);
            let got_one = |i: usize| i128::from(shares[i]) * divisor > product(&parties[i]) - product(&parties[i]) % divisor;
            // The rule's order, spelled out independently of `precedence`: smaller ranks first.
            let rank = |i: usize| {
                let p = &parties[i];
                (std::cmp::Reverse(product(p) % divisor), std::cmp::Reverse(p.seats), p.org_number)
            };
            // No party that went without an öre ranks before one that got one.
            for i in (0..parties.len()).filter(|&i| got_one(i)) {
                for j in (0..parties.len()).filter(|&j| !got_one(j)) {
                    prop_assert!(rank(i) <= rank(j), "party {} got the öre before party {}", i, j);
                }
            }
        }

        #[test]
        fn order_of_parties_does_not_matter(
            amount in 0..1_000_000i64,
            (rows, shuffled) in parties_strategy(6).prop_flat_map(|rows| (Just(rows.clone()), Just(rows).prop_shuffle())),
        ) {
            let by_org = |rows: &[(i64, i32, String)]| {
                let shares = split(amount, &as_weighted(rows));
                let mut pairs: Vec<(String, i64)> = rows.iter().map(|r| r.2.clone()).zip(shares).collect();
                pairs.sort();
                pairs
            };
            prop_assert_eq!(by_org(&rows), by_org(&shuffled));
        }

        #[test]
        fn zero_amount_gives_zeros(rows in parties_strategy(1 << 40)) {
            prop_assert!(split(0, &as_weighted(&rows)).iter().all(|&s| s == 0));
        }
    }
}
