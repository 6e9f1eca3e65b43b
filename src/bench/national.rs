//! A seeded, national-scale data set for the planning benchmark (issue 3):
//! every Swedish municipality and region, 200 agencies and companies, one SKO
//! agreement each, a catalogue of 1,500 courses and any number of needs.
//!
//! The same seed gives the same data set (for one `today`, with this version
//! of `rand`: `StdRng` does not promise the same stream across releases).
//! The shapes below are chosen to look like Swedish practice, because the
//! planner's running time depends on them: how many needs share a course,
//! how many seats each asks for and how wide its window is.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use rand::distr::weighted::WeightedIndex;
use rand::prelude::*;
use rand::rngs::StdRng;

use crate::db::schema::{agreements, courses, needs, organisations};
use crate::db::{DbConnection, write_transaction};
use crate::error::AppError;
use crate::ids::{AgreementId, CourseId, OrganisationId};
use crate::registry::needs::OPEN;
use crate::registry::now;
use crate::registry::term::Term;

/// Sweden has 290 municipalities …
pub const MUNICIPALITIES: usize = 290;
/// … and 21 regions.
pub const REGIONS: usize = 21;
/// State agencies (`202100-`) and companies (`556…`) buying contract education.
pub const AGENCIES: usize = 120;
pub const COMPANIES: usize = 80;
pub const ORGANISATIONS: usize = MUNICIPALITIES + REGIONS + AGENCIES + COMPANIES;
pub const COURSES: usize = 1_500;
/// Needs are stated for the six terms (three years) from the first that has not begun.
pub const TERMS: i32 = 6;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organisation {
    pub org_number: String,
    pub name: String,
    pub kind: &'static str,
    pub employees: i32,
    pub coordinator_email: String,
    pub finance_email: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agreement {
    /// Index into [`DataSet::organisations`].
    pub organisation: usize,
    pub reference: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub budget_ore: i64,
    pub pooling: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Course {
    pub code: String,
    pub title: String,
    pub credits_tenths: i32,
    pub min_participants: i32,
    pub max_participants: i32,
    pub fixed_fee_ore: i64,
    pub per_participant_fee_ore: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    /// Index into [`DataSet::agreements`].
    pub agreement: usize,
    /// Index into [`DataSet::courses`].
    pub course: usize,
    pub seats: i32,
    pub extra_seats: i32,
    pub earliest: Term,
    pub latest: Term,
    pub note: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataSet {
    /// Municipalities, then regions, agencies and companies.
    pub organisations: Vec<Organisation>,
    /// One per organisation, in the same order.
    pub agreements: Vec<Agreement>,
    pub courses: Vec<Course>,
    pub needs: Vec<Need>,
    /// The first of the six terms the needs are stated for.
    pub first_term: Term,
}

impl DataSet {
    pub fn last_term(&self) -> Term {
        self.first_term.plus(TERMS - 1)
    }
}

/// Generates the data set with `needs` needs.
pub fn generate(needs: usize, seed: u64, today: NaiveDate) -> DataSet {
    let mut rng = StdRng::seed_from_u64(seed);
    let first_term = Term::first_not_begun(today);
    let organisations = make_organisations(&mut rng);
    let agreements = make_agreements(&mut rng, &organisations, today);
    let courses = make_courses(&mut rng);
    let needs = make_needs(&mut rng, needs, &organisations, &courses, first_term);
    DataSet { organisations, agreements, courses, needs, first_term }
}

/// A standard normal draw (Box–Muller; `rand` alone has no normal distribution).
fn normal(rng: &mut StdRng) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>(); // (0, 1]: ln is finite
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

fn log_normal(rng: &mut StdRng, median: f64, sigma: f64) -> f64 {
    median * (sigma * normal(rng)).exp()
}

fn log_uniform(rng: &mut StdRng, low: f64, high: f64) -> f64 {
    (low.ln() + rng.random::<f64>() * (high.ln() - low.ln())).exp()
}

/// `prefix` (six digits) + a serial of three digits + the check digit.
fn org_number(prefix: &str, serial: usize) -> String {
    with_check_digit(&format!("{prefix}{serial:03}"))
}

/// `NNNNNN-NNNC` from nine digits and their Luhn check digit.
fn with_check_digit(body: &str) -> String {
    debug_assert_eq!(body.len(), 9);
    format!("{}-{}{}", &body[..6], &body[6..], crate::registry::org_number::luhn_check_digit(body))
}

/// Serials drawn without replacement, so the numbers are unique by construction.
fn serials(rng: &mut StdRng, range: usize, count: usize) -> Vec<usize> {
    rand::seq::index::sample(rng, range, count).into_vec()
}

fn organisation(org_number: String, name: String, kind: &'static str, employees: f64, slug: &str) -> Organisation {
    Organisation {
        org_number,
        name,
        kind,
        employees: employees.round() as i32,
        coordinator_email: format!("kompetens@{slug}.example"),
        finance_email: format!("ekonomi@{slug}.example"),
    }
}

fn make_organisations(rng: &mut StdRng) -> Vec<Organisation> {
    let mut all = Vec::with_capacity(ORGANISATIONS);
    // Municipalities: the median one has ~16,000 inhabitants and ~1,300
    // employees; the smallest (Bjurholm-sized) a few hundred. A log-normal
    // with σ ≈ 1 gives that heavily skewed shape — most are small, a long
    // tail is large — clamped to 150 … 50,000. The three metropolitan
    // municipalities (Göteborg, Stockholm, Malmö) are far out in the tail, so
    // they are set explicitly rather than left to chance.
    const METROPOLITAN: [f64; 3] = [50_000.0, 45_000.0, 26_000.0];
    for (i, serial) in serials(rng, 1000, MUNICIPALITIES).into_iter().enumerate() {
        let employees = match METROPOLITAN.get(i) {
            Some(&e) => e,
            None => log_normal(rng, 1_300.0, 1.0).clamp(150.0, 50_000.0),
        };
        let n = i + 1;
        all.push(organisation(
            org_number("212000", serial),
            format!("Testkommun {n:03}"),
            "municipality",
            employees,
            &format!("kommun{n:03}"),
        ));
    }
    // Regions run health care and are large: from ~4,000 employees (the
    // smallest, e.g. Jämtland Härjedalen) to ~50,000 (Västra Götaland).
    for (i, serial) in serials(rng, 1000, REGIONS).into_iter().enumerate() {
        let n = i + 1;
        all.push(organisation(
            org_number("232100", serial),
            format!("Region Test {n:02}"),
            "region",
            log_normal(rng, 9_000.0, 0.7).clamp(4_000.0, 50_000.0),
            &format!("region{n:02}"),
        ));
    }
    // Agencies and companies span small offices to large employers evenly
    // on a log scale (50 … 20,000 employees).
    for (i, serial) in serials(rng, 1000, AGENCIES).into_iter().enumerate() {
        let n = i + 1;
        all.push(organisation(
            org_number("202100", serial),
            format!("Testmyndigheten {n:03}"),
            "agency",
            log_uniform(rng, 50.0, 20_000.0),
            &format!("myndighet{n:03}"),
        ));
    }
    for (i, serial) in serials(rng, 1_000_000, COMPANIES).into_iter().enumerate() {
        let n = i + 1;
        // 556 + six digits: an aktiebolag's number.
        let number = with_check_digit(&format!("556{serial:06}"));
        all.push(organisation(
            number,
            format!("Testföretaget {n:03} AB"),
            "company",
            log_uniform(rng, 50.0, 20_000.0),
            &format!("foretag{n:03}"),
        ));
    }
    all
}

/// One four-year agreement per organisation, active today and covering all
/// six planning terms, so that no need is cut by its agreement. (An agreement
/// of "Jan 1 last year – Dec 31 in two years" would end before the sixth term.)
/// Half start at the beginning of the current term, half a term earlier.
fn make_agreements(rng: &mut StdRng, organisations: &[Organisation], today: NaiveDate) -> Vec<Agreement> {
    let current = Term::containing(today);
    organisations
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let start = if rng.random_bool(0.5) { current } else { current.plus(-1) };
            // Four whole years: eight terms, the last day of the eighth.
            let (starts_on, ends_on) = (start.first_day(), start.plus(7).last_day());
            // About 1,000 kr per employee over the four years (Härnösand,
            // ~2,000 employees: up to 2 MSEK), ±30 %, at least 100,000 kr.
            let kronor = (f64::from(o.employees) * 1_000.0 * rng.random_range(0.7..1.3)).max(100_000.0);
            Agreement {
                organisation: i,
                reference: format!("SKO-BENCH-{:03}", i + 1),
                starts_on,
                ends_on,
                budget_ore: (kronor / 1_000.0).round() as i64 * 1_000 * 100,
                // Most organisations let others study with them; some
                // (a tenth) want their own cohorts only.
                pooling: rng.random_bool(0.9),
            }
        })
        .collect()
}

/// Subjects of contract education for the public sector (codes A–Z only).
const SUBJECTS: [(&str, &str); 15] = [
    ("PSY", "Psykologi"),
    ("SAM", "Samtalsmetodik"),
    ("SOR", "Socialrätt"),
    ("FOR", "Förvaltningsrätt"),
    ("LED", "Ledarskap"),
    ("EKO", "Ekonomistyrning"),
    ("PED", "Pedagogik"),
    ("OMV", "Omvårdnad"),
    ("DIG", "Digitalisering"),
    ("ARB", "Arbetsmiljö"),
    ("UPP", "Offentlig upphandling"),
    ("HAL", "Hållbar utveckling"),
    ("KOM", "Kommunikation"),
    ("DAT", "Informationssäkerhet"),
    ("SOC", "Socialt arbete"),
];

fn make_courses(rng: &mut StdRng) -> Vec<Course> {
    // Short courses dominate: 3–6 hp is typical (domain.md), 1.5 hp (one
    // week) and 7.5 hp common, 15 hp rare.
    const CREDITS_TENTHS: [i32; 7] = [15, 30, 45, 60, 75, 90, 150];
    let credits = WeightedIndex::new([10, 40, 15, 20, 8, 4, 3]).expect("positive weights");
    (0..COURSES)
        .map(|i| {
            let (prefix, subject) = SUBJECTS[i % SUBJECTS.len()];
            let number = 100 + i / SUBJECTS.len();
            let credits_tenths = CREDITS_TENTHS[credits.sample(rng)];
            let min_participants = rng.random_range(8..=15);
            // Longer courses cost more: the price sits half by credits, half at random.
            let position = f64::from(credits_tenths - 15) / 135.0;
            let fixed_kr = 30_000.0 + 120_000.0 * (0.5 * position + 0.5 * rng.random::<f64>());
            let per_participant_kr = 1_500.0 + 6_500.0 * (0.5 * position + 0.5 * rng.random::<f64>());
            Course {
                code: format!("{prefix}{number}"),
                title: format!("{subject} {number}"),
                credits_tenths,
                min_participants,
                max_participants: min_participants + rng.random_range(8..=25),
                fixed_fee_ore: (fixed_kr / 1_000.0).round() as i64 * 1_000 * 100,
                per_participant_fee_ore: (per_participant_kr / 100.0).round() as i64 * 100 * 100,
            }
        })
        .collect()
}

/// The groups a need is typically for; empty notes are common too.
const NOTES: [&str; 8] =
    ["", "", "", "Socialsekreterare", "Enhetschefer", "Biståndshandläggare", "Undersköterskor", "Handläggare"];

fn make_needs(
    rng: &mut StdRng,
    count: usize,
    organisations: &[Organisation],
    courses: &[Course],
    first_term: Term,
) -> Vec<Need> {
    // Who states a need: larger organisations state more, but less than in
    // proportion (employees^0.7). A need is one line of an inventory — a
    // course for a group of staff — and a large organisation puts more seats
    // on a line rather than writing ten times as many lines; it also trains
    // much in-house. With this, the largest municipality states ~1.5 % of all
    // needs and the smallest still a handful.
    let organisation_weight =
        WeightedIndex::new(organisations.iter().map(|o| f64::from(o.employees).powf(0.7))).expect("positive weights");
    // Which course: a mild popularity skew, w(rank) = 1 / (rank + 120), ranks
    // shuffled over the catalogue. At 30,000 needs the most popular course
    // gets ~100 needs, the median ~13 and the least popular ~7 (the mean is
    // 20, so the top is ~5 times the mean). A catalogue of 1,500 courses exists because many
    // organisations asked for them, so demand is spread out; a plain Zipf
    // law (1 / rank) would give the top course ~3,800 needs, i.e. every
    // organisation asking for the same course seven times over, which no
    // needs inventory looks like. (That shape would mostly benchmark one
    // huge course rather than a national catalogue; test it separately.)
    let mut ranks: Vec<usize> = (0..courses.len()).collect();
    ranks.shuffle(rng);
    let course_weight =
        WeightedIndex::new(ranks.iter().map(|&rank| 1.0 / (rank as f64 + 120.0))).expect("positive weights");
    // Window length in terms: most needs name one or two terms.
    let window = WeightedIndex::new([40, 35, 25]).expect("positive weights");
    let last_term = first_term.plus(TERMS - 1);
    (0..count)
        .map(|_| {
            let agreement = organisation_weight.sample(rng);
            let employees = f64::from(organisations[agreement].employees);
            // Firm seats 1–10, mostly few: 1 + a geometric draw whose mean grows
            // with the log of the size (≈0.6 extra at 150 employees, ≈2 at the
            // median municipality, ≈4.4 at 50,000).
            let mean_more = 0.6 + 0.45 * (employees / 150.0).log2().max(0.0);
            let p = 1.0 / (1.0 + mean_more);
            let u: f64 = 1.0 - rng.random::<f64>();
            let more = (u.ln() / (1.0 - p).ln()).floor() as i32;
            let seats = (1 + more).clamp(1, 10);
            // About a third accept one to three extra seats if that helps a cohort.
            let extra_seats = if rng.random_bool(0.35) { rng.random_range(1..=3) } else { 0 };
            let earliest = first_term.plus(rng.random_range(0..TERMS));
            let latest = earliest.plus(window.sample(rng) as i32).min(last_term);
            Need {
                agreement,
                course: course_weight.sample(rng),
                seats,
                extra_seats,
                earliest,
                latest,
                note: NOTES[rng.random_range(0..NOTES.len())],
            }
        })
        .collect()
}

/// Inserts the data set into an empty database, in one transaction with
/// multi-row inserts. The `organisations`, `agreements`, `courses` and `needs`
/// tables must be empty (their natural keys would collide otherwise).
pub fn load(conn: &mut DbConnection, data: &DataSet) -> Result<(), AppError> {
    write_transaction(conn, |conn| {
        let at = now();
        let rows: Vec<_> = data
            .organisations
            .iter()
            .map(|o| {
                (
                    organisations::org_number.eq(&o.org_number),
                    organisations::name.eq(&o.name),
                    organisations::kind.eq(o.kind),
                    organisations::employees.eq(o.employees),
                    organisations::coordinator_email.eq(&o.coordinator_email),
                    organisations::finance_email.eq(&o.finance_email),
                    organisations::created_at.eq(at),
                    organisations::updated_at.eq(at),
                )
            })
            .collect();
        crate::insert_rows!(conn, organisations::table, &rows[..], 8)?;
        let organisation_ids: HashMap<String, OrganisationId> = organisations::table
            .select((organisations::org_number, organisations::id))
            .load(conn)?
            .into_iter()
            .collect();

        let rows: Vec<_> = data
            .agreements
            .iter()
            .map(|a| {
                (
                    agreements::organisation_id.eq(organisation_ids[&data.organisations[a.organisation].org_number]),
                    agreements::reference.eq(&a.reference),
                    agreements::starts_on.eq(a.starts_on),
                    agreements::ends_on.eq(a.ends_on),
                    agreements::budget_ore.eq(a.budget_ore),
                    agreements::pooling.eq(a.pooling),
                    agreements::created_at.eq(at),
                    agreements::updated_at.eq(at),
                )
            })
            .collect();
        crate::insert_rows!(conn, agreements::table, &rows[..], 8)?;
        let agreement_ids: HashMap<String, AgreementId> =
            agreements::table.select((agreements::reference, agreements::id)).load(conn)?.into_iter().collect();

        let rows: Vec<_> = data
            .courses
            .iter()
            .map(|c| {
                (
                    courses::code.eq(&c.code),
                    courses::title.eq(&c.title),
                    courses::credits_tenths.eq(c.credits_tenths),
                    courses::min_participants.eq(c.min_participants),
                    courses::max_participants.eq(c.max_participants),
                    courses::fixed_fee_ore.eq(c.fixed_fee_ore),
                    courses::per_participant_fee_ore.eq(c.per_participant_fee_ore),
                    courses::created_at.eq(at),
                    courses::updated_at.eq(at),
                )
            })
            .collect();
        crate::insert_rows!(conn, courses::table, &rows[..], 9)?;
        let course_ids: HashMap<String, CourseId> =
            courses::table.select((courses::code, courses::id)).load(conn)?.into_iter().collect();

        let agreement_id: Vec<AgreementId> = data.agreements.iter().map(|a| agreement_ids[&a.reference]).collect();
        let course_id: Vec<CourseId> = data.courses.iter().map(|c| course_ids[&c.code]).collect();
        let term_codes: Vec<String> = (0..TERMS).map(|i| data.first_term.plus(i).to_string()).collect();
        let code = |term: Term| term_codes[(term.ordinal() - data.first_term.ordinal()) as usize].as_str();
        let rows: Vec<_> = data
            .needs
            .iter()
            .map(|n| {
                (
                    needs::agreement_id.eq(agreement_id[n.agreement]),
                    needs::course_id.eq(course_id[n.course]),
                    needs::seats.eq(n.seats),
                    needs::extra_seats.eq(n.extra_seats),
                    needs::earliest_term.eq(code(n.earliest)),
                    needs::latest_term.eq(code(n.latest)),
                    needs::note.eq(n.note),
                    needs::status.eq(OPEN),
                    needs::created_at.eq(at),
                    needs::updated_at.eq(at),
                )
            })
            .collect();
        crate::insert_rows!(conn, needs::table, &rows[..], 10)?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::registry::org_number::OrgNumber;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
    }

    #[test]
    fn the_same_seed_gives_the_same_data_set() {
        assert_eq!(generate(500, 7, today()), generate(500, 7, today()));
        assert_ne!(generate(500, 7, today()).needs, generate(500, 8, today()).needs);
    }

    #[test]
    fn the_counts_are_national() {
        let data = generate(1_234, 1, today());
        let of_kind = |kind: &str| data.organisations.iter().filter(|o| o.kind == kind).count();
        assert_eq!(of_kind("municipality"), 290);
        assert_eq!(of_kind("region"), 21);
        assert_eq!(of_kind("agency") + of_kind("company"), 200);
        assert_eq!(data.agreements.len(), data.organisations.len());
        assert_eq!(data.courses.len(), 1_500);
        assert_eq!(data.needs.len(), 1_234);
        assert_eq!(generate(0, 1, today()).needs.len(), 0);
    }

    #[test]
    fn organisation_numbers_are_unique_and_luhn_valid() {
        let data = generate(10, 3, today());
        let mut seen = HashSet::new();
        for o in &data.organisations {
            let parsed = OrgNumber::parse(&o.org_number).unwrap_or_else(|e| panic!("{}: {e}", o.org_number));
            assert_eq!(parsed.as_str(), o.org_number);
            assert!(seen.insert(o.org_number.clone()), "{} twice", o.org_number);
            let prefix = match o.kind {
                "municipality" => "212000",
                "region" => "232100",
                "agency" => "202100",
                _ => "556",
            };
            assert!(o.org_number.starts_with(prefix), "{} is a {}", o.org_number, o.kind);
        }
        let references: HashSet<_> = data.agreements.iter().map(|a| &a.reference).collect();
        assert_eq!(references.len(), data.agreements.len());
        let codes: HashSet<_> = data.courses.iter().map(|c| &c.code).collect();
        assert_eq!(codes.len(), data.courses.len());
    }

    #[test]
    fn values_lie_in_their_ranges() {
        let data = generate(2_000, 5, today());
        for o in &data.organisations {
            let range = match o.kind {
                "municipality" => 150..=50_000,
                "region" => 4_000..=50_000,
                _ => 50..=20_000,
            };
            assert!(range.contains(&o.employees), "{} has {} employees", o.name, o.employees);
        }
        for a in &data.agreements {
            assert!(a.starts_on <= today() && today() <= a.ends_on, "{} is not active", a.reference);
            assert!(a.budget_ore >= 100_000 * 100);
        }
        for c in &data.courses {
            assert!(c.min_participants <= c.max_participants, "{}", c.code);
            assert!((8..=15).contains(&c.min_participants), "{}", c.code);
            assert!((8..=25).contains(&(c.max_participants - c.min_participants)), "{}", c.code);
            assert!((30_000 * 100..=150_000 * 100).contains(&c.fixed_fee_ore), "{}", c.code);
            assert!((1_500 * 100..=8_000 * 100).contains(&c.per_participant_fee_ore), "{}", c.code);
            assert!((15..=150).contains(&c.credits_tenths), "{}", c.code);
            assert!(crate::registry::courses::normalise_code(&c.code).as_deref() == Ok(c.code.as_str()));
        }
        for n in &data.needs {
            assert!((1..=10).contains(&n.seats));
            assert!((0..=3).contains(&n.extra_seats));
        }
        let pooling = data.agreements.iter().filter(|a| a.pooling).count();
        assert!((400..=500).contains(&pooling), "{pooling} of 511 pool");
    }

    #[test]
    fn every_window_lies_inside_its_agreement_and_the_six_terms() {
        for today in [today(), NaiveDate::from_ymd_opt(2027, 3, 15).unwrap()] {
            let data = generate(3_000, 11, today);
            let (first, last) = (Term::first_not_begun(today), Term::first_not_begun(today).plus(5));
            assert_eq!((data.first_term, data.last_term()), (first, last));
            for n in &data.needs {
                assert!(first <= n.earliest && n.earliest <= n.latest && n.latest <= last, "{n:?}");
                assert!(n.latest.ordinal() - n.earliest.ordinal() < 3, "{n:?}");
                let a = &data.agreements[n.agreement];
                for term in [n.earliest, n.latest] {
                    assert!(term.lies_within(a.starts_on, a.ends_on), "{term} outside {}", a.reference);
                }
            }
        }
    }

    #[test]
    fn the_data_set_loads_into_an_empty_database() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("bench.sqlite").display());
        let pool = crate::db::connect(&url, 1, std::time::Duration::from_secs(5)).unwrap();
        let mut conn = pool.get().unwrap();
        let data = generate(3_000, 2, today());
        load(&mut conn, &data).unwrap();
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut count = |table: &str| {
            diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}")).get_result::<Count>(&mut *conn).unwrap().n
        };
        assert_eq!(count("organisations"), 511);
        assert_eq!(count("agreements"), 511);
        assert_eq!(count("courses"), 1_500);
        assert_eq!(count("needs"), 3_000);
        let (problems, _) = crate::cohorts::plans::load_problems(&mut conn, today()).unwrap();
        let seats: i64 = problems.iter().flat_map(|p| &p.needs).map(|n| i64::from(n.seats)).sum();
        assert_eq!(seats, data.needs.iter().map(|n| i64::from(n.seats)).sum::<i64>(), "every need is open and active");
    }

    #[test]
    fn popularity_is_mildly_skewed() {
        let data = generate(30_000, 1, today());
        let mut per_course = vec![0usize; COURSES];
        for n in &data.needs {
            per_course[n.course] += 1;
        }
        let most = *per_course.iter().max().unwrap();
        assert!((60..=160).contains(&most), "the most popular course has {most} needs");
        assert!(per_course.iter().filter(|&&c| c == 0).count() < 15);
    }
}
