package ops

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"mellium.im/xmpp/jid"

	"xmpprest/component/fault"
	"xmpprest/component/muc"
	"xmpprest/store"
)

// Chat rooms are the XMPP server's (XEP-0045); the component administers
// them as an owner or service admin (component/muc). The store keeps what
// the servers do not tell: creation and modification dates, the subject set
// through the API, and the groups affiliated with a room.

// DefaultChatService is the service name the dialects default to.
const DefaultChatService = "conference"

// ErrChatServiceNotFound is the fault of a chat service that does not
// exist (match it with errors.Is; the copies returned name the service).
var ErrChatServiceNotFound = &fault.Error{Kind: fault.NotFound, Message: "Chat service does not exist or is not accessible."}

// ChatService is a multi-user chat service.
type ChatService struct {
	// Name is the subdomain label for a service of the default host
	// ("conference"), the service's JID otherwise.
	Name        string
	JID         jid.JID
	Description string
}

// ChatRoom is a room with its configuration and affiliations.
type ChatRoom struct {
	Name string // the room JID's localpart
	JID  jid.JID
	muc.Config
	// Subject is the subject last set through the API (the servers show the
	// subject only to occupants).
	Subject string
	// Created is zero when the room was not created through the API.
	Created  time.Time
	Modified time.Time
	// Owners, Admins, Members and Outcasts are bare JIDs, sorted. The
	// component's own owner affiliation is left out.
	Owners, Admins, Members, Outcasts []string
	// The groups affiliated with the room, by name.
	OwnerGroups, AdminGroups, MemberGroups, OutcastGroups []string
}

// RoomSpec is the input of CreateChatRoom and UpdateChatRoom.
type RoomSpec struct {
	Name     string
	Settings muc.Settings
	// Subject, when not nil, is set (the component joins the room briefly
	// to do it, so the occupants get it).
	Subject *string
	// Created and Modified override the dates recorded (Openfire lets
	// clients set them).
	Created, Modified *time.Time
	// Owners, Admins, Members and Outcasts are usernames or JIDs. On
	// create nil means none; on update nil means none as well (the room
	// entity is a full replacement), except for the group lists, which nil
	// leaves as they are.
	Owners, Admins, Members, Outcasts                     []string
	OwnerGroups, AdminGroups, MemberGroups, OutcastGroups *[]string
}

// RoomOccupant is an occupant of a room.
type RoomOccupant struct {
	// Address is the occupant's room JID (room@service/nick).
	Address string
	// JID is the occupant's real JID, when the room shows it.
	JID         string
	Role        string
	Affiliation string
}

// RoomMessage is a message of a room's history.
type RoomMessage struct {
	To, From, Type, Body string
	Stamp, DelayFrom     string
}

// maxRoomHistory bounds the messages RoomHistory returns (the newest).
const maxRoomHistory = 1000

// maxRoomText bounds the room name, description, subject and password, in
// characters.
const maxRoomText = 1024

// roomReadConcurrency bounds the rooms read at once by ChatRooms.
const roomReadConcurrency = 4

// muc returns the Service's chat-room client, made on first use (it
// remembers which chat services offer which commands).
func (s *Service) muc() *muc.Client {
	s.mucOnce.Do(func() {
		if s.MUC == nil {
			s.MUC = s.newMUC()
		}
	})
	return s.MUC
}

// lockRoom serializes the changes of one room made by this instance.
func (s *Service) lockRoom(room jid.JID) func() {
	m, _ := s.roomLocks.LoadOrStore(room.String(), &sync.Mutex{})
	mu := m.(*sync.Mutex)
	mu.Lock()
	return mu.Unlock
}

// ChatServices lists the chat services of every host.
func (s *Service) ChatServices(ctx context.Context) ([]ChatService, error) {
	var out []ChatService
	for _, h := range s.Link.Hosts() {
		svcs, err := s.muc().Services(ctx, h)
		if err != nil {
			return nil, err
		}
		for _, sv := range svcs {
			out = append(out, ChatService{Name: s.serviceName(sv.JID), JID: sv.JID, Description: sv.Name})
		}
	}
	return out, nil
}

// serviceName is the label of a service of the default host, else its JID.
func (s *Service) serviceName(j jid.JID) string {
	if label, ok := strings.CutSuffix(j.Domainpart(), "."+s.Link.DefaultHost().Domainpart()); ok && !strings.Contains(label, ".") {
		return label
	}
	return j.String()
}

