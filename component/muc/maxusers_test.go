package muc

import (
	"strings"
	"testing"
)

// ejabberd offers fixed choices for the maximum of occupants, capped by its
// max_users: a number above them is not clamped silently, and one between
// them is rounded up; both say what was set.
func TestMaxUsersAboveTheServersLimitIsReported(t *testing.T) {
	form := loadForm(t, "ejabberd-owner-form.xml")
	for _, c := range []struct {
		asked     int
		set, note string
	}{
		{1000, "200", "at most 200 occupants"},
		{25, "30", "offers only 5, 10, 20, 30, 50, 100, 200"},
		{50, "50", ""},
	} {
		sub, skipped, err := Apply(form, Info{}, Settings{MaxUsers: ptr(c.asked)})
		if err != nil {
			t.Fatal(err)
		}
		if got := sub.Value(fieldMaxUsers); got != c.set {
			t.Errorf("maxUsers %d: submitted %q, want %q", c.asked, got, c.set)
		}
		var note string
		for _, s := range skipped {
			if s.Setting == SettingMaxUsers {
				note = s.Reason
			}
		}
		if (c.note == "") != (note == "") || !strings.Contains(note, c.note) {
			t.Errorf("maxUsers %d: reported %q, want a note with %q", c.asked, note, c.note)
		}
	}
}
