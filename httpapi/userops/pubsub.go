package userops

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"strings"

	"mellium.im/xmpp/jid"

	"xmpprest/component/fault"
	"xmpprest/component/usersession"
)

// Publish-subscribe as the user: on the server's pubsub service (XEP-0060,
// discovered by disco) or on the user's own PEP service (XEP-0163).
// Payloads are XML elements as given, or JSON wrapped in XEP-0335's
// <json xmlns='urn:xmpp:json:0'/>.

// NSJSON is the XEP-0335 JSON container's namespace.
const NSJSON = "urn:xmpp:json:0"

// Node is a pubsub node.
type Node struct {
	ID, Name string
}

// pubsubService returns the server's pubsub service.
func (s *Service) pubsubService(ctx context.Context, sess *usersession.Session) (jid.JID, error) {
	v, ok, err := s.services.lookup("pubsub "+sess.User().Domainpart(), func() (any, bool, error) {
		j, _, ok, err := sess.FindService(ctx, func(d usersession.DiscoInfo) bool {
			_, ok := d.Identity("pubsub", "service")
			return ok
		})
		return j, ok, err
	})
	if err != nil {
		return jid.JID{}, err
	}
	if !ok {
		return jid.JID{}, fault.New(fault.NotSupported, "the XMPP server of %s offers no publish-subscribe service (XEP-0060)", sess.User().Domainpart())
	}
	return v.(jid.JID), nil
}

// checkNode validates a node name.
func checkNode(node string) error {
	if strings.TrimSpace(node) == "" || len(node) > 1024 {
		return fault.New(fault.BadRequest, "a node name is required (at most 1024 bytes)")
	}
	return nil
}

// Payload turns what a client publishes into one XML element: XML as it
// is, JSON wrapped in <json xmlns='urn:xmpp:json:0'/>.
func Payload(body []byte) ([]byte, error) {
	t := bytes.TrimSpace(body)
	if len(t) == 0 {
		return nil, fault.New(fault.BadRequest, "the request has no body: send the item as JSON or as one XML element")
	}
	if t[0] == '<' {
		if err := usersession.CheckPayload(t); err != nil {
			return nil, err
		}
		return t, nil
	}
	if !json.Valid(t) {
		return nil, fault.New(fault.BadRequest, "the item is neither JSON nor an XML element")
	}
	var buf bytes.Buffer
	buf.WriteString("<json xmlns='" + NSJSON + "'>")
	xml.EscapeText(&buf, t)
	buf.WriteString("</json>")
	return buf.Bytes(), nil
}

// target resolves the service: the pubsub service, or PEP (the zero JID).
func (s *Service) target(ctx context.Context, c Caller, pep bool) (*usersession.Session, jid.JID, error) {
	sess, err := c.self()
	if err != nil {
		return nil, jid.JID{}, err
	}
	if pep {
		return sess, jid.JID{}, nil
	}
	svc, err := s.pubsubService(ctx, sess)
	return sess, svc, err
}

// PubSubNodes lists the nodes of the pubsub service (pep false) or of the
// user's PEP service.
func (s *Service) PubSubNodes(ctx context.Context, c Caller, pep bool) ([]Node, error) {
	sess, svc, err := s.target(ctx, c, pep)
	if err != nil {
		return nil, err
	}
	if pep {
		svc = c.Actor.User.Bare()
	}
	items, err := sess.DiscoItems(ctx, svc, "")
	if err != nil {
		return nil, err
	}
	out := []Node{}
	for _, it := range items {
		if it.Node != "" {
			out = append(out, Node{ID: it.Node, Name: it.Name})
		}
	}
	return out, nil
}

// CreateNode creates a node on the pubsub service, owned by the user.
func (s *Service) CreateNode(ctx context.Context, c Caller, node string) error {
	if err := checkNode(node); err != nil {
		return err
	}
	sess, svc, err := s.target(ctx, c, false)
	if err != nil {
		return err
	}
	err = sess.CreateNode(ctx, svc, node, nil)
	if fault.Is(err, fault.Refused) {
		return fault.Wrap(fault.Denied, err, "%s refused to let %s create node %q: the service lets only its administrators create nodes (Prosody's mod_pubsub does: an administrator creates the node and makes the user its owner)", svc, c.Actor.User, node).About(node)
	}
	return err
}

// DeleteNode deletes a node the user owns on the pubsub service.
func (s *Service) DeleteNode(ctx context.Context, c Caller, node string) error {
	if err := checkNode(node); err != nil {
		return err
	}
	sess, svc, err := s.target(ctx, c, false)
	if err != nil {
		return err
	}
	return sess.DeleteNode(ctx, svc, node)
}

// PublishItem publishes an item (see Payload) to a node of the pubsub
// service or of the user's PEP, and returns its id.
func (s *Service) PublishItem(ctx context.Context, c Caller, pep bool, node string, body []byte) (string, error) {
	if err := checkNode(node); err != nil {
		return "", err
	}
	payload, err := Payload(body)
	if err != nil {
		return "", err
	}
	sess, svc, err := s.target(ctx, c, pep)
	if err != nil {
		return "", err
	}
	return sess.Publish(ctx, svc, node, "", payload, nil)
}

// Subscribe subscribes the user to a node of the pubsub service; its
// notifications then arrive on the user's event stream.
func (s *Service) Subscribe(ctx context.Context, c Caller, node string) (usersession.NodeSubscription, error) {
	if err := checkNode(node); err != nil {
		return usersession.NodeSubscription{}, err
	}
	sess, svc, err := s.target(ctx, c, false)
	if err != nil {
		return usersession.NodeSubscription{}, err
	}
	return sess.Subscribe(ctx, svc, node)
}

// Subscribers lists the subscriptions to a node the user owns.
func (s *Service) Subscribers(ctx context.Context, c Caller, node string) ([]usersession.NodeSubscription, error) {
	if err := checkNode(node); err != nil {
		return nil, err
	}
	sess, svc, err := s.target(ctx, c, false)
	if err != nil {
		return nil, err
	}
	return sess.Subscribers(ctx, svc, node)
}
