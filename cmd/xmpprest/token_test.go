package main

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"xmpprest/cmd/internal/config"
	"xmpprest/httpapi/ops"
	"xmpprest/store"
)

func tokenTestConfig(t *testing.T) config.Config {
	t.Helper()
	cfg, err := config.Parse(`
[xmpp]
jid = "rest.a.test"
secret = "s"
hosts = ["a.test", "b.test"]
[store]
path = "`+filepath.ToSlash(filepath.Join(t.TempDir(), "x.db"))+`"
[auth]
secret = "api"
`, nil)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func runTokenCLI(t *testing.T, cfg config.Config, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := tokenCommand(context.Background(), cfg, args, &out)
	return out.String(), err
}

// lastLine is what a script reads the secret from.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

// TestTokenCLI creates, lists and revokes tokens, checking each against the
// store, and refuses bad scopes, hosts and lifetimes without making a token.
func TestTokenCLI(t *testing.T) {
	ctx := context.Background()
	cfg := tokenTestConfig(t)

	out, err := runTokenCLI(t, cfg, "create", "--scope", "admin", "--name", "ops", "--host", "b.test", "--expires", "30d")
	if err != nil {
		t.Fatal(err)
	}
	secret := lastLine(out)
	out2, err := runTokenCLI(t, cfg, "create", "--scope", "chatwith", "--name", "api")
	if err != nil {
		t.Fatal(err)
	}
	secret2 := lastLine(out2)
	if secret == secret2 || len(secret) < 40 {
		t.Fatalf("secrets %q and %q", secret, secret2)
	}

	st, err := store.Open(ctx, cfg.Store.Path)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := st.LookupToken(ctx, secret)
	st.Close()
	if err != nil || tok.Scope != "admin" || tok.Host != "b.test" || tok.Name != "ops" || tok.ExpiresAt.Sub(tok.CreatedAt).Hours() != 30*24 {
		t.Fatalf("stored token = %+v, %v", tok, err)
	}

	list, err := runTokenCLI(t, cfg, "list")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(list, secret) || strings.Contains(list, secret2) {
		t.Fatalf("list shows a secret:\n%s", list)
	}
	for _, want := range []string{"LAST USED", "ops", "admin", "b.test", "api", "chatwith", "every host"} {
		if !strings.Contains(list, want) {
			t.Errorf("list lacks %q:\n%s", want, list)
		}
	}

	for _, bad := range [][]string{
		{"create", "--scope", "root"},
		{"create"},
		{"create", "--scope", "admin", "--host", "elsewhere.test"},
		{"create", "--scope", "admin", "--expires", "-3d"},
		{"create", "--scope", "admin", "--expires", "soon"},
		{"create", "--scope", "chatwith", "--name", "a:b"},
		{"revoke", "x"},
		{"revoke", "999"},
		{"frobnicate"},
	} {
		if _, err := runTokenCLI(t, cfg, bad...); err == nil {
			t.Errorf("%v: no error", bad)
		} else if !strings.Contains(err.Error(), "token") {
			t.Errorf("%v: error does not say which command: %v", bad, err)
		}
	}
	if l, _ := runTokenCLI(t, cfg, "list"); strings.Count(l, "\n") != 3 {
		t.Errorf("refused creations made tokens:\n%s", l)
	}

	if _, err := runTokenCLI(t, cfg, "revoke", "1"); err != nil {
		t.Fatal(err)
	}
	st, _ = store.Open(ctx, cfg.Store.Path)
	defer st.Close()
	if _, err := st.LookupToken(ctx, secret); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("revoked token still found: %v", err)
	}
	if _, err := st.LookupToken(ctx, secret2); err != nil {
		t.Errorf("the other token went too: %v", err)
	}
}

// TestTokenActor checks what a token acts as: scope, host and name.
func TestTokenActor(t *testing.T) {
	ctx := context.Background()
	cfg := tokenTestConfig(t)
	out, _ := runTokenCLI(t, cfg, "create", "--scope", "admin", "--name", "ops", "--host", "b.test")
	hostScoped := lastLine(out)
	out, _ = runTokenCLI(t, cfg, "create", "--scope", "chatwith", "--name", "api")
	chatwith := lastLine(out)

	st, err := store.Open(ctx, cfg.Store.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := &ops.Service{Store: st}
	a, err := svc.TokenActor(ctx, hostScoped, "", ops.ScopeAdmin)
	if err != nil || a.Role != ops.RoleHostAdmin || a.Host != "b.test" {
		t.Fatalf("host token acts as %+v, %v", a, err)
	}
	if err := a.MayAdminister("a.test"); err == nil {
		t.Error("a b.test token may administer a.test")
	}
	if _, err := svc.TokenActor(ctx, hostScoped, "", ops.ScopeChatwith); err == nil || errors.Is(err, ops.ErrBadToken) {
		t.Errorf("admin token on the chatwith API: %v, want a denial", err)
	}
	if a, err := svc.TokenActor(ctx, chatwith, "api", ops.ScopeChatwith); err != nil || a.Role != ops.RoleServiceAdmin {
		t.Errorf("chatwith token = %+v, %v", a, err)
	}
	if _, err := svc.TokenActor(ctx, chatwith, "other", ops.ScopeChatwith); !errors.Is(err, ops.ErrBadToken) {
		t.Errorf("wrong name: %v", err)
	}
	if _, err := svc.TokenActor(ctx, "nope", "", ops.ScopeAdmin); !errors.Is(err, ops.ErrBadToken) {
		t.Errorf("unknown token: %v", err)
	}
}
