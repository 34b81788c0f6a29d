package sparkweb

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"xmpprest/component/fault"
	"xmpprest/httpapi"
	"xmpprest/httpapi/userops"
)

func TestWriteError(t *testing.T) {
	for _, c := range []struct {
		err  error
		want int
	}{
		{fault.New(fault.BadRequest, "bad"), 400},
		{fault.Wrap(fault.Denied, userops.ErrUnauthenticated, "sign in"), 401},
		{fault.Wrap(fault.Denied, userops.ErrRateLimited, "wait"), 429},
		{fault.New(fault.Denied, "not yours"), 403},
		{fault.New(fault.NotFound, "gone"), 404},
		{fault.New(fault.Conflict, "there"), 409},
		{fault.New(fault.TooLarge, "big"), 413},
		{&httpapi.UnsupportedMediaError{ContentType: "text/csv", Accepted: []string{"application/json"}}, 415},
		{fault.New(fault.Unavailable, "down"), 503},
		{errors.New("secret detail"), 500},
	} {
		rec := httptest.NewRecorder()
		writeError(rec, httptest.NewRequest("GET", "/", nil), c.err)
		var body errorBody
		if rec.Code != c.want || json.Unmarshal(rec.Body.Bytes(), &body) != nil || body.Error == "" {
			t.Errorf("%v: %d %s, want %d with {\"error\": ...}", c.err, rec.Code, rec.Body, c.want)
		}
		if c.want == 500 && strings.Contains(body.Error, "secret detail") {
			t.Errorf("an internal error leaks its cause: %q", body.Error)
		}
	}
}

func TestReadText(t *testing.T) {
	for body, want := range map[string]string{
		"s3cret":         "s3cret",
		`"s3cret"`:       "s3cret",
		" with spaces ":  " with spaces ",
		`"a \"quoted\""`: `a "quoted"`,
	} {
		got, err := readText(httptest.NewRequest("POST", "/", strings.NewReader(body)), "password")
		if err != nil || got != want {
			t.Errorf("body %q: %q, %v; want %q", body, got, err, want)
		}
	}
	for _, body := range []string{"", "  ", `""`, "\xff\xfe"} {
		if _, err := readText(httptest.NewRequest("POST", "/", strings.NewReader(body)), "password"); !fault.Is(err, fault.BadRequest) {
			t.Errorf("body %q: %v, want a bad request", body, err)
		}
	}
}

func TestRoutes(t *testing.T) {
	d := Dialect(&userops.Service{}, Options{})
	streams, public := 0, 0
	for _, rt := range d.Routes {
		if rt.Streams {
			streams++
			if rt.Path != "/sse" || rt.Method != http.MethodGet {
				t.Errorf("streaming route %s %s", rt.Method, rt.Path)
			}
		}
		if rt.Public {
			public++
			if !strings.Contains(rt.Path, "{username}") {
				t.Errorf("public route %s %s is not a sign-in", rt.Method, rt.Path)
			}
		}
	}
	if streams != 1 || public != 8 {
		t.Fatalf("%d streaming and %d public routes, want 1 and 8", streams, public)
	}
}

// TestRoutesCoverSpec: every endpoint of SparkWeb's API is served.
func TestRoutesCoverSpec(t *testing.T) {
	served := map[string]bool{}
	for _, rt := range Dialect(&userops.Service{}, Options{}).Routes {
		served[rt.Method+" "+rt.Path] = true
	}
	for _, ep := range []string{
		"POST /rest/totp/authenticate/{username}/{code}",
		"POST /rest/totp/register/{username}",
		"POST /rest/login/{username}",
		"POST /rest/logout",
		"POST /rest/register/{username}",
		"GET /sse",
		"POST /rest/webauthn/authenticate/finish/{username}",
		"POST /rest/webauthn/authenticate/start/{username}",
		"POST /rest/webauthn/register/finish/{username}",
		"POST /rest/webauthn/register/start/{username}",
		"POST /rest/bookmark",
		"DELETE /rest/bookmark/{bookmarkID}",
		"DELETE /rest/bookmark/{bookmarkID}/{name}",
		"GET /rest/bookmark/{bookmarkID}",
		"GET /rest/bookmarks",
		"PUT /rest/bookmark/{bookmarkID}",
		"POST /rest/bookmark/{bookmarkID}/{name}",
		"GET /rest/chat/messages",
		"POST /rest/chat/chatstate/{state}/{to}",
		"POST /rest/chat/message/{to}",
		"POST /rest/pubsub/create/{node}",
		"GET /rest/pep/nodes",
		"GET /rest/pubsub/nodes",
		"GET /rest/pubsub/subscribers/{node}",
		"GET /rest/meet/{service}/{id}",
		"POST /rest/xmpp",
		"GET /rest/preview/{quality}/{url}",
		"POST /rest/pep/publish/{node}",
		"POST /rest/pubsub/publish/{node}",
		"POST /rest/pubsub/subscribe/{node}",
		"GET /rest/upload/{fileName}/{fileSize}",
		"POST /rest/roster",
		"DELETE /rest/roster/{jid}",
		"GET /rest/roster",
		"PUT /rest/roster/{jid}",
		"GET /rest/groupchat/messages",
		"GET /rest/groupchat/room/{roomName}/chathistory",
		"GET /rest/groupchat/room/{roomName}",
		"GET /rest/groupchat/room/{roomName}/occupants",
		"GET /rest/groupchat/room/{roomName}/participants",
		"GET /rest/groupchat/rooms",
		"POST /rest/groupchat/room/{roomName}/{invitedJid}",
		"PUT /rest/groupchat/room/{roomName}",
		"DELETE /rest/groupchat/room/{roomName}",
		"POST /rest/groupchat/room/{roomName}",
		"GET /rest/presence/roster",
		"POST /rest/presence",
		"GET /rest/presence/{target}",
		"POST /rest/user/groups/{groupName}",
		"POST /rest/user/groups",
		"DELETE /rest/user",
		"DELETE /rest/user/groups/{groupName}",
		"DELETE /rest/user/groups",
		"GET /rest/config/global",
		"GET /rest/user",
		"GET /rest/config/properties",
		"GET /rest/user/groups",
		"GET /rest/users",
		"POST /rest/config/properties",
		"PUT /rest/user",
		"GET /rest/webpush/subscribers",
		"GET /rest/webpush/vapidkey",
		"POST /rest/webpush/action",
		"POST /rest/webpush/notify/{target}",
		"PUT /rest/webpush/subscribe/{resource}",
		"POST /rest/webpush/message/{target}",
	} {
		if !served[ep] {
			t.Errorf("%s is not served", ep)
		}
	}
}
