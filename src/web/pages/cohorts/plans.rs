//! Planning (coordinators): run the planner, read what it proposes, and
//! invite organisations to cohorts that lack a few seats.

use std::collections::{BTreeMap, BTreeSet};

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;

use super::super::components::{FormErrors, cohort_badge, csrf_field, money};
use super::super::layout::Lang;
use super::super::sign_in::see_other;
use super::super::signed_in::{PageError, SignedIn};
use super::split_table::{self, names_of};
use super::{notice, term_name};
use crate::cohorts::CohortStatus;
use crate::cohorts::plans::{self, PlanView, UnplacedView};
use crate::enrolment::invitations::{self, NearViableInviteInput};
use crate::error::AppError;
use crate::ids::{OrganisationId, PlanId};
use crate::registry::organisations::{self, Organisation};
use crate::web::AppState;
use crate::web::extract::Query;

#[derive(Debug, Default, Deserialize)]
pub struct RunForm {
    #[serde(default)]
    csrf_token: String,
}

/// The latest plan and the button that runs the planner again.
pub async fn index(state: web::Data<AppState>, signed_in: SignedIn) -> Result<HttpResponse, PageError> {
    signed_in.require_coordinator()?;
    let vat = state.settings.pricing.vat();
    let latest = signed_in
        .run(&state, move |conn, caller| match plans::latest(conn, caller)? {
            Some(id) => plans::get(conn, caller, id, vat).map(Some),
            None => Ok(None),
        })
        .await?;
    let lang = signed_in.lang;
    let body = html! {
        p { (lang.pick(
            "Planeringen lägger alla öppna behov i gällande avtal i kurstillfällen, så att flest platser blir av till lägst kostnad. Tidigare förslag ersätts; bekräftade kurstillfällen ligger kvar.",
            "The planner places every open need of the active agreements in cohorts, so that the most seats run at the lowest cost. Earlier proposals are replaced; confirmed cohorts stay.",
        )) }
        form method="post" action="/plans" {
            (csrf_field(&signed_in))
            button type="submit" { (lang.pick("Kör planeringen", "Run the planner")) }
        }
        h2 { (lang.pick("Senaste planeringen", "The latest plan")) }
        @match &latest {
            Some(plan) => {
                p {
                    a href={ "/plans/" (plan.id) } { (plan_heading(lang, plan)) }
                }
                (summary(lang, plan))
            }
            None => p { (lang.pick("Ingen planering har körts än.", "The planner has not been run yet.")) }
        }
    };
    Ok(signed_in.ok(lang.pick("Planering", "Planning"), body))
}

/// Runs the planner, as `POST /api/v1/plans` does, and shows its plan.
pub async fn run(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    form: web::Form<RunForm>,
) -> Result<HttpResponse, PageError> {
    signed_in.require_coordinator()?;
    signed_in.check_csrf(&form.csrf_token)?;
    let plan_run = state.plan_run();
    let plan = signed_in.run(&state, move |conn, caller| plan_run.run(conn, caller)).await?;
    Ok(see_other(&format!("/plans/{}", plan.id)))
}

#[derive(Debug, Default, Deserialize)]
pub struct InvitedQuery {
    #[serde(default)]
    invited: Option<String>,
    #[serde(default)]
    not_invited: Option<String>,
}

/// A plan's proposed cohorts and what it could not place.
pub async fn show(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    id: web::Path<i64>,
    query: Query<InvitedQuery>,
) -> Result<HttpResponse, PageError> {
    signed_in.require_coordinator()?;
    let (plan, organisations) = load(&state, &signed_in, PlanId(id.into_inner())).await?;
    let count = |text: &Option<String>| text.as_deref().and_then(|t| t.parse::<usize>().ok());
    let message = count(&query.invited).map(|invited| {
        let not_invited = count(&query.not_invited).unwrap_or(0);
        match signed_in.lang {
            Lang::Sv => format!("{invited} organisationer har bjudits in. {not_invited} kunde inte bjudas in."),
            Lang::En => format!("{invited} organisations were invited. {not_invited} could not be invited."),
        }
    });
    let page = PlanPage { plan: &plan, organisations: &organisations, message, invite: None };
    Ok(render(&signed_in, &page, StatusCode::OK))
}

async fn load(state: &AppState, signed_in: &SignedIn, id: PlanId) -> Result<(PlanView, Vec<Organisation>), PageError> {
    let vat = state.settings.pricing.vat();
    signed_in
        .run(state, move |conn, caller| {
            let plan = plans::get(conn, caller, id, vat)?;
            let organisations = organisations::list(conn, caller.scope())?;
            Ok((plan, organisations))
        })
        .await
}

