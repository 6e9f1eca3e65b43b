-- Who a token belongs to is kept in memory with the kept answers
-- (src/web/cache.rs) while the data's version is unchanged, so a change to
-- tokens or to what a user may see moves it too: a revoked token is refused
-- at once, a user given another role or organisation is answered as such.
-- A sign-in, which only counts failures and locks (failed_sign_ins,
-- locked_until), and a new password leave it.
CREATE TRIGGER api_tokens_insert_moves_data_version AFTER INSERT ON api_tokens
BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER api_tokens_update_moves_data_version AFTER UPDATE ON api_tokens
BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER api_tokens_delete_moves_data_version AFTER DELETE ON api_tokens
BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER users_insert_moves_data_version AFTER INSERT ON users
BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER users_update_moves_data_version AFTER UPDATE OF id, email, role, organisation_id ON users
BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER users_delete_moves_data_version AFTER DELETE ON users
BEGIN UPDATE data_version SET version = version + 1; END;
