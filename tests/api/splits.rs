//! Confirming cohorts, cost splits, budgets, invoicing and exports, end to
//! end. Every expected amount is worked out by hand in the comments.
//!
//! The courses come from the helper: 120 000 kr fixed (12 000 000 öre) and
//! 5 000 kr (500 000 öre) a seat; VAT is the default 25 %.

use reqwest::StatusCode;
use serde_json::{Value, json};
use strumpavtal::access::Role;

use crate::helpers::{ANGE, SUNDSVALL, TIMRA, TestApp, answer, term, three_municipalities};

/// The three municipalities, and a proposed cohort of `course` in which
/// Sundsvall and Ånge have 3 seats each (15 000 000 öre in all); returns the
/// cohort and the agreements of Sundsvall, Ånge and Timrå.
pub async fn cohort_of_two(app: &TestApp, course: &str) -> (i64, [i64; 3]) {
    let (_, agreements) = three_municipalities(app).await;
    app.course(course, 2, 10).await;
    app.need(agreements[0], course, 3, (&term(0), &term(0))).await;
    app.need(agreements[1], course, 3, (&term(0), &term(0))).await;
    (proposed_cohort(app, course).await, agreements)
}

/// Plans and returns the id of the proposed cohort of `course`.
pub async fn proposed_cohort(app: &TestApp, course: &str) -> i64 {
    let (status, plan) = answer(app.post("/api/v1/plans", &json!({})).await).await;
    assert_eq!(status, StatusCode::CREATED, "{plan}");
    cohort_of(&plan, course)
}

fn cohort_of(plan: &Value, course: &str) -> i64 {
    let cohorts = plan["cohorts"].as_array().unwrap();
    let found: Vec<&Value> = cohorts.iter().filter(|c| c["course_code"] == course).collect();
    assert_eq!(found.len(), 1, "one {course} cohort in {plan}");
    found[0]["id"].as_i64().unwrap()
}

pub async fn confirm(app: &TestApp, cohort: i64, body: Value) -> (StatusCode, Value) {
    answer(app.post(&format!("/api/v1/cohorts/{cohort}/confirm"), &body).await).await
}

/// The shares of a cohort answer, by agreement id: [seats, amount, fixed part,
/// variable part, VAT, amount incl. VAT, standalone, savings].
fn shares(cohort: &Value) -> Vec<(i64, [i64; 8])> {
    let mut rows: Vec<(i64, [i64; 8])> = cohort["shares"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let n = |k: &str| s[k].as_i64().unwrap_or_else(|| panic!("{k} in {s}"));
            (
                n("agreement_id"),
                [
                    n("seats"),
                    n("amount_ore"),
                    n("fixed_part_ore"),
                    n("variable_part_ore"),
                    n("vat_ore"),
                    n("amount_incl_vat_ore"),
                    n("standalone_ore"),
                    n("savings_ore"),
                ],
            )
        })
        .collect();
    rows.sort();
    rows
}

/// A share row from its parts: VAT and the amount including it follow.
fn row(seats: i64, amount: i64, fixed: i64, vat: i64, standalone: i64) -> [i64; 8] {
    [seats, amount, fixed, amount - fixed, vat, amount + vat, standalone, standalone - amount]
}

