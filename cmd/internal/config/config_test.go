package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const minimal = `
[xmpp]
jid = "rest.example.org"
secret = "s3cret"
hosts = ["example.org"]
[auth]
secret = "api"
`

func TestSampleConfigLoads(t *testing.T) {
	cfg, err := Load(filepath.Join("..", "..", "..", "component.toml"), nil)
	if err != nil {
		t.Fatalf("the documented sample does not load: %v", err)
	}
	if cfg.XMPP.JID != "rest.example.org" || cfg.XMPP.Timeout.Duration != 10*time.Second {
		t.Fatalf("unexpected sample values: %+v", cfg.XMPP)
	}
}

func TestSampleDocumentsEveryKey(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "component.toml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"address", "jid", "secret", "hosts", "muc_service", "c2s_address", "c2s_tls",
		"c2s_insecure_skip_verify", "timeout", "reconnect_max", "listen", "max_body_bytes", "request_timeout",
		"shutdown_timeout", "path", "admins", "basic_cache_ttl", "level", "format"} {
		if !strings.Contains(string(b), "\n"+key+" = ") {
			t.Errorf("component.toml does not document key %s", key)
		}
	}
}

func TestUnknownKeyIsRefused(t *testing.T) {
	_, err := Parse(minimal+"\n[xmpp2]\nfoo = 1\n", nil)
	if err == nil || !strings.Contains(err.Error(), "unknown key xmpp2.foo") {
		t.Fatalf("want an error naming xmpp2.foo, got %v", err)
	}
	_, err = Parse(strings.Replace(minimal, "[auth]", "[auth]\nsecert = \"x\"", 1), nil)
	if err == nil || !strings.Contains(err.Error(), "auth.secert") {
		t.Fatalf("want an error naming auth.secert, got %v", err)
	}
}

func TestBadValuesNameTheKey(t *testing.T) {
	for _, tc := range []struct{ patch, want string }{
		{`timeout = "ten seconds"`, "timeout"},
		{`c2s_tls = "maybe"`, "xmpp.c2s_tls"},
		{`address = "nohostport"`, "xmpp.address"},
		{`hosts = 5`, "hosts"},
		{`muc_service = "a@b/c"`, "xmpp.muc_service"},
	} {
		text := strings.Replace(minimal, "[xmpp]", "[xmpp]\n"+tc.patch, 1)
		_, err := Parse(text, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: want an error naming %s, got %v", tc.patch, tc.want, err)
		}
	}
}

func TestParseErrorGivesLine(t *testing.T) {
	_, err := Parse("[xmpp]\njid = \"a\"\nsecret = \n", nil)
	if err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Fatalf("want an error with line 3, got %v", err)
	}
}

func TestMissingRequired(t *testing.T) {
	_, err := Parse(strings.Replace(minimal, `secret = "s3cret"`, "", 1), nil)
	if err == nil || !strings.Contains(err.Error(), "xmpp.secret") {
		t.Fatalf("want an error naming xmpp.secret, got %v", err)
	}
}

func TestEnvOverride(t *testing.T) {
	cfg, err := Parse(minimal, []string{
		"XMPPREST_XMPP_SECRET=from-env",
		"XMPPREST_XMPP_HOSTS=a.example, b.example",
		"XMPPREST_XMPP_TIMEOUT=250ms",
		"XMPPREST_HTTP_MAX_BODY_BYTES=42",
		"XMPPREST_XMPP_C2S_INSECURE_SKIP_VERIFY=true",
		"PATH=/bin",
	})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.XMPP.Secret != "from-env" {
		t.Errorf("secret = %q", cfg.XMPP.Secret)
	}
	if len(cfg.XMPP.Hosts) != 2 || cfg.XMPP.Hosts[1] != "b.example" {
		t.Errorf("hosts = %q", cfg.XMPP.Hosts)
	}
	if cfg.XMPP.Timeout.Duration != 250*time.Millisecond {
		t.Errorf("timeout = %v", cfg.XMPP.Timeout)
	}
	if cfg.HTTP.MaxBodyBytes != 42 || !cfg.XMPP.C2SInsecureSkipVerify {
		t.Errorf("max body %d, skip verify %v", cfg.HTTP.MaxBodyBytes, cfg.XMPP.C2SInsecureSkipVerify)
	}
}

func TestEnvBadValueAndUnknownVariable(t *testing.T) {
	_, err := Parse(minimal, []string{"XMPPREST_XMPP_TIMEOUT=soon"})
	if err == nil || !strings.Contains(err.Error(), "XMPPREST_XMPP_TIMEOUT") {
		t.Fatalf("want an error naming XMPPREST_XMPP_TIMEOUT, got %v", err)
	}
	_, err = Parse(minimal, []string{"XMPPREST_XMPP_SECRT=x"})
	if err == nil || !strings.Contains(err.Error(), "XMPPREST_XMPP_SECRT") {
		t.Fatalf("want an error naming XMPPREST_XMPP_SECRT, got %v", err)
	}
}
