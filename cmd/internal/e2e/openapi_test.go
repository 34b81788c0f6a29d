package e2e

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"xmpprest/component/xmppserver"
	"xmpprest/httpapi"
	"xmpprest/httpapi/openapi"
	"xmpprest/httpapi/ops"
)

// loadDocument fetches and validates an OpenAPI document served at path.
func (e *env) loadDocument(path string) *openapi3.T {
	e.t.Helper()
	resp, err := http.Get(e.URL + path)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	doc, err := openapi3.NewLoader().LoadFromData(b)
	if err != nil {
		e.t.Fatalf("%s does not load: %v", path, err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		e.t.Fatalf("%s is not a valid OpenAPI 3 document: %v", path, err)
	}
	return doc
}

// TestOpenAPIDocumentsAndExamples loads and validates the documents at
// /openapi.json and /openapi/{dialect}.json, checks that every declared
// route is in them, then sends every documented example request, in order,
// to xmpprest on Prosody and checks that it validates against the document
// and is answered with the documented success status and a body that
// validates too.
func TestOpenAPIDocumentsAndExamples(t *testing.T) {
	e := start(t, xmppserver.Prosody)
	all := e.loadDocument("/openapi.json")
	declared := openapi.Operations(httpapi.DeclaredRoutes())
	for _, o := range declared {
		item := all.Paths.Value(o.Path)
		if item == nil || item.GetOperation(o.Method) == nil {
			t.Errorf("%s %s is declared but not in /openapi.json", o.Method, o.Path)
		}
	}
	for _, name := range openapi.Dialects(declared) {
		doc := e.loadDocument("/openapi/" + name + ".json")
		if doc.Paths.Len() == 0 {
			t.Errorf("the %s document has no paths", name)
		}
	}

	token, _, err := e.D.Ops.CreateToken(context.Background(), ops.ServiceAdmin("test"), ops.TokenSpec{Scope: ops.ScopeAdmin})
	if err != nil {
		t.Fatal(err)
	}
	credentials := map[httpapi.Credentials]string{
		httpapi.CredentialsAdmin:    apiSecret,
		httpapi.CredentialsAPIToken: "Bearer " + token,
	}

	router, err := gorillamux.NewRouter(all)
	if err != nil {
		t.Fatal(err)
	}
	options := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}
	sent := 0
	for _, o := range openapi.ExampleOrder(declared) {
		if !o.HasExample() || o.Streams {
			continue
		}
		sent++
		what := o.Method + " " + o.ExamplePath()
		req, _ := http.NewRequest(o.Method, e.URL+o.ExamplePath(), strings.NewReader(o.RequestJSON()))
		req.Header.Set("Accept", "application/json")
		if o.Request != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if o.Secured {
			c, ok := credentials[o.Credentials]
			if !ok {
				t.Errorf("%s: the test has no %q credentials for its example", what, o.Credentials)
				continue
			}
			req.Header.Set("Authorization", c)
		}
		route, params, err := router.FindRoute(req)
		if err != nil {
			t.Errorf("%s: not found in the document: %v", what, err)
			continue
		}
		in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: options}
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			t.Errorf("%s: the documented example request does not validate: %v", what, err)
		}
		req.Body = io.NopCloser(strings.NewReader(o.RequestJSON()))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != o.Status {
			t.Errorf("%s: status %d, documented %d: %s", what, resp.StatusCode, o.Status, body)
			continue
		}
		out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode,
			Header: resp.Header, Body: io.NopCloser(bytes.NewReader(body)), Options: options}
		if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
			t.Errorf("%s: the answer does not validate against the document: %v\n%s", what, err, body)
		}
	}
	t.Logf("%d documented example requests sent and validated", sent)
	if sent < 30 {
		t.Errorf("only %d documented example requests were sent", sent)
	}

	resp, err := http.Get(e.URL + "/api")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /api: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, o := range declared {
		if !strings.Contains(string(page), o.Path) {
			t.Errorf("the API page does not show %s", o.Path)
		}
	}
}
