package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"xmpprest/component/xmppserver"
)

// errServerStart marks a server that could not be started (not installed,
// no permission to install it).
var errServerStart = errors.New("cannot start the XMPP server")

// options configure a run.
type options struct {
	Servers     []xmppserver.Kind
	Concurrency []int
	Ops         []string      // operations to run; empty: all
	Duration    time.Duration // timed phase of one cell
	MaxOps      int           // timed operations of one cell at most
	Segments    int           // interleaved segments per mode and cell
	Timeout     time.Duration // the whole run; cells left are skipped
	IdleWait    time.Duration // before the idle RSS is read
	Xmpprest    string        // the xmpprest binary; empty: built
	LogLevel    string        // of the xmpprest processes
	ProfileDir  string        // profile xmpprest into this directory
	LogDir      string        // keep the xmpprest logs in this directory
	Progress    io.Writer     // progress lines; nil: none
	// Sessions signed-in users are held against Prosody (0: none), and
	// SessionMessages sent to their event streams, one every SessionPace.
	Sessions        int
	SessionMessages int
	SessionPace     time.Duration
}

// Report is the outcome of a run.
type Report struct {
	Started  time.Time      `json:"started"`
	Machine  string         `json:"machine"`
	Command  string         `json:"command"`
	Duration string         `json:"duration"`
	Servers  []ServerReport `json:"servers"`
	Cells    []Cell         `json:"cells"`
	Notes    []string       `json:"notes,omitempty"`
}

// ServerReport is what was measured of one server and the xmpprest process
// attached to it.
type ServerReport struct {
	Kind     string `json:"kind"`
	Software string `json:"software,omitempty"`
	// ReadyMs are the times from starting xmpprest to /readyz = 200, one
	// per start (the first is a cold start with a new database).
	ReadyMs      []float64 `json:"readyMs"`
	IdleRSSBytes int64     `json:"idleRssBytes"`
	PeakRSSBytes int64     `json:"peakRssBytes"`
	// SessionReport is the cost of signed-in users (SparkWeb), measured on
	// Prosody.
	SessionReport *SessionReport `json:"sessions,omitempty"`
}

// Cell is one measurement.
type Cell struct {
	Server      string  `json:"server"`
	Op          string  `json:"op"`
	Mode        string  `json:"mode"`
	Concurrency int     `json:"concurrency"`
	Ops         int     `json:"ops"`
	Errors      int     `json:"errors"`
	Seconds     float64 `json:"seconds"`
	OpsPerSec   float64 `json:"opsPerSec"`
	P50Ms       float64 `json:"p50Ms"`
	P99Ms       float64 `json:"p99Ms"`
	FirstError  string  `json:"firstError,omitempty"`
	Skipped     string  `json:"skipped,omitempty"`
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// run measures every server in turn and returns the report. It stops every
// server and process it started.
func run(ctx context.Context, o options) (*Report, error) {
	rep := &Report{Started: time.Now(), Machine: machine()}
	deadline := rep.Started.Add(o.Timeout)
	dir, err := os.MkdirTemp("", "xmpprest-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	for _, d := range []string{o.ProfileDir, o.LogDir} {
		if d != "" {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return nil, err
			}
		}
	}
	bin := o.Xmpprest
	if bin == "" && o.ProfileDir == "" {
		o.progress("building xmpprest")
		if bin, err = buildXmpprest(ctx, dir); err != nil {
			return nil, err
		}
	}
	for _, kind := range o.Servers {
		if ctx.Err() != nil {
			break
		}
		sdir, err := os.MkdirTemp(dir, string(kind)+"-")
		if err != nil {
			return nil, err
		}
		if err := benchServer(ctx, o, kind, bin, sdir, deadline, rep); err != nil {
			return rep, fmt.Errorf("%s: %w", kind, err)
		}
	}
	rep.Duration = time.Since(rep.Started).Round(time.Second).String()
	return rep, ctx.Err()
}

func machine() string {
	s := fmt.Sprintf("%s/%s, %d CPU, %s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				s += ", " + strings.TrimSpace(v)
				break
			}
		}
	}
	return s
}

// packageVersion asks dpkg for the version of the server's package.
func packageVersion(pkg string) string {
	out, err := exec.Command("dpkg-query", "-W", "-f", "${Version}", pkg).Output()
	if err != nil {
		return ""
	}
	return pkg + " " + strings.TrimSpace(string(out))
}

