-- What the component remembers about chat rooms that the XMPP servers do
-- not tell: when a room was created and last changed through the API, the
-- subject the API last set (the servers show the subject to occupants
-- only), and the groups given an affiliation with a room (the server knows
-- only their members, which the component keeps in step with the groups).
CREATE TABLE chat_rooms (
	room        TEXT    PRIMARY KEY, -- the room's bare JID
	created_at  INTEGER,             -- Unix milliseconds; NULL: not created through the API
	modified_at INTEGER NOT NULL,    -- Unix milliseconds
	subject     TEXT                 -- NULL: never set through the API
);

-- A group's affiliation with a room; a group has one per room. No foreign
-- key to user_groups: when a group is deleted its members' affiliations are
-- removed from the rooms first, then these rows.
CREATE TABLE chat_room_groups (
	room        TEXT NOT NULL,
	group_name  TEXT NOT NULL,
	affiliation TEXT NOT NULL CHECK (affiliation IN ('owner', 'admin', 'member', 'outcast')),
	PRIMARY KEY (room, group_name)
);
CREATE INDEX chat_room_groups_group ON chat_room_groups (group_name);
