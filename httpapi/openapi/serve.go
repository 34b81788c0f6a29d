package openapi

import (
	"embed"
	"html/template"
	"net/http"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gorilla/mux"

	"xmpprest/httpapi"
)

//go:embed api.html
var files embed.FS

var apiPage = template.Must(template.New("api.html").Funcs(template.FuncMap{
	"lower": strings.ToLower,
}).ParseFS(files, "api.html"))

// Docs are the documents of the routes declared in this process, made on
// first use (every dialect is mounted by then).
type Docs struct {
	Version string

	once    sync.Once
	err     error
	ops     []Operation
	all     *openapi3.T
	dialect map[string]*openapi3.T
}

// build makes every document from httpapi.DeclaredRoutes.
func (d *Docs) build() error {
	d.once.Do(func() {
		d.ops = Operations(httpapi.DeclaredRoutes())
		d.dialect = map[string]*openapi3.T{}
		if d.all, d.err = Document("xmpprest", d.Version, d.ops); d.err != nil {
			return
		}
		for _, name := range Dialects(d.ops) {
			var mine []Operation
			for _, o := range d.ops {
				if o.Dialect == name {
					mine = append(mine, o)
				}
			}
			if d.dialect[name], d.err = Document("xmpprest: "+name, d.Version, mine); d.err != nil {
				return
			}
		}
	})
	return d.err
}

// All is the document of every dialect.
func (d *Docs) All() (*openapi3.T, error) { return d.all, d.build() }

// Dialect is the document of one dialect, nil when there is no such
// dialect.
func (d *Docs) Dialect(name string) (*openapi3.T, error) {
	err := d.build()
	return d.dialect[name], err
}

// Operations are the documented operations.
func (d *Docs) Operations() ([]Operation, error) { return d.ops, d.build() }

// Routes declares the documents' own endpoints: /openapi.json (every
// dialect), /openapi/{dialect}.json and the API page /api.
func (d *Docs) Routes() []httpapi.Route {
	return []httpapi.Route{
		{Method: http.MethodGet, Path: "/openapi.json", Handler: d.serveAll, Public: true,
			Summary: "the OpenAPI 3 document of every dialect"},
		{Method: http.MethodGet, Path: "/openapi/{dialect}.json", Handler: d.serveDialect, Public: true,
			Summary: "the OpenAPI 3 document of one dialect", Doc: httpapi.RouteDoc{Path: map[string]string{"dialect": "openfire"}}},
		{Method: http.MethodGet, Path: "/api", Handler: d.servePage, Public: true,
			Summary: "the API page: every endpoint with its example request and answer, for people"},
	}
}

// Register mounts the documents' endpoints on r.
func (d *Docs) Register(r *mux.Router) {
	httpapi.Dialect{Name: "documents", Routes: d.Routes(), Errors: writeError}.Mount(r)
}

func writeError(w http.ResponseWriter, _ *http.Request, err error) {
	httpapi.WriteJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
}

func (d *Docs) serveAll(w http.ResponseWriter, _ *http.Request) error {
	doc, err := d.All()
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, doc)
	return nil
}

func (d *Docs) serveDialect(w http.ResponseWriter, r *http.Request) error {
	name, err := httpapi.PathVar(r, "dialect")
	if err != nil {
		return err
	}
	doc, err := d.Dialect(name)
	if err != nil {
		return err
	}
	if doc == nil {
		httpapi.WriteJSON(w, http.StatusNotFound, map[string]any{"error": "no such dialect: " + name})
		return nil
	}
	httpapi.WriteJSON(w, http.StatusOK, doc)
	return nil
}

// pageDialect is one dialect on the API page.
type pageDialect struct {
	Name       string
	Operations []Operation
}

func (d *Docs) servePage(w http.ResponseWriter, _ *http.Request) error {
	ops, err := d.Operations()
	if err != nil {
		return err
	}
	var dialects []pageDialect
	for _, name := range Dialects(ops) {
		pd := pageDialect{Name: name}
		for _, o := range ops {
			if o.Dialect == name {
				pd.Operations = append(pd.Operations, o)
			}
		}
		dialects = append(dialects, pd)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	return apiPage.Execute(w, map[string]any{"Version": d.Version, "Dialects": dialects})
}
