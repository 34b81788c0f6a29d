package e2e

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"xmpprest/component/xmppserver"
)

// The quick start as a new user runs it: -local-prosody prints, once ready,
// the base URL, the secret and a first call that works as pasted; Ctrl-C
// stops xmpprest and its Prosody and throws both halves' data away.
func TestLocalProsodyQuickStart(t *testing.T) {
	if err := xmppserver.Install(t.Context(), xmppserver.Prosody); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skipf("SKIPPED: Prosody cannot be installed: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "xmpprest")
	if out, err := exec.Command("go", "build", "-o", bin, "xmpprest/cmd/xmpprest").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	listen := ln.Addr().String()
	ln.Close()

	cmd := exec.Command(bin, "-local-prosody", "-config", filepath.Join("..", "..", "..", "component.toml"))
	cmd.Env = append(os.Environ(), "XMPPREST_HTTP_LISTEN="+listen)
	logs := &lockedBuffer{}
	cmd.Stderr = logs
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	stopped := false
	defer func() {
		if !stopped {
			cmd.Process.Kill()
			<-exited
		}
	}()
	banner := make(chan string, 1)
	go func() {
		var text strings.Builder
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			text.WriteString(sc.Text() + "\n")
			if strings.Contains(sc.Text(), "API tokens:") {
				banner <- text.String()
			}
		}
		io.Copy(io.Discard, stdout)
		exited <- cmd.Wait()
	}()
	var text string
	select {
	case text = <-banner:
	case err := <-exited:
		stopped = true
		t.Fatalf("exited before the ready banner (%v); log:\n%s", err, logs.String())
	case <-time.After(2 * time.Minute):
		t.Fatalf("no ready banner on standard output; log:\n%s", logs.String())
	}
	if !strings.Contains(text, "http://"+listen) {
		t.Errorf("banner does not name the base URL %s:\n%s", listen, text)
	}
	m := regexp.MustCompile(`curl -H 'Authorization: ([^']+)' -H 'Accept: application/json' (\S+)`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("banner has no curl line:\n%s", text)
	}
	req, _ := http.NewRequest(http.MethodGet, m[2], nil)
	req.Header.Set("Authorization", m[1])
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(string(body), `{"users":`) {
		t.Errorf("the banner's call: %d %s", resp.StatusCode, body)
	}
	dir := regexp.MustCompile(`dir=(\S+)`).FindStringSubmatch(logs.String())
	if dir == nil {
		t.Fatalf("the log names no folder:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), m[1]) {
		t.Error("the log holds the admin secret")
	}
	// The banner's token command makes a token the running service takes.
	store := regexp.MustCompile(`XMPPREST_STORE_PATH=(\S+) go run ./cmd/xmpprest token create --scope admin`).FindStringSubmatch(text)
	if store == nil {
		t.Fatalf("banner has no token command:\n%s", text)
	}
	tokenCmd := exec.Command(bin, "-config", filepath.Join("..", "..", "..", "component.toml"), "token", "create", "--scope", "admin")
	tokenCmd.Env = append(os.Environ(), "XMPPREST_STORE_PATH="+store[1])
	out, err := tokenCmd.Output()
	if err != nil {
		t.Fatalf("the banner's token command: %v", err)
	}
	req, _ = http.NewRequest(http.MethodGet, "http://"+listen+"/admin_api/users", nil)
	req.Header.Set("Authorization", "Bearer "+lastLine(string(out)))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("the token on /admin_api/users: %v %v", err, resp)
	} else {
		resp.Body.Close()
	}

	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		stopped = true
		if err != nil {
			t.Fatalf("exit after Ctrl-C: %v\n%s", err, logs.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("still running 20s after Ctrl-C")
	}
	if _, err := os.Stat(dir[1]); !os.IsNotExist(err) {
		t.Errorf("the local folder %s is still there after exit (%v)", dir[1], err)
	}
}

// lockedBuffer is a bytes.Buffer that a process may write while the test
// reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