/// Invites organisations to a near-viable cohort, as
/// `POST /api/v1/plans/{id}/invite` does. The checkboxes repeat the name
/// `organisation_ids`, so the form is read as pairs.
pub async fn invite(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    signed_in.require_coordinator()?;
    let fields = form.into_inner();
    let value = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    signed_in.check_csrf(&value("csrf_token"))?;
    let id = PlanId(id.into_inner());
    let (course_code, term) = (value("course_code"), value("term"));
    let chosen: Vec<String> = fields.iter().filter(|(k, _)| k == "organisation_ids").map(|(_, v)| v.clone()).collect();
    let mut errors = FormErrors::new();
    let field = invite_field(&course_code, &term);
    if chosen.is_empty() {
        let message = signed_in
            .lang
            .pick("Välj minst en organisation att bjuda in.", "Choose at least one organisation to invite.");
        errors.add(&field, message);
    }
    let organisation_ids: Vec<i64> = chosen.iter().filter_map(|v| v.trim().parse().ok()).collect();
    if errors.is_empty() {
        let ctx = state.change_context();
        let input = NearViableInviteInput { course_code: course_code.clone(), term: term.clone(), organisation_ids };
        let sent = signed_in
            .run(&state, move |conn, caller| Ok(invitations::invite_to_near_viable(conn, caller, &ctx, id, input)))
            .await?;
        match sent {
            Ok(sent) => {
                return Ok(see_other(&format!(
                    "/plans/{id}?invited={}&not_invited={}",
                    sent.invited.len(),
                    sent.not_invited.len()
                )));
            }
            Err(error) => match FormErrors::from_refusal(&error) {
                Some(refused) => {
                    let refused_fields = match &error {
                        AppError::Validation { fields, .. } | AppError::Conflict { fields, .. } => fields.clone(),
                        _ => Default::default(),
                    };
                    if refused_fields.is_empty() {
                        errors = refused;
                    } else {
                        // Every problem belongs beside this group's checkboxes.
                        for message in refused_fields.values() {
                            errors.add(&field, message.clone());
                        }
                    }
                }
                None => return Err(signed_in.fail(error)),
            },
        }
    }
    let (plan, organisations) = load(&state, &signed_in, id).await?;
    let page = PlanPage {
        plan: &plan,
        organisations: &organisations,
        message: None,
        invite: Some(Invite { field, chosen, errors }),
    };
    Ok(render(&signed_in, &page, StatusCode::UNPROCESSABLE_ENTITY))
}

/// The form field of one near-viable group's checkboxes.
fn invite_field(course_code: &str, term: &str) -> String {
    let clean = |s: &str| s.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>();
    format!("invite-{}-{}", clean(course_code), clean(term))
}

/// What was posted to an invitation form that could not be sent.
struct Invite {
    field: String,
    chosen: Vec<String>,
    errors: FormErrors,
}

struct PlanPage<'a> {
    plan: &'a PlanView,
    organisations: &'a [Organisation],
    message: Option<String>,
    invite: Option<Invite>,
}

fn plan_heading(lang: Lang, plan: &PlanView) -> String {
    let at = plan.created_at.format("%Y-%m-%d %H:%M");
    match lang {
        Lang::Sv => format!("Planering {} från {at} (UTC)", plan.id),
        Lang::En => format!("Plan {} of {at} (UTC)", plan.id),
    }
}

/// The plan's figures at a glance.
fn summary(lang: Lang, plan: &PlanView) -> Markup {
    let s = &plan.summary;
    html! {
        ul class="figures" {
            li { strong { (s.cohorts) } (lang.pick("kurstillfällen", "cohorts")) }
            li {
                strong { (s.firm_seats_placed) " / " (s.firm_seats_requested) }
                (lang.pick("platser placerade av önskade", "seats placed of those asked for"))
            }
            li { strong { (money(s.total_cost_ore)) } (lang.pick("kostnad exkl. moms", "cost excl. VAT")) }
            li { strong { (money(s.savings_ore)) } (lang.pick("besparing mot att gå ensam", "savings against going alone")) }
        }
        @if !s.optimal {
            p { (match lang {
                Lang::Sv => format!(
                    "Planeringen hann inte bevisa att förslaget är bäst: som mest {} platser till kunde placeras, eller kostnaden bli {} lägre.",
                    s.firm_seats_gap, s.cost_gap_ore
                ),
                Lang::En => format!(
                    "The planner could not prove this plan best: at most {} more seats could be placed, or the cost be {} lower.",
                    s.firm_seats_gap, s.cost_gap_ore
                ),
            }) }
        }
    }
}

