-- WebAuthn credentials (public keys) of users, and the challenges of
-- ceremonies in progress.
CREATE TABLE webauthn_credentials (
	id           BLOB    PRIMARY KEY, -- the credential ID
	jid          TEXT    NOT NULL,
	credential   TEXT    NOT NULL,    -- JSON of the library's Credential
	sign_count   INTEGER NOT NULL DEFAULT 0,
	created_at   INTEGER NOT NULL,
	last_used_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX webauthn_credentials_jid ON webauthn_credentials (jid);

CREATE TABLE webauthn_challenges (
	jid        TEXT    NOT NULL,
	purpose    TEXT    NOT NULL, -- register, authenticate
	session    TEXT    NOT NULL, -- JSON of the library's SessionData
	expires_at INTEGER NOT NULL,
	PRIMARY KEY (jid, purpose)
);
