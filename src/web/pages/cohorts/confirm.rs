//! Confirming a proposed cohort (coordinators): one page with the cohort,
//! the split rule, the host, the dates and what each party would pay; a
//! preview button that computes the split without storing it, and one
//! button that confirms.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::{Days, NaiveDate};
use maud::{Markup, html};
use serde::Deserialize;

use super::super::components::{FormErrors, cohort_badge, csrf_field, money, money_cell, text_field};
use super::super::layout::Lang;
use super::super::sign_in::see_other;
use super::super::signed_in::{PageError, SignedIn};
use super::split_table::{self, names_of};
use super::{rule_explained, rule_name, term_name};
use crate::cohorts::confirm::{self, ConfirmInput};
use crate::cohorts::{self, CohortStatus, CohortView};
use crate::error::AppError;
use crate::ids::{CohortId, OrganisationId};
use crate::invoicing::ledger::{self, Shortfall};
use crate::registry::term::Term;
use crate::splitting::{self, CourseFees, Split, SplitRule};
use crate::web::AppState;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    split_rule: String,
    #[serde(default)]
    host_organisation_id: String,
    #[serde(default)]
    starts_on: String,
    #[serde(default)]
    ends_on: String,
    #[serde(default)]
    cancellation_deadline: String,
    #[serde(default)]
    override_budget_reason: String,
    /// `preview` re-renders with the split; anything else confirms.
    #[serde(default)]
    action: String,
    #[serde(default)]
    csrf_token: String,
}

/// What the page shows besides the form: the cohort, and the split under
/// the chosen rule with the budgets it would take past their limit.
struct Context {
    view: CohortView,
    preview: Option<Result<Preview, String>>,
}

struct Preview {
    split: Split,
    shortfalls: Vec<Shortfall>,
}

/// The page with sensible defaults: the configured rule, the organisation
/// with the most seats as host, the term's dates, and the usual notice.
pub async fn form(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    signed_in.require_coordinator()?;
    let id = CohortId(id.into_inner());
    let (rule, today) = (state.settings.pricing.default_split_rule, state.today());
    let notice_days = state.settings.pricing.cancellation_notice_days;
    let (context, form) = load(&state, &signed_in, id, move |view| {
        let form = defaults(view, rule, today, notice_days);
        let choice = Some(chosen(&form));
        (choice, form)
    })
    .await?;
    Ok(render(&signed_in, &context, &form, &FormErrors::new(), None, StatusCode::OK))
}

fn defaults(view: &CohortView, rule: SplitRule, today: NaiveDate, notice_days: u32) -> ConfirmForm {
    let term = Term::parse(&view.term).ok();
    let starts_on = term.map(Term::first_day);
    let deadline = starts_on.and_then(|s| s.checked_sub_days(Days::new(u64::from(notice_days)))).map(|d| d.max(today));
    let date = |d: Option<NaiveDate>| d.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default();
    ConfirmForm {
        split_rule: rule.as_str().to_owned(),
        host_organisation_id: hosts(view).first().map(|(id, _, _)| id.0.to_string()).unwrap_or_default(),
        starts_on: date(starts_on),
        ends_on: date(term.map(Term::last_day)),
        cancellation_deadline: date(deadline),
        ..ConfirmForm::default()
    }
}

/// The partner organisations with their seats, the most seats first.
fn hosts(view: &CohortView) -> Vec<(OrganisationId, String, i32)> {
    let mut seats: BTreeMap<OrganisationId, (String, i32)> = BTreeMap::new();
    for a in &view.allocations {
        let entry = seats.entry(a.organisation_id).or_insert((a.organisation_name.clone(), 0));
        entry.1 += a.seats + a.extra_seats;
    }
    let mut hosts: Vec<_> = seats.into_iter().map(|(id, (name, seats))| (id, name, seats)).collect();
    hosts.sort_by(|a, b| b.2.cmp(&a.2).then(a.1.cmp(&b.1)));
    hosts
}

