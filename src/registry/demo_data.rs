//! Demo data: a realistic, fictitious-but-plausible set of SKO agreements between
//! Mittuniversitetet and the municipalities and regions of Västernorrland and
//! Jämtland, the course catalogue (the Härnösand course annex plus typical contract
//! education for municipal staff) and a needs inventory in which several small
//! municipalities need the same courses in overlapping terms, so that pooling pays.
//!
//! Everything is plain static data. No absolute dates appear: agreement periods are
//! given relative to January 1 of the *current* year, and need windows relative to
//! the first term that has not begun yet ("today" decides both). The data is built
//! so that, whatever day of the current year "today" is, every agreement with needs
//! is active and every need's window lies inside its agreement's period (see the
//! reasoning above [`agreements`] and the tests at the end of the file).
//!
//! The organisations are real public bodies; eight of the organisation numbers
//! are the published ones and four are inferred from the numbering (see the
//! comment above the constants), all Luhn-valid. Contact addresses use the
//! reserved `.example` domain so that the demo never mails a real municipality.
//! The agreements, budgets and needs are invented.

/// An organisation (buyer) in the demo set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoOrganisation {
    /// `NNNNNN-NNNN`, the last digit a Luhn check digit over the first nine.
    pub org_number: &'static str,
    /// The name as the organisation writes it, e.g. "Sundsvalls kommun".
    pub name: &'static str,
    /// "municipality" | "region" | "agency" | "company" | "other".
    pub kind: &'static str,
    pub employees: i32,
    /// Receives enrolment summaries.
    pub coordinator_email: &'static str,
    /// Receives invoicing summaries.
    pub finance_email: &'static str,
}

/// An SKO framework agreement (ramavtal) in the demo set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoAgreement {
    /// Which organisation (its `org_number`).
    pub org_number: &'static str,
    /// Unique reference. Deliberately without a year, since all dates are relative.
    pub reference: &'static str,
    /// Start date relative to January 1 of the current year: whole years to add (may be negative) and month (1..=12); day is always 1.
    pub start_year_offset: i32,
    pub start_month: u32,
    /// Length in whole years, 2..=4. The agreement ends the day before the same date `years` later.
    pub years: u32,
    /// Budget in öre, excluding VAT.
    pub budget_ore: i64,
    /// `false`: the organisation accepts only cohorts made up entirely of its own seats.
    pub pooling: bool,
}

/// A catalogue course in the demo set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoCourse {
    /// Unique, uppercase ASCII letters and digits.
    pub code: &'static str,
    /// Swedish title.
    pub title: &'static str,
    /// Credits (hp) times ten: 3 hp = 30, 4.5 hp = 45, 7.5 hp = 75.
    pub credits_tenths: i32,
    pub min_participants: i32,
    pub max_participants: i32,
    /// Fixed fee per cohort, in öre, excluding VAT.
    pub fixed_fee_ore: i64,
    /// Fee per participant, in öre, excluding VAT.
    pub per_participant_fee_ore: i64,
}

/// A need (one line of a needs inventory) in the demo set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoNeed {
    pub agreement_reference: &'static str,
    pub course_code: &'static str,
    /// Firm seats, >= 1.
    pub seats: i32,
    /// Tolerance seats the organisation is willing to add, >= 0.
    pub extra_seats: i32,
    /// The window as offsets from the first term that has not begun yet (0 = that term, 1 = the one after, ...). Terms alternate VT (Jan 1–Jun 30) and HT (Jul 1–Dec 31).
    pub earliest_term_offset: u32,
    pub latest_term_offset: u32,
    /// Who the seats are for (Swedish).
    pub note: &'static str,
}

/// Kronor to öre.
const fn kr(kronor: i64) -> i64 {
    kronor * 100
}

// ---------------------------------------------------------------------------
// Organisations
// ---------------------------------------------------------------------------

// Organisation numbers: the numbers of Sundsvall, Timrå, Ånge, Kramfors,
// Örnsköldsvik, Östersund, Region Västernorrland and Region Jämtland Härjedalen are
// the published ones. Municipal numbers run 212000-238x … 212000-252x in municipal
// code order through the two counties (Ånge 2260 … Örnsköldsvik 2284, Ragunda 2303 …
// Östersund 2380), which gives Härnösand 212000-2403, Sollefteå 212000-2437,
// Krokom 212000-2478 and Berg 212000-2502. All twelve pass the Luhn check (tested).

const HARNOSAND: &str = "212000-2403";
const KRAMFORS: &str = "212000-2429";
const SOLLEFTEA: &str = "212000-2437";
const SUNDSVALL: &str = "212000-2411";
const TIMRA: &str = "212000-2395";
const ANGE: &str = "212000-2387";
const ORNSKOLDSVIK: &str = "212000-2445";
const REGION_VN: &str = "232100-0206";
const OSTERSUND: &str = "212000-2528";
const KROKOM: &str = "212000-2478";
const BERG: &str = "212000-2502";
const REGION_JH: &str = "232100-0214";

