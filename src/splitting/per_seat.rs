//! The `per_seat` split (rules.md, "Split rules" and "Savings"): everyone pays
//! `total × seats / size`, rounded by the largest-remainder rule.

use serde::Serialize;

use super::apportion::{ApportionError, Weighted, apportion};
use crate::ids::{AgreementId, OrganisationId};
use crate::money::Ore;

/// What a course costs, as the split needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CourseFees {
    pub fixed_fee: Ore,
    pub per_participant_fee: Ore,
    /// Only for the standalone cost: alone, a party pays for at least this many seats.
    pub min_participants: i32,
}

/// One agreement taking part in a cohort.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    pub agreement_id: AgreementId,
    pub organisation_id: OrganisationId,
    /// Breaks rounding ties, compared as text.
    pub org_number: String,
    /// Firm plus extra seats in the cohort; at least 1.
    pub seats: i32,
}

/// What one party pays, and what it saves against running the course alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Share {
    #[schema(value_type = i64)]
    pub agreement_id: AgreementId,
    #[schema(value_type = i64)]
    pub organisation_id: OrganisationId,
    pub seats: i32,
    /// The party's share of the total.
    #[schema(value_type = i64)]
    pub amount_ore: Ore,
    /// The fixed fee split by the same rule and weights.
    #[schema(value_type = i64)]
    pub fixed_part_ore: Ore,
    /// `amount_ore − fixed_part_ore`; always `per_participant_fee × seats`.
    #[schema(value_type = i64)]
    pub variable_part_ore: Ore,
    /// `fixed_fee + per_participant_fee × max(seats, min_participants)`.
    #[schema(value_type = i64)]
    pub standalone_ore: Ore,
    /// `standalone_ore − amount_ore`.
    #[schema(value_type = i64)]
    pub savings_ore: Ore,
}

