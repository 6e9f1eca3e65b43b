-- The overview is served from memory while the data's version is unchanged
-- (src/web/cache.rs): the signed-in browser's session, and the count of
-- e-mails that failed, are kept with the rest. So an ended session (signing
-- out, on any instance) and an e-mail failing or being tried again move the
-- version. A new session, and an e-mail queued, claimed or sent, do not:
-- no kept answer shows them.
CREATE TRIGGER web_sessions_delete_moves_data_version AFTER DELETE ON web_sessions
BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER web_sessions_update_moves_data_version AFTER UPDATE ON web_sessions
BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER email_outbox_failed_moves_data_version AFTER UPDATE OF status ON email_outbox
    WHEN OLD.status = 'failed' OR NEW.status = 'failed'
BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER email_outbox_failed_delete_moves_data_version AFTER DELETE ON email_outbox
    WHEN OLD.status = 'failed'
BEGIN UPDATE data_version SET version = version + 1; END;
