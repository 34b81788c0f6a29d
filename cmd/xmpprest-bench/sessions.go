package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"mellium.im/xmpp/jid"

	"xmpprest/component/c2s"
	"xmpprest/component/c2s/c2stest"
	"xmpprest/component/xmppserver"
)

// The goals of the signed-in users' sessions (SparkWeb).
const (
	goalSessionBytes = 64 << 10 // xmpprest's memory per signed-in user
	goalSSEP99Ms     = 20       // message sent by a client to event on the stream
)

// SessionReport is what holding many signed-in users costs: xmpprest's
// memory per user session, and how long a message takes from another
// client to the user's event stream while every user has one open.
type SessionReport struct {
	Sessions int `json:"sessions"`
	// RSSBefore and RSSAfter are xmpprest's resident size before the
	// sign-ins and with every session and stream open.
	RSSBefore       int64   `json:"rssBefore"`
	RSSSessions     int64   `json:"rssSessions"` // sessions open, no stream yet
	RSSAfter        int64   `json:"rssAfter"`    // sessions and streams open
	BytesPerSession int64   `json:"bytesPerSession"`
	BytesPerStream  int64   `json:"bytesPerStream"`
	SignInSeconds   float64 `json:"signInSeconds"`
	Messages        int     `json:"messages"`
	Delivered       int     `json:"delivered"`
	P50Ms           float64 `json:"p50Ms"`
	P99Ms           float64 `json:"p99Ms"`
	MaxMs           float64 `json:"maxMs"`
	// DirectP50Ms and DirectP99Ms are the same messages' latency to a
	// plain c2s client of the same server, sent in turn with them: what
	// the server and the machine cost without xmpprest.
	DirectP50Ms float64 `json:"directP50Ms"`
	DirectP99Ms float64 `json:"directP99Ms"`
	Error       string  `json:"error,omitempty"`
}

// signInConcurrency is how many sign-ins (and account creations) run at
// once.
const signInConcurrency = 16

// benchSessions signs n users in through the SparkWeb API of the xmpprest
// process, opens one event stream per user, then sends messages from
// another c2s client to the users in turn, one every pace, and measures
// the time until each arrives on the stream.
func benchSessions(ctx context.Context, o options, srv *xmppserver.Server, xr *xmpprestTarget) SessionReport {
	rep := SessionReport{Sessions: o.Sessions}
	if err := benchSessionsRun(ctx, o, srv, xr, &rep); err != nil {
		rep.Error = err.Error()
	}
	return rep
}

