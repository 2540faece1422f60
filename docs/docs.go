// Package docs holds the project's documentation pages (markdown), embedded
// so that courierd serves them at /docs.
package docs

import "embed"

// Pages are the markdown pages served at /docs/{name}: protocol.md,
// domain.md and operations.md.
//
//go:embed protocol.md domain.md operations.md
var Pages embed.FS
