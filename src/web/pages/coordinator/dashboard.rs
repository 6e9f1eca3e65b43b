//! The coordinator's overview: the demand heat map, key figures about seats,
//! cohorts, cost and savings, and what needs attention now.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use maud::{Markup, PreEscaped, html};

use super::heat_map::{self, HeatMap};
use crate::access::Caller;
use crate::cohorts::plans;
use crate::cohorts::{self, CohortRecord, CohortStatus, splits};
use crate::db::DbConnection;
use crate::email::outbox::{self, OutboxStatus};
use crate::error::AppError;
use crate::ids::{AgreementId, OrganisationId, PlanId};
use crate::invoicing::ledger;
use crate::money::Ore;
use crate::registry::term::Term;
use crate::registry::{agreements, demand, organisations};
use crate::splitting::VatRate;
use crate::web::encoding::KeptPart;
use crate::web::pages::components::money;
use crate::web::pages::layout::Lang;

/// Cohorts of one status, added up.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CohortFigures {
    pub count: usize,
    pub firm_seats: i64,
    pub cost: Ore,
    pub savings: Ore,
}

impl CohortFigures {
    /// Confirmed cohorts: what their current split versions charge, and each
    /// party's standalone cost minus its share, as stored with the split.
    fn confirmed(conn: &mut DbConnection) -> Result<Self, AppError> {
        let records = cohorts::of_status(conn, CohortStatus::Confirmed)?;
        let splits = splits::current(conn, &records)?;
        let shares = || splits.values().flat_map(|(_, shares)| shares);
        Ok(CohortFigures {
            count: records.len(),
            firm_seats: records.iter().map(|r| i64::from(r.firm_seats)).sum(),
            cost: shares().map(|s| s.amount_ore).sum(),
            savings: shares().map(|s| s.savings_ore).sum(),
        })
    }

    /// Proposed cohorts: their cost, and the savings of the `per_seat`
    /// preview (no rule has been chosen yet).
    fn proposed(conn: &mut DbConnection, vat: VatRate) -> Result<Self, AppError> {
        let records = cohorts::of_status(conn, CohortStatus::Proposed)?;
        let previews = cohorts::per_seat_previews(conn, &records, vat)?;
        Ok(CohortFigures {
            count: records.len(),
            firm_seats: records.iter().map(|r| i64::from(r.firm_seats)).sum(),
            cost: records.iter().map(CohortRecord::total_cost).sum(),
            savings: previews.iter().map(|p| p.savings_ore).sum(),
        })
    }
}

/// Seats of a course in one term that the latest plan left for want of a few more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NearViable {
    pub course_code: String,
    pub term: Term,
    /// Firm seats left unplaced there.
    pub seats_waiting: i64,
    /// The fewest more seats that would make a cohort viable, as the plan found.
    pub missing_seats: i32,
}

#[derive(Debug, Clone)]
pub struct OverBudget {
    pub organisation_id: OrganisationId,
    pub organisation_name: String,
    pub reference: String,
    pub budget: Ore,
    pub committed: Ore,
}

pub struct Dashboard {
    pub heat_map: HeatMap,
    /// Pages of the heat map as rendered, in each language: the overview is
    /// kept while the data is unchanged, and rendering 50 courses of cells
    /// cost milliseconds for every request.
    pub heat_map_pages: RenderedPages,
    /// Firm seats of the open needs of active agreements.
    pub seats_requested: i64,
    pub confirmed: CohortFigures,
    pub proposed: CohortFigures,
    pub latest_plan: Option<(PlanId, Vec<NearViable>)>,
    pub over_budget: Vec<OverBudget>,
    /// E-mails that failed. Found by the `(status, due_at)` index: counting
    /// every e-mail still queued too, as the outbox's depth does, read a
    /// thousand rows while confirmations' e-mails waited to be sent.
    pub failed_emails: i64,
}

/// How many near-viable course terms the overview lists: the closest to
/// viable, which are the ones worth a phone call. At national scale a plan
/// leaves thousands; the plan's own page has them all.
const NEAR_VIABLE_LISTED: usize = 20;

/// Groups a plan's unplaced seats left `below_minimum` by course and term,
/// fewest missing seats first.
fn near_viable(unplaced: &[plans::UnplacedView]) -> Vec<NearViable> {
    let mut groups: BTreeMap<(String, Term), NearViable> = BTreeMap::new();
    for unplaced in unplaced.iter().filter(|u| u.reason == "below_minimum") {
        let (Some(term), Some(missing)) =
            (unplaced.term.as_deref().and_then(|t| Term::parse(t).ok()), unplaced.missing_seats)
        else {
            continue;
        };
        let group = groups.entry((unplaced.course_code.clone(), term)).or_insert_with(|| NearViable {
            course_code: unplaced.course_code.clone(),
            term,
            seats_waiting: 0,
            missing_seats: missing,
        });
        group.seats_waiting += i64::from(unplaced.seats);
        group.missing_seats = group.missing_seats.min(missing);
    }
    let mut found: Vec<NearViable> = groups.into_values().collect();
    // Stable: within the same number missing, by course and term as grouped.
    found.sort_by_key(|g| g.missing_seats);
    found
}

