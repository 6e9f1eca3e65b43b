//! The course catalogue, for everyone signed in: what the university offers,
//! the size a cohort must have, and what it costs.

use actix_web::{HttpResponse, web};
use maud::html;

use crate::email::messages::credits;
use crate::registry::courses::{self, Course};
use crate::web::AppState;
use crate::web::pages::components::money_cell;
use crate::web::pages::signed_in::{PageError, SignedIn};

/// GET /courses (anyone signed in).
pub async fn list(state: web::Data<AppState>, signed_in: SignedIn) -> Result<HttpResponse, PageError> {
    let found: Vec<Course> = signed_in.run(&state, |conn, _| courses::list(conn)).await?;
    let lang = signed_in.lang;
    let body = html! {
        p { (lang.pick(
            "Ett kurstillfälle kostar den fasta avgiften plus avgiften per plats gånger antalet platser, utan moms.",
            "A cohort costs the fixed fee plus the fee per seat times the number of seats, excluding VAT.",
        )) }
        @if found.is_empty() {
            p { (lang.pick("Katalogen är tom.", "The catalogue is empty.")) }
        } @else {
            div class="table-wrap" {
                table {
                    caption { (lang.pick("Kurser", "Courses")) }
                    thead { tr {
                        th scope="col" { (lang.pick("Kod", "Code")) }
                        th scope="col" { (lang.pick("Namn", "Name")) }
                        th scope="col" class="num" { (lang.pick("Högskolepoäng", "Credits")) }
                        th scope="col" class="num" { (lang.pick("Minst antal platser", "Fewest seats")) }
                        th scope="col" class="num" { (lang.pick("Högst antal platser", "Most seats")) }
                        th scope="col" class="num" { (lang.pick("Fast avgift", "Fixed fee")) }
                        th scope="col" class="num" { (lang.pick("Avgift per plats", "Fee per seat")) }
                    } }
                    tbody {
                        @for course in &found {
                            tr {
                                th scope="row" { (course.code) }
                                td { (course.title) }
                                td class="num" { (credits(lang, course.credits_tenths)) }
                                td class="num" { (course.min_participants) }
                                td class="num" { (course.max_participants) }
                                (money_cell(course.fixed_fee_ore))
                                (money_cell(course.per_participant_fee_ore))
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(signed_in.ok(lang.pick("Kurser", "Courses"), body))
}
