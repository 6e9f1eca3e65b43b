//! The periods a finance officer usually reconciles: this and last month,
//! this and last year.

use chrono::{Datelike, NaiveDate};

use crate::web::pages::layout::Lang;

/// A named period with its first and last day.
pub struct Period {
    pub label: &'static str,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

fn month_start(year: i32, month: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, 1).expect("the first of a month exists")
}

fn month_end(year: i32, month: u32) -> NaiveDate {
    let next = if month == 12 { month_start(year + 1, 1) } else { month_start(year, month + 1) };
    next.pred_opt().expect("a day before the first of a month")
}

/// This month, last month, this year and last year, seen from `today`.
pub fn shortcuts(lang: Lang, today: NaiveDate) -> [Period; 4] {
    let (year, month) = (today.year(), today.month());
    let (last_year_of_month, last_month) = if month == 1 { (year - 1, 12) } else { (year, month - 1) };
    [
        Period {
            label: lang.pick("Denna månad", "This month"),
            from: month_start(year, month),
            to: month_end(year, month),
        },
        Period {
            label: lang.pick("Förra månaden", "Last month"),
            from: month_start(last_year_of_month, last_month),
            to: month_end(last_year_of_month, last_month),
        },
        Period { label: lang.pick("I år", "This year"), from: month_start(year, 1), to: month_end(year, 12) },
        Period { label: lang.pick("I fjol", "Last year"), from: month_start(year - 1, 1), to: month_end(year - 1, 12) },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn january_looks_back_to_the_december_before() {
        let [this, last, year, last_year] = shortcuts(Lang::Sv, day(2027, 1, 18));
        assert_eq!((this.from, this.to), (day(2027, 1, 1), day(2027, 1, 31)));
        assert_eq!((last.from, last.to), (day(2026, 12, 1), day(2026, 12, 31)));
        assert_eq!((year.from, year.to), (day(2027, 1, 1), day(2027, 12, 31)));
        assert_eq!((last_year.from, last_year.to), (day(2026, 1, 1), day(2026, 12, 31)));
    }

    #[test]
    fn a_leap_february_ends_on_the_29th() {
        let [this, ..] = shortcuts(Lang::En, day(2028, 2, 10));
        assert_eq!(this.to, day(2028, 2, 29));
        let [_, last, ..] = shortcuts(Lang::En, day(2028, 3, 1));
        assert_eq!((last.from, last.to), (day(2028, 2, 1), day(2028, 2, 29)));
    }
}
