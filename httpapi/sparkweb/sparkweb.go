// Package sparkweb serves SparkWeb's user API under /sparkweb/api/rest and
// its event stream at /sparkweb/api/sse. Every call acts as the signed-in
// user, on their own live XMPP session; the operations live in
// httpapi/userops, this package only translates wire shapes, status codes
// and its error body, {"error": "..."}.
package sparkweb

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"xmpprest/component/fault"
	"xmpprest/httpapi"
	"xmpprest/httpapi/ops"
	"xmpprest/httpapi/userops"
)

// Prefix is where the API is mounted.
const Prefix = "/sparkweb/api"

// DefaultHeartbeat is how often an idle event stream gets a comment.
const DefaultHeartbeat = 15 * time.Second

// Options configures the dialect.
type Options struct {
	// Heartbeat is the period of the event stream's keep-alive comment;
	// 0 means DefaultHeartbeat.
	Heartbeat time.Duration
}

type api struct {
	svc       *userops.Service
	heartbeat time.Duration

	// streams are the open event streams by token, ended when the token
	// signs out.
	mu      sync.Mutex
	streams map[int64]map[*streamEnd]struct{}
}

type streamEnd struct{ cancel context.CancelFunc }

// Dialect returns the SparkWeb API's routes, error shape and
// authentication.
func Dialect(svc *userops.Service, o Options) httpapi.Dialect {
	a := &api{svc: svc, heartbeat: o.Heartbeat, streams: map[int64]map[*streamEnd]struct{}{}}
	if a.heartbeat <= 0 {
		a.heartbeat = DefaultHeartbeat
	}
	return httpapi.Dialect{
		Name:   "sparkweb",
		Prefix: Prefix,
		Routes: a.routes(),
		Errors: writeError,
		Guard:  a.guard,
	}
}

