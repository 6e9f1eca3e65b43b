//! The e-mails themselves: each rendered with maud as HTML, with a
//! plain-text alternative that says the same, in Swedish or English.
//! Pure functions over plain structs, so what a message says is tested
//! without a database or a mail server.

use chrono::NaiveDate;
use maud::{DOCTYPE, Markup, html};

use crate::invoicing::{InvoicingLine, InvoicingTotals, LineKind};
use crate::money::Ore;
use crate::splitting::SplitRule;

/// The language an organisation reads its e-mail in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    Sv,
    En,
}

impl Lang {
    /// `en` is English; anything else Swedish, the default.
    pub fn from_code(code: &str) -> Self {
        if code == "en" { Lang::En } else { Lang::Sv }
    }

    /// The language's code, for `lang` attributes and the `sp_lang` cookie.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Sv => "sv",
            Lang::En => "en",
        }
    }

    pub fn pick(self, sv: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Sv => sv,
            Lang::En => en,
        }
    }
}

/// A rendered e-mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub html: String,
    pub text: String,
}

/// What every cohort e-mail says about the course.
#[derive(Debug, Clone)]
pub struct CourseFacts {
    pub code: String,
    pub title: String,
    pub credits_tenths: i32,
    /// As people read it: "VT 2027".
    pub term: String,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub cancellation_deadline: Option<NaiveDate>,
}

impl CourseFacts {
    /// Swedish "hp" in both languages, as the university writes it.
    fn credits(&self) -> String {
        format!("{} hp", credits(Lang::Sv, self.credits_tenths))
    }

    fn headline(&self) -> String {
        format!("{} {} ({})", self.code, self.title, self.term)
    }
}

/// An organisation's part in a confirmed cohort, for its coordinator.
#[derive(Debug, Clone)]
pub struct Enrolment {
    pub organisation: String,
    pub course: CourseFacts,
    /// Agreement reference → seats the organisation holds under it.
    pub seats: Vec<(String, i32)>,
    /// Named participants: name and e-mail address.
    pub participants: Vec<(String, String)>,
    /// The other organisations in the cohort, by name.
    pub partners: Vec<String>,
    pub split_rule: SplitRule,
    /// The organisation's current share, over all its agreements.
    pub amount: Ore,
    pub amount_incl_vat: Ore,
    pub savings: Ore,
}

pub fn enrolment(lang: Lang, e: &Enrolment) -> Rendered {
    let subject = format!("{}: {}", lang.pick("Kursbekräftelse", "Enrolment summary"), e.course.headline());
    let seats: i32 = e.seats.iter().map(|(_, n)| n).sum();
    let partners = if e.partners.is_empty() { lang.pick("inga", "none").to_owned() } else { e.partners.join(", ") };
    let facts = course_rows(lang, &e.course);
    let money = [
        (lang.pick("Fördelning", "Split rule"), rule_name(lang, e.split_rule).to_owned()),
        (lang.pick("Er andel exkl. moms", "Your share excl. VAT"), e.amount.to_string()),
        (lang.pick("Er andel inkl. moms", "Your share incl. VAT"), e.amount_incl_vat.to_string()),
        (lang.pick("Besparing mot att gå ensam", "Saved against going alone"), e.savings.to_string()),
    ];
    let intro = match lang {
        Lang::Sv => format!("{} har {seats} platser i kurstillfället nedan.", e.organisation),
        Lang::En => format!("{} holds {seats} seats in the cohort below.", e.organisation),
    };
    let no_participants = lang.pick("Inga deltagare är namngivna ännu.", "No participants have been named yet.");
    let body = html! {
        p { (intro) }
        (table(&facts))
        h3 { (lang.pick("Platser", "Seats")) }
        ul { @for (agreement, n) in &e.seats { li { (agreement) ": " (n) } } }
        h3 { (lang.pick("Deltagare", "Participants")) }
        @if e.participants.is_empty() { p { (no_participants) } }
        @else { ul { @for (name, address) in &e.participants { li { (name) " <" (address) ">" } } } }
        p { (lang.pick("Samläser med", "Studying with")) ": " (partners) }
        (table(&money))
    };
    let mut text = format!("{intro}\n\n{}", text_rows(&facts));
    text.push_str(&format!("\n{}:\n", lang.pick("Platser", "Seats")));
    for (agreement, n) in &e.seats {
        text.push_str(&format!("  {agreement}: {n}\n"));
    }
    text.push_str(&format!("\n{}:\n", lang.pick("Deltagare", "Participants")));
    if e.participants.is_empty() {
        text.push_str(&format!("  {no_participants}\n"));
    }
    for (name, address) in &e.participants {
        text.push_str(&format!("  {name} <{address}>\n"));
    }
    text.push_str(&format!("\n{}: {partners}\n\n{}", lang.pick("Samläser med", "Studying with"), text_rows(&money)));
    finish(lang, subject, body, text)
}

