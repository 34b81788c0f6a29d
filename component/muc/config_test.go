package muc

import (
	"encoding/xml"
	"os"
	"slices"
	"strings"
	"testing"

	"mellium.im/xmpp/jid"

	"xmpprest/component/fault"
)

// The forms under testdata were recorded from Prosody 0.12.3 and ejabberd
// 23.01 by TestRoomLifecycle and TestServices (XMPPREST_RECORD=1), for a
// room created with the title "The Lobby", description "Where it
// starts", persistent, not public, subject changes allowed, archived,
// unmoderated, JIDs visible to anyone and presence broadcast for
// moderators and participants.

func loadForm(t *testing.T, name string) *Form {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var f Form
	if err := xml.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return &f
}

func ptr[T any](v T) *T { return &v }

func TestRecordedFormsHaveTheMeasuredFields(t *testing.T) {
	for name, want := range map[string]int{"prosody-owner-form.xml": 20, "ejabberd-owner-form.xml": 28} {
		if n := len(loadForm(t, name).Fields); n != want {
			t.Errorf("%s has %d fields, want %d", name, n, want)
		}
	}
}

func TestReadConfig(t *testing.T) {
	for _, kind := range []string{"prosody", "ejabberd"} {
		t.Run(kind, func(t *testing.T) {
			form := loadForm(t, kind+"-owner-form.xml")
			info := Info{RoomInfo: loadForm(t, kind+"-roominfo.xml")}
			if kind == "prosody" {
				info.Features = []string{NSRegister}
			}
			c := ReadConfig(form, info)
			if c.NaturalName != "The Lobby" || c.Description != "Where it starts" || c.Password != "" ||
				!c.Persistent || c.PublicRoom || !c.CanOccupantsChangeSubject || !c.LogEnabled ||
				c.Moderated || c.MembersOnly || !c.CanAnyoneDiscoverJID || !c.CanChangeNickname ||
				c.LoginRestrictedToNickname || c.AllowPM != "anyone" ||
				!slices.Equal(c.BroadcastPresenceRoles, []string{"moderator", "participant"}) {
				t.Errorf("config = %+v", c)
			}
			if c.RegistrationEnabled != (kind == "prosody") {
				t.Errorf("registrationEnabled = %v", c.RegistrationEnabled)
			}
			wantFixed := map[string][]string{
				"prosody":  {SettingMaxUsers, SettingRegistrationEnabled, SettingCanChangeNickname, SettingLoginRestrictedToNickname, SettingAllowPM},
				"ejabberd": {SettingRegistrationEnabled, SettingCanChangeNickname, SettingLoginRestrictedToNickname},
			}[kind]
			if !slices.Equal(c.Fixed, wantFixed) {
				t.Errorf("fixed = %v, want %v", c.Fixed, wantFixed)
			}
			if kind == "ejabberd" && c.MaxUsers != 200 {
				t.Errorf("maxUsers = %d, want ejabberd's default 200", c.MaxUsers)
			}
		})
	}
}

// every sets all the settings.
func every() Settings {
	return Settings{
		NaturalName: ptr("Name"), Description: ptr("Desc"), Password: ptr("s3cret"), MaxUsers: ptr(30),
		Persistent: ptr(true), PublicRoom: ptr(true), RegistrationEnabled: ptr(false),
		CanAnyoneDiscoverJID: ptr(false), CanOccupantsChangeSubject: ptr(false), CanOccupantsInvite: ptr(true),
		CanChangeNickname: ptr(true), LogEnabled: ptr(false), LoginRestrictedToNickname: ptr(false),
		MembersOnly: ptr(true), Moderated: ptr(true), AllowPM: ptr("none"),
		BroadcastPresenceRoles: ptr([]string{"visitor", "moderator", "moderator"}),
	}
}

func submitted(f *Form) map[string]string {
	out := map[string]string{}
	for _, fl := range f.Fields {
		out[fl.Var] = strings.Join(fl.Values, ",")
	}
	return out
}

