//! The start page of a signed-in user.

use actix_web::HttpResponse;
use maud::html;

use super::layout::Lang;
use super::signed_in::SignedIn;
use crate::access::Role;

/// Who is signed in and what they may do here.
pub async fn home(signed_in: SignedIn) -> HttpResponse {
    let (lang, caller) = (signed_in.lang, &signed_in.session.caller);
    let role = match (lang, caller.role) {
        (Lang::Sv, Role::Admin | Role::Coordinator) => "regional samordnare",
        (Lang::En, Role::Admin | Role::Coordinator) => "regional coordinator",
        (Lang::Sv, Role::Organisation) => "användare för en organisation",
        (Lang::En, Role::Organisation) => "organisation user",
        (Lang::Sv, Role::Finance) => "ekonomi",
        (Lang::En, Role::Finance) => "finance",
    };
    let title = lang.pick("Start", "Home");
    let body = html! {
        p { (lang.pick("Du är inloggad som", "You are signed in as")) " " strong { (caller.email) } " (" (role) ")." }
    };
    signed_in.ok(title, body)
}