func (a *api) routes() []httpapi.Route {
	get, post, put, del := http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete
	return []httpapi.Route{
		{Method: post, Path: "/rest/login/{username}", Handler: signIn(password, a.login), Public: true, Summary: "sign in with the password (the body)"},
		{Method: post, Path: "/rest/register/{username}", Handler: signIn(password, a.register), Public: true, Summary: "create an account and sign in (when registration is allowed)"},
		{Method: post, Path: "/rest/totp/register/{username}", Handler: a.totpRegister, Public: true, Summary: "register TOTP (the body is the password)"},
		{Method: post, Path: "/rest/totp/authenticate/{username}/{code}", Handler: signIn(noBody, a.totpAuthenticate), Public: true, Secrets: []string{"code"}, Summary: "sign in with a TOTP code"},
		{Method: post, Path: "/rest/webauthn/register/start/{username}", Handler: a.webauthnRegisterStart, Public: true, Summary: "start a WebAuthn registration (the body is the password)"},
		{Method: post, Path: "/rest/webauthn/register/finish/{username}", Handler: signIn(rawBody, a.webauthnRegisterFinish), Public: true, Summary: "finish a WebAuthn registration and sign in"},
		{Method: post, Path: "/rest/webauthn/authenticate/start/{username}", Handler: a.webauthnAuthenticateStart, Public: true, Summary: "start a WebAuthn sign-in"},
		{Method: post, Path: "/rest/webauthn/authenticate/finish/{username}", Handler: signIn(rawBody, a.webauthnAuthenticateFinish), Public: true, Summary: "finish a WebAuthn sign-in"},
		{Method: post, Path: "/rest/logout", Handler: a.logout, Summary: "sign out (everywhere=true: every token, and forget the sealed credential)"},
		{Method: del, Path: "/rest/totp", Handler: a.totpRemove, Summary: "remove TOTP sign-in"},
		{Method: del, Path: "/rest/webauthn", Handler: a.webauthnRemove, Summary: "remove WebAuthn sign-in"},
		{Method: get, Path: "/sse", Handler: a.events, Streams: true, Summary: "the user's events (Server-Sent Events)"},

		{Method: post, Path: "/rest/chat/message/{to}", Handler: a.postMessage, Summary: "send a chat message (the body)"},
		{Method: post, Path: "/rest/chat/chatstate/{state}/{to}", Handler: a.postChatState, Summary: "send a chat state"},
		{Method: get, Path: "/rest/chat/messages", Handler: a.chatMessages, Summary: "archived conversations"},

		{Method: get, Path: "/rest/groupchat/rooms", Handler: a.getRooms, Summary: "the chat rooms of a service the user can see"},
		{Method: get, Path: "/rest/groupchat/messages", Handler: a.groupChatMessages, Summary: "rooms' archived messages"},
		{Method: get, Path: "/rest/groupchat/room/{roomName}", Handler: a.getRoom, Summary: "a chat room"},
		{Method: put, Path: "/rest/groupchat/room/{roomName}", Handler: a.joinRoom, Summary: "join a room (nickname, password)"},
		{Method: del, Path: "/rest/groupchat/room/{roomName}", Handler: a.leaveRoom, Summary: "leave a room"},
		{Method: post, Path: "/rest/groupchat/room/{roomName}", Handler: a.postToRoom, Summary: "post a message to a room (the body)"},
		{Method: get, Path: "/rest/groupchat/room/{roomName}/occupants", Handler: a.getOccupants, Summary: "a room's occupants"},
		{Method: get, Path: "/rest/groupchat/room/{roomName}/participants", Handler: a.getParticipants, Summary: "a room's occupants with a voice"},
		{Method: get, Path: "/rest/groupchat/room/{roomName}/chathistory", Handler: a.roomChatHistory, Summary: "a room's archived messages"},
		{Method: post, Path: "/rest/groupchat/room/{roomName}/{invitedJid}", Handler: a.inviteToRoom, Summary: "invite someone to a room (the body is the reason)"},

		{Method: get, Path: "/rest/bookmarks", Handler: a.getBookmarks, Summary: "the bookmarks that apply to the user"},
		{Method: post, Path: "/rest/bookmark", Handler: a.createBookmark, Summary: "create a bookmark"},
		{Method: get, Path: "/rest/bookmark/{bookmarkID}", Handler: a.getBookmark, Summary: "a bookmark"},
		{Method: put, Path: "/rest/bookmark/{bookmarkID}", Handler: a.updateBookmark, Summary: "replace a bookmark"},
		{Method: del, Path: "/rest/bookmark/{bookmarkID}", Handler: a.deleteBookmark, Summary: "delete a bookmark"},
		{Method: post, Path: "/rest/bookmark/{bookmarkID}/{name}", Handler: a.setBookmarkProperty, Summary: "set a bookmark property (the body is the value)"},
		{Method: del, Path: "/rest/bookmark/{bookmarkID}/{name}", Handler: a.deleteBookmarkProperty, Summary: "delete a bookmark property"},

		{Method: post, Path: "/rest/xmpp", Handler: a.postStanza, Summary: "send a message, presence or iq stanza (XML body) from the user; an iq's reply is answered"},

		{Method: get, Path: "/rest/upload/{fileName}/{fileSize}", Handler: a.requestUpload, Summary: "an upload slot (XEP-0363): where to PUT the file and where to GET it"},

		{Method: get, Path: "/rest/pubsub/nodes", Handler: a.nodes(false), Summary: "the nodes of the server's pubsub service"},
		{Method: post, Path: "/rest/pubsub/create/{node}", Handler: a.createNode, Summary: "create a pubsub node owned by the user"},
		{Method: del, Path: "/rest/pubsub/node/{node}", Handler: a.deleteNode, Summary: "delete a pubsub node the user owns"},
		{Method: post, Path: "/rest/pubsub/publish/{node}", Handler: a.publish(false), Summary: "publish an item (JSON, or one XML element) to a pubsub node"},
		{Method: post, Path: "/rest/pubsub/subscribe/{node}", Handler: a.subscribe, Summary: "subscribe to a pubsub node (its items then arrive as chatapi.pubsub events)"},
		{Method: get, Path: "/rest/pubsub/subscribers/{node}", Handler: a.subscribers, Summary: "the subscriptions to a node the user owns"},
		{Method: get, Path: "/rest/pep/nodes", Handler: a.nodes(true), Summary: "the nodes of the user's PEP service"},
		{Method: post, Path: "/rest/pep/publish/{node}", Handler: a.publish(true), Summary: "publish an item (JSON, or one XML element) to a PEP node of the user"},

		{Method: get, Path: "/rest/preview/{quality}/{url}", Handler: a.preview, Summary: "a web page's title, description and image (the URL percent-encoded)"},
		{Method: get, Path: "/rest/meet/{service}/{id}", Handler: a.meeting, Summary: "an online meeting's URL (from sparkweb.meetings)"},

		{Method: get, Path: "/rest/webpush/vapidkey", Handler: a.vapidKey, Summary: "the VAPID public key browsers subscribe with"},
		{Method: put, Path: "/rest/webpush/subscribe/{resource}", Handler: a.pushSubscribe, Summary: "store the browser's PushSubscription for one resource"},
		{Method: get, Path: "/rest/webpush/subscribers", Handler: a.pushSubscribers, Summary: "users of the host with push subscriptions"},
		{Method: post, Path: "/rest/webpush/notify/{target}", Handler: a.pushNotify, Summary: "push a notification to a user's subscriptions"},
		{Method: post, Path: "/rest/webpush/message/{target}", Handler: a.pushText, Summary: "push a text message to a user's subscriptions"},
		{Method: post, Path: "/rest/webpush/action", Handler: a.pushAction, Summary: "carry out a notification action (reply: a chat message)"},

		{Method: post, Path: "/rest/presence", Handler: a.postPresence, Summary: "set the user's presence"},
		{Method: get, Path: "/rest/presence/roster", Handler: a.rosterWithPresence, Summary: "the roster with presence"},
		{Method: get, Path: "/rest/presence/{target}", Handler: a.probePresence, Summary: "a contact's presence"},

		{Method: get, Path: "/rest/roster", Handler: a.roster, Summary: "the user's roster"},
		{Method: post, Path: "/rest/roster", Handler: a.createRosterItem, Summary: "add a contact and ask for their presence"},
		{Method: put, Path: "/rest/roster/{jid}", Handler: a.updateRosterItem, Summary: "change a contact"},
		{Method: del, Path: "/rest/roster/{jid}", Handler: a.deleteRosterItem, Summary: "remove a contact"},

		{Method: get, Path: "/rest/user", Handler: a.getUser, Summary: "the user's account"},
		{Method: put, Path: "/rest/user", Handler: a.updateUser, Summary: "change name, email, properties or password"},
		{Method: del, Path: "/rest/user", Handler: a.deleteUser, Summary: "delete the account and everything kept for it"},
		{Method: get, Path: "/rest/users", Handler: a.getUsers, Summary: "accounts of the user's host (username, name)"},
		{Method: get, Path: "/rest/user/groups", Handler: a.getGroups, Summary: "the user's groups"},
		{Method: post, Path: "/rest/user/groups", Handler: a.joinGroups, Summary: "join groups"},
		{Method: del, Path: "/rest/user/groups", Handler: a.leaveGroups, Summary: "leave groups"},
		{Method: post, Path: "/rest/user/groups/{groupName}", Handler: a.joinGroup, Summary: "join a group"},
		{Method: del, Path: "/rest/user/groups/{groupName}", Handler: a.leaveGroup, Summary: "leave a group"},
		{Method: get, Path: "/rest/config/properties", Handler: a.getProperties, Summary: "the user's properties"},
		{Method: post, Path: "/rest/config/properties", Handler: a.setProperties, Summary: "set user properties"},
		{Method: get, Path: "/rest/config/global", Handler: a.globalConfig, Summary: "settings that concern users"},
	}
}

