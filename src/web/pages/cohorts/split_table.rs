//! The table finance reads: each party's share of a cohort excluding VAT,
//! the VAT, the share including it, and beside it what the party would pay
//! alone and so saves; amounts right-aligned, with a totals row.

use std::collections::HashMap;

use maud::{Markup, html};

use super::super::components::money_cell;
use super::super::layout::Lang;
use crate::cohorts::CohortView;
use crate::ids::OrganisationId;
use crate::money::Ore;
use crate::splitting::Share;

/// The names of a cohort's organisations, from its allocations.
pub fn names_of(view: &CohortView) -> HashMap<OrganisationId, String> {
    view.allocations.iter().map(|a| (a.organisation_id, a.organisation_name.clone())).collect()
}

/// The sums of the shares shown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub seats: i32,
    pub amount: Ore,
    pub vat: Ore,
    pub amount_incl_vat: Ore,
    pub standalone: Ore,
    pub savings: Ore,
}

impl Totals {
    pub fn of(shares: &[Share]) -> Self {
        Self {
            seats: shares.iter().map(|s| s.seats).sum(),
            amount: shares.iter().map(|s| s.amount_ore).sum(),
            vat: shares.iter().map(|s| s.vat_ore).sum(),
            amount_incl_vat: shares.iter().map(|s| s.amount_incl_vat_ore).sum(),
            standalone: shares.iter().map(|s| s.standalone_ore).sum(),
            savings: shares.iter().map(|s| s.savings_ore).sum(),
        }
    }
}

/// The shares as a table, with `caption`, one row per agreement and a
/// totals row summing the rows shown.
pub fn table(lang: Lang, caption: &str, shares: &[Share], names: &HashMap<OrganisationId, String>) -> Markup {
    let totals = Totals::of(shares);
    html! {
        div class="table-wrap" {
            table class="split" {
                caption { (caption) }
                thead {
                    tr {
                        th scope="col" { (lang.pick("Organisation", "Organisation")) }
                        th scope="col" class="num" { (lang.pick("Platser", "Seats")) }
                        th scope="col" class="num" { (lang.pick("Andel exkl. moms", "Share excl. VAT")) }
                        th scope="col" class="num" { (lang.pick("Moms", "VAT")) }
                        th scope="col" class="num" { (lang.pick("Andel inkl. moms", "Share incl. VAT")) }
                        th scope="col" class="num" { (lang.pick("Kostnad ensam", "Cost alone")) }
                        th scope="col" class="num" { (lang.pick("Besparing", "Savings")) }
                    }
                }
                tbody {
                    @for share in shares {
                        tr {
                            th scope="row" {
                                (names.get(&share.organisation_id).map_or("", String::as_str))
                                " " span class="hint" { (share.org_number) }
                            }
                            td class="num" { (share.seats) }
                            (money_cell(share.amount_ore))
                            (money_cell(share.vat_ore))
                            (money_cell(share.amount_incl_vat_ore))
                            (money_cell(share.standalone_ore))
                            (money_cell(share.savings_ore))
                        }
                    }
                }
                tfoot {
                    tr {
                        th scope="row" { (lang.pick("Summa", "Total")) }
                        td class="num" { (totals.seats) }
                        (money_cell(totals.amount))
                        (money_cell(totals.vat))
                        (money_cell(totals.amount_incl_vat))
                        (money_cell(totals.standalone))
                        (money_cell(totals.savings))
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::AgreementId;

    fn share(agreement: i64, organisation: i64, seats: i32, amount: i64, standalone: i64) -> Share {
        let vat = amount / 4;
        Share {
            agreement_id: AgreementId(agreement),
            organisation_id: OrganisationId(organisation),
            org_number: format!("212000-000{organisation}"),
            seats,
            amount_ore: Ore(amount),
            fixed_part_ore: Ore(0),
            variable_part_ore: Ore(amount),
            vat_ore: Ore(vat),
            amount_incl_vat_ore: Ore(amount + vat),
            standalone_ore: Ore(standalone),
            savings_ore: Ore(standalone - amount),
        }
    }

    #[test]
    fn the_totals_row_sums_the_rows_shown() {
        let shares = [share(1, 1, 3, 7_500_000, 13_500_000), share(2, 2, 3, 7_500_000, 13_500_000)];
        let names = HashMap::from([(OrganisationId(1), "Sundsvalls kommun".to_owned())]);
        let html = table(Lang::Sv, "Fördelning", &shares, &names).into_string();
        // 2 × 75 000 kr = 150 000 kr; savings 2 × 60 000 kr = 120 000 kr.
        let foot = &html[html.find("<tfoot>").unwrap()..];
        assert!(foot.contains("150\u{a0}000,00\u{a0}kr") && foot.contains("120\u{a0}000,00\u{a0}kr"), "{foot}");
        assert!(foot.contains("<td class=\"num\">6</td>"), "{foot}");
        assert!(html.contains("Sundsvalls kommun") && html.contains("scope=\"col\""), "{html}");
    }
}