static ORGANISATIONS: &[DemoOrganisation] = &[
    DemoOrganisation {
        org_number: HARNOSAND,
        name: "Härnösands kommun",
        kind: "municipality",
        employees: 2_100,
        coordinator_email: "kompetens@harnosand.example",
        finance_email: "ekonomi@harnosand.example",
    },
    DemoOrganisation {
        org_number: KRAMFORS,
        name: "Kramfors kommun",
        kind: "municipality",
        employees: 1_700,
        coordinator_email: "kompetens@kramfors.example",
        finance_email: "ekonomi@kramfors.example",
    },
    DemoOrganisation {
        org_number: SOLLEFTEA,
        name: "Sollefteå kommun",
        kind: "municipality",
        employees: 1_800,
        coordinator_email: "kompetens@solleftea.example",
        finance_email: "ekonomi@solleftea.example",
    },
    DemoOrganisation {
        org_number: SUNDSVALL,
        name: "Sundsvalls kommun",
        kind: "municipality",
        employees: 8_400,
        coordinator_email: "kompetens@sundsvall.example",
        finance_email: "ekonomi@sundsvall.example",
    },
    DemoOrganisation {
        org_number: TIMRA,
        name: "Timrå kommun",
        kind: "municipality",
        employees: 1_600,
        coordinator_email: "kompetens@timra.example",
        finance_email: "ekonomi@timra.example",
    },
    DemoOrganisation {
        org_number: ANGE,
        name: "Ånge kommun",
        kind: "municipality",
        employees: 1_150,
        coordinator_email: "kompetens@ange.example",
        finance_email: "ekonomi@ange.example",
    },
    DemoOrganisation {
        org_number: ORNSKOLDSVIK,
        name: "Örnsköldsviks kommun",
        kind: "municipality",
        employees: 6_900,
        coordinator_email: "kompetens@ornskoldsvik.example",
        finance_email: "ekonomi@ornskoldsvik.example",
    },
    DemoOrganisation {
        org_number: REGION_VN,
        name: "Region Västernorrland",
        kind: "region",
        employees: 7_600,
        coordinator_email: "kompetens@rvn.example",
        finance_email: "ekonomi@rvn.example",
    },
    DemoOrganisation {
        org_number: OSTERSUND,
        name: "Östersunds kommun",
        kind: "municipality",
        employees: 6_200,
        coordinator_email: "kompetens@ostersund.example",
        finance_email: "ekonomi@ostersund.example",
    },
    DemoOrganisation {
        org_number: KROKOM,
        name: "Krokoms kommun",
        kind: "municipality",
        employees: 1_400,
        coordinator_email: "kompetens@krokom.example",
        finance_email: "ekonomi@krokom.example",
    },
    DemoOrganisation {
        org_number: BERG,
        name: "Bergs kommun",
        kind: "municipality",
        employees: 750,
        coordinator_email: "kompetens@berg.example",
        finance_email: "ekonomi@berg.example",
    },
    DemoOrganisation {
        org_number: REGION_JH,
        name: "Region Jämtland Härjedalen",
        kind: "region",
        employees: 4_100,
        coordinator_email: "kompetens@regionjh.example",
        finance_email: "ekonomi@regionjh.example",
    },
];

/// The organisations: the seven municipalities of Västernorrland, Region
/// Västernorrland, three Jämtland municipalities and Region Jämtland Härjedalen.
pub fn organisations() -> &'static [DemoOrganisation] {
    ORGANISATIONS
}

// ---------------------------------------------------------------------------
// Agreements
// ---------------------------------------------------------------------------

// Why every need's window fits its agreement, whatever "today" is.
//
// Let Y be the current year. Count terms as t = 2 * year + half (VT = 0, HT = 1).
// VT Y begins on Jan 1, so it has always begun; the first term not yet begun is
// HT Y (t = 2Y+1) when today is in Jan–Jun and VT Y+1 (t = 2Y+2) when today is in
// Jul–Dec. A window with offsets e..=l therefore covers at most the terms
// 2Y+1+e ..= 2Y+2+l.
//
// Start: every agreement that has needs starts on or before Jan 1 Y (year offset
// -1 or -2, or offset 0 with month 1), while the earliest possible term, HT Y,
// starts on Jul 1 Y. So the window never starts before the agreement, and the
// agreement has always begun, i.e. it is active all year.
//
// End: the worst case is today in Jul–Dec, when the last term is 2Y+2+l. The
// agreement ends the day before (Y + offset + years, month, 1). Hence the largest
// allowed latest_term_offset per agreement:
//
//   reference    offset month years   ends (day before)   last full term  max l
//   SKO-HAR-01     -1     1     4     Jan 1 Y+3           HT Y+2 (2Y+5)     3
//   SKO-KRA-01     -1     9     3     Sep 1 Y+2           VT Y+2 (2Y+4)     2
//   SKO-SOL-01      0     1     3     Jan 1 Y+3           HT Y+2 (2Y+5)     3
//   SKO-SUN-02     -1     9     4     Sep 1 Y+3           VT Y+3 (2Y+6)     4
//   SKO-TIM-01     -1     7     3     Jul 1 Y+2           VT Y+2 (2Y+4)     2
//   SKO-ANG-01      0     1     2     Jan 1 Y+2           HT Y+1 (2Y+3)     1
//   SKO-ORN-01     -1     1     4     Jan 1 Y+3           HT Y+2 (2Y+5)     3
//   SKO-RVN-01     -1     1     4     Jan 1 Y+3           HT Y+2 (2Y+5)     3
//   SKO-OST-01     -1     5     4     May 1 Y+3           HT Y+2 (2Y+5)     3
//   SKO-KRO-01      0     1     3     Jan 1 Y+3           HT Y+2 (2Y+5)     3
//   SKO-BER-01     -1     1     3     Jan 1 Y+2           HT Y+1 (2Y+3)     1
//   SKO-RJH-01     -2     1     4     Jan 1 Y+2           HT Y+1 (2Y+3)     1
//
// The needs below keep to these limits (the small two-year and three-year
// agreements of Ånge, Berg and Region Jämtland Härjedalen only ask for the next
// two terms). SKO-SUN-01 (ended Aug 31 Y-1) and SKO-RJH-02 (starts Jan 1 Y+2) are
// inactive all year and have no needs. The test `windows_fit_agreements_any_today`
// checks all of this for every month of the year.