#[tokio::test]
async fn each_rule_splits_a_confirmed_cohort_to_the_ore() {
    for (app, _db) in crate::helpers::spawn_apps().await {
        let (_, [sun, ang, tim]) = three_municipalities(&app).await;
        // One course per rule, each with the same needs: 3 + 1 + 2 seats.
        for course in ["RULE1", "RULE2", "RULE3", "RULE4"] {
            app.course(course, 2, 10).await;
            for (agreement, seats) in [(sun, 3), (ang, 1), (tim, 2)] {
                app.need(agreement, course, seats, (&term(0), &term(0))).await;
            }
        }
        let (status, plan) = answer(app.post("/api/v1/plans", &json!({})).await).await;
        assert_eq!(status, StatusCode::CREATED, "{plan}");
        // Size 6, total 12 000 000 + 6 × 500 000 = 15 000 000 öre. Alone,
        // Sundsvall pays 12 000 000 + 3 × 500 000 = 13 500 000, the others
        // 12 000 000 + 2 × 500 000 = 13 000 000 (the minimum is 2).

        // per_seat: 15 000 000 × 3/6, × 1/6, × 2/6; the fixed fee likewise.
        let (status, cohort) = confirm(&app, cohort_of(&plan, "RULE1"), json!({"split_rule": "per_seat"})).await;
        assert_eq!(status, StatusCode::OK, "{cohort}");
        assert_eq!((cohort["status"].as_str(), cohort["split_rule"].as_str()), (Some("confirmed"), Some("per_seat")));
        assert_eq!(cohort["split_version"], 1);
        assert_eq!(
            shares(&cohort),
            [
                (sun, row(3, 7_500_000, 6_000_000, 1_875_000, 13_500_000)),
                (ang, row(1, 2_500_000, 2_000_000, 625_000, 13_000_000)),
                (tim, row(2, 5_000_000, 4_000_000, 1_250_000, 13_000_000)),
            ]
        );
        assert!(cohort["shares"].as_array().unwrap().iter().any(|s| s["org_number"] == SUNDSVALL));

        // equal_fixed: 12 000 000 / 3 = 4 000 000 each, plus 500 000 a seat.
        let (status, cohort) = confirm(&app, cohort_of(&plan, "RULE2"), json!({"split_rule": "equal_fixed"})).await;
        assert_eq!(status, StatusCode::OK, "{cohort}");
        assert_eq!(
            shares(&cohort),
            [
                (sun, row(3, 5_500_000, 4_000_000, 1_375_000, 13_500_000)),
                (ang, row(1, 4_500_000, 4_000_000, 1_125_000, 13_000_000)),
                (tim, row(2, 5_000_000, 4_000_000, 1_250_000, 13_000_000)),
            ]
        );

        // employees_weighted, Σ employees = 11 800:
        //   Sundsvall 12 000 000 × 9 000 / 11 800 = 9 152 542 r 4 400,
        //   Ånge × 1 200 / 11 800 = 1 220 338 r 11 600,
        //   Timrå × 1 600 / 11 800 = 1 627 118 r 7 600;
        // 2 öre left go to the larger remainders, Ånge and Timrå.
        // VAT: 2 663 135.5 → 2 663 136, 430 084.75 → 430 085, 656 779.75 → 656 780.
        let (status, cohort) =
            confirm(&app, cohort_of(&plan, "RULE3"), json!({"split_rule": "employees_weighted"})).await;
        assert_eq!(status, StatusCode::OK, "{cohort}");
        assert_eq!(
            shares(&cohort),
            [
                (sun, row(3, 10_652_542, 9_152_542, 2_663_136, 13_500_000)),
                (ang, row(1, 1_720_339, 1_220_339, 430_085, 13_000_000)),
                (tim, row(2, 2_627_119, 1_627_119, 656_780, 13_000_000)),
            ]
        );

        // host_fixed, the host by default the one with most seats: Sundsvall.
        let (status, cohort) = confirm(&app, cohort_of(&plan, "RULE4"), json!({"split_rule": "host_fixed"})).await;
        assert_eq!(status, StatusCode::OK, "{cohort}");
        let sundsvall_org = cohort["allocations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["agreement_id"] == sun)
            .unwrap()["organisation_id"]
            .clone();
        assert_eq!(cohort["host_organisation_id"], sundsvall_org);
        assert_eq!(
            shares(&cohort),
            [
                (sun, row(3, 13_500_000, 12_000_000, 3_375_000, 13_500_000)),
                (ang, row(1, 500_000, 0, 125_000, 13_000_000)),
                (tim, row(2, 1_000_000, 0, 250_000, 13_000_000)),
            ]
        );

        // The ledger: Sundsvall's four shares are committed, nothing invoiced.
        let committed = 7_500_000 + 5_500_000 + 10_652_542 + 13_500_000;
        let (status, budget) = answer(app.get(&format!("/api/v1/agreements/{sun}/budget")).await).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            (budget["committed_ore"].as_i64(), budget["invoiced_ore"].as_i64(), budget["remaining_ore"].as_i64()),
            (Some(committed), Some(0), Some(200_000_000 - committed))
        );
        assert_eq!(app.count("split_versions"), 4);
        assert_eq!(app.count("audit_log"), 4);
    }
}