// chatService resolves a service name: a subdomain label of a configured
// host (the default host first) or a chat service's JID. "" is
// DefaultChatService.
func (s *Service) chatService(ctx context.Context, name string) (jid.JID, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		name = DefaultChatService
	}
	notFound := ErrChatServiceNotFound.About(name)
	if strings.ContainsAny(name, "@/") {
		return jid.JID{}, notFound
	}
	var candidates []jid.JID
	if strings.Contains(name, ".") {
		j, err := jid.New("", name, "")
		if err != nil {
			return jid.JID{}, notFound
		}
		candidates = append(candidates, j)
	} else {
		for _, h := range s.Link.Hosts() {
			if j, err := jid.New("", strings.ToLower(name)+"."+h.Domainpart(), ""); err == nil {
				candidates = append(candidates, j)
			}
		}
	}
	caps := s.Link.Capabilities()
	for _, c := range candidates {
		for _, h := range caps.Hosts() {
			if h.MUCService == c.String() {
				return c, nil
			}
		}
	}
	for _, c := range candidates {
		if _, err := s.muc().Service(ctx, c); err == nil {
			return c, nil
		}
	}
	return jid.JID{}, notFound
}

// room resolves a service and room name and checks that the room exists.
func (s *Service) room(ctx context.Context, service, name string) (jid.JID, muc.Info, error) {
	svc, err := s.chatService(ctx, service)
	if err != nil {
		return jid.JID{}, muc.Info{}, err
	}
	room, err := muc.RoomJID(name, svc)
	if err != nil {
		return jid.JID{}, muc.Info{}, err
	}
	info, err := s.muc().Info(ctx, room)
	if err != nil {
		return jid.JID{}, muc.Info{}, err
	}
	return room, info, nil
}

// ChatRooms lists the rooms of a service with their configuration: all of
// them, or the public ones only; search keeps the rooms whose name
// contains it. With expand, the members of affiliated groups are listed
// among the JIDs. complete is false when the server could list its public
// rooms only.
func (s *Service) ChatRooms(ctx context.Context, service string, all bool, search string, expand bool) (rooms []ChatRoom, complete bool, err error) {
	svc, err := s.chatService(ctx, service)
	if err != nil {
		return nil, false, err
	}
	jids, complete, err := s.muc().Rooms(ctx, svc, all)
	if err != nil {
		return nil, false, err
	}
	jids = slices.DeleteFunc(jids, func(j jid.JID) bool { return !strings.Contains(j.Localpart(), search) })
	out := make([]*ChatRoom, len(jids))
	errs := make([]error, len(jids))
	sem := make(chan struct{}, roomReadConcurrency)
	var wg sync.WaitGroup
	for i, j := range jids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			info, err := s.muc().Info(ctx, j)
			if errors.Is(err, muc.ErrRoomNotFound) {
				return // destroyed meanwhile, or a Prosody tombstone
			}
			if err != nil {
				errs[i] = err
				return
			}
			r, err := s.readRoom(ctx, j, info, expand)
			if errors.Is(err, muc.ErrRoomNotFound) {
				return
			}
			out[i], errs[i] = &r, err
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, false, err
	}
	for _, r := range out {
		if r != nil && (all || r.PublicRoom) {
			rooms = append(rooms, *r)
		}
	}
	return rooms, complete, nil
}

// ChatRoom returns one room; a missing one is muc.ErrRoomNotFound.
func (s *Service) ChatRoom(ctx context.Context, service, name string, expand bool) (ChatRoom, error) {
	room, info, err := s.room(ctx, service, name)
	if err != nil {
		return ChatRoom{}, err
	}
	return s.readRoom(ctx, room, info, expand)
}

