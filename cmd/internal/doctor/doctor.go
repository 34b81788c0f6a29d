// Package doctor tells an operator, per virtual host, which of xmpprest's
// features the attached XMPP server lets the component use and, for each
// that it does not, the exact configuration lines to add to Prosody,
// ejabberd or Openfire.
package doctor

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"xmpprest/adhoc"
	"xmpprest/component"
)

// Server kinds the fixes are written for.
const (
	Prosody  = "Prosody"
	Ejabberd = "ejabberd"
	Openfire = "Openfire"
)

var serverKinds = []string{Prosody, Ejabberd, Openfire}

// Feature is one thing xmpprest does and whether it will work on a host.
type Feature struct {
	Name string
	// Needs says what the server must grant, in a line.
	Needs string
	OK    bool
	// Problem says what is missing when !OK.
	Problem string
	// Fix maps a server kind to the lines to add to its configuration.
	Fix map[string]string
}

// HostReport is the verdict on one virtual host.
type HostReport struct {
	Host     string
	Software string // the server's XEP-0092 name, if it answered
	Version  string
	Features []Feature
}

// Report is the verdict on every configured host.
type Report struct {
	Component string
	Address   string
	Hosts     []HostReport
}

// Broken counts the features that will not work.
func (r Report) Broken() int {
	n := 0
	for _, h := range r.Hosts {
		for _, f := range h.Features {
			if !f.OK {
				n++
			}
		}
	}
	return n
}

// RoomCheck is the outcome of trying to create and destroy a room on a
// host's chat service: nil when it worked.
type RoomCheck func(host component.HostCapabilities) error

// Diagnose judges the capabilities the link discovered. rooms, when not
// nil, tries the chat service of each host.
func Diagnose(snap component.Snapshot, address string, rooms RoomCheck) Report {
	rep := Report{Component: snap.Component, Address: address}
	for _, h := range snap.Hosts {
		rep.Hosts = append(rep.Hosts, diagnoseHost(snap, h, rooms))
	}
	return rep
}

func diagnoseHost(snap component.Snapshot, h component.HostCapabilities, rooms RoomCheck) HostReport {
	c := snap.Component
	hr := HostReport{Host: h.Host, Software: h.Software, Version: h.Version}
	offers := func(nodes ...string) (missing []string) {
		for _, n := range nodes {
			if !h.HasCommand(n) {
				missing = append(missing, n[strings.LastIndexByte(n, '#')+1:])
			}
		}
		return missing
	}
	// None of the XEP-0133 commands at all: the component is no admin.
	noCommands := !slices.ContainsFunc(h.Commands, func(n string) bool {
		return strings.HasPrefix(n, "http://jabber.org/protocol/admin#")
	})
	adminFix := adminLines(c, h.Host)
	commandFeature := func(name, needs string, nodes ...string) Feature {
		f := Feature{Name: name, Needs: needs, OK: true}
		missing := offers(nodes...)
		if len(missing) == 0 {
			return f
		}
		f.OK = false
		if noCommands {
			f.Problem = fmt.Sprintf("the server offers %s none of the XEP-0133 commands on %s: the component is not one of its admins", c, h.Host)
			f.Fix = adminFix
			return f
		}
		f.Problem = "the server does not offer the command(s) " + strings.Join(missing, ", ") + " to " + c
		f.Fix = commandLines(c, missing)
		return f
	}
	hr.Features = append(hr.Features,
		commandFeature("accounts", "create, delete and change the password of accounts (XEP-0133 add-user, delete-user, change-user-password)",
			adhoc.NodeAddUser, adhoc.NodeDeleteUser, adhoc.NodeChangeUserPassword),
		commandFeature("account list", "list registered accounts (XEP-0133 get-registered-users-list)",
			adhoc.NodeGetRegisteredUsersList),
		commandFeature("lockouts", "lock and unlock accounts (XEP-0133 disable-user, reenable-user)",
			adhoc.NodeDisableUser, adhoc.NodeReenableUser),
		commandFeature("sessions", "list and end users' sessions (XEP-0133 get-online-users-list, end-user-session)",
			adhoc.NodeGetOnlineUsersList, adhoc.NodeEndUserSession),
		commandFeature("broadcast", "send announcements to every user (XEP-0133 announce)",
			adhoc.NodeAnnounce),
	)

	p := snap.Privileges
	granted := p.Namespace != "" && slices.Contains(p.Hosts, h.Host)
	privFeature := func(name, needs string, ok bool, what string) Feature {
		f := Feature{Name: name, Needs: needs, OK: ok}
		if !ok {
			if granted {
				f.Problem = "the XEP-0356 grant of " + c + " on " + h.Host + " lacks " + what
			} else {
				f.Problem = h.Host + " grants " + c + " no XEP-0356 privileges: it is not a privileged entity"
			}
			f.Fix = privilegeLines(c, h.Host)
		}
		return f
	}
	hr.Features = append(hr.Features,
		privFeature("rosters and shared groups", "read and change users' rosters (XEP-0356 roster both)",
			granted && p.CanRosterGet() && p.CanRosterSet(), "roster = \"both\""),
		privFeature("messages", "send messages on behalf of users and the server (XEP-0356 message outgoing)",
			granted && p.CanSendMessages(), "message = \"outgoing\""),
		privFeature("vCards", "read and change users' vCards (XEP-0356 iq vcard-temp both)",
			granted && p.CanIQ(component.NSVCardTemp, "get") && p.CanIQ(component.NSVCardTemp, "set"), "iq vcard-temp = \"both\""),
	)
	for _, l := range snap.Limitations {
		if l.Host == h.Host && l.Feature == "roster-set" && granted && p.CanRosterSet() {
			f := &hr.Features[len(hr.Features)-3]
			f.OK, f.Problem = false, l.Reason
			f.Fix = map[string]string{Ejabberd: "# Upgrade ejabberd to 23.10 or later: earlier versions fail XEP-0356 roster changes."}
		}
	}

	rf := Feature{Name: "chat rooms", Needs: "create, configure and destroy rooms on the chat service (XEP-0045 owner)", OK: true}
	switch {
	case h.MUCService == "":
		rf.OK = false
		rf.Problem = "no chat service (XEP-0045) was found among the items of " + h.Host + "; set xmpp.muc_service if it has one"
		rf.Fix = mucServiceLines(h.Host)
	case rooms != nil:
		if err := rooms(h); err != nil {
			rf.OK = false
			rf.Problem = "a test room on " + h.MUCService + " could not be created and destroyed: " + err.Error()
			rf.Fix = mucRightsLines(c, h.MUCService)
		}
	}
	hr.Features = append(hr.Features, rf)
	return hr
}

