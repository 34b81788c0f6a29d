package openapi

import (
	"net/http"
	"strings"
	"testing"

	"xmpprest/httpapi"
)

func TestOperationsAndDocument(t *testing.T) {
	type item struct {
		Name  string   `json:"name"`
		Count int      `json:"count"`
		Tags  []string `json:"tags"`
	}
	routes := []httpapi.DeclaredRoute{
		{Dialect: "d", Prefix: "/api", Route: httpapi.Route{Method: http.MethodDelete, Path: "/items/{id:[0-9]+}", Summary: "remove"}},
		{Dialect: "d", Prefix: "/api", Route: httpapi.Route{Method: http.MethodGet, Path: "/items/{id:[0-9]+}", Summary: "one item",
			Doc: httpapi.RouteDoc{Path: map[string]string{"id": "7"}, Response: item{Name: "x", Count: 1, Tags: []string{"a"}},
				Query: []httpapi.Param{{Name: "expand", Example: "true"}}}}},
		{Dialect: "d", Prefix: "/api", Route: httpapi.Route{Method: http.MethodPost, Path: "/items", Summary: "add",
			Doc: httpapi.RouteDoc{Status: http.StatusCreated, Request: item{Name: "x"}}}},
		// The same route mounted by a second router counts once.
		{Dialect: "d", Prefix: "/api", Route: httpapi.Route{Method: http.MethodPost, Path: "/items", Summary: "add"}},
		{Dialect: "e", Route: httpapi.Route{Method: http.MethodGet, Path: "/open", Public: true, Summary: "open"}},
	}
	ops := Operations(routes)
	if len(ops) != 4 {
		t.Fatalf("%d operations, want 4 (duplicates counted once)", len(ops))
	}
	if ops[1].Path != "/api/items/{id}" || ops[1].ExamplePath() != "/api/items/7?expand=true" {
		t.Errorf("path %q, example %q", ops[1].Path, ops[1].ExamplePath())
	}
	order := ExampleOrder(ops)
	if order[0].Method != http.MethodPost || order[len(order)-1].Method != http.MethodDelete {
		t.Errorf("example order: %s first, %s last; want POST first and DELETE last", order[0].Method, order[len(order)-1].Method)
	}
	doc, err := Document("t", "1", ops)
	if err != nil {
		t.Fatal(err)
	}
	get := doc.Paths.Value("/api/items/{id}").Get
	schema := get.Responses.Value("200").Value.Content["application/json"].Schema.Value
	if !schema.Type.Is("object") || !schema.Properties["count"].Value.Type.Is("number") || !schema.Properties["tags"].Value.Type.Is("array") {
		t.Errorf("response schema from the example: %+v", schema)
	}
	if get.Security == nil || doc.Paths.Value("/open").Get.Security != nil {
		t.Error("only routes that are not public need credentials")
	}
	if doc.Paths.Value("/api/items").Post.Responses.Value("201") == nil {
		t.Error("the declared success status is not documented")
	}
	table := MarkdownTable(ops)
	if !strings.Contains(table, "| d | `GET /api/items/{id}` | one item | admin |") || !strings.Contains(table, "| e | `GET /open` | open | none |") {
		t.Errorf("table:\n%s", table)
	}
}
