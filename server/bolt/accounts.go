package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"sort"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
	bbolt "go.etcd.io/bbolt"
)

// Buckets of account administration:
//   - user_sessions: u64(user seq) ‖ u64(bucket sequence) ‖ session id →
//     "": a user's sessions in the order they opened;
//   - user_devices: u64(user seq) ‖ device id → tkey(last seen): the
//     devices a user signed in on, and when the server last heard from
//     each (login and token refresh: no write per request).
var (
	bucketUserSessions = []byte("user_sessions")
	bucketUserDevices  = []byte("user_devices")
	keySessionIndex    = []byte("user_sessions_indexed")
)

// accountBuckets are the buckets of account administration.
var accountBuckets = [][]byte{bucketUserSessions, bucketUserDevices}

// maxDevicesShown bounds the devices a courier entry lists (most recently
// seen first).
const maxDevicesShown = 10

// indexSession records s under its user and marks its device seen at at.
func indexSession(tx *bbolt.Tx, s *server.Session, at time.Time) error {
	seq, ok := idSeq(s.UserID, "u")
	if !ok {
		return nil
	}
	b := tx.Bucket(bucketUserSessions)
	n, err := b.NextSequence()
	if err != nil {
		return err
	}
	if err := b.Put(append(append(u64(seq), u64(n)...), s.ID...), nil); err != nil {
		return err
	}
	return seenDevice(tx, s, at)
}

// seenDevice records that s's device was heard from at at.
func seenDevice(tx *bbolt.Tx, s *server.Session, at time.Time) error {
	seq, ok := idSeq(s.UserID, "u")
	if !ok {
		return nil
	}
	return tx.Bucket(bucketUserDevices).Put(append(u64(seq), s.DeviceID...), tkey(at))
}

// indexOldSessions indexes the sessions of a store written before the
// user_sessions index existed, once.
func indexOldSessions(tx *bbolt.Tx) error {
	meta := tx.Bucket(bucketMeta)
	if meta.Get(keySessionIndex) != nil {
		return nil
	}
	err := tx.Bucket(bucketSessions).ForEach(func(_, v []byte) error {
		var s server.Session
		if err := json.Unmarshal(v, &s); err != nil {
			return err
		}
		return indexSession(tx, &s, s.CreatedAt)
	})
	if err != nil {
		return err
	}
	return meta.Put(keySessionIndex, []byte{1})
}

// ListCouriers implements server.Accounts.
func (d *DB) ListCouriers(ctx context.Context, f server.CourierFilter) (*syncproto.CourierList, error) {
	after, err := parseCursor(f.Cursor)
	if err != nil {
		return nil, err
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	out := &syncproto.CourierList{Couriers: []syncproto.Courier{}}
	err = d.db.View(func(tx *bbolt.Tx) error {
		var err error
		out.Cursor, out.HasMore, err = scanPage(tx.Bucket(bucketUsers), after, f.Limit, func(k, v []byte) (bool, error) {
			var u server.User
			if err := json.Unmarshal(v, &u); err != nil {
				return false, err
			}
			if u.Role != syncproto.RoleCourier || (f.Active != nil && *f.Active == u.Disabled) {
				return false, nil
			}
			out.Couriers = append(out.Couriers, syncproto.Courier{UserID: u.ID, Username: u.Username,
				DisplayName: u.DisplayName, Active: !u.Disabled, Devices: userDevices(tx, k)})
			return true, nil
		})
		return err
	})
	return out, err
}

// userDevices lists the devices of the user whose key is seq, most
// recently seen first, at most maxDevicesShown.
func userDevices(tx *bbolt.Tx, seq []byte) []syncproto.Device {
	out := []syncproto.Device{}
	c := tx.Bucket(bucketUserDevices).Cursor()
	for k, v := c.Seek(seq); k != nil && bytes.HasPrefix(k, seq); k, v = c.Next() {
		out = append(out, syncproto.Device{DeviceID: string(k[8:]), LastSeenAt: untkey(v)})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].LastSeenAt.After(out[j].LastSeenAt) })
	if len(out) > maxDevicesShown {
		out = out[:maxDevicesShown]
	}
	return out
}

// untkey reads a tkey back as a UTC time.
func untkey(b []byte) time.Time {
	if len(b) < 8 {
		return time.Time{}
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(b)^(1<<63))).UTC()
}

// PatchUser implements server.Accounts.
func (d *DB) PatchUser(ctx context.Context, p server.Principal, id string, patch *syncproto.UserPatch) (*server.User, error) {
	if err := server.CheckUserPatch(patch); err != nil {
		return nil, err
	}
	now := d.now()
	return decide(d, func(tx *bbolt.Tx) (*server.User, error) {
		u, key, err := userForUpdate(tx, id)
		if err != nil {
			return nil, err
		}
		admins, err := activeAdmins(tx)
		if err != nil {
			return nil, err
		}
		ended, err := server.ApplyUserPatch(u, patch, admins)
		if err != nil {
			return nil, err
		}
		if err := putJSON(tx.Bucket(bucketUsers), key, u); err != nil {
			return nil, err
		}
		e := server.NewEvent(p, server.ActionUserUpdate, u.ID, now)
		e.Detail = patchDetail(patch, ended)
		return u, appendEvent(tx, e)
	})
}