#[tokio::test]
async fn confirming_twice_is_harmless_and_bad_input_stores_nothing() {
    for (app, _db) in crate::helpers::spawn_apps().await {
        let (cohort, _) = cohort_of_two(&app, "TWICE").await;
        let path = format!("/api/v1/cohorts/{cohort}/confirm");

        let bad = [
            (json!({"split_rule": "by_headcount"}), "split_rule"),
            (json!({"host_organisation_id": 1}), "host_organisation_id"),
            (json!({"split_rule": "host_fixed", "host_organisation_id": 999}), "host_organisation_id"),
            (json!({"starts_on": "2001-01-15"}), "starts_on"),
            (json!({"starts_on": "18/1/2027"}), "starts_on"),
            (json!({"cancellation_deadline": "2001-01-01"}), "cancellation_deadline"),
            (json!({"override_budget_reason": "  "}), "override_budget_reason"),
        ];
        for (body, field) in bad {
            let (status, error) = answer(app.post(&path, &body).await).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {error}");
            assert!(error["error"]["fields"][field].is_string(), "{body} names {field}: {error}");
        }
        let (status, _) = answer(app.post(&path, &json!({"split_rule": "per_seat", "colour": "red"})).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let finance = app.user(Role::Finance, Some(SUNDSVALL));
        assert_eq!(app.post_as(&finance, &path, &json!({})).await.status(), StatusCode::FORBIDDEN);
        assert_eq!(app.post("/api/v1/cohorts/999999/confirm", &json!({})).await.status(), StatusCode::NOT_FOUND);
        assert_eq!((app.count("split_versions"), app.count("audit_log")), (0, 0), "nothing stored");

        let (status, once) = confirm(&app, cohort, json!({})).await;
        assert_eq!(status, StatusCode::OK, "{once}");
        // The default rule is per_seat; 15 000 000 öre over 3 + 3 seats.
        assert_eq!(once["split_rule"], "per_seat");
        assert!(once["shares"].as_array().unwrap().iter().all(|s| s["amount_ore"] == 7_500_000));
        let deadline = once["cancellation_deadline"].as_str().unwrap().to_owned();
        let (status, twice) =
            confirm(&app, cohort, json!({"split_rule": "per_seat", "cancellation_deadline": deadline})).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(twice, once);
        assert_eq!((app.count("split_versions"), app.count("split_shares"), app.count("audit_log")), (1, 2, 1));

        let (status, error) = confirm(&app, cohort, json!({"split_rule": "equal_fixed"})).await;
        assert_eq!(status, StatusCode::CONFLICT, "{error}");
        assert!(error["error"]["fields"]["split_rule"].as_str().unwrap().contains("per_seat"), "{error}");
    }
}

#[tokio::test]
async fn a_budget_too_small_is_refused_unless_a_coordinator_overrides_it() {
    for (app, _db) in crate::helpers::spawn_apps().await {
        let (cohort, [_, ang, tim]) = cohort_of_two(&app, "BUDGET").await;
        // Ånge has 50 000 kr left; its share will be 75 000 kr.
        let (status, _) =
            answer(app.patch(&format!("/api/v1/agreements/{ang}"), &json!({"budget_ore": 5_000_000})).await).await;
        assert_eq!(status, StatusCode::OK);

        let (status, error) = confirm(&app, cohort, json!({})).await;
        assert_eq!(status, StatusCode::CONFLICT, "{error}");
        assert_eq!(error["error"]["code"], "over_budget");
        let shortfalls = error["error"]["shortfalls"].as_array().unwrap();
        assert_eq!(shortfalls.len(), 1, "only Ånge is short: {error}");
        assert_eq!(shortfalls[0]["agreement_id"], ang);
        assert_eq!(shortfalls[0]["agreement_reference"], "SKO-ANG-01");
        assert_eq!(
            (
                shortfalls[0]["remaining_ore"].as_i64(),
                shortfalls[0]["share_ore"].as_i64(),
                shortfalls[0]["shortfall_ore"].as_i64()
            ),
            (Some(5_000_000), Some(7_500_000), Some(2_500_000))
        );
        assert!(error["error"]["message"].as_str().unwrap().contains("SKO-ANG-01"), "{error}");
        let (_, still) = answer(app.get(&format!("/api/v1/cohorts/{cohort}")).await).await;
        assert_eq!(still["status"], "proposed");
        assert_eq!((app.count("split_versions"), app.count("audit_log")), (0, 0));

        let reason = "Kommunstyrelsen beslutade 2027-03-02 att skjuta till medel";
        let (status, confirmed) = confirm(&app, cohort, json!({"override_budget_reason": reason})).await;
        assert_eq!(status, StatusCode::OK, "{confirmed}");
        let (_, budget) = answer(app.get(&format!("/api/v1/agreements/{ang}/budget")).await).await;
        assert_eq!(
            (budget["committed_ore"].as_i64(), budget["remaining_ore"].as_i64()),
            (Some(7_500_000), Some(-2_500_000))
        );

        let (status, log) = answer(app.get("/api/v1/audit?action=override_budget").await).await;
        assert_eq!(status, StatusCode::OK, "{log}");
        let entries = log.as_array().unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0]["cohort_id"], cohort);
        assert_eq!(entries[0]["details"]["reason"], reason);
        assert_eq!(entries[0]["details"]["shortfalls"][0]["shortfall_ore"], 2_500_000);
        let ange_user = app.user(Role::Organisation, Some(ANGE));
        assert_eq!(app.get_as(&ange_user, "/api/v1/audit").await.status(), StatusCode::FORBIDDEN);

        // Joining a confirmed cohort charges the joiner at once: Timrå, with
        // 1 000 kr left, would pay 16 000 000 × 2/8 = 4 000 000 öre.
        let (status, _) =
            answer(app.patch(&format!("/api/v1/agreements/{tim}"), &json!({"budget_ore": 100_000})).await).await;
        assert_eq!(status, StatusCode::OK);
        let timra_user = app.user(Role::Organisation, Some(TIMRA));
        let join = format!("/api/v1/cohorts/{cohort}/join");
        let (status, error) =
            answer(app.post_as(&timra_user, &join, &json!({"agreement_id": tim, "seats": 2})).await).await;
        assert_eq!(status, StatusCode::CONFLICT, "{error}");
        assert_eq!(error["error"]["shortfalls"][0]["shortfall_ore"], 3_900_000);
        let with_reason = json!({"agreement_id": tim, "seats": 2, "override_budget_reason": reason});
        assert_eq!(app.post_as(&timra_user, &join, &with_reason).await.status(), StatusCode::FORBIDDEN);
        assert_eq!(app.count("split_versions"), 1, "a refused join stores nothing");
        let (status, joined) = answer(app.post(&join, &with_reason).await).await;
        assert_eq!(status, StatusCode::OK, "{joined}");
        assert_eq!(joined["split_version"], 2);
        let (_, log) = answer(app.get("/api/v1/audit?action=override_budget").await).await;
        assert_eq!(log.as_array().unwrap().len(), 2);
        assert_eq!(log[0]["agreement_id"], tim);
    }
}

