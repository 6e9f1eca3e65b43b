//! A cohort's cost divided among its parties by one of the four split rules
//! (rules.md, "Split rules" and "Savings").
//!
//! | rule | the fixed fee is divided | a party's amount |
//! |---|---|---|
//! | `per_seat` | by seats | `total × seats / size` |
//! | `equal_fixed` | equally | its fixed part + `per_participant_fee × seats` |
//! | `employees_weighted` | by the organisation's employees | the same |
//! | `host_fixed` | all to the host | the same |
//!
//! Every division is rounded by the largest-remainder rule (`apportion`), so
//! the amounts sum exactly to the total and the fixed parts to the fixed fee.

use serde::Serialize;

use super::apportion::{ApportionError, Weighted, apportion};
use super::rule::SplitRule;
use super::vat::VatRate;
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
    /// The organisation's employees: the weight under `employees_weighted`,
    /// where it must be at least 1. Other rules ignore it.
    pub employees: i32,
}

/// What one party pays, and what it saves against running the course alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Share {
    #[schema(value_type = i64)]
    pub agreement_id: AgreementId,
    #[schema(value_type = i64)]
    pub organisation_id: OrganisationId,
    #[schema(example = "212000-2411")]
    pub org_number: String,
    pub seats: i32,
    /// The party's share of the total, excluding VAT.
    #[schema(value_type = i64)]
    pub amount_ore: Ore,
    /// Its part of the fixed fee.
    #[schema(value_type = i64)]
    pub fixed_part_ore: Ore,
    /// `amount_ore − fixed_part_ore`; always `per_participant_fee × seats`.
    #[schema(value_type = i64)]
    pub variable_part_ore: Ore,
    /// VAT on `amount_ore`, rounded to the nearest öre (halves up).
    #[schema(value_type = i64)]
    pub vat_ore: Ore,
    /// `amount_ore + vat_ore`.
    #[schema(value_type = i64)]
    pub amount_incl_vat_ore: Ore,
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
    pub rule: SplitRule,
    /// `fixed_fee + per_participant_fee × size`, excluding VAT; the shares'
    /// amounts sum to it exactly.
    pub total: Ore,
    /// The sum of the shares' VAT. Each party is invoiced separately, so
    /// VAT is rounded per share; this can differ from VAT on the total by
    /// less than one öre per party.
    pub vat: Ore,
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
    #[error("agreement {agreement_id}'s organisation has {employees} employees; employees_weighted needs at least 1")]
    NoEmployees { agreement_id: AgreementId, employees: i32 },
    #[error("host_fixed needs a host to pay the fixed fee")]
    NoHost,
    #[error("the host, agreement {0}, has no seats in the cohort")]
    HostNotAParty(AgreementId),
    #[error("the cohort's cost is too large to compute in öre")]
    Overflow,
    #[error(transparent)]
    Apportion(#[from] ApportionError),
}

