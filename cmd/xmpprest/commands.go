package main

import (
	"context"
	"errors"
	"flag"
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
	"token": {usage: "token create --scope admin|chatwith [--name NAME] [--host HOST] [--expires 30d]\ntoken list\ntoken revoke ID",
		run: tokenCommand},
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

// subcommand is how a command with subcommands ("users add ...") reads its
// arguments: the subcommand names and how many positional arguments each
// takes, the flags, and the usage shown with any mistake.
type subcommand struct {
	command string
	usage   string
	want    map[string]int
}

// flags returns the flag set of the subcommand args[0], or an error when
// there is none.
func (c subcommand) flags(args []string) (*flag.FlagSet, error) {
	if len(args) == 0 {
		return nil, errors.New(c.command + ": missing subcommand\nusage:\n" + indent(c.usage))
	}
	if _, ok := c.want[args[0]]; !ok {
		return nil, fmt.Errorf("%s: unknown subcommand %q\nusage:\n%s", c.command, args[0], indent(c.usage))
	}
	fs := flag.NewFlagSet(c.command+" "+args[0], flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs, nil
}

// parse parses the arguments after the subcommand with fs (flags anywhere)
// and returns the positional ones, checking their number.
func (c subcommand) parse(fs *flag.FlagSet, args []string) ([]string, error) {
	pos, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return nil, fmt.Errorf("%s %s: %v\nusage:\n%s", c.command, args[0], err, indent(c.usage))
	}
	if n := c.want[args[0]]; len(pos) != n {
		return nil, fmt.Errorf("%s %s: want %d argument(s), got %d\nusage:\n%s", c.command, args[0], n, len(pos), indent(c.usage))
	}
	return pos, nil
}

// parseInterspersed parses flags given before, between and after the
// positional arguments, and returns the positional ones.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func indent(s string) string { return "  " + strings.ReplaceAll(s, "\n", "\n  ") }
