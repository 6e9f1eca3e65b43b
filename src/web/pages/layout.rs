//! The one layout every page uses, and what pages share: the language, and
//! the cookies that carry it and the sign-in.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use maud::{DOCTYPE, Markup, html};

pub use crate::email::messages::Lang;

pub const SESSION_COOKIE: &str = "sp_session";
pub const LANG_COOKIE: &str = "sp_lang";

/// The reader's language: the `sp_lang` cookie, Swedish unless it says `en`.
pub fn lang_of(req: &HttpRequest) -> Lang {
    req.cookie(LANG_COOKIE).map_or(Lang::Sv, |c| Lang::from_code(c.value()))
}

/// An HTML answer that no cache keeps (pages show personal data).
pub fn html_page(mut builder: HttpResponseBuilder, markup: Markup) -> HttpResponse {
    builder
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(markup.into_string())
}

/// A cookie only this site's pages send back, never readable by scripts.
pub fn private_cookie(name: &'static str, value: String, secure: bool) -> Cookie<'static> {
    Cookie::build(name, value).path("/").http_only(true).secure(secure).same_site(SameSite::Strict).finish()
}

/// A whole page: `title` in the tab and as the heading, `body` below it, and
/// the language switch and (when signed in) who is signed in, with a sign-out button.
pub fn page(lang: Lang, title: &str, signed_in: Option<(&str, &str)>, body: Markup) -> Markup {
    let (other, other_label) = match lang {
        Lang::Sv => ("en", "English"),
        Lang::En => ("sv", "Svenska"),
    };
    html! {
        (DOCTYPE)
        html lang=(match lang { Lang::Sv => "sv", Lang::En => "en" }) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " – Strumpavtal" }
                style { (STYLE) }
            }
            body {
                header {
                    a href="/" { strong { "Strumpavtal" } }
                    nav {
                        a href={ "/language/" (other) } lang=(other) { (other_label) }
                        @if let Some((email, csrf)) = signed_in {
                            form method="post" action="/logout" {
                                input type="hidden" name="csrf_token" value=(csrf);
                                span { (email) }
                                " "
                                button type="submit" { (lang.pick("Logga ut", "Sign out")) }
                            }
                        }
                    }
                }
                main { h1 { (title) } (body) }
            }
        }
    }
}

/// One small stylesheet, inline: readable, high contrast, usable at 320 px.
const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;color:#0b0c0c;line-height:1.5}\
header{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:center;gap:.5rem;padding:.75rem 1rem;background:#0b0c0c}\
header a,header span{color:#fff}header nav{display:flex;gap:1rem;align-items:center}\
main{max-width:40rem;padding:1rem}label{display:block;font-weight:600;margin-top:1rem}\
input{font-size:1rem;padding:.4rem;width:100%;max-width:24rem;box-sizing:border-box;border:2px solid #0b0c0c}\
button{font-size:1rem;padding:.5rem 1rem;margin-top:1rem;background:#00703c;color:#fff;border:0}\
:focus{outline:3px solid #fd0;outline-offset:0}.error-summary{border:4px solid #d4351c;padding:1rem}\
.error{color:#d4351c;font-weight:600;display:block}";
