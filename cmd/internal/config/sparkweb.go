package config

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"mellium.im/xmpp/jid"
)

// SparkWeb configures the SparkWeb user API: users sign in and act on
// their own live XMPP session.
type SparkWeb struct {
	// Enabled serves /sparkweb/api; it needs xmpp.c2s_address.
	Enabled bool `toml:"enabled" env:"XMPPREST_SPARKWEB_ENABLED"`
	// AllowRegistration lets anyone create an account.
	AllowRegistration bool `toml:"allow_registration" env:"XMPPREST_SPARKWEB_ALLOW_REGISTRATION"`
	// TokenIdle ends a token unused for this long; TokenMaxAge regardless.
	TokenIdle   Duration `toml:"token_idle" env:"XMPPREST_SPARKWEB_TOKEN_IDLE"`
	TokenMaxAge Duration `toml:"token_max_age" env:"XMPPREST_SPARKWEB_TOKEN_MAX_AGE"`
	// SessionIdle ends a user's XMPP session unused for this long while no
	// event stream is open.
	SessionIdle Duration `toml:"session_idle" env:"XMPPREST_SPARKWEB_SESSION_IDLE"`
	// ReplayEvents is how many events per user are kept for streams that
	// reconnect with Last-Event-ID.
	ReplayEvents int64 `toml:"replay_events" env:"XMPPREST_SPARKWEB_REPLAY_EVENTS"`
	// Heartbeat is the period of the event stream's keep-alive comment.
	Heartbeat Duration `toml:"heartbeat" env:"XMPPREST_SPARKWEB_HEARTBEAT"`
	// MaxMessageBytes caps a chat message's text.
	MaxMessageBytes int64 `toml:"max_message_bytes" env:"XMPPREST_SPARKWEB_MAX_MESSAGE_BYTES"`
	// KeyFile holds the key sealing TOTP secrets and the XMPP passwords
	// kept for TOTP and WebAuthn sign-in; created (0600) when missing.
	// Empty turns TOTP and WebAuthn off.
	KeyFile string `toml:"key_file" env:"XMPPREST_SPARKWEB_KEY_FILE"`
	// TOTPIssuer names the service in authenticator apps.
	TOTPIssuer string `toml:"totp_issuer" env:"XMPPREST_SPARKWEB_TOTP_ISSUER"`
	// WebAuthnRPID is the relying party ID (the web client's domain);
	// empty turns WebAuthn off.
	WebAuthnRPID string `toml:"webauthn_rp_id" env:"XMPPREST_SPARKWEB_WEBAUTHN_RP_ID"`
	// WebAuthnRPName is shown by authenticators.
	WebAuthnRPName string `toml:"webauthn_rp_name" env:"XMPPREST_SPARKWEB_WEBAUTHN_RP_NAME"`
	// WebAuthnOrigins are the web origins allowed to sign in.
	WebAuthnOrigins []string `toml:"webauthn_origins" env:"XMPPREST_SPARKWEB_WEBAUTHN_ORIGINS"`
	// ChallengeTTL bounds a WebAuthn ceremony.
	ChallengeTTL Duration `toml:"challenge_ttl" env:"XMPPREST_SPARKWEB_CHALLENGE_TTL"`
	// BookmarkAdmins are the users (bare JIDs) who may share bookmarks
	// with everyone, groups or other users.
	BookmarkAdmins []string `toml:"bookmark_admins" env:"XMPPREST_SPARKWEB_BOOKMARK_ADMINS"`
	// Previews turns link previews on.
	Previews bool `toml:"previews" env:"XMPPREST_SPARKWEB_PREVIEWS"`
	// PreviewAllow are networks (CIDR) link previews may reach although
	// they are loopback, private or otherwise internal.
	PreviewAllow []string `toml:"preview_allow" env:"XMPPREST_SPARKWEB_PREVIEW_ALLOW"`
	// PreviewTimeout bounds one preview fetch.
	PreviewTimeout Duration `toml:"preview_timeout" env:"XMPPREST_SPARKWEB_PREVIEW_TIMEOUT"`
	// WebPush turns Web Push on (it needs KeyFile).
	WebPush bool `toml:"webpush" env:"XMPPREST_SPARKWEB_WEBPUSH"`
	// WebPushSubject is the VAPID contact: an e-mail address or https URL.
	WebPushSubject string `toml:"webpush_subject" env:"XMPPREST_SPARKWEB_WEBPUSH_SUBJECT"`
	// WebPushAttempts and WebPushRetry: how many times a push is tried,
	// and the first wait between tries (doubled each time).
	WebPushAttempts int64    `toml:"webpush_attempts" env:"XMPPREST_SPARKWEB_WEBPUSH_ATTEMPTS"`
	WebPushRetry    Duration `toml:"webpush_retry" env:"XMPPREST_SPARKWEB_WEBPUSH_RETRY"`
	// Meetings are the URL templates of online meeting services by name,
	// with {id} and {user} placeholders.
	Meetings map[string]string `toml:"meetings"`
}