// readRoom reads a room's configuration, affiliations and what the store
// remembers.
func (s *Service) readRoom(ctx context.Context, room jid.JID, info muc.Info, expand bool) (ChatRoom, error) {
	r := ChatRoom{Name: room.Localpart(), JID: room}
	form, err := s.muc().Config(ctx, room)
	if err != nil {
		return ChatRoom{}, err
	}
	r.Config = muc.ReadConfig(form, info)
	lists, err := s.affiliationLists(ctx, room)
	if err != nil {
		return ChatRoom{}, err
	}
	rec, err := s.Store.ChatRoom(ctx, room.String())
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return ChatRoom{}, fault.Wrap(fault.Unavailable, err, "read what is recorded about room %s", room)
	default:
		r.Created, r.Modified = rec.Created, rec.Modified
		if rec.Subject != nil {
			r.Subject = *rec.Subject
		}
	}
	groups, err := s.Store.RoomGroups(ctx, room.String())
	if err != nil {
		return ChatRoom{}, fault.Wrap(fault.Unavailable, err, "read the groups of room %s", room)
	}
	byAff := map[muc.Affiliation][]string{}
	for _, g := range groups {
		a := muc.Affiliation(g.Affiliation)
		byAff[a] = append(byAff[a], g.Group)
	}
	// Without expand, a JID that has its affiliation through a group is
	// shown by the group's name only (as Openfire lists group members).
	viaGroups := map[string]bool{}
	if !expand {
		want, err := s.groupAffiliations(ctx, groups)
		if err != nil {
			return ChatRoom{}, err
		}
		for j, a := range want {
			if slices.Contains(lists[a], j) {
				viaGroups[j] = true
			}
		}
	}
	show := func(a muc.Affiliation) []string {
		return slices.DeleteFunc(slices.Clone(lists[a]), func(j string) bool { return viaGroups[j] })
	}
	r.Owners, r.Admins, r.Members, r.Outcasts = show(muc.Owner), show(muc.Admin), show(muc.Member), show(muc.Outcast)
	r.OwnerGroups, r.AdminGroups = nonNilStrings(byAff[muc.Owner]), nonNilStrings(byAff[muc.Admin])
	r.MemberGroups, r.OutcastGroups = nonNilStrings(byAff[muc.Member]), nonNilStrings(byAff[muc.Outcast])
	return r, nil
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// affiliationLists reads the four affiliation lists of a room, without the
// component itself.
func (s *Service) affiliationLists(ctx context.Context, room jid.JID) (map[muc.Affiliation][]string, error) {
	out := map[muc.Affiliation][]string{}
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		errs []error
	)
	self := s.Link.Domain().String()
	for _, a := range muc.Affiliations {
		wg.Add(1)
		go func() {
			defer wg.Done()
			js, err := s.muc().Affiliations(ctx, room, a)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			out[a] = slices.DeleteFunc(js, func(j string) bool { return j == self })
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// RoomAffiliations lists the bare JIDs with an affiliation in a room (the
// members of affiliated groups included).
func (s *Service) RoomAffiliations(ctx context.Context, service, name string, aff muc.Affiliation) ([]string, error) {
	if err := checkAffiliation(aff); err != nil {
		return nil, err
	}
	room, _, err := s.room(ctx, service, name)
	if err != nil {
		return nil, err
	}
	js, err := s.muc().Affiliations(ctx, room, aff)
	if err != nil {
		return nil, err
	}
	self := s.Link.Domain().String()
	return slices.DeleteFunc(js, func(j string) bool { return j == self }), nil
}

func checkAffiliation(a muc.Affiliation) error {
	if !slices.Contains(muc.Affiliations, a) {
		return fault.New(fault.BadRequest, "%q is not an affiliation: use owners, admins, members or outcasts", a)
	}
	return nil
}

// affiliateJID reads an affiliation target: a JID (of any domain; rooms
// take remote users) or a username of the default host.
func (s *Service) affiliateJID(v string) (jid.JID, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return jid.JID{}, fault.New(fault.BadRequest, "an empty username or JID was given")
	}
	if strings.Contains(v, "@") {
		j, err := jid.Parse(v)
		if err != nil || j.Localpart() == "" {
			return jid.JID{}, fault.New(fault.BadRequest, "%q is not a valid JID", v).About(v)
		}
		return j.Bare(), nil
	}
	return s.UserJID(v, "")
}

func (s *Service) affiliateJIDs(vs []string) ([]string, error) {
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		j, err := s.affiliateJID(v)
		if err != nil {
			return nil, err
		}
		out = append(out, j.String())
	}
	return sortedSet(out), nil
}

// checkRoomSpec validates the free text of a spec.
func checkRoomSpec(spec RoomSpec) error {
	texts := []struct {
		what string
		v    *string
	}{{"naturalName", spec.Settings.NaturalName}, {"description", spec.Settings.Description},
		{"subject", spec.Subject}, {"password", spec.Settings.Password}}
	for _, t := range texts {
		if t.v != nil {
			if err := checkRoomText(t.what, *t.v); err != nil {
				return err
			}
		}
	}
	return spec.Settings.Validate()
}

