//! Needs: one line of an organisation's needs inventory — so many seats of
//! one course, in some term of a window, under one agreement.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::agreements::{self, Agreement};
use super::courses::{self, Course};
use super::now;
use super::term::Term;
use crate::access::Caller;
use crate::db::DbConnection;
use crate::db::schema::{agreements as agreements_table, courses as courses_table, needs};
use crate::error::{AppError, Problems};
use crate::ids::{AgreementId, CourseId, NeedId, OrganisationId};

pub const OPEN: &str = "open";
pub const WITHDRAWN: &str = "withdrawn";

/// The most seats one need may ask for; larger numbers are typing mistakes.
pub const MAX_SEATS: i64 = 1000;
pub const MAX_NOTE_CHARS: usize = 1000;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = needs)]
pub struct Need {
    pub id: NeedId,
    pub agreement_id: AgreementId,
    pub course_id: CourseId,
    pub seats: i32,
    pub extra_seats: i32,
    pub earliest_term: String,
    pub latest_term: String,
    pub note: String,
    pub status: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A need as the API shows it, with the course code and organisation spelled out.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NeedView {
    #[schema(value_type = i64)]
    pub id: NeedId,
    #[schema(value_type = i64)]
    pub agreement_id: AgreementId,
    #[schema(value_type = i64)]
    pub organisation_id: OrganisationId,
    pub course_code: String,
    /// Firm seats: participants the organisation will send.
    pub seats: i32,
    /// Seats it is willing to add (and pay for) if that makes a cohort viable.
    pub extra_seats: i32,
    #[schema(example = "VT2027")]
    pub earliest_term: String,
    #[schema(example = "HT2027")]
    pub latest_term: String,
    pub note: String,
    /// `open` or `withdrawn`.
    pub status: String,
    #[serde(with = "super::utc_timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(with = "super::utc_timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
}

impl NeedView {
    fn new(need: Need, organisation_id: OrganisationId, course_code: String) -> Self {
        NeedView {
            id: need.id,
            agreement_id: need.agreement_id,
            organisation_id,
            course_code,
            seats: need.seats,
            extra_seats: need.extra_seats,
            earliest_term: need.earliest_term,
            latest_term: need.latest_term,
            note: need.note,
            status: need.status,
            created_at: need.created_at,
            updated_at: need.updated_at,
        }
    }
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NeedInput {
    pub agreement_id: i64,
    pub course_code: String,
    pub seats: i64,
    #[serde(default)]
    #[schema(default = 0)]
    pub extra_seats: i64,
    /// `VTyyyy` or `HTyyyy`.
    #[schema(example = "VT2027")]
    pub earliest_term: String,
    #[schema(example = "HT2027")]
    pub latest_term: String,
    #[serde(default)]
    pub note: String,
}

/// A partial update of an open need. It stays under its agreement.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NeedPatch {
    pub course_code: Option<String>,
    pub seats: Option<i64>,
    pub extra_seats: Option<i64>,
    pub earliest_term: Option<String>,
    pub latest_term: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = needs)]
pub(crate) struct ValidNeed {
    pub agreement_id: AgreementId,
    pub course_id: CourseId,
    pub seats: i32,
    pub extra_seats: i32,
    pub earliest_term: String,
    pub latest_term: String,
    pub note: String,
}

/// The raw values of a need, as typed by someone, before any checks.
pub(crate) struct NeedDraft<'a> {
    pub seats: i64,
    pub extra_seats: i64,
    pub earliest_term: &'a str,
    pub latest_term: &'a str,
    pub note: &'a str,
}

