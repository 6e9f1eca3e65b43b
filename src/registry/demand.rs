//! Aggregated demand: for every course and term, how many seats the open
//! needs of active agreements could fill there, and whether that reaches the
//! course's minimum. This is what a coordinator looks at before planning.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DemandFilter {
    pub course_code: Option<String>,
    /// `VTyyyy` or `HTyyyy`.
    pub term: Option<String>,
}

type OpenNeedRow =
    (NeedId, AgreementId, OrganisationId, String, bool, String, String, i32, i32, i32, i32, String, String);

/// The open needs of agreements active on `today`, of one course if given
/// (its code as stored: trimmed, in capitals).
pub fn load_open_needs(
    conn: &mut DbConnection,
    today: NaiveDate,
    course_code: Option<&str>,
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
    // In the query, not after it: one course's demand reads that course's
    // needs only, not the whole country's.
    if let Some(code) = course_code {
        query = query.filter(courses::code.eq(code.to_owned()));
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

/// The demand rows a caller may see, filtered.
pub fn demand(
    conn: &mut DbConnection,
    today: NaiveDate,
    scope: Option<OrganisationId>,
    filter: &DemandFilter,
) -> Result<Vec<DemandRow>, AppError> {
    let term_filter = match &filter.term {
        Some(code) => Some(Term::parse(code).map_err(|e| AppError::field("term", e))?),
        None => None,
    };
    let code_filter = filter.course_code.as_deref().map(|c| c.trim().to_ascii_uppercase());
    let mut rows = aggregate(&load_open_needs(conn, today, code_filter.as_deref())?, Term::first_not_begun(today));
    rows.retain(|row| term_filter.is_none_or(|t| t == row.term));
    if let Some(own) = scope {
        for row in &mut rows {
            row.needs.retain(|n| n.organisation_id == own);
        }
    }
    Ok(rows)
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
}