/// The rule and host the form asks for, when it names a rule.
fn chosen(form: &ConfirmForm) -> (SplitRule, Option<OrganisationId>) {
    let rule = SplitRule::parse(&form.split_rule).unwrap_or(SplitRule::PerSeat);
    let host = form.host_organisation_id.trim().parse().ok().map(OrganisationId);
    (rule, if rule == SplitRule::HostFixed { host } else { None })
}

/// The cohort, and with the rule `choose` picks for it the split it would
/// get, computed by the split rules themselves and never stored.
async fn load<T: Send + 'static>(
    state: &AppState,
    signed_in: &SignedIn,
    id: CohortId,
    choose: impl FnOnce(&CohortView) -> (Option<(SplitRule, Option<OrganisationId>)>, T) + Send + 'static,
) -> Result<(Context, T), PageError> {
    let today = state.today();
    let vat = state.settings.pricing.vat();
    signed_in
        .run(state, move |conn, caller| {
            caller.require_coordinator("confirm cohorts")?;
            let view = cohorts::get(conn, caller, today, id, vat)?;
            let (choice, extra) = choose(&view);
            let Some((rule, host)) = choice.filter(|_| !view.allocations.is_empty()) else {
                return Ok((Context { view, preview: None }, extra));
            };
            let rows = cohorts::allocations(conn, id)?;
            let parties = cohorts::splits::parties(conn, &rows)?;
            let fees = CourseFees {
                fixed_fee: view.fixed_fee_ore,
                per_participant_fee: view.per_participant_fee_ore,
                min_participants: view.min_participants,
            };
            let host = confirm::host_agreement(&rows, host);
            let preview = match splitting::split(rule, &fees, &parties, host, vat) {
                Ok(split) => {
                    let shortfalls = ledger::shortfalls(conn, id, &split.shares)?;
                    Ok(Preview { split, shortfalls })
                }
                Err(error) => Err(error.to_string()),
            };
            Ok((Context { view, preview: Some(preview) }, extra))
        })
        .await
}

/// Checks what the page itself can, in the reader's language: a rule is
/// chosen, a host under `host_fixed`, and dates are dates.
fn check(lang: Lang, form: &ConfirmForm) -> FormErrors {
    let mut errors = FormErrors::new();
    if SplitRule::parse(&form.split_rule).is_err() {
        errors.add("split_rule", lang.pick("Välj hur kostnaden ska fördelas.", "Choose how the cost is split."));
    } else if SplitRule::parse(&form.split_rule) == Ok(SplitRule::HostFixed)
        && form.host_organisation_id.trim().parse::<i64>().is_err()
    {
        errors.add(
            "host_organisation_id",
            lang.pick("Välj vilken organisation som är värd.", "Choose the organisation that hosts."),
        );
    }
    for field in ["starts_on", "ends_on", "cancellation_deadline"] {
        let text = match field {
            "starts_on" => &form.starts_on,
            "ends_on" => &form.ends_on,
            _ => &form.cancellation_deadline,
        };
        if !text.trim().is_empty() && NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").is_err() {
            errors.add(
                field,
                lang.pick(
                    "Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2027-01-18.",
                    "Write the date as YYYY-MM-DD, for example 2027-01-18.",
                ),
            );
        }
    }
    errors
}

fn input_of(form: &ConfirmForm) -> ConfirmInput {
    let some = |text: &str| (!text.trim().is_empty()).then(|| text.trim().to_owned());
    let (rule, host) = chosen(form);
    ConfirmInput {
        split_rule: Some(rule.as_str().to_owned()),
        host_organisation_id: host.map(|h| h.0),
        starts_on: some(&form.starts_on),
        ends_on: some(&form.ends_on),
        cancellation_deadline: some(&form.cancellation_deadline),
        override_budget_reason: some(&form.override_budget_reason),
    }
}

