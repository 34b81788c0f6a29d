package ops

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	"xmpprest/adhoc"
	"xmpprest/component"
	"xmpprest/component/fault"
	"xmpprest/store"
)

// fakeServer stands in for the XMPP server behind Link and Commands: it
// keeps accounts and rosters in memory, and fails the calls a test names.
type fakeServer struct {
	mu       sync.Mutex
	hosts    []jid.JID
	accounts map[string]string                          // bare JID -> password
	rosters  map[string]map[string]component.RosterItem // user -> contact -> item
	// failRosterSet fails the roster sets of a user (by bare JID), from
	// its nth one on (1 = the first).
	failRosterSet map[string]int
	rosterSets    map[string]int
	// fail fails a command by name ("DeleteUser", "AddUser", ...) for a
	// bare JID, or for every JID with the key "*".
	fail map[string]map[string]error
	// log lists the changing calls in order, e.g. "AddUser b@a.example".
	log []string
}

func newFakeServer(hosts ...string) *fakeServer {
	f := &fakeServer{accounts: map[string]string{}, rosters: map[string]map[string]component.RosterItem{},
		failRosterSet: map[string]int{}, rosterSets: map[string]int{}, fail: map[string]map[string]error{}}
	for _, h := range hosts {
		f.hosts = append(f.hosts, jid.MustParse(h))
	}
	return f
}

// failing sets the error of command for the bare JID who ("*": anyone).
func (f *fakeServer) failing(command, who string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail[command] == nil {
		f.fail[command] = map[string]error{}
	}
	f.fail[command][who] = err
}

func (f *fakeServer) failure(command string, who jid.JID) error {
	if err := f.fail[command][who.Bare().String()]; err != nil {
		return err
	}
	return f.fail[command]["*"]
}

func (f *fakeServer) addAccount(j string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.accounts[j] = "pw"
}

func (f *fakeServer) hasAccount(j string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ok := f.accounts[j]
	return ok
}

// roster returns a user's roster as "contact:sub:groups" strings, sorted.
func (f *fakeServer) roster(user string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for c, it := range f.rosters[user] {
		gs := append([]string(nil), it.Groups...)
		sort.Strings(gs)
		out = append(out, fmt.Sprintf("%s:%s:%v", c, it.Subscription, gs))
	}
	sort.Strings(out)
	return out
}

// Link.

func (f *fakeServer) Domain() jid.JID                       { return jid.MustParse("rest." + f.hosts[0].String()) }
func (f *fakeServer) Hosts() []jid.JID                      { return f.hosts }
func (f *fakeServer) DefaultHost() jid.JID                  { return f.hosts[0] }
func (f *fakeServer) Timeout() time.Duration                { return time.Second }
func (f *fakeServer) Up() bool                              { return true }
func (f *fakeServer) Capabilities() *component.Capabilities { return &component.Capabilities{} }

func (f *fakeServer) RosterGet(_ context.Context, user jid.JID) ([]component.RosterItem, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []component.RosterItem
	for _, it := range f.rosters[user.Bare().String()] {
		out = append(out, it)
	}
	return out, nil
}

func (f *fakeServer) RosterSet(_ context.Context, user jid.JID, item component.RosterItem) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	u := user.Bare().String()
	f.rosterSets[u]++
	if n := f.failRosterSet[u]; n > 0 && f.rosterSets[u] >= n {
		return fault.New(fault.BadGateway, "roster set of %s refused", u)
	}
	f.log = append(f.log, "RosterSet "+u+" "+item.JID+" "+item.Subscription)
	if f.rosters[u] == nil {
		f.rosters[u] = map[string]component.RosterItem{}
	}
	if item.Subscription == "remove" {
		delete(f.rosters[u], item.JID)
		return nil
	}
	f.rosters[u][item.JID] = item
	return nil
}

func (f *fakeServer) PrivilegedIQ(context.Context, jid.JID, stanza.IQType, string, any, any) error {
	return nil
}

// Commands.

func (f *fakeServer) Offers(string, string) (bool, bool) { return true, true }

func (f *fakeServer) Execute(context.Context, adhoc.Request) (*adhoc.Command, error) {
	return &adhoc.Command{}, nil
}

func (f *fakeServer) AddUser(_ context.Context, u adhoc.NewUser) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.failure("AddUser", u.JID); err != nil {
		return err
	}
	if _, ok := f.accounts[u.JID.String()]; ok {
		return fault.New(fault.Conflict, "%s exists", u.JID)
	}
	f.accounts[u.JID.String()] = u.Password
	f.log = append(f.log, "AddUser "+u.JID.String())
	return nil
}

func (f *fakeServer) DeleteUser(_ context.Context, j jid.JID) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.failure("DeleteUser", j); err != nil {
		return err
	}
	if _, ok := f.accounts[j.String()]; !ok {
		return fault.New(fault.NotFound, "no %s", j)
	}
	delete(f.accounts, j.String())
	delete(f.rosters, j.String())
	f.log = append(f.log, "DeleteUser "+j.String())
	return nil
}

func (f *fakeServer) ChangePassword(_ context.Context, j jid.JID, password string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.accounts[j.String()]; !ok {
		return fault.New(fault.NotFound, "no %s", j)
	}
	f.accounts[j.String()] = password
	return nil
}

func (f *fakeServer) UserExists(_ context.Context, j jid.JID) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ok := f.accounts[j.Bare().String()]
	return ok, nil
}

func (f *fakeServer) EndSessions(context.Context, jid.JID) error  { return nil }
func (f *fakeServer) DisableUser(context.Context, jid.JID) error  { return nil }
func (f *fakeServer) ReenableUser(context.Context, jid.JID) error { return nil }

func (f *fakeServer) RegisteredUsers(_ context.Context, host jid.JID) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for j := range f.accounts {
		if jid.MustParse(j).Domainpart() == host.String() {
			out = append(out, j)
		}
	}
	return out, nil
}

func (f *fakeServer) UserStats(context.Context, jid.JID) (adhoc.UserStats, error) {
	return adhoc.UserStats{}, nil
}

func (f *fakeServer) UserRoster(context.Context, jid.JID) ([]adhoc.RosterItem, error) {
	return nil, fault.New(fault.NotSupported, "no get-user-roster")
}

func (f *fakeServer) Announce(context.Context, jid.JID, string, string) error { return nil }

// fakeService is a Service over a fake server and a fresh store.
func fakeService(t *testing.T, hosts ...string) (*Service, *fakeServer) {
	t.Helper()
	if len(hosts) == 0 {
		hosts = []string{"a.example", "b.example"}
	}
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "ops.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := newFakeServer(hosts...)
	return &Service{Link: f, Adhoc: f, Store: st}, f
}

var admin = ServiceAdmin("test")
