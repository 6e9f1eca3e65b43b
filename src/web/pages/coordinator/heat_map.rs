//! The demand heat map: courses down, terms across, the seats open needs
//! could fill in each cell, and whether they reach the course's minimum.
//! Built from the same aggregation as `GET /api/v1/demand`; a cell's state is
//! told by its fill, by a pattern, and by a mark (✓ or the seats missing), so
//! colour is never the only sign.

use std::collections::BTreeMap;

use maud::{Markup, html};

use crate::registry::demand::DemandRow;
use crate::registry::term::Term;
use crate::web::pages::layout::Lang;

const LABEL_WIDTH: i64 = 96;
const CELL_WIDTH: i64 = 68;
const CELL_HEIGHT: i64 = 46;
const HEADER_HEIGHT: i64 = 30;

/// Courses on one page of the map: enough to scan, and few enough that a
/// national catalogue (1,500 courses) gives a page of a few hundred
/// kilobytes instead of six megabytes.
pub const COURSES_PER_PAGE: usize = 50;

/// The courses of the map one page shows: `first..end`, page `number` of `pages`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CoursePage {
    pub number: usize,
    pub pages: usize,
    pub first: usize,
    pub end: usize,
}

impl CoursePage {
    /// Page `asked` (counted from 1) of `courses` courses; a page past
    /// either end shows the nearest one there is.
    pub fn of(courses: usize, asked: usize) -> Self {
        let pages = courses.div_ceil(COURSES_PER_PAGE).max(1);
        let number = asked.clamp(1, pages);
        let first = (number - 1) * COURSES_PER_PAGE;
        Self { number, pages, first, end: (first + COURSES_PER_PAGE).min(courses) }
    }
}

/// One course in one term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub firm_seats: i64,
    pub extra_seats: i64,
    pub organisations: usize,
    pub minimum: i32,
    pub viable: bool,
    pub missing_seats: i64,
}

/// The grid: courses (code, title) in catalogue order, terms in time order
/// from the first to the last with any demand, and the cells that have some.
#[derive(Debug, Clone, Default)]
pub struct HeatMap {
    pub courses: Vec<(String, String)>,
    pub terms: Vec<Term>,
    pub cells: BTreeMap<(usize, usize), Cell>,
}

impl HeatMap {
    pub fn build(rows: &[DemandRow]) -> Self {
        let mut courses: Vec<(String, String)> =
            rows.iter().map(|r| (r.course_code.clone(), r.course_title.clone())).collect();
        courses.sort();
        courses.dedup_by(|a, b| a.0 == b.0);
        let (Some(first), Some(last)) = (rows.iter().map(|r| r.term).min(), rows.iter().map(|r| r.term).max()) else {
            return Self::default();
        };
        let terms: Vec<Term> = Term::range(first, last).collect();
        let mut cells = BTreeMap::new();
        for row in rows {
            // A binary search of the sorted codes: at national scale there are
            // 1,500 courses and ten thousand rows.
            let course =
                courses.binary_search_by(|(code, _)| code.as_str().cmp(&row.course_code)).expect("listed above");
            let term = terms.iter().position(|t| *t == row.term).expect("within the range");
            cells.insert(
                (course, term),
                Cell {
                    firm_seats: row.firm_seats,
                    extra_seats: row.extra_seats,
                    organisations: row.organisations,
                    minimum: row.min_participants,
                    viable: row.viable,
                    missing_seats: row.missing_seats,
                },
            );
        }
        Self { courses, terms, cells }
    }

    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// The courses page `asked` (from 1) shows.
    pub fn page(&self, asked: usize) -> CoursePage {
        CoursePage::of(self.courses.len(), asked)
    }

    fn viable_cells(&self) -> usize {
        self.cells.values().filter(|c| c.viable).count()
    }
}

/// The seats as a cell shows them: firm seats, and `+extra` when there are any.
fn seats_label(cell: &Cell) -> String {
    if cell.extra_seats > 0 { format!("{}+{}", cell.firm_seats, cell.extra_seats) } else { cell.firm_seats.to_string() }
}

/// The mark beside the seats: ✓ when the minimum is reached, else `−N`.
fn mark(cell: &Cell) -> String {
    if cell.viable { "✓".to_owned() } else { format!("−{}", cell.missing_seats) }
}

/// The state of a cell in words.
fn state(lang: Lang, cell: &Cell) -> String {
    match (lang, cell.viable) {
        (Lang::Sv, true) => "når minsta antal".to_owned(),
        (Lang::En, true) => "reaches the minimum".to_owned(),
        (Lang::Sv, false) => format!("{} platser saknas", cell.missing_seats),
        (Lang::En, false) => format!("{} seats missing", cell.missing_seats),
    }
}