/// Invoicing lines of one cohort for an organisation's finance team.
#[derive(Debug, Clone)]
pub struct InvoicingSummary {
    pub organisation: String,
    pub course: CourseFacts,
    pub lines: Vec<InvoicingLine>,
    pub totals: InvoicingTotals,
    /// Agreement reference → what remains of its budget.
    pub remaining: Vec<(String, Ore)>,
}

pub fn invoicing(lang: Lang, s: &InvoicingSummary) -> Rendered {
    let subject = format!("{}: {}", lang.pick("Fakturaunderlag", "Invoicing summary"), s.course.headline());
    let headers = [
        lang.pick("Avtal", "Agreement"),
        lang.pick("Typ", "Kind"),
        lang.pick("Platser", "Seats"),
        lang.pick("Fördelning", "Split rule"),
        lang.pick("Exkl. moms", "Excl. VAT"),
        lang.pick("Inkl. moms", "Incl. VAT"),
        lang.pick("Besparing", "Savings"),
    ];
    let rows: Vec<[String; 7]> = s
        .lines
        .iter()
        .map(|l| {
            [
                l.agreement_reference.clone(),
                kind_name(lang, l.kind).to_owned(),
                l.seats.to_string(),
                rule_name(lang, l.split_rule).to_owned(),
                l.amount_ore.to_string(),
                l.amount_incl_vat_ore.to_string(),
                l.savings_ore.to_string(),
            ]
        })
        .collect();
    let total = lang.pick("Summa", "Total");
    let intro = match lang {
        Lang::Sv => format!("Fakturaunderlag för {} avseende kurstillfället nedan.", s.organisation),
        Lang::En => format!("Invoicing summary for {} for the cohort below.", s.organisation),
    };
    let remaining_label = lang.pick("Kvar av avtalets budget", "Remaining of the agreement's budget");
    let body = html! {
        p { (intro) }
        (table(&course_rows(lang, &s.course)))
        table cellpadding="4" style="border-collapse: collapse" {
            tr { @for h in headers { th style="text-align: left; border-bottom: 1px solid #999" { (h) } } }
            @for row in &rows { tr { @for cell in row { td { (cell) } } } }
            tr style="font-weight: bold" {
                td colspan="4" { (total) }
                td { (s.totals.amount_ore) } td { (s.totals.amount_incl_vat_ore) } td { (s.totals.savings_ore) }
            }
        }
        h3 { (remaining_label) }
        ul { @for (agreement, left) in &s.remaining { li { (agreement) ": " (left) } } }
    };
    let mut text = format!("{intro}\n\n{}\n", text_rows(&course_rows(lang, &s.course)));
    for row in &rows {
        text.push_str(&format!(
            "{} {}: {} {}, {}; {} {}, {} {}, {} {}\n",
            row[0],
            row[1],
            row[2],
            headers[2].to_lowercase(),
            row[3],
            headers[4].to_lowercase(),
            row[4],
            headers[5].to_lowercase(),
            row[5],
            headers[6].to_lowercase(),
            row[6],
        ));
    }
    text.push_str(&format!(
        "{total}: {} {}, {} {}, {} {}\n\n{remaining_label}:\n",
        headers[4].to_lowercase(),
        s.totals.amount_ore,
        headers[5].to_lowercase(),
        s.totals.amount_incl_vat_ore,
        headers[6].to_lowercase(),
        s.totals.savings_ore
    ));
    for (agreement, left) in &s.remaining {
        text.push_str(&format!("  {agreement}: {left}\n"));
    }
    finish(lang, subject, body, text)
}

