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

#[tokio::test]
async fn invitations_go_to_those_who_may_join_with_their_price() {
    for (app, _db) in crate::helpers::spawn_apps().await {
        let (cohort, [..]) = cohort(&app).await;
        let sundsvall = app
            .list("/api/v1/organisations")
            .await
            .into_iter()
            .find(|o| o["org_number"] == "212000-2411")
            .unwrap()["id"]
            .as_i64()
            .unwrap();
        let timra = app
            .list("/api/v1/organisations")
            .await
            .into_iter()
            .find(|o| o["org_number"] == "212000-2395")
            .unwrap()["id"]
            .as_i64()
            .unwrap();
        let krokom = app.organisation("212000-2437", "Krokoms kommun", 1_300).await;
        app.agreement(krokom, "SKO-KRO-01", false).await;
        let path = format!("/api/v1/cohorts/{cohort}/invite");

        let (status, sent) =
            answer(app.post(&path, &json!({"organisation_ids": [timra, sundsvall, krokom]})).await).await;
        assert_eq!(status, StatusCode::OK, "{sent}");
        assert_eq!(sent["invited"].as_array().unwrap().len(), 1, "{sent}");
        assert_eq!(sent["invited"][0]["organisation_id"], timra);
        let reasons: Vec<(i64, String)> = sent["not_invited"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| (n["organisation_id"].as_i64().unwrap(), n["reason"].as_str().unwrap().to_owned()))
            .collect();
        assert_eq!(reasons.len(), 2);
        assert!(reasons.iter().any(|(id, r)| *id == sundsvall && r.contains("already")), "{reasons:?}");
        assert!(reasons.iter().any(|(id, r)| *id == krokom && r.contains("pooling")), "{reasons:?}");

        // One seat more: 15 500 000 öre over 7 seats; Timrå's 1/7 has the
        // largest remainder, so it pays 2 214 286 öre.
        let invitations: Vec<Value> =
            app.list("/api/v1/outbox").await.into_iter().filter(|e| e["kind"] == "invitation").collect();
        assert_eq!(invitations.len(), 1);
        assert!(invitations[0]["subject"].as_str().unwrap().starts_with("Inbjudan att samläsa: ENROL"));
        let mut conn = app.pool.get().unwrap();
        use diesel::prelude::*;
        let text: String = strumpavtal::db::schema::email_outbox::table
            .filter(strumpavtal::db::schema::email_outbox::kind.eq("invitation"))
            .select(strumpavtal::db::schema::email_outbox::text_body)
            .first(&mut conn)
            .unwrap();
        assert!(text.contains("1 plats: 22\u{a0}142,86\u{a0}kr"), "{text}");

        // Again the same day: no second e-mail. Bad input and roles are refused.
        let (status, _) = answer(app.post(&path, &json!({"organisation_ids": [timra]})).await).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(app.list("/api/v1/outbox").await.iter().filter(|e| e["kind"] == "invitation").count(), 1);
        let (status, error) = answer(app.post(&path, &json!({"organisation_ids": [999_999]})).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
        assert!(error["error"]["fields"]["organisation_ids"].is_string());
        let (status, _) = answer(app.post(&path, &json!({"organisation_ids": []})).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let user = app.user(Role::Organisation, Some("212000-2395"));
        assert_eq!(
            app.post_as(&user, &path, &json!({"organisation_ids": [timra]})).await.status(),
            StatusCode::FORBIDDEN
        );
    }
}

#[tokio::test]
async fn a_near_viable_cohort_invites_others_to_bring_the_missing_seats() {
    for (app, _db) in crate::helpers::spawn_apps().await {
        let harnosand = app.organisation("212000-2403", "Härnösands kommun", 2_100).await;
        let ange = app.organisation("212000-2387", "Ånge kommun", 1_150).await;
        let timra = app.organisation("212000-2395", "Timrå kommun", 1_600).await;
        let krokom = app.organisation("212000-2437", "Krokoms kommun", 1_300).await;
        let a_har = app.agreement(harnosand, "SKO-HAR-01", true).await;
        let a_ang = app.agreement(ange, "SKO-ANG-01", true).await;
        app.agreement(timra, "SKO-TIM-01", true).await;
        app.agreement(krokom, "SKO-KRO-01", false).await;
        app.course("NEAR", 5, 10).await;
        app.need(a_har, "NEAR", 2, (&term(0), &term(0))).await;
        app.need(a_ang, "NEAR", 1, (&term(0), &term(0))).await;
        let (status, plan) = answer(app.post("/api/v1/plans", &json!({})).await).await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(plan["unplaced"][0]["missing_seats"], 2, "{plan}");
        let path = format!("/api/v1/plans/{}/invite", plan["id"]);

        let body = json!({"course_code": "NEAR", "term": term(0), "organisation_ids": [timra, krokom, harnosand]});
        let (status, sent) = answer(app.post(&path, &body).await).await;
        assert_eq!(status, StatusCode::OK, "{sent}");
        let invited: Vec<i64> =
            sent["invited"].as_array().unwrap().iter().map(|i| i["organisation_id"].as_i64().unwrap()).collect();
        assert_eq!(invited, [timra]);
        assert_eq!(sent["not_invited"].as_array().unwrap().len(), 2, "{sent}");

        // Timrå bringing 2 seats: 3 + 2 = 5, 14 500 000 öre, its 2/5 is 5 800 000.
        // Bringing 4: 7 seats, 15 500 000; the floors leave 2 öre, which go to
        // Timrå's 4/7 and Ånge's 1/7 (remainders 6/7 and 5/7): 8 857 143.
        let mut conn = app.pool.get().unwrap();
        use diesel::prelude::*;
        use strumpavtal::db::schema::email_outbox;
        let text: String = email_outbox::table
            .filter(email_outbox::kind.eq("invitation"))
            .select(email_outbox::text_body)
            .first(&mut conn)
            .unwrap();
        assert!(
            text.contains("2 platser: 58\u{a0}000,00\u{a0}kr (29\u{a0}000,00\u{a0}kr per plats för alla)"),
            "{text}"
        );
        assert!(text.contains("4 platser: 88\u{a0}571,43\u{a0}kr"), "{text}");
        assert!(text.contains("3 platser är efterfrågade") && text.contains("2 fattas"), "{text}");

        let (status, _) = answer(
            app.post(&path, &json!({"course_code": "NEAR", "term": term(1), "organisation_ids": [timra]})).await,
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "nothing near-viable in that term");
        let (status, _) = answer(app.post("/api/v1/plans/999999/invite", &body).await).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, error) =
            answer(app.post(&path, &json!({"course_code": "NEAR", "term": "VT27", "organisation_ids": [timra]})).await)
                .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(error["error"]["fields"]["term"].is_string());
    }
}
