//! An agreement's budget as pictures: one bar of what is invoiced, what is
//! committed but not yet invoiced, and what remains (or how far past the
//! budget it has gone), and a small chart of what has been committed term by
//! term, added up. Each has its figures in words beside it; nothing is told
//! by colour alone.

use maud::{Markup, html};

use crate::invoicing::ledger::Budget;
use crate::money::Ore;
use crate::registry::term::Term;
use crate::web::pages::components::money;
use crate::web::pages::layout::Lang;

const BAR_WIDTH: i64 = 600;
const BAR_HEIGHT: i64 = 36;

/// The widths of the bar's parts, in units of `BAR_WIDTH`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Segments {
    invoiced: i64,
    /// Committed, not yet invoiced, up to the budget.
    uninvoiced: i64,
    remaining: i64,
    /// Committed beyond the budget.
    over: i64,
    /// Where the budget ends.
    budget_at: i64,
}

/// `part / whole` of the bar's width, rounded down; integers only.
fn width_of(part: i64, whole: i64) -> i64 {
    if whole <= 0 { 0 } else { (i128::from(part.max(0)) * i128::from(BAR_WIDTH) / i128::from(whole)) as i64 }
}

fn segments(budget: &Budget) -> Segments {
    let (budget_ore, committed) = (budget.budget_ore.0.max(0), budget.committed_ore.0.max(0));
    // Invoicing follows commitments; a bar never shows more invoiced than committed.
    let invoiced = budget.invoiced_ore.0.clamp(0, committed);
    let scale = budget_ore.max(committed).max(1);
    let within = committed.min(budget_ore);
    let invoiced_w = width_of(invoiced.min(within), scale);
    let within_w = width_of(within, scale);
    let committed_w = width_of(committed, scale);
    let budget_at = width_of(budget_ore, scale);
    Segments {
        invoiced: invoiced_w,
        uninvoiced: within_w - invoiced_w,
        remaining: budget_at - within_w,
        over: committed_w - within_w,
        budget_at,
    }
}

/// Percent of the budget committed, rounded down (none for a zero budget).
pub fn used_percent(committed: Ore, budget: Ore) -> Option<i64> {
    (budget.0 > 0).then(|| (i128::from(committed.0) * 100 / i128::from(budget.0)) as i64)
}

