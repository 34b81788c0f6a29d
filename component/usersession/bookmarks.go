package usersession

import (
	"context"
	"encoding/xml"

	"mellium.im/xmpp/jid"
)

// NSBookmarks is the PEP node of XEP-0402 bookmarks.
const NSBookmarks = "urn:xmpp:bookmarks:1"

type conferenceXML struct {
	XMLName  xml.Name `xml:"urn:xmpp:bookmarks:1 conference"`
	Name     string   `xml:"name,attr,omitempty"`
	Autojoin bool     `xml:"autojoin,attr"`
	Nick     string   `xml:"nick,omitempty"`
	Password string   `xml:"password,omitempty"`
}

// RoomBookmark is a XEP-0402 bookmark of a chat room.
type RoomBookmark struct {
	Room     jid.JID
	Name     string
	Autojoin bool
	Nick     string
	Password string
}

// bookmarkOptions are the publish options XEP-0402 requires: the items
// persist and only the user may read them.
var bookmarkOptions = PublishOptions{
	"pubsub#persist_items": "true",
	"pubsub#access_model":  "whitelist",
}

// PublishRoomBookmark adds or replaces a room bookmark in the user's
// XEP-0402 bookmarks (the item's id is the room's JID).
func (s *Session) PublishRoomBookmark(ctx context.Context, b RoomBookmark) error {
	payload, err := xml.Marshal(conferenceXML{Name: b.Name, Autojoin: b.Autojoin, Nick: b.Nick, Password: b.Password})
	if err != nil {
		return err
	}
	_, err = s.Publish(ctx, jid.JID{}, NSBookmarks, b.Room.Bare().String(), payload, bookmarkOptions)
	return err
}

// RetractRoomBookmark removes a room's bookmark from the user's XEP-0402
// bookmarks.
func (s *Session) RetractRoomBookmark(ctx context.Context, room jid.JID) error {
	return s.Retract(ctx, jid.JID{}, NSBookmarks, room.Bare().String())
}