// checkRoomText refuses text XMPP cannot carry (control characters other
// than tab and line breaks, invalid UTF-8) or longer than maxRoomText.
func checkRoomText(what, s string) error {
	if n := utf8.RuneCountInString(s); n > maxRoomText {
		return fault.New(fault.BadRequest, "the %s is %d characters long; at most %d are allowed", what, n, maxRoomText)
	}
	if !utf8.ValidString(s) {
		return fault.New(fault.BadRequest, "the %s is not valid UTF-8", what)
	}
	for _, r := range s {
		if (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0x7f || r == 0xfffe || r == 0xffff {
			return fault.New(fault.BadRequest, "the %s contains a control character (%U)", what, r)
		}
	}
	return nil
}

// checkRoomChange validates spec before anything is sent: its settings,
// its user affiliations (want) and the groups it names, which must exist.
func (s *Service) checkRoomChange(ctx context.Context, spec RoomSpec) (want, groups map[string]muc.Affiliation, given map[muc.Affiliation]bool, err error) {
	if err := checkRoomSpec(spec); err != nil {
		return nil, nil, nil, err
	}
	if want, err = s.plannedAffiliations(spec); err != nil {
		return nil, nil, nil, err
	}
	groups, given = specGroups(spec)
	if err := s.checkGroupsExist(ctx, groups); err != nil {
		return nil, nil, nil, err
	}
	return want, groups, given, nil
}

// plannedAffiliations turns a spec's lists into the affiliation each JID
// is to have (a JID in several lists gets the strongest).
func (s *Service) plannedAffiliations(spec RoomSpec) (map[string]muc.Affiliation, error) {
	want := map[string]muc.Affiliation{}
	for _, l := range []struct {
		a  muc.Affiliation
		vs []string
	}{{muc.Outcast, spec.Outcasts}, {muc.Member, spec.Members}, {muc.Admin, spec.Admins}, {muc.Owner, spec.Owners}} {
		js, err := s.affiliateJIDs(l.vs)
		if err != nil {
			return nil, err
		}
		for _, j := range js {
			want[j] = l.a
		}
	}
	return want, nil
}

// specGroups lists the group affiliations of a spec; nil lists are left
// out (keep==false for them).
func specGroups(spec RoomSpec) (groups map[string]muc.Affiliation, given map[muc.Affiliation]bool) {
	groups, given = map[string]muc.Affiliation{}, map[muc.Affiliation]bool{}
	for _, l := range []struct {
		a  muc.Affiliation
		vs *[]string
	}{{muc.Outcast, spec.OutcastGroups}, {muc.Member, spec.MemberGroups}, {muc.Admin, spec.AdminGroups}, {muc.Owner, spec.OwnerGroups}} {
		if l.vs == nil {
			continue
		}
		given[l.a] = true
		for _, g := range *l.vs {
			groups[strings.TrimSpace(g)] = l.a
		}
	}
	return groups, given
}

// rank orders affiliations: a JID given several gets the strongest.
func rank(a muc.Affiliation) int {
	return map[muc.Affiliation]int{muc.Owner: 4, muc.Admin: 3, muc.Member: 2, muc.Outcast: 1}[a]
}

// groupAffiliations is the affiliation each member of the room's groups
// has through them.
func (s *Service) groupAffiliations(ctx context.Context, groups []store.RoomGroup) (map[string]muc.Affiliation, error) {
	out := map[string]muc.Affiliation{}
	for _, rg := range groups {
		g, err := s.roomGroup(ctx, rg.Group)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fault.Wrap(fault.Unavailable, err, "read group %q", rg.Group)
		}
		a := muc.Affiliation(rg.Affiliation)
		for _, j := range g.Everyone() {
			if rank(a) > rank(out[j]) {
				out[j] = a
			}
		}
	}
	return out, nil
}

// CreateChatRoom creates a room as spec says and reports the settings the
// server could not apply. With invite, the users given an affiliation are
// sent an invitation. A room that exists is fault.Conflict. If anything
// fails after the room was made, it is destroyed again.
func (s *Service) CreateChatRoom(ctx context.Context, a Actor, service string, spec RoomSpec, invite bool) ([]muc.NotApplied, error) {
	svc, err := s.chatService(ctx, service)
	if err != nil {
		return nil, err
	}
	room, err := muc.RoomJID(spec.Name, svc)
	if err != nil {
		return nil, err
	}
	want, groups, _, err := s.checkRoomChange(ctx, spec)
	if err != nil {
		return nil, err
	}
	defer s.lockRoom(room)()

	mc := s.muc()
	if _, err := mc.Info(ctx, room); err == nil {
		return nil, fault.New(fault.Conflict, "Chat room %s already exists.", room).About(room.Localpart())
	} else if !errors.Is(err, muc.ErrRoomNotFound) {
		return nil, err
	}
	// A Prosody tombstone answers gone like a missing room; the
	// component may create over it, users may not until it is removed.
	var skipped []muc.NotApplied
	subject := ""
	if spec.Subject != nil {
		subject = *spec.Subject
	}
	err = mc.Create(ctx, room, func(form *muc.Form) (*muc.Form, error) {
		sub, sk, err := muc.Apply(form, muc.Info{}, spec.Settings)
		skipped = sk
		return sub, err
	}, subject)
	if err != nil {
		return nil, err
	}
	fail := func(err error) ([]muc.NotApplied, error) {
		s.undo(ctx, "destroy the half-made room "+room.String(), func(ctx context.Context) error {
			if err := mc.Destroy(ctx, room, "creation failed"); err != nil {
				return err
			}
			_, err := mc.RemoveTombstone(ctx, room)
			return err
		})
		return nil, err
	}
	// registrationEnabled depends on the room: read it now that it exists.
	if info, err := mc.Info(ctx, room); err == nil {
		_, reg, _ := muc.Apply(&muc.Form{}, info, muc.Settings{RegistrationEnabled: spec.Settings.RegistrationEnabled})
		skipped = append(skippedExcept(skipped, muc.SettingRegistrationEnabled), reg...)
	}
	for g, aff := range groups {
		members, err := s.groupMembers(ctx, g)
		if err != nil {
			return fail(err)
		}
		for _, j := range members {
			if rank(aff) > rank(want[j]) {
				want[j] = aff
			}
		}
	}
	for _, j := range sortedKeys(want) {
		if err := s.setAffiliation(ctx, room, j, want[j]); err != nil {
			return fail(err)
		}
	}
	now := time.Now()
	rec := store.ChatRoom{Room: room.String(), Created: now, Modified: now, Subject: spec.Subject}
	if spec.Created != nil {
		rec.Created = *spec.Created
	}
	if spec.Modified != nil {
		rec.Modified = *spec.Modified
	}
	err = s.Store.Update(ctx, func(tx *store.Tx) error {
		if err := tx.DeleteChatRoom(ctx, room.String()); err != nil {
			return err
		}
		if err := tx.PutChatRoom(ctx, rec); err != nil {
			return err
		}
		for g, aff := range groups {
			if err := tx.PutRoomGroup(ctx, store.RoomGroup{Room: room.String(), Group: g, Affiliation: string(aff)}); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, a, "", "created chat room "+room.String(), describeSpec(spec))
	})
	if err != nil {
		return fail(fault.Wrap(fault.Unavailable, err, "could not record chat room %s; it was not created", room))
	}
	if invite {
		s.inviteAll(ctx, room, sortedKeys(want), "")
	}
	return skipped, nil
}

