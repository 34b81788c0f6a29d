package main

import (
	"context"
	"fmt"
	"sync"
)

// The ways an operation reaches the server.
const (
	modeRaw      = "raw"      // component.Link + adhoc.Client in this process
	modeBare     = "bare"     // a bare mellium component session, hand-built stanzas
	modeXmpprest = "xmpprest" // HTTP to an xmpprest process (the Openfire dialect)
	modeNative   = "native"   // the server's own HTTP API (ejabberd mod_http_api)
)

// The operations.
const (
	opAddUser        = "add-user"
	opUserExists     = "user-exists"
	opChangePassword = "change-password"
	opOnlineUsers    = "online-users"
	opPing           = "ping"
	opHTTPFloor      = "http-floor"
	opReadUserGroups = "read-user-groups"
	opReadGroups     = "read-groups"
	opReadSysProps   = "read-system-properties"
	opChatRoomCycle  = "chatroom-cycle"
	opDeleteUser     = "delete-user"
	// The round trips that can tell whether an account exists, side by
	// side (raw only): what adhoc.Client.UserExists chooses among.
	opExistsUserStats = "exists-user-stats"
	opExistsLastLogin = "exists-last-login"
	opExistsUserList  = "exists-user-list"
)

// opInfo describes an operation for the report.
type opInfo struct {
	Name string
	// What each mode does for it ("" when the mode has no counterpart).
	Raw, Bare, Xmpprest, Native string
	// Write operations carry the ≥ 0.95 × raw goal.
	Write bool
	// Read of component-owned state: the ≥ 10,000 req/s goal.
	OwnState bool
}

// operations, in the order they run: add-user first fills the account
// pools the others use, delete-user last drains them.
var operations = []opInfo{
	{Name: opAddUser, Write: true,
		Raw: "XEP-0133 add-user, one-shot", Bare: "hand-built add-user, one-shot", Xmpprest: "POST /users", Native: "POST /api/register"},
	{Name: opUserExists,
		Raw: "adhoc.Client.UserExists", Xmpprest: "GET /users/{u}", Native: "POST /api/check_account"},
	{Name: opChangePassword, Write: true,
		Raw: "XEP-0133 change-user-password", Xmpprest: "PUT /users/{u}", Native: "POST /api/change_password"},
	{Name: opOnlineUsers,
		Raw: "XEP-0133 get-online-users-list", Xmpprest: "GET /sessions"},
	{Name: opPing, Raw: "XEP-0199 ping to the host", Bare: "hand-built ping"},
	{Name: opExistsUserStats, Raw: "XEP-0133 get-user-stats of one account (Prosody: an error for a missing one)"},
	{Name: opExistsLastLogin, Raw: "XEP-0133 get-user-lastlogin of one account (ejabberd: Never for a missing one)"},
	{Name: opExistsUserList, Raw: "XEP-0133 get-registered-users-list of the host, searched"},
	{Name: opHTTPFloor, Xmpprest: "GET /healthz (no XMPP, no auth: the HTTP floor)"},
	{Name: opReadUserGroups, OwnState: true, Xmpprest: "GET /users/{u}/groups"},
	{Name: opReadGroups, OwnState: true, Xmpprest: "GET /groups"},
	{Name: opReadSysProps, OwnState: true, Xmpprest: "GET /system/properties"},
	{Name: opChatRoomCycle, Xmpprest: "POST /chatrooms + DELETE /chatrooms/{room}"},
	{Name: opDeleteUser, Write: true,
		Raw: "XEP-0133 delete-user", Xmpprest: "DELETE /users/{u}", Native: "POST /api/unregister"},
}

// does returns what mode does for the operation, "" for nothing.
func (o opInfo) does(mode string) string {
	switch mode {
	case modeRaw:
		return o.Raw
	case modeBare:
		return o.Bare
	case modeXmpprest:
		return o.Xmpprest
	case modeNative:
		return o.Native
	}
	return ""
}

func operation(name string) (opInfo, bool) {
	for _, o := range operations {
		if o.Name == name {
			return o, true
		}
	}
	return opInfo{}, false
}

// target is one way of reaching a server.
type target interface {
	// Mode is one of the mode constants.
	Mode() string
	// Op returns the operation, or nil and why it cannot be measured.
	Op(ctx context.Context, name string) (opFunc, string)
	// Pool is the accounts this target created.
	Pool() *pool
	// Close releases the target (its component connection, its process).
	Close() error
}

// attacher is a target that needs the component's connection to the server,
// which only one holder may have at a time (Prosody refuses a second
// connection of the same component).
type attacher interface {
	target
	// Attach connects; Detach disconnects and returns once the server has
	// let go of the component.
	Attach(ctx context.Context) error
	Detach() error
}

// pool holds the accounts a target created, for the operations that need
// existing accounts.
type pool struct {
	prefix string
	mu     sync.Mutex
	users  []string
	next   int // users[:next] are deleted
}

func newPool(mode string) *pool { return &pool{prefix: "bench-" + mode + "-"} }

// name is the account name of operation seq.
func (p *pool) name(seq int64) string { return fmt.Sprintf("%s%d", p.prefix, seq) }

func (p *pool) add(user string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.users = append(p.users, user)
}

// pick returns an existing account, spreading seq over them.
func (p *pool) pick(seq int64) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	live := p.users[p.next:]
	if len(live) == 0 {
		return "", fmt.Errorf("%w: no account (add-user created none)", errExhausted)
	}
	return live[int(seq%int64(len(live)))], nil
}

// take removes an account from the pool, for deletion.
func (p *pool) take() (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.next >= len(p.users) {
		return "", errExhausted
	}
	u := p.users[p.next]
	p.next++
	return u, nil
}

// live is the number of accounts not yet taken.
func (p *pool) live() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.users) - p.next
}
