package bolt

import (
	"bytes"
	"context"
	"encoding/json"
	"time"

	"github.com/courier-sync/courier-sync/server"
	bbolt "go.etcd.io/bbolt"
)

// CreateSession implements server.SessionStore.
func (d *DB) CreateSession(ctx context.Context, s *server.Session) error {
	v, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return d.cm.write(func(tx *bbolt.Tx) error {
		if err := tx.Bucket(bucketSessions).Put([]byte(s.ID), v); err != nil {
			return err
		}
		return indexSession(tx, s, s.CreatedAt)
	})
}

// Session implements server.SessionStore.
func (d *DB) Session(ctx context.Context, id string) (*server.Session, error) {
	var s *server.Session
	err := d.db.View(func(tx *bbolt.Tx) error {
		var err error
		s, err = getSession(tx, id)
		return err
	})
	return s, err
}

// RotateRefresh implements server.SessionStore.
func (d *DB) RotateRefresh(ctx context.Context, id string, old, next []byte, now time.Time) (*server.Session, error) {
	return decide(d, func(tx *bbolt.Tx) (*server.Session, error) {
		s, err := getSession(tx, id)
		if err != nil {
			return nil, server.ErrUnauthorized
		}
		switch {
		case s.RevokedAt != nil || !now.Before(s.ExpiresAt):
			return nil, server.ErrUnauthorized
		case bytes.Equal(s.RefreshHash, old):
			s.UsedHashes = append(s.UsedHashes, s.RefreshHash)
			if len(s.UsedHashes) > server.MaxUsedHashes {
				s.UsedHashes = s.UsedHashes[len(s.UsedHashes)-server.MaxUsedHashes:]
			}
			s.RefreshHash = next
			s.LastSeenAt = now
			if err := seenDevice(tx, s, now); err != nil {
				return nil, err
			}
			return s, putSession(tx, s)
		case containsHash(s.UsedHashes, old):
			// Reuse: revoke the session (this write commits) and refuse.
			s.RevokedAt = &now
			if err := putSession(tx, s); err != nil {
				return nil, err
			}
			return nil, server.ErrRefreshReused
		default:
			return nil, server.ErrUnauthorized
		}
	})
}

// RevokeSession implements server.SessionStore.
func (d *DB) RevokeSession(ctx context.Context, id string, now time.Time) error {
	return d.cm.write(func(tx *bbolt.Tx) error {
		s, err := getSession(tx, id)
		if err != nil || s.RevokedAt != nil {
			return nil
		}
		s.RevokedAt = &now
		return putSession(tx, s)
	})
}

func getSession(tx *bbolt.Tx, id string) (*server.Session, error) {
	v := tx.Bucket(bucketSessions).Get([]byte(id))
	if v == nil {
		return nil, server.ErrNotFound
	}
	s := new(server.Session)
	return s, json.Unmarshal(v, s)
}

func putSession(tx *bbolt.Tx, s *server.Session) error {
	v, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketSessions).Put([]byte(s.ID), v)
}

func containsHash(list [][]byte, h []byte) bool {
	for _, x := range list {
		if bytes.Equal(x, h) {
			return true
		}
	}
	return false
}
