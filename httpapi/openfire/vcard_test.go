package openfire

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/mux"

	"xmpprest/httpapi"
)

// A vCard is XML only: any other body type is refused before anything is
// sent to the server.
func TestVCardRefusesOtherMediaTypes(t *testing.T) {
	a := &api{}
	r := mux.NewRouter().UseEncodedPath()
	httpapi.Dialect{Routes: a.vcardRoutes(), Errors: a.writeFault}.Mount(r)
	for _, ct := range []string{"application/json", "text/plain", "no/such; x"} {
		req := httptest.NewRequest(http.MethodPut, "/users/alice/vcard", strings.NewReader(`{"FN":"x"}`))
		req.Header.Set("Content-Type", ct)
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		if w.Code != http.StatusUnsupportedMediaType || !strings.Contains(w.Body.String(), "NotSupportedException") {
			t.Errorf("%s: %d %s", ct, w.Code, w.Body.String())
		}
	}
}
