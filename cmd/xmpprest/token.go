package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"xmpprest/cmd/internal/config"
	"xmpprest/cmd/internal/daemon"
	"xmpprest/component/fault"
	"xmpprest/httpapi/ops"
)

const tokenUsage = `usage:
  xmpprest -config FILE token create --scope admin|chatwith [--name NAME] [--host HOST] [--expires 30d]
  xmpprest -config FILE token list
  xmpprest -config FILE token revoke ID`

// tokenCommand runs "token create|list|revoke" against the store of cfg.
// create prints the secret alone on the last line of out.
func tokenCommand(ctx context.Context, cfg config.Config, args []string, out io.Writer) error {
	if len(args) == 0 {
		return errors.New("token: missing subcommand\n" + tokenUsage)
	}
	svc, closeStore, err := daemon.Offline(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	defer closeStore()
	cli := ops.ServiceAdmin("command line")
	switch args[0] {
	case "create":
		return tokenCreate(ctx, svc, cli, args[1:], out)
	case "list":
		if len(args) > 1 {
			return fmt.Errorf("token list: unexpected argument %q\n%s", args[1], tokenUsage)
		}
		return tokenList(ctx, svc, cli, out)
	case "revoke":
		if len(args) != 2 {
			return errors.New("token revoke: want one token ID (see xmpprest token list)\n" + tokenUsage)
		}
		id, err := strconv.ParseInt(args[1], 10, 64)
		if err != nil || id <= 0 {
			return fmt.Errorf("token revoke: %q is not a token ID (see xmpprest token list)", args[1])
		}
		if err := svc.RevokeToken(ctx, cli, id); err != nil {
			return errors.New("token revoke: " + fault.Message(err))
		}
		fmt.Fprintf(out, "revoked token %d\n", id)
		return nil
	}
	return fmt.Errorf("token: unknown subcommand %q\n%s", args[0], tokenUsage)
}

func tokenCreate(ctx context.Context, svc *ops.Service, cli ops.Actor, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("token create", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	scope := fs.String("scope", "", "admin (Prosody's admin API) or chatwith (the multi-domain user API)")
	name := fs.String("name", "", "a name for the token (the Basic-auth user name of the chatwith API); default: the scope")
	host := fs.String("host", "", "limit the token to this virtual host")
	expires := fs.String("expires", "", "lifetime, e.g. 30d, 12h or 90m; default: until revoked")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("token create: %v\n%s", err, tokenUsage)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("token create: unexpected argument %q\n%s", fs.Arg(0), tokenUsage)
	}
	if *scope == "" {
		return errors.New("token create: --scope is required (admin or chatwith)\n" + tokenUsage)
	}
	var ttl time.Duration
	if *expires != "" {
		var err error
		if ttl, err = parseLifetime(*expires); err != nil {
			return fmt.Errorf("token create: --expires %s", err)
		}
	}
	secret, t, err := svc.CreateToken(ctx, cli, ops.TokenSpec{Name: *name, Scope: *scope, Host: *host, TTL: ttl})
	if err != nil {
		return errors.New("token create: " + fault.Message(err))
	}
	fmt.Fprintf(out, "created token %d (%s, scope %s, %s, %s); its secret is shown only now:\n",
		t.ID, t.Name, t.Scope, hostOf(t.Host), expiryOf(t.ExpiresAt))
	fmt.Fprintln(out, secret)
	return nil
}

func tokenList(ctx context.Context, svc *ops.Service, cli ops.Actor, out io.Writer) error {
	ts, err := svc.Tokens(ctx, cli)
	if err != nil {
		return errors.New("token list: " + fault.Message(err))
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tSCOPE\tHOST\tCREATED\tEXPIRES\tLAST USED")
	for _, t := range ts {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Scope, hostOf(t.Host),
			stamp(t.CreatedAt, ""), stamp(t.ExpiresAt, "never"), stamp(t.LastUsed, "never"))
	}
	return tw.Flush()
}

func hostOf(h string) string {
	if h == "" {
		return "every host"
	}
	return h
}

func expiryOf(t time.Time) string {
	if t.IsZero() {
		return "no expiry"
	}
	return "expires " + stamp(t, "")
}

func stamp(t time.Time, zero string) string {
	if t.IsZero() {
		return zero
	}
	return t.UTC().Format("2006-01-02 15:04Z")
}

// parseLifetime reads a lifetime such as "30d", "12h" or "1h30m".
func parseLifetime(s string) (time.Duration, error) {
	var d time.Duration
	var err error
	if days, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		n, err = strconv.Atoi(days)
		d = time.Duration(n) * 24 * time.Hour
	} else {
		d, err = time.ParseDuration(s)
	}
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q: want a positive lifetime such as 30d, 12h or 90m", s)
	}
	return d, nil
}
