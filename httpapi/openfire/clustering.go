package openfire

import (
	"encoding/xml"
	"net/http"

	"xmpprest/component/fault"
	"xmpprest/httpapi"
)

// routesClustering answers for this one instance: clustering is disabled
// and the only node is this one.
func (a *api) clusteringRoutes() []httpapi.Route {
	return []httpapi.Route{
		{Method: http.MethodGet, Path: "/clustering/status", Handler: a.clusteringStatus, Summary: "clustering is disabled"},
		{Method: http.MethodGet, Path: "/clustering/nodes", Handler: a.clusterNodes, TrailingSlash: true, Summary: "the one node"},
		{Method: http.MethodGet, Path: "/clustering/nodes/{nodeId}", Handler: a.clusterNode, Summary: "a node by ID"},
	}
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

func (a *api) clusteringStatus(w http.ResponseWriter, r *http.Request) error {
	return a.write(w, r, http.StatusOK, clusteringEntity{Status: "Disabled"})
}

func (a *api) thisNode() clusterNodeEntity {
	return clusterNodeEntity{HostName: a.svc.Node, NodeID: a.svc.Node, JoinedTime: httpapi.Timestamp{Time: a.svc.Started()}, SeniorMember: true}
}

func (a *api) clusterNodes(w http.ResponseWriter, r *http.Request) error {
	return a.write(w, r, http.StatusOK, clusterNodesEntity{Nodes: []clusterNodeEntity{a.thisNode()}})
}

func (a *api) clusterNode(w http.ResponseWriter, r *http.Request) error {
	id, err := pathVar(r, "nodeId")
	if err != nil {
		return err
	}
	if id != a.svc.Node {
		return fault.New(fault.NotFound, "Unable to find cluster node %s: this instance is node %s", id, a.svc.Node).About(id)
	}
	return a.write(w, r, http.StatusOK, a.thisNode())
}
