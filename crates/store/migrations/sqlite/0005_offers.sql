-- Waiting-list offers are answered from a link in the message, without signing in: the link carries a
-- random token, and only its SHA-256 is kept.
ALTER TABLE offers ADD COLUMN token_hash TEXT;
CREATE UNIQUE INDEX offers_by_token ON offers (token_hash) WHERE token_hash IS NOT NULL;
CREATE INDEX waiting_list_waiting ON waiting_list (service_id, priority, added_on) WHERE status = 'waiting';
