package main

import (
	"context"
	"errors"
	"io"
)

// purge erases customer personal data past the retention period (or with
// -dry-run lists what would go). Built with the callbacks/privacy work.
func purge(ctx context.Context, c *client, admin, pass string, args []string, stdout, stderr io.Writer) error {
	return errors.New("purge: not built yet")
}
