package adhoc

import (
	"context"
	"encoding/xml"
	"strconv"
	"strings"
	"time"

	"mellium.im/xmpp/jid"

	"xmpprest/component/fault"
)

// The XEP-0133 command nodes.
const (
	nsAdmin                    = "http://jabber.org/protocol/admin"
	NodeAddUser                = nsAdmin + "#add-user"
	NodeDeleteUser             = nsAdmin + "#delete-user"
	NodeDisableUser            = nsAdmin + "#disable-user"
	NodeReenableUser           = nsAdmin + "#reenable-user"
	NodeEndUserSession         = nsAdmin + "#end-user-session"
	NodeChangeUserPassword     = nsAdmin + "#change-user-password"
	NodeGetUserRoster          = nsAdmin + "#get-user-roster"
	NodeGetUserLastLogin       = nsAdmin + "#get-user-lastlogin"
	NodeUserStats              = nsAdmin + "#user-stats"
	NodeGetRegisteredUsersNum  = nsAdmin + "#get-registered-users-num"
	NodeGetRegisteredUsersList = nsAdmin + "#get-registered-users-list"
	NodeGetOnlineUsersNum      = nsAdmin + "#get-online-users-num"
	NodeGetOnlineUsersList     = nsAdmin + "#get-online-users-list"
	NodeAnnounce               = nsAdmin + "#announce"
)

func one(names ...string) func(v ...string) Arg {
	return func(v ...string) Arg { return Arg{Names: names, Values: v} }
}

var (
	argAccountJID  = one("accountjid", "accountjids")
	argAccountJIDs = one("accountjids", "accountjid")
)

// NewUser is the input of AddUser.
type NewUser struct {
	JID       jid.JID // bare
	Password  string
	Email     string
	GivenName string
	Surname   string
}

// AddUser creates an account. An empty password is refused here: Prosody
// reports success for it but creates nothing.
func (c *Client) AddUser(ctx context.Context, u NewUser) error {
	if u.Password == "" {
		return fault.New(fault.BadRequest, "a password is required").About(u.JID.Localpart())
	}
	args := []Arg{
		argAccountJID(u.JID.Bare().String()),
		{Names: []string{"password"}, Values: []string{u.Password}},
		{Names: []string{"password-verify"}, Values: []string{u.Password}, Optional: true},
	}
	for _, opt := range []struct{ name, v string }{{"email", u.Email}, {"given_name", u.GivenName}, {"surname", u.Surname}} {
		if opt.v != "" {
			args = append(args, Arg{Names: []string{opt.name}, Values: []string{opt.v}, Optional: true})
		}
	}
	_, err := c.Execute(ctx, Request{Host: host(u.JID), Node: NodeAddUser, Args: args})
	return about(err, u.JID)
}

// DeleteUser deletes an account.
func (c *Client) DeleteUser(ctx context.Context, user jid.JID) error {
	reply, err := c.Execute(ctx, Request{Host: host(user), Node: NodeDeleteUser, Hint: fault.NotFound,
		Args: []Arg{argAccountJIDs(user.Bare().String())}})
	if err != nil {
		return about(err, user)
	}
	// Prosody reports a partial failure only in the note's text.
	for _, n := range reply.Notes {
		if strings.Contains(n.Text, "could not be deleted") {
			return about(fault.New(fault.NotFound, "the account could not be deleted: %s", strings.TrimSpace(n.Text)), user)
		}
	}
	return nil
}

// ChangePassword sets an account's password.
func (c *Client) ChangePassword(ctx context.Context, user jid.JID, password string) error {
	if password == "" {
		return fault.New(fault.BadRequest, "a password is required").About(user.Localpart())
	}
	_, err := c.Execute(ctx, Request{Host: host(user), Node: NodeChangeUserPassword, Hint: fault.NotFound,
		Args: []Arg{argAccountJID(user.Bare().String()), {Names: []string{"password"}, Values: []string{password}}}})
	return about(err, user)
}

// EndSessions ends the sessions of user: all of them for a bare JID, one for
// a full JID.
func (c *Client) EndSessions(ctx context.Context, user jid.JID) error {
	_, err := c.Execute(ctx, Request{Host: host(user), Node: NodeEndUserSession, Hint: fault.NotFound,
		Args: []Arg{argAccountJIDs(user.String())}})
	return about(err, user)
}

