// Command xmpprest attaches to an XMPP server (Prosody, ejabberd, Openfire)
// as an XEP-0114 component and serves the REST APIs of the Openfire REST API
// plugin, SparkWeb, Prosody's mod_http_admin_api and a hosted provider's user
// API on top of it.
//
// Usage:
//
//	xmpprest -config component.toml
//	xmpprest -version
//	xmpprest -local-prosody    # start a Prosody on loopback and attach to it
//	xmpprest -config component.toml token create --scope admin [--name NAME] [--host HOST] [--expires 30d]
//	xmpprest -config component.toml token list
//	xmpprest -config component.toml token revoke ID
//
// Single configuration keys can be overridden by XMPPREST_* environment
// variables (XMPPREST_XMPP_SECRET for [xmpp] secret, and so on).
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"xmpprest/cmd/internal/config"
	"xmpprest/cmd/internal/daemon"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	configPath := flag.String("config", envOr("XMPPREST_CONFIG", "component.toml"), "path of the configuration file")
	showVersion := flag.Bool("version", false, "print the version and exit")
	localProsody := flag.Bool("local-prosody", false, "install (if needed) and start a Prosody on loopback, and attach to it")
	flag.Parse()
	if *showVersion {
		fmt.Println("xmpprest", version)
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var err error
	switch {
	case flag.Arg(0) == "token":
		err = runToken(ctx, *configPath, flag.Args()[1:])
	case flag.NArg() > 0:
		err = fmt.Errorf("unknown command %q (the commands are: token)", flag.Arg(0))
	case *localProsody:
		err = runLocalProsody(ctx, *configPath, os.Stdout)
	default:
		err = run(ctx, *configPath)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "xmpprest:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, path string) error {
	cfg, err := config.Load(path, os.Environ())
	if err != nil {
		return err
	}
	return daemon.Run(ctx, cfg, newLogger(cfg))
}

func runToken(ctx context.Context, path string, args []string) error {
	cfg, err := config.Load(path, os.Environ())
	if err != nil {
		return err
	}
	return tokenCommand(ctx, cfg, args, os.Stdout)
}

func newLogger(cfg config.Config) *slog.Logger {
	var level slog.Level
	level.UnmarshalText([]byte(cfg.Log.Level))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
