//! What an organisation user does on the pages: keeps its needs (one by one
//! or imported from a spreadsheet), joins cohorts with open seats, and names
//! the participants who take its seats. Coordinators use the same pages for
//! every organisation.

mod import;
mod need_form;
mod needs;
mod open_seats;
mod participants;

use actix_multipart::form::MultipartFormConfig;
use actix_web::web;
use maud::{Markup, html};
use serde::Deserialize;

use super::components::term_name;
use super::layout::Lang;
use super::signed_in::{PageError, SignedIn};
use crate::access::Role;

/// The largest upload read at all; the service's own import limit (smaller)
/// is checked by the page, which can then say so beside the file field.
const UPLOAD_READ_LIMIT: usize = 32 * 1024 * 1024;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/needs").route(web::get().to(needs::list)).route(web::post().to(need_form::create)))
        .service(web::resource("/needs/new").route(web::get().to(need_form::new)))
        .service(
            web::resource("/needs/import")
                .app_data(
                    MultipartFormConfig::default()
                        .memory_limit(UPLOAD_READ_LIMIT)
                        .total_limit(UPLOAD_READ_LIMIT + 64 * 1024)
                        .error_handler(import::unreadable_upload),
                )
                .route(web::get().to(import::form))
                .route(web::post().to(import::preview)),
        )
        .service(
            web::resource("/needs/import/confirm")
                // The normalised rows come back in a hidden field.
                .app_data(web::FormConfig::default().limit(UPLOAD_READ_LIMIT))
                .route(web::post().to(import::confirm)),
        )
        .service(web::resource("/needs/{id}").route(web::post().to(need_form::update)))
        .service(web::resource("/needs/{id}/edit").route(web::get().to(need_form::edit)))
        .service(
            web::resource("/needs/{id}/withdraw")
                .route(web::get().to(needs::withdraw_summary))
                .route(web::post().to(needs::withdraw)),
        )
        .service(web::resource("/open-seats").route(web::get().to(open_seats::list)))
        .service(
            web::resource("/open-seats/{cohort_id}/join")
                .route(web::get().to(open_seats::summary))
                .route(web::post().to(open_seats::join)),
        )
        .service(
            web::resource("/cohorts/{id}/participants")
                .route(web::get().to(participants::list))
                .route(web::post().to(participants::add)),
        )
        .service(
            web::resource("/cohorts/{id}/participants/{participant_id}/remove")
                .route(web::get().to(participants::remove_summary))
                .route(web::post().to(participants::remove)),
        );
}

/// Needs are kept by organisation users and coordinators; finance reads
/// them through its own pages.
fn require_needs_keeper(signed_in: &SignedIn) -> Result<(), PageError> {
    match signed_in.caller().role {
        Role::Organisation | Role::Admin | Role::Coordinator => Ok(()),
        Role::Finance => Err(PageError::Forbidden(signed_in.lang)),
    }
}

/// A window of terms: "VT 2027 – HT 2027", or one term when both ends agree.
fn term_window(earliest: &str, latest: &str) -> String {
    if earliest == latest { term_name(earliest) } else { format!("{} – {}", term_name(earliest), term_name(latest)) }
}

/// What a page says after a change it was redirected from (`?notice=…`).
/// Only known notices are shown, so a link cannot put words on the page.
#[derive(Debug, Default, Deserialize)]
pub struct NoticeQuery {
    #[serde(default)]
    notice: Option<String>,
    #[serde(default)]
    count: Option<usize>,
}

impl NoticeQuery {
    fn render(&self, lang: Lang) -> Markup {
        let count = self.count.unwrap_or(0);
        let text = match (self.notice.as_deref(), lang) {
            (Some("created"), _) => lang.pick("Behovet är sparat.", "The need is saved.").to_owned(),
            (Some("updated"), _) => lang.pick("Ändringarna är sparade.", "The changes are saved.").to_owned(),
            (Some("withdrawn"), _) => lang.pick("Behovet är återkallat.", "The need is withdrawn.").to_owned(),
            (Some("imported"), Lang::Sv) => format!("{count} behov är sparade från filen."),
            (Some("imported"), Lang::En) => format!("{count} needs from the file are saved."),
            (Some("joined"), _) => lang
                .pick(
                    "Ni har gått med i kurstillfället. Nu kan ni ange vilka som ska gå.",
                    "You have joined the cohort. Now you can name who will attend.",
                )
                .to_owned(),
            (Some("added"), _) => lang.pick("Deltagaren är tillagd.", "The participant is added.").to_owned(),
            (Some("removed"), _) => lang.pick("Deltagaren är borttagen.", "The participant is removed.").to_owned(),
            _ => return html! {},
        };
        html! { p class="notice" role="status" { (text) } }
    }
}

/// A whole number typed in a form, or `None`.
fn whole(text: &str) -> Option<i64> {
    text.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_of_terms_reads_as_people_write_it() {
        assert_eq!(term_window("VT2027", "HT2027"), "VT 2027 – HT 2027");
        assert_eq!(term_window("HT2027", "HT2027"), "HT 2027");
        assert_eq!(term_name("XX"), "XX");
    }

    #[test]
    fn only_known_notices_are_shown() {
        let query = NoticeQuery { notice: Some("<script>".into()), count: None };
        assert_eq!(query.render(Lang::Sv).into_string(), "");
        let query = NoticeQuery { notice: Some("imported".into()), count: Some(3) };
        assert!(query.render(Lang::Sv).into_string().contains("3 behov"));
    }
}
