//! Participants: an organisation names the people who take its seats.

use reqwest::StatusCode;
use serde_json::{Value, json};
use strumpavtal::access::Role;

use crate::helpers::{TestApp, answer, term};

/// Sundsvall and Ånge with 3 seats each in a proposed cohort of a course of
/// 2–10; Timrå registered but not in it. Returns the cohort and the
/// agreements of Sundsvall, Ånge and Timrå.
async fn cohort(app: &TestApp) -> (i64, [i64; 3]) {
    let mut agreements = [0; 3];
    for (i, (number, name, reference)) in [
        ("212000-2411", "Sundsvalls kommun", "SKO-SUN-01"),
        ("212000-2387", "Ånge kommun", "SKO-ANG-01"),
        ("212000-2395", "Timrå kommun", "SKO-TIM-01"),
    ]
    .into_iter()
    .enumerate()
    {
        let organisation = app.organisation(number, name, 2_000).await;
        agreements[i] = app.agreement(organisation, reference, true).await;
    }
    app.course("ENROL", 2, 10).await;
    app.need(agreements[0], "ENROL", 3, (&term(0), &term(0))).await;
    app.need(agreements[1], "ENROL", 3, (&term(0), &term(0))).await;
    let (status, plan) = answer(app.post("/api/v1/plans", &json!({})).await).await;
    assert_eq!(status, StatusCode::CREATED, "{plan}");
    (plan["cohorts"][0]["id"].as_i64().unwrap(), agreements)
}

fn person(agreement: i64, name: &str) -> Value {
    let address = format!("{}@ange.example", name.to_lowercase().replace(' ', "."));
    json!({"agreement_id": agreement, "name": name, "email": address})
}

