//! The one layout every page uses, and what pages share: the language, and
//! the cookies that carry it and the sign-in.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use maud::{DOCTYPE, Markup, html};

use super::signed_in::SignedIn;
use crate::access::Role;
pub use crate::email::messages::Lang;

pub const SESSION_COOKIE: &str = "sp_session";
pub const LANG_COOKIE: &str = "sp_lang";

/// The reader's language: the `sp_lang` cookie, Swedish unless it says `en`.
pub fn lang_of(req: &HttpRequest) -> Lang {
    req.cookie(LANG_COOKIE).map_or(Lang::Sv, |c| Lang::from_code(c.value()))
}

/// An HTML answer that no cache keeps (pages show personal data).
pub fn html_page(builder: HttpResponseBuilder, markup: Markup) -> HttpResponse {
    html_headers(builder).body(markup.into_string())
}

/// The headers of every page: HTML, and not to be stored (it may show
/// personal data, and is out of date after the next change).
pub fn html_headers(mut builder: HttpResponseBuilder) -> HttpResponseBuilder {
    builder.content_type("text/html; charset=utf-8").insert_header((header::CACHE_CONTROL, "no-store"));
    builder
}

/// A cookie only this site's pages send back, never readable by scripts.
pub fn private_cookie(name: &'static str, value: String, secure: bool) -> Cookie<'static> {
    Cookie::build(name, value).path("/").http_only(true).secure(secure).same_site(SameSite::Strict).finish()
}

/// The sections a role works in, as (address, Swedish, English).
fn sections(role: Role) -> &'static [(&'static str, &'static str, &'static str)] {
    match role {
        Role::Admin | Role::Coordinator => &[
            ("/", "Översikt", "Overview"),
            ("/plans", "Planering", "Planning"),
            ("/cohorts", "Kurstillfällen", "Cohorts"),
            ("/organisations", "Organisationer", "Organisations"),
            ("/courses", "Kurser", "Courses"),
            ("/outbox", "Utskick", "E-mails"),
            ("/audit", "Logg", "Audit log"),
        ],
        Role::Organisation => &[
            ("/", "Start", "Home"),
            ("/needs", "Behov", "Needs"),
            ("/open-seats", "Lediga platser", "Open seats"),
            ("/cohorts", "Kurstillfällen", "Cohorts"),
            ("/agreements", "Avtal", "Agreements"),
        ],
        Role::Finance => &[
            ("/", "Start", "Home"),
            ("/invoicing", "Fakturaunderlag", "Invoicing"),
            ("/agreements", "Avtal", "Agreements"),
        ],
    }
}

/// A whole page: `title` in the tab and as the heading, `body` below it, and
/// the language switch; when signed in, the role's sections, who is signed
/// in, and a sign-out button.
pub fn page(lang: Lang, title: &str, signed_in: Option<&SignedIn>, body: Markup) -> Markup {
    let (other, other_label) = match lang {
        Lang::Sv => ("en", "English"),
        Lang::En => ("sv", "Svenska"),
    };
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " – Strumpavtal" }
                link rel="stylesheet" href=(STYLESHEET_PATH);
            }
            body {
                a class="skip" href="#main" { (lang.pick("Till innehållet", "Skip to content")) }
                header {
                    a href="/" { strong { "Strumpavtal" } }
                    div class="account" {
                        a href={ "/language/" (other) } lang=(other) { (other_label) }
                        @if let Some(signed_in) = signed_in {
                            form method="post" action="/logout" {
                                (super::components::csrf_field(signed_in))
                                span { (signed_in.session.caller.email) }
                                " "
                                button type="submit" class="link" { (lang.pick("Logga ut", "Sign out")) }
                            }
                        }
                    }
                    @if let Some(signed_in) = signed_in {
                        nav aria-label=(lang.pick("Avsnitt", "Sections")) {
                            ul {
                                @for (href, sv, en) in sections(signed_in.session.caller.role) {
                                    li { a href=(href) { (lang.pick(sv, en)) } }
                                }
                            }
                        }
                    }
                }
                main id="main" { h1 { (title) } (body) }
            }
        }
    }
}

