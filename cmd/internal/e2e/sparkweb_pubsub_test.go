package e2e

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	"xmpprest/component"
	"xmpprest/component/c2s/c2stest"
	"xmpprest/component/xmppserver"
)

// adminCreateNode creates a pubsub node as the component (an admin of the
// test servers) and makes owner its owner.
func (e *env) adminCreateNode(service, node, owner string) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	to := jid.MustParse(service)
	type create struct {
		XMLName xml.Name `xml:"http://jabber.org/protocol/pubsub pubsub"`
		Create  struct {
			Node string `xml:"node,attr"`
		} `xml:"create"`
	}
	var c create
	c.Create.Node = node
	if err := e.D.Link.Do(ctx, component.IQ{Type: stanza.SetIQ, To: to, Payload: c}, nil); err != nil {
		e.t.Fatalf("create node %s as the component: %v", node, err)
	}
	type affiliations struct {
		XMLName      xml.Name `xml:"http://jabber.org/protocol/pubsub#owner pubsub"`
		Affiliations struct {
			Node string `xml:"node,attr"`
			Item struct {
				JID         string `xml:"jid,attr"`
				Affiliation string `xml:"affiliation,attr"`
			} `xml:"affiliation"`
		} `xml:"affiliations"`
	}
	var a affiliations
	a.Affiliations.Node = node
	a.Affiliations.Item.JID, a.Affiliations.Item.Affiliation = owner, "owner"
	if err := e.D.Link.Do(ctx, component.IQ{Type: stanza.SetIQ, To: to, Payload: a}, nil); err != nil {
		e.t.Fatalf("make %s owner of %s: %v", owner, node, err)
	}
}

// TestSparkWebPubSub: a user creates a node on the server's pubsub
// service, subscribes to it (notifications arrive on the event stream), a
// real c2s client subscribes too and receives what the user publishes
// (JSON wrapped in XEP-0335, or XML as it is), the owner lists the
// subscribers and deletes the node; the user publishes to their own PEP.
func TestSparkWebPubSub(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		e := startSparkWeb(t, kind)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		alice := e.account("alice", "alice-pw")
		bob := e.account("bob", "bob-pw")
		token := e.signIn("alice", "alice-pw")
		events := e.openEvents(token, "")
		svc := e.Server.PubSubService

		// Prosody lets only its admins create nodes: there the component
		// (an admin) creates it and makes the user its owner.
		if kind == xmppserver.Ejabberd {
			e.swJSON("POST", "/pubsub/create/news", token, "", nil)
		} else {
			if msg := e.wantStatus(http.StatusForbidden, "POST", "/pubsub/create/news", token, ""); !strings.Contains(msg, "administrators") {
				t.Fatalf("refused creation without saying why: %q", msg)
			}
			e.adminCreateNode(svc, "news", alice.String())
		}
		e.wantStatus(http.StatusConflict, "POST", "/pubsub/create/news", token, "")
		var nodes struct{ Nodes []struct{ ID string } }
		e.swJSON("GET", "/pubsub/nodes", token, "", &nodes)
		found := false
		for _, n := range nodes.Nodes {
			found = found || n.ID == "news"
		}
		if !found {
			t.Fatalf("pubsub nodes %+v lack news", nodes)
		}
		var sub struct{ Node, JID, Subscription string }
		e.swJSON("POST", "/pubsub/subscribe/news", token, "", &sub)
		if sub.Subscription != "subscribed" || !strings.HasPrefix(sub.JID, alice.String()) {
			t.Fatalf("subscription %+v", sub)
		}
		e.wantStatus(http.StatusNotFound, "POST", "/pubsub/subscribe/no-such-node", token, "")

		b, err := c2stest.Login(ctx, e.c2sOpts(), bob, "bob-pw", "phone")
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		b.SendPresence(ctx)
		reply, err := b.IQ(ctx, fmt.Sprintf("<iq type='set' to='%s'><pubsub xmlns='http://jabber.org/protocol/pubsub'><subscribe node='news' jid='%s'/></pubsub></iq>", svc, bob))
		if err != nil || !strings.Contains(reply, "subscribed") {
			t.Fatalf("bob subscribes: %v %s", err, reply)
		}
		var subs struct {
			Subscriptions []struct{ JID, Subscription string }
		}
		e.swJSON("GET", "/pubsub/subscribers/news", token, "", &subs)
		if len(subs.Subscriptions) != 2 {
			t.Fatalf("subscribers %+v", subs)
		}

		// JSON is wrapped; both subscribers are notified.
		var item struct{ ID string }
		e.swJSON("POST", "/pubsub/publish/news", token, `{"headline": "a < b"}`, &item)
		if _, err := b.WaitMessage(ctx, func(m c2stest.Message) bool {
			return strings.Contains(m.Raw, "urn:xmpp:json:0") && strings.Contains(m.Raw, "headline") && strings.Contains(m.Raw, item.ID)
		}); err != nil {
			t.Fatal(err)
		}
		ev := events.wait("chatapi.pubsub", func(d map[string]string) bool { return d["node"] == "news" && d["id"] == item.ID })
		if ev.Data["type"] != "item" || ev.Data["from"] != svc || !strings.Contains(ev.Data["payload"], "headline") {
			t.Fatalf("pubsub event %+v", ev)
		}
		// XML goes as it is.
		e.swJSON("POST", "/pubsub/publish/news", token, `<entry xmlns='http://www.w3.org/2005/Atom'><title>Tea</title></entry>`, &item)
		events.wait("chatapi.pubsub", func(d map[string]string) bool { return strings.Contains(d["payload"], "<title>Tea</title>") })
		for _, bad := range []string{"", "not json", "<a><b></a>", "<a/><b/>", `<?xml-stylesheet href="x"?><a/>`} {
			e.wantStatus(http.StatusBadRequest, "POST", "/pubsub/publish/news", token, bad)
		}

		// The owner deletes the node.
		e.swJSON("DELETE", "/pubsub/node/news", token, "", nil)
		e.swJSON("GET", "/pubsub/nodes", token, "", &nodes)
		for _, n := range nodes.Nodes {
			if n.ID == "news" {
				t.Fatalf("deleted node still listed: %+v", nodes)
			}
		}
		e.wantStatus(http.StatusNotFound, "POST", "/pubsub/subscribe/news", token, "")

		// PEP: the user's own node, read back by another of their clients.
		e.swJSON("POST", "/pep/publish/urn:example:status", token, `{"mood": "happy"}`, &item)
		e.swJSON("GET", "/pep/nodes", token, "", &nodes)
		found = false
		for _, n := range nodes.Nodes {
			found = found || n.ID == "urn:example:status"
		}
		if !found {
			t.Fatalf("PEP nodes %+v", nodes)
		}
		a2, err := c2stest.Login(ctx, e.c2sOpts(), alice, "alice-pw", "desk")
		if err != nil {
			t.Fatal(err)
		}
		defer a2.Close()
		items, err := a2.IQ(ctx, "<iq type='get'><pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='urn:example:status'/></pubsub></iq>")
		if err != nil || !strings.Contains(items, "happy") {
			t.Fatalf("PEP items: %v %s", err, items)
		}
	})
}
