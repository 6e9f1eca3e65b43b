DROP TABLE api_tokens;
DROP TABLE users;
DROP TABLE needs;
DROP TABLE courses;
DROP TABLE agreements;
DROP TABLE organisations;
