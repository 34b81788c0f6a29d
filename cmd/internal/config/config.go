// Package config loads xmpprest's configuration: a TOML file (see the
// documented sample component.toml at the top of the repository) with single
// keys overridden by XMPPREST_* environment variables. Unknown keys and bad
// values are refused, naming the key.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"mellium.im/xmpp/jid"
)

// Config is the whole configuration.
type Config struct {
	XMPP    XMPP    `toml:"xmpp"`
	HTTP    HTTP    `toml:"http"`
	Store   Store   `toml:"store"`
	Auth    Auth    `toml:"auth"`
	Log     Log     `toml:"log"`
	Metrics Metrics `toml:"metrics"`
	Status  Status  `toml:"status"`

	Limits Limits `toml:"limits"`
	TLS    TLS    `toml:"tls"`
	CORS   CORS   `toml:"cors"`
	// SparkWeb configures the SparkWeb user API (see sparkweb.go).
	SparkWeb SparkWeb `toml:"sparkweb"`
}

// XMPP configures the component link to the XMPP server.
type XMPP struct {
	// Address is the server's component (XEP-0114) listener, host:port.
	Address string `toml:"address" env:"XMPPREST_XMPP_ADDRESS"`
	// JID is the component's domain.
	JID string `toml:"jid" env:"XMPPREST_XMPP_JID"`
	// Secret is the component's shared secret.
	Secret string `toml:"secret" env:"XMPPREST_XMPP_SECRET"`
	// Hosts are the virtual hosts the component administers; the first is
	// the default.
	Hosts []string `toml:"hosts" env:"XMPPREST_XMPP_HOSTS"`
	// MUCService is the chat-room service; discovered when empty.
	MUCService string `toml:"muc_service" env:"XMPPREST_XMPP_MUC_SERVICE"`
	// C2SAddress is the server's client listener, for user sessions and
	// admin password checks.
	C2SAddress string `toml:"c2s_address" env:"XMPPREST_XMPP_C2S_ADDRESS"`
	// C2STLS is required, starttls or none (loopback tests only).
	C2STLS string `toml:"c2s_tls" env:"XMPPREST_XMPP_C2S_TLS"`
	// C2SInsecureSkipVerify accepts any certificate on c2s (self-signed test
	// servers).
	C2SInsecureSkipVerify bool `toml:"c2s_insecure_skip_verify" env:"XMPPREST_XMPP_C2S_INSECURE_SKIP_VERIFY"`
	// Timeout bounds each IQ round trip.
	Timeout Duration `toml:"timeout" env:"XMPPREST_XMPP_TIMEOUT"`
	// ReconnectMax caps the backoff between reconnection attempts.
	ReconnectMax Duration `toml:"reconnect_max" env:"XMPPREST_XMPP_RECONNECT_MAX"`
	// KeepAlive is how often an idle link is pinged; a ping unanswered
	// within Timeout recycles the link.
	KeepAlive Duration `toml:"keepalive" env:"XMPPREST_XMPP_KEEPALIVE"`
	// AccountCacheTTL, when positive, lets reads (GET /users/{u}, a user's
	// groups) take an account the server said exists as existing for this
	// long without asking again; an account deleted outside xmpprest may
	// be seen that long after. Zero (the default) asks every time.
	AccountCacheTTL Duration `toml:"account_cache_ttl" env:"XMPPREST_XMPP_ACCOUNT_CACHE_TTL"`
}

