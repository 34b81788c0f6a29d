// Command xmpprest-bench measures what xmpprest costs, in one run on one
// machine: it starts real Prosody and ejabberd servers on loopback (through
// component/xmppserver), and for each operation and concurrency measures
//
//   - raw: the XEP-0133 commands sent by a component connection in this
//     process, with the component.Link and adhoc.Client xmpprest uses
//     (and, for ping and add-user, a bare mellium session sending hand-built
//     stanzas);
//   - xmpprest: the same operations through an xmpprest process (built from
//     this repository) and its Openfire dialect, in JSON, plus reads of the
//     state xmpprest owns and a chat-room create/delete cycle;
//   - native: ejabberd's own HTTP API (mod_http_api) on the same ejabberd;
//
// and the xmpprest process itself: idle RSS and time from start to
// /readyz = 200. It prints one table with ops/s, p50, p99, the ratios
// xmpprest/raw and xmpprest/native and the goals beside them; -json and
// -png write it as JSON and as a chart.
//
// Timings on a shared machine are noisy: the figures that matter are the
// ratios, measured in the same run. Every cell is bounded in time (-duration)
// and count (-max-ops), the whole run by -timeout; everything listens on
// loopback, and every server and process started is stopped at the end.
//
// Usage:
//
//	go run ./cmd/xmpprest-bench -json bench.json -png bench.png
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"xmpprest/component/xmppserver"
)

func main() {
	if len(os.Args) == 3 && os.Args[1] == serveFlag {
		if err := serveProfiled(os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, "xmpprest-bench:", err)
			os.Exit(1)
		}
		return
	}
	o, out, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "xmpprest-bench:", err)
		os.Exit(2)
	}
	if out.From != "" {
		// Only render a saved report.
		rep, err := readReport(out.From)
		if err == nil {
			err = out.write(rep)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "xmpprest-bench:", err)
			os.Exit(1)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := run(ctx, o)
	if rep != nil {
		rep.Command = "xmpprest-bench " + strings.Join(os.Args[1:], " ")
		if werr := out.write(rep); werr != nil && err == nil {
			err = werr
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "xmpprest-bench:", err)
		os.Exit(1)
	}
}

// outputs are where the report goes besides stdout.
type outputs struct {
	JSON, PNG, Markdown string
	From                string // render this saved JSON report instead of running
}

func (out outputs) write(rep *Report) error {
	rep.WriteText(os.Stdout)
	if out.JSON != "" {
		if err := rep.WriteJSON(out.JSON); err != nil {
			return err
		}
	}
	if out.Markdown != "" {
		f, err := os.Create(out.Markdown)
		if err != nil {
			return err
		}
		rep.WriteMarkdown(f)
		if err := f.Close(); err != nil {
			return err
		}
	}
	if out.PNG != "" {
		if err := writeChart(rep, out.PNG); err != nil {
			return err
		}
	}
	return nil
}

func parseFlags(args []string) (options, outputs, error) {
	fs := flag.NewFlagSet("xmpprest-bench", flag.ContinueOnError)
	servers := fs.String("servers", "prosody,ejabberd", "the servers to measure, comma-separated")
	conc := fs.String("concurrency", "1,8,32", "the concurrencies, comma-separated")
	ops := fs.String("ops", "", "the operations to run, comma-separated (default all): "+opNames())
	duration := fs.Duration("duration", 1500*time.Millisecond, "the timed phase of each cell (operation × mode × concurrency)")
	maxOps := fs.Int("max-ops", 5000, "the timed operations of each cell at most")
	segments := fs.Int("segments", 2, "the pieces each cell is cut into per mode, the modes taking turns (A B C C B A …) so that a drift of the machine's speed weighs on all alike")
	timeout := fs.Duration("timeout", 8*time.Minute, "the whole run at most; the cells left are skipped")
	idle := fs.Duration("idle", time.Second, "how long xmpprest stays idle before its idle RSS is read")
	bin := fs.String("xmpprest", "", "the xmpprest binary to measure (default: built from this repository)")
	logLevel := fs.String("log-level", "info", "the log level of the xmpprest processes (info logs every request, as deployed)")
	logDir := fs.String("logs", "", "keep the logs of the xmpprest processes in this directory (their access log says how long each request took inside xmpprest)")
	quiet := fs.Bool("q", false, "no progress lines on stderr")
	profile := fs.String("profile", "", "profile xmpprest's CPU: run it from this binary (same daemon code, larger binary: its RSS is not the real one) and write one profile per server and operation in this directory")
	sessions := fs.Int("sessions", 1000, "signed-in users (SparkWeb) to hold against Prosody for the per-session memory and event-stream latency (0: skip)")
	sessionMessages := fs.Int("session-messages", 1000, "messages sent to the signed-in users' event streams")
	sessionPace := fs.Duration("session-pace", 10*time.Millisecond, "the pause between two of those messages")
	var out outputs
	fs.StringVar(&out.JSON, "json", "", "also write the report as JSON to this file")
	fs.StringVar(&out.PNG, "png", "", "also draw throughput by concurrency as a PNG chart in this file")
	fs.StringVar(&out.Markdown, "md", "", "also write the tables as Markdown to this file")
	fs.StringVar(&out.From, "report", "", "do not measure: print (and write with -md, -png) the report saved with -json in this file")
	if err := fs.Parse(args); err != nil {
		return options{}, out, err
	}
	if fs.NArg() > 0 {
		return options{}, out, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	o := options{Duration: *duration, MaxOps: *maxOps, Segments: *segments, Timeout: *timeout, IdleWait: *idle, Xmpprest: *bin, LogLevel: *logLevel, ProfileDir: *profile, LogDir: *logDir}
	o.Sessions, o.SessionMessages, o.SessionPace = *sessions, *sessionMessages, *sessionPace
	if o.Sessions < 0 || o.SessionMessages < 0 || o.SessionPace < 0 {
		return o, out, fmt.Errorf("-sessions, -session-messages and -session-pace must not be negative")
	}
	if !*quiet {
		o.Progress = os.Stderr
	}
	for _, s := range split(*servers) {
		switch k := xmppserver.Kind(s); k {
		case xmppserver.Prosody, xmppserver.Ejabberd:
			o.Servers = append(o.Servers, k)
		default:
			return o, out, fmt.Errorf("-servers: unknown server %q (prosody or ejabberd)", s)
		}
	}
	for _, s := range split(*conc) {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 256 {
			return o, out, fmt.Errorf("-concurrency: %q is not a number from 1 to 256", s)
		}
		o.Concurrency = append(o.Concurrency, n)
	}
	o.Ops = split(*ops)
	if err := checkOps(o.Ops); err != nil {
		return o, out, fmt.Errorf("-ops: %w", err)
	}
	switch {
	case len(o.Servers) == 0:
		return o, out, fmt.Errorf("-servers: name at least one server")
	case len(o.Concurrency) == 0:
		return o, out, fmt.Errorf("-concurrency: name at least one")
	case o.Duration <= 0 || o.Timeout <= 0:
		return o, out, fmt.Errorf("-duration and -timeout must be positive")
	case o.MaxOps < 1:
		return o, out, fmt.Errorf("-max-ops must be at least 1")
	case o.Segments < 1 || o.Segments > 20:
		return o, out, fmt.Errorf("-segments must be from 1 to 20")
	}
	return o, out, nil
}

func split(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func opNames() string {
	var names []string
	for _, op := range operations {
		names = append(names, op.Name)
	}
	return strings.Join(names, ", ")
}
