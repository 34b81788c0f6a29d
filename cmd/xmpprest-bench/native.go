package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"xmpprest/component/xmppserver"
)

// nativeTarget calls ejabberd's own HTTP API (mod_http_api), which the
// harness opens to loopback without authentication for register,
// unregister, check_account and change_password.
//
// Measured on ejabberd 23.01: register answers 200 with a message (409 when
// the account exists); check_account answers 200 with 0 for an existing
// account and 1 for a missing one; change_password 200 with 0 (404
// "unknown_user" for a missing account); unregister 200 even for a missing
// account.
type nativeTarget struct {
	base   string // http://127.0.0.1:port/api/
	host   string
	client *http.Client
	pool   *pool
}

func newNativeTarget(srv *xmppserver.Server) *nativeTarget {
	return &nativeTarget{
		base:   "http://" + srv.HTTPAPIAddr + "/api/",
		host:   srv.Hosts[0],
		client: &http.Client{Transport: newTransport()},
		pool:   newPool("n"),
	}
}

func (t *nativeTarget) Mode() string { return modeNative }
func (t *nativeTarget) Pool() *pool  { return t.pool }
func (t *nativeTarget) Close() error {
	t.client.CloseIdleConnections()
	return nil
}

// call posts args to the command and checks the answer: status 200 and,
// when want is not empty, that body.
func (t *nativeTarget) call(ctx context.Context, command string, args map[string]string, want string) error {
	body, _ := json.Marshal(args)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.base+command, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := t.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || (want != "" && strings.TrimSpace(string(got)) != want) {
		return fmt.Errorf("%s answered %d %s", command, resp.StatusCode, bytes.TrimSpace(got))
	}
	return nil
}

func (t *nativeTarget) Op(_ context.Context, name string) (opFunc, string) {
	switch name {
	case opAddUser:
		return func(ctx context.Context, seq int64) error {
			u := t.pool.name(seq)
			if err := t.call(ctx, "register", map[string]string{"user": u, "host": t.host, "password": "pw-" + u}, ""); err != nil {
				return err
			}
			t.pool.add(u)
			return nil
		}, ""
	case opUserExists:
		return func(ctx context.Context, seq int64) error {
			u, err := t.pool.pick(seq)
			if err != nil {
				return err
			}
			return t.call(ctx, "check_account", map[string]string{"user": u, "host": t.host}, "0")
		}, ""
	case opChangePassword:
		return func(ctx context.Context, seq int64) error {
			u, err := t.pool.pick(seq)
			if err != nil {
				return err
			}
			return t.call(ctx, "change_password", map[string]string{"user": u, "host": t.host, "newpass": fmt.Sprintf("pw-%d", seq)}, "0")
		}, ""
	case opDeleteUser:
		return func(ctx context.Context, _ int64) error {
			u, err := t.pool.take()
			if err != nil {
				return err
			}
			return t.call(ctx, "unregister", map[string]string{"user": u, "host": t.host}, "")
		}, ""
	}
	return nil, "mod_http_api is not opened for it"
}

// newTransport is an HTTP transport that keeps a connection per worker.
func newTransport() *http.Transport {
	return &http.Transport{
		Proxy:               nil, // loopback only
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 256,
		DisableCompression:  true,
	}
}