/// Where the stylesheet is served; the version in the name lets browsers
/// keep it for a year and still fetch a changed one at once.
pub const STYLESHEET_PATH: &str = concat!("/assets/style-", env!("CARGO_PKG_VERSION"), ".css");

/// The one stylesheet, served from this site (the content security policy
/// allows no inline styles): readable, high contrast, usable at 320 px.
pub async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .body(STYLE)
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;color:#0b0c0c;line-height:1.5}\
.skip{position:absolute;left:-999px}.visually-hidden{position:absolute!important;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}.skip:focus{left:1rem;top:1rem;background:#fd0;color:#0b0c0c;padding:.5rem}\
header{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:center;gap:.5rem;padding:.75rem 1rem;background:#0b0c0c}\
header a,header span{color:#fff}header .account{display:flex;gap:1rem;align-items:center;flex-wrap:wrap}\
header form{display:inline}header nav{flex-basis:100%}header ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1.25rem}\
main{max-width:64rem;padding:1rem}h1{font-size:1.75rem;margin-top:.5rem}h2{font-size:1.35rem;margin-top:2rem}\
label,legend{display:block;font-weight:600;margin-top:1rem}.hint{color:#505a5f;display:block}\
input,select,textarea{font-size:1rem;padding:.4rem;width:100%;max-width:24rem;box-sizing:border-box;border:2px solid #0b0c0c}\
input[type=checkbox],input[type=radio]{width:auto;margin:.6rem .4rem 0 0}\
input[type=checkbox]+label,input[type=radio]+label{display:inline;font-weight:400;margin:0}input+label.strong{font-weight:600}input.short{max-width:8rem}textarea{max-width:40rem}\
button,.button{display:inline-block;font-size:1rem;padding:.5rem 1rem;margin-top:1rem;background:#00703c;color:#fff;border:0;cursor:pointer;text-decoration:none}\
button.secondary,.button.secondary{background:#f3f2f1;color:#0b0c0c;border:2px solid #0b0c0c}button.warning{background:#d4351c}\
button.compact{margin-top:0}button.link{background:none;border:0;padding:0;margin:0;color:#fff;text-decoration:underline}\
:focus{outline:3px solid #fd0;outline-offset:0}.error-summary{border:4px solid #d4351c;padding:1rem;margin-bottom:1rem}\
.error{color:#d4351c;font-weight:600;display:block}.input-error{border-color:#d4351c}\
.notice{border-left:6px solid #1d70b8;padding:.5rem 1rem;background:#f3f8fc}\
.table-wrap{overflow-x:auto}table{border-collapse:collapse;margin:1rem 0;min-width:50%}caption{text-align:left;font-weight:600}\
th,td{border-bottom:1px solid #b1b4b6;padding:.4rem .6rem;text-align:left;vertical-align:top}\
td.num,th.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}tfoot td,tfoot th{font-weight:700;border-top:2px solid #0b0c0c}\
.money{white-space:nowrap}.badge{display:inline-block;padding:0 .4rem;border:2px solid currentColor;font-weight:700;font-size:.9rem}\
.badge.proposed{color:#1d70b8}.badge.confirmed{color:#00703c}.badge.invoiced{color:#4c2c92}.badge.cancelled,.badge.failed{color:#d4351c}\
.badge.superseded,.badge.waiting{color:#505a5f}.badge.sent{color:#00703c}\
.figures{display:grid;grid-template-columns:repeat(auto-fit,minmax(10rem,1fr));gap:1rem;padding:0;list-style:none}\
.figures li{border-left:6px solid #1d70b8;padding:.25rem .75rem}.figures strong{display:block;font-size:1.4rem}\
.legend,.budget-figures{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1.5rem}\
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}dl.facts dt{font-weight:600}dl.facts dd{margin:0}\
svg{max-width:100%;height:auto}svg.heat-map{max-width:none}details{margin:1rem 0}summary{cursor:pointer;font-weight:600}";
