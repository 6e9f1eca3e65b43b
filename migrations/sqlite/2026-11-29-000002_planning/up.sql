-- Planning: each run of the planner, the cohorts it proposes, the seats of
-- each need in them, and why seats were left unplaced.
-- A new plan marks the earlier proposed cohorts 'superseded'; confirmed ones stay.

CREATE TABLE plans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TIMESTAMP NOT NULL,
    created_by BIGINT REFERENCES users (id),
    first_term TEXT NOT NULL,
    firm_seats_requested BIGINT NOT NULL,
    firm_seats_placed BIGINT NOT NULL,
    extra_seats_used BIGINT NOT NULL,
    cohorts BIGINT NOT NULL,
    total_cost_ore BIGINT NOT NULL,
    standalone_cost_ore BIGINT NOT NULL,
    savings_ore BIGINT NOT NULL,
    optimal BOOLEAN NOT NULL,
    seats_and_cost_optimal BOOLEAN NOT NULL,
    firm_seats_gap BIGINT NOT NULL,
    cost_gap_ore BIGINT NOT NULL,
    solve_ms BIGINT NOT NULL
);

CREATE TABLE cohorts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id BIGINT REFERENCES plans (id),
    -- Order within its plan, so a batch insert can be matched to its ids.
    plan_position INTEGER NOT NULL,
    course_id BIGINT NOT NULL REFERENCES courses (id),
    term TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('proposed', 'confirmed', 'cancelled', 'superseded')),
    -- The course's terms when the cohort was formed: later catalogue edits
    -- do not change what was proposed.
    min_participants INTEGER NOT NULL,
    max_participants INTEGER NOT NULL,
    fixed_fee_ore BIGINT NOT NULL,
    per_participant_fee_ore BIGINT NOT NULL,
    -- Totals of the allocations, kept here so a join can claim seats with
    -- one conditional UPDATE that can never overbook.
    firm_seats INTEGER NOT NULL CHECK (firm_seats >= 0),
    extra_seats INTEGER NOT NULL CHECK (extra_seats >= 0),
    cancellation_deadline DATE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (firm_seats + extra_seats <= max_participants)
);
CREATE INDEX cohorts_plan ON cohorts (plan_id);
CREATE INDEX cohorts_status ON cohorts (status);

CREATE TABLE cohort_allocations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    cohort_id BIGINT NOT NULL REFERENCES cohorts (id),
    need_id BIGINT NOT NULL REFERENCES needs (id),
    agreement_id BIGINT NOT NULL REFERENCES agreements (id),
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    seats INTEGER NOT NULL CHECK (seats > 0),
    extra_seats INTEGER NOT NULL CHECK (extra_seats >= 0),
    -- TRUE when the seats came by a join rather than from the planner.
    joined BOOLEAN NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (cohort_id, need_id)
);
CREATE INDEX cohort_allocations_need ON cohort_allocations (need_id);
CREATE INDEX cohort_allocations_agreement ON cohort_allocations (agreement_id);

CREATE TABLE plan_unplaced (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id BIGINT NOT NULL REFERENCES plans (id),
    need_id BIGINT NOT NULL REFERENCES needs (id),
    seats INTEGER NOT NULL,
    reason TEXT NOT NULL,
    term TEXT,
    missing_seats INTEGER
);
CREATE INDEX plan_unplaced_plan ON plan_unplaced (plan_id);
