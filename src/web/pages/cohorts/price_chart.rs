//! The price per seat falling as a cohort fills: the course's fixed fee is
//! shared by more seats. An inline SVG with a text alternative, and the same
//! figures as a table for those who would rather read them.

use maud::{Markup, PreEscaped, html};

use super::super::components::money_cell;
use super::super::layout::Lang;
use crate::money::Ore;

/// The average price per seat at `seats` seats, rounded to the öre (halves
/// up): `(fixed + per_seat × seats) / seats`. What one party pays may differ
/// by an öre, as the split rounds each share.
pub fn price_per_seat(fixed: Ore, per_seat: Ore, seats: i32) -> Ore {
    let seats = i64::from(seats.max(1));
    let total = i128::from(fixed.get()) + i128::from(per_seat.get()) * i128::from(seats);
    let seats = i128::from(seats);
    Ore(i64::try_from((2 * total + seats) / (2 * seats)).unwrap_or(i64::MAX))
}

/// (seats, price per seat, total) from `min` to `max` seats.
pub fn points(fixed: Ore, per_seat: Ore, min: i32, max: i32) -> Vec<(i32, Ore, Ore)> {
    let min = min.max(1);
    (min..=max.max(min))
        .map(|n| {
            let total = Ore(fixed.get().saturating_add(per_seat.get().saturating_mul(i64::from(n))));
            (n, price_per_seat(fixed, per_seat, n), total)
        })
        .collect()
}

const WIDTH: i64 = 640;
const HEIGHT: i64 = 300;
const LEFT: i64 = 110;
const RIGHT: i64 = 20;
const TOP: i64 = 20;
const BOTTOM: i64 = 60;

