package server

import (
	"context"
	"io"
	"slices"

	"github.com/courier-sync/courier-sync/syncproto"
)

// maxHolders bounds BlobMeta.Holders: past it, more couriers who send the
// same bytes are not remembered (they get 200 but must keep their copy).
const maxHolders = 64

// sent reports whether p uploaded the blob's bytes (first or later).
func sent(p Principal, m *BlobMeta) bool {
	return m.Uploader == p.UserID || slices.Contains(m.Holders, p.UserID)
}

// mayKnow reports whether p may learn that the whole blob exists:
// dispatchers and above (they read display copies of every report);
// a courier only for blobs they sent. A digest named in a courier's op
// grants nothing: anyone can name any digest.
func mayKnow(p Principal, m *BlobMeta) bool {
	return p.AtLeast(syncproto.RoleDispatcher) || sent(p, m)
}

// mayRead reports whether p may read some variant of the blob.
func mayRead(p Principal, m *BlobMeta) bool { return mayKnow(p, m) }

// addHolder records that p sent the bytes of an existing blob.
func (b *Blobs) addHolder(ctx context.Context, m *BlobMeta, p Principal) error {
	if sent(p, m) || len(m.Holders) >= maxHolders {
		return nil
	}
	m.Holders = append(m.Holders, p.UserID)
	return storageError(b.Meta.PutBlobMeta(ctx, m))
}

// Open returns a variant for reading, after the access rules: supervisors
// and admins read everything; dispatchers read display copies and
// thumbnails; couriers read the blobs they sent (the original included: it
// carries GPS), and anything else is "not found".
func (b *Blobs) Open(ctx context.Context, p Principal, digest, variant string) (io.ReadCloser, int64, *BlobMeta, error) {
	if err := checkDigest(digest); err != nil {
		return nil, 0, nil, err
	}
	m, err := b.whole(ctx, digest)
	if err != nil {
		return nil, 0, nil, ErrNotFound
	}
	rc, n, err := b.open(p, m, variant)
	return rc, n, m, err
}

func (b *Blobs) open(p Principal, m *BlobMeta, variant string) (io.ReadCloser, int64, error) {
	switch {
	case p.AtLeast(syncproto.RoleSupervisor), sent(p, m):
	case p.Role == syncproto.RoleDispatcher:
		if variant == VariantOriginal {
			return nil, 0, ErrForbidden
		}
	default:
		return nil, 0, ErrNotFound
	}
	if variant != VariantOriginal {
		switch m.State {
		case BlobPending:
			return nil, 0, ErrBlobPending
		case BlobUnprocessable:
			return nil, 0, syncproto.Errorf(syncproto.CodeUnprocessable, "the photo could not be processed: %s; the original is kept", m.Reason)
		}
	}
	return b.Files.Open(m.Digest, variant)
}
