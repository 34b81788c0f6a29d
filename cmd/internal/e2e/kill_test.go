package e2e

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
	_ "github.com/mattn/go-sqlite3"

	"xmpprest/cmd/internal/config"
)

// buildBinary builds cmd/xmpprest into a temporary folder.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "xmpprest")
	build := exec.Command("go", "build", "-o", bin, "xmpprest/cmd/xmpprest")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// freeAddress returns a loopback address nothing listens on now.
func freeAddress(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// writeConfigFile writes cfg as a component.toml and returns its path.
func writeConfigFile(t *testing.T, cfg config.Config) string {
	t.Helper()
	var text bytes.Buffer
	if err := toml.NewEncoder(&text).Encode(cfg); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "component.toml")
	if err := os.WriteFile(path, text.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// runBinary starts bin with cfg and waits until it serves /healthz.
func runBinary(t *testing.T, bin string, cfg config.Config) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, "-config", writeConfigFile(t, cfg))
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	eventually(t, 20*time.Second, "the binary serves", func() bool {
		resp, err := http.Get("http://" + cfg.HTTP.Listen + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
	return cmd
}

// xmpprest killed with SIGKILL while it writes its own state: on restart the
// database passes PRAGMA integrity_check and every acknowledged write is
// there. The writes are system properties, which live only in SQLite, so no
// XMPP server is needed (the link keeps retrying an address nothing
// listens on).
func TestKill9DuringWrites(t *testing.T) {
	bin := buildBinary(t)
	cfg := config.Default()
	cfg.XMPP.Address = freeAddress(t)
	cfg.XMPP.JID = "rest.example.org"
	cfg.XMPP.Secret = "component-secret"
	cfg.XMPP.Hosts = []string{"example.org"}
	cfg.HTTP.Listen = freeAddress(t)
	cfg.Store.Path = filepath.Join(t.TempDir(), "state", "xmpprest.db")
	cfg.Auth.Secret = apiSecret
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	cmd := runBinary(t, bin, cfg)
	base := "http://" + cfg.HTTP.Listen + "/plugins/restapi/v1/system/properties"

	const writers, killAfter = 4, 400
	var (
		mu    sync.Mutex
		acked []string
		count atomic.Int64
		wg    sync.WaitGroup
	)
	client := &http.Client{Timeout: 10 * time.Second}
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				key := fmt.Sprintf("kill.w%d.%d", w, i)
				req, _ := http.NewRequest(http.MethodPost, base, strings.NewReader(fmt.Sprintf(`{"key":%q,"value":"v%d"}`, key, i)))
				req.Header.Set("Authorization", apiSecret)
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil {
					return // the process is gone
				}
				resp.Body.Close()
				if resp.StatusCode/100 == 2 {
					mu.Lock()
					acked = append(acked, key)
					mu.Unlock()
					count.Add(1)
				}
			}
		}(w)
	}
	eventually(t, 60*time.Second, "acknowledged writes", func() bool { return count.Load() >= killAfter })
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	wg.Wait()

	db, err := sql.Open("sqlite3", "file:"+cfg.Store.Path)
	if err != nil {
		t.Fatal(err)
	}
	var integrity string
	if err := db.QueryRowContext(context.Background(), "PRAGMA integrity_check").Scan(&integrity); err != nil || integrity != "ok" {
		t.Fatalf("integrity_check after kill -9: %q %v", integrity, err)
	}
	db.Close()

	// Restart on the same database: every acknowledged write is served.
	runBinary(t, bin, cfg)
	req, _ := http.NewRequest(http.MethodGet, base, nil)
	req.Header.Set("Authorization", apiSecret)
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	lost := 0
	for _, key := range acked {
		if !strings.Contains(string(b), `"`+key+`"`) {
			lost++
		}
	}
	t.Logf("RELIABILITY kill-9 acknowledged_writes=%d lost=%d integrity_check=%s", len(acked), lost, integrity)
	if lost > 0 {
		t.Fatalf("%d of %d acknowledged writes are missing after kill -9", lost, len(acked))
	}
}
