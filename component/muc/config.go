package muc

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"xmpprest/component/fault"
)

// The room settings, by neutral names (each dialect names them its own
// way). Each maps onto the muc#roomconfig fields the server's owner form
// has, measured on Prosody 0.12.3 (20 fields: FORM_TYPE, 4 headings and 15
// settings) and ejabberd 23.01 (27 fields besides FORM_TYPE):
//
//	title                     muc#roomconfig_roomname (both)
//	description               muc#roomconfig_roomdesc (both)
//	password                  muc#roomconfig_roomsecret (both), with
//	                          muc#roomconfig_passwordprotectedroom (ejabberd)
//	max-occupants             muc#roomconfig_maxusers (ejabberd; Prosody has no limit)
//	persistent                muc#roomconfig_persistentroom (both)
//	public                    muc#roomconfig_publicroom (both)
//	nickname-registration     no field: Prosody always lets users register a
//	                          nickname with a room; ejabberd has no room registration
//	jids-visible-to-all       muc#roomconfig_whois anyone|moderators (both)
//	occupants-change-subject  muc#roomconfig_changesubject (both)
//	occupants-invite          muc#roomconfig_allowinvites (ejabberd),
//	                          {http://prosody.im/protocol/muc}roomconfig_allowmemberinvites (Prosody)
//	nickname-change           no field: participants may always change their nickname
//	                          (ejabberd's allow_visitor_nickchange covers visitors only)
//	archive                   muc#roomconfig_enablearchiving (Prosody), mam (ejabberd)
//	registered-nickname-only  no field on either server
//	members-only              muc#roomconfig_membersonly (both)
//	moderated                 muc#roomconfig_moderatedroom (both)
//	private-messages          muc#roomconfig_allowpm where the form has it; ejabberd's
//	                          allow_private_messages (anyone|none only: submitting
//	                          muc#roomconfig_allowpm fails with internal-server-error
//	                          "Failed to process option 'allowpm'"); Prosody 0.12 has none
//	presence-broadcast        muc#roomconfig_presencebroadcast (both); an empty list
//	                          is sent as "none" where the form offers it (Prosody)
const (
	SettingNaturalName               = "title"
	SettingDescription               = "description"
	SettingPassword                  = "password"
	SettingMaxUsers                  = "max-occupants"
	SettingPersistent                = "persistent"
	SettingPublicRoom                = "public"
	SettingRegistrationEnabled       = "nickname-registration"
	SettingCanAnyoneDiscoverJID      = "jids-visible-to-all"
	SettingCanOccupantsChangeSubject = "occupants-change-subject"
	SettingCanOccupantsInvite        = "occupants-invite"
	SettingCanChangeNickname         = "nickname-change"
	SettingLogEnabled                = "archive"
	SettingLoginRestrictedToNickname = "registered-nickname-only"
	SettingMembersOnly               = "members-only"
	SettingModerated                 = "moderated"
	SettingAllowPM                   = "private-messages"
	SettingBroadcastPresenceRoles    = "presence-broadcast"
)

// The muc#roomconfig fields the settings use.
const (
	fieldRoomName         = "muc#roomconfig_roomname"
	fieldRoomDesc         = "muc#roomconfig_roomdesc"
	fieldRoomSecret       = "muc#roomconfig_roomsecret"
	fieldPasswordProtect  = "muc#roomconfig_passwordprotectedroom"
	fieldMaxUsers         = "muc#roomconfig_maxusers"
	fieldPublic           = "muc#roomconfig_publicroom"
	fieldWhois            = "muc#roomconfig_whois"
	fieldChangeSubject    = "muc#roomconfig_changesubject"
	fieldAllowInvites     = "muc#roomconfig_allowinvites"
	fieldProsodyInvites   = "{http://prosody.im/protocol/muc}roomconfig_allowmemberinvites"
	fieldEnableArchiving  = "muc#roomconfig_enablearchiving"
	fieldEjabberdMAM      = "mam"
	fieldMembersOnly      = "muc#roomconfig_membersonly"
	fieldModerated        = "muc#roomconfig_moderatedroom"
	fieldAllowPM          = "muc#roomconfig_allowpm"
	fieldEjabberdAllowPM  = "allow_private_messages"
	fieldPresenceBroadcst = "muc#roomconfig_presencebroadcast"
)

// The values of allowPM.
var allowPMValues = []string{"anyone", "participants", "moderators", "none"}

// The roles of broadcastPresenceRoles.
var presenceRoles = []string{"moderator", "participant", "visitor"}

