package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
)

// The goals (from the benchmark's issue): printed beside the figures, not
// asserted.
const (
	goalWriteVsRaw    = 0.95  // through xmpprest ≥ 0.95 × raw, write operations
	goalVsNative      = 1.0   // ≥ 1.0 × ejabberd mod_http_api
	goalAddedP50Ms    = 0.3   // xmpprest p50 − raw p50, at concurrency 1
	goalOwnStateOps   = 10000 // reads of component-owned state at concurrency 32
	goalOwnStateConc  = 32
	goalIdleRSSBytes  = 40 << 20
	goalReadyMs       = 500
	goalLatencyAtConc = 1
)

// row is one line of the table: an operation on a server at a concurrency,
// through every mode.
type row struct {
	Server, Op   string
	Concurrency  int
	Raw, Bare    *Cell
	Xmpprest     *Cell
	Native       *Cell
	info         opInfo
	goals, fails []string
}

// measured reports whether c holds figures.
func measured(c *Cell) bool { return c != nil && c.Skipped == "" && c.Ops > 0 }

func ratio(a, b *Cell) (float64, bool) {
	if !measured(a) || !measured(b) || b.OpsPerSec == 0 {
		return 0, false
	}
	return a.OpsPerSec / b.OpsPerSec, true
}

// rows joins the cells into table rows, in run order.
func (rep *Report) rows() []*row {
	var out []*row
	index := map[string]*row{}
	for i := range rep.Cells {
		c := &rep.Cells[i]
		key := fmt.Sprintf("%s|%s|%d", c.Server, c.Op, c.Concurrency)
		r := index[key]
		if r == nil {
			info, _ := operation(c.Op)
			r = &row{Server: c.Server, Op: c.Op, Concurrency: c.Concurrency, info: info}
			index[key] = r
			out = append(out, r)
		}
		switch c.Mode {
		case modeRaw:
			r.Raw = c
		case modeBare:
			r.Bare = c
		case modeXmpprest:
			r.Xmpprest = c
		case modeNative:
			r.Native = c
		}
	}
	// Group by server and operation in run order, concurrency ascending.
	slices.SortStableFunc(out, func(a, b *row) int {
		if a.Server != b.Server {
			return strings.Compare(serverOrder(rep, a.Server), serverOrder(rep, b.Server))
		}
		if a.Op != b.Op {
			return opIndex(a.Op) - opIndex(b.Op)
		}
		return a.Concurrency - b.Concurrency
	})
	for _, r := range out {
		r.judge()
	}
	return out
}

func serverOrder(rep *Report, s string) string {
	for i, sr := range rep.Servers {
		if sr.Kind == s {
			return fmt.Sprintf("%03d", i)
		}
	}
	return "999" + s
}

func opIndex(name string) int {
	for i, o := range operations {
		if o.Name == name {
			return i
		}
	}
	return len(operations)
}

// judge checks the row against the goals that apply to it.
func (r *row) judge() {
	check := func(name string, ok bool) {
		r.goals = append(r.goals, name)
		if !ok {
			r.fails = append(r.fails, name)
		}
	}
	if v, ok := ratio(r.Xmpprest, r.Raw); ok && r.info.Write {
		check(fmt.Sprintf("x/raw ≥ %.2f", goalWriteVsRaw), v >= goalWriteVsRaw)
	}
	if v, ok := ratio(r.Xmpprest, r.Native); ok {
		check(fmt.Sprintf("x/native ≥ %.1f", goalVsNative), v >= goalVsNative)
	}
	if d, ok := r.addedP50(); ok && r.Concurrency == goalLatencyAtConc {
		check(fmt.Sprintf("+p50 ≤ %.1f ms", goalAddedP50Ms), d <= goalAddedP50Ms)
	}
	if r.info.OwnState && r.Concurrency == goalOwnStateConc && measured(r.Xmpprest) {
		check(fmt.Sprintf("≥ %d/s", goalOwnStateOps), r.Xmpprest.OpsPerSec >= goalOwnStateOps)
	}
}

func (r *row) addedP50() (float64, bool) {
	if !measured(r.Xmpprest) || !measured(r.Raw) {
		return 0, false
	}
	return r.Xmpprest.P50Ms - r.Raw.P50Ms, true
}

func (r *row) goalText() string {
	if len(r.goals) == 0 {
		return ""
	}
	var parts []string
	for _, g := range r.goals {
		mark := "ok"
		if slices.Contains(r.fails, g) {
			mark = "MISS"
		}
		parts = append(parts, g+" "+mark)
	}
	return strings.Join(parts, "; ")
}