// skippedExcept drops one setting from a NotApplied list.
func skippedExcept(list []muc.NotApplied, setting string) []muc.NotApplied {
	return slices.DeleteFunc(slices.Clone(list), func(n muc.NotApplied) bool { return n.Setting == setting })
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func (s *Service) setAffiliation(ctx context.Context, room jid.JID, who string, a muc.Affiliation) error {
	j, err := jid.Parse(who)
	if err != nil {
		return fault.New(fault.BadRequest, "%q is not a valid JID", who)
	}
	return s.muc().SetAffiliation(ctx, room, j, a, "")
}

// CreateChatRooms creates each room in turn and reports each outcome.
func (s *Service) CreateChatRooms(ctx context.Context, a Actor, service string, specs []RoomSpec, invite bool) []RoomCreation {
	out := make([]RoomCreation, 0, len(specs))
	for _, spec := range specs {
		skipped, err := s.CreateChatRoom(ctx, a, service, spec, invite)
		out = append(out, RoomCreation{Name: spec.Name, NotApplied: skipped, Err: err})
	}
	return out
}

// RoomCreation is the outcome of creating one room of a bulk request.
type RoomCreation struct {
	Name       string
	NotApplied []muc.NotApplied
	Err        error // nil on success
}

// UpdateChatRoom reconfigures a room as spec says (a full replacement of
// its settings and affiliation lists) and reports the settings the server
// could not apply. With invite, users newly given an affiliation are sent
// an invitation.
func (s *Service) UpdateChatRoom(ctx context.Context, a Actor, service, name string, spec RoomSpec, invite bool) ([]muc.NotApplied, error) {
	if spec.Name != "" && !strings.EqualFold(strings.TrimSpace(spec.Name), strings.TrimSpace(name)) {
		return nil, fault.New(fault.BadRequest, "Could not update the channel. The room name is different to the entity room name.").About(name)
	}
	room, info, err := s.room(ctx, service, name)
	if err != nil {
		return nil, err
	}
	want, newGroups, given, err := s.checkRoomChange(ctx, spec)
	if err != nil {
		return nil, err
	}
	defer s.lockRoom(room)()
	mc := s.muc()

	form, err := mc.Config(ctx, room)
	if err != nil {
		return nil, err
	}
	sub, skipped, err := muc.Apply(form, info, spec.Settings)
	if err != nil {
		return nil, err
	}
	if len(sub.Fields) > 1 {
		if err := mc.Configure(ctx, room, sub); err != nil {
			return nil, err
		}
	}

	// The groups: those of the affiliations given are replaced.
	oldGroups, err := s.Store.RoomGroups(ctx, room.String())
	if err != nil {
		return nil, fault.Wrap(fault.Unavailable, err, "read the groups of room %s", room)
	}
	groups := map[string]muc.Affiliation{}
	for _, g := range oldGroups {
		if !given[muc.Affiliation(g.Affiliation)] {
			groups[g.Group] = muc.Affiliation(g.Affiliation)
		}
	}
	for g, aff := range newGroups {
		groups[g] = aff
	}
	var roomGroups []store.RoomGroup
	for g, aff := range groups {
		roomGroups = append(roomGroups, store.RoomGroup{Room: room.String(), Group: g, Affiliation: string(aff)})
	}
	viaGroups, err := s.groupAffiliations(ctx, roomGroups)
	if err != nil {
		return nil, err
	}
	for j, aff := range viaGroups {
		if rank(aff) > rank(want[j]) {
			want[j] = aff
		}
	}
	added, err := s.replaceAffiliations(ctx, room, want, muc.Affiliations)
	if err != nil {
		return nil, err
	}

	rec, err := s.Store.ChatRoom(ctx, room.String())
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, fault.Wrap(fault.Unavailable, err, "read what is recorded about room %s", room)
	}
	if spec.Subject != nil && (rec.Subject == nil && *spec.Subject != "" || rec.Subject != nil && *rec.Subject != *spec.Subject) {
		if err := mc.SetSubject(ctx, room, *spec.Subject); err != nil {
			return nil, err
		}
		rec.Subject = spec.Subject
	}
	rec.Room = room.String()
	rec.Modified = time.Now()
	if spec.Modified != nil {
		rec.Modified = *spec.Modified
	}
	if spec.Created != nil {
		rec.Created = *spec.Created
	}
	err = s.Store.Update(ctx, func(tx *store.Tx) error {
		if err := tx.PutChatRoom(ctx, rec); err != nil {
			return err
		}
		for _, g := range oldGroups {
			if _, err := tx.DeleteRoomGroup(ctx, room.String(), g.Group); err != nil {
				return err
			}
		}
		for _, g := range roomGroups {
			if err := tx.PutRoomGroup(ctx, g); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, a, "", "updated chat room "+room.String(), describeSpec(spec))
	})
	if err != nil {
		return nil, fault.Wrap(fault.Unavailable, err, "chat room %s was reconfigured, but the component could not record it", room)
	}
	if invite {
		s.inviteAll(ctx, room, added, "")
	}
	return skipped, nil
}

