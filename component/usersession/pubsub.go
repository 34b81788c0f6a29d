package usersession

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"sort"
	"strings"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	"xmpprest/adhoc"
	"xmpprest/component/fault"
)

// Publish-subscribe (XEP-0060) on the user's session: on a pubsub service,
// or on the user's own PEP service (XEP-0163) when the service is the zero
// JID. The IQs are written here: mellium's pubsub package lacks subscribe,
// delete and subscriptions, and its publish cannot send the publish
// options XEP-0402 needs.

// The pubsub namespaces.
const (
	NSPubSub      = "http://jabber.org/protocol/pubsub"
	NSPubSubOwner = NSPubSub + "#owner"
	NSPubSubEvent = NSPubSub + "#event"
	nsPublishOpts = NSPubSub + "#publish-options"
	nsNodeConfig  = NSPubSub + "#node_config"
)

type pubsubItem struct {
	ID      string `xml:"id,attr,omitempty"`
	Payload []byte `xml:",innerxml"` // one element, written out as it is
}

type pubsubPublish struct {
	XMLName xml.Name `xml:"http://jabber.org/protocol/pubsub pubsub"`
	Publish struct {
		Node string     `xml:"node,attr"`
		Item pubsubItem `xml:"item"`
	} `xml:"publish"`
	Options *struct {
		Form adhoc.Form
	} `xml:"publish-options"`
}

// PublishOptions are the node settings a publish requires (the service
// creates the node with them, or refuses the publish when the node
// exists with others), e.g. {"pubsub#access_model": "whitelist"}.
type PublishOptions map[string]string

func (o PublishOptions) form(formType string) adhoc.Form {
	f := adhoc.Form{Type: "submit", Fields: []adhoc.Field{{Var: "FORM_TYPE", Type: "hidden", Values: []string{formType}}}}
	keys := make([]string, 0, len(o))
	for k := range o {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		f.Fields = append(f.Fields, adhoc.Field{Var: k, Values: []string{o[k]}})
	}
	return f
}

// CheckPayload checks that payload is one well-formed XML element (the
// item a client publishes).
func CheckPayload(payload []byte) error {
	d := xml.NewDecoder(bytes.NewReader(payload))
	depth, elements := 0, 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fault.New(fault.BadRequest, "the payload is not well-formed XML: %v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				elements++
			}
			depth++
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth == 0 && len(bytes.TrimSpace(t)) > 0 {
				return fault.New(fault.BadRequest, "the payload must be one XML element, not text")
			}
		case xml.ProcInst, xml.Directive:
			return fault.New(fault.BadRequest, "the payload may not hold processing instructions or directives")
		}
	}
	if elements != 1 {
		return fault.New(fault.BadRequest, "the payload must be exactly one XML element, got %d", elements)
	}
	return nil
}

// Publish publishes one item (payload: one XML element) to a node and
// returns the item's id (the service picks one when id is empty).
func (s *Session) Publish(ctx context.Context, service jid.JID, node, id string, payload []byte, opts PublishOptions) (string, error) {
	if err := CheckPayload(payload); err != nil {
		return "", err
	}
	var p pubsubPublish
	p.Publish.Node = node
	p.Publish.Item = pubsubItem{ID: id, Payload: payload}
	if len(opts) > 0 {
		p.Options = &struct{ Form adhoc.Form }{Form: opts.form(nsPublishOpts)}
	}
	var res struct {
		Publish struct {
			Item struct {
				ID string `xml:"id,attr"`
			} `xml:"item"`
		} `xml:"publish"`
	}
	if err := s.iq(ctx, stanza.IQ{ID: newID(), Type: stanza.SetIQ, To: service}, encode(p), &res); err != nil {
		return "", pubsubFault(err, service, node)
	}
	if res.Publish.Item.ID != "" {
		id = res.Publish.Item.ID
	}
	return id, nil
}

type pubsubRetract struct {
	XMLName xml.Name `xml:"http://jabber.org/protocol/pubsub pubsub"`
	Retract struct {
		Node   string `xml:"node,attr"`
		Notify string `xml:"notify,attr,omitempty"`
		Item   struct {
			ID string `xml:"id,attr"`
		} `xml:"item"`
	} `xml:"retract"`
}

// Retract removes an item from a node.
func (s *Session) Retract(ctx context.Context, service jid.JID, node, id string) error {
	var p pubsubRetract
	p.Retract.Node, p.Retract.Notify, p.Retract.Item.ID = node, "true", id
	return pubsubFault(s.iq(ctx, stanza.IQ{ID: newID(), Type: stanza.SetIQ, To: service}, encode(p), nil), service, node)
}

type pubsubCreate struct {
	XMLName xml.Name `xml:"http://jabber.org/protocol/pubsub pubsub"`
	Create  struct {
		Node string `xml:"node,attr"`
	} `xml:"create"`
	Configure *struct {
		Form *adhoc.Form
	} `xml:"configure"`
}