/// A cohort an organisation was in has been cancelled.
pub fn cancelled(lang: Lang, organisation: &str, course: &CourseFacts, reason: Option<&str>) -> Rendered {
    let subject = format!("{}: {}", lang.pick("Inställt kurstillfälle", "Cohort cancelled"), course.headline());
    let intro = match lang {
        Lang::Sv => format!(
            "Kurstillfället nedan är inställt. {organisation} betalar inget för det; det som redan fakturerats krediteras."
        ),
        Lang::En => format!(
            "The cohort below has been cancelled. {organisation} pays nothing for it; anything already invoiced is credited."
        ),
    };
    let reason_label = lang.pick("Skäl", "Reason");
    let body = html! {
        p { (intro) }
        (table(&course_rows(lang, course)))
        @if let Some(reason) = reason { p { (reason_label) ": " (reason) } }
    };
    let mut text = format!("{intro}\n\n{}", text_rows(&course_rows(lang, course)));
    if let Some(reason) = reason {
        text.push_str(&format!("\n{reason_label}: {reason}\n"));
    }
    finish(lang, subject, body, text)
}

/// Seats an organisation waited for have become its own.
pub fn promoted(lang: Lang, organisation: &str, course: &CourseFacts, seats: i32) -> Rendered {
    let subject = format!("{}: {}", lang.pick("Plats från väntelistan", "Seats from the waitlist"), course.headline());
    let intro = match lang {
        Lang::Sv => format!(
            "Platser har blivit lediga: {organisation} har nu fått de {seats} platser ni stod i kö för i kurstillfället nedan."
        ),
        Lang::En => format!(
            "Seats have come free: {organisation} now has the {seats} seats it was waiting for in the cohort below."
        ),
    };
    let body = html! { p { (intro) } (table(&course_rows(lang, course))) };
    let text = format!("{intro}\n\n{}", text_rows(&course_rows(lang, course)));
    finish(lang, subject, body, text)
}

/// What taking 1, 2, … seats would cost, for an invitation.
#[derive(Debug, Clone)]
pub struct Offer {
    /// (seats, what the organisation would pay, everyone's price per seat after).
    pub prices: Vec<(i32, Ore, Ore)>,
}

/// An invitation to take open seats in a cohort.
pub fn invitation(lang: Lang, organisation: &str, course: &CourseFacts, open_seats: i32, offer: &Offer) -> Rendered {
    let subject = format!("{}: {}", lang.pick("Inbjudan att samläsa", "Invitation to join"), course.headline());
    let intro = match lang {
        Lang::Sv => format!(
            "{organisation} är välkommen att ta platser i kurstillfället nedan; {open_seats} platser är lediga. Priser exkl. moms:"
        ),
        Lang::En => format!(
            "{organisation} is welcome to take seats in the cohort below; {open_seats} seats are open. Prices excl. VAT:"
        ),
    };
    let how = lang.pick(
        "Svara på brevet, eller anslut i Strumpavtal med ert avtal.",
        "Reply to this e-mail, or join in Strumpavtal with your agreement.",
    );
    priced(lang, subject, &intro, course, offer, how)
}

/// An offer: the intro, the course, each price, and how to take it up.
fn priced(lang: Lang, subject: String, intro: &str, course: &CourseFacts, offer: &Offer, how: &str) -> Rendered {
    let rows = offer_rows(lang, offer);
    let body = html! {
        p { (intro) }
        (table(&course_rows(lang, course)))
        table cellpadding="4" { @for (label, value) in &rows { tr { th style="text-align: left" { (label) } td { (value) } } } }
        p { (how) }
    };
    let mut text = format!("{intro}\n\n{}\n", text_rows(&course_rows(lang, course)));
    for (label, value) in &rows {
        text.push_str(&format!("{label}: {value}\n"));
    }
    text.push_str(&format!("\n{how}\n"));
    finish(lang, subject, body, text)
}