static AGREEMENTS: &[DemoAgreement] = &[
    // Härnösand's first SKO agreement: four years, up to 2 MSEK.
    DemoAgreement {
        org_number: HARNOSAND,
        reference: "SKO-HAR-01",
        start_year_offset: -1,
        start_month: 1,
        years: 4,
        budget_ore: kr(2_000_000),
        pooling: true,
    },
    DemoAgreement {
        org_number: KRAMFORS,
        reference: "SKO-KRA-01",
        start_year_offset: -1,
        start_month: 9,
        years: 3,
        budget_ore: kr(900_000),
        pooling: true,
    },
    DemoAgreement {
        org_number: SOLLEFTEA,
        reference: "SKO-SOL-01",
        start_year_offset: 0,
        start_month: 1,
        years: 3,
        budget_ore: kr(1_000_000),
        pooling: true,
    },
    // Sundsvall's first agreement, ended before this year began.
    DemoAgreement {
        org_number: SUNDSVALL,
        reference: "SKO-SUN-01",
        start_year_offset: -4,
        start_month: 9,
        years: 3,
        budget_ore: kr(3_000_000),
        pooling: true,
    },
    // Sundsvall's current agreement, taking over from SKO-SUN-01.
    DemoAgreement {
        org_number: SUNDSVALL,
        reference: "SKO-SUN-02",
        start_year_offset: -1,
        start_month: 9,
        years: 4,
        budget_ore: kr(4_000_000),
        pooling: true,
    },
    DemoAgreement {
        org_number: TIMRA,
        reference: "SKO-TIM-01",
        start_year_offset: -1,
        start_month: 7,
        years: 3,
        budget_ore: kr(800_000),
        pooling: true,
    },
    DemoAgreement {
        org_number: ANGE,
        reference: "SKO-ANG-01",
        start_year_offset: 0,
        start_month: 1,
        years: 2,
        budget_ore: kr(500_000),
        pooling: true,
    },
    DemoAgreement {
        org_number: ORNSKOLDSVIK,
        reference: "SKO-ORN-01",
        start_year_offset: -1,
        start_month: 1,
        years: 4,
        budget_ore: kr(2_500_000),
        pooling: true,
    },
    // The large organisation that only wants its own cohorts.
    DemoAgreement {
        org_number: REGION_VN,
        reference: "SKO-RVN-01",
        start_year_offset: -1,
        start_month: 1,
        years: 4,
        budget_ore: kr(3_500_000),
        pooling: false,
    },
    DemoAgreement {
        org_number: OSTERSUND,
        reference: "SKO-OST-01",
        start_year_offset: -1,
        start_month: 5,
        years: 4,
        budget_ore: kr(2_500_000),
        pooling: true,
    },
    DemoAgreement {
        org_number: KROKOM,
        reference: "SKO-KRO-01",
        start_year_offset: 0,
        start_month: 1,
        years: 3,
        budget_ore: kr(700_000),
        pooling: true,
    },
    DemoAgreement {
        org_number: BERG,
        reference: "SKO-BER-01",
        start_year_offset: -1,
        start_month: 1,
        years: 3,
        budget_ore: kr(500_000),
        pooling: true,
    },
    DemoAgreement {
        org_number: REGION_JH,
        reference: "SKO-RJH-01",
        start_year_offset: -2,
        start_month: 1,
        years: 4,
        budget_ore: kr(3_000_000),
        pooling: true,
    },
    // Region Jämtland Härjedalen's follow-on agreement, already signed, not yet begun.
    DemoAgreement {
        org_number: REGION_JH,
        reference: "SKO-RJH-02",
        start_year_offset: 2,
        start_month: 1,
        years: 4,
        budget_ore: kr(3_500_000),
        pooling: true,
    },
];

/// The SKO agreements: one per organisation, plus an ended one for Sundsvall and
/// an upcoming one for Region Jämtland Härjedalen. Region Västernorrland's has
/// `pooling = false`.
pub fn agreements() -> &'static [DemoAgreement] {
    AGREEMENTS
}

// ---------------------------------------------------------------------------
// Courses
// ---------------------------------------------------------------------------

