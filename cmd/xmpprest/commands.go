package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"time"

	"xmpprest/cmd/internal/config"
	"xmpprest/cmd/internal/daemon"
	"xmpprest/httpapi/ops"
)

// command is one of the binary's subcommands ("xmpprest users list").
type command struct {
	// usage lists its forms, one a line, without "xmpprest -config FILE".
	usage string
	// run carries it out with the loaded configuration and the arguments
	// after its name, writing its results to out.
	run func(ctx context.Context, cfg config.Config, args []string, out io.Writer) error
}

// commands are the subcommands by name.
var commands = map[string]command{
	"users":  {usage: usersUsage, run: usersCommand},
	"rooms":  {usage: roomsUsage, run: roomsCommand},
	"doctor": {usage: doctorUsage, run: doctorCommand},
}

// cliActor is who the command line's changes are made by in the audit log.
var cliActor = ops.ServiceAdmin("cli")

// attachTimeout bounds how long a command waits for the XMPP server.
const attachTimeout = 20 * time.Second

// runCommand runs the subcommand args[0] with the configuration at path.
func runCommand(ctx context.Context, path string, args []string, out io.Writer) error {
	cmd, ok := commands[args[0]]
	if !ok {
		return fmt.Errorf("unknown command %q\n%s", args[0], commandsUsage())
	}
	cfg, err := config.Load(path, os.Environ())
	if err != nil {
		return err
	}
	return cmd.run(ctx, cfg, args[1:], out)
}

// commandsUsage lists every subcommand's forms.
func commandsUsage() string {
	var names []string
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("commands (each after xmpprest -config FILE):")
	for _, n := range names {
		for _, line := range strings.Split(commands[n].usage, "\n") {
			b.WriteString("\n  " + line)
		}
	}
	return b.String()
}

// connect attaches to the XMPP server of cfg for an administration
// command. Log lines of the link go to stderr at warning level and above.
func connect(ctx context.Context, cfg config.Config) (*daemon.Attached, error) {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	actx, cancel := context.WithTimeout(ctx, attachTimeout)
	defer cancel()
	return daemon.Connect(actx, cfg, log)
}