impl NeedDraft<'_> {
    /// Checks the values against the agreement and course they belong to
    /// (`None` where those could not be found; that problem is reported by
    /// the caller under its own field name).
    pub(crate) fn check(
        &self,
        agreement: Option<&Agreement>,
        course: Option<&Course>,
        problems: &mut Problems,
    ) -> Option<ValidNeed> {
        if !(1..=MAX_SEATS).contains(&self.seats) {
            problems.add("seats", format!("must be a whole number from 1 to {MAX_SEATS}"));
        }
        if !(0..=MAX_SEATS).contains(&self.extra_seats) {
            problems.add("extra_seats", format!("must be a whole number from 0 to {MAX_SEATS}"));
        }
        let earliest = problems.check("earliest_term", Term::parse(self.earliest_term));
        let latest = problems.check("latest_term", Term::parse(self.latest_term));
        if let (Some(earliest), Some(latest)) = (earliest, latest) {
            if latest < earliest {
                problems.add("latest_term", format!("{latest} is before the earliest term {earliest}"));
            } else if let Some(agreement) = agreement {
                for (field, term) in [("earliest_term", earliest), ("latest_term", latest)] {
                    if !term.lies_within(agreement.starts_on, agreement.ends_on) {
                        problems.add(
                            field,
                            format!(
                                "{term} ({} – {}) is not inside agreement {}'s period {} – {}",
                                term.first_day(),
                                term.last_day(),
                                agreement.reference,
                                agreement.starts_on,
                                agreement.ends_on
                            ),
                        );
                    }
                }
            }
        }
        let note = self.note.trim();
        if note.chars().count() > MAX_NOTE_CHARS {
            problems.add("note", format!("must be at most {MAX_NOTE_CHARS} characters"));
        } else if note.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
            problems.add("note", "must not contain control characters");
        }
        let (agreement, course, earliest, latest) = (agreement?, course?, earliest?, latest?);
        if !problems.is_empty() {
            return None;
        }
        Some(ValidNeed {
            agreement_id: agreement.id,
            course_id: course.id,
            seats: self.seats as i32,
            extra_seats: self.extra_seats as i32,
            earliest_term: earliest.to_string(),
            latest_term: latest.to_string(),
            note: note.to_owned(),
        })
    }
}

/// The agreement a caller may add needs under. Agreements the caller may not
/// see are reported exactly like missing ones.
pub(crate) fn agreement_for_caller(
    conn: &mut DbConnection,
    caller: &Caller,
    id: AgreementId,
) -> Result<Option<Agreement>, AppError> {
    match agreements::find(conn, id) {
        Ok(agreement) if caller.can_see(agreement.organisation_id) => {
            if caller.may_change_needs_of(agreement.organisation_id) {
                Ok(Some(agreement))
            } else {
                Err(AppError::Forbidden("finance users may read needs but not change them".into()))
            }
        }
        Ok(_) | Err(AppError::NotFound(_)) => Ok(None),
        Err(other) => Err(other),
    }
}

pub fn create(conn: &mut DbConnection, caller: &Caller, input: NeedInput) -> Result<NeedView, AppError> {
    let agreement = agreement_for_caller(conn, caller, AgreementId(input.agreement_id))?;
    let course = courses::find_by_code(conn, &input.course_code)?;
    let mut problems = Problems::new();
    if agreement.is_none() {
        problems.add("agreement_id", format!("no agreement with the id {} is open to you", input.agreement_id));
    }
    if course.is_none() {
        problems.add("course_code", format!("no course in the catalogue has the code {:?}", input.course_code.trim()));
    }
    let draft = NeedDraft {
        seats: input.seats,
        extra_seats: input.extra_seats,
        earliest_term: &input.earliest_term,
        latest_term: &input.latest_term,
        note: &input.note,
    };
    let valid = draft.check(agreement.as_ref(), course.as_ref(), &mut problems);
    problems.into_result()?;
    let need = insert(conn, &valid.expect("checked"))?;
    view(conn, need)
}

pub(crate) fn insert(conn: &mut DbConnection, valid: &ValidNeed) -> Result<Need, AppError> {
    let at = now();
    let id = diesel::insert_into(needs::table)
        .values((valid, needs::status.eq(OPEN), needs::created_at.eq(at), needs::updated_at.eq(at)))
        .returning(needs::id)
        .get_result::<NeedId>(conn)?;
    find(conn, id)
}

