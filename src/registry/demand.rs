//! Aggregated demand: for every course and term, how many seats the open
//! needs of active agreements could fill there, and whether that reaches the
//! course's minimum. This is what a coordinator looks at before planning.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::courses::stored_code;
use super::needs::OPEN;
use super::term::Term;
use crate::db::DbConnection;
use crate::db::schema::{agreements, courses, needs, organisations};
use crate::error::AppError;
use crate::ids::{AgreementId, NeedId, OrganisationId};

/// An open need of an active agreement, with what aggregation needs to know.
#[derive(Debug, Clone)]
pub struct OpenNeed {
    pub need_id: NeedId,
    pub agreement_id: AgreementId,
    pub organisation_id: OrganisationId,
    pub organisation_name: String,
    pub pooling: bool,
    pub course_code: String,
    pub course_title: String,
    pub min_participants: i32,
    pub max_participants: i32,
    pub seats: i32,
    pub extra_seats: i32,
    pub earliest_term: Term,
    pub latest_term: Term,
}

/// One course in one term.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DemandRow {
    pub course_code: String,
    pub course_title: String,
    #[schema(value_type = String, example = "VT2027")]
    pub term: Term,
    /// How many organisations have a need that this term can take.
    pub organisations: usize,
    pub firm_seats: i64,
    pub extra_seats: i64,
    pub min_participants: i32,
    pub max_participants: i32,
    /// Whether the seats that may share a cohort reach the course's minimum.
    pub viable: bool,
    /// How many more seats would make a cohort viable here (0 when viable).
    pub missing_seats: i64,
    /// The needs behind the figures. Organisation and finance users see only
    /// their own organisation's here; the totals count everyone's.
    pub needs: Vec<DemandNeed>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DemandNeed {
    #[schema(value_type = i64)]
    pub need_id: NeedId,
    #[schema(value_type = i64)]
    pub agreement_id: AgreementId,
    #[schema(value_type = i64)]
    pub organisation_id: OrganisationId,
    pub organisation_name: String,
    pub seats: i32,
    pub extra_seats: i32,
    /// `false`: this organisation takes only cohorts of its own.
    pub pooling: bool,
}

/// Sums each need into every term of its window that has not begun by
/// `first_term`. Rows come ordered by course code, then term.
///
/// Viability respects `pooling = false`: such an organisation's seats only
/// count towards a cohort of its own, so a cell is viable when either the
/// poolable seats (firm and extra) reach the minimum, or one non-pooling
/// organisation's seats do alone.
pub fn aggregate(open_needs: &[OpenNeed], first_term: Term) -> Vec<DemandRow> {
    aggregate_with(open_needs, first_term, true)
}

/// As [`aggregate`], with the figures only: every row's `needs` is empty.
/// At national scale the needs are most of the work (a need counts in every
/// term of its window), and the heat map shows only the figures.
pub fn aggregate_figures(open_needs: &[OpenNeed], first_term: Term) -> Vec<DemandRow> {
    aggregate_with(open_needs, first_term, false)
}