type ctxKey int

const callerKey ctxKey = 0

// guard authenticates a token: the whole Authorization header (as
// SparkWeb clients send it), "Bearer <token>", or ?token= on the event
// stream only (EventSource cannot set headers).
func (a *api) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := strings.TrimSpace(r.Header.Get("Authorization"))
		if scheme, rest, ok := strings.Cut(token, " "); ok && strings.EqualFold(scheme, "Bearer") {
			token = strings.TrimSpace(rest)
		}
		if token == "" && r.URL.Path == Prefix+"/sse" {
			token = r.URL.Query().Get("token")
		}
		c, err := a.svc.Authenticate(r.Context(), token, httpapi.ClientAddress(r), httpapi.RequestID(r.Context()))
		if err != nil {
			writeError(w, r, err)
			return
		}
		ctx := httpapi.WithPrincipal(r.Context(), httpapi.Principal{
			Name: c.Actor.Name, Method: "token", Role: ops.RoleUser, User: c.Actor.User})
		ctx = context.WithValue(ctx, callerKey, c)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// caller returns the signed-in user of a guarded request.
func caller(r *http.Request) userops.Caller {
	c, _ := r.Context().Value(callerKey).(userops.Caller)
	return c
}

// errorBody is the API's error shape.
type errorBody struct {
	Error string `json:"error"`
}

// writeError writes err as {"error": ...} with its status code.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusInternalServerError
	var ume *httpapi.UnsupportedMediaError
	switch {
	case errors.Is(err, userops.ErrUnauthenticated):
		status = http.StatusUnauthorized
	case errors.Is(err, userops.ErrRateLimited):
		status = http.StatusTooManyRequests
	case errors.As(err, &ume):
		status = http.StatusUnsupportedMediaType
	case errors.Is(err, context.Canceled):
		return // the client went away
	default:
		status = httpapi.StatusOf(fault.KindOf(err))
	}
	msg := fault.Message(err)
	if status == http.StatusInternalServerError {
		msg = "internal error (request " + httpapi.RequestID(r.Context()) + ")"
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="sparkweb"`)
	}
	httpapi.WriteJSON(w, status, errorBody{Error: msg})
}

// pathVar returns a percent-decoded path parameter.
func pathVar(r *http.Request, name string) (string, error) {
	return httpapi.PathVar(r, name)
}

// readText reads a body that is plain text (the password, a message): as
// sent, or a JSON string when the client sent JSON.
func readText(r *http.Request, what string) (string, error) {
	body, err := httpapi.ReadBody(r, false)
	if err != nil {
		return "", err
	}
	if !utf8.Valid(body) {
		return "", fault.New(fault.BadRequest, "the %s is not valid UTF-8", what)
	}
	s := string(body)
	if t := strings.TrimSpace(s); strings.HasPrefix(t, `"`) {
		var v string
		if json.Unmarshal([]byte(t), &v) == nil {
			s = v
		}
	}
	if strings.TrimSpace(s) == "" {
		return "", fault.New(fault.BadRequest, "the request has no body: send the %s as the body", what)
	}
	return s, nil
}

// write answers v as JSON.
func write(w http.ResponseWriter, v any) error {
	httpapi.WriteJSON(w, http.StatusOK, v)
	return nil
}

// ok answers an empty 200.
func ok(w http.ResponseWriter) error {
	w.WriteHeader(http.StatusOK)
	return nil
}
