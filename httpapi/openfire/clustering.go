package openfire

import (
	"encoding/xml"
	"net/http"
	"xmpprest/httpapi"

	"github.com/gorilla/mux"

	"xmpprest/component/fault"
)

// routesClustering answers for this one instance: clustering is disabled
// and the only node is this one.
func (a *api) routesClustering(r *mux.Router) {
	r.HandleFunc("/clustering/status", a.clusteringStatus).Methods(http.MethodGet)
	a.handle(r, "/clustering/nodes", a.clusterNodes, http.MethodGet)
	r.HandleFunc("/clustering/nodes/{nodeId}", a.clusterNode).Methods(http.MethodGet)
}

type clusteringEntity struct {
	XMLName xml.Name `xml:"clustering" json:"-"`
	Status  string   `xml:"status" json:"status"`
}

type clusterNodeEntity struct {
	XMLName      xml.Name          `xml:"clusterNode" json:"-"`
	HostName     string            `xml:"hostName" json:"hostName"`
	NodeID       string            `xml:"nodeID" json:"nodeID"`
	JoinedTime   httpapi.Timestamp `xml:"joinedTime" json:"joinedTime"`
	SeniorMember bool              `xml:"seniorMember" json:"seniorMember"`
}

type clusterNodesEntity struct {
	XMLName xml.Name            `xml:"clusterNodes" json:"-"`
	Nodes   []clusterNodeEntity `xml:"clusterNode" json:"clusterNodes"`
}

func (a *api) clusteringStatus(w http.ResponseWriter, r *http.Request) {
	a.write(w, r, http.StatusOK, clusteringEntity{Status: "Disabled"})
}

func (a *api) thisNode() clusterNodeEntity {
	return clusterNodeEntity{HostName: a.svc.Node, NodeID: a.svc.Node, JoinedTime: httpapi.Timestamp{Time: a.svc.Started()}, SeniorMember: true}
}

func (a *api) clusterNodes(w http.ResponseWriter, r *http.Request) {
	a.write(w, r, http.StatusOK, clusterNodesEntity{Nodes: []clusterNodeEntity{a.thisNode()}})
}

func (a *api) clusterNode(w http.ResponseWriter, r *http.Request) {
	id, err := pathVar(r, "nodeId")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if id != a.svc.Node {
		a.fail(w, r, fault.New(fault.NotFound, "Unable to find cluster node %s: this instance is node %s", id, a.svc.Node).About(id))
		return
	}
	a.write(w, r, http.StatusOK, a.thisNode())
}