func rate(c *Cell) string {
	if !measured(c) {
		return "-"
	}
	s := fmt.Sprintf("%.1f", c.OpsPerSec)
	if c.OpsPerSec >= 100 {
		s = fmt.Sprintf("%.0f", c.OpsPerSec)
	}
	if c.Errors > 0 {
		s += "*"
	}
	return s
}

func lat(c *Cell, p50 bool) string {
	if !measured(c) {
		return "-"
	}
	if p50 {
		return fmt.Sprintf("%.2f", c.P50Ms)
	}
	return fmt.Sprintf("%.2f", c.P99Ms)
}

func ratioText(a, b *Cell) string {
	if v, ok := ratio(a, b); ok {
		return fmt.Sprintf("%.2f", v)
	}
	return "-"
}

// tableHeader and tableRow are the columns of the main table.
var tableHeader = []string{"server", "operation", "conc",
	"raw ops/s", "p50 ms", "p99 ms",
	"xmpprest ops/s", "p50 ms", "p99 ms",
	"native ops/s", "p50 ms", "p99 ms",
	"x/raw", "x/native", "+p50 ms", "goals"}

func (r *row) cells() []string {
	added := "-"
	if d, ok := r.addedP50(); ok {
		added = fmt.Sprintf("%+.2f", d)
	}
	return []string{r.Server, r.Op, fmt.Sprint(r.Concurrency),
		rate(r.Raw), lat(r.Raw, true), lat(r.Raw, false),
		rate(r.Xmpprest), lat(r.Xmpprest, true), lat(r.Xmpprest, false),
		rate(r.Native), lat(r.Native, true), lat(r.Native, false),
		ratioText(r.Xmpprest, r.Raw), ratioText(r.Xmpprest, r.Native), added, r.goalText()}
}

func (r *row) empty() bool {
	return !measured(r.Raw) && !measured(r.Xmpprest) && !measured(r.Native)
}

// processRows are the process figures, one line per server.
func (rep *Report) processRows() (header []string, rows [][]string) {
	header = []string{"server", "software", "start to ready (cold)", "start to ready (median, max of n)", "idle RSS", "peak RSS", "goals"}
	for _, s := range rep.Servers {
		var goals []string
		if len(s.ReadyMs) > 0 {
			med := median(s.ReadyMs)
			goals = append(goals, fmt.Sprintf("ready ≤ %d ms %s", goalReadyMs, okMiss(med <= goalReadyMs)))
		}
		if s.IdleRSSBytes > 0 {
			goals = append(goals, fmt.Sprintf("idle RSS ≤ %d MiB %s", goalIdleRSSBytes>>20, okMiss(s.IdleRSSBytes <= goalIdleRSSBytes)))
		}
		cold, spread := "-", "-"
		if len(s.ReadyMs) > 0 {
			cold = fmt.Sprintf("%.0f ms", s.ReadyMs[0])
			spread = fmt.Sprintf("%.0f ms, %.0f ms of %d", median(s.ReadyMs), slices.Max(s.ReadyMs), len(s.ReadyMs))
		}
		rows = append(rows, []string{s.Kind, s.Software, cold, spread, mib(s.IdleRSSBytes), mib(s.PeakRSSBytes), strings.Join(goals, "; ")})
	}
	return header, rows
}

// bareRows compare the bare mellium session with the raw link.
func (rep *Report) bareRows(rows []*row) (header []string, out [][]string) {
	header = []string{"server", "operation", "conc", "bare ops/s", "p50 ms", "raw ops/s", "p50 ms", "raw/bare"}
	for _, r := range rows {
		if !measured(r.Bare) {
			continue
		}
		out = append(out, []string{r.Server, r.Op, fmt.Sprint(r.Concurrency), rate(r.Bare), lat(r.Bare, true),
			rate(r.Raw), lat(r.Raw, true), ratioText(r.Raw, r.Bare)})
	}
	return header, out
}

func okMiss(ok bool) string {
	if ok {
		return "ok"
	}
	return "MISS"
}