/// The heat map, its legend and its table.
/// The map's courses on page `asked` (from 1), with links to the others.
pub fn render(lang: Lang, map: &HeatMap, asked: usize) -> Markup {
    if map.is_empty() {
        return html! { p { (lang.pick(
            "Det finns inga öppna behov i terminer som inte har börjat.",
            "There are no open needs in terms that have not begun.",
        )) } };
    }
    let summary = match lang {
        Lang::Sv => format!(
            "Efterfrågan per kurs och termin: {} kurser, {} terminer. {} av {} celler med behov når kursens minsta antal deltagare.",
            map.courses.len(),
            map.terms.len(),
            map.viable_cells(),
            map.cells.len()
        ),
        Lang::En => format!(
            "Demand by course and term: {} courses, {} terms. {} of {} cells with needs reach the course's minimum cohort size.",
            map.courses.len(),
            map.terms.len(),
            map.viable_cells(),
            map.cells.len()
        ),
    };
    let page = map.page(asked);
    html! {
        (pager(lang, map, page))
        (svg(lang, map, page, &summary))
        (legend(lang))
        details {
            summary { (lang.pick("Efterfrågan som tabell", "Demand as a table")) }
            (table(lang, map, page))
        }
    }
}

/// Which courses are shown, and links to the pages before and after.
fn pager(lang: Lang, map: &HeatMap, page: CoursePage) -> Markup {
    if page.pages == 1 {
        return html! {};
    }
    let shown = match lang {
        Lang::Sv => format!("Kurserna {}–{} av {} visas.", page.first + 1, page.end, map.courses.len()),
        Lang::En => format!("Courses {}–{} of {} are shown.", page.first + 1, page.end, map.courses.len()),
    };
    html! {
        nav class="pager" aria-label=(lang.pick("Sidor av värmekartan", "Pages of the heat map")) {
            p { (shown) }
            @if page.number > 1 {
                a href={ "/?page=" (page.number - 1) } rel="prev" { (lang.pick("← Föregående kurser", "← Previous courses")) } " "
            }
            @if page.number < page.pages {
                a href={ "/?page=" (page.number + 1) } rel="next" { (lang.pick("Nästa kurser →", "Next courses →")) }
            }
        }
    }
}

/// The map keeps its natural size, so its text stays readable, and scrolls
/// sideways inside its box on a narrow screen.
fn svg(lang: Lang, map: &HeatMap, page: CoursePage, summary: &str) -> Markup {
    let width = LABEL_WIDTH + CELL_WIDTH * map.terms.len() as i64;
    let height = HEADER_HEIGHT + CELL_HEIGHT * (page.end - page.first) as i64;
    html! {
        div class="table-wrap" {
            svg xmlns="http://www.w3.org/2000/svg" class="heat-map" role="img" aria-labelledby="heat-map-title heat-map-desc"
                viewBox={ "0 0 " (width) " " (height) } width=(width) height=(height)
                font-family="system-ui,sans-serif" font-size="14" {
                title id="heat-map-title" { (lang.pick("Värmekarta över efterfrågan", "Demand heat map")) }
                desc id="heat-map-desc" { (summary) }
                (hatch_pattern())
                @for (t, term) in map.terms.iter().enumerate() {
                    text x=(LABEL_WIDTH + CELL_WIDTH * t as i64 + CELL_WIDTH / 2) y="20" text-anchor="middle" font-weight="700" {
                        (term.display_name())
                    }
                }
                @for (row, (code, title)) in map.courses[page.first..page.end].iter().enumerate() {
                    @let (c, y) = (page.first + row, HEADER_HEIGHT + CELL_HEIGHT * row as i64);
                    text x="4" y=(y + CELL_HEIGHT / 2 + 5) font-weight="700" { title { (title) } (code) }
                    @for t in 0..map.terms.len() {
                        (cell(lang, map, c, t, y, code))
                    }
                }
            }
        }
    }
}

/// Diagonal lines: the pattern of a cell that does not reach the minimum.
fn hatch_pattern() -> Markup {
    html! {
        defs {
            pattern id="heat-short" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)" {
                rect width="8" height="8" fill="#fff4e5" {}
                line x1="0" y1="0" x2="0" y2="8" stroke="#f47738" stroke-width="3" {}
            }
        }
    }
}

