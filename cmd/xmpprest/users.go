package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"xmpprest/cmd/internal/config"
	"xmpprest/component/fault"
	"xmpprest/httpapi/ops"
)

const usersUsage = `users list [--host HOST] [--search TEXT]
users add USERNAME [--name NAME] [--email EMAIL] [--password PASSWORD]   (password read from stdin when not given)
users delete USERNAME
users passwd USERNAME [--password PASSWORD]                             (password read from stdin when not given)`

var usersSub = subcommand{command: "users", usage: usersUsage,
	want: map[string]int{"list": 0, "add": 1, "delete": 1, "passwd": 1}}

// stdin is where passwords are read from when no --password is given.
var stdin io.Reader = os.Stdin

// usersCommand administers accounts through the same operations as the
// REST APIs, as the "cli" service administrator.
func usersCommand(ctx context.Context, cfg config.Config, args []string, out io.Writer) error {
	fs, err := usersSub.flags(args)
	if err != nil {
		return err
	}
	host := fs.String("host", "", "virtual host (default: the first of xmpp.hosts)")
	search := fs.String("search", "", "only usernames containing this text")
	name := fs.String("name", "", "the user's display name")
	email := fs.String("email", "", "the user's email address")
	password := fs.String("password", "", "the password (visible to other local users in the process list: prefer stdin)")
	pos, err := usersSub.parse(fs, args)
	if err != nil {
		return err
	}
	if (args[0] == "add" || args[0] == "passwd") && *password == "" {
		if *password, err = readPassword(); err != nil {
			return fmt.Errorf("users %s: %v", args[0], err)
		}
	}

	attached, err := connect(ctx, cfg)
	if err != nil {
		return err
	}
	defer attached.Close()
	svc := attached.Ops
	switch args[0] {
	case "list":
		users, err := svc.ListUsers(ctx, cliActor, ops.UserFilter{Host: *host, Search: *search})
		if err != nil {
			return errors.New("users list: " + fault.Message(err))
		}
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "JID\tNAME\tEMAIL")
		for _, u := range users {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", u.JID, u.Name, u.Email)
		}
		return tw.Flush()
	case "add":
		err = svc.CreateUser(ctx, cliActor, ops.NewUser{Username: qualify(pos[0], *host), Password: *password, Name: *name, Email: *email})
		if err == nil {
			fmt.Fprintf(out, "created %s\n", pos[0])
		}
	case "delete":
		err = svc.DeleteUser(ctx, cliActor, qualify(pos[0], *host))
		if err == nil {
			fmt.Fprintf(out, "deleted %s\n", pos[0])
		}
	case "passwd":
		err = svc.UpdateUser(ctx, cliActor, qualify(pos[0], *host), ops.UserChange{Password: password})
		if err == nil {
			fmt.Fprintf(out, "changed the password of %s\n", pos[0])
		}
	}
	if err != nil {
		return fmt.Errorf("users %s: %s", args[0], fault.Message(err))
	}
	return nil
}

// qualify makes a username a bare JID on host when a host is given.
func qualify(username, host string) string {
	if host == "" || strings.Contains(username, "@") {
		return username
	}
	return username + "@" + host
}

// readPassword reads the first line of stdin.
func readPassword() (string, error) {
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", errors.New("no password given: pass --password or write it on stdin")
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("the password is empty")
	}
	return line, nil
}