#[tokio::test]
async fn a_join_after_confirmation_is_split_version_2() {
    for (app, _db) in crate::helpers::spawn_apps().await {
        let (cohort, [sun, ang, tim]) = cohort_of_two(&app, "JOIN").await;
        let (status, _) = confirm(&app, cohort, json!({})).await;
        assert_eq!(status, StatusCode::OK);

        let timra_user = app.user(Role::Organisation, Some(TIMRA));
        let join = json!({"agreement_id": tim, "seats": 2});
        let (status, joined) =
            answer(app.post_as(&timra_user, &format!("/api/v1/cohorts/{cohort}/join"), &join).await).await;
        assert_eq!(status, StatusCode::OK, "{joined}");
        assert_eq!(joined["split_version"], 2);
        // Timrå sees its own share only: 16 000 000 × 2/8 = 4 000 000.
        assert_eq!(shares(&joined), [(tim, row(2, 4_000_000, 3_000_000, 1_000_000, 13_000_000))]);

        let (status, versions) = answer(app.get(&format!("/api/v1/cohorts/{cohort}/splits")).await).await;
        assert_eq!(status, StatusCode::OK, "{versions}");
        let versions = versions.as_array().unwrap();
        assert_eq!(versions.len(), 2);
        // Version 1: 15 000 000 over 3 + 3. Version 2: 16 000 000 over 3 + 3 + 2.
        assert_eq!((versions[0]["version"].as_i64(), versions[0]["change"].as_str()), (Some(1), Some("confirm")));
        assert_eq!(
            (versions[1]["version"].as_i64(), versions[1]["change"].as_str(), versions[1]["size"].as_i64()),
            (Some(2), Some("join"), Some(8))
        );
        assert_eq!(
            (versions[0]["total_ore"].as_i64(), versions[1]["total_ore"].as_i64()),
            (Some(15_000_000), Some(16_000_000))
        );
        assert_eq!(
            shares(&versions[1]),
            [
                (sun, row(3, 6_000_000, 4_500_000, 1_500_000, 13_500_000)),
                (ang, row(3, 6_000_000, 4_500_000, 1_500_000, 13_500_000)),
                (tim, row(2, 4_000_000, 3_000_000, 1_000_000, 13_000_000)),
            ]
        );
        assert!(versions[1]["changed_by"].as_str().unwrap().starts_with("organisation-"), "{}", versions[1]);
        assert!(versions[1]["description"].as_str().unwrap().contains("SKO-TIM-01"));

        // Partners see the history with only their own money in it.
        let ange_user = app.user(Role::Finance, Some(ANGE));
        let (status, seen) = answer(app.get_as(&ange_user, &format!("/api/v1/cohorts/{cohort}/splits")).await).await;
        assert_eq!(status, StatusCode::OK);
        assert!(seen.as_array().unwrap().iter().all(|v| v["shares"].as_array().unwrap().len() == 1), "{seen}");
        app.organisation("212000-2403", "Härnösands kommun", 2_100).await;
        let stranger = app.user(Role::Finance, Some("212000-2403"));
        assert_eq!(
            app.get_as(&stranger, &format!("/api/v1/cohorts/{cohort}/splits")).await.status(),
            StatusCode::NOT_FOUND
        );

        let (_, log) = answer(app.get(&format!("/api/v1/audit?cohort_id={cohort}")).await).await;
        let actions: Vec<&str> = log.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(actions, ["join", "confirm"]);
    }
}