// patchDetail says what a patch changed, without the display name itself.
func patchDetail(patch *syncproto.UserPatch, ended bool) string {
	var parts []string
	if patch.Role != nil {
		parts = append(parts, "role "+*patch.Role)
	}
	if patch.DisplayName != nil {
		parts = append(parts, "display_name changed")
	}
	if patch.Active != nil {
		if *patch.Active {
			parts = append(parts, "enabled")
		} else {
			parts = append(parts, "disabled")
		}
	}
	if ended {
		parts = append(parts, "sessions ended")
	}
	var b bytes.Buffer
	for i, s := range parts {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(s)
	}
	return b.String()
}

// SetPassword implements server.Accounts.
func (d *DB) SetPassword(ctx context.Context, p server.Principal, id, hash string) error {
	now := d.now()
	_, err := decide(d, func(tx *bbolt.Tx) (struct{}, error) {
		u, key, err := userForUpdate(tx, id)
		if err != nil {
			return struct{}{}, err
		}
		u.PasswordHash = hash
		u.SessionGen++
		if err := putJSON(tx.Bucket(bucketUsers), key, u); err != nil {
			return struct{}{}, err
		}
		e := server.NewEvent(p, server.ActionUserPassword, u.ID, now)
		e.Detail = "password reset; sessions ended"
		return struct{}{}, appendEvent(tx, e)
	})
	return err
}

func userForUpdate(tx *bbolt.Tx, id string) (*server.User, []byte, error) {
	seq, ok := idSeq(id, "u")
	if !ok {
		return nil, nil, server.ErrNotFound
	}
	u, err := getUser(tx, u64(seq))
	return u, u64(seq), err
}

// activeAdmins counts the active admin accounts (accounts are few: a
// station's staff).
func activeAdmins(tx *bbolt.Tx) (int, error) {
	n := 0
	err := tx.Bucket(bucketUsers).ForEach(func(_, v []byte) error {
		var u server.User
		if err := json.Unmarshal(v, &u); err != nil {
			return err
		}
		if u.Role == syncproto.RoleAdmin && !u.Disabled {
			n++
		}
		return nil
	})
	return n, err
}

// UserSessions implements server.Accounts: newest first; the cursor is the
// hex of the last index key returned.
func (d *DB) UserSessions(ctx context.Context, id string, cursor string, limit int) (*syncproto.SessionList, error) {
	seq, ok := idSeq(id, "u")
	if !ok {
		return nil, server.ErrNotFound
	}
	prefix := u64(seq)
	before, err := hex.DecodeString(cursor)
	if err != nil || (cursor != "" && !bytes.HasPrefix(before, prefix)) {
		return nil, server.Invalid("cursor: malformed")
	}
	out := &syncproto.SessionList{Sessions: []syncproto.SessionView{}}
	now := d.now()
	err = d.db.View(func(tx *bbolt.Tx) error {
		u, err := getUser(tx, prefix)
		if err != nil {
			return err
		}
		c := tx.Bucket(bucketUserSessions).Cursor()
		start := u64(seq + 1)
		if cursor != "" {
			start = before
		}
		k, _ := c.Seek(start)
		if k == nil {
			k, _ = c.Last()
		} else {
			k, _ = c.Prev()
		}
		for ; k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Prev() {
			if len(out.Sessions) == limit {
				out.HasMore = true
				break
			}
			s, err := getSession(tx, string(k[16:]))
			if err != nil {
				continue // an index entry without its session
			}
			out.Sessions = append(out.Sessions, sessionView(s, u, now))
			out.Cursor = hex.EncodeToString(k)
		}
		return nil
	})
	return out, err
}

func sessionView(s *server.Session, u *server.User, now time.Time) syncproto.SessionView {
	seen := s.LastSeenAt
	if seen.IsZero() {
		seen = s.CreatedAt
	}
	return syncproto.SessionView{SessionID: s.ID, DeviceID: s.DeviceID, CreatedAt: s.CreatedAt, LastSeenAt: seen,
		ExpiresAt: s.ExpiresAt, RevokedAt: s.RevokedAt,
		Active: s.ActiveFor(u, now)}
}

// RevokeUserSession implements server.Accounts.
func (d *DB) RevokeUserSession(ctx context.Context, p server.Principal, userID, sessionID string) error {
	now := d.now()
	_, err := decide(d, func(tx *bbolt.Tx) (struct{}, error) {
		s, err := getSession(tx, sessionID)
		if err != nil || s.UserID != userID {
			return struct{}{}, server.ErrNotFound
		}
		if s.RevokedAt == nil {
			s.RevokedAt = &now
			if err := putSession(tx, s); err != nil {
				return struct{}{}, err
			}
		}
		e := server.NewEvent(p, server.ActionSessionRevoke, userID, now)
		e.Detail = "device " + s.DeviceID
		return struct{}{}, appendEvent(tx, e)
	})
	return err
}

var _ server.Accounts = (*DB)(nil)

// Settings returns the business rules the store runs with.
func (d *DB) Settings() server.Settings { return d.opts.Settings }