// kindOf maps the XEP-0092 software name onto a server kind ("" when
// unknown).
func kindOf(software string) string {
	for _, k := range serverKinds {
		if strings.EqualFold(software, k) {
			return k
		}
	}
	return ""
}

// Write prints the report for people: one block per host, a line per
// feature, and under each broken one the lines to add to the server's
// configuration (those of every kind when the server did not say what it
// is).
func Write(w io.Writer, r Report) {
	fmt.Fprintf(w, "component %s attached to %s\n", r.Component, r.Address)
	for _, h := range r.Hosts {
		sw := h.Software
		if sw == "" {
			sw = "unknown server (no XEP-0092 answer)"
		} else if h.Version != "" {
			sw += " " + h.Version
		}
		fmt.Fprintf(w, "\nhost %s: %s\n", h.Host, sw)
		kinds := serverKinds
		if k := kindOf(h.Software); k != "" {
			kinds = []string{k}
		}
		given := map[string]string{} // fix text -> the feature it was printed for
		for _, f := range h.Features {
			if f.OK {
				fmt.Fprintf(w, "  ok       %-26s %s\n", f.Name, f.Needs)
				continue
			}
			fmt.Fprintf(w, "  MISSING  %-26s %s\n", f.Name, f.Needs)
			fmt.Fprintf(w, "           why: %s\n", f.Problem)
			for _, k := range kinds {
				fix, ok := f.Fix[k]
				if !ok {
					continue
				}
				if first, ok := given[fix]; ok {
					fmt.Fprintf(w, "           fix on %s: the lines given for %s above\n", k, first)
					continue
				}
				given[fix] = f.Name
				fmt.Fprintf(w, "           fix on %s:\n", k)
				for _, line := range strings.Split(fix, "\n") {
					fmt.Fprintf(w, "             %s\n", line)
				}
			}
		}
	}
	if n := r.Broken(); n > 0 {
		fmt.Fprintf(w, "\n%d feature(s) will not work; add the lines above, restart the server, and run xmpprest doctor again.\n", n)
	} else {
		fmt.Fprintln(w, "\nevery feature will work.")
	}
}