/// Sundsvall 3 and Ånge 3 seats in a confirmed, invoiced cohort; returns
/// (cohort, Sundsvall's agreement, Ånge's agreement).
pub async fn invoiced_cohort(app: &TestApp, course: &str) -> (i64, i64, i64) {
    let (cohort, [sun, ang, _]) = cohort_of_two(app, course).await;
    let (status, _) = confirm(app, cohort, json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, invoiced) = answer(app.post(&format!("/api/v1/cohorts/{cohort}/invoice"), &json!({})).await).await;
    assert_eq!(status, StatusCode::CREATED, "{invoiced}");
    (cohort, sun, ang)
}

fn line_amounts(lines: &Value) -> Vec<(i64, String, [i64; 5])> {
    lines
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let n = |k: &str| l[k].as_i64().unwrap();
            (
                n("agreement_id"),
                l["kind"].as_str().unwrap().to_owned(),
                [n("seats"), n("amount_ore"), n("vat_ore"), n("amount_incl_vat_ore"), n("savings_ore")],
            )
        })
        .collect()
}

#[tokio::test]
async fn invoicing_locks_the_split_and_a_withdrawal_is_credited() {
    for (app, _db) in crate::helpers::spawn_apps().await {
        let (cohort, sun, ang) = invoiced_cohort(&app, "INVOICE").await;
        let path = format!("/api/v1/cohorts/{cohort}/invoice");
        // 7 500 000 each, VAT 1 875 000; alone 13 500 000, so 6 000 000 saved.
        let (status, again) = answer(app.post(&path, &json!({})).await).await;
        assert_eq!(status, StatusCode::OK, "invoicing again writes nothing: {again}");
        let invoice = [3, 7_500_000, 1_875_000, 9_375_000, 6_000_000];
        assert_eq!(line_amounts(&again["lines"]), [(sun, "invoice".into(), invoice), (ang, "invoice".into(), invoice)]);
        assert_eq!(app.count("invoice_lines"), 2);

        // Ånge withdraws a seat before the deadline: version 2, size 5,
        // 14 500 000 öre: Ånge 2/5 = 5 800 000, Sundsvall 3/5 = 8 700 000.
        let ange_user = app.user(Role::Organisation, Some(ANGE));
        let withdraw = format!("/api/v1/cohorts/{cohort}/withdraw");
        let (status, after) =
            answer(app.post_as(&ange_user, &withdraw, &json!({"agreement_id": ang, "seats": 1})).await).await;
        assert_eq!(status, StatusCode::OK, "{after}");
        assert_eq!((after["split_version"].as_i64(), after["size"].as_i64()), (Some(2), Some(5)));
        let (_, lines) = answer(app.post(&path, &json!({})).await).await;
        // Ånge is credited 7 500 000 − 5 800 000, VAT 1 875 000 − 1 450 000;
        // its savings grow from 6 000 000 to 13 000 000 − 5 800 000 = 7 200 000.
        // Sundsvall is debited 1 200 000, VAT 300 000; savings 13 500 000 − 8 700 000.
        assert_eq!(
            line_amounts(&lines["lines"]),
            [
                (sun, "invoice".into(), invoice),
                (ang, "invoice".into(), invoice),
                (sun, "debit".into(), [3, 1_200_000, 300_000, 1_500_000, -1_200_000]),
                (ang, "credit".into(), [2, -1_700_000, -425_000, -2_125_000, 1_200_000]),
            ]
        );
        assert_eq!(lines["split_version"], 2);
        let (_, budget) = answer(app.get(&format!("/api/v1/agreements/{ang}/budget")).await).await;
        assert_eq!(
            (budget["committed_ore"].as_i64(), budget["invoiced_ore"].as_i64(), budget["remaining_ore"].as_i64()),
            (Some(5_800_000), Some(5_800_000), Some(200_000_000 - 5_800_000))
        );
        // The seat left Ånge's need too, so the next plan does not place it again.
        let (_, needs) = answer(app.get(&format!("/api/v1/needs?agreement_id={ang}")).await).await;
        assert_eq!(needs[0]["seats"], 2, "{needs}");

        // After the deadline a withdrawn seat is still paid for: no new version.
        app.set_cancellation_deadline(cohort, "2000-01-01");
        let (status, late) =
            answer(app.post_as(&ange_user, &withdraw, &json!({"agreement_id": ang, "seats": 1})).await).await;
        assert_eq!(status, StatusCode::OK, "{late}");
        assert_eq!((late["split_version"].as_i64(), late["size"].as_i64()), (Some(2), Some(5)));
        let ange_seats: Vec<(i64, i64)> = late["allocations"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["agreement_id"] == ang)
            .map(|a| (a["seats"].as_i64().unwrap(), a["withdrawn_seats"].as_i64().unwrap()))
            .collect();
        assert_eq!(ange_seats, [(2, 1)]);
        assert_eq!(app.count("invoice_lines"), 4);
        assert_eq!(shares(&late).iter().find(|(a, _)| *a == ang).unwrap().1[1], 5_800_000);

        // Bad withdrawals change nothing.
        for (body, status) in [
            (json!({"agreement_id": ang, "seats": 5}), StatusCode::UNPROCESSABLE_ENTITY),
            (json!({"agreement_id": ang, "seats": 0}), StatusCode::UNPROCESSABLE_ENTITY),
            (json!({"agreement_id": sun, "seats": 1}), StatusCode::UNPROCESSABLE_ENTITY),
        ] {
            let (got, error) = answer(app.post_as(&ange_user, &withdraw, &body).await).await;
            assert_eq!(got, status, "{body}: {error}");
        }
        assert_eq!(app.count("split_versions"), 2);
    }
}