// CreateNode creates a node with the settings given (none: the service's
// defaults).
func (s *Session) CreateNode(ctx context.Context, service jid.JID, node string, config PublishOptions) error {
	var p pubsubCreate
	p.Create.Node = node
	if len(config) > 0 {
		f := config.form(nsNodeConfig)
		p.Configure = &struct{ Form *adhoc.Form }{Form: &f}
	}
	return pubsubFault(s.iq(ctx, stanza.IQ{ID: newID(), Type: stanza.SetIQ, To: service}, encode(p), nil), service, node)
}

type pubsubOwnerDelete struct {
	XMLName xml.Name `xml:"http://jabber.org/protocol/pubsub#owner pubsub"`
	Delete  struct {
		Node string `xml:"node,attr"`
	} `xml:"delete"`
}

// DeleteNode deletes a node the user owns.
func (s *Session) DeleteNode(ctx context.Context, service jid.JID, node string) error {
	var p pubsubOwnerDelete
	p.Delete.Node = node
	return pubsubFault(s.iq(ctx, stanza.IQ{ID: newID(), Type: stanza.SetIQ, To: service}, encode(p), nil), service, node)
}

type pubsubSubscribe struct {
	XMLName   xml.Name `xml:"http://jabber.org/protocol/pubsub pubsub"`
	Subscribe struct {
		Node string `xml:"node,attr"`
		JID  string `xml:"jid,attr"`
	} `xml:"subscribe"`
}

// NodeSubscription is a subscription to a node.
type NodeSubscription struct {
	Node         string
	JID          string
	SubID        string
	Subscription string // subscribed, pending, unconfigured, none
}

type subscriptionXML struct {
	Node         string `xml:"node,attr"`
	JID          string `xml:"jid,attr"`
	SubID        string `xml:"subid,attr"`
	Subscription string `xml:"subscription,attr"`
}

// Subscribe subscribes the user's bare JID to a node; notifications then
// arrive on the session.
func (s *Session) Subscribe(ctx context.Context, service jid.JID, node string) (NodeSubscription, error) {
	var p pubsubSubscribe
	p.Subscribe.Node, p.Subscribe.JID = node, s.user.String()
	var res struct {
		Subscription subscriptionXML `xml:"subscription"`
	}
	if err := s.iq(ctx, stanza.IQ{ID: newID(), Type: stanza.SetIQ, To: service}, encode(p), &res); err != nil {
		return NodeSubscription{}, pubsubFault(err, service, node)
	}
	x := res.Subscription
	return NodeSubscription{Node: node, JID: x.JID, SubID: x.SubID, Subscription: x.Subscription}, nil
}

type pubsubOwnerSubscriptions struct {
	XMLName       xml.Name `xml:"http://jabber.org/protocol/pubsub#owner pubsub"`
	Subscriptions struct {
		Node  string            `xml:"node,attr"`
		Items []subscriptionXML `xml:"subscription"`
	} `xml:"subscriptions"`
}

// Subscribers lists a node's subscriptions (the user must own the node).
func (s *Session) Subscribers(ctx context.Context, service jid.JID, node string) ([]NodeSubscription, error) {
	var p, res pubsubOwnerSubscriptions
	p.Subscriptions.Node = node
	if err := s.iq(ctx, stanza.IQ{ID: newID(), Type: stanza.GetIQ, To: service}, encode(p), &res); err != nil {
		return nil, pubsubFault(err, service, node)
	}
	out := []NodeSubscription{}
	for _, x := range res.Subscriptions.Items {
		out = append(out, NodeSubscription{Node: node, JID: x.JID, SubID: x.SubID, Subscription: x.Subscription})
	}
	return out, nil
}

type pubsubItems struct {
	XMLName xml.Name `xml:"http://jabber.org/protocol/pubsub pubsub"`
	Items   struct {
		Node  string `xml:"node,attr"`
		Items []struct {
			ID    string `xml:"id,attr"`
			Inner []byte `xml:",innerxml"`
		} `xml:"item"`
	} `xml:"items"`
}

// Item is a published item.
type Item struct {
	ID      string
	Payload string // the item's XML
}

// Items returns the items of a node.
func (s *Session) Items(ctx context.Context, service jid.JID, node string) ([]Item, error) {
	var p, res pubsubItems
	p.Items.Node = node
	if err := s.iq(ctx, stanza.IQ{ID: newID(), Type: stanza.GetIQ, To: service}, encode(p), &res); err != nil {
		return nil, pubsubFault(err, service, node)
	}
	out := []Item{}
	for _, it := range res.Items.Items {
		out = append(out, Item{ID: it.ID, Payload: strings.TrimSpace(string(it.Inner))})
	}
	return out, nil
}

// pubsubFault names the node in a service's refusal.
func pubsubFault(err error, service jid.JID, node string) error {
	if err == nil {
		return nil
	}
	where := service.String()
	if where == "" {
		where = "the user's PEP service"
	}
	var fe *fault.Error
	if errors.As(err, &fe) {
		switch fe.Kind {
		case fault.NotFound:
			return fault.Wrap(fault.NotFound, err, "node %q does not exist on %s", node, where).About(node)
		case fault.Conflict:
			return fault.Wrap(fault.Conflict, err, "node %q exists already on %s", node, where).About(node)
		case fault.NotSupported:
			return fault.Wrap(fault.NotSupported, err, "%s does not support this (XEP-0060): %s", where, fault.Message(err))
		}
	}
	return err
}