pub fn load(conn: &mut DbConnection, caller: &Caller, today: NaiveDate, vat: VatRate) -> Result<Dashboard, AppError> {
    caller.require_coordinator("see the overview")?;
    // The same aggregation as GET /api/v1/demand, without filters.
    let open_needs = demand::load_open_needs(conn, today, None)?;
    let seats_requested = open_needs.iter().map(|n| i64::from(n.seats)).sum();
    let heat_map = HeatMap::build(&demand::aggregate_figures(&open_needs, Term::first_not_begun(today)));

    let confirmed = CohortFigures::confirmed(conn)?;
    let proposed = CohortFigures::proposed(conn, vat)?;

    let latest = plans::latest(conn, caller)?;
    let latest_plan = match latest {
        // The unplaced seats only: the plan's cohorts are counted above.
        Some(id) => Some((id, near_viable(&plans::unplaced(conn, caller, id)?))),
        None => None,
    };

    let all = agreements::list(conn, None, None)?;
    let ids: Vec<AgreementId> = all.iter().map(|a| a.id).collect();
    let committed = ledger::committed(conn, &ids, None)?;
    let names: HashMap<OrganisationId, String> =
        organisations::list(conn, None)?.into_iter().map(|o| (o.id, o.name)).collect();
    let over_budget = all
        .into_iter()
        .filter_map(|a| {
            let committed = committed.get(&a.id).copied().unwrap_or_default();
            (committed > a.budget_ore).then(|| OverBudget {
                organisation_id: a.organisation_id,
                organisation_name: names.get(&a.organisation_id).cloned().unwrap_or_default(),
                reference: a.reference,
                budget: a.budget_ore,
                committed,
            })
        })
        .collect();
    let failed_emails = outbox::count(conn, OutboxStatus::Failed)?;
    Ok(Dashboard {
        heat_map,
        heat_map_pages: RenderedPages::default(),
        seats_requested,
        confirmed,
        proposed,
        latest_plan,
        over_budget,
        failed_emails,
    })
}

/// The overview, with [`HEAT_MAP_SLOT`] where a page of the heat map goes
/// ([`Dashboard::heat_map_page`]).
pub fn render(lang: Lang, dashboard: &Dashboard) -> Markup {
    html! {
        h2 { (lang.pick("Behöver uppmärksamhet", "Needs attention")) }
        (attention(lang, dashboard))
        h2 { (lang.pick("Nyckeltal", "Key figures")) }
        (figures(lang, dashboard))
        h2 { (lang.pick("Efterfrågan per kurs och termin", "Demand by course and term")) }
        p { (lang.pick(
            "Platserna i öppna behov, i varje termin som behovet kan tas. En ruta är grön med ✓ när platserna som får samlas når kursens minsta antal deltagare.",
            "The seats of open needs, in every term each need can be taken. A cell is green with ✓ when the seats that may be pooled reach the course's minimum cohort size.",
        )) }
        (PreEscaped(HEAT_MAP_SLOT))
    }
}

/// Where [`render`] leaves room for the heat map: a comment no text of the
/// page can make (maud escapes `<` in text).
pub const HEAT_MAP_SLOT: &str = "<!--heat-map-->";

impl Dashboard {
    /// Page `asked` (from 1) of the heat map's courses in `lang`, rendered
    /// the first time it is asked for and kept with the overview.
    pub fn heat_map_page(&self, lang: Lang, asked: usize) -> Arc<KeptPart> {
        let number = self.heat_map.page(asked).number;
        self.heat_map_pages.get_or_render(lang, number, |number| heat_map::render(lang, &self.heat_map, number))
    }
}

/// Rendered pages of a heat map, by language and page number (as many as
/// the map has pages, in two languages).
#[derive(Default)]
pub struct RenderedPages(Mutex<HashMap<(Lang, usize), Arc<KeptPart>>>);