#[tokio::test]
async fn cancelling_releases_the_budget_and_credits_what_was_invoiced() {
    for (app, _db) in crate::helpers::spawn_apps().await {
        let (cohort, sun, _) = invoiced_cohort(&app, "CANCEL").await;
        let path = format!("/api/v1/cohorts/{cohort}/cancel");
        // Six seats, minimum two: a reason is needed.
        let (status, error) = answer(app.post(&path, &json!({})).await).await;
        assert_eq!(status, StatusCode::CONFLICT, "{error}");
        assert!(error["error"]["fields"]["reason"].is_string());
        let (status, cancelled) = answer(app.post(&path, &json!({"reason": "Läraren sjuk"})).await).await;
        assert_eq!(status, StatusCode::OK, "{cancelled}");
        assert_eq!((cancelled["status"].as_str(), cancelled["split_version"].as_i64()), (Some("cancelled"), Some(2)));
        assert!(shares(&cancelled).iter().all(|(_, s)| s.iter().all(|&v| v == 0)), "{cancelled}");
        let (status, again) = answer(app.post(&path, &json!({"reason": "Läraren sjuk"})).await).await;
        assert_eq!((status, again), (StatusCode::OK, cancelled));

        let (_, budget) = answer(app.get(&format!("/api/v1/agreements/{sun}/budget")).await).await;
        assert_eq!((budget["committed_ore"].as_i64(), budget["invoiced_ore"].as_i64()), (Some(0), Some(0)));
        let (_, lines) = answer(app.post(&format!("/api/v1/cohorts/{cohort}/invoice"), &json!({})).await).await;
        let credits: Vec<_> = line_amounts(&lines["lines"]).into_iter().filter(|l| l.1 == "credit").collect();
        assert_eq!(credits.len(), 2);
        assert!(credits.iter().all(|l| l.2 == [0, -7_500_000, -1_875_000, -9_375_000, -6_000_000]), "{credits:?}");
    }
}

/// The öre of a CSV amount written in kronor with a decimal comma.
fn csv_ore(text: &str) -> i64 {
    let (kronor, ore) = text.split_once(',').unwrap_or_else(|| panic!("{text:?} has a decimal comma"));
    let negative = kronor.starts_with('-');
    let value = kronor.trim_start_matches('-').parse::<i64>().unwrap() * 100 + ore.parse::<i64>().unwrap();
    if negative { -value } else { value }
}

