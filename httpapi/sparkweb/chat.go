package sparkweb

import (
	"net/http"
	"strings"
	"time"

	"mellium.im/xmpp/jid"

	"xmpprest/component/fault"
	"xmpprest/httpapi"
	"xmpprest/httpapi/userops"
)

type messageID struct {
	ID string `json:"id"`
}

func (a *api) postMessage(w http.ResponseWriter, r *http.Request) error {
	to, err := pathVar(r, "to")
	if err != nil {
		return err
	}
	body, err := readText(r, "message text")
	if err != nil {
		return err
	}
	id, err := a.svc.SendMessage(r.Context(), caller(r), to, body)
	if err != nil {
		return err
	}
	return write(w, messageID{ID: id})
}

func (a *api) postChatState(w http.ResponseWriter, r *http.Request) error {
	state, err := pathVar(r, "state")
	if err != nil {
		return err
	}
	to, err := pathVar(r, "to")
	if err != nil {
		return err
	}
	if err := a.svc.SendChatState(r.Context(), caller(r), state, to); err != nil {
		return err
	}
	return ok(w)
}

// jidEntity is SparkWeb's JID model.
type jidEntity struct {
	Node     string `json:"node"`
	Domain   string `json:"domain"`
	Resource string `json:"resource,omitempty"`
}

func toJIDEntity(s string) jidEntity {
	j, err := jid.Parse(s)
	if err != nil {
		return jidEntity{}
	}
	return jidEntity{Node: j.Localpart(), Domain: j.Domainpart(), Resource: j.Resourcepart()}
}

// archivedMessage is SparkWeb's ArchivedMessage.
type archivedMessage struct {
	ConversationID int64     `json:"conversationID"`
	FromJID        jidEntity `json:"fromJID"`
	ToJID          jidEntity `json:"toJID"`
	SentDate       string    `json:"sentDate"`
	Body           string    `json:"body"`
	RoomEvent      bool      `json:"roomEvent"`
	From           string    `json:"from"`
	To             string    `json:"to"`
}

// conversation is SparkWeb's Conversation.
type conversation struct {
	ConversationID  int64             `json:"conversationID"`
	Participants    []jidEntity       `json:"participants"`
	External        bool              `json:"external"`
	StartDate       string            `json:"startDate"`
	LastActivity    string            `json:"lastActivity"`
	MessageCount    int               `json:"messageCount"`
	ParticipantList []string          `json:"participantList"`
	Messages        []archivedMessage `json:"messages"`
}

type conversations struct {
	Conversations []conversation `json:"conversations"`
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// parseTimeParam reads start and end: RFC 3339 or Unix milliseconds.
func parseTimeParam(r *http.Request, name string) (time.Time, error) {
	v := strings.TrimSpace(r.URL.Query().Get(name))
	if v == "" {
		return time.Time{}, nil
	}
	t, err := httpapi.ParseTime(v)
	if err != nil {
		return time.Time{}, fault.New(fault.BadRequest, "%s=%q: want a date such as 2026-01-02T15:04:05Z or Unix milliseconds", name, v)
	}
	return t, nil
}

func (a *api) chatMessages(w http.ResponseWriter, r *http.Request) error {
	start, err := parseTimeParam(r, "start")
	if err != nil {
		return err
	}
	end, err := parseTimeParam(r, "end")
	if err != nil {
		return err
	}
	c := caller(r)
	q := r.URL.Query()
	convs, err := a.svc.ChatHistory(r.Context(), c, userops.HistoryQuery{
		With: q.Get("to"), Start: start, End: end, Keywords: q.Get("keywords")})
	if err != nil {
		return err
	}
	out := conversations{Conversations: []conversation{}}
	me := c.Actor.User.String()
	for i, cv := range convs {
		id := int64(i + 1)
		conv := conversation{
			ConversationID:  id,
			Participants:    []jidEntity{toJIDEntity(me), toJIDEntity(cv.With.String())},
			External:        cv.With.Domainpart() != c.Actor.User.Domainpart(),
			MessageCount:    len(cv.Messages),
			ParticipantList: []string{me, cv.With.String()},
			Messages:        []archivedMessage{},
		}
		for _, m := range cv.Messages {
			conv.Messages = append(conv.Messages, archivedMessage{
				ConversationID: id, FromJID: toJIDEntity(m.From), ToJID: toJIDEntity(m.To),
				SentDate: formatTime(m.Stamp), Body: m.Body, From: m.From, To: m.To,
			})
		}
		if n := len(cv.Messages); n > 0 {
			conv.StartDate = formatTime(cv.Messages[0].Stamp)
			conv.LastActivity = formatTime(cv.Messages[n-1].Stamp)
		}
		out.Conversations = append(out.Conversations, conv)
	}
	return write(w, out)
}
