package component

import (
	"context"
	"encoding/xml"
	"sort"
	"sync"
	"time"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

type discoIdentity struct {
	Category string `xml:"category,attr"`
	Type     string `xml:"type,attr"`
	Name     string `xml:"name,attr,omitempty"`
}

type discoFeature struct {
	Var string `xml:"var,attr"`
}

type discoInfoReply struct {
	XMLName  xml.Name        `xml:"http://jabber.org/protocol/disco#info query"`
	Node     string          `xml:"node,attr,omitempty"`
	Identity []discoIdentity `xml:"identity"`
	Features []discoFeature  `xml:"feature"`
}

// DiscoItem is one item of a disco#items reply.
type DiscoItem struct {
	JID  string `xml:"jid,attr"`
	Node string `xml:"node,attr,omitempty"`
	Name string `xml:"name,attr,omitempty"`
}

type discoItemsQuery struct {
	XMLName xml.Name    `xml:"http://jabber.org/protocol/disco#items query"`
	Node    string      `xml:"node,attr,omitempty"`
	Items   []DiscoItem `xml:"item"`
}

// DiscoInfo is the answer to a disco#info query.
type DiscoInfo struct {
	Identities []DiscoIdentity
	Features   []string
}

// DiscoIdentity is one identity of a disco#info reply.
type DiscoIdentity struct{ Category, Type, Name string }

// HasFeature reports whether the entity announced the feature.
func (d DiscoInfo) HasFeature(v string) bool {
	for _, f := range d.Features {
		if f == v {
			return true
		}
	}
	return false
}

// HasIdentity reports whether the entity has the identity category/type.
func (d DiscoInfo) HasIdentity(category, typ string) bool {
	for _, id := range d.Identities {
		if id.Category == category && id.Type == typ {
			return true
		}
	}
	return false
}

// DiscoItems asks to for its items (XEP-0030), under node if not empty.
func (l *Link) DiscoItems(ctx context.Context, to jid.JID, node string) ([]DiscoItem, error) {
	c := l.current()
	if c == nil {
		return nil, l.notConnected()
	}
	return l.discoItems(ctx, c, to, node)
}

func (l *Link) discoItems(ctx context.Context, c *conn, to jid.JID, node string) ([]DiscoItem, error) {
	var reply discoItemsQuery
	err := l.do(ctx, c, IQ{Type: stanza.GetIQ, To: to, Payload: discoItemsQuery{Node: node}}, &reply)
	return reply.Items, err
}

// DiscoInfo asks to for its identities and features (XEP-0030).
func (l *Link) DiscoInfo(ctx context.Context, to jid.JID, node string) (DiscoInfo, error) {
	c := l.current()
	if c == nil {
		return DiscoInfo{}, l.notConnected()
	}
	return l.discoInfo(ctx, c, to, node)
}

func (l *Link) discoInfo(ctx context.Context, c *conn, to jid.JID, node string) (DiscoInfo, error) {
	var reply discoInfoReply
	if err := l.do(ctx, c, IQ{Type: stanza.GetIQ, To: to, Payload: discoInfoReply{Node: node}}, &reply); err != nil {
		return DiscoInfo{}, err
	}
	var info DiscoInfo
	for _, id := range reply.Identity {
		info.Identities = append(info.Identities, DiscoIdentity{id.Category, id.Type, id.Name})
	}
	for _, f := range reply.Features {
		info.Features = append(info.Features, f.Var)
	}
	return info, nil
}

// Ping sends an XEP-0199 ping to to.
func (l *Link) Ping(ctx context.Context, to jid.JID) error {
	c := l.current()
	if c == nil {
		return l.notConnected()
	}
	return l.ping(ctx, c, to)
}

type pingIQ struct {
	XMLName xml.Name `xml:"urn:xmpp:ping ping"`
}

func (l *Link) ping(ctx context.Context, c *conn, to jid.JID) error {
	return l.do(ctx, c, IQ{Type: stanza.GetIQ, To: to, Payload: pingIQ{}}, nil)
}

type versionQuery struct {
	XMLName xml.Name `xml:"jabber:iq:version query"`
	Name    string   `xml:"name,omitempty"`
	Version string   `xml:"version,omitempty"`
	OS      string   `xml:"os,omitempty"`
}

// discover fills in the capabilities of every host over c: its ad-hoc
// commands, its software, and the MUC service. Failures are logged and
// leave the capability empty; they do not keep the link down.
func (l *Link) discover(ctx context.Context, c *conn) {
	ctx, cancel := context.WithTimeout(ctx, 2*l.cfg.Timeout)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	hosts := make([]HostCapabilities, len(l.cfg.Hosts))
	for i, h := range l.cfg.Hosts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hosts[i] = l.discoverHost(ctx, c, h)
		}()
	}
	wg.Wait()
	l.caps.setHosts(hosts)
	l.log.Debug("capabilities discovered", "took", time.Since(start))
}

func (l *Link) discoverHost(ctx context.Context, c *conn, host jid.JID) HostCapabilities {
	hc := HostCapabilities{Host: host.String()}
	var wg sync.WaitGroup
	wg.Add(3)
	go func() {
		defer wg.Done()
		items, err := l.discoItems(ctx, c, host, NSCommands)
		if err != nil {
			hc.CommandsError = err.Error()
			l.log.Warn("cannot list the ad-hoc commands", "host", host, "err", err)
			return
		}
		for _, it := range items {
			hc.Commands = append(hc.Commands, it.Node)
		}
		sort.Strings(hc.Commands)
	}()
	go func() {
		defer wg.Done()
		var v versionQuery
		if err := l.do(ctx, c, IQ{Type: stanza.GetIQ, To: host, Payload: versionQuery{}}, &v); err == nil {
			hc.Software, hc.Version = v.Name, v.Version
		}
	}()
	go func() {
		defer wg.Done()
		if l.cfg.MUCService.String() != "" && host.Equal(l.DefaultHost()) {
			hc.MUCService = l.cfg.MUCService.String()
			return
		}
		hc.MUCService = l.findMUC(ctx, c, host)
	}()
	wg.Wait()
	return hc
}

// findMUC returns the first item of host that is a text conference service.
func (l *Link) findMUC(ctx context.Context, c *conn, host jid.JID) string {
	items, err := l.discoItems(ctx, c, host, "")
	if err != nil {
		return ""
	}
	for _, it := range items {
		if it.Node != "" {
			continue
		}
		j, err := jid.Parse(it.JID)
		if err != nil || j.Localpart() != "" {
			continue
		}
		info, err := l.discoInfo(ctx, c, j, "")
		if err == nil && info.HasIdentity("conference", "text") {
			return j.String()
		}
	}
	return ""
}