/// "2 platser" → "45 000,00 kr (15 000,00 kr per plats för alla)", for each price of an offer.
fn offer_rows(lang: Lang, offer: &Offer) -> Vec<(String, String)> {
    offer
        .prices
        .iter()
        .map(|(seats, you_pay, per_seat)| {
            let label = match (lang, *seats) {
                (Lang::Sv, 1) => "1 plats".to_owned(),
                (Lang::Sv, n) => format!("{n} platser"),
                (Lang::En, 1) => "1 seat".to_owned(),
                (Lang::En, n) => format!("{n} seats"),
            };
            let value = match lang {
                Lang::Sv => format!("{you_pay} ({per_seat} per plats för alla)"),
                Lang::En => format!("{you_pay} ({per_seat} a seat for everyone)"),
            };
            (label, value)
        })
        .collect()
}

/// An invitation to bring the few seats a near-viable cohort lacks.
pub fn near_viable(
    lang: Lang,
    organisation: &str,
    course: &CourseFacts,
    waiting: i32,
    missing: i32,
    offer: &Offer,
) -> Rendered {
    let subject =
        format!("{}: {}", lang.pick("Nästan fullt kurstillfälle", "A cohort nearly viable"), course.headline());
    let intro = match lang {
        Lang::Sv => format!(
            "{waiting} platser är efterfrågade i kursen nedan, men {missing} fattas för att den ska kunna ges. \
             {organisation} är välkommen att lägga till ett behov. Vad det skulle kosta er, exkl. moms:"
        ),
        Lang::En => format!(
            "{waiting} seats are asked for in the course below, but {missing} more are needed for it to run. \
             {organisation} is welcome to add a need. What it would cost you, excl. VAT:"
        ),
    };
    let how = lang.pick(
        "Svara på brevet, eller lägg till behovet i Strumpavtal; nästa planering tar med det.",
        "Reply to this e-mail, or add the need in Strumpavtal; the next plan takes it in.",
    );
    priced(lang, subject, &intro, course, offer, how)
}

fn course_rows(lang: Lang, c: &CourseFacts) -> Vec<(&'static str, String)> {
    let date =
        |d: Option<NaiveDate>| d.map_or_else(|| lang.pick("ej bestämt", "not set").to_owned(), |d| d.to_string());
    vec![
        (lang.pick("Kurs", "Course"), format!("{} {}", c.code, c.title)),
        (lang.pick("Omfattning", "Credits"), c.credits()),
        (lang.pick("Termin", "Term"), c.term.clone()),
        (lang.pick("Startar", "Starts"), date(c.starts_on)),
        (lang.pick("Slutar", "Ends"), date(c.ends_on)),
        (lang.pick("Sista dag för avbokning", "Cancellation deadline"), date(c.cancellation_deadline)),
    ]
}

fn table(rows: &[(&str, String)]) -> Markup {
    html! {
        table cellpadding="4" {
            @for (label, value) in rows { tr { th style="text-align: left" { (label) } td { (value) } } }
        }
    }
}

fn text_rows(rows: &[(&str, String)]) -> String {
    rows.iter().map(|(label, value)| format!("{label}: {value}\n")).collect()
}

fn finish(lang: Lang, subject: String, body: Markup, mut text: String) -> Rendered {
    let footer = lang.pick(
        "Svara på det här brevet för att nå de regionala samordnarna.",
        "Reply to this e-mail to reach the regional coordinators.",
    );
    let html = html! {
        (DOCTYPE)
        html lang=(match lang { Lang::Sv => "sv", Lang::En => "en" }) {
            head { meta charset="utf-8"; title { (subject) } }
            body style="font-family: sans-serif" {
                h2 { (subject) }
                (body)
                p style="color: #555" { (footer) }
            }
        }
    };
    text.push_str(&format!("\n-- \n{footer}\n"));
    Rendered { subject, html: html.into_string(), text }
}

/// Credits as people write them: "7,5" in Swedish, "7.5" in English; whole
/// credits without decimals.
pub fn credits(lang: Lang, tenths: i32) -> String {
    let (whole, tenth) = (tenths / 10, tenths % 10);
    match (tenth, lang) {
        (0, _) => whole.to_string(),
        (_, Lang::Sv) => format!("{whole},{tenth}"),
        (_, Lang::En) => format!("{whole}.{tenth}"),
    }
}

