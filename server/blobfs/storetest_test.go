package blobfs_test

import (
	"testing"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/server/blobfs"
	"github.com/courier-sync/courier-sync/server/storetest"
)

// TestConformance runs the blob-file behaviours of the store conformance
// suite against files in a temporary directory.
func TestConformance(t *testing.T) {
	storetest.RunBlobFiles(t, func(t *testing.T) server.BlobFiles {
		f, err := blobfs.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return f
	})
}
