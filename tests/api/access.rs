//! Tokens and roles: who sees and changes what.

use reqwest::StatusCode;
use serde_json::json;
use strumpavtal::access::Role;

use crate::helpers::{answer, spawn_apps, term};

#[tokio::test]
async fn requests_without_a_valid_token_are_401() {
    for (app, _db) in spawn_apps().await {
        let no_header = app.client.get(app.url("/api/v1/organisations")).send().await.unwrap();
        assert_eq!(no_header.status(), StatusCode::UNAUTHORIZED, "{:?}", app.backend);
        assert_eq!(no_header.headers()["www-authenticate"], "Bearer");
        for token in ["nonsense", "sp_0000000000000000000000000000000000000000000000000000000000000000", ""] {
            let (status, body) = answer(app.get_as(token, "/api/v1/needs").await).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "token {token:?}");
            assert_eq!(body["error"]["code"], "unauthorized");
        }
    }
}

#[tokio::test]
async fn an_organisation_user_sees_only_its_own_organisation() {
    for (app, _db) in spawn_apps().await {
        let ange = app.organisation("212000-2387", "Ånge kommun", 1150).await;
        let timra = app.organisation("212000-2395", "Timrå kommun", 1600).await;
        let ange_agreement = app.agreement(ange, "SKO-ANG-01", true).await;
        let timra_agreement = app.agreement(timra, "SKO-TIM-01", true).await;
        app.course("SAMT3", 10, 30).await;
        let timra_need = app.need(timra_agreement, "SAMT3", 4, (&term(0), &term(1))).await;
        let token = app.user(Role::Organisation, Some("212000-2387"));

        let organisations: Vec<serde_json::Value> =
            app.get_as(&token, "/api/v1/organisations").await.json().await.unwrap();
        assert_eq!(organisations.len(), 1, "{:?}", app.backend);
        assert_eq!(organisations[0]["id"], ange);
        for path in [
            format!("/api/v1/organisations/{timra}"),
            format!("/api/v1/agreements/{timra_agreement}"),
            format!("/api/v1/agreements/{timra_agreement}/budget"),
            format!("/api/v1/needs/{timra_need}"),
        ] {
            let (status, body) = answer(app.get_as(&token, &path).await).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
            assert!(!body.to_string().contains("Timrå"), "{body}");
        }
        let needs: Vec<serde_json::Value> = app.get_as(&token, "/api/v1/needs").await.json().await.unwrap();
        assert!(needs.is_empty(), "{needs:?}");

        // Its own needs it may add and withdraw; others' it cannot touch.
        let own = app
            .post_as(
                &token,
                "/api/v1/needs",
                &json!({"agreement_id": ange_agreement, "course_code": "SAMT3",
                "seats": 3, "earliest_term": term(0), "latest_term": term(1)}),
            )
            .await;
        let (status, own) = answer(own).await;
        assert_eq!(status, StatusCode::CREATED, "{own}");
        let (status, body) = answer(
            app.post_as(
                &token,
                "/api/v1/needs",
                &json!({"agreement_id": timra_agreement, "course_code": "SAMT3",
                "seats": 3, "earliest_term": term(0), "latest_term": term(1)}),
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body["error"]["fields"]["agreement_id"].is_string(), "{body}");
        assert_eq!(app.delete_as(&token, &format!("/api/v1/needs/{timra_need}")).await.status(), StatusCode::NOT_FOUND);
        let withdrawn = app.delete_as(&token, &format!("/api/v1/needs/{}", own["id"])).await;
        assert_eq!(withdrawn.status(), StatusCode::OK);

        // Coordinator-only actions are forbidden, not hidden.
        let (status, _) = answer(
            app.post_as(
                &token,
                "/api/v1/courses",
                &json!({"code": "X1", "title": "X", "credits": 3,
                "min_participants": 1, "max_participants": 2, "fixed_fee_ore": 0, "per_participant_fee_ore": 0}),
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) =
            answer(app.patch_as(&token, &format!("/api/v1/organisations/{ange}"), &json!({"employees": 2})).await)
                .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(app.count("courses"), 1);
    }
}

#[tokio::test]
async fn a_finance_user_reads_but_does_not_change_needs() {
    for (app, _db) in spawn_apps().await {
        let ange = app.organisation("212000-2387", "Ånge kommun", 1150).await;
        let agreement = app.agreement(ange, "SKO-ANG-01", true).await;
        app.course("SAMT3", 10, 30).await;
        let need = app.need(agreement, "SAMT3", 4, (&term(0), &term(0))).await;
        let token = app.user(Role::Finance, Some("212000-2387"));
        assert_eq!(
            app.get_as(&token, &format!("/api/v1/agreements/{agreement}/budget")).await.status(),
            StatusCode::OK
        );
        assert_eq!(app.get_as(&token, &format!("/api/v1/needs/{need}")).await.status(), StatusCode::OK);
        let (status, _) = answer(app.delete_as(&token, &format!("/api/v1/needs/{need}")).await).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{:?}", app.backend);
        let (status, _) = answer(
            app.post_as(
                &token,
                "/api/v1/needs",
                &json!({"agreement_id": agreement, "course_code": "SAMT3",
                "seats": 3, "earliest_term": term(0), "latest_term": term(0)}),
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(app.count("needs"), 1);
        let need: serde_json::Value = app.get(&format!("/api/v1/needs/{need}")).await.json().await.unwrap();
        assert_eq!(need["status"], "open");
    }
}
