package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"xmpprest/cmd/internal/config"
	"xmpprest/component/fault"
	"xmpprest/httpapi/ops"
)

const roomsUsage = `rooms list [--service conference]
rooms create NAME [--service conference] [--title TITLE] [--description TEXT] [--public] [--members-only] [--owner JID]...
rooms delete NAME [--service conference]`

var roomsSub = subcommand{command: "rooms", usage: roomsUsage,
	want: map[string]int{"list": 0, "create": 1, "delete": 1}}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return fmt.Sprint(*l) }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// roomsCommand administers chat rooms through the same operations as the
// REST APIs, as the "cli" service administrator.
func roomsCommand(ctx context.Context, cfg config.Config, args []string, out io.Writer) error {
	fs, err := roomsSub.flags(args)
	if err != nil {
		return err
	}
	service := fs.String("service", ops.DefaultChatService, "chat service name (its subdomain) or JID")
	title := fs.String("title", "", "the room's natural name")
	description := fs.String("description", "", "the room's description")
	public := fs.Bool("public", false, "list the room in the service's directory")
	membersOnly := fs.Bool("members-only", false, "only members may enter")
	var owners stringList
	fs.Var(&owners, "owner", "an owner's bare JID (repeatable)")
	pos, err := roomsSub.parse(fs, args)
	if err != nil {
		return err
	}

	attached, err := connect(ctx, cfg)
	if err != nil {
		return err
	}
	defer attached.Close()
	svc := attached.Ops
	switch args[0] {
	case "list":
		rooms, complete, err := svc.ChatRooms(ctx, cliActor, *service, true, "", false)
		if err != nil {
			return errors.New("rooms list: " + fault.Message(err))
		}
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "JID\tTITLE\tDESCRIPTION")
		for _, r := range rooms {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", r.JID, r.NaturalName, r.Description)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		if !complete {
			fmt.Fprintln(out, "(the service did not list every room)")
		}
		return nil
	case "create":
		spec := ops.RoomChange{Name: pos[0], Owners: ops.ListChangeOf(owners, len(owners) > 0)}
		spec.Settings.Persistent = ptr(true)
		spec.Settings.PublicRoom = public
		spec.Settings.MembersOnly = membersOnly
		if *title != "" {
			spec.Settings.NaturalName = title
		}
		if *description != "" {
			spec.Settings.Description = description
		}
		skipped, err := svc.CreateChatRoom(ctx, cliActor, *service, spec, false)
		if err != nil {
			return errors.New("rooms create: " + fault.Message(err))
		}
		fmt.Fprintf(out, "created %s\n", pos[0])
		for _, s := range skipped {
			fmt.Fprintf(out, "  not applied: %s\n", s)
		}
	case "delete":
		if err := svc.DeleteChatRoom(ctx, cliActor, *service, pos[0]); err != nil {
			return errors.New("rooms delete: " + fault.Message(err))
		}
		fmt.Fprintf(out, "deleted %s\n", pos[0])
	}
	return nil
}

func ptr[T any](v T) *T { return &v }
