-- A number that moves with every committed change to what the API's
-- kept answers show (src/web/cache.rs, src/db/version.rs): a kept answer is
-- given only while it has not moved. Sign-ins, sessions, tokens, the audit
-- log and the outbox change no kept answer and are left out.
--
-- Writers must not queue on one row for the whole of their transactions
-- (a lock taken at the first write and held until commit would also close
-- deadlock cycles with the rows they lock later). So a statement on a
-- watched table only notes, once per transaction, that the transaction
-- changed something; a deferred trigger moves the number when the
-- transaction commits, after every other lock it takes, and each backend
-- moves one of 64 rows (by its process id) so that commits seldom wait for
-- each other. The version is the sum of the 64.
CREATE TABLE data_version (
    shard INTEGER PRIMARY KEY,
    version BIGINT NOT NULL
);
INSERT INTO data_version (shard, version) SELECT s, 0 FROM generate_series(0, 63) AS s;

-- One row per transaction that changed something, until it commits.
CREATE TABLE data_version_pending (
    txid BIGINT PRIMARY KEY
);

CREATE FUNCTION data_version_note_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- A setting local to the transaction (undone with a rolled-back savepoint, too).
    IF current_setting('strumpavtal.data_changed', true) IS DISTINCT FROM 'yes' THEN
        PERFORM set_config('strumpavtal.data_changed', 'yes', true);
        INSERT INTO data_version_pending (txid) VALUES (txid_current());
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION data_version_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE data_version SET version = version + 1 WHERE shard = pg_backend_pid() % 64;
    DELETE FROM data_version_pending WHERE txid = NEW.txid;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER data_version_moves_at_commit AFTER INSERT ON data_version_pending
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION data_version_move();

-- What the service reads: the same view, with the same column, as on SQLite.
CREATE VIEW data_version_now AS SELECT CAST(SUM(version) AS BIGINT) AS version FROM data_version;
CREATE TRIGGER organisations_moves_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON organisations
    FOR EACH STATEMENT EXECUTE FUNCTION data_version_note_change();
CREATE TRIGGER agreements_moves_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON agreements
    FOR EACH STATEMENT EXECUTE FUNCTION data_version_note_change();
CREATE TRIGGER courses_moves_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON courses
    FOR EACH STATEMENT EXECUTE FUNCTION data_version_note_change();
CREATE TRIGGER needs_moves_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON needs
    FOR EACH STATEMENT EXECUTE FUNCTION data_version_note_change();
CREATE TRIGGER plans_moves_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON plans
    FOR EACH STATEMENT EXECUTE FUNCTION data_version_note_change();
CREATE TRIGGER cohorts_moves_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON cohorts
    FOR EACH STATEMENT EXECUTE FUNCTION data_version_note_change();
CREATE TRIGGER cohort_allocations_moves_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON cohort_allocations
    FOR EACH STATEMENT EXECUTE FUNCTION data_version_note_change();
CREATE TRIGGER plan_unplaced_moves_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON plan_unplaced
    FOR EACH STATEMENT EXECUTE FUNCTION data_version_note_change();
CREATE TRIGGER split_versions_moves_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON split_versions
    FOR EACH STATEMENT EXECUTE FUNCTION data_version_note_change();
CREATE TRIGGER split_shares_moves_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON split_shares
    FOR EACH STATEMENT EXECUTE FUNCTION data_version_note_change();
CREATE TRIGGER invoice_lines_moves_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON invoice_lines
    FOR EACH STATEMENT EXECUTE FUNCTION data_version_note_change();
CREATE TRIGGER participants_moves_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON participants
    FOR EACH STATEMENT EXECUTE FUNCTION data_version_note_change();
CREATE TRIGGER waitlist_moves_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON waitlist
    FOR EACH STATEMENT EXECUTE FUNCTION data_version_note_change();
