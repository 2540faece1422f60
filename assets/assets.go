// Package assets holds the files courierd serves as they are: the OpenAPI
// document (and later the web console).
package assets

import _ "embed"

// OpenAPI is the OpenAPI 3 document of the v1 API, served at
// /v1/openapi.json.
//
//go:embed openapi.json
var OpenAPI []byte
