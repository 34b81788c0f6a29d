package component

import (
	"strconv"
	"strings"
	"sync"

	"mellium.im/xmpp/jid"
)

// Limitation is something the attached server does not let the component
// do on a host, and why. /capabilities lists them.
type Limitation struct {
	// Feature is "roster-get", "roster-set" or "iq:<namespace>" (a
	// privileged IQ, e.g. iq:vcard-temp).
	Feature string `json:"feature"`
	Host    string `json:"host"`
	Reason  string `json:"reason"`
}

// observedLimits are limitations learnt from the server's answers.
type observedLimits struct {
	mu      sync.Mutex
	reasons map[string]string // feature -> reason
}

func (o *observedLimits) note(feature, reason string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.reasons == nil {
		o.reasons = map[string]string{}
	}
	o.reasons[feature] = reason
}

func (o *observedLimits) get(feature string) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.reasons[feature]
}

// noteRosterSetBroken records that the server failed a granted roster set.
func (c *Capabilities) noteRosterSetBroken(reason string) {
	c.observed.note("roster-set", reason)
}

// limitations lists, per configured host, the privileged operations the
// server does not allow or is known to fail.
func limitations(configured []jid.JID, hosts []HostCapabilities, p Privileges, observed *observedLimits) []Limitation {
	software := map[string]HostCapabilities{}
	for _, h := range hosts {
		software[h.Host] = h
	}
	var out []Limitation
	add := func(feature, host, reason string) {
		out = append(out, Limitation{Feature: feature, Host: host, Reason: reason})
	}
	for _, hj := range configured {
		host := hj.String()
		granted := p.grantedBy(host)
		if !granted || !p.CanRosterGet() {
			add("roster-get", host, "the XEP-0356 roster get permission is not granted: roster reads use the get-user-roster command where the server offers it")
		}
		switch {
		case !granted || !p.CanRosterSet():
			add("roster-set", host, "the XEP-0356 roster set permission is not granted: roster changes and shared groups cannot reach users' rosters")
		case knownRosterSetBug(software[host]):
			add("roster-set", host, "ejabberd "+software[host].Version+" fails XEP-0356 roster changes with internal-server-error (fixed in ejabberd 23.10): roster changes and shared groups cannot reach users' rosters")
		case observed.get("roster-set") != "":
			add("roster-set", host, observed.get("roster-set"))
		}
		for _, typ := range []string{"get", "set"} {
			if !granted || p.Namespace != NSPrivilege2 || !p.CanIQ(NSVCardTemp, typ) {
				add("iq:"+NSVCardTemp, host, "the XEP-0356 IQ permission for vcard-temp ("+typ+") is not granted: the user vCard endpoints answer 501")
				break
			}
		}
	}
	return out
}

// knownRosterSetBug reports whether the host runs an ejabberd older than
// 23.10, whose privileged roster set fails (measured on 23.01).
func knownRosterSetBug(h HostCapabilities) bool {
	if !strings.EqualFold(h.Software, "ejabberd") {
		return false
	}
	major, minor, ok := yearMonth(h.Version)
	return ok && (major < 23 || major == 23 && minor < 10)
}

// yearMonth parses ejabberd's "YY.MM[.patch]" version, also with a
// packager's suffix (Debian's ejabberd 23.01 answers "23.01-1").
func yearMonth(v string) (major, minor int, ok bool) {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return 0, 0, false
	}
	if i := strings.IndexFunc(parts[1], func(r rune) bool { return r < '0' || r > '9' }); i >= 0 {
		parts[1] = parts[1][:i]
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	return major, minor, err1 == nil && err2 == nil
}

// advertNamespace is a <namespace/> of an XEP-0356 iq permission.
//
// Measured: Prosody's mod_privilege (prosody-modules in Debian bookworm)
// nests every further <namespace/> inside the previous one (its advertiser
// never closes the element), e.g.
// <perm access='iq'><namespace ns='vcard-temp' type='both'><namespace
// ns='urn:xmpp:mam:2' type='get'/></namespace></perm>; the nested ones are
// grants too.
type advertNamespace struct {
	NS     string            `xml:"ns,attr"`
	Type   string            `xml:"type,attr"`
	Nested []advertNamespace `xml:"namespace"`
}

// flattenNamespaces lists the namespaces at every depth.
func flattenNamespaces(ns []advertNamespace) []advertNamespace {
	var out []advertNamespace
	for _, n := range ns {
		out = append(out, advertNamespace{NS: n.NS, Type: n.Type})
		out = append(out, flattenNamespaces(n.Nested)...)
	}
	return out
}
