-- User groups the component owns (the XMPP servers it attaches to have no
-- group commands). A shared group is also written into its members' rosters
-- through XEP-0356; these tables are the record of who is in which group.
CREATE TABLE user_groups (
	name        TEXT    PRIMARY KEY,
	description TEXT    NOT NULL DEFAULT '',
	shared      INTEGER NOT NULL DEFAULT 0, -- 1: every member sees every other member in the roster
	created_at  INTEGER NOT NULL,           -- Unix milliseconds
	updated_at  INTEGER NOT NULL
);

-- Members and admins of a group, by bare JID. A JID is one or the other.
CREATE TABLE user_group_members (
	group_name TEXT NOT NULL REFERENCES user_groups (name) ON DELETE CASCADE ON UPDATE CASCADE,
	jid        TEXT NOT NULL,
	admin      INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (group_name, jid)
);
CREATE INDEX user_group_members_jid ON user_group_members (jid);
