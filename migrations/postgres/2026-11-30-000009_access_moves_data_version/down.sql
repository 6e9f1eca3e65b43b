DROP TRIGGER api_tokens_moves_data_version ON api_tokens;
DROP TRIGGER users_moves_data_version ON users;