impl RenderedPages {
    /// Page `number` in `lang`, rendered by `render` the first time.
    fn get_or_render(&self, lang: Lang, number: usize, render: impl FnOnce(usize) -> Markup) -> Arc<KeptPart> {
        let kept = self.0.lock().unwrap_or_else(|e| e.into_inner()).get(&(lang, number)).cloned();
        kept.unwrap_or_else(|| {
            // Rendered outside the lock; two requests may both render a
            // page the first time, and keep the same HTML.
            let html = Arc::new(KeptPart::new(render(number).into_string()));
            self.0.lock().unwrap_or_else(|e| e.into_inner()).insert((lang, number), Arc::clone(&html));
            html
        })
    }
}

fn figures(lang: Lang, d: &Dashboard) -> Markup {
    let placed = d.confirmed.firm_seats + d.proposed.firm_seats;
    let sv_en = |sv: String, en: String| match lang {
        Lang::Sv => sv,
        Lang::En => en,
    };
    html! {
        ul class="figures" {
            li id="figure-requested" {
                strong { (d.seats_requested) }
                (lang.pick("platser i öppna behov", "seats in open needs"))
            }
            li id="figure-placed" {
                strong { (placed) }
                (sv_en(
                    format!("platser placerade: {} i bekräftade, {} i förslag", d.confirmed.firm_seats, d.proposed.firm_seats),
                    format!("seats placed: {} in confirmed cohorts, {} in proposals", d.confirmed.firm_seats, d.proposed.firm_seats),
                ))
            }
            li id="figure-cohorts" {
                strong { (d.confirmed.count + d.proposed.count) }
                (sv_en(
                    format!("kurstillfällen: {} bekräftade, {} förslag", d.confirmed.count, d.proposed.count),
                    format!("cohorts: {} confirmed, {} proposed", d.confirmed.count, d.proposed.count),
                ))
            }
            li id="figure-cost" {
                strong { (money(d.confirmed.cost)) }
                (lang.pick("kostnad för bekräftade kurstillfällen; förslagen", "cost of confirmed cohorts; the proposals"))
                " " (money(d.proposed.cost))
            }
            li id="figure-savings" {
                strong { (money(d.confirmed.savings)) }
                (lang.pick("besparing i bekräftade kurstillfällen; förslagen", "savings in confirmed cohorts; the proposals"))
                " " (money(d.proposed.savings))
            }
        }
        p { (lang.pick(
            "Besparingen är vad varje part hade betalat för ett eget kurstillfälle (med minst kursens minsta antal platser) minus dess andel, utan moms: för bekräftade kurstillfällen enligt den gällande kostnadsfördelningen, för förslag enligt fördelning per plats.",
            "Savings are what each party would have paid for a cohort of its own (of at least the course's minimum seats) minus its share, excluding VAT: for confirmed cohorts by the current cost split, for proposals by a split per seat.",
        )) }
    }
}

