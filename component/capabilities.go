package component

import (
	"encoding/xml"
	"sort"
	"strings"
	"sync"
	"time"

	"mellium.im/xmpp/jid"
)

// XEP-0356 namespaces: Prosody advertises version 2, ejabberd 23.01 version 1.
const (
	NSPrivilege1 = "urn:xmpp:privilege:1"
	NSPrivilege2 = "urn:xmpp:privilege:2"
)

// HostCapabilities is what one virtual host lets the component do.
type HostCapabilities struct {
	Host string `json:"host"`
	// Software and Version are the server's XEP-0092 answer, if any.
	Software string `json:"software,omitempty"`
	Version  string `json:"version,omitempty"`
	// Commands are the ad-hoc command nodes the host offers the component.
	Commands      []string `json:"commands"`
	CommandsError string   `json:"commandsError,omitempty"`
	// MUCService is the host's chat-room service, if any.
	MUCService string `json:"mucService,omitempty"`
}

// HasCommand reports whether the host offers the command node.
func (h HostCapabilities) HasCommand(node string) bool {
	i := sort.SearchStrings(h.Commands, node)
	return i < len(h.Commands) && h.Commands[i] == node
}

// Privileges are the XEP-0356 permissions the server granted.
type Privileges struct {
	// Namespace is the advertised version (urn:xmpp:privilege:1 or :2); empty
	// when the server granted nothing.
	Namespace string `json:"namespace,omitempty"`
	// Roster is none, get, set or both.
	Roster string `json:"roster,omitempty"`
	// Message is none or outgoing.
	Message string `json:"message,omitempty"`
	// Presence is none, managed_entity or roster.
	Presence string `json:"presence,omitempty"`
	// IQ maps namespaces to get, set or both (privilege:2 only).
	IQ map[string]string `json:"iq,omitempty"`
	// Hosts are the hosts that advertised these privileges.
	Hosts []string `json:"hosts,omitempty"`
}

// CanRosterGet reports whether the component may read users' rosters.
func (p Privileges) CanRosterGet() bool { return p.Roster == "get" || p.Roster == "both" }

// CanRosterSet reports whether the component may change users' rosters.
func (p Privileges) CanRosterSet() bool { return p.Roster == "set" || p.Roster == "both" }

// CanSendMessages reports whether the component may send messages on behalf
// of users.
func (p Privileges) CanSendMessages() bool { return p.Message == "outgoing" }

// CanIQ reports whether the component may send IQs of type typ ("get" or
// "set") in namespace ns on behalf of users.
func (p Privileges) CanIQ(ns, typ string) bool {
	v := p.IQ[ns]
	return v == "both" || v == typ
}

// Capabilities is what the attached server lets the component do. It is
// rediscovered on every connect.
type Capabilities struct {
	mu          sync.RWMutex
	hosts       []HostCapabilities
	privileges  Privileges
	discovered  time.Time
	defaultHost string
	observed    observedLimits // limitations seen at run time (limitations.go)
}

func newCapabilities(cfg Config) *Capabilities {
	c := &Capabilities{}
	if len(cfg.Hosts) > 0 {
		c.defaultHost = cfg.Hosts[0].String()
	}
	return c
}

func (c *Capabilities) setHosts(h []HostCapabilities) {
	c.mu.Lock()
	c.hosts = h
	c.discovered = time.Now()
	c.mu.Unlock()
}

// Host returns the capabilities of one host.
func (c *Capabilities) Host(host string) (HostCapabilities, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, h := range c.hosts {
		if h.Host == host {
			return h, true
		}
	}
	return HostCapabilities{Host: host}, false
}

// Hosts returns the capabilities of every host.
func (c *Capabilities) Hosts() []HostCapabilities {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return append([]HostCapabilities(nil), c.hosts...)
}

// Privileges returns the XEP-0356 grant.
func (c *Capabilities) Privileges() Privileges {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.privileges
}

// MUCService returns the chat-room service of the default host.
func (c *Capabilities) MUCService() string {
	h, _ := c.Host(c.defaultHost)
	return h.MUCService
}

// Snapshot is the capabilities as a plain value, for /capabilities.
type Snapshot struct {
	Component  string             `json:"component"`
	Connected  bool               `json:"connected"`
	Discovered time.Time          `json:"discovered,omitempty"`
	Hosts      []HostCapabilities `json:"hosts"`
	Privileges Privileges         `json:"privileges"`
	MUCService string             `json:"mucService,omitempty"`
	// Limitations are what the server does not let the component do.
	Limitations []Limitation `json:"limitations,omitempty"`
}

// Capabilities returns the link's capabilities.
func (l *Link) Capabilities() *Capabilities { return l.caps }

// Snapshot returns the capabilities as a plain value.
func (l *Link) Snapshot() Snapshot {
	c := l.caps
	c.mu.RLock()
	defer c.mu.RUnlock()
	hosts := append([]HostCapabilities(nil), c.hosts...)
	if hosts == nil {
		hosts = []HostCapabilities{}
	}
	s := Snapshot{
		Component:  l.cfg.Domain.String(),
		Connected:  l.Up(),
		Discovered: c.discovered,
		Hosts:      hosts,
		Privileges: c.privileges,
	}
	for _, h := range hosts {
		if h.Host == c.defaultHost {
			s.MUCService = h.MUCService
		}
	}
	s.Limitations = limitations(l.cfg.Hosts, hosts, c.privileges, &c.observed)
	return s
}

type privilegeAdvert struct {
	XMLName    xml.Name
	Privileges []struct {
		XMLName xml.Name
		Perms   []struct {
			Access     string            `xml:"access,attr"`
			Type       string            `xml:"type,attr"`
			Push       string            `xml:"push,attr"`
			Namespaces []advertNamespace `xml:"namespace"`
		} `xml:"perm"`
	} `xml:"privilege"`
}

// notePrivilege records an XEP-0356 advertisement sent by a host.
func (l *Link) notePrivilege(in Inbound) {
	if !strings.Contains(string(in.Raw), "urn:xmpp:privilege:") {
		return
	}
	from, err := jid.Parse(in.From)
	if err != nil || from.Localpart() != "" {
		return
	}
	var m privilegeAdvert
	if err := in.Decode(&m); err != nil {
		return
	}
	for _, p := range m.Privileges {
		ns := p.XMLName.Space
		if ns != NSPrivilege1 && ns != NSPrivilege2 {
			continue
		}
		priv := Privileges{Namespace: ns, Hosts: []string{from.String()}}
		for _, perm := range p.Perms {
			switch perm.Access {
			case "roster":
				priv.Roster = perm.Type
			case "message":
				priv.Message = perm.Type
			case "presence":
				priv.Presence = perm.Type
			case "iq":
				priv.IQ = map[string]string{}
				for _, n := range flattenNamespaces(perm.Namespaces) {
					priv.IQ[n.NS] = n.Type
				}
			}
		}
		l.caps.mu.Lock()
		old := l.caps.privileges
		if old.Namespace != "" && !contains(old.Hosts, from.String()) {
			priv.Hosts = append(old.Hosts, from.String())
		}
		l.caps.privileges = priv
		l.caps.mu.Unlock()
		l.log.Info("XEP-0356 privileges granted", "namespace", ns, "roster", priv.Roster, "message", priv.Message, "host", from.String())
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
