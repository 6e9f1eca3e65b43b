-- The overview is served from memory while the data's version is unchanged
-- (src/web/cache.rs): the signed-in browser's session, and the count of
-- e-mails that failed, are kept with the rest. So an ended session (signing
-- out, on any instance) and an e-mail failing or being tried again move the
-- version. A new session, and an e-mail queued, claimed or sent, do not:
-- no kept answer shows them. Row triggers, so that a statement that touches
-- no such row moves nothing.
CREATE TRIGGER web_sessions_moves_data_version AFTER UPDATE OR DELETE ON web_sessions
    FOR EACH ROW EXECUTE FUNCTION data_version_note_change();
CREATE TRIGGER web_sessions_truncate_moves_data_version AFTER TRUNCATE ON web_sessions
    FOR EACH STATEMENT EXECUTE FUNCTION data_version_note_change();
CREATE TRIGGER email_outbox_failed_moves_data_version AFTER UPDATE OF status ON email_outbox
    FOR EACH ROW WHEN (OLD.status = 'failed' OR NEW.status = 'failed')
    EXECUTE FUNCTION data_version_note_change();
CREATE TRIGGER email_outbox_failed_delete_moves_data_version AFTER DELETE ON email_outbox
    FOR EACH ROW WHEN (OLD.status = 'failed')
    EXECUTE FUNCTION data_version_note_change();
CREATE TRIGGER email_outbox_truncate_moves_data_version AFTER TRUNCATE ON email_outbox
    FOR EACH STATEMENT EXECUTE FUNCTION data_version_note_change();
