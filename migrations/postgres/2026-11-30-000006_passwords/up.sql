-- Sign-in to the web pages: an argon2 password hash (PHC string) per user,
-- and a count of failed sign-ins that locks the user out for a while.
ALTER TABLE users ADD COLUMN password_hash TEXT;
ALTER TABLE users ADD COLUMN failed_sign_ins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until TIMESTAMP;
