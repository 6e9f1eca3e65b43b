//! The tables, declared once for both backends. Written by hand (not by
//! `diesel print-schema`) because the two migration folders must map onto the
//! same Rust types: ids are `BigInt`, money `BigInt` öre, dates `Date`.

diesel::table! {
    organisations (id) {
        id -> BigInt,
        org_number -> Text,
        name -> Text,
        kind -> Text,
        employees -> Integer,
        coordinator_email -> Text,
        finance_email -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        language -> Text,
    }
}

diesel::table! {
    agreements (id) {
        id -> BigInt,
        organisation_id -> BigInt,
        reference -> Text,
        starts_on -> Date,
        ends_on -> Date,
        budget_ore -> BigInt,
        pooling -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    courses (id) {
        id -> BigInt,
        code -> Text,
        title -> Text,
        credits_tenths -> Integer,
        min_participants -> Integer,
        max_participants -> Integer,
        fixed_fee_ore -> BigInt,
        per_participant_fee_ore -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    needs (id) {
        id -> BigInt,
        agreement_id -> BigInt,
        course_id -> BigInt,
        seats -> Integer,
        extra_seats -> Integer,
        earliest_term -> Text,
        latest_term -> Text,
        note -> Text,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        role -> Text,
        organisation_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        password_hash -> Nullable<Text>,
        failed_sign_ins -> Integer,
        locked_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    plans (id) {
        id -> BigInt,
        created_at -> Timestamp,
        created_by -> Nullable<BigInt>,
        first_term -> Text,
        firm_seats_requested -> BigInt,
        firm_seats_placed -> BigInt,
        extra_seats_used -> BigInt,
        cohorts -> BigInt,
        total_cost_ore -> BigInt,
        standalone_cost_ore -> BigInt,
        savings_ore -> BigInt,
        optimal -> Bool,
        seats_and_cost_optimal -> Bool,
        firm_seats_gap -> BigInt,
        cost_gap_ore -> BigInt,
        solve_ms -> BigInt,
    }
}

diesel::table! {
    cohorts (id) {
        id -> BigInt,
        plan_id -> Nullable<BigInt>,
        plan_position -> Integer,
        course_id -> BigInt,
        term -> Text,
        status -> Text,
        min_participants -> Integer,
        max_participants -> Integer,
        fixed_fee_ore -> BigInt,
        per_participant_fee_ore -> BigInt,
        firm_seats -> Integer,
        extra_seats -> Integer,
        cancellation_deadline -> Nullable<Date>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        split_rule -> Nullable<Text>,
        split_version -> Nullable<Integer>,
        host_organisation_id -> Nullable<BigInt>,
        starts_on -> Nullable<Date>,
        ends_on -> Nullable<Date>,
        confirmed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    cohort_allocations (id) {
        id -> BigInt,
        cohort_id -> BigInt,
        need_id -> BigInt,
        agreement_id -> BigInt,
        organisation_id -> BigInt,
        seats -> Integer,
        extra_seats -> Integer,
        joined -> Bool,
        created_at -> Timestamp,
        withdrawn_seats -> Integer,
    }
}

diesel::table! {
    plan_unplaced (id) {
        id -> BigInt,
        plan_id -> BigInt,
        need_id -> BigInt,
        seats -> Integer,
        reason -> Text,
        term -> Nullable<Text>,
        missing_seats -> Nullable<Integer>,
    }
}

diesel::table! {
    split_versions (id) {
        id -> BigInt,
        cohort_id -> BigInt,
        version -> Integer,
        split_rule -> Text,
        host_agreement_id -> Nullable<BigInt>,
        change -> Text,
        description -> Text,
        size -> Integer,
        total_ore -> BigInt,
        vat_rate_percent -> Integer,
        created_at -> Timestamp,
        created_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    split_shares (id) {
        id -> BigInt,
        split_id -> BigInt,
        agreement_id -> BigInt,
        organisation_id -> BigInt,
        org_number -> Text,
        employees -> Integer,
        seats -> Integer,
        amount_ore -> BigInt,
        fixed_part_ore -> BigInt,
        variable_part_ore -> BigInt,
        vat_ore -> BigInt,
        amount_incl_vat_ore -> BigInt,
        standalone_ore -> BigInt,
        savings_ore -> BigInt,
    }
}

diesel::table! {
    invoice_lines (id) {
        id -> BigInt,
        cohort_id -> BigInt,
        split_id -> BigInt,
        agreement_id -> BigInt,
        organisation_id -> BigInt,
        kind -> Text,
        seats -> Integer,
        amount_ore -> BigInt,
        vat_ore -> BigInt,
        amount_incl_vat_ore -> BigInt,
        savings_ore -> BigInt,
        invoiced_on -> Date,
        created_at -> Timestamp,
        created_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        user_id -> Nullable<BigInt>,
        user_email -> Text,
        action -> Text,
        cohort_id -> Nullable<BigInt>,
        agreement_id -> Nullable<BigInt>,
        details -> Text,
    }
}

diesel::table! {
    email_outbox (id) {
        id -> BigInt,
        idempotency_key -> Text,
        coalesce_key -> Nullable<Text>,
        kind -> Text,
        organisation_id -> Nullable<BigInt>,
        cohort_id -> Nullable<BigInt>,
        to_address -> Text,
        subject -> Text,
        html_body -> Text,
        text_body -> Text,
        message_id -> Text,
        status -> Text,
        attempts -> Integer,
        last_error -> Nullable<Text>,
        due_at -> Timestamp,
        claimed_until -> Nullable<Timestamp>,
        sent_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    participants (id) {
        id -> BigInt,
        cohort_id -> BigInt,
        agreement_id -> BigInt,
        organisation_id -> BigInt,
        name -> Text,
        email -> Text,
        status -> Text,
        created_at -> Timestamp,
        withdrawn_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    waitlist (id) {
        id -> BigInt,
        cohort_id -> BigInt,
        agreement_id -> BigInt,
        organisation_id -> BigInt,
        need_id -> Nullable<BigInt>,
        seats -> Integer,
        status -> Text,
        created_at -> Timestamp,
        created_by -> Nullable<BigInt>,
        promoted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    web_sessions (id) {
        id -> BigInt,
        token_hash -> Text,
        user_id -> BigInt,
        csrf_token -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::joinable!(agreements -> organisations (organisation_id));
diesel::joinable!(needs -> agreements (agreement_id));
diesel::joinable!(needs -> courses (course_id));
diesel::joinable!(users -> organisations (organisation_id));
diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(web_sessions -> users (user_id));

diesel::joinable!(cohorts -> plans (plan_id));
diesel::joinable!(cohorts -> courses (course_id));
diesel::joinable!(cohort_allocations -> cohorts (cohort_id));
diesel::joinable!(cohort_allocations -> needs (need_id));
diesel::joinable!(cohort_allocations -> agreements (agreement_id));
diesel::joinable!(cohort_allocations -> organisations (organisation_id));
diesel::joinable!(plan_unplaced -> plans (plan_id));
diesel::joinable!(plan_unplaced -> needs (need_id));
diesel::joinable!(split_versions -> cohorts (cohort_id));
diesel::joinable!(split_shares -> split_versions (split_id));
diesel::joinable!(invoice_lines -> split_versions (split_id));
diesel::joinable!(invoice_lines -> agreements (agreement_id));
diesel::joinable!(invoice_lines -> cohorts (cohort_id));
diesel::joinable!(participants -> organisations (organisation_id));

diesel::allow_tables_to_appear_in_same_query!(
    organisations,
    agreements,
    courses,
    needs,
    users,
    api_tokens,
    plans,
    cohorts,
    cohort_allocations,
    plan_unplaced,
    split_versions,
    split_shares,
    invoice_lines,
    audit_log,
    email_outbox,
    participants,
    waitlist,
    web_sessions,
);