/// The rule's short name, as e-mails and pages show it.
pub fn rule_name(lang: Lang, rule: SplitRule) -> &'static str {
    match rule {
        SplitRule::PerSeat => lang.pick("Per plats", "Per seat"),
        SplitRule::EqualFixed => lang.pick("Lika fast avgift", "Equal fixed fee"),
        SplitRule::EmployeesWeighted => lang.pick("Efter antal anställda", "By employees"),
        SplitRule::HostFixed => lang.pick("Värden betalar fast avgift", "Host pays the fixed fee"),
    }
}

/// The rule in one sentence (rules.md, "Split rules"), for whoever must
/// defend the split.
pub fn rule_explained(lang: Lang, rule: SplitRule) -> &'static str {
    match rule {
        SplitRule::PerSeat => lang.pick(
            "Varje part betalar kurstillfällets hela kostnad i proportion till sina platser.",
            "Each party pays the cohort's whole cost in proportion to its seats.",
        ),
        SplitRule::EqualFixed => lang.pick(
            "Den fasta avgiften delas lika mellan parterna, och var och en betalar platsavgiften för sina egna platser.",
            "The fixed fee is split equally between the parties, and each pays the seat fee for its own seats.",
        ),
        SplitRule::EmployeesWeighted => lang.pick(
            "Den fasta avgiften delas efter organisationernas antal anställda, och var och en betalar platsavgiften för sina egna platser.",
            "The fixed fee is split by the organisations' numbers of employees, and each pays the seat fee for its own seats.",
        ),
        SplitRule::HostFixed => lang.pick(
            "Värdorganisationen betalar hela den fasta avgiften, och var och en betalar platsavgiften för sina egna platser.",
            "The host organisation pays the whole fixed fee, and each pays the seat fee for its own seats.",
        ),
    }
}

