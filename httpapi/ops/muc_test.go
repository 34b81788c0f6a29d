package ops

import (
	"strings"
	"testing"

	"xmpprest/component/fault"
	"xmpprest/component/muc"
)

func TestCheckRoomText(t *testing.T) {
	for _, ok := range []string{"", "Lobby", "line one\nline two\ttabbed", "Größe ✓"} {
		if err := checkRoomText("description", ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"bell\x07", "nul\x00", "del\x7f", "bad utf8 \xff", strings.Repeat("x", maxRoomText+1)} {
		if err := checkRoomText("description", bad); !fault.Is(err, fault.BadRequest) {
			t.Errorf("%q: want BadRequest, got %v", bad, err)
		}
	}
}

func TestSpecGroups(t *testing.T) {
	groups, given := specGroups(RoomSpec{MemberGroups: &[]string{" staff "}, OwnerGroups: &[]string{}, AdminGroups: nil})
	if len(groups) != 1 || groups["staff"] != muc.Member {
		t.Errorf("groups = %v", groups)
	}
	if !given[muc.Member] || !given[muc.Owner] || given[muc.Admin] || given[muc.Outcast] {
		t.Errorf("given = %v", given)
	}
}

func TestRankAndInvert(t *testing.T) {
	if !(rank(muc.Owner) > rank(muc.Admin) && rank(muc.Admin) > rank(muc.Member) && rank(muc.Member) > rank(muc.Outcast) && rank(muc.Outcast) > rank("")) {
		t.Error("affiliations are not ranked owner > admin > member > outcast > none")
	}
	got := invert(map[muc.Affiliation][]string{muc.Owner: {"a@x"}, muc.Member: {"b@x", "c@x"}})
	if len(got) != 3 || got["a@x"] != muc.Owner || got["c@x"] != muc.Member {
		t.Errorf("invert = %v", got)
	}
}
