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
		return tx.Bucket(bucketSessions).Put([]byte(s.ID), v)
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
	var (
		out     *server.Session
		outcome error
	)
	err := d.cm.write(func(tx *bbolt.Tx) error {
		out, outcome = nil, nil
		s, err := getSession(tx, id)
		if err != nil {
			outcome = server.ErrUnauthorized
			return nil
		}
		switch {
		case s.RevokedAt != nil || !now.Before(s.ExpiresAt):
			outcome = server.ErrUnauthorized
			return nil
		case bytes.Equal(s.RefreshHash, old):
			s.UsedHashes = append(s.UsedHashes, s.RefreshHash)
			if len(s.UsedHashes) > server.MaxUsedHashes {
				s.UsedHashes = s.UsedHashes[len(s.UsedHashes)-server.MaxUsedHashes:]
			}
			s.RefreshHash = next
			out = s
		case containsHash(s.UsedHashes, old):
			s.RevokedAt = &now
			outcome = server.ErrRefreshReused
		default:
			outcome = server.ErrUnauthorized
			return nil
		}
		return putSession(tx, s)
	})
	if err != nil {
		return nil, err
	}
	return out, outcome
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
