//! Pieces every page is built from: money, status badges, the CSRF field,
//! form fields with their errors, and the error summary above a form.

use maud::{Markup, html};

use super::layout::Lang;
use super::signed_in::SignedIn;
use crate::cohorts::CohortStatus;
use crate::error::{AppError, FieldErrors};
use crate::money::Ore;
use crate::registry::term::Term;

/// An amount as `12 345,50 kr`, never broken across lines.
pub fn money(amount: Ore) -> Markup {
    html! { span class="money" { (amount) } }
}

/// A right-aligned table cell with an amount.
pub fn money_cell(amount: Ore) -> Markup {
    html! { td class="num" { (amount) } }
}

/// A term code as people read it ("VT 2027"); an unreadable code as stored.
pub fn term_name(code: &str) -> String {
    Term::parse(code).map_or_else(|_| code.to_owned(), Term::display_name)
}

/// The hidden field every signed-in form carries.
pub fn csrf_field(signed_in: &SignedIn) -> Markup {
    html! { input type="hidden" name="csrf_token" value=(signed_in.session.csrf_token); }
}

/// A cohort's state as a labelled badge; an invoiced cohort says so.
pub fn cohort_badge(lang: Lang, status: CohortStatus, invoiced: bool) -> Markup {
    let (class, label) = match (status, invoiced) {
        (CohortStatus::Confirmed, true) => ("invoiced", lang.pick("Fakturerad", "Invoiced")),
        (CohortStatus::Proposed, _) => ("proposed", lang.pick("Förslag", "Proposed")),
        (CohortStatus::Confirmed, false) => ("confirmed", lang.pick("Bekräftad", "Confirmed")),
        (CohortStatus::Cancelled, _) => ("cancelled", lang.pick("Inställd", "Cancelled")),
        (CohortStatus::Superseded, _) => ("superseded", lang.pick("Ersatt", "Superseded")),
    };
    html! { span class={ "badge " (class) } { (label) } }
}

/// What is wrong with a form, field by field, in the order of the form.
#[derive(Debug, Default, Clone)]
pub struct FormErrors(Vec<(String, String)>);

impl FormErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push((field.to_owned(), message.into()));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|(f, _)| f == field).map(|(_, m)| m.as_str())
    }

    /// The domain's field errors, shown beside the page's own fields;
    /// `rename` maps a domain field name to the form's.
    pub fn extend_from(&mut self, fields: &FieldErrors, rename: impl Fn(&str) -> String) {
        for (field, message) in fields {
            let field = rename(field);
            if self.get(&field).is_none() {
                self.0.push((field, message.clone()));
            }
        }
    }

    /// The errors of a refusal the form can show; `None` for any other error,
    /// which the page answers as a whole.
    pub fn from_refusal(error: &AppError) -> Option<Self> {
        let mut errors = Self::new();
        match error {
            AppError::Validation { fields, message } | AppError::Conflict { fields, message } => {
                if fields.is_empty() {
                    errors.add("form", message.clone());
                } else {
                    errors.extend_from(fields, str::to_owned);
                }
                Some(errors)
            }
            _ => None,
        }
    }

    /// The summary above a form: each problem, linking to its field.
    pub fn summary(&self, lang: Lang) -> Markup {
        html! {
            @if !self.is_empty() {
                div class="error-summary" role="alert" tabindex="-1" {
                    h2 { (lang.pick("Det finns fel i formuläret", "There is a problem")) }
                    ul {
                        @for (field, message) in &self.0 {
                            li { a href={ "#" (field) } { (message) } }
                        }
                    }
                }
            }
        }
    }

    /// The message beside a field, if it has one.
    pub fn at(&self, field: &str) -> Markup {
        html! {
            @if let Some(message) = self.get(field) {
                span class="error" id={ (field) "-error" } { (message) }
            }
        }
    }
}

/// A labelled text input that keeps what was typed and shows its error.
pub fn text_field(id: &str, label: &str, value: &str, hint: Option<&str>, errors: &FormErrors) -> Markup {
    let invalid = errors.get(id).is_some();
    let described = match (hint.is_some(), invalid) {
        (true, true) => Some(format!("{id}-hint {id}-error")),
        (true, false) => Some(format!("{id}-hint")),
        (false, true) => Some(format!("{id}-error")),
        (false, false) => None,
    };
    html! {
        label for=(id) { (label) }
        @if let Some(hint) = hint { span class="hint" id={ (id) "-hint" } { (hint) } }
        (errors.at(id))
        input id=(id) name=(id) type="text" value=(value) class=[invalid.then_some("input-error")]
            aria-invalid=[invalid.then_some("true")] aria-describedby=[described];
    }
}

/// A labelled select that keeps the choice made and shows its error.
pub fn select_field(
    id: &str,
    label: &str,
    options: &[(String, String)],
    selected: &str,
    placeholder: &str,
    errors: &FormErrors,
) -> Markup {
    let invalid = errors.get(id).is_some();
    html! {
        label for=(id) { (label) }
        (errors.at(id))
        select id=(id) name=(id) class=[invalid.then_some("input-error")] aria-invalid=[invalid.then_some("true")]
            aria-describedby=[invalid.then(|| format!("{id}-error"))] {
            option value="" { (placeholder) }
            @for (value, text) in options {
                option value=(value) selected[value.as_str() == selected.trim()] { (text) }
            }
        }
    }
}

/// Links to a table's CSV and XLSX downloads (`base` without the extension,
/// `query` with its leading `?` or empty).
pub fn downloads(lang: Lang, base: &str, query: &str) -> Markup {
    html! {
        p class="downloads" {
            (lang.pick("Ladda ner:", "Download:")) " "
            a href={ (base) ".xlsx" (query) } { (lang.pick("Excel (XLSX)", "Excel (XLSX)")) } " · "
            a href={ (base) ".csv" (query) } { "CSV" }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_read_as_people_say_them_and_odd_codes_stay() {
        assert_eq!(term_name("VT2027"), "VT 2027");
        assert_eq!(term_name("HT2026"), "HT 2026");
        assert_eq!(term_name("vår"), "vår");
    }

    #[test]
    fn money_is_shown_in_swedish_kronor() {
        assert_eq!(money(Ore(1_234_550)).into_string(), "<span class=\"money\">12\u{a0}345,50\u{a0}kr</span>");
    }

    #[test]
    fn a_field_with_an_error_says_so_beside_it_and_in_the_summary() {
        let mut errors = FormErrors::new();
        errors.add("seats", "Ange antal platser som ett heltal, till exempel 3.");
        let field = text_field("seats", "Platser", "tre", None, &errors).into_string();
        assert!(field.contains("id=\"seats-error\"") && field.contains("value=\"tre\""), "{field}");
        assert!(field.contains("aria-invalid=\"true\""), "{field}");
        let summary = errors.summary(Lang::Sv).into_string();
        assert!(summary.contains("href=\"#seats\"") && summary.contains("heltal"), "{summary}");
        assert!(FormErrors::new().summary(Lang::Sv).into_string().is_empty());
    }
}
