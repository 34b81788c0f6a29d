package sparkweb

import (
	"net/http"

	"xmpprest/httpapi"
)

// nodeEntity is SparkWeb's NodeEntity.
type nodeEntity struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Owners      []string `json:"owners"`
}

func (a *api) nodes(pep bool) httpapi.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		ns, err := a.svc.PubSubNodes(r.Context(), caller(r), pep)
		if err != nil {
			return err
		}
		out := struct {
			Nodes []nodeEntity `json:"nodes"`
		}{Nodes: []nodeEntity{}}
		for _, n := range ns {
			out.Nodes = append(out.Nodes, nodeEntity{ID: n.ID, Name: n.Name, Owners: []string{}})
		}
		return write(w, out)
	}
}

func (a *api) createNode(w http.ResponseWriter, r *http.Request) error {
	node, err := pathVar(r, "node")
	if err != nil {
		return err
	}
	if err := a.svc.CreateNode(r.Context(), caller(r), node); err != nil {
		return err
	}
	return ok(w)
}

func (a *api) deleteNode(w http.ResponseWriter, r *http.Request) error {
	node, err := pathVar(r, "node")
	if err != nil {
		return err
	}
	if err := a.svc.DeleteNode(r.Context(), caller(r), node); err != nil {
		return err
	}
	return ok(w)
}

type itemID struct {
	ID string `json:"id"`
}

func (a *api) publish(pep bool) httpapi.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		node, err := pathVar(r, "node")
		if err != nil {
			return err
		}
		body, err := httpapi.ReadBody(r, false)
		if err != nil {
			return err
		}
		id, err := a.svc.PublishItem(r.Context(), caller(r), pep, node, body)
		if err != nil {
			return err
		}
		return write(w, itemID{ID: id})
	}
}

// subscriptionEntity is a subscription to a node.
type subscriptionEntity struct {
	Node         string `json:"node"`
	JID          string `json:"jid"`
	SubID        string `json:"subid,omitempty"`
	Subscription string `json:"subscription"`
}

func (a *api) subscribe(w http.ResponseWriter, r *http.Request) error {
	node, err := pathVar(r, "node")
	if err != nil {
		return err
	}
	sub, err := a.svc.Subscribe(r.Context(), caller(r), node)
	if err != nil {
		return err
	}
	return write(w, subscriptionEntity{Node: sub.Node, JID: sub.JID, SubID: sub.SubID, Subscription: sub.Subscription})
}

func (a *api) subscribers(w http.ResponseWriter, r *http.Request) error {
	node, err := pathVar(r, "node")
	if err != nil {
		return err
	}
	subs, err := a.svc.Subscribers(r.Context(), caller(r), node)
	if err != nil {
		return err
	}
	out := struct {
		Subscriptions []subscriptionEntity `json:"subscriptions"`
	}{Subscriptions: []subscriptionEntity{}}
	for _, s := range subs {
		out.Subscriptions = append(out.Subscriptions, subscriptionEntity{Node: s.Node, JID: s.JID, SubID: s.SubID, Subscription: s.Subscription})
	}
	return write(w, out)
}