/// Splits a cohort's cost by `rule`. `host` is the agreement that pays the
/// fixed fee under `host_fixed`; the other rules ignore it.
///
/// Rounding ties that the rule leaves open (two agreements of one
/// organisation with equal seats) go to the smaller agreement id, so the
/// result never depends on the order of `parties`.
pub fn split(
    rule: SplitRule,
    fees: &CourseFees,
    parties: &[Party],
    host: Option<AgreementId>,
    vat: VatRate,
) -> Result<Split, SplitError> {
    if parties.is_empty() {
        return Err(SplitError::NoParties);
    }
    if fees.fixed_fee.is_negative() || fees.per_participant_fee.is_negative() {
        return Err(SplitError::NegativeFee);
    }
    if let Some(p) = parties.iter().find(|p| p.seats < 1) {
        return Err(SplitError::NoSeats { agreement_id: p.agreement_id, seats: p.seats });
    }
    if rule == SplitRule::EmployeesWeighted
        && let Some(p) = parties.iter().find(|p| p.employees < 1)
    {
        return Err(SplitError::NoEmployees { agreement_id: p.agreement_id, employees: p.employees });
    }
    let host = match (rule, host) {
        (SplitRule::HostFixed, None) => return Err(SplitError::NoHost),
        (SplitRule::HostFixed, Some(host)) if !parties.iter().any(|p| p.agreement_id == host) => {
            return Err(SplitError::HostNotAParty(host));
        }
        (_, host) => host,
    };

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

    let weighted = |weight: fn(&Party) -> i64| -> Vec<Weighted<'_>> {
        order
            .iter()
            .map(|&i| Weighted {
                weight: weight(&parties[i]),
                seats: parties[i].seats,
                org_number: &parties[i].org_number,
            })
            .collect()
    };
    let by_seats = weighted(|p| i64::from(p.seats));
    let fixed_parts = match rule {
        SplitRule::PerSeat => apportion(fees.fixed_fee, &by_seats)?,
        SplitRule::EqualFixed => apportion(fees.fixed_fee, &weighted(|_| 1))?,
        SplitRule::EmployeesWeighted => apportion(fees.fixed_fee, &weighted(|p| i64::from(p.employees)))?,
        SplitRule::HostFixed => order
            .iter()
            .map(|&i| if Some(parties[i].agreement_id) == host { fees.fixed_fee } else { Ore::ZERO })
            .collect(),
    };
    let amounts = match rule {
        // total ≡ fixed_fee (mod size) for every party's weight, so the two
        // apportionments round alike and the variable part comes out exact.
        SplitRule::PerSeat => apportion(total, &by_seats)?,
        _ => order
            .iter()
            .zip(&fixed_parts)
            .map(|(&i, &fixed_part)| {
                // fixed_part ≤ fixed_fee and seats ≤ size, so this is at most the total.
                fixed_part + Ore(fees.per_participant_fee.get() * i64::from(parties[i].seats))
            })
            .collect(),
    };

    let mut shares: Vec<Option<Share>> = vec![None; parties.len()];
    for ((&i, amount), fixed_part) in order.iter().zip(amounts).zip(fixed_parts) {
        let party = &parties[i];
        let standalone = standalone(fees, party.seats).ok_or(SplitError::Overflow)?;
        let vat_ore = vat.on(amount).ok_or(SplitError::Overflow)?;
        let amount_incl_vat_ore = amount.checked_add(vat_ore).ok_or(SplitError::Overflow)?;
        shares[i] = Some(Share {
            agreement_id: party.agreement_id,
            organisation_id: party.organisation_id,
            org_number: party.org_number.clone(),
            seats: party.seats,
            amount_ore: amount,
            fixed_part_ore: fixed_part,
            // Both lie in 0..=total, so neither difference can overflow.
            variable_part_ore: amount - fixed_part,
            vat_ore,
            amount_incl_vat_ore,
            standalone_ore: standalone,
            savings_ore: standalone - amount,
        });
    }
    let shares: Vec<Share> = shares.into_iter().flatten().collect();
    let vat = shares.iter().map(|s| s.vat_ore).sum();
    Ok(Split { rule, total, vat, shares })
}

