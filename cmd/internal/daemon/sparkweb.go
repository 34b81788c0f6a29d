package daemon

import (
	"context"
	"fmt"
	"time"

	"github.com/gorilla/mux"

	"xmpprest/component/usersession"
	"xmpprest/httpapi"
	"xmpprest/httpapi/sparkweb"
	"xmpprest/httpapi/userops"
)

// startSparkWeb mounts the SparkWeb user API when it is enabled, with the
// manager of users' live sessions (closed at shutdown, which also ends the
// event streams).
func (d *Daemon) startSparkWeb(r *mux.Router) error {
	sw := d.cfg.SparkWeb
	if !sw.Enabled {
		return nil
	}
	var sealer *userops.Sealer
	if sw.KeyFile != "" {
		var err error
		if sealer, err = userops.OpenKeyFile(sw.KeyFile); err != nil {
			return fmt.Errorf("sparkweb.key_file: %w", err)
		}
	}
	d.Sessions = usersession.NewManager(usersession.Config{
		C2S:          C2SOptions(d.cfg),
		Resource:     "sparkweb",
		IdleTimeout:  sw.SessionIdle.Duration,
		Replay:       int(sw.ReplayEvents),
		ReconnectMax: d.cfg.XMPP.ReconnectMax.Duration,
		Timeout:      d.cfg.XMPP.Timeout.Duration,
		Log:          d.log,
	})
	var previews *userops.Previewer
	if sw.Previews {
		allow, err := sw.PreviewNetworks()
		if err != nil {
			return err
		}
		previews = userops.NewPreviewer(allow, sw.PreviewTimeout.Duration)
	}
	var push *userops.Pusher
	if sw.WebPush && sealer != nil {
		allow, _ := sw.PreviewNetworks()
		subject := sw.WebPushSubject
		if subject == "" {
			subject = "xmpprest@" + d.cfg.XMPP.Hosts[0]
		}
		var err error
		push, err = userops.NewPusher(context.Background(), userops.PushConfig{
			Subject: subject, Allow: allow, Attempts: int(sw.WebPushAttempts), RetryBase: sw.WebPushRetry.Duration,
		}, d.Store, sealer, d.log)
		if err != nil {
			return fmt.Errorf("sparkweb.webpush: %w", err)
		}
		d.push = push
	}
	svc := &userops.Service{
		Push:     push,
		Previews: previews,
		Ops:      d.Ops, Sessions: d.Sessions, Store: d.Store, Sealer: sealer,
		Cfg: userops.Config{
			TokenIdle:         sw.TokenIdle.Duration,
			TokenMaxAge:       sw.TokenMaxAge.Duration,
			AllowRegistration: sw.AllowRegistration,
			MaxMessageBytes:   int(sw.MaxMessageBytes),
			TOTPIssuer:        sw.TOTPIssuer,
			RPID:              sw.WebAuthnRPID,
			RPDisplayName:     sw.WebAuthnRPName,
			RPOrigins:         sw.WebAuthnOrigins,
			ChallengeTTL:      sw.ChallengeTTL.Duration,
			BookmarkAdmins:    sw.BookmarkAdmins,
			Meetings:          sw.Meetings,
		},
	}
	d.Sessions.OnStart(svc.PublishBookmarks)
	d.Sessions.OnUnseenChat(svc.PushUnseenChat)
	dialect := sparkweb.Dialect(svc, sparkweb.Options{Heartbeat: sw.Heartbeat.Duration})
	dialect.Credentials = httpapi.CredentialsUserToken
	dialect.Mount(r)
	d.sweepStop = make(chan struct{})
	go d.sweepTokens(sw.TokenIdle.Duration)
	return nil
}

// tokenSweepEvery is how often expired user tokens are deleted (a token
// is refused once expired in any case).
const tokenSweepEvery = 10 * time.Minute

func (d *Daemon) sweepTokens(idle time.Duration) {
	tick := time.NewTicker(tokenSweepEvery)
	defer tick.Stop()
	for {
		select {
		case <-d.sweepStop:
			return
		case <-tick.C:
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			if err := d.Store.DeleteExpiredUserTokens(ctx, idle); err != nil {
				d.log.Warn("could not delete expired user tokens", "err", err)
			}
			cancel()
		}
	}
}

// stopSparkWeb ends the users' sessions (and with them the event streams).
func (d *Daemon) stopSparkWeb() {
	if d.Sessions == nil {
		return
	}
	d.sparkWebOnce.Do(func() { close(d.sweepStop) })
	d.Sessions.Close()
	if d.push != nil {
		d.push.Close()
	}
}