pub fn update(conn: &mut DbConnection, caller: &Caller, id: NeedId, patch: NeedPatch) -> Result<NeedView, AppError> {
    let (need, agreement) = find_changeable(conn, caller, id)?;
    if need.status != OPEN {
        return Err(AppError::conflict("status", "the need is withdrawn and can no longer be changed"));
    }
    let course = match &patch.course_code {
        Some(code) => courses::find_by_code(conn, code)?,
        None => Some(courses::find(conn, need.course_id)?),
    };
    let mut problems = Problems::new();
    if course.is_none() {
        problems.add(
            "course_code",
            format!("no course in the catalogue has the code {:?}", patch.course_code.as_deref().unwrap_or("").trim()),
        );
    }
    let draft = NeedDraft {
        seats: patch.seats.unwrap_or(i64::from(need.seats)),
        extra_seats: patch.extra_seats.unwrap_or(i64::from(need.extra_seats)),
        earliest_term: patch.earliest_term.as_deref().unwrap_or(&need.earliest_term),
        latest_term: patch.latest_term.as_deref().unwrap_or(&need.latest_term),
        note: patch.note.as_deref().unwrap_or(&need.note),
    };
    let valid = draft.check(Some(&agreement), course.as_ref(), &mut problems);
    problems.into_result()?;
    diesel::update(needs::table.find(id)).set((&valid.expect("checked"), needs::updated_at.eq(now()))).execute(conn)?;
    let need = find(conn, id)?;
    view(conn, need)
}

/// Withdraws a need; withdrawing it again changes nothing.
pub fn withdraw(conn: &mut DbConnection, caller: &Caller, id: NeedId) -> Result<NeedView, AppError> {
    let (need, _) = find_changeable(conn, caller, id)?;
    if need.status == WITHDRAWN {
        return view(conn, need);
    }
    diesel::update(needs::table.find(id))
        .set((needs::status.eq(WITHDRAWN), needs::updated_at.eq(now())))
        .execute(conn)?;
    let need = find(conn, id)?;
    view(conn, need)
}

pub(crate) fn find(conn: &mut DbConnection, id: NeedId) -> Result<Need, AppError> {
    Ok(needs::table.find(id).select(Need::as_select()).first(conn)?)
}

fn find_changeable(conn: &mut DbConnection, caller: &Caller, id: NeedId) -> Result<(Need, Agreement), AppError> {
    let (need, agreement) = find_visible(conn, caller, id)?;
    if !caller.may_change_needs_of(agreement.organisation_id) {
        return Err(AppError::Forbidden("finance users may read needs but not change them".into()));
    }
    Ok((need, agreement))
}

fn find_visible(conn: &mut DbConnection, caller: &Caller, id: NeedId) -> Result<(Need, Agreement), AppError> {
    let found = needs::table
        .find(id)
        .inner_join(agreements_table::table)
        .select((Need::as_select(), Agreement::as_select()))
        .first::<(Need, Agreement)>(conn)
        .optional()?;
    match found {
        Some((need, agreement)) if caller.can_see(agreement.organisation_id) => Ok((need, agreement)),
        _ => Err(AppError::NotFound("need")),
    }
}

fn view(conn: &mut DbConnection, need: Need) -> Result<NeedView, AppError> {
    let (organisation_id, code) = agreements_table::table
        .find(need.agreement_id)
        .select(agreements_table::organisation_id)
        .first::<OrganisationId>(conn)
        .and_then(|org| {
            courses_table::table
                .find(need.course_id)
                .select(courses_table::code)
                .first::<String>(conn)
                .map(|c| (org, c))
        })?;
    Ok(NeedView::new(need, organisation_id, code))
}

