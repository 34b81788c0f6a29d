package config

import (
	"errors"
	"fmt"
	"net/url"
	"time"
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
