-- Who a token belongs to is kept in memory with the kept answers
-- (src/web/cache.rs) while the data's version is unchanged, so a change to
-- tokens or to what a user may see moves it too: a revoked token is refused
-- at once, a user given another role or organisation is answered as such.
-- A sign-in, which only counts failures and locks (failed_sign_ins,
-- locked_until), and a new password leave it.
CREATE TRIGGER api_tokens_moves_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON api_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION data_version_note_change();
CREATE TRIGGER users_moves_data_version
    AFTER INSERT OR UPDATE OF id, email, role, organisation_id OR DELETE OR TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION data_version_note_change();
