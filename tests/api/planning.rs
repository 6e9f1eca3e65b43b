//! Plans, cohorts, open seats and joins, end to end.

use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};
use strumpavtal::access::Role;

use crate::helpers::{TestApp, answer, term};

async fn need_with_extra(app: &TestApp, agreement: i64, course: &str, seats: i64, extra: i64, window: (&str, &str)) {
    let body = json!({
        "agreement_id": agreement, "course_code": course, "seats": seats, "extra_seats": extra,
        "earliest_term": window.0, "latest_term": window.1
    });
    let (status, body) = answer(app.post("/api/v1/needs", &body).await).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

async fn plan(app: &TestApp) -> Value {
    let (status, plan) = answer(app.post("/api/v1/plans", &json!({})).await).await;
    assert_eq!(status, StatusCode::CREATED, "{:?}: {plan}", app.backend);
    plan
}

fn cohort<'a>(plan: &'a Value, course: &str) -> &'a Value {
    plan["cohorts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["course_code"] == course)
        .unwrap_or_else(|| panic!("no {course} cohort in {plan}"))
}

#[tokio::test]
async fn a_plan_pools_organisations_uses_extra_seats_and_says_what_it_left() {
    for (app, _db) in crate::helpers::spawn_apps().await {
        let harnosand = app.organisation("212000-2403", "Härnösands kommun", 2100).await;
        let ange = app.organisation("212000-2387", "Ånge kommun", 1150).await;
        let timra = app.organisation("212000-2395", "Timrå kommun", 1600).await;
        let a_har = app.agreement(harnosand, "SKO-HAR-01", true).await;
        let a_ang = app.agreement(ange, "SKO-ANG-01", true).await;
        let a_tim = app.agreement(timra, "SKO-TIM-01", true).await;
        // Course fees from the helper: 120 000 kr fixed, 5 000 kr per seat.
        app.course("PLAN1", 5, 10).await;
        app.course("PLAN2", 5, 10).await;
        app.course("PLAN3", 6, 8).await;
        // PLAN1: 3 + 3 seats meet only in term 1 → one cohort of 6.
        let har_need = app.need(a_har, "PLAN1", 3, (&term(0), &term(1))).await;
        let ang_need = app.need(a_ang, "PLAN1", 3, (&term(1), &term(1))).await;
        // PLAN2: 2 seats alone, 3 short of the minimum of 5.
        let tim_need = app.need(a_tim, "PLAN2", 2, (&term(0), &term(0))).await;
        // PLAN3: 3 + 1 firm seats, minimum 6: Härnösand's 2 extra seats make it viable.
        need_with_extra(&app, a_har, "PLAN3", 3, 2, (&term(2), &term(2))).await;
        app.need(a_ang, "PLAN3", 1, (&term(2), &term(2))).await;

        let plan = plan(&app).await;
        let first = cohort(&plan, "PLAN1");
        assert_eq!((first["term"].as_str(), first["status"].as_str()), (Some(term(1).as_str()), Some("proposed")));
        assert_eq!((first["size"].as_i64(), first["total_ore"].as_i64()), (Some(6), Some(12_000_000 + 6 * 500_000)));
        let mut placed: Vec<(i64, i64, i64)> = first["allocations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| (a["need_id"].as_i64().unwrap(), a["seats"].as_i64().unwrap(), a["extra_seats"].as_i64().unwrap()))
            .collect();
        placed.sort();
        assert_eq!(placed, [(har_need, 3, 0), (ang_need, 3, 0)]);
        // per_seat: 15 000 000 öre over 3 + 3 seats is 7 500 000 each; alone
        // each would pay 120 000 kr + 5 × 5 000 kr = 14 500 000 öre.
        let shares = first["per_seat"]["shares"].as_array().unwrap();
        assert!(shares.iter().all(|s| s["amount_ore"] == 7_500_000 && s["standalone_ore"] == 14_500_000));
        assert!(shares.iter().all(|s| s["fixed_part_ore"] == 6_000_000 && s["savings_ore"] == 7_000_000));
        assert_eq!(first["per_seat"]["savings_ore"], 14_000_000);

        let third = cohort(&plan, "PLAN3");
        assert_eq!(
            (third["size"].as_i64(), third["firm_seats"].as_i64(), third["extra_seats"].as_i64()),
            (Some(6), Some(4), Some(2))
        );

        let unplaced = plan["unplaced"].as_array().unwrap();
        assert_eq!(unplaced.len(), 1, "{unplaced:?}");
        assert_eq!(unplaced[0]["need_id"], tim_need);
        assert_eq!(unplaced[0]["reason"], "below_minimum");
        assert_eq!(
            (unplaced[0]["term"].as_str(), unplaced[0]["missing_seats"].as_i64()),
            (Some(term(0).as_str()), Some(3))
        );

        let summary = &plan["summary"];
        assert_eq!(summary["firm_seats_requested"], 3 + 3 + 2 + 3 + 1);
        assert_eq!(summary["firm_seats_placed"], 3 + 3 + 3 + 1);
        assert_eq!(summary["extra_seats_used"], 2);
        assert_eq!(summary["cohorts"], 2);
        assert_eq!(summary["total_cost_ore"], 15_000_000 + 12_000_000 + 6 * 500_000);
        // PLAN3 alone: Härnösand 5 seats → 6 at the minimum; Ånge 1 → 6.
        let standalone = 2 * 14_500_000 + 2 * (12_000_000 + 6 * 500_000);
        assert_eq!(summary["standalone_cost_ore"], standalone);
        assert_eq!(summary["savings_ore"], standalone - (15_000_000 + 15_000_000));
        assert_eq!(summary["optimal"], true);

        // The stored plan reads back the same.
        let (status, again) = answer(app.get(&format!("/api/v1/plans/{}", plan["id"])).await).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(again, plan);
    }
}

#[tokio::test]
async fn planning_again_supersedes_proposals_and_only_coordinators_plan() {
    for (app, _db) in crate::helpers::spawn_apps().await {
        let org = app.organisation("212000-2403", "Härnösands kommun", 2100).await;
        let agreement = app.agreement(org, "SKO-HAR-01", true).await;
        app.course("PLAN1", 2, 10).await;
        app.need(agreement, "PLAN1", 4, (&term(0), &term(0))).await;
        let first = plan(&app).await;
        let second = plan(&app).await;
        assert_ne!(first["id"], second["id"]);
        let proposed = app.list("/api/v1/cohorts?status=proposed").await;
        assert_eq!(proposed.len(), 1);
        assert_eq!(proposed[0]["id"], cohort(&second, "PLAN1")["id"]);
        let superseded = app.list("/api/v1/cohorts?status=superseded").await;
        assert_eq!(superseded.len(), 1);
        assert_eq!(superseded[0]["id"], cohort(&first, "PLAN1")["id"]);
        // The first plan can still be read; its cohort now says superseded.
        let (_, old) = answer(app.get(&format!("/api/v1/plans/{}", first["id"])).await).await;
        assert_eq!(cohort(&old, "PLAN1")["status"], "superseded");

        let (status, body) = answer(app.get("/api/v1/cohorts?status=booked").await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body["error"]["fields"]["status"].as_str().unwrap().contains("proposed"), "{body}");

        let member = app.user(Role::Organisation, Some("212000-2403"));
        let (status, _) = answer(app.post_as(&member, "/api/v1/plans", &json!({})).await).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = answer(app.get_as(&member, &format!("/api/v1/plans/{}", second["id"])).await).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        // The organisation sees its own cohort; another organisation does not.
        let mine: Vec<Value> = app.get_as(&member, "/api/v1/cohorts").await.json().await.unwrap();
        assert_eq!(mine.len(), 2, "the superseded and the proposed cohort are both its own");
        app.organisation("212000-2387", "Ånge kommun", 1150).await;
        let other = app.user(Role::Organisation, Some("212000-2387"));
        let theirs: Vec<Value> = app.get_as(&other, "/api/v1/cohorts").await.json().await.unwrap();
        assert!(theirs.is_empty());
        let (status, _) =
            answer(app.get_as(&other, &format!("/api/v1/cohorts/{}", cohort(&first, "PLAN1")["id"])).await).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn open_seats_show_the_price_of_joining_and_a_join_takes_them() {
    for (app, _db) in crate::helpers::spawn_apps().await {
        let harnosand = app.organisation("212000-2403", "Härnösands kommun", 2100).await;
        let ange = app.organisation("212000-2387", "Ånge kommun", 1150).await;
        let solleftea = app.organisation("212000-2429", "Sollefteå kommun", 1900).await;
        let krokom = app.organisation("212000-2437", "Krokoms kommun", 1300).await;
        let a_har = app.agreement(harnosand, "SKO-HAR-01", true).await;
        let a_ang = app.agreement(ange, "SKO-ANG-01", true).await;
        let a_sol = app.agreement(solleftea, "SKO-SOL-01", true).await;
        let a_kro = app.agreement(krokom, "SKO-KRO-01", false).await;
        app.course("PLAN1", 5, 10).await;
        app.need(a_har, "PLAN1", 3, (&term(1), &term(1))).await;
        app.need(a_ang, "PLAN1", 3, (&term(1), &term(1))).await;
        let id = cohort(&plan(&app).await, "PLAN1")["id"].as_i64().unwrap();

        let solleftea_user = app.user(Role::Organisation, Some("212000-2429"));
        let open: Vec<Value> = app.get_as(&solleftea_user, "/api/v1/open-seats").await.json().await.unwrap();
        assert_eq!(open.len(), 1, "{open:?}");
        let offer = &open[0];
        assert_eq!((offer["cohort_id"].as_i64(), offer["open_seats"].as_i64()), (Some(id), Some(4)));
        assert_eq!(offer["agreements"], json!([a_sol]));
        assert_eq!(offer["price_per_seat_ore"], 2_500_000);
        assert_eq!(offer["what_if"].as_array().unwrap().len(), 4);
        // One more seat: 15 500 000 öre over 7 seats. Floors 2 214 285 and
        // 2 × 6 642 857 leave one öre, which goes to the largest remainder:
        // Sollefteå's 5/7 beats the others' 1/7.
        let one = &offer["what_if"][0];
        assert_eq!((one["seats"].as_i64(), one["you_pay_ore"].as_i64()), (Some(1), Some(2_214_286)));
        assert_eq!(
            (one["total_ore"].as_i64(), one["price_per_seat_ore"].as_i64()),
            (Some(15_500_000), Some(2_214_286))
        );
        assert_eq!(one["price_drop_per_seat_ore"], 2_500_000 - 2_214_286);
        // Krokom does not pool: nothing is open to it.
        let krokom_user = app.user(Role::Organisation, Some("212000-2437"));
        let none: Vec<Value> = app.get_as(&krokom_user, "/api/v1/open-seats").await.json().await.unwrap();
        assert!(none.is_empty(), "{none:?}");

        let join = |token: String, body: Value| {
            let app = &app;
            async move { answer(app.post_as(&token, &format!("/api/v1/cohorts/{id}/join"), &body).await).await }
        };
        let (status, body) = join(krokom_user.clone(), json!({"agreement_id": a_kro, "seats": 1})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body["error"]["fields"]["agreement_id"].as_str().unwrap().contains("pooling"), "{body}");
        let (status, body) = join(solleftea_user.clone(), json!({"agreement_id": a_sol, "seats": 0})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body["error"]["fields"]["seats"].is_string(), "{body}");
        let (status, body) = join(solleftea_user.clone(), json!({"agreement_id": a_har, "seats": 1})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "another organisation's agreement: {body}");
        // Five seats when four are open: the request waits in line.
        let (status, body) = join(solleftea_user.clone(), json!({"agreement_id": a_sol, "seats": 5})).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        assert_eq!(
            (body["status"].as_str(), body["position"].as_i64(), body["seats"].as_i64()),
            (Some("waiting"), Some(1), Some(5))
        );
        let finance = app.user(Role::Finance, Some("212000-2429"));
        let (status, _) = join(finance, json!({"agreement_id": a_sol, "seats": 1})).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = join(solleftea_user.clone(), json!({"agreement_id": a_sol, "seats": "two"})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let needs_before = app.count("needs");
        assert_eq!(app.count("cohort_allocations"), 2, "bad joins store nothing, nor does waiting");

        let (status, joined) = join(solleftea_user.clone(), json!({"agreement_id": a_sol, "seats": 2})).await;
        assert_eq!(status, StatusCode::OK, "{joined}");
        assert_eq!((joined["size"].as_i64(), joined["open_seats"].as_i64()), (Some(8), Some(2)));
        let ours = joined["allocations"].as_array().unwrap().iter().find(|a| a["agreement_id"] == a_sol).unwrap();
        assert_eq!((ours["seats"].as_i64(), ours["joined"].as_bool()), (Some(2), Some(true)));
        // The joined seats are a need of Sollefteå's now, so a new plan keeps them.
        assert_eq!(app.count("needs"), needs_before + 1);
        let replanned = plan(&app).await;
        assert_eq!(cohort(&replanned, "PLAN1")["size"], 8);
    }
}

#[tokio::test]
async fn joins_extra_seats_give_way_to_firm_seats() {
    for (app, _db) in crate::helpers::spawn_apps().await {
        let harnosand = app.organisation("212000-2403", "Härnösands kommun", 2100).await;
        let ange = app.organisation("212000-2387", "Ånge kommun", 1150).await;
        let a_har = app.agreement(harnosand, "SKO-HAR-01", true).await;
        let a_ang = app.agreement(ange, "SKO-ANG-01", true).await;
        app.course("PLAN3", 6, 8).await;
        need_with_extra(&app, a_har, "PLAN3", 3, 3, (&term(0), &term(0))).await;
        let id = cohort(&plan(&app).await, "PLAN3")["id"].as_i64().unwrap();
        // 3 firm + 3 extra seats. Ånge joins with 2: only 1 extra is still needed.
        let token = app.user(Role::Organisation, Some("212000-2387"));
        let (status, joined) = answer(
            app.post_as(&token, &format!("/api/v1/cohorts/{id}/join"), &json!({"agreement_id": a_ang, "seats": 2}))
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{joined}");
        assert_eq!(
            (joined["firm_seats"].as_i64(), joined["extra_seats"].as_i64(), joined["size"].as_i64()),
            (Some(5), Some(1), Some(6))
        );
        assert_eq!(joined["total_ore"], 12_000_000 + 6 * 500_000);
    }
}

#[tokio::test]
async fn fifty_concurrent_joins_never_overbook_the_last_three_seats() {
    for (app, _db) in crate::helpers::spawn_apps().await {
        let host = app.organisation("212000-2403", "Härnösands kommun", 2100).await;
        let host_agreement = app.agreement(host, "SKO-HAR-01", true).await;
        app.course("RACE", 2, 5).await;
        app.need(host_agreement, "RACE", 2, (&term(0), &term(0))).await;
        let id = cohort(&plan(&app).await, "RACE")["id"].as_i64().unwrap();

        let numbers = ["212000-2387", "212000-2395", "212000-2429", "212000-2437", "212000-2411"];
        let mut joiners = Vec::new();
        for (n, number) in numbers.iter().enumerate() {
            let org = app.organisation(number, &format!("Kommun {n}"), 1000).await;
            let agreement = app.agreement(org, &format!("SKO-RACE-{n}"), true).await;
            joiners.push((app.user(Role::Organisation, Some(number)), agreement));
        }
        let attempts = (0..50).map(|i| {
            let (token, agreement) = &joiners[i % joiners.len()];
            let app = &app;
            async move {
                app.post_as(
                    token,
                    &format!("/api/v1/cohorts/{id}/join"),
                    &json!({"agreement_id": agreement, "seats": 1}),
                )
                .await
                .status()
            }
        });
        let statuses = join_all(attempts).await;
        let won = statuses.iter().filter(|s| **s == StatusCode::OK).count();
        let waiting = statuses.iter().filter(|s| **s == StatusCode::ACCEPTED).count();
        assert_eq!((won, waiting), (3, 47), "{:?}: {statuses:?}", app.backend);
        let line = app.list(&format!("/api/v1/cohorts/{id}/waitlist")).await;
        let positions: Vec<i64> = line.iter().map(|e| e["position"].as_i64().unwrap()).collect();
        assert_eq!(positions, (1..=47).collect::<Vec<_>>(), "positions 1 to 47, without gaps");
        let (_, cohort) = answer(app.get(&format!("/api/v1/cohorts/{id}")).await).await;
        assert_eq!((cohort["firm_seats"].as_i64(), cohort["open_seats"].as_i64()), (Some(5), Some(0)));
        let seats: i64 = cohort["allocations"].as_array().unwrap().iter().map(|a| a["seats"].as_i64().unwrap()).sum();
        assert_eq!(seats, 5);
    }
}
