package userops

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"
	"xmpprest/component/metrics"

	webpush "github.com/SherClockHolmes/webpush-go"
	"mellium.im/xmpp/jid"

	"xmpprest/component/fault"
	"xmpprest/component/usersession"
	"xmpprest/store"
)

// Web Push (RFC 8030, VAPID RFC 8292, payloads encrypted per RFC 8291)
// through github.com/SherClockHolmes/webpush-go. The VAPID key pair is
// made once and kept in the store with the private key sealed. Browsers'
// subscriptions are kept per user and resource. A push service answering
// 404 or 410 has dropped the subscription, which is deleted; other
// failures are retried with exponential backoff, each logged, and the
// last one logged as a loss.

// PushConfig configures Web Push.
type PushConfig struct {
	// Subject is the VAPID contact (a mailto: or https: URL).
	Subject string
	// Allow are the networks push endpoints may be on although they are
	// internal (see AddressAllowed).
	Allow []netip.Prefix
	// Attempts is how many times a push is tried; RetryBase the first
	// wait between tries (doubled each time).
	Attempts  int
	RetryBase time.Duration
	// TTL is how long push services keep an undelivered notification.
	TTL time.Duration
}

// Pusher sends Web Push notifications.
type Pusher struct {
	cfg     PushConfig
	store   *store.Store
	sealer  *Sealer
	client  *http.Client
	log     *slog.Logger
	public  string
	private string

	wg sync.WaitGroup
	// stop ends the retries when the service shuts down.
	stop     chan struct{}
	stopOnce sync.Once
}

