package c2stest

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/roster"
	"mellium.im/xmpp/stanza"

	"xmpprest/component/c2s"
)

// channelSize is the buffer of the Messages and Presences channels.
const channelSize = 1024

// closeTimeout is how long Close waits for the server to close its stream.
const closeTimeout = 2 * time.Second

// ErrClosed is returned by the Wait methods when the session has ended
// without the awaited stanza.
var ErrClosed = errors.New("c2s: session ended")

// Client is a logged-in, bound session, serving incoming stanzas in the
// background. Its methods are safe for concurrent use.
//
// Every <message/> and <presence/> received is recorded (for the Wait
// methods, which also see what arrived before they were called) and copied
// to the Messages and Presences channels. Incoming IQ requests are answered:
// roster pushes and pings with a result, anything else with
// service-unavailable.
//
// Expect server noise among the messages: Prosody's mod_privilege, for
// instance, sends every user an empty <privilege/> message from the host
// after the initial presence. Match on what the test is about.
type Client struct {
	sess *xmpp.Session
	conn net.Conn
	jid  jid.JID

	msgs chan Message
	pres chan Presence
	done chan struct{}

	mu       sync.Mutex
	msgLog   []Message
	presLog  []Presence
	changed  chan struct{} // closed and replaced whenever a stanza is recorded
	serveErr error

	closeOnce sync.Once
	closeErr  error
}

// Login logs user in with password, binds resource (or one chosen by the
// server when empty) and starts serving the session in the background.
// Errors are as for c2s.CheckPassword.
func Login(ctx context.Context, opts c2s.Options, user jid.JID, password, resource string) (*Client, error) {
	sess, conn, err := c2s.Dial(ctx, opts, user, password, resource)
	if err != nil {
		return nil, err
	}
	c := &Client{
		sess:    sess,
		conn:    conn,
		jid:     sess.LocalAddr(),
		msgs:    make(chan Message, channelSize),
		pres:    make(chan Presence, channelSize),
		done:    make(chan struct{}),
		changed: make(chan struct{}),
	}
	go c.serve()
	return c, nil
}

func (c *Client) serve() {
	// The handler must never call SendIQ and friends: their response is
	// delivered by this very loop (deadlock). It only answers IQs inline.
	err := c.sess.Serve(xmpp.HandlerFunc(c.handle))
	c.mu.Lock()
	c.serveErr = err
	c.mu.Unlock()
	close(c.done)
}

// handle records one incoming stanza. Returning an error ends the session,
// so only stream read/write errors are returned.
func (c *Client) handle(t xmlstream.TokenReadEncoder, start *xml.StartElement) error {
	raw, err := readRaw(*start, t)
	if err != nil {
		return err
	}
	switch start.Name.Local {
	case "message":
		if m, err := parseMessage(raw); err == nil {
			c.record(func() {
				c.msgLog = append(c.msgLog, m)
				select {
				case c.msgs <- m:
				default: // full: dropped from the channel, still in the log
				}
			})
		}
	case "presence":
		if p, err := parsePresence(raw); err == nil {
			c.record(func() {
				c.presLog = append(c.presLog, p)
				select {
				case c.pres <- p:
				default:
				}
			})
		}
	case "iq":
		return answerIQ(t, start, raw)
	}
	return nil
}

func (c *Client) record(f func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f()
	close(c.changed)
	c.changed = make(chan struct{})
}

// answerIQ acknowledges roster pushes and pings. Other requests get mellium's
// default service-unavailable error.
func answerIQ(t xmlstream.TokenReadEncoder, start *xml.StartElement, raw []byte) error {
	iq, err := stanza.NewIQ(*start)
	if err != nil || (iq.Type != stanza.SetIQ && iq.Type != stanza.GetIQ) {
		return nil
	}
	var payload struct {
		Child struct{ XMLName xml.Name } `xml:",any"`
	}
	if xml.Unmarshal(raw, &payload) != nil {
		return nil
	}
	switch payload.Child.XMLName.Space {
	case "jabber:iq:roster", "urn:xmpp:ping":
	default:
		return nil
	}
	_, err = xmlstream.Copy(t, iq.Result(nil))
	return err
}

// JID returns the full JID bound to the session.
func (c *Client) JID() jid.JID { return c.jid }

// SendPresence sends the initial available presence, after which the server
// delivers presence broadcasts, invitations, and messages to the bare JID.
func (c *Client) SendPresence(ctx context.Context) error {
	return c.sess.Send(ctx, stanza.Presence{}.Wrap(nil))
}

// SendMessage sends a chat message with a body.
func (c *Client) SendMessage(ctx context.Context, to jid.JID, body string) error {
	return c.sess.Send(ctx, stanza.Message{To: to, Type: stanza.ChatMessage}.Wrap(
		xmlstream.Wrap(xmlstream.Token(xml.CharData(body)), xml.StartElement{Name: xml.Name{Local: "body"}}),
	))
}

