package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"xmpprest/component/xmppserver"
)

// errNoEndpoint is the failure of a request the Openfire dialect has no
// route for (yet).
var errNoEndpoint = errors.New("no such endpoint")

// xmpprestTarget sends the operations to an xmpprest process through the
// Openfire dialect, in JSON, with the shared secret.
type xmpprestTarget struct {
	srv      *xmppserver.Server
	bin, cfg string
	addr     string // where it listens
	logPath  string // where its log goes
	idleWait time.Duration
	client   *http.Client
	proc     *xmpprestProcess
	pool     *pool

	// Process figures, filled as it runs.
	ReadyAfter []time.Duration // one per start
	IdleRSS    int64           // after the first start and idleWait without traffic
	PeakRSS    int64           // the highest VmHWM seen
	RSSErr     string
	seeded     map[string]string // op -> why it cannot run ("" when seeded)
	// profileDir, when set, makes every process a profiled one (this
	// binary in serve mode) writing profileDir/<tag>-<n>.pprof.
	profileDir, profileTag string
	probes                 int64
}

func newXmpprestTarget(srv *xmppserver.Server, bin, dir, logPath, logLevel string, idleWait time.Duration) (*xmpprestTarget, error) {
	listen, err := freeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	cfg, err := writeXmpprestConfig(srv, dir, listen, logLevel)
	if err != nil {
		return nil, err
	}
	return &xmpprestTarget{srv: srv, bin: bin, cfg: cfg, addr: listen, logPath: logPath, idleWait: idleWait,
		client: &http.Client{Transport: newTransport(), Timeout: 30 * time.Second},
		pool:   newPool("x"), seeded: map[string]string{}}, nil
}

func (t *xmpprestTarget) Mode() string { return modeXmpprest }
func (t *xmpprestTarget) Pool() *pool  { return t.pool }

func (t *xmpprestTarget) Attach(ctx context.Context) error {
	argv, env := []string{t.bin, "-config", t.cfg}, []string(nil)
	if t.profileDir != "" {
		self, err := os.Executable()
		if err != nil {
			return err
		}
		argv = []string{self, serveFlag, t.cfg}
		env = []string{fmt.Sprintf("%s=%s", profileEnv,
			filepath.Join(t.profileDir, fmt.Sprintf("%s-%s-%d.pprof", t.srv.Kind, t.profileTag, len(t.ReadyAfter))))}
	}
	p, err := startXmpprest(ctx, argv, env, t.addr, t.logPath)
	if err != nil {
		return err
	}
	t.proc = p
	t.ReadyAfter = append(t.ReadyAfter, p.ReadyAfter)
	if len(t.ReadyAfter) == 1 {
		// Idle RSS: attached, no request yet, given time to settle.
		select {
		case <-time.After(t.idleWait):
		case <-ctx.Done():
		}
		rss, _, err := memory(p.PID())
		if err != nil {
			t.RSSErr = err.Error()
		}
		t.IdleRSS = rss
	}
	return nil
}

// sampleRSS records the peak resident size of the process so far.
func (t *xmpprestTarget) sampleRSS() {
	if t.proc == nil {
		return
	}
	if _, peak, err := memory(t.proc.PID()); err == nil {
		t.PeakRSS = max(t.PeakRSS, peak)
	}
}

func (t *xmpprestTarget) Detach() error {
	if t.proc == nil {
		return nil
	}
	t.sampleRSS()
	t.client.CloseIdleConnections()
	err := t.proc.Stop()
	t.proc = nil
	return err
}

func (t *xmpprestTarget) Close() error { return t.Detach() }

// call makes a request of the Openfire dialect (path under
// /plugins/restapi/v1 unless it starts with "//") and wants a 2xx answer.
func (t *xmpprestTarget) call(ctx context.Context, method, path, body string) error {
	u := "http://" + t.proc.addr
	if strings.HasPrefix(path, "//") {
		u += path[1:]
	} else {
		u += "/plugins/restapi/v1" + path
	}
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, r)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", apiSecret)
	req.Header.Set("Accept", "application/json")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := t.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 == 2 {
		return nil
	}
	if resp.StatusCode == http.StatusMethodNotAllowed ||
		(resp.StatusCode == http.StatusNotFound && bytes.Contains(bytes.ToLower(got), []byte("no such endpoint"))) {
		return fmt.Errorf("%w: %s %s", errNoEndpoint, method, path)
	}
	return fmt.Errorf("%s %s answered %d %s", method, path, resp.StatusCode, bytes.TrimSpace(got))
}

func userPath(u string) string { return "/users/" + url.PathEscape(u) }

// Names of the component-owned state the read operations fetch.
const (
	benchGroup    = "bench-group"
	benchProperty = "bench.property"
)

