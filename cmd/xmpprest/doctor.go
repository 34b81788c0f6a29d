package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"mellium.im/xmpp/jid"

	"xmpprest/cmd/internal/config"
	"xmpprest/cmd/internal/doctor"
	"xmpprest/component"
	"xmpprest/component/fault"
	"xmpprest/component/muc"
)

const doctorUsage = `doctor [--no-rooms]    which features the XMPP server lets xmpprest use, per host, and what to add for the others`

// privilegeWait is how long doctor waits for the server's XEP-0356
// advertisement, which a server sends just after the handshake, if at all.
const privilegeWait = 3 * time.Second

// errDoctorFound is returned when some feature will not work, so that the
// command exits non-zero after printing its report.
var errDoctorFound = errors.New("doctor: some features will not work (see above)")

// doctorCommand attaches with cfg, waits for the capabilities and prints
// the verdict per host. Unless --no-rooms, it creates and destroys a room
// named xmpprest-doctor-… on each host's chat service to test the
// component's rights there.
func doctorCommand(ctx context.Context, cfg config.Config, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("doctor", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	noRooms := fs.Bool("no-rooms", false, "do not create and destroy a test room on the chat services")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return fmt.Errorf("doctor: bad arguments %q\nusage: xmpprest -config FILE %s", args, doctorUsage)
	}
	attached, err := connect(ctx, cfg)
	if err != nil {
		return err
	}
	defer attached.Close()
	awaitPrivileges(ctx, attached.Link)

	var rooms doctor.RoomCheck
	if !*noRooms {
		client := muc.New(attached.Link, attached.Adhoc)
		rooms = func(h component.HostCapabilities) error { return tryRoom(ctx, client, h.MUCService) }
	}
	rep := doctor.Diagnose(attached.Link.Snapshot(), cfg.XMPP.Address, rooms)
	doctor.Write(out, rep)
	if rep.Broken() > 0 {
		return errDoctorFound
	}
	return nil
}

// awaitPrivileges waits a little for the XEP-0356 advertisement of every
// host; a server that grants nothing sends none.
func awaitPrivileges(ctx context.Context, link *component.Link) {
	ctx, cancel := context.WithTimeout(ctx, privilegeWait)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for len(link.Capabilities().Privileges().Hosts) < len(link.Hosts()) {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// tryRoom creates a room with a random name on service and destroys it.
func tryRoom(ctx context.Context, client *muc.Client, service string) error {
	svcJID, err := jid.Parse(service)
	if err != nil {
		return err
	}
	b := make([]byte, 4)
	rand.Read(b)
	room, err := muc.RoomJID("xmpprest-doctor-"+hex.EncodeToString(b), svcJID)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	keep := func(f *muc.Form) (*muc.Form, error) {
		// Persistent: a temporary room would vanish as the component
		// leaves it, before the destroy that is part of the test.
		persistent := true
		sub, _, err := muc.Apply(f, muc.Info{}, muc.Settings{Persistent: &persistent})
		return sub, err
	}
	if err := client.Create(ctx, room, keep, ""); err != nil {
		return errors.New(fault.Message(err))
	}
	if err := client.Destroy(ctx, room, "xmpprest doctor: test room"); err != nil {
		return fmt.Errorf("created %s but could not destroy it: %s", room, fault.Message(err))
	}
	return nil
}