static COURSES: &[DemoCourse] = &[
    // The Härnösand course annex.
    DemoCourse {
        code: "PSY101",
        title: "Psykologiska principer för mänskligt beteende – en introduktion",
        credits_tenths: 30,
        min_participants: 10,
        max_participants: 30,
        fixed_fee_ore: kr(80_000),
        per_participant_fee_ore: kr(4_500),
    },
    DemoCourse {
        code: "PSY102",
        title: "Klinisk psykologi och mötet med psykisk ohälsa",
        credits_tenths: 30,
        min_participants: 10,
        max_participants: 30,
        fixed_fee_ore: kr(85_000),
        per_participant_fee_ore: kr(4_500),
    },
    DemoCourse {
        code: "PSY103",
        title: "Samtalsmetodik",
        credits_tenths: 30,
        min_participants: 12,
        max_participants: 25,
        fixed_fee_ore: kr(75_000),
        per_participant_fee_ore: kr(5_000),
    },
    DemoCourse {
        code: "PSY104",
        title: "Stress och stresshantering",
        credits_tenths: 30,
        min_participants: 10,
        max_participants: 35,
        fixed_fee_ore: kr(70_000),
        per_participant_fee_ore: kr(4_000),
    },
    DemoCourse {
        code: "JUR101",
        title: "Introduktion till förvaltningsrätt och socialrätt",
        credits_tenths: 30,
        min_participants: 12,
        max_participants: 35,
        fixed_fee_ore: kr(90_000),
        per_participant_fee_ore: kr(4_000),
    },
    DemoCourse {
        code: "JUR102",
        title: "Introduktion till juridisk metod",
        credits_tenths: 30,
        min_participants: 10,
        max_participants: 30,
        fixed_fee_ore: kr(80_000),
        per_participant_fee_ore: kr(4_000),
    },
    DemoCourse {
        code: "JUR201",
        title: "Fördjupningskurs i socialrätt",
        credits_tenths: 60,
        min_participants: 12,
        max_participants: 30,
        fixed_fee_ore: kr(140_000),
        per_participant_fee_ore: kr(7_500),
    },
    DemoCourse {
        code: "FEK201",
        title: "Strategisk ekonomistyrning",
        credits_tenths: 30,
        min_participants: 10,
        max_participants: 30,
        fixed_fee_ore: kr(90_000),
        per_participant_fee_ore: kr(5_000),
    },
    // Further contract education for municipal and regional staff.
    DemoCourse {
        code: "DIG101",
        title: "Digital transformation i offentlig verksamhet",
        credits_tenths: 75,
        min_participants: 15,
        max_participants: 40,
        fixed_fee_ore: kr(180_000),
        per_participant_fee_ore: kr(9_500),
    },
    DemoCourse {
        code: "AIF101",
        title: "AI i offentlig förvaltning – möjligheter, risker och regelverk",
        credits_tenths: 30,
        min_participants: 12,
        max_participants: 40,
        fixed_fee_ore: kr(95_000),
        per_participant_fee_ore: kr(4_500),
    },
    DemoCourse {
        code: "LED101",
        title: "Ledarskap i offentlig verksamhet",
        credits_tenths: 75,
        min_participants: 12,
        max_participants: 30,
        fixed_fee_ore: kr(200_000),
        per_participant_fee_ore: kr(12_000),
    },
    DemoCourse {
        code: "DEM101",
        title: "Demenssjukdomar och personcentrerad omvårdnad",
        credits_tenths: 45,
        min_participants: 12,
        max_participants: 35,
        fixed_fee_ore: kr(110_000),
        per_participant_fee_ore: kr(6_000),
    },
    DemoCourse {
        code: "PED101",
        title: "Specialpedagogik i förskola och skola",
        credits_tenths: 75,
        min_participants: 15,
        max_participants: 35,
        fixed_fee_ore: kr(170_000),
        per_participant_fee_ore: kr(9_000),
    },
    DemoCourse {
        code: "UPH101",
        title: "Offentlig upphandling – regelverk och praktik",
        credits_tenths: 45,
        min_participants: 10,
        max_participants: 30,
        fixed_fee_ore: kr(120_000),
        per_participant_fee_ore: kr(7_000),
    },
    DemoCourse {
        code: "GDP101",
        title: "Dataskydd och GDPR i kommunal verksamhet",
        credits_tenths: 30,
        min_participants: 8,
        max_participants: 40,
        fixed_fee_ore: kr(60_000),
        per_participant_fee_ore: kr(3_000),
    },
    DemoCourse {
        code: "SOC101",
        title: "Social dokumentation enligt SoL och LSS",
        credits_tenths: 30,
        min_participants: 12,
        max_participants: 35,
        fixed_fee_ore: kr(75_000),
        per_participant_fee_ore: kr(3_500),
    },
    DemoCourse {
        code: "MIS101",
        title: "Motiverande samtal – MI i praktiken",
        credits_tenths: 45,
        min_participants: 10,
        max_participants: 25,
        fixed_fee_ore: kr(100_000),
        per_participant_fee_ore: kr(6_500),
    },
    DemoCourse {
        code: "ARB101",
        title: "Hållbart arbetsliv och systematiskt arbetsmiljöarbete",
        credits_tenths: 45,
        min_participants: 10,
        max_participants: 30,
        fixed_fee_ore: kr(105_000),
        per_participant_fee_ore: kr(6_000),
    },
    DemoCourse {
        code: "KLS101",
        title: "Klarspråk – att skriva begripligt i offentlig förvaltning",
        credits_tenths: 30,
        min_participants: 8,
        max_participants: 30,
        fixed_fee_ore: kr(65_000),
        per_participant_fee_ore: kr(3_500),
    },
    DemoCourse {
        code: "NPF101",
        title: "Neuropsykiatriska funktionsnedsättningar i skola och omsorg",
        credits_tenths: 45,
        min_participants: 12,
        max_participants: 35,
        fixed_fee_ore: kr(115_000),
        per_participant_fee_ore: kr(6_500),
    },
];

/// The course catalogue: the eight courses of the Härnösand annex and twelve
/// further contract-education courses.
pub fn courses() -> &'static [DemoCourse] {
    COURSES
}

// ---------------------------------------------------------------------------
// Needs
// ---------------------------------------------------------------------------

/// Shorthand for a need.
const fn need(
    agreement_reference: &'static str,
    course_code: &'static str,
    seats: i32,
    extra_seats: i32,
    earliest_term_offset: u32,
    latest_term_offset: u32,
    note: &'static str,
) -> DemoNeed {
    DemoNeed { agreement_reference, course_code, seats, extra_seats, earliest_term_offset, latest_term_offset, note }
}