func (t *xmpprestTarget) Op(ctx context.Context, name string) (opFunc, string) {
	op := t.op(name)
	if op == nil {
		return nil, "no endpoint in the Openfire dialect"
	}
	if why := t.seed(ctx, name); why != "" {
		return nil, why
	}
	// One call tells whether the dialect serves it yet.
	t.probes++
	if err := op(ctx, probeSeq+t.probes); errors.Is(err, errNoEndpoint) {
		return nil, "the Openfire dialect has no endpoint for it yet (" + strings.TrimPrefix(err.Error(), errNoEndpoint.Error()+": ") + ")"
	} else if errors.Is(err, errExhausted) {
		return nil, err.Error()
	}
	return op, ""
}

// probeSeq numbers the probing calls apart from the measured ones.
const probeSeq = 1 << 40

func (t *xmpprestTarget) op(name string) opFunc {
	switch name {
	case opAddUser:
		return func(ctx context.Context, seq int64) error {
			u := t.pool.name(seq)
			if err := t.call(ctx, http.MethodPost, "/users", fmt.Sprintf(`{"username":%q,"password":%q}`, u, "pw-"+u)); err != nil {
				return err
			}
			t.pool.add(u)
			return nil
		}
	case opUserExists:
		return func(ctx context.Context, seq int64) error {
			u, err := t.pool.pick(seq)
			if err != nil {
				return err
			}
			return t.call(ctx, http.MethodGet, userPath(u), "")
		}
	case opChangePassword:
		return func(ctx context.Context, seq int64) error {
			u, err := t.pool.pick(seq)
			if err != nil {
				return err
			}
			return t.call(ctx, http.MethodPut, userPath(u), fmt.Sprintf(`{"username":%q,"password":"pw-%d"}`, u, seq))
		}
	case opOnlineUsers:
		return func(ctx context.Context, _ int64) error {
			return t.call(ctx, http.MethodGet, "/sessions", "")
		}
	case opHTTPFloor:
		return func(ctx context.Context, _ int64) error {
			return t.call(ctx, http.MethodGet, "//healthz", "")
		}
	case opReadUserGroups:
		return func(ctx context.Context, seq int64) error {
			u, err := t.pool.pick(seq)
			if err != nil {
				return err
			}
			return t.call(ctx, http.MethodGet, userPath(u)+"/groups", "")
		}
	case opReadGroups:
		return func(ctx context.Context, _ int64) error {
			return t.call(ctx, http.MethodGet, "/groups", "")
		}
	case opReadSysProps:
		return func(ctx context.Context, _ int64) error {
			return t.call(ctx, http.MethodGet, "/system/properties", "")
		}
	case opChatRoomCycle:
		return func(ctx context.Context, seq int64) error {
			room := fmt.Sprintf("bench-room-%d", seq)
			if err := t.call(ctx, http.MethodPost, "/chatrooms", fmt.Sprintf(`{"roomName":%q,"naturalName":%q,"description":"benchmark"}`, room, room)); err != nil {
				return err
			}
			return t.call(ctx, http.MethodDelete, "/chatrooms/"+url.PathEscape(room), "")
		}
	case opDeleteUser:
		return func(ctx context.Context, _ int64) error {
			u, err := t.pool.take()
			if err != nil {
				return err
			}
			return t.call(ctx, http.MethodDelete, userPath(u), "")
		}
	}
	return nil
}

// seed creates the state an operation reads, once, and checks that the
// dialect serves it; it returns why the operation cannot be measured.
func (t *xmpprestTarget) seed(ctx context.Context, name string) string {
	if why, ok := t.seeded[name]; ok {
		return why
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var err error
	switch name {
	case opReadGroups:
		err = t.call(ctx, http.MethodPost, "/groups", fmt.Sprintf(`{"name":%q,"description":"benchmark"}`, benchGroup))
	case opReadUserGroups:
		if why := t.seed(ctx, opReadGroups); why != "" {
			t.seeded[name] = why
			return why
		}
		var u string
		if u, err = t.pool.pick(0); err == nil {
			err = t.call(ctx, http.MethodPost, userPath(u)+"/groups/"+benchGroup, "")
		}
	case opReadSysProps:
		err = t.call(ctx, http.MethodPost, "/system/properties", fmt.Sprintf(`{"key":%q,"value":"benchmark"}`, benchProperty))
	}
	why := ""
	if err != nil && !strings.Contains(err.Error(), " 409 ") {
		why = "cannot set up its data: " + err.Error()
		if errors.Is(err, errNoEndpoint) {
			why = "the Openfire dialect has no endpoint for it yet (" + strings.TrimPrefix(err.Error(), errNoEndpoint.Error()+": ") + ")"
		}
	}
	t.seeded[name] = why
	return why
}