fn reason_text(lang: Lang, reason: &str) -> &'static str {
    match reason {
        "below_minimum" => lang.pick("För få platser för kursens minimum", "Too few seats for the course's minimum"),
        "no_open_term" => {
            lang.pick("Alla terminer i önskat intervall har börjat", "Every term of the window has begun")
        }
        "search_limit" => {
            lang.pick("Planeringen avbröts innan allt prövats", "The planner stopped before trying everything")
        }
        _ => lang.pick("Annat skäl", "Another reason"),
    }
}

fn render(signed_in: &SignedIn, page: &PlanPage<'_>, status: StatusCode) -> HttpResponse {
    let lang = signed_in.lang;
    let plan = page.plan;
    let names: BTreeMap<OrganisationId, &str> = page.organisations.iter().map(|o| (o.id, o.name.as_str())).collect();
    let errors = page.invite.as_ref().map(|i| i.errors.clone()).unwrap_or_default();
    // Near-viable cohorts: unplaced seats of one course in one term, short of the minimum.
    let mut near: BTreeMap<(String, String), Vec<&UnplacedView>> = BTreeMap::new();
    for u in &plan.unplaced {
        if let (Some(term), Some(_)) = (&u.term, u.missing_seats)
            && u.reason == "below_minimum"
        {
            near.entry((u.course_code.clone(), term.clone())).or_default().push(u);
        }
    }
    let body = html! {
        @if let Some(message) = &page.message { (notice(message)) }
        (errors.summary(lang))
        p { (plan_heading(lang, plan)) ". "
            (match lang {
                Lang::Sv => format!("Första terminen som planerades: {}.", term_name(&plan.first_term)),
                Lang::En => format!("First term planned: {}.", term_name(&plan.first_term)),
            })
        }
        (summary(lang, plan))
        h2 { (lang.pick("Föreslagna kurstillfällen", "Proposed cohorts")) }
        @if plan.cohorts.is_empty() {
            p { (lang.pick("Planeringen föreslår inga kurstillfällen.", "The plan proposes no cohorts.")) }
        }
        @for cohort in &plan.cohorts {
            section aria-labelledby={ "cohort-" (cohort.id) } {
                h3 id={ "cohort-" (cohort.id) } {
                    (cohort.course_code) " " (cohort.course_title) ", " (term_name(&cohort.term)) " "
                    (cohort_badge(lang, cohort.status, cohort.invoiced))
                }
                p { (match lang {
                    Lang::Sv => format!(
                        "{} platser ({} fasta, {} extra); kursen tar {}–{}. Kostnad {} exkl. moms.",
                        cohort.size, cohort.firm_seats, cohort.extra_seats, cohort.min_participants, cohort.max_participants, cohort.total_ore
                    ),
                    Lang::En => format!(
                        "{} seats ({} firm, {} extra); the course takes {}–{}. Cost {} excl. VAT.",
                        cohort.size, cohort.firm_seats, cohort.extra_seats, cohort.min_participants, cohort.max_participants, cohort.total_ore
                    ),
                }) }
                div class="table-wrap" {
                    table {
                        caption { (lang.pick("Platser per avtal", "Seats by agreement")) }
                        thead { tr {
                            th scope="col" { (lang.pick("Organisation", "Organisation")) }
                            th scope="col" class="num" { (lang.pick("Avtal (id)", "Agreement (id)")) }
                            th scope="col" class="num" { (lang.pick("Fasta platser", "Firm seats")) }
                            th scope="col" class="num" { (lang.pick("Extra platser", "Extra seats")) }
                        } }
                        tbody {
                            @for a in &cohort.allocations {
                                tr {
                                    th scope="row" { (a.organisation_name) }
                                    td class="num" { (a.agreement_id) }
                                    td class="num" { (a.seats) }
                                    td class="num" { (a.extra_seats) }
                                }
                            }
                        }
                    }
                }
                (split_table::table(
                    lang,
                    lang.pick("Fördelning per plats (förhandsvisning)", "Split per seat (preview)"),
                    &cohort.per_seat.shares,
                    &names_of(cohort),
                ))
                @if cohort.status == CohortStatus::Proposed {
                    p { a class="button" href={ "/cohorts/" (cohort.id) "/confirm" } {
                        (lang.pick("Granska och bekräfta", "Review and confirm"))
                        span class="visually-hidden" { " " (cohort.course_code) " " (term_name(&cohort.term)) }
                    } }
                } @else {
                    p { a href={ "/cohorts/" (cohort.id) } { (lang.pick("Till kurstillfället", "To the cohort")) } }
                }
            }
        }
        h2 { (lang.pick("Behov som inte fick plats", "Needs not placed")) }
        @if plan.unplaced.is_empty() {
            p { (lang.pick("Alla fasta platser placerades.", "Every firm seat was placed.")) }
        } @else {
            div class="table-wrap" {
                table {
                    thead { tr {
                        th scope="col" { (lang.pick("Organisation", "Organisation")) }
                        th scope="col" { (lang.pick("Kurs", "Course")) }
                        th scope="col" class="num" { (lang.pick("Platser", "Seats")) }
                        th scope="col" { (lang.pick("Varför", "Why")) }
                        th scope="col" { (lang.pick("Närmast i termin", "Nearest term")) }
                        th scope="col" class="num" { (lang.pick("Platser som saknas", "Seats missing")) }
                    } }
                    tbody {
                        @for u in &plan.unplaced {
                            tr {
                                th scope="row" { (names.get(&u.organisation_id).copied().unwrap_or("")) }
                                td { (u.course_code) }
                                td class="num" { (u.seats) }
                                td { (reason_text(lang, &u.reason)) }
                                td { (u.term.as_deref().map(term_name).unwrap_or_default()) }
                                td class="num" { @if let Some(m) = u.missing_seats { (m) } }
                            }
                        }
                    }
                }
            }
        }
        @for ((course, term), waiting) in &near {
            (near_viable(signed_in, plan, course, term, waiting, page))
        }
    };
    signed_in.page(status, lang.pick("Planeringsförslag", "Proposed plan"), body)
}