// Settings are the room settings to apply; a nil field is left as it is.
type Settings struct {
	NaturalName               *string
	Description               *string
	Password                  *string
	MaxUsers                  *int // 0: no limit (the service's maximum)
	Persistent                *bool
	PublicRoom                *bool
	RegistrationEnabled       *bool
	CanAnyoneDiscoverJID      *bool
	CanOccupantsChangeSubject *bool
	CanOccupantsInvite        *bool
	CanChangeNickname         *bool
	LogEnabled                *bool
	LoginRestrictedToNickname *bool
	MembersOnly               *bool
	Moderated                 *bool
	AllowPM                   *string // anyone, participants, moderators or none
	BroadcastPresenceRoles    *[]string
}

// Config is a room's configuration as read from its owner form and its
// disco#info.
type Config struct {
	NaturalName               string
	Description               string
	Password                  string
	MaxUsers                  int
	Persistent                bool
	PublicRoom                bool
	RegistrationEnabled       bool
	CanAnyoneDiscoverJID      bool
	CanOccupantsChangeSubject bool
	CanOccupantsInvite        bool
	CanChangeNickname         bool
	LogEnabled                bool
	LoginRestrictedToNickname bool
	MembersOnly               bool
	Moderated                 bool
	AllowPM                   string
	BroadcastPresenceRoles    []string
	// Fixed names the settings this server does not let anyone configure:
	// their values above are what the server does regardless.
	Fixed []string
}

// NotApplied is a setting that was asked for and could not be applied
// because the server has no such configuration.
type NotApplied struct {
	Setting string
	Reason  string
}

func (n NotApplied) String() string { return n.Setting + ": " + n.Reason }

// fixedReason says why a setting is fixed on a server.
var fixedReason = map[string]string{
	SettingMaxUsers:                  "the chat service's room configuration has no maximum number of occupants (muc#roomconfig_maxusers): the number is not limited",
	SettingRegistrationEnabled:       "the chat service has no room configuration for nickname registration: registration is what the service does for every room",
	SettingCanChangeNickname:         "the chat service has no room configuration for nickname changes: participants may always change their nickname",
	SettingLoginRestrictedToNickname: "the chat service has no room configuration restricting occupants to their registered nickname",
	SettingAllowPM:                   "the chat service's room configuration has no setting for private messages between occupants (muc#roomconfig_allowpm)",
}

// ReadConfig reads a room's configuration from its owner form and its
// disco#info.
func ReadConfig(form *Form, info Info) Config {
	c := Config{
		NaturalName:               form.Value(fieldRoomName),
		Description:               form.Value(fieldRoomDesc),
		Password:                  form.Value(fieldRoomSecret),
		Persistent:                form.Bool(fieldPersistent),
		PublicRoom:                form.Bool(fieldPublic),
		CanAnyoneDiscoverJID:      form.Value(fieldWhois) == "anyone",
		CanOccupantsChangeSubject: form.Bool(fieldChangeSubject),
		MembersOnly:               form.Bool(fieldMembersOnly),
		Moderated:                 form.Bool(fieldModerated),
		BroadcastPresenceRoles:    []string{},
	}
	if form.Has(fieldPasswordProtect) && !form.Bool(fieldPasswordProtect) {
		c.Password = ""
	}
	if form.Has(fieldMaxUsers) {
		c.MaxUsers, _ = strconv.Atoi(form.Value(fieldMaxUsers))
	} else {
		c.Fixed = append(c.Fixed, SettingMaxUsers)
	}
	c.RegistrationEnabled = info.Has(NSRegister)
	c.Fixed = append(c.Fixed, SettingRegistrationEnabled)
	switch {
	case form.Has(fieldAllowInvites):
		c.CanOccupantsInvite = form.Bool(fieldAllowInvites)
	case form.Has(fieldProsodyInvites):
		c.CanOccupantsInvite = form.Bool(fieldProsodyInvites)
	}
	c.CanChangeNickname = true
	c.Fixed = append(c.Fixed, SettingCanChangeNickname)
	switch {
	case form.Has(fieldEnableArchiving):
		c.LogEnabled = form.Bool(fieldEnableArchiving)
	case form.Has(fieldEjabberdMAM):
		c.LogEnabled = form.Bool(fieldEjabberdMAM)
	}
	c.Fixed = append(c.Fixed, SettingLoginRestrictedToNickname)
	switch {
	case info.RoomInfo.Has(fieldAllowPM) && slices.Contains(allowPMValues, info.RoomInfo.Value(fieldAllowPM)):
		// ejabberd reports the effective value in the room information.
		c.AllowPM = info.RoomInfo.Value(fieldAllowPM)
	case form.Has(fieldAllowPM):
		c.AllowPM = form.Value(fieldAllowPM)
	case form.Has(fieldEjabberdAllowPM):
		c.AllowPM = "none"
		if form.Bool(fieldEjabberdAllowPM) {
			c.AllowPM = "anyone"
		}
	default:
		c.AllowPM = "anyone"
		c.Fixed = append(c.Fixed, SettingAllowPM)
	}
	for _, r := range form.Values(fieldPresenceBroadcst) {
		if slices.Contains(presenceRoles, r) {
			c.BroadcastPresenceRoles = append(c.BroadcastPresenceRoles, r)
		}
	}
	slices.Sort(c.BroadcastPresenceRoles)
	return c
}

