-- Enrolment and e-mail: the people who take an organisation's seats, the
-- waitlist for full cohorts, the language an organisation reads, and the
-- outbox every e-mail is written to in the same transaction as the change
-- that causes it. A worker sends what is due and records what happened.

ALTER TABLE organisations ADD COLUMN language TEXT NOT NULL DEFAULT 'sv' CHECK (language IN ('sv', 'en'));

CREATE TABLE email_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- One e-mail per cause: repeating a request never queues it twice.
    idempotency_key TEXT NOT NULL UNIQUE,
    -- E-mails with the same key that are still queued are one e-mail:
    -- a burst of changes updates it instead of adding more.
    coalesce_key TEXT,
    kind TEXT NOT NULL,
    organisation_id BIGINT REFERENCES organisations (id),
    cohort_id BIGINT REFERENCES cohorts (id),
    to_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    html_body TEXT NOT NULL,
    text_body TEXT NOT NULL,
    message_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    -- When it may be sent (later after a failure, by the backoff).
    due_at TIMESTAMP NOT NULL,
    -- A worker sending it holds it until then; past it, another may take it.
    claimed_until TIMESTAMP,
    sent_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX email_outbox_due ON email_outbox (status, due_at);
CREATE INDEX email_outbox_coalesce ON email_outbox (coalesce_key);

CREATE TABLE participants (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    cohort_id BIGINT NOT NULL REFERENCES cohorts (id),
    agreement_id BIGINT NOT NULL REFERENCES agreements (id),
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('enrolled', 'withdrawn')),
    created_at TIMESTAMP NOT NULL,
    withdrawn_at TIMESTAMP
);
CREATE INDEX participants_cohort ON participants (cohort_id);
-- A person takes one seat of a cohort at most.
CREATE UNIQUE INDEX participants_enrolled_once ON participants (cohort_id, email) WHERE status = 'enrolled';

-- Joins that found too few seats, in order of arrival (the id).
CREATE TABLE waitlist (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    cohort_id BIGINT NOT NULL REFERENCES cohorts (id),
    agreement_id BIGINT NOT NULL REFERENCES agreements (id),
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    need_id BIGINT REFERENCES needs (id),
    seats INTEGER NOT NULL CHECK (seats > 0),
    status TEXT NOT NULL CHECK (status IN ('waiting', 'promoted', 'withdrawn')),
    created_at TIMESTAMP NOT NULL,
    created_by BIGINT REFERENCES users (id),
    promoted_at TIMESTAMP
);
CREATE INDEX waitlist_cohort ON waitlist (cohort_id, status);