/// The budget bar with its figures; `id` makes its labels unique on the page.
pub fn budget_bar(lang: Lang, id: &str, budget: &Budget) -> Markup {
    let s = segments(budget);
    let over_by = budget.committed_ore - budget.budget_ore;
    let over = over_by.0 > 0;
    let alternative = match (lang, over) {
        (Lang::Sv, false) => format!(
            "Budget {}: beslutat {}, varav fakturerat {}; kvar {}.",
            budget.budget_ore, budget.committed_ore, budget.invoiced_ore, budget.remaining_ore
        ),
        (Lang::En, false) => format!(
            "Budget {}: committed {}, of which invoiced {}; remaining {}.",
            budget.budget_ore, budget.committed_ore, budget.invoiced_ore, budget.remaining_ore
        ),
        (Lang::Sv, true) => format!(
            "Budget {}: beslutat {}, varav fakturerat {}; över budget med {}.",
            budget.budget_ore, budget.committed_ore, budget.invoiced_ore, over_by
        ),
        (Lang::En, true) => format!(
            "Budget {}: committed {}, of which invoiced {}; over budget by {}.",
            budget.budget_ore, budget.committed_ore, budget.invoiced_ore, over_by
        ),
    };
    let title_id = format!("budget-{id}");
    html! {
        svg xmlns="http://www.w3.org/2000/svg" class="budget-bar" role="img" aria-labelledby=(title_id)
            viewBox={ "0 0 " (BAR_WIDTH + 2) " " (BAR_HEIGHT + 22) } width=(BAR_WIDTH + 2) height=(BAR_HEIGHT + 22) {
            title id=(title_id) { (alternative) }
            defs {
                pattern id={ "uninvoiced-" (id) } width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)" {
                    rect width="8" height="8" fill="#d2e2f1" {}
                    line x1="0" y1="0" x2="0" y2="8" stroke="#1d70b8" stroke-width="2" {}
                }
                pattern id={ "over-" (id) } width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(-45)" {
                    rect width="8" height="8" fill="#d4351c" {}
                    line x1="0" y1="0" x2="0" y2="8" stroke="#ffffff" stroke-width="2" {}
                }
            }
            g class="invoiced" { rect x="1" y="1" width=(s.invoiced) height=(BAR_HEIGHT) fill="#1d70b8"; }
            g class="uninvoiced" { rect x=(1 + s.invoiced) y="1" width=(s.uninvoiced) height=(BAR_HEIGHT) fill={ "url(#uninvoiced-" (id) ")" }; }
            g class="remaining" { rect x=(1 + s.invoiced + s.uninvoiced) y="1" width=(s.remaining) height=(BAR_HEIGHT) fill="#ffffff"; }
            @if s.over > 0 {
                g class="over" { rect x=(1 + s.budget_at) y="1" width=(s.over) height=(BAR_HEIGHT) fill={ "url(#over-" (id) ")" }; }
            }
            // The budget's outline and its end, labelled.
            rect x="1" y="1" width=(s.budget_at) height=(BAR_HEIGHT) fill="none" stroke="#0b0c0c" stroke-width="2" {}
            line x1=(1 + s.budget_at) y1="0" x2=(1 + s.budget_at) y2=(BAR_HEIGHT + 6) stroke="#0b0c0c" stroke-width="3" {}
            text x=(s.budget_at.max(60)) y=(BAR_HEIGHT + 19) text-anchor="end" font-size="14" { (lang.pick("Budget", "Budget")) }
        }
        ul class="budget-figures" {
            li { span class="key" { "■ " } (lang.pick("Fakturerat", "Invoiced")) ": " (money(budget.invoiced_ore)) }
            li { span class="key" { "▨ " } (lang.pick("Beslutat, ännu inte fakturerat", "Committed, not yet invoiced")) ": "
                (money((budget.committed_ore - budget.invoiced_ore).max_zero())) }
            @if over {
                li class="over" { strong { "⚠ " (lang.pick("Över budget med", "Over budget by")) " " (money(over_by)) } }
            } @else {
                li { span class="key" { "□ " } (lang.pick("Kvar", "Remaining")) ": " (money(budget.remaining_ore)) }
            }
        }
    }
}

/// Only what is above zero, for amounts that cannot be negative on a bar.
trait MaxZero {
    fn max_zero(self) -> Self;
}

impl MaxZero for Ore {
    fn max_zero(self) -> Self {
        Ore(self.0.max(0))
    }
}

/// Committed per term, added up: `per_term` in time order, with the amounts
/// committed in each term.
pub fn cumulative(per_term: &[(Term, Ore)]) -> Vec<(Term, Ore, Ore)> {
    let mut total = Ore::ZERO;
    per_term
        .iter()
        .map(|&(term, amount)| {
            total += amount;
            (term, amount, total)
        })
        .collect()
}

const USE_COLUMN: i64 = 72;
const USE_HEIGHT: i64 = 120;

