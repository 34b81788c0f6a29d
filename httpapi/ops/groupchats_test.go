package ops

import (
	"regexp"
	"testing"
)

func TestRoomNameFor(t *testing.T) {
	for in, want := range map[string]string{"Team Blue": "team-blue", "  ": "group", "Ünïcode & more!": "ünïcode-more", "a--b": "a-b"} {
		if got := roomNameFor(in); got != want {
			t.Errorf("roomNameFor(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNewUUID(t *testing.T) {
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	if a, b := NewUUID(), NewUUID(); !re.MatchString(a) || a == b {
		t.Errorf("UUIDs %q %q", a, b)
	}
}