// DisableUser locks an account out (and ends its sessions on servers that do).
func (c *Client) DisableUser(ctx context.Context, user jid.JID) error {
	_, err := c.Execute(ctx, Request{Host: host(user), Node: NodeDisableUser, Hint: fault.NotFound,
		Args: []Arg{argAccountJIDs(user.Bare().String())}})
	return about(err, user)
}

// ReenableUser lifts a lockout.
func (c *Client) ReenableUser(ctx context.Context, user jid.JID) error {
	_, err := c.Execute(ctx, Request{Host: host(user), Node: NodeReenableUser, Hint: fault.NotFound,
		Args: []Arg{argAccountJIDs(user.Bare().String())}})
	return about(err, user)
}

// jidList is the values of the first field named in names, or of the form's
// only multi-valued field, without empty lines.
func jidList(f *Form, names ...string) []string {
	var values []string
	found := false
	for _, n := range names {
		if fl, ok := f.Field(n); ok {
			values, found = fl.Values, true
			break
		}
	}
	if !found && f != nil {
		for _, fl := range f.Fields {
			if fl.Var != "FORM_TYPE" && strings.HasSuffix(fl.Type, "-multi") {
				values = fl.Values
				break
			}
		}
	}
	out := []string{}
	for _, v := range values {
		for _, line := range strings.Split(v, "\n") {
			if line = strings.TrimSpace(line); line != "" {
				out = append(out, line)
			}
		}
	}
	return out
}

var argMaxItemsAll = Arg{Names: []string{"max_items"}, Values: []string{"all"}, Optional: true}

// OnlineUsers lists the JIDs of the users online on host.
func (c *Client) OnlineUsers(ctx context.Context, host jid.JID) ([]string, error) {
	reply, err := c.Execute(ctx, Request{Host: host, Node: NodeGetOnlineUsersList, Args: []Arg{argMaxItemsAll}})
	if err != nil {
		return nil, err
	}
	return jidList(reply.Form, "onlineuserjids"), nil
}

// RegisteredUsers lists the bare JIDs of every account on host.
func (c *Client) RegisteredUsers(ctx context.Context, host jid.JID) ([]string, error) {
	reply, err := c.Execute(ctx, Request{Host: host, Node: NodeGetRegisteredUsersList, Args: []Arg{argMaxItemsAll}})
	if err != nil {
		return nil, err
	}
	return jidList(reply.Form, "registereduserjids"), nil
}

func (c *Client) count(ctx context.Context, host jid.JID, node, field string) (int, error) {
	reply, err := c.Execute(ctx, Request{Host: host, Node: node})
	if err != nil {
		return 0, err
	}
	v := strings.TrimSpace(reply.Form.Value(field))
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fault.New(fault.BadGateway, "command %s answered %s = %q, not a number", node, field, v)
	}
	return n, nil
}

// RegisteredUsersNum counts the accounts on host.
func (c *Client) RegisteredUsersNum(ctx context.Context, host jid.JID) (int, error) {
	return c.count(ctx, host, NodeGetRegisteredUsersNum, "registeredusersnum")
}

// OnlineUsersNum counts the users online on host.
func (c *Client) OnlineUsersNum(ctx context.Context, host jid.JID) (int, error) {
	return c.count(ctx, host, NodeGetOnlineUsersNum, "onlineusersnum")
}

// UserStats is the answer of the user-stats command.
type UserStats struct {
	RosterSize      int
	IPAddresses     []string
	OnlineResources []string
}

// UserStats returns an account's roster size, IP addresses and online
// resources. On Prosody a missing account is fault.NotFound; ejabberd
// answers stats for any JID.
func (c *Client) UserStats(ctx context.Context, user jid.JID) (UserStats, error) {
	reply, err := c.Execute(ctx, Request{Host: host(user), Node: NodeUserStats, Hint: fault.NotFound,
		Args: []Arg{argAccountJID(user.Bare().String())}})
	if err != nil {
		return UserStats{}, about(err, user)
	}
	st := UserStats{
		IPAddresses:     jidList(&Form{Fields: onlyField(reply.Form, "ipaddresses")}, "ipaddresses"),
		OnlineResources: jidList(&Form{Fields: onlyField(reply.Form, "onlineresources")}, "onlineresources"),
	}
	st.RosterSize, _ = strconv.Atoi(strings.TrimSpace(reply.Form.Value("rostersize")))
	return st, nil
}

func onlyField(f *Form, name string) []Field {
	if fl, ok := f.Field(name); ok {
		return []Field{fl}
	}
	return nil
}

