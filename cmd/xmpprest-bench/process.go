package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"xmpprest/component/xmppserver"
)

// apiSecret is the shared secret of the xmpprest processes the benchmark
// starts (they listen on loopback only).
const apiSecret = "bench-api-secret"

// buildXmpprest builds the xmpprest command into dir. It must run inside
// the module (the repository).
func buildXmpprest(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "xmpprest")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "xmpprest/cmd/xmpprest")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build xmpprest/cmd/xmpprest (run the benchmark inside the repository, or pass -xmpprest with a built binary): %w\n%s", err, out)
	}
	return bin, nil
}

// xmpprestProcess is one run of the xmpprest binary attached to a server.
type xmpprestProcess struct {
	cmd  *exec.Cmd
	addr string // the HTTP listener
	// ReadyAfter is the time from exec to the first /readyz = 200.
	ReadyAfter time.Duration
	done       chan struct{}
}

// freeLoopbackAddr returns a loopback address with a port nobody listens
// on now.
func freeLoopbackAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// writeXmpprestConfig writes the configuration of an xmpprest attached to
// srv, listening on listen, with its database in dir, and returns its path.
func writeXmpprestConfig(srv *xmppserver.Server, dir, listen, logLevel string) (string, error) {
	q := strconv.Quote
	cfg := fmt.Sprintf(`[xmpp]
address = %s
jid = %s
secret = %s
hosts = [%s]
muc_service = %s
c2s_address = %s
c2s_tls = "none"

[http]
listen = %s

[store]
path = %s

[auth]
secret = %s

[log]
level = %s
format = "json"

[sparkweb]
enabled = true
key_file = ""
session_idle = "1h"
token_idle = "1h"
`, q(srv.ComponentAddr), q(srv.ComponentJID), q(srv.Secret), q(srv.Hosts[0]), q(srv.MUCService),
		q(srv.C2SAddr), q(listen), q(filepath.Join(dir, "xmpprest.db")), q(apiSecret), q(logLevel))
	path := filepath.Join(dir, "xmpprest.toml")
	return path, os.WriteFile(path, []byte(cfg), 0o600)
}

// startXmpprest runs argv (xmpprest listening on addr) with the extra
// environment and returns once /readyz answers 200. Its output is appended
// to logPath.
func startXmpprest(ctx context.Context, argv, env []string, addr, logPath string) (*xmpprestProcess, error) {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	started := time.Now()
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s: %w", argv[0], err)
	}
	p := &xmpprestProcess{cmd: cmd, addr: addr, done: make(chan struct{})}
	go func() {
		cmd.Wait()
		logFile.Close()
		close(p.done)
	}()

	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	defer client.CloseIdleConnections()
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for {
		resp, err := client.Get("http://" + p.addr + "/readyz")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				p.ReadyAfter = time.Since(started)
				return p, nil
			}
		}
		select {
		case <-tick.C:
		case <-p.done:
			return nil, fmt.Errorf("xmpprest exited before it was ready: %v: %s", cmd.ProcessState, logTail(logFile.Name()))
		case <-ctx.Done():
			p.Stop()
			return nil, fmt.Errorf("xmpprest was not ready within 30s: %s", logTail(logFile.Name()))
		}
	}
}

// logTail returns the end of a log file, for error messages.
func logTail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	const keep = 2000
	if len(b) > keep {
		b = b[len(b)-keep:]
	}
	return string(bytes.TrimSpace(b))
}

// PID is the process ID.
func (p *xmpprestProcess) PID() int { return p.cmd.Process.Pid }

// Stop sends SIGTERM (xmpprest shuts down gracefully, closing its XMPP
// stream) and waits for the exit; SIGKILL after 20 s.
func (p *xmpprestProcess) Stop() error {
	select {
	case <-p.done:
		return nil
	default:
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	select {
	case <-p.done:
		return nil
	case <-time.After(20 * time.Second):
	}
	p.cmd.Process.Kill()
	<-p.done
	return errors.New("xmpprest did not exit within 20s of SIGTERM; killed")
}

// memory reads the resident set size and its peak from /proc.
func memory(pid int) (rss, peak int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		var dst *int64
		switch k {
		case "VmRSS":
			dst = &rss
		case "VmHWM":
			dst = &peak
		default:
			continue
		}
		f := strings.Fields(v) // "12345 kB"
		if len(f) == 2 && f[1] == "kB" {
			n, _ := strconv.ParseInt(f[0], 10, 64)
			*dst = n * 1024
		}
	}
	if rss == 0 {
		return 0, 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
	}
	return rss, peak, nil
}