// HTTP configures the REST listener.
type HTTP struct {
	Listen string `toml:"listen" env:"XMPPREST_HTTP_LISTEN"`
	// MaxBodyBytes limits request bodies.
	MaxBodyBytes int64 `toml:"max_body_bytes" env:"XMPPREST_HTTP_MAX_BODY_BYTES"`
	// RequestTimeout bounds each request (streams excepted).
	RequestTimeout Duration `toml:"request_timeout" env:"XMPPREST_HTTP_REQUEST_TIMEOUT"`
	// ShutdownTimeout bounds how long requests in flight may finish at
	// shutdown.
	ShutdownTimeout Duration `toml:"shutdown_timeout" env:"XMPPREST_HTTP_SHUTDOWN_TIMEOUT"`
	// PublicURL is the base URL people reach xmpprest at (invitation
	// landing pages); empty means http:// and the listen address.
	PublicURL string `toml:"public_url" env:"XMPPREST_HTTP_PUBLIC_URL"`
}

// Store configures the SQLite database.
type Store struct {
	Path string `toml:"path" env:"XMPPREST_STORE_PATH"`
}

// Auth configures who may call the admin APIs.
type Auth struct {
	// Secret is the shared secret sent as the Authorization header.
	Secret string `toml:"secret" env:"XMPPREST_AUTH_SECRET"`
	// Admins are bare JIDs allowed to use HTTP Basic auth with their XMPP
	// password.
	Admins []string `toml:"admins" env:"XMPPREST_AUTH_ADMINS"`
	// BasicCacheTTL is how long a successful Basic login is remembered.
	BasicCacheTTL Duration `toml:"basic_cache_ttl" env:"XMPPREST_AUTH_BASIC_CACHE_TTL"`
}

// Log configures logging.
type Log struct {
	// Level is debug, info, warn or error.
	Level string `toml:"level" env:"XMPPREST_LOG_LEVEL"`
	// Format is text or json.
	Format string `toml:"format" env:"XMPPREST_LOG_FORMAT"`
}

// Metrics configures /metrics (Prometheus).
type Metrics struct {
	// Access is off, public or admin (admin API credentials).
	Access string `toml:"access" env:"XMPPREST_METRICS_ACCESS"`
}

// Status configures the status page at /.
type Status struct {
	// Access is off, public or admin (admin API credentials).
	Access string `toml:"access" env:"XMPPREST_STATUS_ACCESS"`
}

// Duration is a time.Duration written as a Go duration string ("5s").
type Duration struct{ time.Duration }

// UnmarshalText parses a duration such as "250ms" or "5s".
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("want a duration such as \"5s\" or \"250ms\": %w", err)
	}
	d.Duration = v
	return nil
}

// MarshalText writes the duration as a Go duration string.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// Default returns the configuration used for keys the file leaves out.
func Default() Config {
	return Config{
		XMPP: XMPP{
			Address:      "127.0.0.1:5347",
			C2STLS:       "starttls",
			Timeout:      Duration{10 * time.Second},
			ReconnectMax: Duration{2 * time.Second},
			KeepAlive:    Duration{30 * time.Second},
		},
		HTTP: HTTP{
			Listen:          "127.0.0.1:9090",
			MaxBodyBytes:    1 << 20,
			RequestTimeout:  Duration{30 * time.Second},
			ShutdownTimeout: Duration{15 * time.Second},
		},
		Store:   Store{Path: "xmpprest.db"},
		Auth:    Auth{BasicCacheTTL: Duration{time.Minute}},
		Log:     Log{Level: "info", Format: "text"},
		Metrics: Metrics{Access: "admin"},
		Status:  Status{Access: "admin"},

		Limits:   defaultLimits(),
		SparkWeb: defaultSparkWeb(),
	}
}

// Load reads the file at path over the defaults, applies the XMPPREST_*
// variables of env (os.Environ form; nil means none) and validates the
// result.
func Load(path string, env []string) (Config, error) {
	cfg := Default()
	b, err := os.ReadFile(path)
	if err != nil {
		return cfg, fmt.Errorf("read config: %w", err)
	}
	return parse(cfg, string(b), path, env)
}

// Parse is Load for a configuration held in memory.
func Parse(text string, env []string) (Config, error) {
	return parse(Default(), text, "config", env)
}