// LastLogin returns when the user last logged in; ok is false when the
// server answers "Never" (ejabberd says so for accounts that do not exist).
func (c *Client) LastLogin(ctx context.Context, user jid.JID) (t time.Time, ok bool, err error) {
	reply, err := c.Execute(ctx, Request{Host: host(user), Node: NodeGetUserLastLogin, Hint: fault.NotFound,
		Args: []Arg{argAccountJID(user.Bare().String())}})
	if err != nil {
		return time.Time{}, false, about(err, user)
	}
	v := strings.TrimSpace(reply.Form.Value("lastlogin"))
	if v == "" || strings.EqualFold(v, "never") {
		return time.Time{}, false, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02T15:04:05Z"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true, nil
		}
	}
	return time.Time{}, true, nil
}

// UserExists reports whether the account exists, by the cheapest signal the
// host offers: Prosody's user-stats fails for a missing account, ejabberd's
// get-user-lastlogin answers "Never" for one; the registered-users list is
// the fallback.
func (c *Client) UserExists(ctx context.Context, user jid.JID) (bool, error) {
	h := host(user).String()
	if offered, known := c.Offers(h, NodeGetUserLastLogin); known && offered {
		_, ok, err := c.LastLogin(ctx, user)
		return ok, err
	}
	if offered, known := c.Offers(h, NodeGetRegisteredUsersList); known && offered {
		if offered, _ := c.Offers(h, NodeUserStats); !offered {
			users, err := c.RegisteredUsers(ctx, host(user))
			if err != nil {
				return false, err
			}
			want := user.Bare().String()
			for _, u := range users {
				if u == want {
					return true, nil
				}
			}
			return false, nil
		}
	}
	_, err := c.UserStats(ctx, user)
	if fault.Is(err, fault.NotFound) {
		return false, nil
	}
	return err == nil, err
}

// RosterItem is one entry of a user's roster.
type RosterItem struct {
	JID          string   `xml:"jid,attr"`
	Name         string   `xml:"name,attr,omitempty"`
	Subscription string   `xml:"subscription,attr,omitempty"`
	Ask          string   `xml:"ask,attr,omitempty"`
	Groups       []string `xml:"group"`
}

// UserRoster returns a user's roster through get-user-roster (Prosody sends
// the items as lines of XML in a text-multi field).
func (c *Client) UserRoster(ctx context.Context, user jid.JID) ([]RosterItem, error) {
	reply, err := c.Execute(ctx, Request{Host: host(user), Node: NodeGetUserRoster, Hint: fault.NotFound,
		Args: []Arg{argAccountJID(user.Bare().String())}})
	if err != nil {
		return nil, about(err, user)
	}
	if reply.Form == nil {
		return nil, fault.New(fault.BadGateway, "command %s on %s completed without the roster form", NodeGetUserRoster, host(user))
	}
	var text strings.Builder
	for _, fl := range reply.Form.Fields {
		if fl.Var == "FORM_TYPE" || fl.Var == "accountjid" || fl.Var == "accountjids" {
			continue
		}
		for _, v := range fl.Values {
			text.WriteString(v)
			text.WriteByte('\n')
		}
	}
	var q struct {
		Items []RosterItem `xml:"item"`
	}
	src := strings.TrimSpace(text.String())
	if !strings.Contains(src, "<query") {
		src = "<query>" + src + "</query>"
	}
	if err := xml.Unmarshal([]byte(src), &q); err != nil {
		return nil, fault.Wrap(fault.BadGateway, err, "decode the roster of %s", user)
	}
	if q.Items == nil {
		q.Items = []RosterItem{}
	}
	return q.Items, nil
}

// Announce sends a message to every online user of host.
func (c *Client) Announce(ctx context.Context, host jid.JID, subject, body string) error {
	if body == "" {
		return fault.New(fault.BadRequest, "the announcement has no body")
	}
	args := []Arg{{Names: []string{"announcement", "body"}, Values: []string{body}}}
	if subject != "" {
		args = append(args, Arg{Names: []string{"subject"}, Values: []string{subject}, Optional: true})
	}
	_, err := c.Execute(ctx, Request{Host: host, Node: NodeAnnounce, Args: args})
	return err
}

func host(user jid.JID) jid.JID { return user.Domain() }

// about names the user in a fault, for the dialects' error bodies.
func about(err error, user jid.JID) error {
	if fe, ok := err.(*fault.Error); ok && fe.Resource == "" {
		return fe.About(user.Localpart())
	}
	return err
}
