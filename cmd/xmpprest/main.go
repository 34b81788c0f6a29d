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
//	xmpprest -config component.toml doctor
//	xmpprest -config component.toml users list|add|delete|passwd ...
//	xmpprest -config component.toml rooms list|create|delete ...
//	xmpprest -config component.toml token create --scope admin [--name NAME] [--host HOST] [--expires 30d]
//	xmpprest -config component.toml token list
//	xmpprest -config component.toml token revoke ID
//
// The commands administer through the same operations as the REST APIs;
// "xmpprest help" lists their arguments.
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
	daemon.Version = version
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var err error
	switch {
	case flag.Arg(0) == "help":
		fmt.Println(commandsUsage())
		return
	case flag.NArg() > 0:
		err = runCommand(ctx, *configPath, flag.Args(), os.Stdout)
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

func newLogger(cfg config.Config) *slog.Logger {
	return daemon.NewLogger(cfg, os.Stderr)
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
