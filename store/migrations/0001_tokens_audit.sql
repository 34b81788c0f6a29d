-- API credentials: only a SHA-256 of each token is kept.
CREATE TABLE api_tokens (
	id           INTEGER PRIMARY KEY,
	name         TEXT    NOT NULL,
	token_hash   BLOB    NOT NULL UNIQUE,
	scope        TEXT    NOT NULL,
	subject      TEXT    NOT NULL DEFAULT '',
	created_at   INTEGER NOT NULL,
	expires_at   INTEGER,
	last_used_at INTEGER
);

-- The security audit log: one row per mutating admin call, written in the
-- same transaction as the change the component owns.
CREATE TABLE audit_log (
	id             INTEGER PRIMARY KEY,
	at             INTEGER NOT NULL, -- Unix milliseconds
	actor          TEXT    NOT NULL,
	username       TEXT    NOT NULL DEFAULT '',
	summary        TEXT    NOT NULL,
	details        TEXT    NOT NULL DEFAULT '',
	client_address TEXT    NOT NULL DEFAULT '',
	node           TEXT    NOT NULL DEFAULT '',
	request_id     TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_username ON audit_log (username, at);