func benchSessionsRun(ctx context.Context, o options, srv *xmppserver.Server, xr *xmpprestTarget, rep *SessionReport) error {
	n := o.Sessions
	name := func(i int) string { return fmt.Sprintf("sw-%d", i) }
	o.progress("sessions: creating %d accounts", n+2)
	if err := forEach(ctx, n+2, func(ctx context.Context, i int) error {
		u := name(i)
		return xr.call(ctx, http.MethodPost, "/users", fmt.Sprintf(`{"username":%q,"password":%q}`, u, "pw-"+u))
	}); err != nil {
		return fmt.Errorf("create accounts: %w", err)
	}
	time.Sleep(o.IdleWait)
	rep.RSSBefore, _, _ = memory(xr.proc.PID())

	o.progress("sessions: signing in %d users", n)
	tokens := make([]string, n)
	start := time.Now()
	if err := forEach(ctx, n, func(ctx context.Context, i int) error {
		tok, err := xr.signIn(ctx, name(i), "pw-"+name(i))
		tokens[i] = tok
		return err
	}); err != nil {
		return fmt.Errorf("sign in: %w", err)
	}
	rep.SignInSeconds = time.Since(start).Seconds()
	time.Sleep(o.IdleWait)
	rep.RSSSessions, _, _ = memory(xr.proc.PID())
	rep.BytesPerSession = (rep.RSSSessions - rep.RSSBefore) / int64(n)

	o.progress("sessions: opening %d event streams", n)
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu      sync.Mutex
		sent    = map[int]time.Time{}
		lat     []time.Duration
		arrived = make(chan struct{}, o.SessionMessages)
		opened  sync.WaitGroup
		failed  atomic.Value
	)
	client := &http.Client{Transport: &http.Transport{Proxy: nil, DisableCompression: true}}
	for i := range n {
		opened.Add(1)
		go func() {
			err := xr.stream(sctx, client, tokens[i], opened.Done, func(body string) {
				seq, err := strconv.Atoi(strings.TrimPrefix(body, "bench "))
				if err != nil {
					return
				}
				now := time.Now()
				mu.Lock()
				if t, ok := sent[seq]; ok {
					lat = append(lat, now.Sub(t))
					delete(sent, seq)
				}
				mu.Unlock()
				arrived <- struct{}{}
			})
			if err != nil && sctx.Err() == nil {
				failed.Store(err)
			}
		}()
	}
	opened.Wait()
	if err, _ := failed.Load().(error); err != nil {
		return fmt.Errorf("event stream: %w", err)
	}
	time.Sleep(o.IdleWait)
	rep.RSSAfter, _, _ = memory(xr.proc.PID())
	rep.BytesPerStream = (rep.RSSAfter - rep.RSSSessions) / int64(n)

	sender, err := c2stest.Login(ctx, c2s.Options{Addr: srv.C2SAddr, TLS: c2s.TLSNone}, userJID(srv, name(n)), "pw-"+name(n), "bench")
	if err != nil {
		return fmt.Errorf("sender: %w", err)
	}
	defer sender.Close()
	// A plain c2s client of the same server gets the same messages in
	// turn: the baseline.
	direct, err := c2stest.Login(ctx, c2s.Options{Addr: srv.C2SAddr, TLS: c2s.TLSNone}, userJID(srv, name(n+1)), "pw-"+name(n+1), "bench")
	if err != nil {
		return fmt.Errorf("direct receiver: %w", err)
	}
	defer direct.Close()
	if err := direct.SendPresence(ctx); err != nil {
		return fmt.Errorf("direct receiver: %w", err)
	}
	var directLat []time.Duration
	directSent := map[int]time.Time{}
	go func() {
		for m := range direct.Messages() {
			seq, err := strconv.Atoi(strings.TrimPrefix(m.Body, "bench "))
			if err != nil {
				continue
			}
			now := time.Now()
			mu.Lock()
			if t, ok := directSent[seq]; ok {
				directLat = append(directLat, now.Sub(t))
				delete(directSent, seq)
			}
			mu.Unlock()
		}
	}()
	o.progress("sessions: %d messages to the streams", o.SessionMessages)
	for seq := range o.SessionMessages {
		to := userJID(srv, name(seq%n))
		mu.Lock()
		sent[seq] = time.Now()
		directSent[seq] = time.Now()
		mu.Unlock()
		if err := sender.SendMessage(ctx, to, "bench "+strconv.Itoa(seq)); err != nil {
			return fmt.Errorf("send: %w", err)
		}
		if err := sender.SendMessage(ctx, userJID(srv, name(n+1)), "bench "+strconv.Itoa(seq)); err != nil {
			return fmt.Errorf("send: %w", err)
		}
		select {
		case <-time.After(o.SessionPace):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	rep.Messages = o.SessionMessages
	wait := time.After(10 * time.Second)
	for got := 0; got < o.SessionMessages; got++ {
		select {
		case <-arrived:
		case <-wait:
			got = o.SessionMessages
		}
	}
	mu.Lock()
	defer mu.Unlock()
	rep.Delivered = len(lat)
	if len(lat) > 0 {
		rep.P50Ms, rep.P99Ms, rep.MaxMs = pct(lat, 50), pct(lat, 99), pct(lat, 100)
	}
	if len(directLat) > 0 {
		rep.DirectP50Ms, rep.DirectP99Ms = pct(directLat, 50), pct(directLat, 99)
	}
	return nil
}

// pct returns the p-th percentile of d in milliseconds (d gets sorted).
func pct(d []time.Duration, p float64) float64 {
	slices.Sort(d)
	return ms(d[min(max(int(p/100*float64(len(d))+0.5)-1, 0), len(d)-1)])
}

func userJID(srv *xmppserver.Server, local string) jid.JID {
	return jid.MustParse(local + "@" + srv.Hosts[0])
}

// forEach runs f for 0..n-1, signInConcurrency at a time, and returns the
// first error.
func forEach(ctx context.Context, n int, f func(context.Context, int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		first error
		once  sync.Once
	)
	sem := make(chan struct{}, signInConcurrency)
	for i := range n {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := f(ctx, i); err != nil {
				once.Do(func() { first = err; cancel() })
			}
		}()
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}

// signIn signs a user in through the SparkWeb API and returns the token.
func (t *xmpprestTarget) signIn(ctx context.Context, user, password string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+t.proc.addr+"/sparkweb/api/rest/login/"+user, strings.NewReader(password))
	if err != nil {
		return "", err
	}
	resp, err := t.client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var tok struct{ Token string }
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("sign-in of %s answered %d", user, resp.StatusCode)
	}
	return tok.Token, nil
}