// replaceAffiliations makes the affiliations of a room in the lists of
// affs what want says: JIDs with one of those affiliations that want does
// not list lose it, the JIDs want lists get theirs. It returns the JIDs
// that got a new affiliation (not outcasts).
func (s *Service) replaceAffiliations(ctx context.Context, room jid.JID, want map[string]muc.Affiliation, affs []muc.Affiliation) ([]string, error) {
	current, err := s.affiliationLists(ctx, room)
	if err != nil {
		return nil, err
	}
	have := map[string]muc.Affiliation{}
	for a, js := range current {
		for _, j := range js {
			have[j] = a
		}
	}
	var added []string
	for _, j := range sortedKeys(have) {
		if _, keep := want[j]; !keep && slices.Contains(affs, have[j]) {
			if err := s.setAffiliation(ctx, room, j, muc.None); err != nil {
				return nil, err
			}
		}
	}
	for _, j := range sortedKeys(want) {
		if have[j] == want[j] {
			continue
		}
		if err := s.setAffiliation(ctx, room, j, want[j]); err != nil {
			return nil, err
		}
		if want[j] != muc.Outcast {
			added = append(added, j)
		}
	}
	return added, nil
}

// DeleteChatRoom destroys a room and forgets it. On Prosody the tombstone
// the server keeps of a destroyed persistent room is removed too, so the
// name can be used again by anyone.
func (s *Service) DeleteChatRoom(ctx context.Context, a Actor, service, name string) error {
	room, _, err := s.room(ctx, service, name)
	if err != nil {
		return err
	}
	defer s.lockRoom(room)()
	mc := s.muc()
	if err := mc.Destroy(ctx, room, ""); err != nil {
		return err
	}
	if _, err := mc.RemoveTombstone(ctx, room); err != nil && s.Log != nil {
		s.Log.Warn("could not remove the tombstone of a destroyed room: the name stays taken for a while", "room", room.String(), "error", err)
	}
	err = s.Store.Update(ctx, func(tx *store.Tx) error {
		if err := tx.DeleteChatRoom(ctx, room.String()); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, "", "deleted chat room "+room.String(), "")
	})
	if err != nil {
		return fault.Wrap(fault.Unavailable, err, "chat room %s was destroyed, but the component could not forget it", room)
	}
	return nil
}

// RoomOccupants lists the occupants of a room.
func (s *Service) RoomOccupants(ctx context.Context, service, name string) ([]RoomOccupant, error) {
	room, _, err := s.room(ctx, service, name)
	if err != nil {
		return nil, err
	}
	os, err := s.muc().Occupants(ctx, room)
	if err != nil {
		return nil, err
	}
	out := make([]RoomOccupant, 0, len(os))
	for _, o := range os {
		aff := string(o.Affiliation)
		if aff == "" {
			aff = string(muc.None)
		}
		out = append(out, RoomOccupant{Address: room.String() + "/" + o.Nick, JID: o.JID, Role: o.Role, Affiliation: aff})
	}
	return out, nil
}

