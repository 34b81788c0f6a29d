package e2e

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"xmpprest/component/xmppserver"
)

// Shutdown stops taking requests at once, lets the one in flight finish
// (here: held up by a paused server), then closes the stream.
func TestShutdownFinishesRequestsInFlight(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		e := start(t, kind)
		if err := syscall.Kill(e.Server.PID(), syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		resumed := false
		defer func() {
			if !resumed {
				syscall.Kill(e.Server.PID(), syscall.SIGCONT)
			}
		}()
		status := make(chan int, 1)
		go func() {
			req, _ := http.NewRequest("POST", e.URL+"/plugins/restapi/v1/users",
				strings.NewReader(`{"username":"late","password":"pw"}`))
			req.Header.Set("Authorization", apiSecret)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				status <- -1
				return
			}
			resp.Body.Close()
			status <- resp.StatusCode
		}()
		eventually(t, 5*time.Second, "the request reached the XMPP server", func() bool { return e.D.Link.InFlight() > 0 })

		done := make(chan error, 1)
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			done <- e.D.Shutdown(ctx)
		}()
		eventually(t, 5*time.Second, "new connections refused", func() bool {
			c, err := net.DialTimeout("tcp", e.D.Addr(), 200*time.Millisecond)
			if err == nil {
				c.Close()
			}
			return err != nil
		})
		select {
		case err := <-done:
			t.Fatalf("shutdown returned before the request in flight finished: %v", err)
		default:
		}
		if err := syscall.Kill(e.Server.PID(), syscall.SIGCONT); err != nil {
			t.Fatal(err)
		}
		resumed = true
		if code := <-status; code != http.StatusCreated {
			t.Fatalf("the request in flight got %d, want 201", code)
		}
		if err := <-done; err != nil {
			t.Fatalf("shutdown: %v", err)
		}
		if err := e.canLogIn(e.user("late"), "pw"); err != nil {
			t.Fatalf("the account created by the last request cannot log in: %v", err)
		}
	})
}

// The binary shuts down cleanly on SIGTERM and SIGINT.
func TestBinaryStopsOnSignals(t *testing.T) {
	s := xmppserver.StartT(t, xmppserver.Prosody, xmppserver.Options{})
	bin := buildBinary(t)
	if out, err := exec.Command(bin, "-version").Output(); err != nil || !strings.HasPrefix(string(out), "xmpprest ") {
		t.Fatalf("-version: %q %v", out, err)
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			cfg := configFor(t, s)
			cfg.HTTP.Listen = freeAddress(t)
			path := writeConfigFile(t, cfg)
			var logs bytes.Buffer
			cmd := exec.Command(bin, "-config", path)
			cmd.Stderr = &logs
			cmd.Env = append(os.Environ(), "XMPPREST_LOG_LEVEL=info")
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			defer func() {
				if cmd.ProcessState == nil {
					cmd.Process.Kill()
				}
			}()
			eventually(t, 10*time.Second, "the binary is ready", func() bool {
				resp, err := http.Get("http://" + cfg.HTTP.Listen + "/readyz")
				if err != nil {
					return false
				}
				resp.Body.Close()
				return resp.StatusCode == 200
			})
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-exited:
				if err != nil {
					t.Fatalf("exit: %v\n%s", err, logs.String())
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("still running 10s after %s", sig)
			}
			if !strings.Contains(logs.String(), "shutting down") {
				t.Errorf("no shutdown in the log:\n%s", logs.String())
			}
			if strings.Contains(logs.String(), cfg.XMPP.Secret) || strings.Contains(logs.String(), apiSecret) {
				t.Error("a secret was logged")
			}
		})
	}
}
