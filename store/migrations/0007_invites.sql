-- Invitations: a link that lets its holder create an account (kind
-- 'account', once; 'group', reusable, joining groups) or set a new password
-- ('reset', once). Only a SHA-256 of the link's secret is kept.
CREATE TABLE invites (
	id          TEXT    PRIMARY KEY,          -- public identifier
	token_hash  BLOB    NOT NULL UNIQUE,      -- SHA-256 of the secret in the link
	kind        TEXT    NOT NULL CHECK (kind IN ('account', 'group', 'reset')),
	host        TEXT    NOT NULL,             -- the virtual host of the account
	username    TEXT    NOT NULL DEFAULT '',  -- fixed localpart ('' = the invitee chooses)
	groups      TEXT    NOT NULL DEFAULT '[]',-- JSON array of group names to join
	note        TEXT    NOT NULL DEFAULT '',
	inviter     TEXT    NOT NULL DEFAULT '',  -- who made it (token name, admin JID)
	source      TEXT    NOT NULL DEFAULT '',  -- how it was made, e.g. 'admin_api/ops-token'
	created_at  INTEGER NOT NULL,             -- Unix milliseconds
	expires_at  INTEGER,                      -- NULL: until revoked
	used_at     INTEGER,                      -- single-use invites: when redeemed
	uses        INTEGER NOT NULL DEFAULT 0,
	revoked_at  INTEGER
);
CREATE INDEX invites_host ON invites (host, created_at);