/// What kind of invoicing line it is, in words.
pub fn kind_name(lang: Lang, kind: LineKind) -> &'static str {
    match kind {
        LineKind::Invoice => lang.pick("faktura", "invoice"),
        LineKind::Debit => lang.pick("debitering", "debit"),
        LineKind::Credit => lang.pick("kreditering", "credit"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_has_a_name_and_a_sentence_in_both_languages() {
        for rule in SplitRule::ALL {
            for lang in [Lang::Sv, Lang::En] {
                assert!(!rule_name(lang, rule).is_empty());
                assert!(rule_explained(lang, rule).ends_with('.'));
            }
            assert_ne!(rule_explained(Lang::Sv, rule), rule_explained(Lang::En, rule));
        }
    }

    #[test]
    fn credits_are_written_as_people_write_them() {
        assert_eq!(credits(Lang::Sv, 75), "7,5");
        assert_eq!(credits(Lang::En, 75), "7.5");
        assert_eq!(credits(Lang::Sv, 30), "3");
    }

    fn course() -> CourseFacts {
        CourseFacts {
            code: "PSY103".into(),
            title: "Samtalsmetodik <grund>".into(),
            credits_tenths: 75,
            term: "HT 2027".into(),
            starts_on: NaiveDate::from_ymd_opt(2027, 9, 6),
            ends_on: None,
            cancellation_deadline: NaiveDate::from_ymd_opt(2027, 8, 9),
        }
    }

    fn enrolment_of(participants: Vec<(String, String)>) -> Enrolment {
        Enrolment {
            organisation: "Ånge kommun".into(),
            course: course(),
            seats: vec![("SKO-ANG-01".into(), 2)],
            participants,
            partners: vec!["Härnösands kommun".into(), "Kramfors kommun".into()],
            split_rule: SplitRule::PerSeat,
            amount: Ore(2_207_692),
            amount_incl_vat: Ore(2_759_615),
            savings: Ore(10_792_308),
        }
    }

    #[test]
    fn an_enrolment_summary_says_the_same_in_both_parts() {
        let mail = enrolment(Lang::Sv, &enrolment_of(vec![("Anna Berg".into(), "anna.berg@ange.example".into())]));
        assert_eq!(mail.subject, "Kursbekräftelse: PSY103 Samtalsmetodik <grund> (HT 2027)");
        for part in [&mail.html, &mail.text] {
            for expected in [
                "Ånge kommun har 2 platser",
                "7,5 hp",
                "2027-09-06",
                "2027-08-09",
                "SKO-ANG-01",
                "Härnösands kommun, Kramfors kommun",
                "Per plats",
            ] {
                assert!(part.contains(expected), "{expected:?} missing from {part}");
            }
            // 2 207 692 öre and 2 759 615 öre, in kronor with a no-break space.
            assert!(part.contains("22\u{a0}076,92\u{a0}kr") && part.contains("27\u{a0}596,15\u{a0}kr"), "{part}");
            assert!(part.contains("Anna Berg"));
        }
        // Text from the database is escaped in the HTML part.
        assert!(mail.html.contains("Samtalsmetodik &lt;grund&gt;") && !mail.html.contains("<grund>"));
        assert!(mail.text.contains("ej bestämt"), "the end date is not set: {}", mail.text);
    }

    #[test]
    fn english_readers_get_english() {
        let mail = enrolment(Lang::En, &enrolment_of(Vec::new()));
        assert!(mail.subject.starts_with("Enrolment summary: PSY103"));
        assert!(
            mail.text.contains("Ånge kommun holds 2 seats")
                && mail.text.contains("No participants have been named yet.")
        );
        assert!(mail.html.contains("lang=\"en\"") && mail.html.contains("Saved against going alone"));
    }

    #[test]
    fn an_invoicing_summary_lists_each_line_and_the_total() {
        let line = |kind, seats, amount: i64, vat: i64, savings: i64| InvoicingLine {
            id: crate::ids::InvoiceLineId(1),
            invoiced_on: NaiveDate::from_ymd_opt(2027, 2, 1).unwrap(),
            cohort_id: crate::ids::CohortId(3),
            course_code: "PSY103".into(),
            course_title: "Samtalsmetodik".into(),
            term: "HT2027".into(),
            agreement_id: crate::ids::AgreementId(7),
            agreement_reference: "SKO-ANG-01".into(),
            split_version: 1,
            kind,
            seats,
            split_rule: SplitRule::PerSeat,
            amount_ore: Ore(amount),
            vat_ore: Ore(vat),
            amount_incl_vat_ore: Ore(amount + vat),
            savings_ore: Ore(savings),
        };
        let lines = vec![
            line(LineKind::Invoice, 2, 7_500_000, 1_875_000, 6_000_000),
            line(LineKind::Credit, 1, -1_700_000, -425_000, 1_200_000),
        ];
        let summary = InvoicingSummary {
            organisation: "Ånge kommun".into(),
            course: course(),
            totals: InvoicingTotals::of(&lines),
            lines,
            remaining: vec![("SKO-ANG-01".into(), Ore(194_200_000))],
        };
        let mail = invoicing(Lang::Sv, &summary);
        assert_eq!(mail.subject, "Fakturaunderlag: PSY103 Samtalsmetodik <grund> (HT 2027)");
        for part in [&mail.html, &mail.text] {
            // 75 000 kr invoiced, 17 000 kr credited: 58 000 kr, 72 500 kr with VAT.
            for expected in [
                "75\u{a0}000,00\u{a0}kr",
                "−17\u{a0}000,00\u{a0}kr",
                "58\u{a0}000,00\u{a0}kr",
                "72\u{a0}500,00\u{a0}kr",
                "1\u{a0}942\u{a0}000,00\u{a0}kr",
                "kreditering",
            ] {
                assert!(part.contains(expected), "{expected:?} missing from {part}");
            }
        }
    }

    #[test]
    fn a_cancellation_gives_the_reason() {
        let mail = cancelled(Lang::Sv, "Ånge kommun", &course(), Some("För få deltagare"));
        assert!(mail.subject.starts_with("Inställt kurstillfälle: PSY103"));
        assert!(mail.html.contains("För få deltagare") && mail.text.contains("Skäl: För få deltagare"));
    }
}