func (o options) progress(format string, args ...any) {
	if o.Progress != nil {
		fmt.Fprintf(o.Progress, format+"\n", args...)
	}
}

// benchServer starts a server of kind, measures every operation through
// every mode on it, and stops it.
func benchServer(ctx context.Context, o options, kind xmppserver.Kind, bin, dir string, deadline time.Time, rep *Report) (err error) {
	o.progress("starting %s", kind)
	srv, err := xmppserver.Start(ctx, kind, xmppserver.Options{HTTPAPI: kind == xmppserver.Ejabberd})
	if err != nil {
		return fmt.Errorf("%w: %w", errServerStart, err)
	}
	defer func() {
		if cerr := srv.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()

	raw := newRawTarget(srv)
	logPath := filepath.Join(dir, "xmpprest.log")
	if o.LogDir != "" {
		logPath = filepath.Join(o.LogDir, string(kind)+"-xmpprest.log")
	}
	xr, err := newXmpprestTarget(srv, bin, dir, logPath, o.LogLevel, o.IdleWait)
	if err != nil {
		return err
	}
	xr.profileDir, xr.profileTag = o.ProfileDir, "start"
	if o.ProfileDir != "" {
		rep.Notes = append(rep.Notes, fmt.Sprintf("%s: xmpprest ran inside the benchmark's binary to be profiled (-profile): its RSS and start time are not those of the xmpprest binary", kind))
	}
	targets := map[string]target{modeRaw: raw, modeBare: newBareTarget(srv), modeXmpprest: xr}
	if srv.HTTPAPIAddr != "" {
		targets[modeNative] = newNativeTarget(srv)
	}
	sr := ServerReport{Kind: string(kind)}
	defer func() {
		for _, t := range targets {
			if cerr := t.Close(); cerr != nil && err == nil {
				err = cerr
			}
		}
		for _, d := range xr.ReadyAfter {
			sr.ReadyMs = append(sr.ReadyMs, ms(d))
		}
		sr.IdleRSSBytes, sr.PeakRSSBytes = xr.IdleRSS, xr.PeakRSS
		if xr.RSSErr != "" {
			rep.Notes = append(rep.Notes, fmt.Sprintf("%s: cannot read xmpprest's memory: %s", kind, xr.RSSErr))
		}
		rep.Servers = append(rep.Servers, sr)
	}()

	// Only one holder of the component connection at a time.
	var holder attacher
	hold := func(a attacher) error {
		if holder == a {
			return nil
		}
		if holder != nil {
			if err := holder.Detach(); err != nil {
				return fmt.Errorf("%s: detach: %w", holder.Mode(), err)
			}
			holder = nil
		}
		if err := a.Attach(ctx); err != nil {
			return fmt.Errorf("%s: attach: %w", a.Mode(), err)
		}
		holder = a
		return nil
	}

	// The first attach of xmpprest is the cold start the process figures
	// are about; the raw link's first attach tells the server's software.
	if err := hold(xr); err != nil {
		return err
	}
	if err := hold(raw); err != nil {
		return err
	}
	if hs := raw.link.Snapshot().Hosts; len(hs) > 0 {
		sr.Software = strings.TrimSpace(hs[0].Software + " " + hs[0].Version)
	}
	if sr.Software == "" {
		sr.Software = packageVersion(string(kind))
	}

	var seq atomic.Int64
	for _, op := range o.operations() {
		xr.profileTag = op.Name
		if err := benchOp(ctx, o, op, string(kind), targets, hold, xr, deadline, &seq, rep); err != nil {
			return err
		}
		if o.ProfileDir != "" && holder == attacher(xr) {
			// One profile per operation: the next one starts a new process.
			if err := xr.Detach(); err != nil {
				return err
			}
			holder = nil
		}
	}
	if o.Sessions > 0 && kind == xmppserver.Prosody && ctx.Err() == nil {
		if err := hold(xr); err != nil {
			return err
		}
		r := benchSessions(ctx, o, srv, xr)
		sr.SessionReport = &r
		xr.sampleRSS()
	}
	if holder != nil {
		if err := holder.Detach(); err != nil {
			return err
		}
	}
	return nil
}

// modes in the order a cell visits them (then in reverse).
var modes = []string{modeRaw, modeBare, modeXmpprest, modeNative}

// benchOp measures one operation through every mode that has it, at every
// concurrency. Each cell is cut in segments, o.Segments per mode, visited
// in the order A B C C B A A B C …, so that a drift of the machine's speed
// (other work, a server's state growing) weighs on every mode alike; the
// segments of a mode are added up.
func benchOp(ctx context.Context, o options, op opInfo, server string, targets map[string]target,
	hold func(attacher) error, xr *xmpprestTarget, deadline time.Time, seq *atomic.Int64, rep *Report) error {
	type modeOp struct {
		t target
		f opFunc
	}
	var avail []modeOp
	for _, mode := range modes {
		t := targets[mode]
		if t == nil || op.does(mode) == "" {
			continue
		}
		why := "the run's time cap was reached"
		var f opFunc
		if time.Now().Before(deadline) {
			if a, ok := t.(attacher); ok {
				if err := hold(a); err != nil {
					return err
				}
			}
			f, why = t.Op(ctx, op.Name)
		}
		if f == nil {
			for _, c := range o.Concurrency {
				rep.Cells = append(rep.Cells, Cell{Server: server, Op: op.Name, Mode: mode, Concurrency: c, Skipped: why})
			}
			continue
		}
		avail = append(avail, modeOp{t, f})
	}
	// Visit the modes A B C, then C B A, and so on: o.Segments passes.
	var order []modeOp
	for pass := range o.Segments {
		for i := range avail {
			if pass%2 == 1 {
				i = len(avail) - 1 - i
			}
			order = append(order, avail[i])
		}
	}
	segments := o.Segments
	for ci, c := range o.Concurrency {
		merged := map[string]*cellResult{}
		for si, m := range order {
			left := time.Until(deadline)
			if left <= 0 {
				break
			}
			if a, ok := m.t.(attacher); ok {
				if err := hold(a); err != nil {
					return err
				}
			}
			lim := cellLimits{Concurrency: c, Duration: min(o.Duration/time.Duration(segments), left),
				MaxOps: max(1, o.MaxOps/segments)}
			if op.Name == opDeleteUser {
				// Share the accounts left among the segments to come
				// (each also takes c for its warm-up).
				segLeft := segments*(len(o.Concurrency)-ci) - si/len(avail)
				lim.MaxOps = max(1, min(lim.MaxOps, m.t.Pool().live()/segLeft-c))
			}
			res := runCell(ctx, m.f, lim, seq)
			if m.t.Mode() == modeXmpprest {
				xr.sampleRSS()
			}
			if prev := merged[m.t.Mode()]; prev != nil {
				res = prev.merge(res)
			}
			merged[m.t.Mode()] = &res
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
		for _, m := range avail {
			mode := m.t.Mode()
			cell := Cell{Server: server, Op: op.Name, Mode: mode, Concurrency: c}
			res := merged[mode]
			if res == nil {
				cell.Skipped = "the run's time cap was reached"
				rep.Cells = append(rep.Cells, cell)
				continue
			}
			cell.Ops, cell.Errors, cell.FirstError = res.Ops, res.Errors, res.FirstError
			cell.Seconds = res.Elapsed.Seconds()
			cell.OpsPerSec = res.OpsPerSec()
			cell.P50Ms, cell.P99Ms = ms(res.Percentile(50)), ms(res.Percentile(99))
			if res.Ops == 0 {
				cell.Skipped = "nothing measured"
				if res.FirstError != "" {
					cell.Skipped += ": " + res.FirstError
				}
			}
			rep.Cells = append(rep.Cells, cell)
			o.progress("%-9s %-22s %-8s c=%-3d %8.1f ops/s  p50 %7.2f ms  p99 %7.2f ms  (%d ops, %d errors)",
				server, op.Name, mode, c, cell.OpsPerSec, cell.P50Ms, cell.P99Ms, cell.Ops, cell.Errors)
		}
	}
	return nil
}

// operations are the selected operations, in run order.
func (o options) operations() []opInfo {
	if len(o.Ops) == 0 {
		return operations
	}
	var out []opInfo
	for _, op := range operations {
		if slices.Contains(o.Ops, op.Name) {
			out = append(out, op)
		}
	}
	return out
}

// checkOps refuses unknown operation names.
func checkOps(names []string) error {
	for _, n := range names {
		if _, ok := operation(n); !ok {
			var all []string
			for _, op := range operations {
				all = append(all, op.Name)
			}
			return errors.New("unknown operation " + n + " (there are: " + strings.Join(all, ", ") + ")")
		}
	}
	return nil
}
