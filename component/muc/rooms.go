package muc

import (
	"context"
	"encoding/xml"
	"regexp"
	"sort"
	"strconv"
	"sync"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	"xmpprest/component"
	"xmpprest/component/fault"
)

// Info is what a room says about itself in disco#info.
type Info struct {
	Room     jid.JID
	Name     string // the name of its conference identity: the room's title
	Features []string
	// RoomInfo is the muc#roominfo form (nil when the room sends none).
	RoomInfo *Form
}

// Has reports whether the room announced the feature.
func (i Info) Has(feature string) bool {
	for _, f := range i.Features {
		if f == feature {
			return true
		}
	}
	return false
}

// OccupantCount is the number of occupants the room reports, or -1.
func (i Info) OccupantCount() int {
	n, err := strconv.Atoi(i.RoomInfo.Value("muc#roominfo_occupants"))
	if err != nil {
		return -1
	}
	return n
}

type discoInfoQuery struct {
	XMLName    xml.Name `xml:"http://jabber.org/protocol/disco#info query"`
	Identities []struct {
		Category string `xml:"category,attr"`
		Type     string `xml:"type,attr"`
		Name     string `xml:"name,attr"`
	} `xml:"identity"`
	Features []struct {
		Var string `xml:"var,attr"`
	} `xml:"feature"`
	Forms []Form `xml:"jabber:x:data x"`
}

// Info asks a room for its disco#info. A room that does not exist is
// ErrRoomNotFound: Prosody and ejabberd answer item-not-found, and Prosody
// answers gone for a destroyed room's tombstone.
//
// Existence must be checked this way before reporting success for an
// operation on a room: ejabberd 23.01 answers an owner-form GET on a
// missing room with a configuration form, and a destroy of a missing room
// with success.
func (c *Client) Info(ctx context.Context, room jid.JID) (Info, error) {
	var q discoInfoQuery
	err := c.link.Do(ctx, component.IQ{Type: stanza.GetIQ, To: room, Payload: discoInfoQuery{}}, &q)
	if err != nil {
		return Info{}, roomFault(err, room, "read room "+room.String())
	}
	info := Info{Room: room}
	conference := false
	for _, id := range q.Identities {
		if id.Category == "conference" {
			conference = true
			info.Name = id.Name
		}
	}
	if !conference {
		return Info{}, notFound(room)
	}
	for _, f := range q.Features {
		info.Features = append(info.Features, f.Var)
	}
	for i := range q.Forms {
		if q.Forms[i].FormType() == NSRoomInfo {
			info.RoomInfo = &q.Forms[i]
		}
	}
	return info, nil
}

// Service is a chat service.
type Service struct {
	JID  jid.JID
	Name string // the name of its conference identity
	// Host is the virtual host that lists it.
	Host jid.JID
}

type discoItemsQuery struct {
	XMLName xml.Name `xml:"http://jabber.org/protocol/disco#items query"`
	Node    string   `xml:"node,attr,omitempty"`
	Items   []struct {
		JID  string `xml:"jid,attr"`
		Node string `xml:"node,attr"`
		Name string `xml:"name,attr"`
	} `xml:"item"`
}