fn aggregate_with(open_needs: &[OpenNeed], first_term: Term, with_needs: bool) -> Vec<DemandRow> {
    let mut cells: BTreeMap<(&str, Term), Vec<&OpenNeed>> = BTreeMap::new();
    for need in open_needs {
        for term in Term::range(need.earliest_term.max(first_term), need.latest_term) {
            cells.entry((need.course_code.as_str(), term)).or_default().push(need);
        }
    }
    cells
        .into_iter()
        .map(|((course_code, term), cell)| {
            let first = cell[0];
            let firm_seats = cell.iter().map(|n| i64::from(n.seats)).sum();
            let extra_seats = cell.iter().map(|n| i64::from(n.extra_seats)).sum();
            let mut organisations: Vec<OrganisationId> = cell.iter().map(|n| n.organisation_id).collect();
            organisations.sort();
            organisations.dedup();
            let mut own_cohort_seats: HashMap<OrganisationId, i64> = HashMap::new();
            let mut pooled_seats = 0;
            for need in &cell {
                let seats = i64::from(need.seats + need.extra_seats);
                *own_cohort_seats.entry(need.organisation_id).or_default() += seats;
                if need.pooling {
                    pooled_seats += seats;
                }
            }
            let non_pooling_orgs: Vec<OrganisationId> =
                cell.iter().filter(|n| !n.pooling).map(|n| n.organisation_id).collect();
            let best_single = non_pooling_orgs.iter().map(|org| own_cohort_seats[org]).max().unwrap_or(0);
            let reachable = pooled_seats.max(best_single);
            let minimum = i64::from(first.min_participants);
            DemandRow {
                course_code: course_code.to_owned(),
                course_title: first.course_title.clone(),
                term,
                organisations: organisations.len(),
                firm_seats,
                extra_seats,
                min_participants: first.min_participants,
                max_participants: first.max_participants,
                viable: reachable >= minimum,
                missing_seats: (minimum - reachable).max(0),
                needs: if !with_needs {
                    Vec::new()
                } else {
                    cell.iter()
                        .map(|n| DemandNeed {
                            need_id: n.need_id,
                            agreement_id: n.agreement_id,
                            organisation_id: n.organisation_id,
                            organisation_name: n.organisation_name.clone(),
                            seats: n.seats,
                            extra_seats: n.extra_seats,
                            pooling: n.pooling,
                        })
                        .collect()
                },
            }
        })
        .collect()
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DemandFilter {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub course_code: Option<String>,
    /// `VTyyyy` or `HTyyyy`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub term: Option<String>,
    /// At most this many courses (1–500), each with all its rows; without
    /// it, every course. The answer's `Link` header names the next page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    /// Only courses whose codes come after this one: the last course of the
    /// previous page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

/// The most courses one page of demand may hold.
pub const MAX_COURSES_PER_PAGE: i64 = 500;

/// Rows of demand, and where the next page begins if more courses follow.
#[derive(Debug, Clone)]
pub struct DemandPage {
    pub rows: Vec<DemandRow>,
    /// The code of this page's last course, to ask for the next page
    /// `after`; none on the last page (and when no `limit` was asked for).
    pub next_after: Option<String>,
}

type OpenNeedRow =
    (NeedId, AgreementId, OrganisationId, String, bool, String, String, i32, i32, i32, i32, String, String);

/// The open needs of agreements active on `today`; of the courses with the
/// codes given (as stored: trimmed, in capitals), or of every course.
pub fn load_open_needs(
    conn: &mut DbConnection,
    today: NaiveDate,
    course_codes: Option<&[String]>,
) -> Result<Vec<OpenNeed>, AppError> {
    let mut query = needs::table
        .inner_join(agreements::table.inner_join(organisations::table))
        .inner_join(courses::table)
        .filter(needs::status.eq(OPEN))
        .filter(agreements::starts_on.le(today))
        .filter(agreements::ends_on.ge(today))
        .select((
            needs::id,
            needs::agreement_id,
            agreements::organisation_id,
            organisations::name,
            agreements::pooling,
            courses::code,
            courses::title,
            courses::min_participants,
            courses::max_participants,
            needs::seats,
            needs::extra_seats,
            needs::earliest_term,
            needs::latest_term,
        ))
        .order(needs::id)
        .into_boxed();
    // In the query, not after it: one course's demand, or one page's,
    // reads those courses' needs only, not the whole country's.
    if let Some(codes) = course_codes {
        query = query.filter(courses::code.eq_any(codes.to_vec()));
    }
    let rows = query.load::<OpenNeedRow>(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(OpenNeed {
                need_id: r.0,
                agreement_id: r.1,
                organisation_id: r.2,
                organisation_name: r.3,
                pooling: r.4,
                course_code: r.5,
                course_title: r.6,
                min_participants: r.7,
                max_participants: r.8,
                seats: r.9,
                extra_seats: r.10,
                // Stored codes were checked on the way in.
                earliest_term: Term::parse(&r.11).ok()?,
                latest_term: Term::parse(&r.12).ok()?,
            })
        })
        .collect())
}