#[tokio::test]
async fn exports_open_and_total_like_the_json() {
    for (app, _db) in crate::helpers::spawn_apps().await {
        let (cohort, _, ang) = invoiced_cohort(&app, "EXPORT").await;
        let ange_user = app.user(Role::Organisation, Some(ANGE));
        let withdraw = json!({"agreement_id": ang, "seats": 1});
        let (status, _) =
            answer(app.post_as(&ange_user, &format!("/api/v1/cohorts/{cohort}/withdraw"), &withdraw).await).await;
        assert_eq!(status, StatusCode::OK);
        let ange = app.list("/api/v1/organisations").await.into_iter().find(|o| o["org_number"] == ANGE).unwrap()["id"]
            .as_i64()
            .unwrap();
        let finance = app.user(Role::Finance, Some(ANGE));
        let today = chrono::Local::now().date_naive();
        let period = format!("from={}&to={}", today, today);
        let base = format!("/api/v1/organisations/{ange}/invoicing");

        let (status, json) = answer(app.get_as(&finance, &format!("{base}?{period}")).await).await;
        assert_eq!(status, StatusCode::OK, "{json}");
        let lines = json["lines"].as_array().unwrap();
        // Ånge's invoice of 7 500 000 and its credit of 1 700 000.
        let amounts: Vec<i64> = lines.iter().map(|l| l["amount_ore"].as_i64().unwrap()).collect();
        assert_eq!(amounts, [7_500_000, -1_700_000]);
        assert_eq!(json["totals"]["amount_ore"], 5_800_000);
        assert_eq!(json["totals"]["amount_incl_vat_ore"], 5_800_000 + 1_450_000);

        let response = app.get_as(&finance, &format!("{base}.csv?{period}")).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.headers()["content-disposition"].to_str().unwrap().contains(".csv"));
        let bytes = response.bytes().await.unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "a UTF-8 byte-order mark first");
        let mut reader = csv::ReaderBuilder::new().delimiter(b';').from_reader(&bytes[3..]);
        let headers = reader.headers().unwrap().clone();
        let column =
            |name: &str| headers.iter().position(|h| h == name).unwrap_or_else(|| panic!("{name} in {headers:?}"));
        let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(records.len(), lines.len() + 1, "the lines and a totals row");
        for (record, line) in records.iter().zip(lines) {
            assert_eq!(csv_ore(&record[column("Belopp exkl. moms (kr)")]), line["amount_ore"].as_i64().unwrap());
            assert_eq!(csv_ore(&record[column("Moms (kr)")]), line["vat_ore"].as_i64().unwrap());
            assert_eq!(
                csv_ore(&record[column("Belopp inkl. moms (kr)")]),
                line["amount_incl_vat_ore"].as_i64().unwrap()
            );
            assert_eq!(csv_ore(&record[column("Besparing (kr)")]), line["savings_ore"].as_i64().unwrap());
            assert_eq!(&record[column("Avtal")], "SKO-ANG-01");
            assert_eq!(&record[column("Kurskod")], "EXPORT");
        }
        let totals = records.last().unwrap();
        assert_eq!(&totals[0], "Summa");
        assert_eq!(csv_ore(&totals[column("Belopp exkl. moms (kr)")]), 5_800_000);
        assert_eq!(csv_ore(&totals[column("Belopp inkl. moms (kr)")]), 7_250_000);

        let response = app.get_as(&finance, &format!("{base}.xlsx?{period}")).await;
        assert_eq!(response.status(), StatusCode::OK);
        let bytes = response.bytes().await.unwrap().to_vec();
        use calamine::Reader;
        let mut workbook: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let sheet = workbook.worksheet_range("Fakturaunderlag").unwrap();
        let rows: Vec<Vec<calamine::Data>> = sheet.rows().map(<[calamine::Data]>::to_vec).collect();
        let header = rows.iter().position(|r| r.first().is_some_and(|c| *c == "Fakturadatum")).unwrap();
        let names: Vec<String> = rows[header].iter().map(ToString::to_string).collect();
        let at = |name: &str| names.iter().position(|n| n == name).unwrap();
        let ore = |cell: &calamine::Data| match cell {
            calamine::Data::Float(kronor) => (kronor * 100.0).round() as i64,
            calamine::Data::Int(kronor) => kronor * 100,
            other => panic!("{other:?} is not an amount"),
        };
        let body = &rows[header + 1..];
        for (row, line) in body.iter().zip(lines) {
            assert_eq!(ore(&row[at("Belopp exkl. moms (kr)")]), line["amount_ore"].as_i64().unwrap());
            assert_eq!(ore(&row[at("Belopp inkl. moms (kr)")]), line["amount_incl_vat_ore"].as_i64().unwrap());
        }
        let total_row = body.iter().find(|r| r.first().is_some_and(|c| *c == "Summa")).unwrap();
        assert_eq!(ore(&total_row[at("Belopp exkl. moms (kr)")]), 5_800_000);
        assert_eq!(ore(&total_row[at("Moms (kr)")]), 1_450_000);

        // Another organisation's finance user finds nothing; bad periods are named.
        let other = app.user(Role::Finance, Some(SUNDSVALL));
        for suffix in ["", ".csv", ".xlsx"] {
            assert_eq!(app.get_as(&other, &format!("{base}{suffix}")).await.status(), StatusCode::NOT_FOUND);
        }
        let (status, error) = answer(app.get(&format!("{base}?from=2027-02-30")).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(error["error"]["fields"]["from"].is_string());
        let (status, error) = answer(app.get(&format!("{base}?from=2027-02-01&to=2027-01-01")).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(error["error"]["fields"]["to"].is_string());
    }
}