// Services lists the chat services of a host: its disco#items whose
// disco#info has the identity conference/text.
func (c *Client) Services(ctx context.Context, host jid.JID) ([]Service, error) {
	var q discoItemsQuery
	if err := c.link.Do(ctx, component.IQ{Type: stanza.GetIQ, To: host, Payload: discoItemsQuery{}}, &q); err != nil {
		return nil, err
	}
	var (
		mu  sync.Mutex
		out []Service
		wg  sync.WaitGroup
	)
	for _, it := range q.Items {
		j, err := jid.Parse(it.JID)
		if err != nil || it.Node != "" || j.Localpart() != "" || j.Resourcepart() != "" {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if s, ok := c.service(ctx, j); ok {
				s.Host = host
				mu.Lock()
				out = append(out, s)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	sort.Slice(out, func(i, j int) bool { return out[i].JID.String() < out[j].JID.String() })
	return out, nil
}

// Service checks that j is a chat service (disco#info identity
// conference/text).
func (c *Client) Service(ctx context.Context, j jid.JID) (Service, error) {
	s, ok := c.service(ctx, j)
	if !ok {
		return Service{}, fault.New(fault.NotFound, "Chat service does not exist or is not accessible.").About(j.String())
	}
	return s, nil
}

func (c *Client) service(ctx context.Context, j jid.JID) (Service, bool) {
	var q discoInfoQuery
	if err := c.link.Do(ctx, component.IQ{Type: stanza.GetIQ, To: j, Payload: discoInfoQuery{}}, &q); err != nil {
		return Service{}, false
	}

	for _, id := range q.Identities {
		if id.Category == "conference" && id.Type == "text" {
			return Service{JID: j, Name: id.Name}, true
		}
	}
	return Service{}, false
}

// Rooms lists the rooms of a service. With all, hidden rooms are listed
// too where the server lets the component see them: ejabberd lists every
// room to a service admin in disco#items; Prosody lists only public rooms
// there, and every room (tombstones of destroyed rooms included) in the
// form of its destroy command, which is read and canceled. The second
// result tells whether the list is complete (false: only public rooms
// could be listed).
func (c *Client) Rooms(ctx context.Context, service jid.JID, all bool) ([]jid.JID, bool, error) {
	if all {
		if rooms, ok, err := c.roomsFromDestroyForm(ctx, service); err != nil || ok {
			return rooms, ok, err
		}
	}
	var q discoItemsQuery
	if err := c.link.Do(ctx, component.IQ{Type: stanza.GetIQ, To: service, Payload: discoItemsQuery{}}, &q); err != nil {
		return nil, false, roomFault(err, service, "list the rooms of "+service.String())
	}
	var out []jid.JID
	for _, it := range q.Items {
		j, err := jid.Parse(it.JID)
		if err != nil || j.Localpart() == "" || j.Domainpart() != service.Domainpart() {
			continue
		}
		out = append(out, j.Bare())
	}
	complete := !all || listsHiddenRooms(q)
	return sortJIDs(out), complete, nil
}

// ejabberdItemName is how ejabberd names rooms in disco#items: "Title (N)"
// with N occupants, "Title (private, N)" for hidden rooms.
var ejabberdItemName = regexp.MustCompile(`\((private, )?[0-9]+\)$`)

// listsHiddenRooms reports whether a service's disco#items answer lists
// hidden rooms too: ejabberd does for service admins (its item names give
// it away; an empty list hides nothing), Prosody never does.
func listsHiddenRooms(q discoItemsQuery) bool {
	for _, it := range q.Items {
		if !ejabberdItemName.MatchString(it.Name) {
			return false
		}
	}
	return true
}

// commandQuery is an XEP-0050 command with a form that keeps its options.
type commandQuery struct {
	XMLName   xml.Name `xml:"http://jabber.org/protocol/commands command"`
	Node      string   `xml:"node,attr"`
	SessionID string   `xml:"sessionid,attr,omitempty"`
	Action    string   `xml:"action,attr,omitempty"`
	Status    string   `xml:"status,attr,omitempty"`
	Form      *Form    `xml:"jabber:x:data x"`
}

// roomsFromDestroyForm lists every room of a Prosody MUC service from the
// options of its destroy command's form; ok is false when the service
// does not offer the command.
func (c *Client) roomsFromDestroyForm(ctx context.Context, service jid.JID) (rooms []jid.JID, ok bool, err error) {
	var reply commandQuery
	err = c.link.Do(ctx, component.IQ{Type: stanza.SetIQ, To: service,
		Payload: commandQuery{Node: NodeProsodyDestroy, Action: "execute"}}, &reply)
	if err != nil {
		if c := component.StanzaCondition(err); c != "" {
			return nil, false, nil // not offered (or not to us)
		}
		return nil, false, err
	}
	if reply.SessionID != "" && reply.Status == "executing" {
		cctx, cancel := c.detach(ctx)
		c.link.Do(cctx, component.IQ{Type: stanza.SetIQ, To: service,
			Payload: commandQuery{Node: NodeProsodyDestroy, SessionID: reply.SessionID, Action: "cancel"}}, nil)
		cancel()
	}
	fl, found := reply.Form.Field("rooms")
	if !found {
		return nil, false, nil
	}
	for _, o := range fl.Options {
		j, err := jid.Parse(o.Value)
		if err == nil && j.Localpart() != "" && j.Domainpart() == service.Domainpart() {
			rooms = append(rooms, j.Bare())
		}
	}
	return sortJIDs(rooms), true, nil
}

func sortJIDs(js []jid.JID) []jid.JID {
	sort.Slice(js, func(i, j int) bool { return js[i].String() < js[j].String() })
	return js
}
