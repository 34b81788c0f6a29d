-- Idempotency keys: the first answer to a write sent with an
-- Idempotency-Key header, returned again when the same caller retries it
-- with the same key. scope is a hash of the caller's credentials (never the
-- credentials themselves); fingerprint a hash of the method, the path and
-- the body, so that a key reused for another request is refused.
CREATE TABLE idempotency_keys (
	scope       TEXT    NOT NULL,
	key         TEXT    NOT NULL,
	fingerprint TEXT    NOT NULL,
	status      INTEGER NOT NULL,
	header      TEXT    NOT NULL, -- JSON object of the answer's kept headers
	body        BLOB    NOT NULL,
	created_at  INTEGER NOT NULL, -- Unix milliseconds
	PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