// Term offsets: T0 = first term not begun, T1 = the next, and so on.
// Totals below are firm seats (+ extra seats) of the needs whose windows contain
// the term. Kept as a one-line-per-need table, hence `rustfmt::skip`.
#[rustfmt::skip]
static NEEDS: &[DemoNeed] = &[
    // PSY103 Samtalsmetodik (min 12, max 25). Five small municipalities, 3–5 seats
    // each, none viable alone; all windows contain T1: 19 firm (+4 extra).
    need("SKO-HAR-01", "PSY103", 5, 1, 0, 2, "Arbetslivskonsulenter på arbetsmarknadsenheten"),
    need("SKO-KRA-01", "PSY103", 4, 2, 1, 2, "Handläggare inom försörjningsstöd"),
    need("SKO-TIM-01", "PSY103", 3, 0, 1, 2, "Kuratorer inom elevhälsan"),
    need("SKO-ANG-01", "PSY103", 3, 1, 0, 1, "Biståndshandläggare inom äldreomsorgen"),
    need("SKO-SOL-01", "PSY103", 4, 0, 1, 3, "Socialsekreterare, barn och unga"),
    // PSY101 Psykologiska principer (min 10): T0/T1: 11 firm (+1).
    need("SKO-HAR-01", "PSY101", 6, 0, 0, 1, "Arbetslivskonsulenter på arbetsmarknadsenheten"),
    need("SKO-SOL-01", "PSY101", 3, 1, 0, 1, "Personal inom daglig verksamhet enligt LSS"),
    need("SKO-TIM-01", "PSY101", 2, 0, 0, 2, "Studie- och yrkesvägledare"),
    // PSY102 Klinisk psykologi (min 10): the municipalities pool 11 firm (+2) in
    // T1 or T2; Region Västernorrland (pooling = false) fills its own cohort.
    need("SKO-HAR-01", "PSY102", 4, 0, 1, 2, "Arbetslivskonsulenter på arbetsmarknadsenheten"),
    need("SKO-ORN-01", "PSY102", 5, 2, 1, 3, "Boendestödjare inom socialpsykiatrin"),
    need("SKO-KRA-01", "PSY102", 2, 0, 1, 2, "Boendestödjare inom socialpsykiatrin"),
    need("SKO-RVN-01", "PSY102", 22, 0, 0, 1, "Skötare och sjuksköterskor inom vuxenpsykiatrin"),
    // PSY104 Stress och stresshantering (min 10): T1: 21 firm (+1).
    need("SKO-HAR-01", "PSY104", 4, 0, 1, 2, "Arbetslivskonsulenter på arbetsmarknadsenheten"),
    need("SKO-RJH-01", "PSY104", 10, 0, 0, 1, "Chefer och skyddsombud inom primärvården"),
    need("SKO-KRA-01", "PSY104", 4, 0, 0, 2, "Förskollärare"),
    need("SKO-TIM-01", "PSY104", 3, 1, 1, 2, "Administratörer på kommunledningsförvaltningen"),
    // JUR101 Förvaltningsrätt och socialrätt (min 12): T0: 21 firm, T1: 25 firm.
    need("SKO-HAR-01", "JUR101", 6, 2, 0, 1, "Enhetschefer och socialsekreterare"),
    need("SKO-SOL-01", "JUR101", 5, 0, 0, 2, "Socialsekreterare, ekonomiskt bistånd"),
    need("SKO-KRA-01", "JUR101", 4, 0, 1, 2, "Biståndshandläggare"),
    need("SKO-ORN-01", "JUR101", 8, 0, 0, 1, "Handläggare inom individ- och familjeomsorgen"),
    need("SKO-BER-01", "JUR101", 2, 1, 0, 1, "Socialsekreterare"),
    // JUR102 Juridisk metod (min 10): T1: 12 firm (+1).
    need("SKO-HAR-01", "JUR102", 6, 0, 1, 2, "Enhetschefer och socialsekreterare"),
    need("SKO-SOL-01", "JUR102", 4, 1, 1, 3, "Nämndsekreterare och handläggare"),
    need("SKO-ANG-01", "JUR102", 2, 0, 0, 1, "Nämndsekreterare"),
    // JUR201 Fördjupningskurs i socialrätt (min 12), after the introduction: T2/T3:
    // 14 firm (+1).
    need("SKO-HAR-01", "JUR201", 5, 0, 2, 3, "Enhetschefer och socialsekreterare"),
    need("SKO-SOL-01", "JUR201", 3, 0, 2, 3, "Socialsekreterare, barn och unga"),
    need("SKO-ORN-01", "JUR201", 6, 1, 2, 3, "Socialsekreterare, utredning barn och unga"),
    // FEK201 Strategisk ekonomistyrning (min 10): T2: 14 firm (+1).
    need("SKO-HAR-01", "FEK201", 3, 0, 1, 3, "Chefer i förvaltningsledningen"),
    need("SKO-SUN-02", "FEK201", 6, 0, 1, 2, "Verksamhetscontrollers"),
    need("SKO-OST-01", "FEK201", 5, 1, 2, 3, "Ekonomer och enhetschefer"),
    // DIG101 Digital transformation (min 15): T2/T3: 16 firm (+2).
    need("SKO-ORN-01", "DIG101", 8, 0, 1, 3, "Digitaliseringsstrateger och verksamhetsutvecklare"),
    need("SKO-SUN-02", "DIG101", 6, 0, 2, 3, "Verksamhetsutvecklare inom välfärdsteknik"),
    need("SKO-KRO-01", "DIG101", 2, 2, 2, 3, "IT-samordnare"),
    // AIF101 AI i offentlig förvaltning (min 12): municipalities T1: 19 firm;
    // Region Västernorrland alone: 18.
    need("SKO-SUN-02", "AIF101", 10, 0, 1, 2, "Handläggare och verksamhetsutvecklare"),
    need("SKO-TIM-01", "AIF101", 3, 0, 1, 2, "Kommunikatörer och registratorer"),
    need("SKO-OST-01", "AIF101", 6, 0, 1, 3, "Utredare på kommunledningsförvaltningen"),
    need("SKO-RVN-01", "AIF101", 18, 0, 0, 1, "Medicinska sekreterare och administratörer"),
    // LED101 Ledarskap (min 12, max 30): Sundsvall alone has 14 firm seats and room
    // for 16 more; three small municipalities join in T1: 21 firm.
    need("SKO-SUN-02", "LED101", 14, 0, 0, 1, "Nyblivna enhetschefer"),
    need("SKO-KRA-01", "LED101", 3, 0, 0, 1, "Enhetschefer inom vård och omsorg"),
    need("SKO-ANG-01", "LED101", 2, 0, 0, 1, "Första linjens chefer"),
    need("SKO-BER-01", "LED101", 2, 0, 1, 1, "Rektorer och biträdande rektorer"),
    // DEM101 Demenssjukdomar (min 12): NEAR-VIABLE. Best term T1: 9 firm + 2 extra
    // = 11, one seat short; the coordinator should invite one more organisation.
    need("SKO-ANG-01", "DEM101", 4, 1, 0, 1, "Undersköterskor i hemtjänsten"),
    need("SKO-BER-01", "DEM101", 3, 1, 0, 1, "Undersköterskor på särskilt boende"),
    need("SKO-KRO-01", "DEM101", 2, 0, 1, 2, "Sjuksköterskor inom kommunal hälso- och sjukvård"),
    // PED101 Specialpedagogik (min 15): T1: 15 firm (+1), T2: 16 firm.
    need("SKO-SUN-02", "PED101", 9, 0, 1, 3, "Förskollärare"),
    need("SKO-TIM-01", "PED101", 4, 0, 1, 2, "Lärare i grundskolan"),
    need("SKO-HAR-01", "PED101", 3, 0, 2, 3, "Fritidspedagoger"),
    need("SKO-ANG-01", "PED101", 2, 1, 1, 1, "Elevassistenter"),
    // UPH101 Offentlig upphandling (min 10): T2: 11 firm (+1).
    need("SKO-SUN-02", "UPH101", 4, 0, 2, 3, "Upphandlare och inköpssamordnare"),
    need("SKO-OST-01", "UPH101", 3, 0, 2, 3, "Beställare i förvaltningarna"),
    need("SKO-ORN-01", "UPH101", 4, 1, 1, 2, "Inköpare"),
    // GDP101 Dataskydd och GDPR (min 8): T0: 9 firm (+1).
    need("SKO-SOL-01", "GDP101", 3, 0, 0, 1, "Registratorer och arkivarier"),
    need("SKO-ANG-01", "GDP101", 2, 0, 0, 0, "Administratörer"),
    need("SKO-BER-01", "GDP101", 2, 0, 0, 1, "Nämndsekreterare och administratörer"),
    need("SKO-KRO-01", "GDP101", 2, 1, 0, 1, "Administratörer inom socialförvaltningen"),
    // SOC101 Social dokumentation (min 12): 11 firm; Krokom's extra seat makes it
    // viable (12).
    need("SKO-OST-01", "SOC101", 8, 0, 0, 1, "Handläggare inom LSS och socialpsykiatri"),
    need("SKO-KRO-01", "SOC101", 3, 1, 0, 1, "Kontaktmän inom hemtjänsten"),
    // MIS101 Motiverande samtal (min 10, max 25): T1: 25 firm, exactly full.
    need("SKO-RJH-01", "MIS101", 16, 0, 0, 1, "Kuratorer och sjuksköterskor inom primärvården"),
    need("SKO-OST-01", "MIS101", 6, 0, 0, 1, "Socialsekreterare inom beroendevården"),
    need("SKO-KRO-01", "MIS101", 3, 0, 1, 2, "Behandlingsassistenter"),
    // ARB101 Hållbart arbetsliv (min 10): T1/T2: 12 firm.
    need("SKO-ORN-01", "ARB101", 7, 0, 1, 2, "HR-partner och chefer"),
    need("SKO-SUN-02", "ARB101", 5, 0, 1, 3, "Skyddsombud"),
    // KLS101 Klarspråk (min 8): three municipalities pool 8 firm in T1/T2; Region
    // Västernorrland (pooling = false) runs its own cohort of 9.
    need("SKO-RVN-01", "KLS101", 9, 0, 1, 2, "Handläggare inom regional utveckling"),
    need("SKO-SUN-02", "KLS101", 3, 0, 1, 2, "Handläggare på bygg- och miljöförvaltningen"),
    need("SKO-HAR-01", "KLS101", 3, 0, 1, 2, "Handläggare inom samhällsbyggnad"),
    need("SKO-TIM-01", "KLS101", 2, 0, 1, 2, "Kommunikatörer"),
    // NPF101 Neuropsykiatriska funktionsnedsättningar (min 12): T1/T2: 13 firm.
    need("SKO-OST-01", "NPF101", 10, 0, 1, 2, "Lärare och elevassistenter"),
    need("SKO-KRO-01", "NPF101", 3, 0, 1, 2, "Personal på LSS-boenden"),
];

