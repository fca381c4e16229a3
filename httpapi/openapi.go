package httpapi

import _ "embed" // the OpenAPI document

// OpenAPI is the API's contract, an OpenAPI 3.0 document served at GET
// /openapi.yaml. TestOpenAPI_Contract keeps it true: every route the
// server registers is in it and the other way round, and real answers
// validate against it.
//
//go:embed openapi.yaml
var OpenAPI []byte