/// The demand rows a caller may see, filtered, one page of courses if a
/// `limit` is given.
pub fn demand(
    conn: &mut DbConnection,
    today: NaiveDate,
    scope: Option<OrganisationId>,
    filter: &DemandFilter,
) -> Result<DemandPage, AppError> {
    let term_filter = match &filter.term {
        Some(code) => Some(Term::parse(code).map_err(|e| AppError::field("term", e))?),
        None => None,
    };
    let limit = match filter.limit {
        Some(limit) if !(1..=MAX_COURSES_PER_PAGE).contains(&limit) => {
            return Err(AppError::field("limit", format!("must be between 1 and {MAX_COURSES_PER_PAGE}")));
        }
        Some(limit) => Some(usize::try_from(limit).unwrap_or(usize::MAX)),
        None => None,
    };
    let code_filter = filter.course_code.as_deref().map(stored_code);
    let first_term = Term::first_not_begun(today);
    let (courses, next_after) = match (limit, &filter.after) {
        (None, None) => (code_filter.map(|code| vec![code]), None),
        (limit, after) => {
            let shown = courses_in_demand(conn, today, first_term, term_filter, code_filter.as_deref())?;
            let (page, next_after) = page_of(shown, after.as_deref().map(stored_code).as_deref(), limit);
            (Some(page), next_after)
        }
    };
    let mut rows = match &courses {
        Some(page) if page.is_empty() => Vec::new(),
        courses => aggregate(&load_open_needs(conn, today, courses.as_deref())?, first_term),
    };
    rows.retain(|row| term_filter.is_none_or(|t| t == row.term));
    if let Some(own) = scope {
        for row in &mut rows {
            row.needs.retain(|n| n.organisation_id == own);
        }
    }
    Ok(DemandPage { rows, next_after })
}

/// One page of `courses` (sorted): those after `after`, at most `limit` of
/// them, and the last of them if more follow (to ask for the next page
/// after).
fn page_of(mut courses: Vec<String>, after: Option<&str>, limit: Option<usize>) -> (Vec<String>, Option<String>) {
    if let Some(after) = after {
        courses.retain(|code| code.as_str() > after);
    }
    match limit {
        Some(limit) if courses.len() > limit => {
            courses.truncate(limit);
            let next_after = courses.last().cloned();
            (courses, next_after)
        }
        _ => (courses, None),
    }
}

/// Whether a need of window `(earliest, latest)` counts in a row: in a term
/// from `first_term` on (as [`aggregate`] counts it), and in `term` if given.
fn shows_in_demand((earliest, latest): (Term, Term), first_term: Term, term: Option<Term>) -> bool {
    let from = earliest.max(first_term);
    match term {
        Some(term) => from <= term && term <= latest,
        None => from <= latest,
    }
}