#[tokio::test]
async fn concurrent_confirms_and_invoices_write_once() {
    for (app, _db) in crate::helpers::spawn_apps().await {
        let (cohort, _) = cohort_of_two(&app, "RACE").await;

        let confirms = (0..8).map(|_| confirm(&app, cohort, json!({"split_rule": "equal_fixed"})));
        let answers = futures_util::future::join_all(confirms).await;
        assert!(answers.iter().all(|(status, _)| *status == StatusCode::OK), "{answers:?}");
        assert!(answers.iter().all(|(_, body)| *body == answers[0].1), "every confirm answers the same");
        assert_eq!((app.count("split_versions"), app.count("audit_log")), (1, 1));

        let path = format!("/api/v1/cohorts/{cohort}/invoice");
        let invoices = (0..8).map(|_| async { app.post(&path, &json!({})).await.status() });
        let statuses = futures_util::future::join_all(invoices).await;
        assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CREATED).count(), 1, "{statuses:?}");
        assert_eq!(statuses.iter().filter(|s| **s == StatusCode::OK).count(), 7, "{statuses:?}");
        assert_eq!(app.count("invoice_lines"), 2);
    }
}

#[tokio::test]
async fn changes_follow_the_host_and_the_minimum() {
    for (app, _db) in crate::helpers::spawn_apps().await {
        let (cohort, [sun, ang, _]) = cohort_of_two(&app, "HOST").await;
        let cancel = format!("/api/v1/cohorts/{cohort}/cancel");
        let (status, _) = answer(app.post(&cancel, &json!({"reason": "x"})).await).await;
        assert_eq!(status, StatusCode::CONFLICT, "a proposal is not cancelled");
        let (status, _) = answer(app.post(&format!("/api/v1/cohorts/{cohort}/invoice"), &json!({})).await).await;
        assert_eq!(status, StatusCode::CONFLICT, "a proposal is not invoiced");

        // 3 seats each: the tie on seats goes to the smaller org number, Ånge's.
        let (status, confirmed) = confirm(&app, cohort, json!({"split_rule": "host_fixed"})).await;
        assert_eq!(status, StatusCode::OK, "{confirmed}");
        let ange_org = confirmed["allocations"].as_array().unwrap().iter().find(|a| a["agreement_id"] == ang).unwrap()
            ["organisation_id"]
            .clone();
        assert_eq!(confirmed["host_organisation_id"], ange_org);

        let withdraw = format!("/api/v1/cohorts/{cohort}/withdraw");
        let ange_user = app.user(Role::Organisation, Some(ANGE));
        let (status, error) =
            answer(app.post_as(&ange_user, &withdraw, &json!({"agreement_id": ang, "seats": 3})).await).await;
        assert_eq!(status, StatusCode::CONFLICT, "the host cannot leave: {error}");
        let finance = app.user(Role::Finance, Some(ANGE));
        let body = json!({"agreement_id": ang, "seats": 1});
        assert_eq!(app.post_as(&finance, &withdraw, &body).await.status(), StatusCode::FORBIDDEN);
        let stranger = app.user(Role::Organisation, Some(TIMRA));
        assert_eq!(app.post_as(&stranger, &withdraw, &body).await.status(), StatusCode::NOT_FOUND);

        // Ånge keeps 1 seat: it pays 12 000 000 + 500 000, Sundsvall 3 × 500 000.
        let (status, after) =
            answer(app.post_as(&ange_user, &withdraw, &json!({"agreement_id": ang, "seats": 2})).await).await;
        assert_eq!(status, StatusCode::OK, "{after}");
        let (_, versions) = answer(app.get(&format!("/api/v1/cohorts/{cohort}/splits")).await).await;
        assert_eq!(
            shares(&versions[1]),
            [
                (sun, row(3, 1_500_000, 0, 375_000, 13_500_000)),
                (ang, row(1, 12_500_000, 12_000_000, 3_125_000, 13_000_000)),
            ]
        );
        let (status, error) =
            answer(app.post(&withdraw, &json!({"agreement_id": sun, "seats": 3, "ange": 1})).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "unknown fields are refused: {error}");
        // Sundsvall leaves: 1 seat is below the minimum of 2, so no reason is needed to cancel.
        let (status, _) = answer(app.post(&withdraw, &json!({"agreement_id": sun, "seats": 3})).await).await;
        assert_eq!(status, StatusCode::OK);
        let (status, error) = answer(app.post(&withdraw, &json!({"agreement_id": ang, "seats": 1})).await).await;
        assert_eq!(status, StatusCode::CONFLICT, "the last seat: cancel instead: {error}");
        let (status, cancelled) = answer(app.post(&cancel, &json!({})).await).await;
        assert_eq!((status, cancelled["status"].as_str()), (StatusCode::OK, Some("cancelled")), "{cancelled}");
        assert_eq!(cancelled["split_version"], 4);
        let (status, _) = answer(app.post(&format!("/api/v1/cohorts/{cohort}/invoice"), &json!({})).await).await;
        assert_eq!(status, StatusCode::CONFLICT, "a cancelled cohort never invoiced has nothing to invoice");
    }
}
