package client

import (
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/doctales/doctales/httpapi"
)

// TestRoutesInOpenAPI checks that every route the client calls is an
// operation of the served contract, httpapi/openapi.yaml: a route renamed
// or dropped on the server fails here, not in a user's terminal.
func TestRoutesInOpenAPI(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(httpapi.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range routes {
		method, path, _ := strings.Cut(r, " ")
		item := doc.Paths.Find(path)
		if item == nil {
			t.Errorf("%s: no path %s in openapi.yaml", r, path)
			continue
		}
		if item.GetOperation(method) == nil {
			t.Errorf("%s: path %s has no %s operation in openapi.yaml", r, path, method)
		}
	}
}