/// One near-viable cohort: how many seats it lacks, and a form to invite
/// organisations to bring them.
fn near_viable(
    signed_in: &SignedIn,
    plan: &PlanView,
    course: &str,
    term: &str,
    waiting: &[&UnplacedView],
    page: &PlanPage<'_>,
) -> Markup {
    let lang = signed_in.lang;
    let field = invite_field(course, term);
    let missing = waiting.iter().filter_map(|u| u.missing_seats).min().unwrap_or(0);
    let seats: i32 = waiting.iter().map(|u| u.seats).sum();
    let in_it: BTreeSet<OrganisationId> = waiting.iter().map(|u| u.organisation_id).collect();
    let posted = page.invite.as_ref().filter(|i| i.field == field);
    let errors = posted.map(|i| i.errors.clone()).unwrap_or_default();
    let checked = |id: OrganisationId| posted.is_some_and(|i| i.chosen.iter().any(|c| c.trim() == id.0.to_string()));
    html! {
        section aria-labelledby={ (field) "-heading" } {
            h3 id={ (field) "-heading" } {
                (match lang {
                    Lang::Sv => format!("Nästan ett kurstillfälle: {course}, {}", term_name(term)),
                    Lang::En => format!("Nearly a cohort: {course}, {}", term_name(term)),
                })
            }
            p { strong { (match lang {
                Lang::Sv => format!("Det saknas {missing} platser."),
                Lang::En => format!("{missing} seats are missing."),
            }) } " " (match lang {
                Lang::Sv => format!("{seats} platser väntar. Bjud in fler organisationer att anmäla behov, så kan nästa planering bilda kurstillfället."),
                Lang::En => format!("{seats} seats are waiting. Invite more organisations to add needs, so that the next plan can form the cohort."),
            }) }
            form method="post" action={ "/plans/" (plan.id) "/invite" } {
                (csrf_field(signed_in))
                input type="hidden" name="course_code" value=(course);
                input type="hidden" name="term" value=(term);
                fieldset id=(field) aria-describedby=[errors.get(&field).map(|_| format!("{field}-error"))] {
                    legend { (lang.pick("Organisationer att bjuda in", "Organisations to invite")) }
                    (errors.at(&field))
                    @for o in page.organisations.iter().filter(|o| !in_it.contains(&o.id)) {
                        div {
                            input type="checkbox" id={ (field) "-" (o.id) } name="organisation_ids" value=(o.id)
                                checked[checked(o.id)];
                            " "
                            label for={ (field) "-" (o.id) } { (o.name) }
                        }
                    }
                }
                button type="submit" { (lang.pick("Bjud in", "Invite")) }
            }
        }
    }
}