/// Previews the split, or confirms the cohort as
/// `POST /api/v1/cohorts/{id}/confirm` does.
pub async fn submit(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    id: web::Path<i64>,
    form: web::Form<ConfirmForm>,
) -> Result<HttpResponse, PageError> {
    signed_in.require_coordinator()?;
    signed_in.check_csrf(&form.csrf_token)?;
    let (id, form, lang) = (CohortId(id.into_inner()), form.into_inner(), signed_in.lang);
    let mut errors = check(lang, &form);
    let rule = SplitRule::parse(&form.split_rule).is_ok().then(|| chosen(&form));
    if form.action == "preview" || !errors.is_empty() {
        let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
        let (context, ()) = load(&state, &signed_in, id, move |_| (rule, ())).await?;
        return Ok(render(&signed_in, &context, &form, &errors, None, status));
    }
    let ctx = state.change_context();
    let input = input_of(&form);
    let outcome =
        signed_in.run(&state, move |conn, caller| Ok(confirm::confirm(conn, caller, &ctx, id, input))).await?;
    let (status, shortfalls) = match outcome {
        Ok(_) => return Ok(see_other(&format!("/cohorts/{id}?notice=confirmed"))),
        Err(AppError::OverBudget(shortfalls)) => {
            errors.add(
                "override_budget_reason",
                lang.pick(
                    "Budgeten räcker inte för alla avtal. Skriv varför kurstillfället ändå ska bekräftas, eller välj en annan fördelning.",
                    "The budget does not cover every agreement. Write why the cohort should be confirmed anyway, or choose another split.",
                ),
            );
            (StatusCode::CONFLICT, Some(shortfalls))
        }
        Err(error @ (AppError::Validation { .. } | AppError::Conflict { .. })) => {
            let fields = match &error {
                AppError::Validation { fields, .. } | AppError::Conflict { fields, .. } => fields.clone(),
                _ => unreachable!("matched above"),
            };
            if fields.is_empty() {
                errors.add("form", error.to_string());
            } else {
                // The cohort's own state has no field: it goes above the form.
                errors.extend_from(&fields, |f| if f == "cohort" { "form".to_owned() } else { f.to_owned() });
            }
            (StatusCode::UNPROCESSABLE_ENTITY, None)
        }
        Err(other) => return Err(signed_in.fail(other)),
    };
    let (context, ()) = load(&state, &signed_in, id, move |_| (rule, ())).await?;
    Ok(render(&signed_in, &context, &form, &errors, shortfalls.as_deref(), status))
}

