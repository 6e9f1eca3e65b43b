DROP TABLE email_outbox;
ALTER TABLE organisations DROP COLUMN language;