/// The needs inventory of all active agreements.
pub fn needs() -> &'static [DemoNeed] {
    NEEDS
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn luhn_check_digit(first_nine: &[u32]) -> u32 {
        let sum: u32 = first_nine
            .iter()
            .enumerate()
            .map(|(i, &d)| {
                let p = if i % 2 == 0 { d * 2 } else { d };
                p / 10 + p % 10
            })
            .sum();
        (10 - sum % 10) % 10
    }

    fn agreement(reference: &str) -> &'static DemoAgreement {
        agreements()
            .iter()
            .find(|a| a.reference == reference)
            .unwrap_or_else(|| panic!("unknown agreement {reference}"))
    }

    fn course(code: &str) -> &'static DemoCourse {
        courses().iter().find(|c| c.code == code).unwrap_or_else(|| panic!("unknown course {code}"))
    }

    /// A date as (year, month, day); tuples compare chronologically.
    type Date = (i32, u32, u32);

    /// Start and exclusive end (the day after the last day) of an agreement.
    fn agreement_period(a: &DemoAgreement, year: i32) -> (Date, Date) {
        let start_year = year + a.start_year_offset;
        ((start_year, a.start_month, 1), (start_year + a.years as i32, a.start_month, 1))
    }

    /// Term index t = 2 * year + half (VT = 0, HT = 1).
    fn first_term_not_begun(today: Date) -> i32 {
        let (y, m, _) = today;
        // VT y began on Jan 1; HT y begins on Jul 1.
        if m < 7 { 2 * y + 1 } else { 2 * y + 2 }
    }

    /// Start and exclusive end of term t.
    fn term_period(t: i32) -> (Date, Date) {
        let y = t.div_euclid(2);
        if t.rem_euclid(2) == 0 { ((y, 1, 1), (y, 7, 1)) } else { ((y, 7, 1), (y + 1, 1, 1)) }
    }

    fn is_active(a: &DemoAgreement, today: Date) -> bool {
        let (start, end) = agreement_period(a, today.0);
        start <= today && today < end
    }

    fn all_todays() -> Vec<Date> {
        let mut v = Vec::new();
        for year in [2024, 2025, 2026, 2027, 2030] {
            for month in 1..=12 {
                for day in [1, 15, 28] {
                    v.push((year, month, day));
                }
            }
        }
        v
    }

    #[test]
    fn org_numbers_have_format_and_luhn_digit() {
        for o in organisations() {
            let n = o.org_number.as_bytes();
            assert_eq!(n.len(), 11, "{}", o.org_number);
            assert_eq!(n[6], b'-', "{}", o.org_number);
            let digits: Vec<u32> = o
                .org_number
                .chars()
                .filter(|c| *c != '-')
                .map(|c| c.to_digit(10).unwrap_or_else(|| panic!("{}", o.org_number)))
                .collect();
            assert_eq!(digits.len(), 10, "{}", o.org_number);
            assert_eq!(luhn_check_digit(&digits[..9]), digits[9], "Luhn digit of {}", o.org_number);
            assert_eq!(digits[0], 2, "public bodies start with 2: {}", o.org_number);
        }
        // Cross-check the helper against known numbers.
        for known in ["2120002411", "2120002395", "2120002387", "2021004524"] {
            let d: Vec<u32> = known.chars().map(|c| c.to_digit(10).unwrap()).collect();
            assert_eq!(luhn_check_digit(&d[..9]), d[9]);
        }
    }

    #[test]
    fn organisations_are_plausible() {
        let orgs = organisations();
        assert!((11..=13).contains(&orgs.len()));
        for o in orgs {
            assert!(["municipality", "region", "agency", "company", "other"].contains(&o.kind), "{}", o.name);
            assert!(o.employees > 0);
            assert!(o.coordinator_email.contains('@') && o.finance_email.contains('@'));
            assert_ne!(o.coordinator_email, o.finance_email);
            assert!(agreements().iter().any(|a| a.org_number == o.org_number), "{}", o.name);
        }
        for name in [
            "Härnösands kommun",
            "Kramfors kommun",
            "Sollefteå kommun",
            "Sundsvalls kommun",
            "Timrå kommun",
            "Ånge kommun",
            "Örnsköldsviks kommun",
            "Region Västernorrland",
        ] {
            assert!(orgs.iter().any(|o| o.name == name), "{name} missing");
        }
        let sundsvall = orgs.iter().find(|o| o.org_number == "212000-2411").unwrap();
        assert_eq!(sundsvall.name, "Sundsvalls kommun");
        assert!((7_500..=9_000).contains(&sundsvall.employees));
    }

    #[test]
    fn keys_are_unique_and_references_resolve() {
        let orgs: HashSet<_> = organisations().iter().map(|o| o.org_number).collect();
        assert_eq!(orgs.len(), organisations().len(), "duplicate org number");
        let names: HashSet<_> = organisations().iter().map(|o| o.name).collect();
        assert_eq!(names.len(), organisations().len(), "duplicate name");
        let refs: HashSet<_> = agreements().iter().map(|a| a.reference).collect();
        assert_eq!(refs.len(), agreements().len(), "duplicate agreement reference");
        let codes: HashSet<_> = courses().iter().map(|c| c.code).collect();
        assert_eq!(codes.len(), courses().len(), "duplicate course code");
        for a in agreements() {
            assert!(orgs.contains(a.org_number), "{}", a.reference);
        }
        for n in needs() {
            assert!(refs.contains(n.agreement_reference), "{n:?}");
            assert!(codes.contains(n.course_code), "{n:?}");
        }
        let pairs: HashSet<_> = needs().iter().map(|n| (n.agreement_reference, n.course_code)).collect();
        assert_eq!(pairs.len(), needs().len(), "one need per agreement and course");
    }

    #[test]
    fn agreements_are_well_formed() {
        for a in agreements() {
            assert!((2..=4).contains(&a.years), "{}", a.reference);
            assert!((1..=12).contains(&a.start_month), "{}", a.reference);
            assert!((50_000_000..=400_000_000).contains(&a.budget_ore), "{}: budget 0.5–4 MSEK", a.reference);
        }
        assert!(agreements().iter().any(|a| !a.pooling));
        let har = agreement("SKO-HAR-01");
        assert_eq!((har.years, har.budget_ore), (4, 200_000_000));
    }

    #[test]
    fn courses_are_well_formed() {
        assert_eq!(courses().len(), 20);
        for c in courses() {
            assert!(!c.code.is_empty());
            assert!(c.code.chars().all(|ch| ch.is_ascii_uppercase() || ch.is_ascii_digit()), "{}", c.code);
            assert!(!c.title.is_empty());
            assert_eq!(c.credits_tenths % 5, 0, "{}", c.code);
            assert!((30..=75).contains(&c.credits_tenths), "{}", c.code);
            assert!((8..=15).contains(&c.min_participants), "{}", c.code);
            assert!((25..=40).contains(&c.max_participants), "{}", c.code);
            assert!(c.min_participants <= c.max_participants);
            assert!((kr(60_000)..=kr(200_000)).contains(&c.fixed_fee_ore), "{}", c.code);
            assert!((kr(3_000)..=kr(12_000)).contains(&c.per_participant_fee_ore), "{}", c.code);
        }
        for title in [
            "Psykologiska principer för mänskligt beteende – en introduktion",
            "Klinisk psykologi och mötet med psykisk ohälsa",
            "Samtalsmetodik",
            "Stress och stresshantering",
            "Introduktion till förvaltningsrätt och socialrätt",
            "Introduktion till juridisk metod",
            "Fördjupningskurs i socialrätt",
            "Strategisk ekonomistyrning",
        ] {
            assert!(courses().iter().any(|c| c.title == title), "{title} missing");
        }
        let advanced = courses().iter().find(|c| c.title == "Fördjupningskurs i socialrätt").unwrap();
        assert_eq!(advanced.credits_tenths, 60);
    }

    #[test]
    fn needs_are_well_formed() {
        assert!((40..=70).contains(&needs().len()), "{}", needs().len());
        for n in needs() {
            assert!(n.seats >= 1, "{n:?}");
            assert!(n.extra_seats >= 0, "{n:?}");
            assert!(n.earliest_term_offset <= n.latest_term_offset, "{n:?}");
            assert!(!n.note.is_empty());
        }
        // The pooling = false agreement has needs.
        assert!(needs().iter().any(|n| !agreement(n.agreement_reference).pooling));
    }

    /// For every "today" in every month of several years: each agreement with
    /// needs is active, and every term of every window lies inside the agreement.
    #[test]
    fn windows_fit_agreements_any_today() {
        for today in all_todays() {
            let t0 = first_term_not_begun(today);
            // The first term not begun has indeed not begun, and the one before has.
            assert!(term_period(t0).0 > today);
            assert!(term_period(t0 - 1).0 <= today);
            for n in needs() {
                let a = agreement(n.agreement_reference);
                assert!(is_active(a, today), "{} inactive on {today:?}", a.reference);
                let (a_start, a_end) = agreement_period(a, today.0);
                for offset in n.earliest_term_offset..=n.latest_term_offset {
                    let (t_start, t_end) = term_period(t0 + offset as i32);
                    assert!(
                        a_start <= t_start && t_end <= a_end,
                        "{} {} term offset {offset} outside agreement on {today:?}",
                        n.agreement_reference,
                        n.course_code
                    );
                }
            }
        }
    }

    #[test]
    fn ended_and_upcoming_agreements_have_no_needs() {
        let mut inactive = HashSet::new();
        for today in all_todays() {
            for a in agreements() {
                if !is_active(a, today) {
                    inactive.insert(a.reference);
                }
            }
        }
        let expected: HashSet<_> = ["SKO-SUN-01", "SKO-RJH-02"].into_iter().collect();
        assert_eq!(inactive, expected);
        for n in needs() {
            assert!(!inactive.contains(n.agreement_reference), "{n:?}");
        }
        // One ended, one upcoming, in every month.
        for today in all_todays() {
            let (_, sun1_end) = agreement_period(agreement("SKO-SUN-01"), today.0);
            assert!(sun1_end <= today);
            let (rjh2_start, _) = agreement_period(agreement("SKO-RJH-02"), today.0);
            assert!(rjh2_start > today);
        }
    }

    /// Firm and extra seats of the needs for `code` whose window contains `offset`,
    /// counting only agreements that pool.
    fn pooled_in_term(code: &str, offset: u32) -> (i32, i32) {
        needs()
            .iter()
            .filter(|n| n.course_code == code)
            .filter(|n| agreement(n.agreement_reference).pooling)
            .filter(|n| (n.earliest_term_offset..=n.latest_term_offset).contains(&offset))
            .fold((0, 0), |(f, e), n| (f + n.seats, e + n.extra_seats))
    }

    #[test]
    fn samtalsmetodik_pays_only_when_pooled() {
        let c = course("PSY103");
        let small: Vec<_> = needs().iter().filter(|n| n.course_code == "PSY103").collect();
        assert!(small.len() >= 4);
        for n in &small {
            assert!((3..=6).contains(&n.seats));
            assert!(n.seats + n.extra_seats < c.min_participants);
        }
        let (firm, _) = pooled_in_term("PSY103", 1);
        assert_eq!(firm, small.iter().map(|n| n.seats).sum::<i32>(), "all overlap in T1");
        assert!(firm >= c.min_participants && firm <= c.max_participants);
    }

    #[test]
    fn dementia_course_is_near_viable() {
        let c = course("DEM101");
        let best = (0..=3)
            .map(|t| {
                let (f, e) = pooled_in_term("DEM101", t);
                f + e
            })
            .max()
            .unwrap();
        assert!(best < c.min_participants, "should not be viable");
        assert!(c.min_participants - best <= 3, "should be near-viable");
    }

    #[test]
    fn big_municipality_has_seats_to_spare() {
        let c = course("LED101");
        let sun = needs().iter().find(|n| n.agreement_reference == "SKO-SUN-02" && n.course_code == "LED101").unwrap();
        assert!(sun.seats >= c.min_participants && sun.seats + 10 <= c.max_participants);
        let (firm, _) = pooled_in_term("LED101", 1);
        assert!(firm > sun.seats && firm <= c.max_participants);
    }

    #[test]
    fn non_pooling_needs_are_viable_on_their_own() {
        for n in needs().iter().filter(|n| !agreement(n.agreement_reference).pooling) {
            let c = course(n.course_code);
            assert!(n.seats >= c.min_participants && n.seats <= c.max_participants, "{n:?}");
        }
    }
}