fn render(
    signed_in: &SignedIn,
    context: &Context,
    form: &ConfirmForm,
    errors: &FormErrors,
    refused: Option<&[Shortfall]>,
    status: StatusCode,
) -> HttpResponse {
    let lang = signed_in.lang;
    let view = &context.view;
    let title = match lang {
        Lang::Sv => format!("Bekräfta {} {}", view.course_code, term_name(&view.term)),
        Lang::En => format!("Confirm {} {}", view.course_code, term_name(&view.term)),
    };
    if view.status != CohortStatus::Proposed {
        let body = html! {
            p { (cohort_badge(lang, view.status, view.invoiced)) " "
                (lang.pick("Bara föreslagna kurstillfällen kan bekräftas.", "Only proposed cohorts can be confirmed.")) }
            p { a href={ "/cohorts/" (view.id) } { (lang.pick("Till kurstillfället", "To the cohort")) } }
        };
        return signed_in.page(status, &title, body);
    }
    let preview = context.preview.as_ref().and_then(|p| p.as_ref().ok());
    // The shortfalls of the refusal, or else those the preview foresees.
    let shortfalls: &[Shortfall] = refused.or(preview.map(|p| p.shortfalls.as_slice())).unwrap_or(&[]);
    let chosen_rule = SplitRule::parse(&form.split_rule).ok();
    let host_invalid = errors.get("host_organisation_id").is_some();
    let body = html! {
        (errors.summary(lang))
        @if let Some(message) = errors.get("form") { p class="error" id="form" { (message) } }
        (summary(lang, view))
        form method="post" action={ "/cohorts/" (view.id) "/confirm" } novalidate {
            (csrf_field(signed_in))
            fieldset id="split_rule" aria-describedby=[errors.get("split_rule").map(|_| "split_rule-error")] {
                legend { (lang.pick("Hur ska kostnaden fördelas?", "How is the cost split?")) }
                (errors.at("split_rule"))
                @for rule in SplitRule::ALL {
                    div {
                        input type="radio" id={ "rule-" (rule.as_str()) } name="split_rule" value=(rule.as_str())
                            checked[chosen_rule == Some(rule)] aria-describedby={ "rule-" (rule.as_str()) "-hint" };
                        " "
                        label for={ "rule-" (rule.as_str()) } class="strong" { (rule_name(lang, rule)) }
                        span class="hint" id={ "rule-" (rule.as_str()) "-hint" } { (rule_explained(lang, rule)) }
                    }
                }
            }
            label for="host_organisation_id" { (lang.pick("Värd", "Host")) }
            span class="hint" id="host_organisation_id-hint" { (lang.pick(
                "Gäller bara när värden betalar den fasta avgiften.",
                "Only used when the host pays the fixed fee.",
            )) }
            (errors.at("host_organisation_id"))
            select id="host_organisation_id" name="host_organisation_id" class=[host_invalid.then_some("input-error")]
                aria-describedby="host_organisation_id-hint" {
                @for (id, name, seats) in hosts(view) {
                    option value=(id.0) selected[form.host_organisation_id.trim() == id.0.to_string()] {
                        (name) " (" (seats) " " (lang.pick("platser", "seats")) ")"
                    }
                }
            }
            (text_field("starts_on", lang.pick("Första kursdag", "First day of teaching"), &form.starts_on,
                Some(lang.pick("ÅÅÅÅ-MM-DD, inom terminen", "YYYY-MM-DD, within the term")), errors))
            (text_field("ends_on", lang.pick("Sista kursdag", "Last day of teaching"), &form.ends_on,
                Some(lang.pick("ÅÅÅÅ-MM-DD", "YYYY-MM-DD")), errors))
            (text_field("cancellation_deadline", lang.pick("Sista dag att avboka platser", "Last day to withdraw seats"),
                &form.cancellation_deadline,
                Some(lang.pick("ÅÅÅÅ-MM-DD, före första kursdagen. Efter den betalas avbokade platser ändå.",
                    "YYYY-MM-DD, before the first day. After it, withdrawn seats are still paid for.")), errors))
            h2 { (lang.pick("Vad varje part betalar", "What each party pays")) }
            @match &context.preview {
                Some(Ok(preview)) => {
                    p { strong { (rule_name(lang, preview.split.rule)) ": " } (rule_explained(lang, preview.split.rule)) }
                    (split_table::table(lang, lang.pick("Förhandsvisning av kostnadsfördelningen", "Preview of the cost split"),
                        &preview.split.shares, &names_of(view)))
                    p { (match lang {
                        Lang::Sv => format!("Totalt {} exkl. moms, {} moms.", preview.split.total, preview.split.vat),
                        Lang::En => format!("In all {} excl. VAT, {} VAT.", preview.split.total, preview.split.vat),
                    }) }
                }
                Some(Err(problem)) => p class="error" { (lang.pick("Fördelningen går inte att räkna ut:", "The split cannot be computed:")) " " (problem) }
                None => p { (lang.pick("Välj en fördelning och tryck på Visa fördelning.", "Choose a split and press Preview.")) }
            }
            button type="submit" name="action" value="preview" class="secondary" { (lang.pick("Visa fördelning", "Preview")) }
            @if !shortfalls.is_empty() {
                h2 { (lang.pick("Budgeten räcker inte", "The budget is not enough")) }
                (shortfall_table(lang, shortfalls))
                label for="override_budget_reason" { (lang.pick("Skäl att gå över budgeten", "Reason for going past the budget")) }
                span class="hint" id="override_budget_reason-hint" { (lang.pick(
                    "Krävs för att bekräfta. Skälet sparas i loggen.",
                    "Required to confirm. The reason is kept in the audit log.",
                )) }
                (errors.at("override_budget_reason"))
                textarea id="override_budget_reason" name="override_budget_reason" rows="3"
                    class=[errors.get("override_budget_reason").map(|_| "input-error")]
                    aria-describedby="override_budget_reason-hint" { (form.override_budget_reason) }
            }
            div {
                button type="submit" name="action" value="confirm" { (lang.pick("Bekräfta kurstillfället", "Confirm the cohort")) }
            }
        }
    };
    signed_in.page(status, &title, body)
}