/// A cohort's total cost and its shares, in the order the parties were given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// `fixed_fee + per_participant_fee × size`; the shares sum to it exactly.
    pub total: Ore,
    pub shares: Vec<Share>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SplitError {
    #[error("a cohort without parties has no one to pay for it")]
    NoParties,
    #[error("agreement {agreement_id} has {seats} seats in the cohort; it needs at least 1")]
    NoSeats { agreement_id: AgreementId, seats: i32 },
    #[error("agreement {0} takes part in the cohort more than once")]
    DuplicateAgreement(AgreementId),
    #[error("the course's fees must not be negative")]
    NegativeFee,
    #[error("the cohort's cost is too large to compute in öre")]
    Overflow,
    #[error(transparent)]
    Apportion(#[from] ApportionError),
}

/// Splits a cohort's cost by the `per_seat` rule.
///
/// Rounding ties that the rule leaves open (two agreements of one
/// organisation with equal seats) go to the smaller agreement id, so the
/// result never depends on the order of `parties`.
pub fn per_seat(fees: &CourseFees, parties: &[Party]) -> Result<Split, SplitError> {
    if parties.is_empty() {
        return Err(SplitError::NoParties);
    }
    if fees.fixed_fee.is_negative() || fees.per_participant_fee.is_negative() {
        return Err(SplitError::NegativeFee);
    }
    if let Some(p) = parties.iter().find(|p| p.seats < 1) {
        return Err(SplitError::NoSeats { agreement_id: p.agreement_id, seats: p.seats });
    }

    // Apportion in agreement-id order; `apportion` breaks its last ties by input order.
    let mut order: Vec<usize> = (0..parties.len()).collect();
    order.sort_by_key(|&i| parties[i].agreement_id);
    if let Some(w) = order.windows(2).find(|w| parties[w[0]].agreement_id == parties[w[1]].agreement_id) {
        return Err(SplitError::DuplicateAgreement(parties[w[0]].agreement_id));
    }

    // Σ of i32 seats cannot overflow an i64 for any slice that fits in memory.
    let size: i64 = parties.iter().map(|p| i64::from(p.seats)).sum();
    let total = fees.per_participant_fee.checked_mul(size).and_then(|v| v.checked_add(fees.fixed_fee));
    let total = total.ok_or(SplitError::Overflow)?;

    let weighted: Vec<Weighted<'_>> = order
        .iter()
        .map(|&i| Weighted {
            weight: i64::from(parties[i].seats),
            seats: parties[i].seats,
            org_number: &parties[i].org_number,
        })
        .collect();
    let amounts = apportion(total, &weighted)?;
    let fixed_parts = apportion(fees.fixed_fee, &weighted)?;

    let mut shares: Vec<Option<Share>> = vec![None; parties.len()];
    for ((&i, amount), fixed_part) in order.iter().zip(amounts).zip(fixed_parts) {
        let party = &parties[i];
        let standalone = standalone(fees, party.seats).ok_or(SplitError::Overflow)?;
        shares[i] = Some(Share {
            agreement_id: party.agreement_id,
            organisation_id: party.organisation_id,
            seats: party.seats,
            amount_ore: amount,
            fixed_part_ore: fixed_part,
            // Both lie in 0..=total, so neither difference can overflow.
            variable_part_ore: amount - fixed_part,
            standalone_ore: standalone,
            savings_ore: standalone - amount,
        });
    }
    Ok(Split { total, shares: shares.into_iter().flatten().collect() })
}

/// What the party would pay to run the course alone (rules.md, "Savings").
fn standalone(fees: &CourseFees, seats: i32) -> Option<Ore> {
    let billed_seats = i64::from(seats.max(fees.min_participants));
    fees.per_participant_fee.checked_mul(billed_seats)?.checked_add(fees.fixed_fee)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;

    fn party(agreement: i64, organisation: i64, org_number: &str, seats: i32) -> Party {
        Party {
            agreement_id: AgreementId(agreement),
            organisation_id: OrganisationId(organisation),
            org_number: org_number.to_owned(),
            seats,
        }
    }

    fn fees(fixed: i64, per_participant: i64, min_participants: i32) -> CourseFees {
        CourseFees { fixed_fee: Ore(fixed), per_participant_fee: Ore(per_participant), min_participants }
    }

    /// (amount, fixed part, variable part, standalone, savings) per share.
    fn columns(split: &Split) -> Vec<[i64; 5]> {
        split
            .shares
            .iter()
            .map(|s| {
                [s.amount_ore, s.fixed_part_ore, s.variable_part_ore, s.standalone_ore, s.savings_ore].map(Ore::get)
            })
            .collect()
    }

    #[test]
    fn divides_evenly_when_it_can() {
        // Fixed 30 000 kr, 2 000 kr a seat, minimum 8; seats 3, 4, 5 so size 12.
        // total = 3 000 000 + 200 000 × 12 = 5 400 000 öre.
        // amounts: 5 400 000 × 3/12 = 1 350 000, × 4/12 = 1 800 000, × 5/12 = 2 250 000.
        // fixed parts: 3 000 000 × 3/12 = 750 000, × 4/12 = 1 000 000, × 5/12 = 1 250 000.
        // standalone: 3 000 000 + 200 000 × max(seats, 8) = 4 600 000 for all.
        let parties = [party(1, 10, "212000-2411", 3), party(2, 20, "232100-0016", 4), party(3, 30, "556000-0001", 5)];
        let split = per_seat(&fees(3_000_000, 200_000, 8), &parties).unwrap();
        assert_eq!(split.total, Ore(5_400_000));
        assert_eq!(
            columns(&split),
            [
                [1_350_000, 750_000, 600_000, 4_600_000, 3_250_000],
                [1_800_000, 1_000_000, 800_000, 4_600_000, 2_800_000],
                [2_250_000, 1_250_000, 1_000_000, 4_600_000, 2_350_000],
            ]
        );
    }

    #[test]
    fn extra_ore_goes_to_the_smaller_org_number() {
        // total = 70 000 + 10 000 × 3 = 100 000; 100 000 / 3 = 33 333 r 1 each,
        // 1 öre left, tied on remainder and seats → "212000-2411" (second).
        // fixed: 70 000 / 3 = 23 333 r 1 each → again the second gets 23 334.
        // standalone = 70 000 + 10 000 × max(1, 5) = 120 000.
        let parties = [party(1, 10, "556000-0001", 1), party(2, 20, "212000-2411", 1), party(3, 30, "232100-0016", 1)];
        let split = per_seat(&fees(70_000, 10_000, 5), &parties).unwrap();
        assert_eq!(
            columns(&split),
            [
                [33_333, 23_333, 10_000, 120_000, 86_667],
                [33_334, 23_334, 10_000, 120_000, 86_666],
                [33_333, 23_333, 10_000, 120_000, 86_667],
            ]
        );
    }

    #[test]
    fn more_seats_win_a_tie_and_a_larger_remainder_beats_seats() {
        // Seats 1, 3, 2 (size 6); total = 100 005 (fixed 100 005, nothing per seat).
        // 100 005 × 1 = 6 × 16 667 + 3, × 3 = 6 × 50 002 + 3, × 2 = 6 × 33 335 + 0:
        // 1 öre left, tie on remainder 3 → the party with 3 seats.
        let tie = [party(1, 10, "111111-1111", 1), party(2, 20, "999999-9999", 3), party(3, 30, "555555-5555", 2)];
        let amounts = |split: Split| split.shares.iter().map(|s| s.amount_ore.get()).collect::<Vec<_>>();
        assert_eq!(amounts(per_seat(&fees(100_005, 0, 0), &tie).unwrap()), [16_667, 50_003, 33_335]);

        // Seats 1, 4 (size 5); total 100 003: × 1 = 5 × 20 000 + 3, × 4 = 5 × 80 002 + 2.
        // Remainder 3 beats 2, though that party has fewer seats and the larger org number.
        let remainder = [party(1, 10, "999999-9999", 1), party(2, 20, "111111-1111", 4)];
        assert_eq!(amounts(per_seat(&fees(100_003, 0, 0), &remainder).unwrap()), [20_001, 80_002]);
    }

    #[test]
    fn agreements_of_one_organisation_tie_by_agreement_id() {
        // 100 / 3 = 33 r 1 each; one öre left. Agreements 7 and 5 belong to the
        // same organisation, whose org number is the smallest; agreement 5 gets it.
        let parties = [party(7, 1, "111111-1111", 1), party(9, 2, "222222-2222", 1), party(5, 1, "111111-1111", 1)];
        let split = per_seat(&fees(100, 0, 0), &parties).unwrap();
        assert_eq!(split.shares.iter().map(|s| s.amount_ore.get()).collect::<Vec<_>>(), [33, 33, 34]);
    }

    #[test]
    fn a_party_alone_saves_only_the_seats_below_the_minimum() {
        // total = 1 000 + 100 × 2 = 1 200; standalone = 1 000 + 100 × 6 = 1 600.
        let split = per_seat(&fees(1_000, 100, 6), &[party(1, 1, "a", 2)]).unwrap();
        assert_eq!(columns(&split), [[1_200, 1_000, 200, 1_600, 400]]);
        let split = per_seat(&fees(1_000, 100, 0), &[party(1, 1, "a", 2)]).unwrap();
        assert_eq!(columns(&split), [[1_200, 1_000, 200, 1_200, 0]]);
    }

    #[test]
    fn bad_input_is_an_error() {
        let ok = fees(100, 10, 2);
        assert_eq!(per_seat(&ok, &[]), Err(SplitError::NoParties));
        assert_eq!(
            per_seat(&ok, &[party(1, 1, "a", 1), party(2, 2, "b", 0)]),
            Err(SplitError::NoSeats { agreement_id: AgreementId(2), seats: 0 })
        );
        assert_eq!(
            per_seat(&ok, &[party(4, 1, "a", 1), party(4, 2, "b", 1)]),
            Err(SplitError::DuplicateAgreement(AgreementId(4)))
        );
        assert_eq!(per_seat(&fees(-1, 10, 2), &[party(1, 1, "a", 1)]), Err(SplitError::NegativeFee));
        assert_eq!(per_seat(&fees(1, -10, 2), &[party(1, 1, "a", 1)]), Err(SplitError::NegativeFee));
        assert_eq!(per_seat(&fees(1, i64::MAX, 0), &[party(1, 1, "a", 2)]), Err(SplitError::Overflow));
        // The total fits but running alone at the minimum would not.
        assert_eq!(per_seat(&fees(0, i64::MAX / 2, 3), &[party(1, 1, "a", 1)]), Err(SplitError::Overflow));
    }

    #[test]
    fn shares_serialize_with_plain_numbers() {
        let split = per_seat(&fees(1_000, 100, 6), &[party(3, 8, "a", 2)]).unwrap();
        let json = serde_json::to_value(&split.shares[0]).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "agreement_id": 3, "organisation_id": 8, "seats": 2, "amount_ore": 1_200, "fixed_part_ore": 1_000,
                "variable_part_ore": 200, "standalone_ore": 1_600, "savings_ore": 400,
            })
        );
    }

    /// Up to 8 parties with distinct agreement ids; org numbers repeat (two
    /// agreements of one organisation) and seats are small, so ties are common.
    fn parties_strategy() -> impl Strategy<Value = Vec<Party>> {
        prop::collection::vec((0..5i64, 1..=5i32), 1..=8).prop_map(|rows| {
            rows.into_iter()
                .enumerate()
                .map(|(i, (org, seats))| party(100 - i as i64, org, &format!("{:06}-0000", (org * 7) % 5), seats))
                .collect()
        })
    }

    fn fees_strategy() -> impl Strategy<Value = CourseFees> {
        (0..=10_000_000i64, 0..=1_000_000i64, 0..=30i32).prop_map(|(f, p, m)| fees(f, p, m))
    }

    proptest! {
        #[test]
        fn shares_add_up(fees in fees_strategy(), parties in parties_strategy()) {
            let split = per_seat(&fees, &parties).unwrap();
            let size: i64 = parties.iter().map(|p| i64::from(p.seats)).sum();
            prop_assert_eq!(split.total, Ore(fees.fixed_fee.get() + fees.per_participant_fee.get() * size));
            prop_assert_eq!(split.shares.iter().map(|s| s.amount_ore).sum::<Ore>(), split.total);
            prop_assert_eq!(split.shares.iter().map(|s| s.fixed_part_ore).sum::<Ore>(), fees.fixed_fee);
            prop_assert_eq!(
                split.shares.iter().map(|s| s.variable_part_ore).sum::<Ore>(),
                Ore(fees.per_participant_fee.get() * size)
            );
            for (share, party) in split.shares.iter().zip(&parties) {
                prop_assert_eq!(share.agreement_id, party.agreement_id);
                prop_assert_eq!(share.seats, party.seats);
                // total ≡ fixed (mod size), so both round alike and the variable part is exact.
                prop_assert_eq!(share.variable_part_ore, Ore(fees.per_participant_fee.get() * i64::from(party.seats)));
                prop_assert_eq!(share.savings_ore, share.standalone_ore - share.amount_ore);
                prop_assert!(!share.savings_ore.is_negative());
            }
        }

        #[test]
        fn every_share_is_within_one_ore_of_the_exact_fraction(fees in fees_strategy(), parties in parties_strategy()) {
            let split = per_seat(&fees, &parties).unwrap();
            let size: i128 = parties.iter().map(|p| i128::from(p.seats)).sum();
            for share in &split.shares {
                for (got, whole) in [(share.amount_ore, split.total), (share.fixed_part_ore, fees.fixed_fee)] {
                    let gap = i128::from(got.get()) * size - i128::from(whole.get()) * i128::from(share.seats);
                    prop_assert!(gap > -size && gap < size, "{:?} of {:?} off by {}/{}", got, whole, gap, size);
                }
            }
        }

        #[test]
        fn order_of_parties_does_not_matter(
            fees in fees_strategy(),
            (parties, shuffled) in parties_strategy().prop_flat_map(|p| (Just(p.clone()), Just(p).prop_shuffle())),
        ) {
            let by_agreement = |parties: &[Party]| {
                let split = per_seat(&fees, parties).unwrap();
                split.shares.into_iter().map(|s| (s.agreement_id, s)).collect::<BTreeMap<_, _>>()
            };
            prop_assert_eq!(by_agreement(&parties), by_agreement(&shuffled));
        }

        #[test]
        fn zero_fees_give_zero_shares(min_participants in 0..30i32, parties in parties_strategy()) {
            let split = per_seat(&fees(0, 0, min_participants), &parties).unwrap();
            prop_assert_eq!(split.total, Ore::ZERO);
            prop_assert!(columns(&split).iter().all(|row| row.iter().all(|&v| v == 0)));
        }
    }
}