func parse(cfg Config, text, name string, env []string) (Config, error) {
	md, err := toml.Decode(text, &cfg)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			if pe.LastKey != "" {
				return cfg, fmt.Errorf("%s: line %d: key %s: %s", name, pe.Position.Line, pe.LastKey, pe.Message)
			}
			return cfg, fmt.Errorf("%s: line %d: %s", name, pe.Position.Line, pe.Message)
		}
		return cfg, fmt.Errorf("%s: %w", name, err)
	}
	if undecoded := md.Undecoded(); len(undecoded) > 0 {
		var keys []string
		for _, k := range undecoded {
			keys = append(keys, k.String())
		}
		sort.Strings(keys)
		// Report leaves only: "xmpp2.foo", not also its table "xmpp2".
		leaves := keys[:0]
		for i, k := range keys {
			if i+1 < len(keys) && strings.HasPrefix(keys[i+1], k+".") {
				continue
			}
			leaves = append(leaves, k)
		}
		keys = leaves
		return cfg, fmt.Errorf("%s: unknown key %s (see component.toml for the keys there are)", name, strings.Join(keys, ", "))
	}
	if err := applyEnv(&cfg, env); err != nil {
		return cfg, err
	}
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("%s: %w", name, err)
	}
	return cfg, nil
}

// applyEnv overrides single keys from XMPPREST_* variables. Lists are
// comma-separated.
func applyEnv(cfg *Config, env []string) error {
	vars := map[string]string{}
	for _, kv := range env {
		k, v, ok := strings.Cut(kv, "=")
		if ok && strings.HasPrefix(k, "XMPPREST_") {
			vars[k] = v
		}
	}
	if len(vars) == 0 {
		return nil
	}
	known := map[string]bool{}
	sections := reflect.ValueOf(cfg).Elem()
	for i := 0; i < sections.NumField(); i++ {
		section := sections.Field(i)
		for j := 0; j < section.NumField(); j++ {
			field := section.Type().Field(j)
			name := field.Tag.Get("env")
			known[name] = true
			v, ok := vars[name]
			if !ok {
				continue
			}
			if err := setField(section.Field(j), v); err != nil {
				return fmt.Errorf("environment variable %s: %w", name, err)
			}
		}
	}
	for k := range vars {
		if !known[k] && k != "XMPPREST_CONFIG" {
			return fmt.Errorf("unknown environment variable %s (see component.toml for the keys there are)", k)
		}
	}
	return nil
}

func setField(f reflect.Value, v string) error {
	switch p := f.Addr().Interface().(type) {
	case *string:
		*p = v
	case *[]string:
		*p = nil
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				*p = append(*p, s)
			}
		}
	case *bool:
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("want true or false, got %q", v)
		}
		*p = b
	case *int64:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fmt.Errorf("want a whole number, got %q", v)
		}
		*p = n
	case *Duration:
		return p.UnmarshalText([]byte(v))
	default:
		return fmt.Errorf("unsupported type %T", p)
	}
	return nil
}

