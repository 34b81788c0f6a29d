package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// component.toml documents every key of every section, in its section:
// the list is read from the Config type, not kept by hand.
func TestSampleDocumentsEverySectionKey(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "component.toml"))
	if err != nil {
		t.Fatal(err)
	}
	sections := map[string]string{}
	cur := ""
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "[") {
			cur = strings.Trim(line, "[] ")
			sections[cur] += ""
			continue
		}
		if k, _, ok := strings.Cut(line, " = "); ok && !strings.HasPrefix(k, "#") {
			sections[cur] += "|" + k + "|"
		}
	}
	ct := reflect.TypeOf(Config{})
	for i := 0; i < ct.NumField(); i++ {
		sec := ct.Field(i)
		name := sec.Tag.Get("toml")
		for j := 0; j < sec.Type.NumField(); j++ {
			field := sec.Type.Field(j)
			key := field.Tag.Get("toml")
			if field.Type.Kind() == reflect.Map { // a table of its own: [section.key]
				if _, ok := sections[name+"."+key]; !ok {
					t.Errorf("component.toml has no [%s.%s] table", name, key)
				}
				continue
			}
			if !strings.Contains(sections[name], "|"+key+"|") {
				t.Errorf("component.toml does not document %s.%s in [%s]", name, key, name)
			}
		}
	}
}

func TestLimitsAreValidated(t *testing.T) {
	for _, tc := range []struct{ conf, want string }{
		{"[limits]\nmax_connections = 0\n", "limits.max_connections"},
		{"[limits]\nmax_connections = 4\nmax_connections_per_address = 8\n", "max_connections_per_address"},
		{"[limits]\nwrite_timeout = \"1s\"\n", "limits.write_timeout"},
		{"[tls]\ncert = \"a.pem\"\n", "tls.cert and tls.key"},
		{"[tls]\ncert = \"/nonexistent/a.pem\"\nkey = \"/nonexistent/a.key\"\n", "tls.cert"},
		{"[limits]\nidempotency_ttl = \"0s\"\n", "limits.idempotency_ttl"},
	} {
		_, err := Parse(minimal+"\n"+tc.conf, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want an error naming %s", tc.conf, err, tc.want)
		}
	}
	cfg, err := Parse(minimal, []string{"XMPPREST_LIMITS_MAX_CONNECTIONS_PER_ADDRESS=3", "XMPPREST_CORS_ALLOWED_ORIGINS=https://a.example, https://b.example"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Limits.MaxConnectionsPerAddress != 3 || len(cfg.CORS.AllowedOrigins) != 2 {
		t.Fatalf("environment overrides not applied: %+v %+v", cfg.Limits, cfg.CORS)
	}
}
