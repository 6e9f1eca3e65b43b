-- A number that moves with every committed change to what the API's
-- cached reads show (src/web/cache.rs): a cached answer is given only while
-- it has not moved. Sign-ins, sessions, tokens, the audit log and the
-- outbox change no cached answer and are left out.
--
-- SQLite has no statement triggers; a row trigger costs one update of this
-- one row per row changed, which a single writer does without waiting.
CREATE TABLE data_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO data_version (id, version) VALUES (1, 0);
-- What the service reads: the same view, with the same column, as on
-- PostgreSQL, so that one query serves both.
CREATE VIEW data_version_now AS SELECT version FROM data_version WHERE id = 1;
CREATE TRIGGER organisations_insert_moves_data_version AFTER INSERT ON organisations
BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER organisations_update_moves_data_version AFTER UPDATE ON organisations
BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER organisations_delete_moves_data_version AFTER DELETE ON organisations
BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER agreements_insert_moves_data_version AFTER INSERT ON agreements
BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER agreements_update_moves_data_version AFTER UPDATE ON agreements
BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER agreements_delete_moves_data_version AFTER DELETE ON agreements
BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER courses_insert_moves_data_version AFTER INSERT ON courses
BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER courses_update_moves_data_version AFTER UPDATE ON courses
BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER courses_delete_moves_data_version AFTER DELETE ON courses
BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER needs_insert_moves_data_version AFTER INSERT ON needs
BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER needs_update_moves_data_version AFTER UPDATE ON needs
BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER needs_delete_moves_data_version AFTER DELETE ON needs
BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER plans_insert_moves_data_version AFTER INSERT ON plans
BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER plans_update_moves_data_version AFTER UPDATE ON plans
BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER plans_delete_moves_data_version AFTER DELETE ON plans
BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER cohorts_insert_moves_data_version AFTER INSERT ON cohorts
BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER cohorts_update_moves_data_version AFTER UPDATE ON cohorts
BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER cohorts_delete_moves_data_version AFTER DELETE ON cohorts
BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER cohort_allocations_insert_moves_data_version AFTER INSERT ON cohort_allocations
BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER cohort_allocations_update_moves_data_version AFTER UPDATE ON cohort_allocations
BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER cohort_allocations_delete_moves_data_version AFTER DELETE ON cohort_allocations
BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER plan_unplaced_insert_moves_data_version AFTER INSERT ON plan_unplaced
BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER plan_unplaced_update_moves_data_version AFTER UPDATE ON plan_unplaced
BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER plan_unplaced_delete_moves_data_version AFTER DELETE ON plan_unplaced
BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER split_versions_insert_moves_data_version AFTER INSERT ON split_versions
BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER split_versions_update_moves_data_version AFTER UPDATE ON split_versions
BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER split_versions_delete_moves_data_version AFTER DELETE ON split_versions
BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER split_shares_insert_moves_data_version AFTER INSERT ON split_shares
BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER split_shares_update_moves_data_version AFTER UPDATE ON split_shares
BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER split_shares_delete_moves_data_version AFTER DELETE ON split_shares
BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER invoice_lines_insert_moves_data_version AFTER INSERT ON invoice_lines
BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER invoice_lines_update_moves_data_version AFTER UPDATE ON invoice_lines
BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER invoice_lines_delete_moves_data_version AFTER DELETE ON invoice_lines
BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER participants_insert_moves_data_version AFTER INSERT ON participants
BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER participants_update_moves_data_version AFTER UPDATE ON participants
BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER participants_delete_moves_data_version AFTER DELETE ON participants
BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER waitlist_insert_moves_data_version AFTER INSERT ON waitlist
BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER waitlist_update_moves_data_version AFTER UPDATE ON waitlist
BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER waitlist_delete_moves_data_version AFTER DELETE ON waitlist
BEGIN UPDATE data_version SET version = version + 1; END;