// SettingError is a setting given a value it cannot take. Dialects find
// it with errors.As to name the setting their own way; the fault that
// carries it names the setting by its neutral name.
type SettingError struct {
	Setting string // one of the Setting constants
	Problem string // what is wrong with the value, e.g. "must be 0 (no limit) or more, not -1"
}

func (e *SettingError) Error() string { return e.Setting + " " + e.Problem }

// InvalidSetting returns the fault of a setting given a value it cannot
// take (a fault.BadRequest wrapping a *SettingError).
func InvalidSetting(setting, format string, args ...any) error {
	se := &SettingError{Setting: setting, Problem: fmt.Sprintf(format, args...)}
	return &fault.Error{Kind: fault.BadRequest, Message: "the room's " + se.Error(), Err: se}
}

// Validate checks the values of s.
func (s Settings) Validate() error {
	if s.MaxUsers != nil && *s.MaxUsers < 0 {
		return InvalidSetting(SettingMaxUsers, "must be 0 (no limit) or more, not %d", *s.MaxUsers)
	}
	if s.AllowPM != nil && !slices.Contains(allowPMValues, *s.AllowPM) {
		return InvalidSetting(SettingAllowPM, "must be one of %s, not %q", strings.Join(allowPMValues, ", "), *s.AllowPM)
	}
	if s.BroadcastPresenceRoles != nil {
		for _, r := range *s.BroadcastPresenceRoles {
			if !slices.Contains(presenceRoles, r) {
				return InvalidSetting(SettingBroadcastPresenceRoles, "may hold %s, not %q", strings.Join(presenceRoles, ", "), r)
			}
		}
	}
	return nil
}

