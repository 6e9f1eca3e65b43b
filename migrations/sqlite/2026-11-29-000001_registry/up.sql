-- The registry: organisations, their SKO agreements, the course catalogue,
-- the needs inventories, and the users who may touch them.
-- Dates are ISO text (YYYY-MM-DD), timestamps UTC text, money integer öre.

CREATE TABLE organisations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_number TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('municipality', 'region', 'agency', 'company', 'other')),
    employees INTEGER NOT NULL CHECK (employees > 0),
    coordinator_email TEXT NOT NULL,
    finance_email TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE agreements (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    reference TEXT NOT NULL UNIQUE,
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL,
    budget_ore BIGINT NOT NULL CHECK (budget_ore >= 0),
    pooling BOOLEAN NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (ends_on > starts_on)
);
CREATE INDEX agreements_organisation ON agreements (organisation_id);

CREATE TABLE courses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    credits_tenths INTEGER NOT NULL CHECK (credits_tenths > 0),
    min_participants INTEGER NOT NULL CHECK (min_participants > 0),
    max_participants INTEGER NOT NULL,
    fixed_fee_ore BIGINT NOT NULL CHECK (fixed_fee_ore >= 0),
    per_participant_fee_ore BIGINT NOT NULL CHECK (per_participant_fee_ore >= 0),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (max_participants >= min_participants)
);

CREATE TABLE needs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    agreement_id INTEGER NOT NULL REFERENCES agreements (id),
    course_id INTEGER NOT NULL REFERENCES courses (id),
    seats INTEGER NOT NULL CHECK (seats > 0),
    extra_seats INTEGER NOT NULL DEFAULT 0 CHECK (extra_seats >= 0),
    earliest_term TEXT NOT NULL,
    latest_term TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('open', 'withdrawn')),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX needs_agreement ON needs (agreement_id);
CREATE INDEX needs_course ON needs (course_id);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'coordinator', 'organisation', 'finance')),
    organisation_id INTEGER REFERENCES organisations (id),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id),
    -- SHA-256 of the token, hex: the token itself is shown once and never stored.
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);
