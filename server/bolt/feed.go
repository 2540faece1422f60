package bolt

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
	bbolt "go.etcd.io/bbolt"
)

// A pull cursor is base64url(epoch ‖ courier tag ‖ last seq). The epoch is
// made when the store file is created (and afresh in every backup copy),
// so a cursor from another, restored or replaced store is refused with
// cursor_expired instead of skipping changes; the courier tag does the same
// for a handheld that changes hands.
func (d *DB) encodeCursor(userID string, seq uint64) string {
	var b [20]byte
	binary.BigEndian.PutUint64(b[:8], d.epoch)
	copy(b[8:12], courierTag(userID))
	binary.BigEndian.PutUint64(b[12:], seq)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func (d *DB) decodeCursor(userID, s string) (uint64, error) {
	if s == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != 20 {
		return 0, server.Invalid("cursor: malformed")
	}
	if binary.BigEndian.Uint64(b[:8]) != d.epoch || !bytes.Equal(b[8:12], courierTag(userID)) {
		return 0, server.ErrCursorExpired
	}
	return binary.BigEndian.Uint64(b[12:]), nil
}

func courierTag(userID string) []byte {
	h := sha256.Sum256([]byte(userID))
	return h[:4]
}

// Pull implements server.SyncService. Only couriers have feeds; other
// roles get an empty one.
func (d *DB) Pull(ctx context.Context, p server.Principal, cursor string, limit int) (*syncproto.PullResponse, error) {
	after, err := d.decodeCursor(p.UserID, cursor)
	if err != nil {
		return nil, err
	}
	resp := &syncproto.PullResponse{Changes: []syncproto.Change{}}
	last := after
	err = d.db.View(func(tx *bbolt.Tx) error {
		feed := tx.Bucket(bucketFeeds).Bucket([]byte(p.UserID))
		if feed == nil {
			return nil
		}
		if after > feed.Sequence() {
			return server.ErrCursorExpired
		}
		c := feed.Cursor()
		var arena []byte // the page's data, copied out of the transaction in few allocations
		for k, v := c.Seek(u64(after + 1)); k != nil; k, v = c.Next() {
			if len(resp.Changes) == limit {
				resp.HasMore = true
				break
			}
			last = binary.BigEndian.Uint64(k)
			ch, err := decodeChange(last, v, &arena)
			if err != nil {
				return err
			}
			resp.Changes = append(resp.Changes, ch)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	resp.Cursor = d.encodeCursor(p.UserID, last)
	return resp, nil
}

// appendChange adds a change to a courier's feed in tx.
func appendChange(tx *bbolt.Tx, courierID, typ string, data any) error {
	feed, err := tx.Bucket(bucketFeeds).CreateBucketIfNotExists([]byte(courierID))
	if err != nil {
		return err
	}
	feed.FillPercent = appendFill
	seq, err := feed.NextSequence()
	if err != nil {
		return err
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return &unstorableError{err: err}
	}
	return feed.Put(u64(seq), encodeChange(typ, raw))
}

// A stored change is one byte of type length, the type, then the data's
// JSON: pulling copies bytes instead of parsing JSON.
func encodeChange(typ string, data []byte) []byte {
	v := make([]byte, 0, 1+len(typ)+len(data))
	v = append(v, byte(len(typ)))
	v = append(v, typ...)
	return append(v, data...)
}

// decodeChange reads a stored change; its data is copied into *arena (a
// slice of an array a later append outgrows stays valid).
func decodeChange(seq uint64, v []byte, arena *[]byte) (syncproto.Change, error) {
	if len(v) == 0 || len(v) < 1+int(v[0]) {
		return syncproto.Change{}, fmt.Errorf("bolt: corrupt feed entry %d", seq)
	}
	n := 1 + int(v[0])
	typ, ok := changeTypes[string(v[1:n])]
	if !ok {
		typ = string(v[1:n])
	}
	if cap(*arena)-len(*arena) < len(v)-n {
		*arena = make([]byte, 0, max(2*cap(*arena), 1024, len(v)-n))
	}
	start := len(*arena)
	*arena = append(*arena, v[n:]...)
	data := (*arena)[start:len(*arena):len(*arena)]
	return syncproto.Change{ID: strconv.FormatUint(seq, 10), Type: typ, Data: data}, nil
}

// changeTypes are the change types, so a pull does not allocate each one.
var changeTypes = map[string]string{}

func init() {
	for _, t := range []string{syncproto.ChangeCallbackTask, syncproto.ChangeConfig, syncproto.ChangeCODBalance,
		syncproto.ChangeComplaint, syncproto.ChangeVehicleStatus} {
		changeTypes[t] = t
	}
}

// appendConfig publishes the capture policy to a courier's feed.
func (d *DB) appendConfig(tx *bbolt.Tx, courierID string) error {
	return appendChange(tx, courierID, syncproto.ChangeConfig, d.opts.Capture)
}
