DROP TABLE waitlist;
DROP TABLE participants;
DROP TABLE email_outbox;
ALTER TABLE organisations DROP COLUMN language;