// NewPusher loads the VAPID key pair, making it at first start.
func NewPusher(ctx context.Context, cfg PushConfig, st *store.Store, sealer *Sealer, log *slog.Logger) (*Pusher, error) {
	if sealer == nil {
		return nil, errors.New("web push needs sparkweb.key_file (the VAPID private key is kept sealed)")
	}
	if cfg.Attempts <= 0 {
		cfg.Attempts = 5
	}
	if cfg.RetryBase <= 0 {
		cfg.RetryBase = time.Second
	}
	if cfg.TTL <= 0 {
		cfg.TTL = 24 * time.Hour
	}
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	p := &Pusher{cfg: cfg, store: st, sealer: sealer, log: log, stop: make(chan struct{}),
		client: &http.Client{Transport: GuardedTransport(cfg.Allow, 10*time.Second), Timeout: 15 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	k, err := st.VAPIDKey(ctx)
	if errors.Is(err, store.ErrNotFound) {
		priv, pub, gerr := webpush.GenerateVAPIDKeys()
		if gerr != nil {
			return nil, gerr
		}
		k, err = st.PutVAPIDKeyOnce(ctx, store.VAPIDKey{PublicKey: pub, PrivateKeySealed: sealer.Seal(vapidOwner, []byte(priv))})
	}
	if err != nil {
		return nil, fmt.Errorf("web push key: %w", err)
	}
	priv, err := sealer.Open(vapidOwner, k.PrivateKeySealed)
	if err != nil {
		return nil, fmt.Errorf("web push key: %w", err)
	}
	p.public, p.private = k.PublicKey, string(priv)
	return p, nil
}

// vapidOwner binds the sealed VAPID key to its use.
const vapidOwner = "webpush-vapid"

// Close stops the retries in progress and waits for the pushes under way.
func (p *Pusher) Close() {
	p.stopOnce.Do(func() { close(p.stop) })
	p.wg.Wait()
}

// PublicKey is the VAPID public key browsers subscribe with.
func (p *Pusher) PublicKey() string { return p.public }

// pushResult is the outcome of one try.
type pushResult int

const (
	pushed pushResult = iota
	pushGone
	pushRetry
	pushRefused // the service refused this notification: retrying cannot help
)

// send pushes message to one subscription, retrying in the background; it
// returns at once.
func (p *Pusher) send(sub store.PushSubscription, message []byte) {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		wait := p.cfg.RetryBase
		for attempt := 1; ; attempt++ {
			res, err := p.try(sub, message)
			switch res {
			case pushed:
				metrics.PushDeliveries.WithLabelValues("ok").Inc()
				return
			case pushRefused:
				metrics.PushDeliveries.WithLabelValues("failed").Inc()
				p.log.Error("web push notification refused by the push service", "user", sub.JID, "resource", sub.Resource, "err", err)
				return
			case pushGone:
				metrics.PushDeliveries.WithLabelValues("gone").Inc()
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				if derr := p.store.DeletePushSubscription(ctx, sub.JID, sub.Resource, sub.Endpoint); derr != nil {
					p.log.Warn("could not delete a push subscription its service dropped", "user", sub.JID, "resource", sub.Resource, "err", derr)
				} else {
					p.log.Info("push subscription dropped by its service: deleted", "user", sub.JID, "resource", sub.Resource, "err", err)
				}
				cancel()
				return
			}
			if attempt >= p.cfg.Attempts {
				metrics.PushDeliveries.WithLabelValues("failed").Inc()
				p.log.Error("web push notification lost after retries", "user", sub.JID, "resource", sub.Resource, "attempts", attempt, "err", err)
				return
			}
			p.log.Warn("web push failed; retrying", "user", sub.JID, "resource", sub.Resource, "attempt", attempt, "in", wait, "err", err)
			select {
			case <-time.After(wait):
			case <-p.stop:
				metrics.PushDeliveries.WithLabelValues("failed").Inc()
				p.log.Error("web push notification lost at shutdown", "user", sub.JID, "resource", sub.Resource)
				return
			}
			wait *= 2
		}
	}()
}

// try makes one delivery attempt.
func (p *Pusher) try(sub store.PushSubscription, message []byte) (pushResult, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	// The library appends to the message's buffer: each try gets a copy.
	resp, err := webpush.SendNotificationWithContext(ctx, bytes.Clone(message), &webpush.Subscription{
		Endpoint: sub.Endpoint, Keys: webpush.Keys{Auth: sub.Auth, P256dh: sub.P256dh},
	}, &webpush.Options{
		HTTPClient: p.client, TTL: int(p.cfg.TTL.Seconds()),
		VAPIDPublicKey: p.public, VAPIDPrivateKey: p.private, Urgency: webpush.UrgencyHigh,
		// The library adds "mailto:" to a subject that is not an https URL.
		Subscriber: strings.TrimPrefix(p.cfg.Subject, "mailto:"),
	})
	if err != nil {
		if errors.Is(err, ErrAddressRefused) {
			return pushGone, err // an endpoint that may never be reached
		}
		return pushRetry, err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return pushed, nil
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		return pushGone, fmt.Errorf("the push service answered %d", resp.StatusCode)
	case resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusRequestEntityTooLarge ||
		resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return pushRefused, fmt.Errorf("the push service refused the notification: %d", resp.StatusCode)
	}
	return pushRetry, fmt.Errorf("the push service answered %d", resp.StatusCode)
}

// pushTo pushes message to every subscription of user; it returns how
// many there are.
func (p *Pusher) pushTo(ctx context.Context, user string, message []byte) (int, error) {
	subs, err := p.store.PushSubscriptions(ctx, user)
	if err != nil {
		return 0, fault.Wrap(fault.Unavailable, err, "read the push subscriptions")
	}
	for _, sub := range subs {
		p.send(sub, message)
	}
	return len(subs), nil
}

// PushSubscriptionInput is a browser's PushSubscription (its JSON).
type PushSubscriptionInput struct {
	Endpoint string `json:"endpoint"`
	Keys     struct {
		P256dh string `json:"p256dh"`
		Auth   string `json:"auth"`
	} `json:"keys"`
}

// maxPushPayload is the most a notification may carry (push services
// accept 4 KiB of ciphertext).
const maxPushPayload = 3 << 10

func (s *Service) pusher() (*Pusher, error) {
	if s.Push == nil {
		return nil, fault.New(fault.NotSupported, "web push is off on this service (it needs sparkweb.key_file)")
	}
	return s.Push, nil
}

// VAPIDPublicKey returns the key browsers subscribe with.
func (s *Service) VAPIDPublicKey(ctx context.Context, c Caller) (string, error) {
	if _, err := c.self(); err != nil {
		return "", err
	}
	p, err := s.pusher()
	if err != nil {
		return "", err
	}
	return p.PublicKey(), nil
}

func decodeKey(v string, size int, what string) error {
	v = strings.TrimRight(v, "=")
	b, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil {
		b, err = base64.RawStdEncoding.DecodeString(v)
	}
	if err != nil || len(b) != size {
		return fault.New(fault.BadRequest, "keys.%s must be %d bytes in base64url", what, size)
	}
	if what == "p256dh" {
		if _, err := ecdh.P256().NewPublicKey(b); err != nil {
			return fault.New(fault.BadRequest, "keys.p256dh is not a P-256 public key")
		}
	}
	return nil
}

// SubscribePush stores the push subscription of the caller's resource (a
// browser), replacing an earlier one.
func (s *Service) SubscribePush(ctx context.Context, c Caller, resource string, in PushSubscriptionInput) error {
	if _, err := c.self(); err != nil {
		return err
	}
	if _, err := s.pusher(); err != nil {
		return err
	}
	resource = strings.TrimSpace(resource)
	if resource == "" || len(resource) > 255 {
		return fault.New(fault.BadRequest, "a resource (the browser's name) of at most 255 bytes is required")
	}
	u, err := url.Parse(in.Endpoint)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || len(in.Endpoint) > 2048 {
		return fault.New(fault.BadRequest, "endpoint must be the push service's http(s) URL")
	}
	if err := decodeKey(in.Keys.P256dh, 65, "p256dh"); err != nil {
		return err
	}
	if err := decodeKey(in.Keys.Auth, 16, "auth"); err != nil {
		return err
	}
	err = s.Store.PutPushSubscription(ctx, store.PushSubscription{JID: c.Actor.User.String(), Resource: resource,
		Endpoint: in.Endpoint, P256dh: in.Keys.P256dh, Auth: in.Keys.Auth})
	if err != nil {
		return fault.Wrap(fault.Unavailable, err, "store the push subscription")
	}
	return nil
}

// PushSubscribers lists the users of the caller's host who have push
// subscriptions.
func (s *Service) PushSubscribers(ctx context.Context, c Caller) ([]string, error) {
	if _, err := c.self(); err != nil {
		return nil, err
	}
	users, err := s.Store.PushSubscribers(ctx, c.Actor.User.Domainpart())
	if err != nil {
		return nil, fault.Wrap(fault.Unavailable, err, "read the push subscribers")
	}
	return users, nil
}

// Notification is what a push carries (SparkWeb's NotificationEntity).
type Notification struct {
	Subject            string               `json:"subject"`
	Body               string               `json:"body"`
	Icon               string               `json:"icon,omitempty"`
	Data               string               `json:"data,omitempty"`
	Token              string               `json:"token,omitempty"`
	RequireInteraction bool                 `json:"requireInteraction,omitempty"`
	Persistent         bool                 `json:"persistent,omitempty"`
	Sticky             bool                 `json:"sticky,omitempty"`
	Actions            []NotificationAction `json:"actions,omitempty"`
	From               string               `json:"from,omitempty"`
}

// NotificationAction is a button of a notification, or (to HandleAction)
// the one a user chose.
type NotificationAction struct {
	Action      string `json:"action"`
	Title       string `json:"title,omitempty"`
	Type        string `json:"type,omitempty"`
	Placeholder string `json:"placeholder,omitempty"`
	Icon        string `json:"icon,omitempty"`
	Data        string `json:"data,omitempty"`
	Value       string `json:"value,omitempty"`
}

// Notify pushes a notification to every subscription of a user of the
// caller's host. It returns once the pushes are under way.
func (s *Service) Notify(ctx context.Context, c Caller, target string, n Notification) error {
	if _, err := c.self(); err != nil {
		return err
	}
	p, err := s.pusher()
	if err != nil {
		return err
	}
	to, err := c.address(target)
	if err != nil {
		return err
	}
	if to.Domainpart() != c.Actor.User.Domainpart() {
		return fault.New(fault.Denied, "notifications go to users of %s only", c.Actor.User.Domainpart())
	}
	n.From = c.Actor.User.String()
	msg, err := json.Marshal(n)
	if err != nil {
		return fault.Wrap(fault.Internal, err, "encode the notification")
	}
	if len(msg) > maxPushPayload {
		return fault.New(fault.TooLarge, "the notification has %d bytes encoded; the limit is %d", len(msg), maxPushPayload)
	}
	n2, err := p.pushTo(ctx, to.Bare().String(), msg)
	if err != nil {
		return err
	}
	if n2 == 0 {
		return fault.New(fault.NotFound, "%s has no push subscription", to.Bare()).About(to.Bare().String())
	}
	return nil
}

// PushText pushes a text message from the caller to every subscription of
// a user.
func (s *Service) PushText(ctx context.Context, c Caller, target, text string) error {
	if strings.TrimSpace(text) == "" {
		return fault.New(fault.BadRequest, "the message is empty: send its text as the request body")
	}
	return s.Notify(ctx, c, target, Notification{Subject: c.Actor.User.String(), Body: text})
}

// HandleAction carries out what a user chose on a notification: "reply"
// sends Value as a chat message to Data (the address the notification came
// from).
func (s *Service) HandleAction(ctx context.Context, c Caller, a NotificationAction) error {
	switch a.Action {
	case "reply":
		_, err := s.SendMessage(ctx, c, a.Data, a.Value)
		return err
	case "dismiss", "close", "":
		return nil
	}
	return fault.New(fault.BadRequest, "unknown notification action %q: reply or dismiss", a.Action)
}

// PushUnseenChat pushes a chat message the user received while no event
// stream of theirs was open.
func (s *Service) PushUnseenChat(sess *usersession.Session, ev usersession.ChatEvent) {
	if s.Push == nil {
		return
	}
	from := ev.From
	if j, err := jid.Parse(ev.From); err == nil {
		from = j.Bare().String()
	}
	body := ev.Body
	if len(body) > 1024 {
		body = body[:1024] + "…"
	}
	msg, _ := json.Marshal(Notification{Subject: from, Body: body, Data: from, From: from,
		Actions: []NotificationAction{{Action: "reply", Title: "Reply", Type: "text", Placeholder: "Message", Data: from}}})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := s.Push.pushTo(ctx, sess.User().String(), msg); err != nil {
		s.Push.log.Warn("could not push an unseen message", "user", sess.User().String(), "err", err)
	}
}