// Validate checks every value, naming the key of the first bad one.
func (c Config) Validate() error {
	if err := checkHostPort("xmpp.address", c.XMPP.Address, true); err != nil {
		return err
	}
	if c.XMPP.JID == "" {
		return errors.New("xmpp.jid: required: the component's domain, e.g. \"rest.example.org\"")
	}
	if j, err := jid.Parse(c.XMPP.JID); err != nil || j.Localpart() != "" || j.Resourcepart() != "" {
		return fmt.Errorf("xmpp.jid: %q is not a bare domain such as \"rest.example.org\"", c.XMPP.JID)
	}
	if c.XMPP.Secret == "" {
		return errors.New("xmpp.secret: required: the component secret configured on the XMPP server")
	}
	if len(c.XMPP.Hosts) == 0 {
		return errors.New("xmpp.hosts: required: at least one virtual host, e.g. [\"example.org\"]")
	}
	for _, h := range c.XMPP.Hosts {
		if j, err := jid.Parse(h); err != nil || j.Localpart() != "" || j.Resourcepart() != "" {
			return fmt.Errorf("xmpp.hosts: %q is not a domain", h)
		}
	}
	if c.XMPP.MUCService != "" {
		if j, err := jid.Parse(c.XMPP.MUCService); err != nil || j.Localpart() != "" || j.Resourcepart() != "" {
			return fmt.Errorf("xmpp.muc_service: %q is not a domain", c.XMPP.MUCService)
		}
	}
	if c.XMPP.C2SAddress != "" {
		if err := checkHostPort("xmpp.c2s_address", c.XMPP.C2SAddress, true); err != nil {
			return err
		}
	}
	switch c.XMPP.C2STLS {
	case "required", "starttls", "none":
	default:
		return fmt.Errorf("xmpp.c2s_tls: %q: want required, starttls or none", c.XMPP.C2STLS)
	}
	if c.XMPP.Timeout.Duration <= 0 {
		return errors.New("xmpp.timeout: must be positive, e.g. \"10s\"")
	}
	if c.XMPP.ReconnectMax.Duration <= 0 {
		return errors.New("xmpp.reconnect_max: must be positive, e.g. \"2s\"")
	}
	if err := checkHostPort("http.listen", c.HTTP.Listen, false); err != nil {
		return err
	}
	if c.HTTP.PublicURL != "" {
		u, err := url.Parse(c.HTTP.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("http.public_url: %q is not a base URL such as \"https://chat.example.org\"", c.HTTP.PublicURL)
		}
	}
	if c.HTTP.MaxBodyBytes <= 0 {
		return errors.New("http.max_body_bytes: must be positive")
	}
	if c.HTTP.RequestTimeout.Duration <= 0 {
		return errors.New("http.request_timeout: must be positive")
	}
	if c.HTTP.ShutdownTimeout.Duration <= 0 {
		return errors.New("http.shutdown_timeout: must be positive")
	}
	if err := c.validateLimits(); err != nil {
		return err
	}
	if c.Store.Path == "" {
		return errors.New("store.path: required: where the SQLite database lives")
	}
	if c.Auth.Secret == "" && len(c.Auth.Admins) == 0 {
		return errors.New("auth: set auth.secret or auth.admins, or nobody can use the admin APIs")
	}
	for _, a := range c.Auth.Admins {
		if j, err := jid.Parse(a); err != nil || j.Localpart() == "" || j.Resourcepart() != "" {
			return fmt.Errorf("auth.admins: %q is not a bare JID such as \"admin@example.org\"", a)
		}
	}
	if len(c.Auth.Admins) > 0 && c.XMPP.C2SAddress == "" {
		return errors.New("auth.admins: needs xmpp.c2s_address to check the admins' passwords")
	}
	if c.XMPP.AccountCacheTTL.Duration < 0 {
		return errors.New("xmpp.account_cache_ttl: must not be negative")
	}
	if c.Auth.BasicCacheTTL.Duration < 0 {
		return errors.New("auth.basic_cache_ttl: must not be negative")
	}
	if err := c.validateSparkWeb(); err != nil {
		return err
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("log.level: %q: want debug, info, warn or error", c.Log.Level)
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		return fmt.Errorf("log.format: %q: want text or json", c.Log.Format)
	}
	for key, v := range map[string]string{"metrics.access": c.Metrics.Access, "status.access": c.Status.Access} {
		switch v {
		case "off", "public", "admin":
		default:
			return fmt.Errorf("%s: %q: want off, public or admin", key, v)
		}
	}
	return nil
}

func checkHostPort(key, v string, needHost bool) error {
	host, port, err := net.SplitHostPort(v)
	if err != nil {
		return fmt.Errorf("%s: %q is not host:port", key, v)
	}
	if needHost && host == "" {
		return fmt.Errorf("%s: %q has no host", key, v)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%s: %q: bad port", key, v)
	}
	return nil
}
