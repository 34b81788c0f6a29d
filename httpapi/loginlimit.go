package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"xmpprest/component/fault"
)

// LoginLimiter caps failed logins per client address and per account: each
// may fail PerMinute times in a burst, then once every 60s/PerMinute.
// While either is over its limit, further attempts are refused with
// fault.Throttled (429 and Retry-After) before any credential is checked,
// so a password cannot be guessed faster than that. Successful logins cost
// nothing. Every login-like endpoint of every dialect uses one limiter.
type LoginLimiter struct {
	PerMinute int

	mu      sync.Mutex
	buckets map[string]*loginBucket
}

type loginBucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// maxBuckets bounds the limiter's memory; idle buckets are dropped first.
const maxBuckets = 100000

// Wait returns how long the address and the account (either may be empty)
// must wait before their next attempt is checked: 0 when they may try now.
func (l *LoginLimiter) Wait(addr, account string) time.Duration {
	if l == nil {
		return 0
	}
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	var wait time.Duration
	for _, k := range l.keys(addr, account) {
		if b, ok := l.buckets[k]; ok {
			if missing := 1 - b.lim.TokensAt(now); missing > 0 {
				wait = max(wait, time.Duration(missing/float64(b.lim.Limit())*float64(time.Second)))
			}
		}
	}
	return wait
}

// Failed records a failed attempt of the address and the account.
func (l *LoginLimiter) Failed(addr, account string) {
	if l == nil {
		return
	}
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buckets == nil {
		l.buckets = map[string]*loginBucket{}
	}
	if len(l.buckets) >= maxBuckets {
		l.prune(now)
	}
	per := max(l.PerMinute, 1)
	for _, k := range l.keys(addr, account) {
		b, ok := l.buckets[k]
		if !ok {
			b = &loginBucket{lim: rate.NewLimiter(rate.Every(time.Minute/time.Duration(per)), per)}
			l.buckets[k] = b
		}
		b.seen = now
		b.lim.AllowN(now, 1)
	}
}

// Throttled returns the fault of an attempt refused for wait.
func Throttled(wait time.Duration) error {
	return &fault.Error{Kind: fault.Throttled, RetryAfter: wait,
		Message: "too many failed logins from this address or for this account: wait before trying again"}
}

// Check returns Throttled when the address or the account must wait.
func (l *LoginLimiter) Check(addr, account string) error {
	if wait := l.Wait(addr, account); wait > 0 {
		return Throttled(wait)
	}
	return nil
}

func (l *LoginLimiter) keys(addr, account string) []string {
	var ks []string
	if addr != "" {
		ks = append(ks, "addr\x00"+addr)
	}
	if account != "" {
		ks = append(ks, "account\x00"+strings.ToLower(account))
	}
	return ks
}

// prune drops the buckets that have refilled (idle for a minute or more).
func (l *LoginLimiter) prune(now time.Time) {
	for k, b := range l.buckets {
		if now.Sub(b.seen) > time.Minute {
			delete(l.buckets, k)
		}
	}
}

// withLoginLimiter hands l to the guards of every dialect through the
// request's context (see loginLimiterOf).
func withLoginLimiter(l *LoginLimiter) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		if l == nil {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), loginLimiterKey, l)))
		})
	}
}

// loginLimiterOf returns the router's login limiter, or nil (no limit).
func loginLimiterOf(r *http.Request) *LoginLimiter {
	l, _ := r.Context().Value(loginLimiterKey).(*LoginLimiter)
	return l
}

// Authenticate returns the caller of r, ErrUnauthorized, Throttled when
// the client address or the Basic account has failed too often (checked
// before the credentials), or another error when the credentials could not
// be checked (the XMPP server is down). A request that sent credentials
// which turned out wrong counts as a failed attempt.
func (a *AdminAuth) Authenticate(r *http.Request) (Principal, error) {
	addr := ClientAddress(r)
	account, _, _ := r.BasicAuth()
	if err := a.Limiter.Check(addr, account); err != nil {
		return Principal{}, err
	}
	p, err := a.authenticate(r)
	if errors.Is(err, ErrUnauthorized) && r.Header.Get("Authorization") != "" {
		a.Limiter.Failed(addr, account)
	}
	return p, err
}
