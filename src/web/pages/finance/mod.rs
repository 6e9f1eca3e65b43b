//! What a finance team reads: its organisation's invoicing lines
//! (fakturaunderlag) per period, with CSV and XLSX downloads.

mod invoicing;
mod period;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/invoicing").route(web::get().to(invoicing::page)))
        .service(web::resource("/invoicing.csv").route(web::get().to(invoicing::csv)))
        .service(web::resource("/invoicing.xlsx").route(web::get().to(invoicing::xlsx)));
}
