package openfire

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"xmpprest/httpapi/ops"
)

// benchUsers is a user list as GET /users answers it: every tenth user has
// a name, an email and two properties.
func benchUsers(n int) usersEntity {
	out := usersEntity{Users: make([]userEntity, 0, n)}
	for i := range n {
		u := ops.User{Username: fmt.Sprintf("user%d", i)}
		if i%10 == 0 {
			u.Name, u.Email = fmt.Sprintf("User %d", i), fmt.Sprintf("user%d@example.org", i)
			u.Properties = []ops.Property{{Key: "department", Value: "sales"}, {Key: "floor", Value: "3"}}
		}
		out.Users = append(out.Users, userOut(u))
	}
	return out
}

// BenchmarkWriteUserList encodes a user list the way every answer is
// written (content negotiation, marshaling, headers), as JSON and as XML.
func BenchmarkWriteUserList(b *testing.B) {
	a := &api{}
	for _, n := range []int{100, 10000} {
		users := benchUsers(n)
		for _, accept := range []string{mimeJSON, mimeXML} {
			b.Run(fmt.Sprintf("%s-%d", accept[len("application/"):], n), func(b *testing.B) {
				r := httptest.NewRequest(http.MethodGet, Prefix+"/users", nil)
				r.Header.Set("Accept", accept)
				b.ReportAllocs()
				var size int
				for b.Loop() {
					w := httptest.NewRecorder()
					a.write(w, r, http.StatusOK, users)
					if w.Code != http.StatusOK || w.Header().Get("Content-Type") != accept {
						b.Fatalf("answered %d %q", w.Code, w.Header().Get("Content-Type"))
					}
					size = w.Body.Len()
				}
				b.SetBytes(int64(size))
			})
		}
	}
}
