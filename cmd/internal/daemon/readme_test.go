package daemon

import (
	"flag"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"xmpprest/cmd/internal/config"
	"xmpprest/component"
	"xmpprest/httpapi"
	"xmpprest/httpapi/openapi"
	"xmpprest/httpapi/ops"
)

var updateREADME = flag.Bool("update", false, "rewrite the README's endpoint table from the route declarations")

const (
	tableBegin = "<!-- endpoints: generated from the route declarations by `go test ./cmd/internal/daemon -run TestREADMEEndpointTable -update` -->\n"
	tableEnd   = "<!-- endpoints: end -->\n"
)

// TestREADMEEndpointTable fails when the README's endpoint table is not the
// one the route declarations give (every route the daemon mounts, with
// metrics and the status page as the defaults serve them and the SparkWeb
// API enabled; a route served
// without a declaration is listed as such). -update rewrites it.
func TestREADMEEndpointTable(t *testing.T) {
	cfg := config.Default()
	cfg.SparkWeb.Enabled, cfg.SparkWeb.KeyFile = true, ""
	d := &Daemon{cfg: cfg, log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Link: component.New(component.Config{}), Ops: &ops.Service{}}
	auth := &httpapi.AdminAuth{Secret: "x"}
	router := httpapi.NewRouter(httpapi.Options{Auth: auth, MetricsAccess: httpapi.Access(cfg.Metrics.Access)})
	d.mountRoutes(router, auth)
	if err := d.startSparkWeb(router); err != nil {
		t.Fatal(err)
	}
	defer d.stopSparkWeb()
	declared := httpapi.DeclaredRoutes()
	want := openapi.MarkdownTable(append(openapi.Operations(declared), openapi.Undeclared(router, declared)...))

	path := filepath.Join("..", "..", "..", "README.md")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	i, j := strings.Index(readme, tableBegin), strings.Index(readme, tableEnd)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the endpoint table markers:\n%s...%s", tableBegin, tableEnd)
	}
	got := readme[i+len(tableBegin) : j]
	if got == want {
		return
	}
	if *updateREADME {
		if err := os.WriteFile(path, []byte(readme[:i+len(tableBegin)]+want+readme[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md's endpoint table is out of date: run go test ./cmd/internal/daemon -run TestREADMEEndpointTable -update\nwant:\n%s", want)
}
