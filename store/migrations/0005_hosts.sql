-- Tenants: what the component owns about users is kept per virtual host, so
-- that hosts served for different customers share nothing. Groups and system
-- properties gain a host; the audit log records the host a change concerns.
-- Rows made before this migration get host '' here, and the daemon gives
-- them to its default host at start (store.AdoptDefaultHost).
CREATE TABLE groups_by_host (
	host        TEXT    NOT NULL,
	name        TEXT    NOT NULL,
	description TEXT    NOT NULL DEFAULT '',
	shared      INTEGER NOT NULL DEFAULT 0, -- 1: members see each other in their rosters
	all_hosts   INTEGER NOT NULL DEFAULT 0, -- 1: shared across every administered host, not only this one
	created_at  INTEGER NOT NULL,           -- Unix milliseconds
	updated_at  INTEGER NOT NULL,
	PRIMARY KEY (host, name)
);
INSERT INTO groups_by_host (host, name, description, shared, created_at, updated_at)
	SELECT '', name, description, shared, created_at, updated_at FROM user_groups;

CREATE TABLE group_members_by_host (
	host       TEXT    NOT NULL,
	group_name TEXT    NOT NULL,
	jid        TEXT    NOT NULL,
	admin      INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (host, group_name, jid),
	FOREIGN KEY (host, group_name) REFERENCES groups_by_host (host, name) ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO group_members_by_host (host, group_name, jid, admin)
	SELECT '', group_name, jid, admin FROM user_group_members;

DROP TABLE user_group_members;
DROP TABLE user_groups;
ALTER TABLE groups_by_host RENAME TO user_groups;
ALTER TABLE group_members_by_host RENAME TO user_group_members;
CREATE INDEX user_group_members_jid ON user_group_members (jid);

CREATE TABLE properties_by_host (
	host       TEXT    NOT NULL,
	key        TEXT    NOT NULL,
	value      TEXT    NOT NULL,
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (host, key)
);
INSERT INTO properties_by_host (host, key, value, updated_at)
	SELECT '', key, value, updated_at FROM system_properties;
DROP TABLE system_properties;
ALTER TABLE properties_by_host RENAME TO system_properties;

ALTER TABLE audit_log ADD COLUMN host TEXT NOT NULL DEFAULT '';
CREATE INDEX audit_log_host ON audit_log (host, at);