// RoomHistory returns the newest messages of a room's archive (XEP-0313),
// oldest first. A service without archives is fault.NotSupported.
func (s *Service) RoomHistory(ctx context.Context, service, name string) ([]RoomMessage, error) {
	room, info, err := s.room(ctx, service, name)
	if err != nil {
		return nil, err
	}
	if !info.Has(muc.NSMAM) {
		return nil, fault.New(fault.NotSupported, "room %s has no message archive (XEP-0313 %s): the chat service keeps none, or archiving is off for the room (logEnabled)", room, muc.NSMAM).About(room.Localpart())
	}
	msgs, err := s.muc().Archive(ctx, room, maxRoomHistory)
	if err != nil {
		return nil, err
	}
	out := []RoomMessage{}
	for _, m := range msgs {
		if m.Body == "" {
			continue // subject changes and the like
		}
		to := m.To
		if to == "" {
			to = room.String()
		}
		out = append(out, RoomMessage{To: to, From: m.From, Type: m.Type, Body: m.Body, Stamp: m.Stamp, DelayFrom: m.DelayFrom})
	}
	return out, nil
}

// AddRoomAffiliations gives users (usernames or JIDs) an affiliation in a
// room, replacing any other affiliation they had. With invite, they are
// sent an invitation.
func (s *Service) AddRoomAffiliations(ctx context.Context, a Actor, service, name string, aff muc.Affiliation, users []string, invite bool) error {
	if err := checkAffiliation(aff); err != nil {
		return err
	}
	if len(users) == 0 {
		return fault.New(fault.BadRequest, "no users given")
	}
	js, err := s.affiliateJIDs(users)
	if err != nil {
		return err
	}
	room, _, err := s.room(ctx, service, name)
	if err != nil {
		return err
	}
	defer s.lockRoom(room)()
	for _, j := range js {
		if err := s.setAffiliation(ctx, room, j, aff); err != nil {
			return err
		}
	}
	s.roomChanged(ctx, a, room, fmt.Sprintf("made %s %s of chat room %s", strings.Join(js, ", "), aff, room))
	if invite && aff != muc.Outcast {
		s.inviteAll(ctx, room, js, "")
	}
	return nil
}

// ReplaceRoomAffiliations makes users (usernames or JIDs) the only ones
// with an affiliation in a room (the members of groups affiliated that way
// keep it). With invite, the users newly given it are sent an invitation.
func (s *Service) ReplaceRoomAffiliations(ctx context.Context, a Actor, service, name string, aff muc.Affiliation, users []string, invite bool) error {
	if err := checkAffiliation(aff); err != nil {
		return err
	}
	js, err := s.affiliateJIDs(users)
	if err != nil {
		return err
	}
	room, _, err := s.room(ctx, service, name)
	if err != nil {
		return err
	}
	defer s.lockRoom(room)()
	groups, err := s.Store.RoomGroups(ctx, room.String())
	if err != nil {
		return fault.Wrap(fault.Unavailable, err, "read the groups of room %s", room)
	}
	groups = slices.DeleteFunc(groups, func(g store.RoomGroup) bool { return g.Affiliation != string(aff) })
	viaGroups, err := s.groupAffiliations(ctx, groups)
	if err != nil {
		return err
	}
	want := map[string]muc.Affiliation{}
	for j := range viaGroups {
		want[j] = aff
	}
	for _, j := range js {
		want[j] = aff
	}
	added, err := s.replaceAffiliations(ctx, room, want, []muc.Affiliation{aff})
	if err != nil {
		return err
	}
	s.roomChanged(ctx, a, room, fmt.Sprintf("set the %ss of chat room %s to %s", aff, room, strings.Join(js, ", ")))
	if invite {
		s.inviteAll(ctx, room, added, "")
	}
	return nil
}

// RemoveRoomAffiliation takes a user's (username or JID) affiliation with
// a room away. A user who does not have that affiliation is fault.NotFound.
func (s *Service) RemoveRoomAffiliation(ctx context.Context, a Actor, service, name string, aff muc.Affiliation, user string) error {
	if err := checkAffiliation(aff); err != nil {
		return err
	}
	j, err := s.affiliateJID(user)
	if err != nil {
		return err
	}
	room, _, err := s.room(ctx, service, name)
	if err != nil {
		return err
	}
	defer s.lockRoom(room)()
	current, err := s.muc().Affiliations(ctx, room, aff)
	if err != nil {
		return err
	}
	if !slices.Contains(current, j.String()) {
		return fault.New(fault.NotFound, "%s is not %s of chat room %s", j, articledAffiliation(aff), room).About(j.String())
	}
	if err := s.muc().SetAffiliation(ctx, room, j, muc.None, ""); err != nil {
		return err
	}
	s.roomChanged(ctx, a, room, fmt.Sprintf("removed %s as %s of chat room %s", j, aff, room))
	return nil
}