/// The chart, its text alternative and its table; `current` seats are marked.
pub fn chart(lang: Lang, id: &str, fixed: Ore, per_seat: Ore, (min, max): (i32, i32), current: i32) -> Markup {
    let points = points(fixed, per_seat, min, max);
    let (Some(first), Some(last)) = (points.first().copied(), points.last().copied()) else { return html! {} };
    let top_price = first.1.get().max(1);
    let span = i64::from((last.0 - first.0).max(1));
    let x = |n: i32| LEFT + (i64::from(n - first.0) * (WIDTH - LEFT - RIGHT)) / span;
    let y = |price: Ore| TOP + ((top_price - price.get()) * (HEIGHT - TOP - BOTTOM)) / top_price;
    let line: Vec<String> = points.iter().map(|(n, price, _)| format!("{},{}", x(*n), y(*price))).collect();
    let now = points.iter().find(|(n, _, _)| *n == current).copied();
    // Label every seat count when they fit, else about ten of them.
    let step = (points.len() / 10).max(1);
    let summary = match lang {
        Lang::Sv => format!(
            "Priset per plats sjunker från {} vid {} platser till {} vid {} platser.",
            first.1, first.0, last.1, last.0
        ),
        Lang::En => {
            format!("The price per seat falls from {} at {} seats to {} at {} seats.", first.1, first.0, last.1, last.0)
        }
    };
    let now_text = now.map(|(n, price, _)| match lang {
        Lang::Sv => format!("Med dagens {n} platser är det {price} per plats."),
        Lang::En => format!("With today's {n} seats it is {price} per seat."),
    });
    let title = lang.pick("Pris per plats efter antal platser", "Price per seat by number of seats");
    html! {
        figure {
            svg xmlns="http://www.w3.org/2000/svg" viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } role="img"
                aria-labelledby={ (id) "-title " (id) "-desc" } {
                title id={ (id) "-title" } { (title) }
                desc id={ (id) "-desc" } { (summary) @if let Some(text) = &now_text { " " (text) } }
                // Axes.
                line x1=(LEFT) y1=(TOP) x2=(LEFT) y2=(HEIGHT - BOTTOM) stroke="#0b0c0c" stroke-width="2" {}
                line x1=(LEFT) y1=(HEIGHT - BOTTOM) x2=(WIDTH - RIGHT) y2=(HEIGHT - BOTTOM) stroke="#0b0c0c" stroke-width="2" {}
                text x=(LEFT - 8) y=(y(first.1) + 5) text-anchor="end" font-size="13" { (first.1) }
                text x=(LEFT - 8) y=(y(last.1) + 5) text-anchor="end" font-size="13" { (last.1) }
                @for (i, (n, _, _)) in points.iter().enumerate() {
                    @if i % step == 0 || i + 1 == points.len() {
                        text x=(x(*n)) y=(HEIGHT - BOTTOM + 20) text-anchor="middle" font-size="13" { (n) }
                    }
                }
                text x=((LEFT + WIDTH - RIGHT) / 2) y=(HEIGHT - 12) text-anchor="middle" font-size="14" {
                    (lang.pick("Antal platser", "Number of seats"))
                }
                polyline points=(line.join(" ")) fill="none" stroke="#1d70b8" stroke-width="3" {}
                @for (n, price, _) in &points {
                    circle cx=(x(*n)) cy=(y(*price)) r="4" fill="#1d70b8" {}
                }
                @if let Some((n, price, _)) = now {
                    // Marked by shape and words, not by colour alone.
                    rect x=(x(n) - 8) y=(y(price) - 8) width="16" height="16" fill="none" stroke="#0b0c0c" stroke-width="3" {}
                    text x=(x(n)) y=(y(price) - 14) text-anchor="middle" font-size="13" font-weight="700" {
                        (lang.pick("Nu", "Now")) (PreEscaped("&#160;")) (n)
                    }
                }
            }
            figcaption { (summary) @if let Some(text) = &now_text { " " (text) } }
        }
        details {
            summary { (lang.pick("Visa som tabell", "Show as a table")) }
            div class="table-wrap" {
                table {
                    caption { (title) }
                    thead {
                        tr {
                            th scope="col" class="num" { (lang.pick("Platser", "Seats")) }
                            th scope="col" class="num" { (lang.pick("Pris per plats", "Price per seat")) }
                            th scope="col" class="num" { (lang.pick("Totalt exkl. moms", "Total excl. VAT")) }
                        }
                    }
                    tbody {
                        @for (n, price, total) in &points {
                            tr {
                                th scope="row" class="num" {
                                    (n) @if *n == current { " " (lang.pick("(nu)", "(now)")) }
                                }
                                (money_cell(*price))
                                (money_cell(*total))
                            }
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

    #[test]
    fn the_price_per_seat_is_the_total_shared_by_the_seats() {
        // 120 000 kr fixed + 5 000 kr a seat: 6 seats cost 150 000 kr, 25 000 kr each.
        assert_eq!(price_per_seat(Ore(12_000_000), Ore(500_000), 6), Ore(2_500_000));
        // 7 seats: 15 500 000 / 7 = 2 214 285.71… → 2 214 286 öre.
        assert_eq!(price_per_seat(Ore(12_000_000), Ore(500_000), 7), Ore(2_214_286));
        let points = points(Ore(12_000_000), Ore(500_000), 2, 4);
        assert_eq!(points.iter().map(|p| p.0).collect::<Vec<_>>(), [2, 3, 4]);
        assert_eq!(points[0].1, Ore(6_500_000));
        assert_eq!(points[2].2, Ore(14_000_000));
        assert!(points.windows(2).all(|w| w[1].1 < w[0].1), "falls as the cohort fills");
    }

    #[test]
    fn the_chart_has_a_text_alternative_a_marked_current_size_and_a_table() {
        let html = chart(Lang::Sv, "pris", Ore(12_000_000), Ore(500_000), (2, 10), 6).into_string();
        assert!(html.contains("role=\"img\"") && html.contains("aria-labelledby=\"pris-title pris-desc\""), "{html}");
        assert!(
            html.contains("från 65\u{a0}000,00\u{a0}kr vid 2 platser till 17\u{a0}000,00\u{a0}kr vid 10 platser"),
            "{html}"
        );
        assert!(html.contains("Med dagens 6 platser är det 25\u{a0}000,00\u{a0}kr per plats."), "{html}");
        assert!(html.contains("<details>") && html.contains("6 (nu)"), "{html}");
        assert!(chart(Lang::En, "p", Ore(1), Ore(1), (3, 3), 3).into_string().contains("at 3 seats"));
    }
}
