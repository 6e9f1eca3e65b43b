//! The outbox for coordinators: every e-mail the service has queued, as
//! sent, waiting or failed, and a way to send a failed one again.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;

use crate::email::outbox::{self, OutboxFilter, OutboxStatus, OutboxView};
use crate::ids::OutboxId;
use crate::web::AppState;
use crate::web::extract::Query;
use crate::web::pages::components::{FormErrors, csrf_field};
use crate::web::pages::layout::Lang;
use crate::web::pages::sign_in::see_other;
use crate::web::pages::signed_in::{PageError, SignedIn};

/// How many e-mails the page shows, newest first.
const SHOWN: i64 = 200;

/// What people call an e-mail's state: the worker's `queued` and `sending`
/// are both "waiting" to someone reading the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    Sent,
    Waiting,
    Failed,
}

impl Shown {
    pub fn of(status: OutboxStatus) -> Self {
        match status {
            OutboxStatus::Sent => Shown::Sent,
            OutboxStatus::Queued | OutboxStatus::Sending => Shown::Waiting,
            OutboxStatus::Failed => Shown::Failed,
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "sent" => Some(Shown::Sent),
            "waiting" => Some(Shown::Waiting),
            "failed" => Some(Shown::Failed),
            _ => None,
        }
    }

    fn code(self) -> &'static str {
        match self {
            Shown::Sent => "sent",
            Shown::Waiting => "waiting",
            Shown::Failed => "failed",
        }
    }

    fn label(self, lang: Lang) -> &'static str {
        match self {
            Shown::Sent => lang.pick("Skickat", "Sent"),
            Shown::Waiting => lang.pick("Väntar", "Waiting"),
            Shown::Failed => lang.pick("Misslyckades", "Failed"),
        }
    }

    /// The outbox's own statuses this stands for.
    fn statuses(self) -> &'static [OutboxStatus] {
        match self {
            Shown::Sent => &[OutboxStatus::Sent],
            Shown::Waiting => &[OutboxStatus::Queued, OutboxStatus::Sending],
            Shown::Failed => &[OutboxStatus::Failed],
        }
    }
}

pub fn badge(lang: Lang, status: OutboxStatus) -> Markup {
    let shown = Shown::of(status);
    html! { span class={ "badge " (shown.code()) } { (shown.label(lang)) } }
}

#[derive(Debug, Deserialize)]
pub struct OutboxQuery {
    #[serde(default)]
    status: String,
}

