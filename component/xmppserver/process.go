package xmppserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

const (
	// readyTimeout bounds the wait for the ports to open. Prosody opens them
	// in ~0.2 s, ejabberd in ~2 s (~4 s on a first start with a new Mnesia
	// spool).
	readyTimeout = 30 * time.Second
	// stopTimeout is how long SIGTERM is given before SIGKILL (ejabberd takes
	// ~1 s to stop cleanly, Prosody a few ms), and then how long the ports are
	// given to close.
	stopTimeout = 15 * time.Second
	// logTail is how much of the logs is quoted in errors.
	logTail = 3000
)

// process is one run of the server binary.
type process struct {
	cmd     *exec.Cmd
	console *os.File // console.log, nil when Options.Log is set alone
	done    chan struct{}
	err     error // Wait's result, valid after done is closed
}

func (p *process) pid() int { return p.cmd.Process.Pid }

// start starts the server process and waits until it is ready.
func (s *Server) start(ctx context.Context) error {
	path, args, env := s.backend.command(s)
	cmd := exec.Command(path, args...)
	cmd.Dir = s.Dir
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{
		// Own process group, so a hung server and its helpers can be killed
		// together.
		Setpgid: true,
		// If the test binary dies without cleaning up (e.g. a test timeout
		// panic), the server follows. Note: a change of credentials clears
		// this, so Prosody, which runs through setpriv, sets it again with
		// setpriv --pdeathsig.
		Pdeathsig: syscall.SIGTERM,
	}
	console, err := os.OpenFile(filepath.Join(s.Dir, "console.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		return err
	}
	var out io.Writer = console
	if s.opts.Log != nil {
		out = io.MultiWriter(console, s.opts.Log)
		// With a non-*os.File writer exec copies through a pipe; do not let a
		// leftover grandchild holding the pipe block Wait forever.
		cmd.WaitDelay = 5 * time.Second
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		console.Close()
		return fmt.Errorf("xmppserver: starting %s: %w", s.Kind, err)
	}
	p := &process{cmd: cmd, console: console, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		console.Close()
		close(p.done)
	}()
	if err := waitReady(ctx, s.readiness(), p.done, readyTimeout); err != nil {
		stopErr := p.stop(stopTimeout)
		return fmt.Errorf("xmppserver: %s did not start: %w%s\n%s", s.Kind, err,
			errSuffix(stopErr), s.logTail())
	}
	s.mu.Lock()
	s.proc = p
	s.mu.Unlock()
	return nil
}

func errSuffix(err error) string {
	if err == nil {
		return ""
	}
	return " (and stopping it: " + err.Error() + ")"
}

// stop sends SIGTERM, then SIGKILL to the process group after timeout, and
// waits for the process to be reaped.
func (p *process) stop(timeout time.Duration) error {
	select {
	case <-p.done:
		return nil // already exited (crashed?)
	default:
	}
	pid := p.pid()
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return err
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-p.done:
		return nil
	case <-t.C:
	}
	// The group ID is our child's PID, which is not reused while the child
	// has not been reaped, so this cannot hit an unrelated group.
	if err := syscall.Kill(-pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return err
	}
	<-p.done
	return fmt.Errorf("did not exit %v after SIGTERM, killed", timeout)
}

// logTail returns the end of the server log and of the console output, for
// error messages.
func (s *Server) logTail() string {
	var b strings.Builder
	for _, f := range []string{s.LogFile, filepath.Join(s.Dir, "console.log")} {
		if f == "" {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil || len(data) == 0 {
			continue
		}
		if len(data) > logTail {
			data = data[len(data)-logTail:]
		}
		fmt.Fprintf(&b, "--- tail of %s ---\n%s\n", filepath.Base(f), data)
	}
	return b.String()
}