fn attention(lang: Lang, d: &Dashboard) -> Markup {
    html! {
        section id="attention-near-viable" {
            h3 { (lang.pick("Nästan fulla kurstillfällen", "Near-viable cohorts")) }
            @match &d.latest_plan {
                None => p { (lang.pick("Ingen planering har gjorts ännu.", "No plan has been made yet.")) a href="/plans" { (lang.pick(" Till planeringen", " To planning")) } },
                Some((plan, found)) if found.is_empty() => p {
                    (lang.pick("Den senaste planeringen lämnade inga platser för att några få saknades.", "The latest plan left no seats for want of a few more."))
                    " " a href={ "/plans/" (plan) } { (lang.pick("Visa planeringen", "Show the plan")) }
                },
                Some((plan, found)) => {
                    ul {
                        @for group in found.iter().take(NEAR_VIABLE_LISTED) {
                            li {
                                strong { (group.course_code) " " (group.term.display_name()) } ": "
                                (match lang {
                                    Lang::Sv => format!("{} platser väntar, {} platser saknas", group.seats_waiting, group.missing_seats),
                                    Lang::En => format!("{} seats waiting, {} seats missing", group.seats_waiting, group.missing_seats),
                                })
                            }
                        }
                    }
                    @if found.len() > NEAR_VIABLE_LISTED {
                        p { (match lang {
                            Lang::Sv => format!("… och {} kurstillfällen till där platser saknas.", found.len() - NEAR_VIABLE_LISTED),
                            Lang::En => format!("… and {} more course terms short of seats.", found.len() - NEAR_VIABLE_LISTED),
                        }) }
                    }
                    p { a href={ "/plans/" (plan) } { (lang.pick("Visa den senaste planeringen och bjud in fler", "Show the latest plan and invite others")) } }
                }
            }
        }
        section id="attention-over-budget" {
            h3 { (lang.pick("Avtal över budget", "Agreements over budget")) }
            @if d.over_budget.is_empty() {
                p { (lang.pick("Inget avtal är över sin budget.", "No agreement is over its budget.")) }
            } @else {
                ul {
                    @for over in &d.over_budget {
                        li {
                            a href={ "/organisations/" (over.organisation_id) } { (over.organisation_name) } ", " (over.reference) ": "
                            (lang.pick("beslutat", "committed")) " " (money(over.committed)) " "
                            (lang.pick("av", "of")) " " (money(over.budget)) " – "
                            strong { (lang.pick("över med", "over by")) " " (money(over.committed - over.budget)) }
                        }
                    }
                }
            }
        }
        section id="attention-failed-emails" {
            h3 { (lang.pick("E-brev som inte gått fram", "E-mails that failed")) }
            @if d.failed_emails == 0 {
                p { (lang.pick("Alla e-brev har gått fram eller väntar på att skickas.", "Every e-mail has been sent or is waiting to be sent.")) }
            } @else {
                p {
                    strong { (d.failed_emails) }
                    " " (lang.pick("e-brev misslyckades.", "e-mails failed."))
                    " " a href="/outbox?status=failed" { (lang.pick("Visa och försök igen", "Show them and try again")) }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cohorts::plans::UnplacedView;
    use crate::ids::NeedId;

    fn unplaced(course: &str, seats: i32, reason: &str, term: Option<&str>, missing: Option<i32>) -> UnplacedView {
        UnplacedView {
            need_id: NeedId(1),
            agreement_id: AgreementId(1),
            organisation_id: OrganisationId(1),
            course_code: course.into(),
            seats,
            reason: reason.into(),
            term: term.map(str::to_owned),
            missing_seats: missing,
        }
    }

    #[test]
    fn near_viable_cohorts_are_grouped_by_course_and_term_fewest_missing_first() {
        let unplaced = [
            unplaced("STRESS", 4, "below_minimum", Some("VT2027"), Some(5)),
            unplaced("AI", 3, "below_minimum", Some("HT2027"), Some(8)),
            unplaced("STRESS", 3, "below_minimum", Some("VT2027"), Some(5)),
            unplaced("AI", 9, "no_open_term", None, None),
        ];
        let found = near_viable(&unplaced);
        let keys: Vec<(String, i64, i32)> =
            found.iter().map(|g| (format!("{} {}", g.course_code, g.term), g.seats_waiting, g.missing_seats)).collect();
        assert_eq!(keys, [("STRESS VT2027".into(), 7, 5), ("AI HT2027".into(), 3, 8)]);
    }

    #[test]
    fn the_attention_list_names_the_closest_near_viable_terms_and_counts_the_rest() {
        let unplaced: Vec<UnplacedView> =
            (0..25).map(|n| unplaced(&format!("C{n:02}"), 2, "below_minimum", Some("VT2027"), Some(n + 1))).collect();
        let dashboard = Dashboard {
            heat_map: HeatMap::default(),
            heat_map_pages: RenderedPages::default(),
            seats_requested: 50,
            confirmed: CohortFigures::default(),
            proposed: CohortFigures::default(),
            latest_plan: Some((PlanId(3), near_viable(&unplaced))),
            over_budget: Vec::new(),
            failed_emails: 0,
        };
        let html = attention(Lang::En, &dashboard).into_string();
        assert_eq!(html.matches("seats missing").count(), NEAR_VIABLE_LISTED, "{html}");
        assert!(html.contains("<strong>C19 VT 2027</strong>: 2 seats waiting, 20 seats missing"), "{html}");
        assert!(!html.contains("C20"), "the 21st closest is not listed: {html}");
        assert!(html.contains("… and 5 more course terms short of seats."), "{html}");
        assert!(html.contains("href=\"/plans/3\""), "{html}");
    }

    #[test]
    fn a_heat_map_page_is_rendered_once_in_each_language() {
        let pages = RenderedPages::default();
        let renders = &std::cell::Cell::new(0);
        let render = |text: &'static str| {
            move |number: usize| {
                renders.set(renders.get() + 1);
                html! { p { (text) " " (number) } }
            }
        };
        assert_eq!(pages.get_or_render(Lang::Sv, 2, render("sida")).as_str(), "<p>sida 2</p>");
        assert_eq!(pages.get_or_render(Lang::Sv, 2, render("again")).as_str(), "<p>sida 2</p>");
        assert_eq!(renders.get(), 1, "kept");
        assert_eq!(pages.get_or_render(Lang::En, 2, render("page")).as_str(), "<p>page 2</p>");
        assert_eq!(pages.get_or_render(Lang::Sv, 3, render("sida")).as_str(), "<p>sida 3</p>");
        assert_eq!(renders.get(), 3, "another language, another page");
    }
}
