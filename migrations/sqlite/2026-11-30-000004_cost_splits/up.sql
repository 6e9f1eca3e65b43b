-- Cost splits: what a confirmed cohort costs each agreement, every version
-- of it, the invoicing lines finance teams receive, and the audit log.
-- Nothing here is ever updated in place: a change is a new version, a
-- correction a new invoicing line (rules.md, "After confirmation").

-- What a coordinator chose on confirming. The host is checked against the
-- cohort's parties by the service; each split version keeps its host
-- agreement under a foreign key.
ALTER TABLE cohorts ADD COLUMN split_rule TEXT;
ALTER TABLE cohorts ADD COLUMN split_version INTEGER;
ALTER TABLE cohorts ADD COLUMN host_organisation_id BIGINT;
ALTER TABLE cohorts ADD COLUMN starts_on DATE;
ALTER TABLE cohorts ADD COLUMN ends_on DATE;
ALTER TABLE cohorts ADD COLUMN confirmed_at TIMESTAMP;
-- Seats withdrawn after the cancellation deadline: still paid for, not taken.
ALTER TABLE cohort_allocations ADD COLUMN withdrawn_seats INTEGER NOT NULL DEFAULT 0;

CREATE TABLE split_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    cohort_id BIGINT NOT NULL REFERENCES cohorts (id),
    version INTEGER NOT NULL CHECK (version >= 1),
    split_rule TEXT NOT NULL
        CHECK (split_rule IN ('per_seat', 'equal_fixed', 'employees_weighted', 'host_fixed')),
    host_agreement_id BIGINT REFERENCES agreements (id),
    -- What made this version: confirm, join, withdraw or cancel (all zero).
    change TEXT NOT NULL CHECK (change IN ('confirm', 'join', 'withdraw', 'cancel')),
    description TEXT NOT NULL,
    size INTEGER NOT NULL,
    total_ore BIGINT NOT NULL,
    vat_rate_percent INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    created_by BIGINT REFERENCES users (id),
    UNIQUE (cohort_id, version)
);

CREATE TABLE split_shares (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    split_id BIGINT NOT NULL REFERENCES split_versions (id),
    agreement_id BIGINT NOT NULL REFERENCES agreements (id),
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    -- The tie-breaker and the weight as they were when the split was made.
    org_number TEXT NOT NULL,
    employees INTEGER NOT NULL,
    seats INTEGER NOT NULL,
    amount_ore BIGINT NOT NULL CHECK (amount_ore >= 0),
    fixed_part_ore BIGINT NOT NULL,
    variable_part_ore BIGINT NOT NULL,
    vat_ore BIGINT NOT NULL,
    amount_incl_vat_ore BIGINT NOT NULL,
    standalone_ore BIGINT NOT NULL,
    savings_ore BIGINT NOT NULL,
    UNIQUE (split_id, agreement_id)
);
CREATE INDEX split_shares_agreement ON split_shares (agreement_id);

-- One line per agreement and split version at most: invoicing twice finds
-- the line already there.
CREATE TABLE invoice_lines (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    cohort_id BIGINT NOT NULL REFERENCES cohorts (id),
    split_id BIGINT NOT NULL REFERENCES split_versions (id),
    agreement_id BIGINT NOT NULL REFERENCES agreements (id),
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    kind TEXT NOT NULL CHECK (kind IN ('invoice', 'debit', 'credit')),
    seats INTEGER NOT NULL,
    amount_ore BIGINT NOT NULL,
    vat_ore BIGINT NOT NULL,
    amount_incl_vat_ore BIGINT NOT NULL,
    savings_ore BIGINT NOT NULL,
    invoiced_on DATE NOT NULL,
    created_at TIMESTAMP NOT NULL,
    created_by BIGINT REFERENCES users (id),
    UNIQUE (split_id, agreement_id)
);
CREATE INDEX invoice_lines_cohort ON invoice_lines (cohort_id);
CREATE INDEX invoice_lines_agreement ON invoice_lines (agreement_id);
CREATE INDEX invoice_lines_organisation ON invoice_lines (organisation_id, invoiced_on);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TIMESTAMP NOT NULL,
    user_id BIGINT REFERENCES users (id),
    -- Kept as text too, so the entry still says who after a user is gone.
    user_email TEXT NOT NULL,
    action TEXT NOT NULL
        CHECK (action IN ('confirm', 'override_budget', 'join', 'withdraw', 'cancel', 'invoice')),
    cohort_id BIGINT REFERENCES cohorts (id),
    agreement_id BIGINT REFERENCES agreements (id),
    -- A JSON object: what changed, in the action's own terms.
    details TEXT NOT NULL
);
CREATE INDEX audit_log_cohort ON audit_log (cohort_id);