// Apply fills in a submission of the owner form with the settings s: only
// the fields of the settings given, so the others keep their values. The
// settings the form has no field for are returned as NotApplied when the
// value asked for differs from what the server does anyway (info tells
// what that is where it depends on the room).
func Apply(form *Form, info Info, s Settings) (*Form, []NotApplied, error) {
	if err := s.Validate(); err != nil {
		return nil, nil, err
	}
	formType := form.FormType()
	if formType == "" {
		formType = NSRoomConfig
	}
	sub := newSubmission(formType)
	var skipped []NotApplied
	skip := func(setting string, asked any) {
		reason, ok := fixedReason[setting]
		if !ok {
			reason = "the chat service's room configuration has no field for it"
		}
		skipped = append(skipped, NotApplied{Setting: setting, Reason: fmt.Sprintf("%v was not applied: %s", asked, reason)})
	}
	text := func(field string, v *string) {
		if v != nil && form.Has(field) {
			sub.set(field, *v)
		}
	}
	flag := func(setting string, v *bool, fields ...string) {
		if v == nil {
			return
		}
		for _, f := range fields {
			if form.Has(f) {
				sub.set(f, boolValue(*v))
				return
			}
		}
		skip(setting, *v)
	}

	text(fieldRoomName, s.NaturalName)
	text(fieldRoomDesc, s.Description)
	if s.Password != nil {
		text(fieldRoomSecret, s.Password)
		if form.Has(fieldPasswordProtect) {
			sub.set(fieldPasswordProtect, boolValue(*s.Password != ""))
		}
	}
	if s.MaxUsers != nil {
		switch {
		case form.Has(fieldMaxUsers) && *s.MaxUsers == 0:
			// ejabberd takes 0 literally (nobody but admins may enter);
			// "none" means the service's maximum.
			sub.set(fieldMaxUsers, "none")
		case form.Has(fieldMaxUsers):
			f, _ := form.Field(fieldMaxUsers)
			value, note := maxUsersChoice(f, *s.MaxUsers)
			sub.set(fieldMaxUsers, value)
			if note != "" {
				skipped = append(skipped, NotApplied{Setting: SettingMaxUsers, Reason: note})
			}
		case *s.MaxUsers != 0:
			skip(SettingMaxUsers, *s.MaxUsers)
		}
	}
	flag(SettingPersistent, s.Persistent, fieldPersistent)
	flag(SettingPublicRoom, s.PublicRoom, fieldPublic)
	if s.RegistrationEnabled != nil && *s.RegistrationEnabled != info.Has(NSRegister) {
		skip(SettingRegistrationEnabled, *s.RegistrationEnabled)
	}
	if s.CanAnyoneDiscoverJID != nil {
		if form.Has(fieldWhois) {
			sub.set(fieldWhois, map[bool]string{true: "anyone", false: "moderators"}[*s.CanAnyoneDiscoverJID])
		} else {
			skip(SettingCanAnyoneDiscoverJID, *s.CanAnyoneDiscoverJID)
		}
	}
	flag(SettingCanOccupantsChangeSubject, s.CanOccupantsChangeSubject, fieldChangeSubject)
	flag(SettingCanOccupantsInvite, s.CanOccupantsInvite, fieldAllowInvites, fieldProsodyInvites)
	if s.CanChangeNickname != nil && !*s.CanChangeNickname {
		skip(SettingCanChangeNickname, false)
	}
	flag(SettingLogEnabled, s.LogEnabled, fieldEnableArchiving, fieldEjabberdMAM)
	if s.LoginRestrictedToNickname != nil && *s.LoginRestrictedToNickname {
		skip(SettingLoginRestrictedToNickname, true)
	}
	flag(SettingMembersOnly, s.MembersOnly, fieldMembersOnly)
	flag(SettingModerated, s.Moderated, fieldModerated)
	if s.AllowPM != nil {
		pm := *s.AllowPM
		switch {
		case form.Has(fieldAllowPM):
			sub.set(fieldAllowPM, pm)
		case form.Has(fieldEjabberdAllowPM) && (pm == "anyone" || pm == "none"):
			sub.set(fieldEjabberdAllowPM, boolValue(pm == "anyone"))
		case form.Has(fieldEjabberdAllowPM):
			skipped = append(skipped, NotApplied{Setting: SettingAllowPM, Reason: fmt.Sprintf(
				"%s was not applied: the chat service's room configuration only allows or forbids private messages (allow_private_messages): use anyone or none", pm)})
		case pm != "anyone":
			skip(SettingAllowPM, pm)
		}
	}
	if s.BroadcastPresenceRoles != nil {
		if form.Has(fieldPresenceBroadcst) {
			sub.set(fieldPresenceBroadcst, presenceBroadcastValues(form, *s.BroadcastPresenceRoles)...)
		} else {
			skipped = append(skipped, NotApplied{Setting: SettingBroadcastPresenceRoles,
				Reason: "was not applied: the chat service's room configuration has no presence broadcast setting (muc#roomconfig_presencebroadcast)"})
		}
	}
	return &sub.form, skipped, nil
}

// noRole is the option of Prosody's presence-broadcast field for
// occupants without a role.
const noRole = "none"

// presenceBroadcastValues are the values to submit for the presence
// broadcast roles. An empty list is never submitted as a field without
// values: Prosody 0.12 reads such a list-multi field as nil and its
// presence-broadcast handler then fails (ipairs on nil), so the room never
// answers the submission (the request hangs until the IQ timeout and a new
// room is lost). Where the form offers "none" (Prosody), no roles is sent
// as "none" alone, which broadcasts no occupant's presence; ejabberd's form
// has no such option and takes the field without values.
func presenceBroadcastValues(form *Form, roles []string) []string {
	roles = slices.Compact(slices.Sorted(slices.Values(roles)))
	if len(roles) > 0 {
		return roles
	}
	if f, ok := form.Field(fieldPresenceBroadcst); ok {
		for _, o := range f.Options {
			if o.Value == noRole {
				return []string{noRole}
			}
		}
	}
	return []string{}
}

// Restore returns a submission that sets the fields of submitted back to
// their values in before (the form read before submitted was sent), so a
// change that failed later can be undone.
func Restore(before, submitted *Form) *Form {
	formType := before.FormType()
	if formType == "" {
		formType = NSRoomConfig
	}
	sub := newSubmission(formType)
	for _, f := range submitted.Fields {
		if f.Var == "FORM_TYPE" || !before.Has(f.Var) {
			continue
		}
		values := before.Values(f.Var)
		if f.Var == fieldPresenceBroadcst {
			values = presenceBroadcastValues(before, values)
		}
		sub.set(f.Var, values...)
	}
	return &sub.form
}