func mib(b int64) string {
	if b <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// notes lists the cells not measured and the failures, once per server,
// operation and mode.
func (rep *Report) notes() []string {
	out := slices.Clone(rep.Notes)
	seen := map[string]bool{}
	for _, c := range rep.Cells {
		var msg string
		switch {
		case c.Skipped != "":
			msg = fmt.Sprintf("%s %s via %s: not measured: %s", c.Server, c.Op, c.Mode, c.Skipped)
		case c.Errors > 0:
			msg = fmt.Sprintf("%s %s via %s: errors (marked *), first: %s", c.Server, c.Op, c.Mode, c.FirstError)
		default:
			continue
		}
		key := c.Server + c.Op + c.Mode
		if !seen[key] {
			seen[key] = true
			out = append(out, msg)
		}
	}
	return out
}

// misses lists every goal missed.
func (rep *Report) misses(rows []*row) []string {
	var out []string
	for _, r := range rows {
		for _, f := range r.fails {
			out = append(out, fmt.Sprintf("%s %s c=%d: %s", r.Server, r.Op, r.Concurrency, f))
		}
	}
	_, srows := rep.sessionRows()
	for _, r := range srows {
		if g := r[len(r)-1]; strings.Contains(g, "MISS") || strings.HasPrefix(g, "failed") {
			out = append(out, r[0]+" sessions: "+g)
		}
	}
	_, prows := rep.processRows()
	for _, p := range prows {
		if strings.Contains(p[6], "MISS") {
			out = append(out, p[0]+" process: "+p[6])
		}
	}
	return out
}

// WriteText prints the report as aligned tables.
func (rep *Report) WriteText(w io.Writer) {
	rows := rep.rows()
	fmt.Fprintf(w, "xmpprest benchmark, %s, %s (took %s)\n\n", rep.Started.Format("2006-01-02 15:04"), rep.Machine, rep.Duration)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(tableHeader, "\t"))
	for _, r := range rows {
		if !r.empty() {
			fmt.Fprintln(tw, strings.Join(r.cells(), "\t"))
		}
	}
	tw.Flush()

	fmt.Fprintln(w)
	h, prows := rep.processRows()
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(h, "\t"))
	for _, p := range prows {
		fmt.Fprintln(tw, strings.Join(p, "\t"))
	}
	tw.Flush()

	if h, srows := rep.sessionRows(); len(srows) > 0 {
		fmt.Fprintln(w, "\nsigned-in users (SparkWeb), one event stream each:")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, strings.Join(h, "\t"))
		for _, r := range srows {
			fmt.Fprintln(tw, strings.Join(r, "\t"))
		}
		tw.Flush()
	}
	if h, brows := rep.bareRows(rows); len(brows) > 0 {
		fmt.Fprintln(w, "\ncomponent.Link + adhoc.Client (raw) against a bare mellium session with hand-built stanzas (bare):")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, strings.Join(h, "\t"))
		for _, b := range brows {
			fmt.Fprintln(tw, strings.Join(b, "\t"))
		}
		tw.Flush()
	}
	if notes := rep.notes(); len(notes) > 0 {
		fmt.Fprintln(w, "\nnotes:")
		for _, n := range notes {
			fmt.Fprintln(w, "  "+n)
		}
	}
	if m := rep.misses(rows); len(m) > 0 {
		fmt.Fprintln(w, "\ngoals missed:")
		for _, n := range m {
			fmt.Fprintln(w, "  "+n)
		}
	} else {
		fmt.Fprintln(w, "\nevery goal that could be checked was met")
	}
}

// WriteMarkdown writes the tables as Markdown, for the README.
func (rep *Report) WriteMarkdown(w io.Writer) {
	rows := rep.rows()
	fmt.Fprintf(w, "Measured %s on %s in %s with `%s`.\n\n", rep.Started.Format("2006-01-02 15:04 MST"), rep.Machine, rep.Duration, rep.Command)
	table := func(header []string, lines [][]string) {
		fmt.Fprintln(w, "| "+strings.Join(header, " | ")+" |")
		fmt.Fprintln(w, strings.Repeat("|---", len(header))+"|")
		for _, l := range lines {
			line := strings.ReplaceAll(strings.Join(l, " | "), "*", `\*`)
			fmt.Fprintln(w, "| "+strings.ReplaceAll(line, " MISS", " **MISS**")+" |")
		}
		fmt.Fprintln(w)
	}
	var main [][]string
	for _, r := range rows {
		if !r.empty() {
			main = append(main, r.cells())
		}
	}
	table(tableHeader, main)
	table(rep.processRows())
	if h, srows := rep.sessionRows(); len(srows) > 0 {
		table(h, srows)
	}
	if h, b := rep.bareRows(rows); len(b) > 0 {
		table(h, b)
	}
	for _, n := range rep.notes() {
		fmt.Fprintln(w, "- "+n)
	}
}

// readReport reads a report written by WriteJSON.
func readReport(path string) (*Report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var rep Report
	if err := json.Unmarshal(b, &rep); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &rep, nil
}

// WriteJSON writes the whole report.
func (rep *Report) WriteJSON(path string) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