/// The codes of the courses that [`demand`] gives rows of, in the order of
/// its rows: those with an open need of an active agreement whose window
/// reaches a term that has not begun (`term`, if given). A page counts
/// these, so that every page but the last holds `limit` courses.
fn courses_in_demand(
    conn: &mut DbConnection,
    today: NaiveDate,
    first_term: Term,
    term: Option<Term>,
    course_code: Option<&str>,
) -> Result<Vec<String>, AppError> {
    let mut query = needs::table
        .inner_join(agreements::table)
        .inner_join(courses::table)
        .filter(needs::status.eq(OPEN))
        .filter(agreements::starts_on.le(today))
        .filter(agreements::ends_on.ge(today))
        .select((courses::code, needs::earliest_term, needs::latest_term))
        .distinct()
        .into_boxed();
    if let Some(code) = course_code {
        query = query.filter(courses::code.eq(code.to_owned()));
    }
    let windows = query.load::<(String, String, String)>(conn)?;
    let mut codes: Vec<String> = windows
        .into_iter()
        .filter_map(|(code, earliest, latest)| {
            let window = (Term::parse(&earliest).ok()?, Term::parse(&latest).ok()?);
            shows_in_demand(window, first_term, term).then_some(code)
        })
        .collect();
    // The order of the rows (`aggregate`'s), not the database's collation.
    codes.sort();
    codes.dedup();
    Ok(codes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term(code: &str) -> Term {
        Term::parse(code).unwrap()
    }

    fn need(id: i64, org: i64, course: &str, seats: i32, extra: i32, window: (&str, &str), pooling: bool) -> OpenNeed {
        OpenNeed {
            need_id: NeedId(id),
            agreement_id: AgreementId(org),
            organisation_id: OrganisationId(org),
            organisation_name: format!("Org {org}"),
            pooling,
            course_code: course.into(),
            course_title: course.into(),
            min_participants: 12,
            max_participants: 25,
            seats,
            extra_seats: extra,
            earliest_term: term(window.0),
            latest_term: term(window.1),
        }
    }

    #[test]
    fn each_need_counts_in_every_term_of_its_window() {
        let rows = aggregate(
            &[
                need(1, 1, "SAMT3", 5, 0, ("VT2027", "HT2027"), true),
                need(2, 2, "SAMT3", 4, 0, ("HT2027", "VT2028"), true),
            ],
            term("VT2027"),
        );
        let cells: Vec<(String, i64, usize)> =
            rows.iter().map(|r| (r.term.to_string(), r.firm_seats, r.organisations)).collect();
        assert_eq!(cells, [("VT2027".into(), 5, 1), ("HT2027".into(), 9, 2), ("VT2028".into(), 4, 1)]);
    }

    #[test]
    fn terms_that_have_begun_are_left_out() {
        let rows = aggregate(&[need(1, 1, "SAMT3", 5, 0, ("VT2027", "HT2027"), true)], term("HT2027"));
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].term, term("HT2027"));
    }

    #[test]
    fn extra_seats_can_make_a_pooled_cohort_viable() {
        let rows = aggregate(
            &[
                need(1, 1, "SAMT3", 5, 2, ("VT2027", "VT2027"), true),
                need(2, 2, "SAMT3", 4, 1, ("VT2027", "VT2027"), true),
            ],
            term("VT2027"),
        );
        assert_eq!((rows[0].firm_seats, rows[0].extra_seats), (9, 3));
        assert!(rows[0].viable);
        assert_eq!(rows[0].missing_seats, 0);
    }

    #[test]
    fn a_near_viable_cell_says_how_many_seats_are_missing() {
        let rows = aggregate(
            &[
                need(1, 1, "SAMT3", 4, 1, ("VT2027", "VT2027"), true),
                need(2, 2, "SAMT3", 3, 1, ("VT2027", "VT2027"), true),
            ],
            term("VT2027"),
        );
        assert!(!rows[0].viable);
        assert_eq!(rows[0].missing_seats, 12 - 9);
    }

    #[test]
    fn non_pooling_seats_do_not_fill_someone_elses_cohort() {
        // 10 pooled + 8 of an organisation that keeps to itself: neither reaches 12.
        let rows = aggregate(
            &[
                need(1, 1, "SAMT3", 10, 0, ("VT2027", "VT2027"), true),
                need(2, 2, "SAMT3", 8, 0, ("VT2027", "VT2027"), false),
            ],
            term("VT2027"),
        );
        assert_eq!(rows[0].firm_seats, 18);
        assert!(!rows[0].viable);
        assert_eq!(rows[0].missing_seats, 2);
        // Alone with enough seats, the non-pooling organisation is viable.
        let rows = aggregate(&[need(2, 2, "SAMT3", 13, 0, ("VT2027", "VT2027"), false)], term("VT2027"));
        assert!(rows[0].viable);
    }

    #[test]
    fn rows_are_ordered_by_course_then_term() {
        let rows = aggregate(
            &[
                need(1, 1, "STRESS", 5, 0, ("VT2027", "VT2027"), true),
                need(2, 2, "AI", 4, 0, ("VT2027", "HT2027"), true),
            ],
            term("VT2027"),
        );
        let keys: Vec<String> = rows.iter().map(|r| format!("{} {}", r.course_code, r.term)).collect();
        assert_eq!(keys, ["AI VT2027", "AI HT2027", "STRESS VT2027"]);
    }

    #[test]
    fn the_figures_alone_are_the_rows_without_their_needs() {
        let needs = [
            need(1, 1, "SAMT3", 5, 2, ("VT2027", "HT2027"), true),
            need(2, 2, "SAMT3", 13, 0, ("HT2027", "HT2027"), false),
            need(3, 3, "AI", 4, 1, ("VT2027", "VT2028"), true),
        ];
        let figures = aggregate_figures(&needs, term("VT2027"));
        let rows = aggregate(&needs, term("VT2027"));
        assert!(rows.iter().all(|r| !r.needs.is_empty()));
        let shown = |rows: &[DemandRow]| {
            rows.iter()
                .map(|r| {
                    (
                        r.course_code.clone(),
                        r.term,
                        r.organisations,
                        r.firm_seats,
                        r.extra_seats,
                        r.viable,
                        r.missing_seats,
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(shown(&figures), shown(&rows));
        assert!(figures.iter().all(|r| r.needs.is_empty()));
        assert_eq!(figures.len(), 5, "AI in three terms, SAMT3 in two");
    }

    #[test]
    fn a_page_holds_the_courses_after_the_last_one_and_says_if_more_follow() {
        let codes = || ["AI", "MI101", "SAMT3", "STRESS"].map(String::from).to_vec();
        assert_eq!(page_of(codes(), None, Some(2)), (vec!["AI".into(), "MI101".into()], Some("MI101".into())));
        assert_eq!(page_of(codes(), Some("MI101"), Some(2)), (vec!["SAMT3".into(), "STRESS".into()], None));
        assert_eq!(page_of(codes(), Some("MI"), Some(1)), (vec!["MI101".into()], Some("MI101".into())));
        assert_eq!(page_of(codes(), Some("STRESS"), Some(5)), (vec![], None));
        assert_eq!(page_of(codes(), Some("AI"), None), (vec!["MI101".into(), "SAMT3".into(), "STRESS".into()], None));
        assert_eq!(page_of(codes(), None, Some(4)).1, None, "exactly full: the last page");
    }

    #[test]
    fn a_need_shows_in_the_terms_of_its_window_that_have_not_begun() {
        let window = (term("VT2027"), term("VT2028"));
        assert!(shows_in_demand(window, term("VT2027"), None));
        assert!(shows_in_demand(window, term("VT2028"), None), "its last term has not begun");
        assert!(!shows_in_demand(window, term("HT2028"), None), "its window has passed");
        assert!(shows_in_demand(window, term("HT2027"), Some(term("VT2028"))));
        assert!(!shows_in_demand(window, term("HT2027"), Some(term("VT2027"))), "VT2027 has begun");
        assert!(!shows_in_demand(window, term("VT2027"), Some(term("HT2028"))), "after its window");
        // The same as the rows `aggregate` makes.
        let rows = aggregate(&[need(1, 1, "SAMT3", 5, 0, ("VT2027", "VT2028"), true)], term("HT2027"));
        let terms: Vec<Term> = rows.iter().map(|r| r.term).collect();
        assert_eq!(terms, [term("HT2027"), term("VT2028")]);
    }
}
