package bolt

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
	bbolt "go.etcd.io/bbolt"
)

// CreateUser implements server.UserStore.
func (d *DB) CreateUser(ctx context.Context, u *server.User) error {
	_, err := decide(d, func(tx *bbolt.Tx) (struct{}, error) {
		names := tx.Bucket(bucketUsernames)
		if names.Get([]byte(u.Username)) != nil {
			return struct{}{}, server.Conflict("username already taken")
		}
		users := tx.Bucket(bucketUsers)
		seq, err := users.NextSequence()
		if err != nil {
			return struct{}{}, err
		}
		u.ID = "u" + strconv.FormatUint(seq, 10)
		v, err := json.Marshal(u)
		if err == nil {
			err = users.Put(u64(seq), v)
		}
		if err == nil {
			err = names.Put([]byte(u.Username), u64(seq))
		}
		if err == nil && u.Role == syncproto.RoleCourier {
			err = d.appendConfig(tx, u.ID)
		}
		return struct{}{}, err
	})
	return err
}

// UserByName implements server.UserStore.
func (d *DB) UserByName(ctx context.Context, username string) (*server.User, error) {
	var u *server.User
	err := d.db.View(func(tx *bbolt.Tx) error {
		k := tx.Bucket(bucketUsernames).Get([]byte(username))
		if k == nil {
			return server.ErrNotFound
		}
		var err error
		u, err = getUser(tx, k)
		return err
	})
	return u, err
}

// UserByID implements server.UserStore.
func (d *DB) UserByID(ctx context.Context, id string) (*server.User, error) {
	seq, ok := idSeq(id, "u")
	if !ok {
		return nil, server.ErrNotFound
	}
	var u *server.User
	err := d.db.View(func(tx *bbolt.Tx) error {
		var err error
		u, err = getUser(tx, u64(seq))
		return err
	})
	return u, err
}

// ListUsers implements server.UserStore. The cursor is the last user id
// returned.
func (d *DB) ListUsers(ctx context.Context, cursor string, limit int) ([]*server.User, string, bool, error) {
	var after uint64
	if cursor != "" {
		var ok bool
		if after, ok = idSeq(cursor, "u"); !ok {
			return nil, "", false, server.Invalid("cursor: malformed")
		}
	}
	var out []*server.User
	more := false
	err := d.db.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketUsers).Cursor()
		for k, v := c.Seek(u64(after + 1)); k != nil; k, v = c.Next() {
			if len(out) == limit {
				more = true
				break
			}
			u := new(server.User)
			if err := json.Unmarshal(v, u); err != nil {
				return err
			}
			out = append(out, u)
		}
		return nil
	})
	next := cursor
	if len(out) > 0 {
		next = out[len(out)-1].ID
	}
	return out, next, more, err
}

// CountUsers implements server.UserStore.
func (d *DB) CountUsers(ctx context.Context) (int, error) {
	n := 0
	err := d.db.View(func(tx *bbolt.Tx) error {
		n = tx.Bucket(bucketUsers).Stats().KeyN
		return nil
	})
	return n, err
}

func getUser(tx *bbolt.Tx, key []byte) (*server.User, error) {
	v := tx.Bucket(bucketUsers).Get(key)
	if v == nil {
		return nil, server.ErrNotFound
	}
	u := new(server.User)
	return u, json.Unmarshal(v, u)
}