// stream reads a user's event stream until ctx ends, calling opened once
// it is connected and chat with the body of every chat event.
func (t *xmpprestTarget) stream(ctx context.Context, client *http.Client, token string, opened func(), chat func(body string)) error {
	once := sync.OnceFunc(opened)
	defer once()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+t.proc.addr+"/sparkweb/api/sse?token="+token, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("event stream answered %d %s", resp.StatusCode, b)
	}
	once()
	sc := bufio.NewScanner(resp.Body)
	isChat := false
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "event: chatapi.chat":
			isChat = true
		case isChat && strings.HasPrefix(line, "data: "):
			var ev struct{ Body string }
			if json.Unmarshal([]byte(line[6:]), &ev) == nil {
				chat(ev.Body)
			}
		case line == "":
			isChat = false
		}
	}
	return sc.Err()
}

// sessionRows are the session figures, one line per server measured.
func (rep *Report) sessionRows() (header []string, rows [][]string) {
	header = []string{"server", "sessions", "sign-in", "RSS per session", "RSS per stream", "messages", "SSE p50", "SSE p99", "direct c2s p50", "p99", "goals"}
	for _, s := range rep.Servers {
		r := s.SessionReport
		if r == nil {
			continue
		}
		if r.Error != "" {
			rows = append(rows, []string{s.Kind, fmt.Sprint(r.Sessions), "-", "-", "-", "-", "-", "-", "-", "-", "failed: " + r.Error})
			continue
		}
		goals := []string{
			fmt.Sprintf("≤ %d KiB per session %s", goalSessionBytes>>10, okMiss(r.BytesPerSession <= goalSessionBytes)),
			fmt.Sprintf("p99 ≤ %d ms %s", goalSSEP99Ms, okMiss(r.P99Ms <= goalSSEP99Ms && r.Delivered == r.Messages)),
		}
		rows = append(rows, []string{s.Kind, fmt.Sprint(r.Sessions), fmt.Sprintf("%.1f s", r.SignInSeconds),
			fmt.Sprintf("%.1f KiB", float64(r.BytesPerSession)/1024), fmt.Sprintf("%.1f KiB", float64(r.BytesPerStream)/1024),
			fmt.Sprintf("%d of %d", r.Delivered, r.Messages), fmt.Sprintf("%.2f ms", r.P50Ms), fmt.Sprintf("%.2f ms", r.P99Ms),
			fmt.Sprintf("%.2f ms", r.DirectP50Ms), fmt.Sprintf("%.2f ms", r.DirectP99Ms), strings.Join(goals, "; ")})
	}
	return header, rows
}