/// GET /outbox (coordinators), filtered by `?status=sent|waiting|failed`.
pub async fn list(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    query: Query<OutboxQuery>,
) -> Result<HttpResponse, PageError> {
    signed_in.require_coordinator()?;
    let lang = signed_in.lang;
    let asked = query.into_inner().status;
    let (filter, errors) = match asked.trim() {
        "" | "all" => (None, FormErrors::new()),
        text => match Shown::parse(text) {
            Some(shown) => (Some(shown), FormErrors::new()),
            None => {
                let mut errors = FormErrors::new();
                errors.add(
                    "status",
                    lang.pick(
                        "Välj ett av alternativen: alla, skickade, väntande eller misslyckade.",
                        "Choose one of the options: all, sent, waiting or failed.",
                    ),
                );
                (None, errors)
            }
        },
    };
    let emails = if errors.is_empty() {
        signed_in
            .run(&state, move |conn, caller| {
                let statuses: Vec<Option<OutboxStatus>> = match filter {
                    None => vec![None],
                    Some(shown) => shown.statuses().iter().copied().map(Some).collect(),
                };
                let mut found: Vec<OutboxView> = Vec::new();
                for status in statuses {
                    let filter = OutboxFilter {
                        status: status.map(|s| s.as_str().to_owned()),
                        cohort_id: None,
                        limit: Some(SHOWN),
                    };
                    found.extend(outbox::list(conn, caller, &filter)?);
                }
                found.sort_by_key(|e| std::cmp::Reverse(e.id));
                found.truncate(SHOWN as usize);
                Ok(found)
            })
            .await?
    } else {
        Vec::new()
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let body = html! {
        (errors.summary(lang))
        (filter_form(lang, filter, &errors))
        @if errors.is_empty() {
            @if emails.is_empty() {
                p { (lang.pick("Inga e-brev att visa.", "No e-mails to show.")) }
            } @else {
                (table(lang, &signed_in, &emails))
                @if emails.len() as i64 == SHOWN {
                    p class="hint" { (match lang {
                        Lang::Sv => format!("De {SHOWN} senaste visas."),
                        Lang::En => format!("The latest {SHOWN} are shown."),
                    }) }
                }
            }
        }
    };
    Ok(signed_in.page(status, lang.pick("Utskick", "E-mails"), body))
}

fn filter_form(lang: Lang, chosen: Option<Shown>, errors: &FormErrors) -> Markup {
    let options = [
        (None, lang.pick("Alla", "All")),
        (Some(Shown::Sent), lang.pick("Skickade", "Sent")),
        (Some(Shown::Waiting), lang.pick("Väntande", "Waiting")),
        (Some(Shown::Failed), lang.pick("Misslyckade", "Failed")),
    ];
    html! {
        form method="get" action="/outbox" {
            label for="status" { (lang.pick("Visa", "Show")) }
            (errors.at("status"))
            select id="status" name="status" aria-invalid=[errors.get("status").map(|_| "true")] {
                @for (value, label) in options {
                    option value=(value.map_or("all", Shown::code)) selected[value == chosen] { (label) }
                }
            }
            " "
            button type="submit" class="secondary" { (lang.pick("Visa", "Show")) }
        }
    }
}

fn table(lang: Lang, signed_in: &SignedIn, emails: &[OutboxView]) -> Markup {
    html! {
        div class="table-wrap" {
            table {
                caption { (lang.pick("E-brev, nyast först", "E-mails, newest first")) }
                thead { tr {
                    th scope="col" { (lang.pick("Skapat", "Created")) }
                    th scope="col" { (lang.pick("Till", "To")) }
                    th scope="col" { (lang.pick("Ämne", "Subject")) }
                    th scope="col" { (lang.pick("Läge", "Status")) }
                    th scope="col" class="num" { (lang.pick("Försök", "Attempts")) }
                    th scope="col" { (lang.pick("Senaste fel", "Last error")) }
                    th scope="col" { span class="hint" { (lang.pick("Åtgärd", "Action")) } }
                } }
                tbody {
                    @for email in emails {
                        tr id={ "email-" (email.id) } {
                            td { (email.created_at.format("%Y-%m-%d %H:%M")) }
                            td { (email.to) }
                            td { (email.subject) }
                            td {
                                (badge(lang, email.status))
                                @if let Some(sent) = email.sent_at { br; span class="hint" { (sent.format("%Y-%m-%d %H:%M")) } }
                            }
                            td class="num" { (email.attempts) }
                            td { (email.last_error.as_deref().unwrap_or("")) }
                            td {
                                @if email.status == OutboxStatus::Failed {
                                    form method="post" action={ "/outbox/" (email.id) "/retry" } {
                                        (csrf_field(signed_in))
                                        button type="submit" class="secondary" {
                                            (lang.pick("Försök igen", "Try again"))
                                            span class="visually-hidden" { " " (email.subject) " → " (email.to) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct RetryForm {
    #[serde(default)]
    csrf_token: String,
}

/// POST /outbox/{id}/retry (coordinators): queues a failed e-mail again.
pub async fn retry(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    id: web::Path<i64>,
    form: web::Form<RetryForm>,
) -> Result<HttpResponse, PageError> {
    signed_in.require_coordinator()?;
    signed_in.check_csrf(&form.csrf_token)?;
    let id = OutboxId(id.into_inner());
    signed_in.run(&state, move |conn, caller| outbox::retry(conn, caller, id)).await?;
    Ok(see_other("/outbox"))
}
