-- What the component owns about a user: the account itself lives on the
-- XMPP server; its display name, email and properties live here, keyed by
-- the bare JID. A user may have no row (it was made on the server directly).
CREATE TABLE user_meta (
	jid        TEXT    PRIMARY KEY, -- bare JID
	name       TEXT    NOT NULL DEFAULT '',
	email      TEXT    NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,    -- Unix milliseconds
	updated_at INTEGER NOT NULL
);

CREATE TABLE user_properties (
	jid   TEXT NOT NULL REFERENCES user_meta (jid) ON DELETE CASCADE ON UPDATE CASCADE,
	key   TEXT NOT NULL,
	value TEXT NOT NULL,
	PRIMARY KEY (jid, key)
);
CREATE INDEX user_properties_key ON user_properties (key, value);

-- The component's own settings (the Openfire API's "system properties").
CREATE TABLE system_properties (
	key        TEXT    PRIMARY KEY,
	value      TEXT    NOT NULL,
	updated_at INTEGER NOT NULL
);
