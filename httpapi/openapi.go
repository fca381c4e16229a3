package httpapi

import (
	_ "embed" // the OpenAPI document
	"encoding/json"
	"sync"

	"go.yaml.in/yaml/v3"
)

// OpenAPI is the API's contract, an OpenAPI 3.1 document served at GET
// /openapi.yaml and, as JSON, at GET /openapi.json. TestOpenAPI_Contract
// keeps it true: every route the server registers is in it and the other
// way round, and real answers validate against it (kin-openapi validates a
// 3.1 document's schemas as JSON Schema 2020-12: a field that may be null
// says so with a type array, ["array", "null"], not "nullable").
//
//go:embed openapi.yaml
var OpenAPI []byte

// openAPIJSON is OpenAPI as JSON, converted once.
var openAPIJSON = sync.OnceValues(func() ([]byte, error) {
	var doc any
	if err := yaml.Unmarshal(OpenAPI, &doc); err != nil {
		return nil, err
	}
	return json.Marshal(doc)
})
