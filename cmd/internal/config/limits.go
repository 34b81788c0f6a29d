package config

import (
	"errors"
	"fmt"
	"os"
	"time"
)

// Limits bounds what one client can hold of the HTTP server, and how long
// retried writes are remembered.
type Limits struct {
	// ReadHeaderTimeout bounds reading a request's headers.
	ReadHeaderTimeout Duration `toml:"read_header_timeout" env:"XMPPREST_LIMITS_READ_HEADER_TIMEOUT"`
	// ReadTimeout bounds reading a whole request, body included.
	ReadTimeout Duration `toml:"read_timeout" env:"XMPPREST_LIMITS_READ_TIMEOUT"`
	// WriteTimeout bounds writing a response (streaming routes excepted).
	WriteTimeout Duration `toml:"write_timeout" env:"XMPPREST_LIMITS_WRITE_TIMEOUT"`
	// IdleTimeout is how long a keep-alive connection may wait for its
	// next request.
	IdleTimeout Duration `toml:"idle_timeout" env:"XMPPREST_LIMITS_IDLE_TIMEOUT"`
	// MaxConnections caps the open connections in total.
	MaxConnections int64 `toml:"max_connections" env:"XMPPREST_LIMITS_MAX_CONNECTIONS"`
	// MaxConnectionsPerAddress caps the open connections of one client
	// address.
	MaxConnectionsPerAddress int64 `toml:"max_connections_per_address" env:"XMPPREST_LIMITS_MAX_CONNECTIONS_PER_ADDRESS"`
	// LoginAttemptsPerMinute caps the failed logins per account and per
	// client address.
	LoginAttemptsPerMinute int64 `toml:"login_attempts_per_minute" env:"XMPPREST_LIMITS_LOGIN_ATTEMPTS_PER_MINUTE"`
	// IdempotencyTTL is how long an Idempotency-Key and its answer are kept.
	IdempotencyTTL Duration `toml:"idempotency_ttl" env:"XMPPREST_LIMITS_IDEMPOTENCY_TTL"`
}

// TLS configures HTTPS on the REST listener; both empty means plain HTTP.
type TLS struct {
	// Cert and Key are PEM files, read at start and again on SIGHUP.
	Cert string `toml:"cert" env:"XMPPREST_TLS_CERT"`
	Key  string `toml:"key" env:"XMPPREST_TLS_KEY"`
}

// CORS configures cross-origin access from browsers; off when no origin is
// listed.
type CORS struct {
	// AllowedOrigins are the origins (https://app.example.org) whose pages
	// may call the APIs; "*" allows any.
	AllowedOrigins []string `toml:"allowed_origins" env:"XMPPREST_CORS_ALLOWED_ORIGINS"`
}

func defaultLimits() Limits {
	return Limits{
		ReadHeaderTimeout:        Duration{10 * time.Second},
		ReadTimeout:              Duration{30 * time.Second},
		WriteTimeout:             Duration{60 * time.Second},
		IdleTimeout:              Duration{60 * time.Second},
		MaxConnections:           1024,
		MaxConnectionsPerAddress: 128,
		LoginAttemptsPerMinute:   10,
		IdempotencyTTL:           Duration{24 * time.Hour},
	}
}

func (c Config) validateLimits() error {
	l := c.Limits
	for _, d := range []struct {
		key string
		v   time.Duration
	}{
		{"limits.read_header_timeout", l.ReadHeaderTimeout.Duration},
		{"limits.read_timeout", l.ReadTimeout.Duration},
		{"limits.write_timeout", l.WriteTimeout.Duration},
		{"limits.idle_timeout", l.IdleTimeout.Duration},
		{"limits.idempotency_ttl", l.IdempotencyTTL.Duration},
	} {
		if d.v <= 0 {
			return fmt.Errorf("%s: must be positive, e.g. \"30s\"", d.key)
		}
	}
	if l.WriteTimeout.Duration < c.HTTP.RequestTimeout.Duration {
		return fmt.Errorf("limits.write_timeout (%s) must be at least http.request_timeout (%s), or answers of slow requests are cut", l.WriteTimeout.Duration, c.HTTP.RequestTimeout.Duration)
	}
	if l.MaxConnections <= 0 || l.MaxConnectionsPerAddress <= 0 {
		return errors.New("limits.max_connections and limits.max_connections_per_address: must be positive")
	}
	if l.MaxConnectionsPerAddress > l.MaxConnections {
		return errors.New("limits.max_connections_per_address: must not exceed limits.max_connections")
	}
	if l.LoginAttemptsPerMinute <= 0 {
		return errors.New("limits.login_attempts_per_minute: must be positive")
	}
	if (c.TLS.Cert == "") != (c.TLS.Key == "") {
		return errors.New("tls.cert and tls.key: give both (HTTPS) or neither (plain HTTP)")
	}
	for _, f := range []struct{ key, path string }{{"tls.cert", c.TLS.Cert}, {"tls.key", c.TLS.Key}} {
		if f.path == "" {
			continue
		}
		if _, err := os.Stat(f.path); err != nil {
			return fmt.Errorf("%s: %w", f.key, err)
		}
	}
	return nil
}