/// The chart of committed money over time, with its table.
pub fn use_over_time(lang: Lang, id: &str, budget: Ore, per_term: &[(Term, Ore)]) -> Markup {
    if per_term.is_empty() {
        return html! { p { (lang.pick(
            "Inga bekräftade kurstillfällen har belastat avtalet ännu.",
            "No confirmed cohort has been charged to the agreement yet.",
        )) } };
    }
    let rows = cumulative(per_term);
    let highest = rows.last().map_or(0, |r| r.2.0).max(budget.0).max(1);
    let height_of = |amount: Ore| (i128::from(amount.0.max(0)) * i128::from(USE_HEIGHT) / i128::from(highest)) as i64;
    let width = 8 + USE_COLUMN * rows.len() as i64;
    let top = 10;
    let base = top + USE_HEIGHT;
    let budget_y = base - height_of(budget);
    let words: Vec<String> = rows.iter().map(|(term, _, total)| format!("{} {}", term.display_name(), total)).collect();
    let alternative = match lang {
        Lang::Sv => format!("Beslutat per termin, ackumulerat: {}. Budget {}.", words.join("; "), budget),
        Lang::En => format!("Committed by term, cumulative: {}. Budget {}.", words.join("; "), budget),
    };
    let title_id = format!("use-{id}");
    html! {
        div class="table-wrap" {
            svg xmlns="http://www.w3.org/2000/svg" class="use-chart" role="img" aria-labelledby=(title_id)
                viewBox={ "0 0 " (width) " " (base + 26) } width=(width) height=(base + 26) font-size="13" {
                title id=(title_id) { (alternative) }
                @for (i, (term, _, total)) in rows.iter().enumerate() {
                    @let x = 8 + USE_COLUMN * i as i64;
                    @let h = height_of(*total);
                    @let over = total.0 > budget.0;
                    rect x=(x + 6) y=(base - h) width=(USE_COLUMN - 12) height=(h)
                        fill=(if over { "#d4351c" } else { "#1d70b8" }) stroke="#0b0c0c" {}
                    text x=(x + USE_COLUMN / 2) y=(base + 18) text-anchor="middle" { (term.display_name()) }
                }
                line x1="0" y1=(base) x2=(width) y2=(base) stroke="#0b0c0c" {}
                line x1="0" y1=(budget_y) x2=(width) y2=(budget_y) stroke="#0b0c0c" stroke-width="2" stroke-dasharray="6 4" {}
                text x="4" y=((budget_y - 3).max(12)) { (lang.pick("Budget (streckad)", "Budget (dashed)")) }
            }
        }
        details {
            summary { (lang.pick("Beslutat per termin som tabell", "Committed by term as a table")) }
            div class="table-wrap" {
                table {
                    thead { tr {
                        th scope="col" { (lang.pick("Termin", "Term")) }
                        th scope="col" class="num" { (lang.pick("Beslutat under terminen", "Committed in the term")) }
                        th scope="col" class="num" { (lang.pick("Beslutat totalt", "Committed in all")) }
                    } }
                    tbody {
                        @for (term, amount, total) in &rows {
                            tr {
                                th scope="row" { (term.display_name()) }
                                td class="num" { (amount) }
                                td class="num" { (total) }
                            }
                        }
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

    fn budget(budget: i64, committed: i64, invoiced: i64) -> Budget {
        Budget {
            agreement_id: AgreementId(1),
            budget_ore: Ore(budget),
            committed_ore: Ore(committed),
            invoiced_ore: Ore(invoiced),
            remaining_ore: Ore(budget - committed),
        }
    }

    #[test]
    fn the_parts_of_a_bar_fill_the_budget() {
        let s = segments(&budget(200_000_000, 50_000_000, 20_000_000));
        assert_eq!((s.invoiced, s.uninvoiced, s.remaining, s.over, s.budget_at), (60, 90, 450, 0, 600));
    }

    #[test]
    fn past_the_budget_the_bar_goes_on_beyond_its_end() {
        // Committed 150 of 100: the budget ends at 400 of 600, the rest is over.
        let s = segments(&budget(100, 150, 0));
        assert_eq!((s.invoiced, s.uninvoiced, s.remaining, s.over, s.budget_at), (0, 400, 0, 200, 400));
        let html = budget_bar(Lang::Sv, "1", &budget(100, 150, 0)).into_string();
        assert!(html.contains("Över budget med") && html.contains("class=\"over\""), "{html}");
    }

    #[test]
    fn a_zero_budget_draws_nothing_wrong() {
        let s = segments(&budget(0, 0, 0));
        assert_eq!((s.invoiced, s.uninvoiced, s.remaining, s.over), (0, 0, 0, 0));
        assert_eq!(used_percent(Ore(5), Ore(0)), None);
        assert_eq!(used_percent(Ore(1_650), Ore(20_000)), Some(8));
    }

    #[test]
    fn use_over_time_adds_up() {
        let vt = Term::parse("VT2027").unwrap();
        let ht = Term::parse("HT2027").unwrap();
        let rows = cumulative(&[(vt, Ore(7_500_000)), (ht, Ore(9_000_000))]);
        assert_eq!(rows, [(vt, Ore(7_500_000), Ore(7_500_000)), (ht, Ore(9_000_000), Ore(16_500_000))]);
    }
}
