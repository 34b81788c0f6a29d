package adhoc

import (
	"context"
	"encoding/xml"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	"xmpprest/component"
	"xmpprest/component/fault"
	"xmpprest/component/metrics"
)

// NSCommands is the XEP-0050 namespace.
const NSCommands = "http://jabber.org/protocol/commands"

// Command is the <command/> element of XEP-0050.
type Command struct {
	XMLName   xml.Name `xml:"http://jabber.org/protocol/commands command"`
	Node      string   `xml:"node,attr"`
	SessionID string   `xml:"sessionid,attr,omitempty"`
	Action    string   `xml:"action,attr,omitempty"`
	Status    string   `xml:"status,attr,omitempty"`
	Notes     []Note   `xml:"note"`
	Form      *Form    `xml:"jabber:x:data x"`
}

// Note is a note of a command reply.
type Note struct {
	Type string `xml:"type,attr,omitempty"`
	Text string `xml:",chardata"`
}

// ErrorNote returns the text of the first note of type error.
func (c *Command) ErrorNote() (string, bool) {
	for _, n := range c.Notes {
		if n.Type == "error" {
			return strings.TrimSpace(n.Text), true
		}
	}
	return "", false
}

// Sender sends IQs: *component.Link is one.
type Sender interface {
	Do(ctx context.Context, iq component.IQ, result any) error
}

// HostLookup returns the discovered capabilities of a host.
type HostLookup func(host string) (component.HostCapabilities, bool)

// Client runs ad-hoc commands. It is safe for concurrent use.
type Client struct {
	send  Sender
	hosts HostLookup
	forms sync.Map // formKey -> *formSpec
}

type formKey struct{ host, node string }

// formSpec is what a host's form for a command looks like.
type formSpec struct {
	formType string            // the hidden FORM_TYPE value
	types    map[string]string // field var -> field type
}

// New returns a Client that runs commands over link.
func New(link *component.Link) *Client {
	return NewClient(link, link.Capabilities().Host)
}

// NewClient returns a Client that sends with s and checks hosts' command
// lists with hosts (nil: do not check).
func NewClient(s Sender, hosts HostLookup) *Client {
	return &Client{send: s, hosts: hosts}
}

// Arg is one input of a command: the field names hosts use for it, first
// the XEP-0133 one, and its values.
type Arg struct {
	Names    []string
	Values   []string
	Optional bool // leave out when the host's form has no such field
}

// Request is one command run.
type Request struct {
	Host jid.JID // the entity that offers the command
	Node string
	Args []Arg
	// Hint classifies an item-not-found IQ error, which ejabberd answers
	// for every validation failure ("No hook has processed this command").
	// The zero value means fault.BadRequest.
	Hint fault.Kind
}

// Offers reports whether host offers the command node, and whether the
// host's command list is known at all.
func (c *Client) Offers(host, node string) (offered, known bool) {
	if c.hosts == nil {
		return true, false
	}
	hc, ok := c.hosts(host)
	if !ok || hc.CommandsError != "" || hc.Commands == nil {
		return true, false
	}
	return hc.HasCommand(node), true
}

// Execute runs the command and returns the completed reply (its form holds
// the results of get-* commands).
func (c *Client) Execute(ctx context.Context, req Request) (*Command, error) {
	start := time.Now()
	cmd, err := c.execute(ctx, req)
	metrics.ObserveCommand(req.Host.String(), commandName(req.Node), commandOutcome(err), start)
	return cmd, err
}

func (c *Client) execute(ctx context.Context, req Request) (*Command, error) {
	host := req.Host.String()
	if offered, known := c.Offers(host, req.Node); known && !offered {
		return nil, notOffered(host, req.Node)
	}
	key := formKey{host, req.Node}
	if spec, ok := c.forms.Load(key); ok {
		return c.submit(ctx, req, spec.(*formSpec), "")
	}
	// First run on this host: learn the form, then submit it.
	var reply Command
	err := c.send.Do(ctx, component.IQ{Type: stanza.SetIQ, To: req.Host,
		Payload: Command{Node: req.Node, Action: "execute"}}, &reply)
	if err != nil {
		return nil, classify(req, err)
	}
	if reply.Status == "completed" {
		return &reply, checkNotes(req, &reply)
	}
	if reply.Status != "executing" || reply.Form == nil {
		return nil, fault.New(fault.BadGateway, "command %s on %s answered status %q without a form", req.Node, host, reply.Status)
	}
	spec := learn(reply.Form)
	c.forms.Store(key, spec)
	return c.submit(ctx, req, spec, reply.SessionID)
}

