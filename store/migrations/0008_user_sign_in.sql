-- Sign-in of users to the user-facing APIs (SparkWeb).

-- Session tokens: only a SHA-256 of each is kept. A token ends when unused
-- for the idle time (last_used_at) or at expires_at, whichever is first.
CREATE TABLE user_tokens (
	id           INTEGER PRIMARY KEY,
	token_hash   BLOB    NOT NULL UNIQUE,
	jid          TEXT    NOT NULL, -- bare JID of the signed-in user
	method       TEXT    NOT NULL, -- password, totp, webauthn
	created_at   INTEGER NOT NULL, -- Unix milliseconds
	last_used_at INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL
);
CREATE INDEX user_tokens_jid ON user_tokens (jid);

-- TOTP (RFC 6238) secrets, sealed; last_step is the time step of the last
-- accepted code, so a code is accepted once.
CREATE TABLE user_totp (
	jid        TEXT    PRIMARY KEY,
	secret     BLOB    NOT NULL,
	last_step  INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL
);

-- The user's XMPP password, sealed (AES-GCM under the key file), kept while
-- the user has TOTP or WebAuthn so that those sign-ins can open the XMPP
-- session.
CREATE TABLE user_credentials (
	jid        TEXT    PRIMARY KEY,
	sealed     BLOB    NOT NULL,
	updated_at INTEGER NOT NULL
);