fn summary(lang: Lang, view: &CohortView) -> Markup {
    html! {
        p { (cohort_badge(lang, view.status, view.invoiced)) " " (view.course_code) " " (view.course_title) ", " (term_name(&view.term)) }
        ul class="figures" {
            li { strong { (view.size) } (match lang {
                Lang::Sv => format!("platser (kursen tar {}–{})", view.min_participants, view.max_participants),
                Lang::En => format!("seats (the course takes {}–{})", view.min_participants, view.max_participants),
            }) }
            li { strong { (money(view.total_ore)) } (lang.pick("totalt exkl. moms", "in all excl. VAT")) }
            li { strong { (money(view.fixed_fee_ore)) } (lang.pick("fast avgift", "fixed fee")) }
            li { strong { (money(view.per_participant_fee_ore)) } (lang.pick("per plats", "per seat")) }
        }
    }
}

fn shortfall_table(lang: Lang, shortfalls: &[Shortfall]) -> Markup {
    html! {
        div class="table-wrap" {
            table {
                caption { (lang.pick("Avtal vars budget inte räcker", "Agreements whose budget is not enough")) }
                thead { tr {
                    th scope="col" { (lang.pick("Avtal", "Agreement")) }
                    th scope="col" { (lang.pick("Organisation", "Organisation")) }
                    th scope="col" class="num" { (lang.pick("Kvar av budgeten", "Budget left")) }
                    th scope="col" class="num" { (lang.pick("Andel exkl. moms", "Share excl. VAT")) }
                    th scope="col" class="num" { (lang.pick("Saknas", "Short by")) }
                } }
                tbody {
                    @for s in shortfalls {
                        tr {
                            th scope="row" { (s.agreement_reference) }
                            td { (s.organisation_name) }
                            (money_cell(s.remaining_ore))
                            (money_cell(s.share_ore))
                            (money_cell(s.shortfall_ore))
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
    fn a_bad_date_is_named_beside_its_field_and_a_rule_must_be_chosen() {
        let form =
            ConfirmForm { split_rule: "by_headcount".into(), starts_on: "2027-13-01".into(), ..Default::default() };
        let errors = check(Lang::Sv, &form);
        assert!(errors.get("starts_on").is_some_and(|m| m.contains("ÅÅÅÅ-MM-DD")));
        assert!(errors.get("split_rule").is_some() && errors.get("ends_on").is_none());
        let host = ConfirmForm { split_rule: "host_fixed".into(), ..Default::default() };
        assert!(check(Lang::En, &host).get("host_organisation_id").is_some());
    }

    #[test]
    fn only_host_fixed_sends_a_host() {
        let form =
            ConfirmForm { split_rule: "per_seat".into(), host_organisation_id: "7".into(), ..Default::default() };
        assert_eq!(input_of(&form).host_organisation_id, None);
        let form =
            ConfirmForm { split_rule: "host_fixed".into(), host_organisation_id: "7".into(), ..Default::default() };
        assert_eq!(input_of(&form).host_organisation_id, Some(7));
        assert_eq!(input_of(&form).override_budget_reason, None);
    }
}