func articledAffiliation(a muc.Affiliation) string {
	if a == muc.Member {
		return "a member"
	}
	return "an " + string(a)
}

// roomChanged records a change of a room's affiliations: its modification
// date and the audit record. The change is on the XMPP server already, so a
// failure to record it is logged.
func (s *Service) roomChanged(ctx context.Context, a Actor, room jid.JID, summary string) {
	err := s.Store.Update(ctx, func(tx *store.Tx) error {
		if err := tx.TouchChatRoom(ctx, room.String(), time.Now(), nil); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, "", summary, "")
	})
	if err != nil && s.Log != nil {
		s.Log.Error("could not record a chat room change", "summary", summary, "error", err)
	}
}

// InviteToRoom sends a room's invitation (XEP-0045 mediated) to each
// target: a JID, a group name (its members are invited) or a username of
// the default host.
func (s *Service) InviteToRoom(ctx context.Context, a Actor, service, name string, targets []string, reason string) error {
	if len(targets) == 0 {
		return fault.New(fault.BadRequest, "no one to invite: give JIDs, usernames or group names")
	}
	if err := checkRoomText("reason", reason); err != nil {
		return err
	}
	var js []string
	for _, t := range targets {
		t = strings.TrimSpace(t)
		if t == "" {
			return fault.New(fault.BadRequest, "an empty name was given to invite")
		}
		if strings.Contains(t, "@") {
			j, err := jid.Parse(t)
			if err != nil || j.Localpart() == "" {
				return fault.New(fault.BadRequest, "%q is not a valid JID", t).About(t)
			}
			js = append(js, j.String())
			continue
		}
		if g, err := s.roomGroup(ctx, t); err == nil {
			js = append(js, g.Everyone()...)
			continue
		}
		j, err := s.UserJID(t, "")
		if err != nil {
			return err
		}
		js = append(js, j.String())
	}
	js = sortedSet(js)
	room, _, err := s.room(ctx, service, name)
	if err != nil {
		return err
	}
	for _, j := range js {
		to, _ := jid.Parse(j)
		if err := s.muc().Invite(ctx, room, to, reason); err != nil {
			return err
		}
	}
	err = s.Store.Update(ctx, func(tx *store.Tx) error {
		return s.audit(ctx, tx, a, "", "invited "+strings.Join(js, ", ")+" to chat room "+room.String(), reason)
	})
	if err != nil && s.Log != nil {
		s.Log.Error("could not record invitations in the audit log", "room", room.String(), "error", err)
	}
	return nil
}

// inviteAll invites JIDs to a room after a change that asked for it; a
// failure is logged (the change itself was made).
func (s *Service) inviteAll(ctx context.Context, room jid.JID, js []string, reason string) {
	for _, j := range js {
		to, err := jid.Parse(j)
		if err != nil {
			continue
		}
		if err := s.muc().Invite(ctx, room, to, reason); err != nil && s.Log != nil {
			s.Log.Warn("could not send a room invitation", "room", room.String(), "to", j, "error", err)
		}
	}
}

// checkGroupsExist checks that the groups named exist.
func (s *Service) checkGroupsExist(ctx context.Context, groups map[string]muc.Affiliation) error {
	for g := range groups {
		if _, err := s.groupMembers(ctx, g); err != nil {
			return err
		}
	}
	return nil
}

// groupMembers returns the members and admins of a group; a missing group
// is ErrGroupNotFound.
func (s *Service) groupMembers(ctx context.Context, name string) ([]string, error) {
	if strings.TrimSpace(name) == "" {
		return nil, fault.New(fault.BadRequest, "an empty group name was given")
	}
	g, err := s.roomGroup(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errGroupNotFound(name)
	}
	if err != nil {
		return nil, fault.Wrap(fault.Unavailable, err, "read group %q", name)
	}
	return g.Everyone(), nil
}

func describeSpec(spec RoomSpec) string {
	var parts []string
	if v := spec.Settings.NaturalName; v != nil {
		parts = append(parts, "naturalName="+*v)
	}
	for _, l := range []struct {
		name string
		vs   []string
	}{{"owners", spec.Owners}, {"admins", spec.Admins}, {"members", spec.Members}, {"outcasts", spec.Outcasts}} {
		if len(l.vs) > 0 {
			parts = append(parts, l.name+"="+strings.Join(l.vs, ","))
		}
	}
	return strings.Join(parts, ", ")
}