pub fn get(conn: &mut DbConnection, caller: &Caller, id: NeedId) -> Result<NeedView, AppError> {
    let (need, agreement) = find_visible(conn, caller, id)?;
    let code = courses::find(conn, need.course_id)?.code;
    Ok(NeedView::new(need, agreement.organisation_id, code))
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NeedFilter {
    pub agreement_id: Option<i64>,
    pub organisation_id: Option<i64>,
    pub course_code: Option<String>,
    /// `open` or `withdrawn`.
    pub status: Option<String>,
}

pub fn list(conn: &mut DbConnection, caller: &Caller, filter: &NeedFilter) -> Result<Vec<NeedView>, AppError> {
    let mut query = needs::table
        .inner_join(agreements_table::table)
        .inner_join(courses_table::table)
        .select((Need::as_select(), agreements_table::organisation_id, courses_table::code))
        .into_boxed();
    if let Some(own) = caller.scope() {
        query = query.filter(agreements_table::organisation_id.eq(own));
    }
    if let Some(agreement) = filter.agreement_id {
        query = query.filter(needs::agreement_id.eq(AgreementId(agreement)));
    }
    if let Some(organisation) = filter.organisation_id {
        query = query.filter(agreements_table::organisation_id.eq(OrganisationId(organisation)));
    }
    if let Some(code) = &filter.course_code {
        query = query.filter(courses_table::code.eq(courses::stored_code(code)));
    }
    if let Some(status) = &filter.status {
        if status != OPEN && status != WITHDRAWN {
            return Err(AppError::field("status", "must be open or withdrawn"));
        }
        query = query.filter(needs::status.eq(status));
    }
    let rows = query.order(needs::id).load::<(Need, OrganisationId, String)>(conn)?;
    Ok(rows.into_iter().map(|(need, org, code)| NeedView::new(need, org, code)).collect())
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::money::Ore;

    fn agreement() -> Agreement {
        Agreement {
            id: AgreementId(1),
            organisation_id: OrganisationId(1),
            reference: "SKO-SUN-02".into(),
            starts_on: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            ends_on: NaiveDate::from_ymd_opt(2028, 6, 30).unwrap(),
            budget_ore: Ore(0),
            pooling: true,
            created_at: now(),
            updated_at: now(),
        }
    }

    fn course() -> Course {
        Course {
            id: CourseId(1),
            code: "SAMT3".into(),
            title: "Samtalsmetodik".into(),
            credits_tenths: 30,
            min_participants: 10,
            max_participants: 30,
            fixed_fee_ore: Ore(0),
            per_participant_fee_ore: Ore(0),
            created_at: now(),
            updated_at: now(),
        }
    }

    fn check(draft: NeedDraft<'_>) -> Result<ValidNeed, Problems> {
        let mut problems = Problems::new();
        match draft.check(Some(&agreement()), Some(&course()), &mut problems) {
            Some(valid) => Ok(valid),
            None => Err(problems),
        }
    }

    fn draft<'a>(earliest: &'a str, latest: &'a str) -> NeedDraft<'a> {
        NeedDraft {
            seats: 4,
            extra_seats: 1,
            earliest_term: earliest,
            latest_term: latest,
            note: " Biståndshandläggare ",
        }
    }

    #[test]
    fn a_window_inside_the_agreement_is_accepted() {
        let valid = check(draft("vt2027", "VT2028")).map_err(|p| format!("{p:?}")).unwrap();
        assert_eq!((valid.earliest_term.as_str(), valid.latest_term.as_str()), ("VT2027", "VT2028"));
        assert_eq!(valid.note, "Biståndshandläggare");
    }

    #[test]
    fn a_window_reaching_past_the_agreement_is_refused() {
        let problems = check(draft("VT2027", "HT2028")).unwrap_err();
        assert!(problems.has("latest_term") && !problems.has("earliest_term"));
        let problems = check(draft("HT2025", "VT2027")).unwrap_err();
        assert!(problems.has("earliest_term"));
    }

    #[test]
    fn a_backwards_window_is_refused() {
        let problems = check(draft("HT2027", "VT2027")).unwrap_err();
        assert!(problems.has("latest_term"));
    }

    #[test]
    fn seat_counts_must_be_sensible() {
        for (seats, extra) in [(0, 0), (-1, 0), (1, -1), (MAX_SEATS + 1, 0)] {
            let bad = NeedDraft { seats, extra_seats: extra, ..draft("VT2027", "VT2027") };
            assert!(check(bad).is_err(), "{seats} + {extra}");
        }
    }

    #[test]
    fn term_codes_must_be_vt_or_ht() {
        let problems = check(draft("XT2027", "2027")).unwrap_err();
        assert!(problems.has("earliest_term") && problems.has("latest_term"));
    }
}
