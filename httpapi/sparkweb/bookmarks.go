package sparkweb

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"

	"xmpprest/component/fault"
	"xmpprest/httpapi"
	"xmpprest/httpapi/userops"
	"xmpprest/store"
)

// bookmarkEntity is SparkWeb's Bookmark.
type bookmarkEntity struct {
	BookmarkID     int64          `json:"bookmarkID"`
	Type           string         `json:"type"`
	Name           string         `json:"name"`
	Value          string         `json:"value"`
	GlobalBookmark bool           `json:"globalBookmark"`
	Users          []string       `json:"users"`
	Groups         []string       `json:"groups"`
	Properties     []userProperty `json:"properties"`
	PropertyNames  []string       `json:"propertyNames"`
}

func toBookmarkEntity(b store.Bookmark) bookmarkEntity {
	e := bookmarkEntity{BookmarkID: b.ID, Type: b.Type, Name: b.Name, Value: b.Value, GlobalBookmark: b.Global,
		Users: b.Users, Groups: b.Groups, Properties: []userProperty{}, PropertyNames: []string{}}
	for k := range b.Properties {
		e.PropertyNames = append(e.PropertyNames, k)
	}
	sort.Strings(e.PropertyNames)
	for _, k := range e.PropertyNames {
		e.Properties = append(e.Properties, userProperty{Key: k, Value: b.Properties[k]})
	}
	return e
}

// bookmarkBody is a bookmark as clients send it: properties as a list of
// {key, value} or as an object.
type bookmarkBody struct {
	Type           string          `json:"type"`
	Name           string          `json:"name"`
	Value          string          `json:"value"`
	GlobalBookmark bool            `json:"globalBookmark"`
	Users          []string        `json:"users"`
	Groups         []string        `json:"groups"`
	Properties     json.RawMessage `json:"properties"`
}

func (b bookmarkBody) input() (userops.BookmarkInput, error) {
	in := userops.BookmarkInput{Type: b.Type, Name: b.Name, Value: b.Value, Global: b.GlobalBookmark,
		Users: b.Users, Groups: b.Groups, Properties: map[string]string{}}
	if len(b.Properties) == 0 || string(b.Properties) == "null" {
		return in, nil
	}
	var list []userProperty
	if json.Unmarshal(b.Properties, &list) == nil {
		for _, p := range list {
			in.Properties[p.Key] = p.Value
		}
		return in, nil
	}
	if json.Unmarshal(b.Properties, &in.Properties) != nil {
		return in, fault.New(fault.BadRequest, "properties: want a list of {\"key\", \"value\"} or an object of strings")
	}
	return in, nil
}

func bookmarkID(r *http.Request) (int64, error) {
	v, err := pathVar(r, "bookmarkID")
	if err != nil {
		return 0, err
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 1 {
		return 0, fault.New(fault.BadRequest, "%q is not a bookmark ID (a positive number)", v)
	}
	return id, nil
}

func (a *api) getBookmarks(w http.ResponseWriter, r *http.Request) error {
	bs, err := a.svc.Bookmarks(r.Context(), caller(r))
	if err != nil {
		return err
	}
	out := struct {
		Bookmarks []bookmarkEntity `json:"bookmarks"`
	}{Bookmarks: []bookmarkEntity{}}
	for _, b := range bs {
		out.Bookmarks = append(out.Bookmarks, toBookmarkEntity(b))
	}
	return write(w, out)
}

func (a *api) getBookmark(w http.ResponseWriter, r *http.Request) error {
	id, err := bookmarkID(r)
	if err != nil {
		return err
	}
	return writeBookmark(w)(a.svc.Bookmark(r.Context(), caller(r), id))
}

// writeBookmark answers an operation's bookmark, or its error.
func writeBookmark(w http.ResponseWriter) func(store.Bookmark, error) error {
	return func(b store.Bookmark, err error) error {
		if err != nil {
			return err
		}
		return write(w, toBookmarkEntity(b))
	}
}

// bookmarkAndName reads the bookmark ID and property name of the path.
func bookmarkAndName(r *http.Request) (int64, string, error) {
	id, err := bookmarkID(r)
	if err != nil {
		return 0, "", err
	}
	name, err := pathVar(r, "name")
	return id, name, err
}

func readBookmark(r *http.Request) (userops.BookmarkInput, error) {
	var b bookmarkBody
	if err := httpapi.DecodeBody(r, &b); err != nil {
		return userops.BookmarkInput{}, err
	}
	return b.input()
}

func (a *api) createBookmark(w http.ResponseWriter, r *http.Request) error {
	in, err := readBookmark(r)
	if err != nil {
		return err
	}
	return writeBookmark(w)(a.svc.CreateBookmark(r.Context(), caller(r), in))
}

func (a *api) updateBookmark(w http.ResponseWriter, r *http.Request) error {
	id, err := bookmarkID(r)
	if err != nil {
		return err
	}
	in, err := readBookmark(r)
	if err != nil {
		return err
	}
	return writeBookmark(w)(a.svc.UpdateBookmark(r.Context(), caller(r), id, in))
}

func (a *api) deleteBookmark(w http.ResponseWriter, r *http.Request) error {
	id, err := bookmarkID(r)
	if err != nil {
		return err
	}
	if err := a.svc.DeleteBookmark(r.Context(), caller(r), id); err != nil {
		return err
	}
	return ok(w)
}

func (a *api) setBookmarkProperty(w http.ResponseWriter, r *http.Request) error {
	id, name, err := bookmarkAndName(r)
	if err != nil {
		return err
	}
	value := ""
	if r.ContentLength != 0 {
		body, err := httpapi.ReadBody(r, false)
		if err != nil {
			return err
		}
		value = string(body)
		var s string
		if json.Unmarshal(body, &s) == nil {
			value = s
		}
	}
	return writeBookmark(w)(a.svc.SetBookmarkProperty(r.Context(), caller(r), id, name, &value))
}

func (a *api) deleteBookmarkProperty(w http.ResponseWriter, r *http.Request) error {
	id, name, err := bookmarkAndName(r)
	if err != nil {
		return err
	}
	return writeBookmark(w)(a.svc.SetBookmarkProperty(r.Context(), caller(r), id, name, nil))
}