fn cell(lang: Lang, map: &HeatMap, course: usize, term: usize, y: i64, code: &str) -> Markup {
    let x = LABEL_WIDTH + CELL_WIDTH * term as i64;
    let (w, h) = (CELL_WIDTH - 4, CELL_HEIGHT - 4);
    let term_name = map.terms[term].display_name();
    match map.cells.get(&(course, term)) {
        None => html! {
            g class="cell empty" {
                rect x=(x + 2) y=(y + 2) width=(w) height=(h) fill="#f3f2f1" {}
                text x=(x + CELL_WIDTH / 2) y=(y + CELL_HEIGHT / 2 + 5) text-anchor="middle" fill="#505a5f" { "–" }
            }
        },
        Some(found) => {
            let (class, fill, ink) = if found.viable {
                ("cell viable", "#00703c", "#ffffff")
            } else {
                ("cell short", "url(#heat-short)", "#0b0c0c")
            };
            let tooltip = match lang {
                Lang::Sv => format!(
                    "{code} {term_name}: {} platser, minst {}: {}",
                    seats_label(found),
                    found.minimum,
                    state(lang, found)
                ),
                Lang::En => format!(
                    "{code} {term_name}: {} seats, minimum {}: {}",
                    seats_label(found),
                    found.minimum,
                    state(lang, found)
                ),
            };
            html! {
                g class=(class) data-cell={ (code) " " (map.terms[term]) } {
                    title { (tooltip) }
                    rect x=(x + 2) y=(y + 2) width=(w) height=(h) fill=(fill) stroke="#0b0c0c" stroke-width="1" {}
                    // The seats on a white plate, so the hatching never sits under the text.
                    @if !found.viable {
                        rect x=(x + 8) y=(y + 6) width=(w - 12) height=(h - 8) fill="#ffffff" {}
                    }
                    text x=(x + CELL_WIDTH / 2) y=(y + 20) text-anchor="middle" font-weight="700" fill=(ink) { (seats_label(found)) }
                    text x=(x + CELL_WIDTH / 2) y=(y + 37) text-anchor="middle" fill=(ink) { (mark(found)) }
                }
            }
        }
    }
}

/// What fill, pattern and mark mean, in words.
fn legend(lang: Lang) -> Markup {
    html! {
        ul class="legend" {
            li {
                svg width="22" height="16" viewBox="0 0 22 16" aria-hidden="true" { rect width="22" height="16" fill="#00703c"; }
                " ✓ " (lang.pick(
                    "Grön: platserna som får samlas når kursens minsta antal deltagare.",
                    "Green: the seats that may be pooled reach the course's minimum cohort size.",
                ))
            }
            li {
                svg width="22" height="16" viewBox="0 0 22 16" aria-hidden="true" {
                    (hatch_pattern_legend())
                    rect width="22" height="16" fill="url(#heat-short-legend)" {}
                }
                " −3 " (lang.pick(
                    "Randig: minsta antal nås inte; siffran med minustecken är antalet platser som saknas.",
                    "Striped: the minimum is not reached; the number with a minus sign is how many seats are missing.",
                ))
            }
            li { (lang.pick(
                "Siffran i rutan är fasta platser, och +extra platser som behoven kan lägga till.",
                "The number in a cell is firm seats, and +extra seats the needs would add.",
            )) }
        }
    }
}

fn hatch_pattern_legend() -> Markup {
    html! {
        defs {
            pattern id="heat-short-legend" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)" {
                rect width="8" height="8" fill="#fff4e5" {}
                line x1="0" y1="0" x2="0" y2="8" stroke="#f47738" stroke-width="3" {}
            }
        }
    }
}

