package chatwith

import (
	"net/http/httptest"
	"testing"

	"xmpprest/component/fault"
)

// TestPaging checks limit and offset and the next/previous links.
func TestPaging(t *testing.T) {
	for _, q := range []string{"limit=0", "limit=51", "limit=x", "offset=-1", "offset=1.5"} {
		if _, _, err := paging(httptest.NewRequest("GET", "/u?"+q, nil)); !fault.Is(err, fault.BadRequest) {
			t.Errorf("%s: %v", q, err)
		}
	}
	limit, offset, err := paging(httptest.NewRequest("GET", "/u", nil))
	if err != nil || limit != 20 || offset != 0 {
		t.Errorf("defaults: %d %d %v", limit, offset, err)
	}
	m := newMeta("/api/1.0/xmppdomains/a.test/users", 2, 2, 5)
	if m.Next == nil || *m.Next != "/api/1.0/xmppdomains/a.test/users?format=json&limit=2&offset=4" ||
		m.Previous == nil || *m.Previous != "/api/1.0/xmppdomains/a.test/users?format=json&limit=2&offset=0" {
		t.Errorf("meta = %+v", m)
	}
	if m := newMeta("/u", 20, 0, 3); m.Next != nil || m.Previous != nil {
		t.Errorf("one page: %+v", m)
	}
}