// SendRaw sends one stanza given as XML, e.g.
// `<message to='bob@example.org'><body>hi</body></message>`. The jabber:client
// namespace and an id are added when missing. The response to an IQ is not
// awaited (it arrives like any other stanza and is ignored).
func (c *Client) SendRaw(ctx context.Context, rawXML string) error {
	return c.sess.Send(ctx, xml.NewDecoder(strings.NewReader(rawXML)))
}

// Roster fetches the user's roster (jabber:iq:roster get).
func (c *Client) Roster(ctx context.Context) ([]RosterItem, error) {
	iter := roster.Fetch(ctx, c.sess)
	// The iterator holds the session's input until closed.
	defer iter.Close()
	var items []RosterItem
	for iter.Next() {
		it := iter.Item()
		items = append(items, RosterItem{
			JID: it.JID.String(), Name: it.Name, Subscription: it.Subscription,
			Groups: it.Group,
		})
	}
	if err := iter.Err(); err != nil {
		return nil, fmt.Errorf("c2s: roster: %w", err)
	}
	return items, nil
}

// SetRosterItem adds or updates a roster item (jabber:iq:roster set) and
// waits for the server to accept it. Subscription is ignored.
func (c *Client) SetRosterItem(ctx context.Context, item RosterItem) error {
	j, err := jid.Parse(item.JID)
	if err != nil {
		return fmt.Errorf("c2s: roster item: %w", err)
	}
	err = roster.Set(ctx, c.sess, roster.Item{JID: j, Name: item.Name, Group: item.Groups})
	if err != nil {
		return fmt.Errorf("c2s: roster set: %w", err)
	}
	return nil
}

// Messages returns the channel receiving every <message/>. It is buffered;
// when the buffer is full newer messages are left out of the channel (the
// Wait methods still see them).
func (c *Client) Messages() <-chan Message { return c.msgs }

// Presences returns the channel receiving every <presence/>, like Messages.
func (c *Client) Presences() <-chan Presence { return c.pres }

// WaitMessage returns the first message received since Login (earlier ones
// included) for which match is true (nil matches any), waiting for it until
// ctx is done or the session ends.
func (c *Client) WaitMessage(ctx context.Context, match func(Message) bool) (Message, error) {
	return wait(ctx, c, func() []Message { return c.msgLog }, match, "message")
}

// WaitPresence is WaitMessage for presences.
func (c *Client) WaitPresence(ctx context.Context, match func(Presence) bool) (Presence, error) {
	return wait(ctx, c, func() []Presence { return c.presLog }, match, "presence")
}

// wait scans log() (called with c.mu held) for a match, waking up on every
// new stanza.
func wait[T any](ctx context.Context, c *Client, log func() []T, match func(T) bool, what string) (T, error) {
	var zero T
	next, ended := 0, false
	for {
		c.mu.Lock()
		l := log()
		for ; next < len(l); next++ {
			if match == nil || match(l[next]) {
				v := l[next]
				c.mu.Unlock()
				return v, nil
			}
		}
		changed := c.changed
		c.mu.Unlock()
		if ended {
			return zero, fmt.Errorf("%w before the awaited %s (%d received): %v", ErrClosed, what, next, c.Err())
		}
		select {
		case <-changed:
		case <-c.done:
			ended = true // one last scan
		case <-ctx.Done():
			return zero, fmt.Errorf("c2s: waiting for a %s (%d received, none matching): %w", what, next, ctx.Err())
		}
	}
}

// Done returns a channel closed when the session has ended: closed by Close,
// by the server (e.g. the user was kicked or the server stopped) or broken.
func (c *Client) Done() <-chan struct{} { return c.done }

// Err returns why the session ended (nil while it is running, or when it
// ended with a clean close of the stream).
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.serveErr
}

// Close ends the session (closing the stream, waiting a little for the
// server to close its own) and the connection. It may be called several
// times, also after the session has ended by itself.
func (c *Client) Close() error {
	c.closeOnce.Do(func() {
		select {
		case <-c.done:
			// Ended already: Serve has closed the stream if it could.
		default:
			// Neither writing </stream:stream> nor waiting for the server's
			// may hang on a dead server. (Session.SetCloseDeadline would race
			// with Serve; deadlines on the connection are safe.)
			c.conn.SetDeadline(time.Now().Add(closeTimeout))
			c.closeErr = c.sess.Close()
			<-c.done
		}
		if err := c.conn.Close(); c.closeErr == nil {
			c.closeErr = err
		}
	})
	return c.closeErr
}

// Options and the TLS modes are those of package c2s, so that a test needs
// only this package to log users in.
type Options = c2s.Options

// The TLS modes of Options.
const (
	TLSNone     = c2s.TLSNone
	TLSStartTLS = c2s.TLSStartTLS
	TLSRequired = c2s.TLSRequired
)