func defaultSparkWeb() SparkWeb {
	return SparkWeb{
		TokenIdle:       Duration{30 * time.Minute},
		TokenMaxAge:     Duration{24 * time.Hour},
		SessionIdle:     Duration{30 * time.Minute},
		ReplayEvents:    500,
		Heartbeat:       Duration{15 * time.Second},
		MaxMessageBytes: 64 << 10,
		KeyFile:         "sparkweb.key",
		TOTPIssuer:      "xmpprest",
		ChallengeTTL:    Duration{5 * time.Minute},
		Previews:        true,
		WebPush:         true,
		WebPushAttempts: 5,
		WebPushRetry:    Duration{time.Second},
		PreviewTimeout:  Duration{5 * time.Second},
	}
}

func (c Config) validateSparkWeb() error {
	s := c.SparkWeb
	if !s.Enabled {
		return nil
	}
	if c.XMPP.C2SAddress == "" {
		return errors.New("sparkweb.enabled: needs xmpp.c2s_address for the users' own sessions")
	}
	for key, d := range map[string]Duration{
		"sparkweb.token_idle": s.TokenIdle, "sparkweb.token_max_age": s.TokenMaxAge,
		"sparkweb.session_idle": s.SessionIdle, "sparkweb.heartbeat": s.Heartbeat,
		"sparkweb.challenge_ttl": s.ChallengeTTL,
	} {
		if d.Duration <= 0 {
			return fmt.Errorf("%s: must be positive", key)
		}
	}
	if s.ReplayEvents < 1 || s.ReplayEvents > 100000 {
		return errors.New("sparkweb.replay_events: must be between 1 and 100000")
	}
	if s.MaxMessageBytes < 1 {
		return errors.New("sparkweb.max_message_bytes: must be positive")
	}
	for _, a := range s.BookmarkAdmins {
		if j, err := jid.Parse(a); err != nil || j.Localpart() == "" || j.Resourcepart() != "" || j.String() != a {
			return fmt.Errorf("sparkweb.bookmark_admins: %q is not a bare JID such as \"admin@example.org\"", a)
		}
	}
	if _, err := s.PreviewNetworks(); err != nil {
		return err
	}
	if s.PreviewTimeout.Duration <= 0 || s.PreviewTimeout.Duration > time.Minute {
		return errors.New("sparkweb.preview_timeout: must be positive and at most a minute")
	}
	if s.WebPush {
		if s.WebPushAttempts < 1 || s.WebPushAttempts > 20 {
			return errors.New("sparkweb.webpush_attempts: must be between 1 and 20")
		}
		if s.WebPushRetry.Duration <= 0 {
			return errors.New("sparkweb.webpush_retry: must be positive")
		}
	}
	for name, tmpl := range s.Meetings {
		u, err := url.Parse(strings.ReplaceAll(strings.ReplaceAll(tmpl, "{id}", "x"), "{user}", "x"))
		if name == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || !strings.Contains(tmpl, "{id}") {
			return fmt.Errorf("sparkweb.meetings.%s: %q is not a URL template such as \"https://meet.example.org/{id}\"", name, tmpl)
		}
	}
	if s.WebAuthnRPID != "" {
		if s.KeyFile == "" {
			return errors.New("sparkweb.webauthn_rp_id: WebAuthn needs sparkweb.key_file (the sealed credential)")
		}
		if len(s.WebAuthnOrigins) == 0 {
			return errors.New("sparkweb.webauthn_origins: required with webauthn_rp_id, e.g. [\"https://chat.example.org\"]")
		}
		for _, o := range s.WebAuthnOrigins {
			u, err := url.Parse(o)
			if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") {
				return fmt.Errorf("sparkweb.webauthn_origins: %q is not an origin such as \"https://chat.example.org\"", o)
			}
		}
	}
	return nil
}

// PreviewNetworks parses PreviewAllow.
func (s SparkWeb) PreviewNetworks() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, n := range s.PreviewAllow {
		p, err := netip.ParsePrefix(strings.TrimSpace(n))
		if err != nil {
			return nil, fmt.Errorf("sparkweb.preview_allow: %q is not a network such as \"10.1.2.0/24\"", n)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}