#[tokio::test]
async fn an_organisation_names_no_more_participants_than_its_seats() {
    for (app, _db) in crate::helpers::spawn_apps().await {
        let (cohort, [sun, ang, _]) = cohort(&app).await;
        let path = format!("/api/v1/cohorts/{cohort}/participants");
        let ange = app.user(Role::Organisation, Some("212000-2387"));
        let (status, error) = answer(app.post_as(&ange, &path, &person(ang, "Anna Berg")).await).await;
        assert_eq!(status, StatusCode::CONFLICT, "named once confirmed: {error}");
        let (status, _) = answer(app.post(&format!("/api/v1/cohorts/{cohort}/confirm"), &json!({})).await).await;
        assert_eq!(status, StatusCode::OK);

        let mut ids = Vec::new();
        for name in ["Anna Berg", "Bo Ek", "Cecilia Lund"] {
            let (status, added) = answer(app.post_as(&ange, &path, &person(ang, name)).await).await;
            assert_eq!(status, StatusCode::CREATED, "{added}");
            assert_eq!(added["name"], name);
            ids.push(added["id"].as_i64().unwrap());
        }
        // Ånge holds 3 seats: a fourth participant is refused.
        let (status, error) = answer(app.post_as(&ange, &path, &person(ang, "David Holm")).await).await;
        assert_eq!(status, StatusCode::CONFLICT, "{error}");
        assert!(error["error"]["fields"]["agreement_id"].as_str().unwrap().contains("holds 3 seats"), "{error}");

        // Bad input names the field; others' agreements and cohorts are closed.
        let bad = [
            (json!({"agreement_id": ang, "name": " ", "email": "x@ange.example"}), "name"),
            (json!({"agreement_id": ang, "name": "Eva", "email": "eva"}), "email"),
            (person(sun, "Eva Strand"), "agreement_id"),
        ];
        for (body, field) in bad {
            let (status, error) = answer(app.post_as(&ange, &path, &body).await).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {error}");
            assert!(error["error"]["fields"][field].is_string(), "{body} names {field}: {error}");
        }
        let (status, error) = answer(
            app.post(&path, &json!({"agreement_id": sun, "name": "Anna", "email": "anna.berg@ange.example"})).await,
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "one seat per person: {error}");
        let finance = app.user(Role::Finance, Some("212000-2387"));
        assert_eq!(app.post_as(&finance, &path, &person(ang, "Eva Strand")).await.status(), StatusCode::FORBIDDEN);
        let timra = app.user(Role::Organisation, Some("212000-2395"));
        assert_eq!(app.get_as(&timra, &path).await.status(), StatusCode::NOT_FOUND);

        // Ånge sees its names; Sundsvall sees Ånge only as a count.
        let (_, seen) = answer(app.get_as(&ange, &path).await).await;
        assert_eq!(seen["participants"].as_array().unwrap().len(), 3);
        let sundsvall = app.user(Role::Organisation, Some("212000-2411"));
        let (_, partner) = answer(app.get_as(&sundsvall, &path).await).await;
        assert_eq!(partner["participants"], json!([]), "no partner's names: {partner}");
        let counts: Vec<(String, i64, i64)> = partner["organisations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| {
                (
                    o["organisation_name"].as_str().unwrap().to_owned(),
                    o["seats"].as_i64().unwrap(),
                    o["participants"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(counts, [("Sundsvalls kommun".to_owned(), 3, 0), ("Ånge kommun".to_owned(), 3, 3)]);
        assert!(!partner.to_string().contains("Anna"), "{partner}");

        // Seats with named participants are not withdrawn behind their backs.
        let withdraw = format!("/api/v1/cohorts/{cohort}/withdraw");
        let (status, error) =
            answer(app.post_as(&ange, &withdraw, &json!({"agreement_id": ang, "seats": 1})).await).await;
        assert_eq!(status, StatusCode::CONFLICT, "{error}");

        // Replacing a person keeps the seat; withdrawing one frees it.
        let (status, kept) = answer(app.delete_as(&ange, &format!("{path}/{}?keep_seat=true", ids[0])).await).await;
        assert_eq!(status, StatusCode::OK, "{kept}");
        assert_eq!(kept["participants"].as_array().unwrap().len(), 2);
        let (_, unchanged) = answer(app.get(&format!("/api/v1/cohorts/{cohort}")).await).await;
        assert_eq!((unchanged["size"].as_i64(), unchanged["split_version"].as_i64()), (Some(6), Some(1)));
        let (status, left) = answer(app.delete_as(&ange, &format!("{path}/{}", ids[1])).await).await;
        assert_eq!(status, StatusCode::OK, "{left}");
        let ange_count = left["organisations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["organisation_name"] == "Ånge kommun")
            .unwrap()
            .clone();
        assert_eq!((ange_count["seats"].as_i64(), ange_count["participants"].as_i64()), (Some(2), Some(1)));
        let (_, freed) = answer(app.get(&format!("/api/v1/cohorts/{cohort}")).await).await;
        assert_eq!((freed["size"].as_i64(), freed["split_version"].as_i64()), (Some(5), Some(2)));
        assert_eq!(app.delete_as(&ange, &format!("{path}/{}", ids[1])).await.status(), StatusCode::NOT_FOUND);
        assert_eq!(app.delete_as(&finance, &format!("{path}/{}", ids[2])).await.status(), StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn freed_seats_go_to_the_first_in_line_who_is_told() {
    for (app, _db) in crate::helpers::spawn_apps().await {
        let (cohort, [_, ang, tim]) = cohort(&app).await;
        let (status, _) = answer(app.post(&format!("/api/v1/cohorts/{cohort}/confirm"), &json!({})).await).await;
        assert_eq!(status, StatusCode::OK);
        let join = format!("/api/v1/cohorts/{cohort}/join");
        let timra = app.user(Role::Organisation, Some("212000-2395"));
        // 6 of 10 seats are taken: Timrå's 5 wait; a later 4 would fit, but nobody asks.
        let (status, entry) = answer(app.post_as(&timra, &join, &json!({"agreement_id": tim, "seats": 5})).await).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{entry}");
        assert_eq!(entry["position"], 1);
        let ange = app.user(Role::Organisation, Some("212000-2387"));
        assert_eq!(
            app.get_as(&ange, &format!("/api/v1/cohorts/{cohort}/waitlist")).await.json::<Vec<Value>>().await.unwrap(),
            Vec::<Value>::new(),
            "only its own entries"
        );

        // Ånge gives up a seat: five are open, and Timrå's request takes them.
        let (status, after) = answer(
            app.post_as(
                &ange,
                &format!("/api/v1/cohorts/{cohort}/withdraw"),
                &json!({"agreement_id": ang, "seats": 1}),
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{after}");
        let (_, now) = answer(app.get(&format!("/api/v1/cohorts/{cohort}")).await).await;
        assert_eq!((now["size"].as_i64(), now["open_seats"].as_i64()), (Some(10), Some(0)), "{now}");
        // Version 2 is the withdrawal, version 3 Timrå's seats.
        assert_eq!(now["split_version"], 3);
        let timra_seats: i64 = now["allocations"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["agreement_id"] == tim)
            .map(|a| a["seats"].as_i64().unwrap())
            .sum();
        assert_eq!(timra_seats, 5);
        let (_, line) = answer(app.get_as(&timra, &format!("/api/v1/cohorts/{cohort}/waitlist")).await).await;
        assert_eq!((line[0]["status"].as_str(), line[0]["position"].as_i64()), (Some("promoted"), None));
        let told: Vec<Value> =
            app.list("/api/v1/outbox").await.into_iter().filter(|e| e["kind"] == "waitlist_promotion").collect();
        assert_eq!(told.len(), 1);
        assert_eq!(told[0]["to"], "kompetens@kommun.example");
        assert!(told[0]["subject"].as_str().unwrap().starts_with("Plats från väntelistan: ENROL"), "{told:?}");
    }
}
