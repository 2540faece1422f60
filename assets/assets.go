// Package assets holds the files courierd serves as they are: the OpenAPI
// document and the web console.
package assets

import "embed"

// OpenAPI is the OpenAPI 3 document of the v1 API, served at
// /v1/openapi.json.
//
//go:embed openapi.json
var OpenAPI []byte

// Console is the web console (a single-page app in plain JavaScript
// modules, no build step), served under /console/. Its files are under
// the directory "console".
//
//go:embed console
var Console embed.FS