func TestApplyProsody(t *testing.T) {
	form := loadForm(t, "prosody-owner-form.xml")
	info := Info{Features: []string{NSRegister}}
	sub, skipped, err := Apply(form, info, every())
	if err != nil {
		t.Fatal(err)
	}
	got := submitted(sub)
	want := map[string]string{
		"FORM_TYPE":           NSRoomConfig,
		fieldRoomName:         "Name",
		fieldRoomDesc:         "Desc",
		fieldRoomSecret:       "s3cret",
		fieldPersistent:       "1",
		fieldPublic:           "1",
		fieldWhois:            "moderators",
		fieldChangeSubject:    "0",
		fieldProsodyInvites:   "1",
		fieldEnableArchiving:  "0",
		fieldMembersOnly:      "1",
		fieldModerated:        "1",
		fieldPresenceBroadcst: "moderator,visitor",
	}
	if len(got) != len(want) {
		t.Errorf("submitted %d fields, want %d: %v", len(got), len(want), got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	var names []string
	for _, s := range skipped {
		names = append(names, s.Setting)
		if !strings.Contains(s.Reason, "not applied") {
			t.Errorf("reason of %s does not say so: %q", s.Setting, s.Reason)
		}
	}
	// registrationEnabled=false: Prosody always allows it; maxUsers=30: no
	// limit; allowPM=none: no such setting. canChangeNickname=true and
	// loginRestrictedToNickname=false are what Prosody does anyway.
	if !slices.Equal(names, []string{SettingMaxUsers, SettingRegistrationEnabled, SettingAllowPM}) {
		t.Errorf("not applied = %v", skipped)
	}
	if sub.Type != "submit" {
		t.Errorf("form type = %q", sub.Type)
	}
}

func TestApplyEjabberd(t *testing.T) {
	form := loadForm(t, "ejabberd-owner-form.xml")
	sub, skipped, err := Apply(form, Info{}, every())
	if err != nil {
		t.Fatal(err)
	}
	got := submitted(sub)
	for k, v := range map[string]string{
		fieldRoomSecret:       "s3cret",
		fieldPasswordProtect:  "1",
		fieldMaxUsers:         "30",
		fieldAllowInvites:     "1",
		fieldEjabberdMAM:      "0",
		fieldEjabberdAllowPM:  "0",
		fieldPresenceBroadcst: "moderator,visitor",
	} {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	for _, absent := range []string{fieldAllowPM, fieldProsodyInvites, fieldEnableArchiving} {
		if _, ok := got[absent]; ok {
			t.Errorf("%s submitted though the form lacks it", absent)
		}
	}
	if len(skipped) != 0 {
		t.Errorf("not applied = %v", skipped)
	}

	// 0 is "no limit": ejabberd takes 0 literally, so "none" is sent.
	sub, _, _ = Apply(form, Info{}, Settings{MaxUsers: ptr(0), Password: ptr(""), AllowPM: ptr("moderators")})
	got = submitted(sub)
	if got[fieldMaxUsers] != "none" || got[fieldPasswordProtect] != "0" || got[fieldRoomSecret] != "" {
		t.Errorf("submitted %v", got)
	}
	if _, ok := got[fieldEjabberdAllowPM]; ok {
		t.Errorf("allowPM=moderators cannot be expressed but was submitted")
	}
	_, skipped, _ = Apply(form, Info{}, Settings{AllowPM: ptr("moderators"), LoginRestrictedToNickname: ptr(true), CanChangeNickname: ptr(false)})
	if len(skipped) != 3 || skipped[0].Setting != SettingCanChangeNickname {
		t.Errorf("not applied = %v", skipped)
	}
}

func TestApplyLeavesUnsetFieldsOut(t *testing.T) {
	sub, skipped, err := Apply(loadForm(t, "prosody-owner-form.xml"), Info{}, Settings{NaturalName: ptr("only")})
	if err != nil || len(skipped) != 0 {
		t.Fatal(err, skipped)
	}
	if got := submitted(sub); len(got) != 2 || got[fieldRoomName] != "only" {
		t.Errorf("submitted %v", got)
	}
}

func TestSettingsValidate(t *testing.T) {
	for name, s := range map[string]Settings{
		"negative maxUsers": {MaxUsers: ptr(-1)},
		"unknown allowPM":   {AllowPM: ptr("everybody")},
		"unknown role":      {BroadcastPresenceRoles: ptr([]string{"moderator", "owner"})},
	} {
		_, _, err := Apply(&Form{}, Info{}, s)
		if !fault.Is(err, fault.BadRequest) {
			t.Errorf("%s: want BadRequest, got %v", name, err)
		}
	}
}

func TestSubmissionMarshals(t *testing.T) {
	sub, _, _ := Apply(loadForm(t, "ejabberd-owner-form.xml"), Info{}, Settings{NaturalName: ptr("a & b")})
	b, err := xml.Marshal(ownerQuery{Form: sub})
	if err != nil {
		t.Fatal(err)
	}
	want := `<query xmlns="http://jabber.org/protocol/muc#owner"><x xmlns="jabber:x:data" type="submit"><field var="FORM_TYPE"><value>http://jabber.org/protocol/muc#roomconfig</value></field><field var="muc#roomconfig_roomname"><value>a &amp; b</value></field></x></query>`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}

func TestRoomJID(t *testing.T) {
	svc := mustJID(t, "conference.example.org")
	j, err := RoomJID(" Team-Room ", svc)
	if err != nil || j.String() != "team-room@conference.example.org" {
		t.Errorf("RoomJID = %v, %v", j, err)
	}
	for _, bad := range []string{"", "a@b", "a/b", "a b\x00"} {
		if _, err := RoomJID(bad, svc); !fault.Is(err, fault.BadRequest) {
			t.Errorf("RoomJID(%q): want BadRequest, got %v", bad, err)
		}
	}
}

func mustJID(t *testing.T, s string) jid.JID {
	j, err := jid.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// TestEmptyPresenceBroadcast: an empty list of roles is never submitted as
// a field without values (Prosody 0.12 never answers such a form): it is
// "none" where the form offers it, and no values on ejabberd.
func TestEmptyPresenceBroadcast(t *testing.T) {
	for kind, want := range map[string][]string{"prosody": {"none"}, "ejabberd": {}} {
		sub, _, err := Apply(loadForm(t, kind+"-owner-form.xml"), Info{}, Settings{BroadcastPresenceRoles: ptr([]string{})})
		if err != nil {
			t.Fatal(err)
		}
		f, ok := sub.Field(fieldPresenceBroadcst)
		if !ok || !slices.Equal(f.Values, want) {
			t.Errorf("%s: presence broadcast submitted as %v (present %v), want %v", kind, f.Values, ok, want)
		}
		if got := ReadConfig(&Form{Fields: []Field{{Var: fieldPresenceBroadcst, Values: f.Values}}}, Info{}); len(got.BroadcastPresenceRoles) != 0 {
			t.Errorf("%s: read back as %v", kind, got.BroadcastPresenceRoles)
		}
	}
}

func TestRestoreSetsBackTheSubmittedFields(t *testing.T) {
	before := loadForm(t, "prosody-owner-form.xml")
	sub, _, _ := Apply(before, Info{}, Settings{NaturalName: ptr("new"), Moderated: ptr(true)})
	back := Restore(before, sub)
	if len(back.Fields) != 3 || back.Value(fieldRoomName) != "The Lobby" || back.Value(fieldModerated) != before.Value(fieldModerated) {
		t.Errorf("restore = %+v", back.Fields)
	}
}