// submit sends the filled form with action complete: in one round trip when
// sessionID is empty (both Prosody and ejabberd accept that).
func (c *Client) submit(ctx context.Context, req Request, spec *formSpec, sessionID string) (*Command, error) {
	form, err := fill(req, spec)
	if err != nil {
		return nil, err
	}
	var reply Command
	err = c.send.Do(ctx, component.IQ{Type: stanza.SetIQ, To: req.Host,
		Payload: Command{Node: req.Node, SessionID: sessionID, Action: "complete", Form: form}}, &reply)
	if err != nil {
		return nil, classify(req, err)
	}
	// A stateful command (Prosody's announce) ignores a one-shot submission
	// and opens a session instead: submit again within it.
	if reply.Status == "executing" && sessionID == "" && reply.SessionID != "" {
		return c.submit(ctx, req, spec, reply.SessionID)
	}
	switch reply.Status {
	case "completed":
		return &reply, checkNotes(req, &reply)
	case "canceled":
		return nil, fault.New(fault.BadGateway, "command %s on %s was canceled by the server", req.Node, req.Host)
	}
	if msg, ok := reply.ErrorNote(); ok {
		return nil, noteFault(req, msg)
	}
	return nil, fault.New(fault.BadGateway, "command %s on %s did not complete (status %q)", req.Node, req.Host, reply.Status)
}

func learn(f *Form) *formSpec {
	spec := &formSpec{types: map[string]string{}}
	for _, fl := range f.Fields {
		if fl.Var == "FORM_TYPE" {
			if len(fl.Values) > 0 {
				spec.formType = fl.Values[0]
			}
			continue
		}
		if fl.Var != "" {
			spec.types[fl.Var] = fl.Type
		}
	}
	return spec
}

// fill builds the submitted form with the field names the host uses.
func fill(req Request, spec *formSpec) (*Form, error) {
	form := &Form{Type: "submit"}
	formType := spec.formType
	if formType == "" {
		formType = "http://jabber.org/protocol/admin"
	}
	form.Fields = append(form.Fields, Field{Var: "FORM_TYPE", Type: "hidden", Values: []string{formType}})
	for _, a := range req.Args {
		name, typ, ok := pick(a.Names, spec)
		if !ok {
			if a.Optional {
				continue
			}
			return nil, fault.New(fault.NotSupported, "command %s on %s has no field %s (its fields: %s)",
				req.Node, req.Host, strings.Join(a.Names, " or "), spec.fieldList())
		}
		values := a.Values
		if typ == "text-multi" {
			values = splitLines(values)
		}
		if len(values) > 1 && typ != "" && !strings.HasSuffix(typ, "-multi") {
			return nil, fault.New(fault.BadRequest, "command %s on %s takes one value for field %s", req.Node, req.Host, name)
		}
		form.Fields = append(form.Fields, Field{Var: name, Values: values})
	}
	return form, nil
}

func pick(names []string, spec *formSpec) (name, typ string, ok bool) {
	for _, n := range names {
		if t, ok := spec.types[n]; ok {
			return n, t, true
		}
	}
	return "", "", false
}

func (s *formSpec) fieldList() string {
	var names []string
	for n := range s.types {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func notOffered(host, node string) *fault.Error {
	name := node
	if i := strings.LastIndexByte(node, '#'); i >= 0 {
		name = node[i+1:]
	}
	return &fault.Error{Kind: fault.NotSupported, Resource: node, Message: fmt.Sprintf(
		"the XMPP server does not offer the ad-hoc command %s (%s) to the component on %s%s",
		name, node, host, advice(node))}
}

// advice says how to get a command a server lacks.
func advice(node string) string {
	switch node {
	case NodeGetRegisteredUsersList, NodeGetRegisteredUsersNum, NodeDisableUser, NodeReenableUser:
		return "; on Prosody 0.12 install the module xmpprest ships, contrib/prosody/mod_xmpprest_admin.lua: copy it into a directory of Prosody's plugin_paths, " +
			"add \"xmpprest_admin\" to the modules_enabled of the VirtualHost and restart Prosody (see contrib/prosody/README.md); " +
			"on other servers enable this XEP-0133 command for the component"
	case NodeGetUserLastLogin:
		// contrib/prosody/mod_xmpprest_admin.lua leaves it out on purpose:
		// Prosody 0.12 keeps no login or creation time it could report.
		return "; Prosody 0.12 records no login times, so it cannot offer this command; on other servers enable it for the component"
	case NodeGetUserRoster:
		return "; grant the component XEP-0356 roster access instead"
	}
	return "; enable the server's XEP-0133 service administration commands for the component"
}

// splitLines turns values holding newlines into one value a line, the shape
// of a text-multi field.
func splitLines(values []string) []string {
	var out []string
	for _, v := range values {
		out = append(out, strings.Split(strings.TrimRight(v, "\n"), "\n")...)
	}
	return out
}