/// Every cell with demand as a row: the figures behind the map.
fn table(lang: Lang, map: &HeatMap, page: CoursePage) -> Markup {
    html! {
        div class="table-wrap" {
            table {
                caption { (lang.pick("Efterfrågan per kurs och termin", "Demand by course and term")) }
                thead {
                    tr {
                        th scope="col" { (lang.pick("Kurs", "Course")) }
                        th scope="col" { (lang.pick("Termin", "Term")) }
                        th scope="col" class="num" { (lang.pick("Organisationer", "Organisations")) }
                        th scope="col" class="num" { (lang.pick("Fasta platser", "Firm seats")) }
                        th scope="col" class="num" { (lang.pick("Extra platser", "Extra seats")) }
                        th scope="col" class="num" { (lang.pick("Minsta antal", "Minimum")) }
                        th scope="col" { (lang.pick("Läge", "State")) }
                    }
                }
                tbody {
                    @for ((course, term), found) in map.cells.range((page.first, 0)..(page.end, 0)) {
                        tr {
                            th scope="row" { (map.courses[*course].0) " " span class="hint" { (map.courses[*course].1) } }
                            td { (map.terms[*term].display_name()) }
                            td class="num" { (found.organisations) }
                            td class="num" { (found.firm_seats) }
                            td class="num" { (found.extra_seats) }
                            td class="num" { (found.minimum) }
                            td { (mark(found)) " " (state(lang, found)) }
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

    fn row(code: &str, term: &str, firm: i64, extra: i64, viable: bool, missing: i64) -> DemandRow {
        DemandRow {
            course_code: code.into(),
            course_title: format!("Kurs {code}"),
            term: Term::parse(term).unwrap(),
            organisations: 2,
            firm_seats: firm,
            extra_seats: extra,
            min_participants: 12,
            max_participants: 25,
            viable,
            missing_seats: missing,
            needs: Vec::new(),
        }
    }

    #[test]
    fn terms_run_without_gaps_and_courses_are_rows() {
        let map = HeatMap::build(&[
            row("STRESS", "VT2027", 5, 0, false, 7),
            row("AI", "HT2028", 14, 0, true, 0),
            row("AI", "VT2027", 3, 0, false, 9),
        ]);
        let terms: Vec<String> = map.terms.iter().map(|t| t.to_string()).collect();
        assert_eq!(terms, ["VT2027", "HT2027", "VT2028", "HT2028"]);
        assert_eq!(map.courses.iter().map(|c| c.0.as_str()).collect::<Vec<_>>(), ["AI", "STRESS"]);
        assert_eq!(map.cells.len(), 3);
        assert!(map.cells[&(0, 3)].viable && !map.cells.contains_key(&(1, 3)));
    }

    #[test]
    fn a_viable_cell_differs_from_a_short_one_without_colour() {
        let map = HeatMap::build(&[row("AI", "VT2027", 10, 2, true, 0), row("AI", "HT2027", 7, 1, false, 4)]);
        let html = render(Lang::Sv, &map, 1).into_string();
        assert!(html.contains("class=\"cell viable\" data-cell=\"AI VT2027\""), "{html}");
        assert!(html.contains("class=\"cell short\" data-cell=\"AI HT2027\""), "{html}");
        assert!(html.contains(">10+2<") && html.contains(">✓<"), "{html}");
        assert!(html.contains(">7+1<") && html.contains(">−4<"), "{html}");
        assert!(html.contains("4 platser saknas") && html.contains("role=\"img\""), "{html}");
        assert!(html.contains("1 av 2 celler"), "{html}");
    }

    #[test]
    fn no_demand_says_so() {
        let html = render(Lang::En, &HeatMap::build(&[]), 1).into_string();
        assert!(html.contains("no open needs") && !html.contains("<svg"), "{html}");
    }

    #[test]
    fn pages_hold_fifty_courses_and_a_page_past_the_end_shows_the_last() {
        assert_eq!(CoursePage::of(0, 1), CoursePage { number: 1, pages: 1, first: 0, end: 0 });
        assert_eq!(CoursePage::of(50, 2), CoursePage { number: 1, pages: 1, first: 0, end: 50 });
        assert_eq!(CoursePage::of(51, 2), CoursePage { number: 2, pages: 2, first: 50, end: 51 });
        assert_eq!(CoursePage::of(1500, 0), CoursePage { number: 1, pages: 30, first: 0, end: 50 });
        assert_eq!(CoursePage::of(1500, 99), CoursePage { number: 30, pages: 30, first: 1450, end: 1500 });
    }

    #[test]
    fn a_page_shows_its_own_courses_in_the_map_and_the_table() {
        let rows: Vec<DemandRow> = (0..120).map(|i| row(&format!("K{i:03}"), "VT2027", 12, 0, true, 0)).collect();
        let map = HeatMap::build(&rows);
        let html = render(Lang::En, &map, 2).into_string();
        assert!(html.contains("Courses 51–100 of 120 are shown."), "{html}");
        assert!(html.contains("href=\"/?page=1\"") && html.contains("href=\"/?page=3\""), "{html}");
        for shown in ["K050", "K099"] {
            assert!(html.contains(&format!("data-cell=\"{shown} VT2027\"")), "{shown} in the map");
            assert!(html.contains(&format!("<th scope=\"row\">{shown} ")), "{shown} in the table");
        }
        for hidden in ["K049", "K100"] {
            assert!(!html.contains(hidden), "{hidden} belongs to another page");
        }
        // The first row of a later page sits at the top of the map.
        assert!(html.contains(&format!("height=\"{}\"", HEADER_HEIGHT + 50 * CELL_HEIGHT)), "{html}");
        let last = render(Lang::En, &map, 3).into_string();
        assert!(last.contains("Courses 101–120 of 120") && !last.contains("rel=\"next\""), "{last}");
        assert!(!render(Lang::En, &HeatMap::build(&rows[..50]), 1).into_string().contains("class=\"pager\""));
    }
}
