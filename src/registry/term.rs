//! Terms: spring (`VT2027`, Jan 1 – Jun 30) and autumn (`HT2027`, Jul 1 – Dec 31).

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Season {
    /// Vårtermin.
    Spring,
    /// Hösttermin.
    Autumn,
}

/// One term. Ordered in time: `VT2027 < HT2027 < VT2028`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Term {
    year: i32,
    season: Season,
}

pub const FIRST_YEAR: i32 = 2000;
pub const LAST_YEAR: i32 = 2099;

impl Term {
    pub fn new(year: i32, season: Season) -> Self {
        Self { year, season }
    }

    /// `VT2027` or `HT2027`; lower case and a space (`vt 2027`) are tolerated.
    pub fn parse(input: &str) -> Result<Self, String> {
        let compact: String = input.trim().to_ascii_uppercase().split_whitespace().collect();
        let bad = || format!("{:?} is not a term; write VT or HT and a year, e.g. VT2027", input.trim());
        if compact.len() != 6 || !compact.is_ascii() {
            return Err(bad());
        }
        let (season, year) = compact.split_at(2);
        let season = match season {
            "VT" => Season::Spring,
            "HT" => Season::Autumn,
            _ => return Err(bad()),
        };
        if !year.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let year: i32 = year.parse().map_err(|_| bad())?;
        if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
            return Err(format!("{compact} is outside the years {FIRST_YEAR}–{LAST_YEAR}"));
        }
        Ok(Self { year, season })
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn season(self) -> Season {
        self.season
    }

    pub fn first_day(self) -> NaiveDate {
        let month = if self.season == Season::Spring { 1 } else { 7 };
        NaiveDate::from_ymd_opt(self.year, month, 1).expect("valid term start")
    }

    pub fn last_day(self) -> NaiveDate {
        let (month, day) = if self.season == Season::Spring { (6, 30) } else { (12, 31) };
        NaiveDate::from_ymd_opt(self.year, month, day).expect("valid term end")
    }

    pub fn next(self) -> Self {
        match self.season {
            Season::Spring => Self::new(self.year, Season::Autumn),
            Season::Autumn => Self::new(self.year + 1, Season::Spring),
        }
    }

    /// The term a date falls in.
    pub fn containing(date: NaiveDate) -> Self {
        use chrono::Datelike;
        let season = if date.month() <= 6 { Season::Spring } else { Season::Autumn };
        Self::new(date.year(), season)
    }

    /// The first term that has not begun on `today` (a term begins on its first day).
    pub fn first_not_begun(today: NaiveDate) -> Self {
        Self::containing(today).next()
    }

    /// Whether the whole term lies within `starts_on ..= ends_on`.
    pub fn lies_within(self, starts_on: NaiveDate, ends_on: NaiveDate) -> bool {
        starts_on <= self.first_day() && self.last_day() <= ends_on
    }

    /// `earliest ..= latest`, in order.
    pub fn range(earliest: Term, latest: Term) -> impl Iterator<Item = Term> {
        std::iter::successors(Some(earliest), |t| Some(t.next())).take_while(move |t| *t <= latest)
    }

    /// Terms counted from year 0: consecutive terms differ by one, so
    /// `b.ordinal() - a.ordinal()` is how many terms `b` lies after `a`.
    pub fn ordinal(self) -> i32 {
        self.year * 2 + if self.season == Season::Spring { 0 } else { 1 }
    }

    /// The term `n` terms after this one.
    pub fn plus(self, n: i32) -> Self {
        let ordinal = self.ordinal() + n;
        let season = if ordinal.rem_euclid(2) == 0 { Season::Spring } else { Season::Autumn };
        Self::new(ordinal.div_euclid(2), season)
    }

    /// How a person reads it: "VT 2027".
    pub fn display_name(self) -> String {
        format!("{} {}", self.season_code(), self.year)
    }

    fn season_code(self) -> &'static str {
        match self.season {
            Season::Spring => "VT",
            Season::Autumn => "HT",
        }
    }
}

/// The code as stored and sent: `VT2027`.
impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.season_code(), self.year)
    }
}

impl Serialize for Term {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Term {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Term::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn codes_round_trip() {
        for code in ["VT2027", "HT2027", "VT2000", "HT2099"] {
            assert_eq!(Term::parse(code).unwrap().to_string(), code);
        }
        assert_eq!(Term::parse(" vt 2027 ").unwrap().to_string(), "VT2027");
        assert_eq!(Term::parse("HT2027").unwrap().display_name(), "HT 2027");
    }

    #[test]
    fn bad_codes_are_refused() {
        for bad in ["", "VT27", "ST2027", "VT20271", "2027VT", "VT-2027", "VTåå27", "HT1999", "VT2100", "V T2027x"] {
            assert!(Term::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn terms_are_ordered_in_time() {
        let vt = Term::parse("VT2027").unwrap();
        let ht = Term::parse("HT2027").unwrap();
        assert!(vt < ht);
        assert!(ht < Term::parse("VT2028").unwrap());
        assert_eq!(vt.next(), ht);
        assert_eq!(Term::range(vt, Term::parse("VT2028").unwrap()).count(), 3);
        assert_eq!(Term::range(ht, vt).count(), 0);
    }

    #[test]
    fn terms_have_the_dates_of_domain_md() {
        let vt = Term::parse("VT2027").unwrap();
        assert_eq!((vt.first_day(), vt.last_day()), (date(2027, 1, 1), date(2027, 6, 30)));
        let ht = Term::parse("HT2027").unwrap();
        assert_eq!((ht.first_day(), ht.last_day()), (date(2027, 7, 1), date(2027, 12, 31)));
    }

    #[test]
    fn a_term_lies_within_an_agreement_only_whole() {
        let ht = Term::parse("HT2027").unwrap();
        assert!(ht.lies_within(date(2025, 1, 1), date(2028, 12, 31)));
        assert!(ht.lies_within(date(2027, 7, 1), date(2027, 12, 31)));
        assert!(!ht.lies_within(date(2027, 7, 2), date(2028, 12, 31)));
        assert!(!ht.lies_within(date(2025, 1, 1), date(2027, 12, 30)));
    }

    #[test]
    fn a_term_has_begun_on_its_first_day() {
        assert_eq!(Term::first_not_begun(date(2026, 11, 29)).to_string(), "VT2027");
        assert_eq!(Term::first_not_begun(date(2027, 1, 1)).to_string(), "HT2027");
        assert_eq!(Term::first_not_begun(date(2026, 12, 31)).to_string(), "VT2027");
        assert_eq!(Term::first_not_begun(date(2027, 6, 30)).to_string(), "HT2027");
    }
}