/// Splits a cohort's cost by the `per_seat` rule: what a proposal would cost.
pub fn per_seat(fees: &CourseFees, parties: &[Party], vat: VatRate) -> Result<Split, SplitError> {
    split(SplitRule::PerSeat, fees, parties, None, vat)
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
            employees: 1,
        }
    }

    fn with_employees(party: Party, employees: i32) -> Party {
        Party { employees, ..party }
    }

    const VAT: VatRate = VatRate(25);

    fn per_seat(fees: &CourseFees, parties: &[Party]) -> Result<Split, SplitError> {
        super::per_seat(fees, parties, VAT)
    }

    /// (amount, fixed part, VAT, savings) per share.
    fn money(split: &Split) -> Vec<[i64; 4]> {
        split.shares.iter().map(|s| [s.amount_ore, s.fixed_part_ore, s.vat_ore, s.savings_ore].map(Ore::get)).collect()
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
                "agreement_id": 3, "organisation_id": 8, "org_number": "a", "seats": 2, "amount_ore": 1_200,
                "fixed_part_ore": 1_000, "variable_part_ore": 200, "vat_ore": 300, "amount_incl_vat_ore": 1_500,
                "standalone_ore": 1_600, "savings_ore": 400,
            })
        );
    }

    #[test]
    fn equal_fixed_splits_the_fixed_fee_by_head_and_the_rest_by_seat() {
        // Fixed 100 000, 10 000 a seat, minimum 5; seats 1, 3, 2 (size 6).
        // 100 000 / 3 = 33 333 r 1 for each party: 1 öre left, the tie on the
        // remainder goes to the party with most seats (the second).
        // Amounts: 33 333 + 10 000, 33 334 + 30 000, 33 333 + 20 000 (sum 160 000).
        // VAT 25 %: 10 833.25 → 10 833, 15 833.5 → 15 834, 13 333.25 → 13 333.
        // Alone each pays 100 000 + 10 000 × 5 = 150 000.
        let parties = [party(1, 10, "556000-0001", 1), party(2, 20, "212000-2411", 3), party(3, 30, "232100-0016", 2)];
        let split = split(SplitRule::EqualFixed, &fees(100_000, 10_000, 5), &parties, None, VAT).unwrap();
        assert_eq!(split.total, Ore(160_000));
        assert_eq!(
            money(&split),
            [[43_333, 33_333, 10_833, 106_667], [63_334, 33_334, 15_834, 86_666], [53_333, 33_333, 13_333, 96_667]]
        );
        assert_eq!(split.vat, Ore(10_833 + 15_834 + 13_333));
        assert_eq!(split.shares[1].amount_incl_vat_ore, Ore(79_168));
    }

    #[test]
    fn equal_fixed_ties_go_to_more_seats_before_the_smaller_org_number() {
        // 100 000 / 3 = 33 333 r 1 each, 1 öre left. Seats 2, 2, 1: the third
        // has the smallest org number but fewer seats; of the two with 2 seats
        // "212000-2411" is smaller than "556000-0001".
        let parties = [party(1, 10, "556000-0001", 2), party(2, 20, "212000-2411", 2), party(3, 30, "111111-1111", 1)];
        let split = split(SplitRule::EqualFixed, &fees(100_000, 0, 1), &parties, None, VAT).unwrap();
        assert_eq!(split.shares.iter().map(|s| s.fixed_part_ore.get()).collect::<Vec<_>>(), [33_333, 33_334, 33_333]);
    }

    /// Sundsvall (9 000 employees, 3 seats), Ånge (1 200, 1), Timrå (1 600, 2).
    fn three_municipalities() -> [Party; 3] {
        [
            with_employees(party(1, 10, "212000-2411", 3), 9_000),
            with_employees(party(2, 20, "212000-2387", 1), 1_200),
            with_employees(party(3, 30, "212000-2395", 2), 1_600),
        ]
    }

    #[test]
    fn employees_weighted_splits_the_fixed_fee_by_employees() {
        // Fixed 1 000 000, 50 000 a seat, minimum 4; Σ employees = 11 800.
        // Sundsvall: 1 000 000 × 9 000 / 11 800 = 762 711 r 10 200;
        // Ånge: × 1 200 / 11 800 = 101 694 r 10 800; Timrå: × 1 600 = 135 593 r 2 600.
        // Floors sum to 999 998; the 2 öre go to Ånge and Sundsvall.
        // Amounts: 762 712 + 150 000, 101 695 + 50 000, 135 593 + 100 000 (sum 1 300 000).
        // VAT: 228 178 exactly, 37 923.75 → 37 924, 58 898.25 → 58 898.
        // Alone each pays 1 000 000 + 50 000 × 4 = 1 200 000.
        let split =
            split(SplitRule::EmployeesWeighted, &fees(1_000_000, 50_000, 4), &three_municipalities(), None, VAT)
                .unwrap();
        assert_eq!(split.total, Ore(1_300_000));
        assert_eq!(
            money(&split),
            [
                [912_712, 762_712, 228_178, 287_288],
                [151_695, 101_695, 37_924, 1_048_305],
                [235_593, 135_593, 58_898, 964_407],
            ]
        );
    }

    #[test]
    fn employees_weighted_ties_on_the_remainder_go_to_more_seats() {
        // 101 × 10 / 20 = 50 r 10 for both; the öre left goes to 2 seats.
        let parties =
            [with_employees(party(1, 1, "111111-1111", 1), 10), with_employees(party(2, 2, "999999-9999", 2), 10)];
        let split = split(SplitRule::EmployeesWeighted, &fees(101, 0, 1), &parties, None, VAT).unwrap();
        assert_eq!(split.shares.iter().map(|s| s.fixed_part_ore.get()).collect::<Vec<_>>(), [50, 51]);
    }

    #[test]
    fn host_fixed_puts_the_whole_fixed_fee_on_the_host() {
        // Timrå hosts: it pays 1 000 000 + 2 × 50 000; the others only their seats.
        // VAT: 37 500, 12 500, 275 000. Savings against 1 200 000 alone.
        let split = split(
            SplitRule::HostFixed,
            &fees(1_000_000, 50_000, 4),
            &three_municipalities(),
            Some(AgreementId(3)),
            VAT,
        )
        .unwrap();
        assert_eq!(
            money(&split),
            [[150_000, 0, 37_500, 1_050_000], [50_000, 0, 12_500, 1_150_000], [1_100_000, 1_000_000, 275_000, 100_000]]
        );
        assert_eq!(split.total, Ore(1_300_000));
    }

    #[test]
    fn rules_refuse_what_they_cannot_split() {
        let f = fees(1_000, 10, 1);
        let parties = three_municipalities();
        assert_eq!(split(SplitRule::HostFixed, &f, &parties, None, VAT), Err(SplitError::NoHost));
        assert_eq!(
            split(SplitRule::HostFixed, &f, &parties, Some(AgreementId(9)), VAT),
            Err(SplitError::HostNotAParty(AgreementId(9)))
        );
        let nobody = [with_employees(party(1, 1, "a", 1), 0), party(2, 2, "b", 1)];
        assert_eq!(
            split(SplitRule::EmployeesWeighted, &f, &nobody, None, VAT),
            Err(SplitError::NoEmployees { agreement_id: AgreementId(1), employees: 0 })
        );
        // The other rules do not weigh employees, and ignore a host.
        assert!(split(SplitRule::EqualFixed, &f, &nobody, Some(AgreementId(9)), VAT).is_ok());
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
        fn zero_fees_give_zero_shares(min_participants in 0..30i32, parties in parties_strategy()) {
            let split = per_seat(&fees(0, 0, min_participants), &parties).unwrap();
            prop_assert_eq!(split.total, Ore::ZERO);
            prop_assert!(columns(&split).iter().all(|row| row.iter().all(|&v| v == 0)));
        }
    }

    /// Parties as `parties_strategy`, with employees from 1 to 12 000, a host
    /// among them, and fees and a VAT rate.
    fn case_strategy() -> impl Strategy<Value = (CourseFees, Vec<Party>, AgreementId, VatRate)> {
        (fees_strategy(), parties_strategy(), 0..=30u32)
            .prop_flat_map(|(fees, parties, vat)| {
                let n = parties.len();
                (Just(fees), prop::collection::vec(1..=12_000i32, n), 0..n, Just(VatRate(vat)), Just(parties))
            })
            .prop_map(|(fees, employees, host, vat, parties)| {
                let host = parties[host].agreement_id;
                let parties = parties.into_iter().zip(employees).map(|(p, e)| with_employees(p, e)).collect();
                (fees, parties, host, vat)
            })
    }

    /// What every split must satisfy, whatever its rule (rules.md).
    fn check_split(
        rule: SplitRule,
        fees: &CourseFees,
        parties: &[Party],
        host: AgreementId,
        vat: VatRate,
    ) -> Result<(), TestCaseError> {
        let split = split(rule, fees, parties, Some(host), vat).unwrap();
        let size: i64 = parties.iter().map(|p| i64::from(p.seats)).sum();
        prop_assert_eq!(split.total, Ore(fees.fixed_fee.get() + fees.per_participant_fee.get() * size));
        prop_assert_eq!(split.shares.iter().map(|s| s.amount_ore).sum::<Ore>(), split.total);
        prop_assert_eq!(split.shares.iter().map(|s| s.fixed_part_ore).sum::<Ore>(), fees.fixed_fee);
        prop_assert_eq!(split.shares.iter().map(|s| s.vat_ore).sum::<Ore>(), split.vat);
        for (share, party) in split.shares.iter().zip(parties) {
            prop_assert_eq!(share.agreement_id, party.agreement_id);
            prop_assert_eq!(share.seats, party.seats);
            prop_assert!(!share.amount_ore.is_negative() && !share.fixed_part_ore.is_negative());
            prop_assert_eq!(share.variable_part_ore, Ore(fees.per_participant_fee.get() * i64::from(party.seats)));
            prop_assert_eq!(share.amount_ore, share.fixed_part_ore + share.variable_part_ore);
            // VAT to the nearest öre: |100 × vat − rate × amount| ≤ 50.
            let gap =
                100 * i128::from(share.vat_ore.get()) - i128::from(vat.percent()) * i128::from(share.amount_ore.get());
            prop_assert!((-50..=50).contains(&gap), "VAT {:?} on {:?}", share.vat_ore, share.amount_ore);
            prop_assert_eq!(share.amount_incl_vat_ore, share.amount_ore + share.vat_ore);
            prop_assert_eq!(
                share.standalone_ore,
                Ore(fees.fixed_fee.get()
                    + fees.per_participant_fee.get() * i64::from(party.seats.max(fees.min_participants)))
            );
            prop_assert_eq!(share.savings_ore, share.standalone_ore - share.amount_ore);
            prop_assert!(!share.savings_ore.is_negative(), "negative savings {:?}", share);
        }
        // Each fixed part is within one öre of its exact fraction of the fixed fee.
        let weight = |p: &Party| -> i128 {
            match rule {
                SplitRule::PerSeat => i128::from(p.seats),
                SplitRule::EqualFixed => 1,
                SplitRule::EmployeesWeighted => i128::from(p.employees),
                SplitRule::HostFixed => i128::from(p.agreement_id == host),
            }
        };
        let sum: i128 = parties.iter().map(weight).sum();
        for (share, party) in split.shares.iter().zip(parties) {
            let gap = i128::from(share.fixed_part_ore.get()) * sum - i128::from(fees.fixed_fee.get()) * weight(party);
            prop_assert!(gap > -sum && gap < sum, "fixed part {:?} off by {}/{}", share.fixed_part_ore, gap, sum);
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(10_000))]

        #[test]
        fn per_seat_splits_exactly((fees, parties, host, vat) in case_strategy()) {
            check_split(SplitRule::PerSeat, &fees, &parties, host, vat)?;
            let split = super::per_seat(&fees, &parties, vat).unwrap();
            for (a, pa) in split.shares.iter().zip(&parties) {
                for (b, pb) in split.shares.iter().zip(&parties) {
                    if pa.seats > pb.seats {
                        prop_assert!(a.amount_ore >= b.amount_ore, "{} seats pay {:?} < {} seats {:?}", pa.seats, a.amount_ore, pb.seats, b.amount_ore);
                    }
                }
            }
        }

        #[test]
        fn per_seat_saves_at_the_minimum_size(
            (mut fees, parties, _host, vat) in case_strategy(),
        ) {
            // The cohort meets its minimum: no party's savings may be negative.
            let size: i32 = parties.iter().map(|p| p.seats).sum();
            fees.min_participants = fees.min_participants.min(size);
            let split = super::per_seat(&fees, &parties, vat).unwrap();
            prop_assert!(split.shares.iter().all(|s| !s.savings_ore.is_negative()));
        }

        #[test]
        fn equal_fixed_splits_exactly((fees, parties, host, vat) in case_strategy()) {
            check_split(SplitRule::EqualFixed, &fees, &parties, host, vat)?;
        }

        #[test]
        fn employees_weighted_splits_exactly((fees, parties, host, vat) in case_strategy()) {
            check_split(SplitRule::EmployeesWeighted, &fees, &parties, host, vat)?;
        }

        #[test]
        fn host_fixed_splits_exactly((fees, parties, host, vat) in case_strategy()) {
            check_split(SplitRule::HostFixed, &fees, &parties, host, vat)?;
        }

        #[test]
        fn no_rule_depends_on_the_order_of_parties(
            (fees, parties, host, vat) in case_strategy(),
            seed in any::<u64>(),
        ) {
            let mut shuffled = parties.clone();
            // A deterministic shuffle from the seed: rotate and reverse.
            let turn = (seed as usize) % shuffled.len();
            shuffled.rotate_left(turn);
            if seed % 2 == 1 { shuffled.reverse(); }
            for rule in SplitRule::ALL {
                let by_agreement = |parties: &[Party]| {
                    let split = split(rule, &fees, parties, Some(host), vat).unwrap();
                    split.shares.into_iter().map(|s| (s.agreement_id, s)).collect::<BTreeMap<_, _>>()
                };
                prop_assert_eq!(by_agreement(&parties), by_agreement(&shuffled));
            }
        }
    }
}
