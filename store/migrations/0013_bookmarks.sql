-- Bookmarks the component owns (SparkWeb's bookmarks): a group-chat room
-- or a URL offered to everyone (global), to users, or to the members of
-- groups. Users see the ones that apply to them; group-chat bookmarks are
-- also published into their XEP-0402 bookmarks.
CREATE TABLE bookmarks (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	type       TEXT    NOT NULL, -- group_chat, url
	name       TEXT    NOT NULL,
	value      TEXT    NOT NULL, -- the room's JID or the URL
	global     INTEGER NOT NULL DEFAULT 0,
	created_by TEXT    NOT NULL, -- bare JID
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);

-- Who a bookmark is for: kind 'user' (a bare JID) or 'group' (a group name
-- on the user's host).
CREATE TABLE bookmark_targets (
	bookmark_id INTEGER NOT NULL REFERENCES bookmarks (id) ON DELETE CASCADE,
	kind        TEXT    NOT NULL,
	name        TEXT    NOT NULL,
	PRIMARY KEY (bookmark_id, kind, name)
);
CREATE INDEX bookmark_targets_name ON bookmark_targets (kind, name);

CREATE TABLE bookmark_properties (
	bookmark_id INTEGER NOT NULL REFERENCES bookmarks (id) ON DELETE CASCADE,
	name        TEXT    NOT NULL,
	value       TEXT    NOT NULL,
	PRIMARY KEY (bookmark_id, name)
);
