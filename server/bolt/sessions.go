package bolt

import (
	"context"
	"encoding/json"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
	bbolt "go.etcd.io/bbolt"
)

// bucketDeviceOwners binds a device id to the user id of the courier who
// first logged in with it.
var bucketDeviceOwners = []byte("device_owners")

// sessionBuckets are created when the file opens.
var sessionBuckets = [][]byte{bucketDeviceOwners}

// CreateSession implements server.SessionStore.
func (d *DB) CreateSession(ctx context.Context, s *server.Session) error {
	v, err := json.Marshal(s)
	if err != nil {
		return err
	}
	_, err = decide(d, func(tx *bbolt.Tx) (struct{}, error) {
		owners := tx.Bucket(bucketDeviceOwners)
		switch owner := owners.Get([]byte(s.DeviceID)); {
		case owner != nil && string(owner) != s.UserID:
			return struct{}{}, server.ErrDeviceTaken
		case owner == nil && s.Role == syncproto.RoleCourier:
			if err := owners.Put([]byte(s.DeviceID), []byte(s.UserID)); err != nil {
				return struct{}{}, err
			}
		}
		if err := tx.Bucket(bucketSessions).Put([]byte(s.ID), v); err != nil {
			return struct{}{}, err
		}
		return struct{}{}, indexSession(tx, s, s.CreatedAt)
	})
	return err
}

// DeviceOwner implements server.SessionStore.
func (d *DB) DeviceOwner(ctx context.Context, deviceID string) (string, error) {
	var owner string
	err := d.db.View(func(tx *bbolt.Tx) error {
		owner = string(tx.Bucket(bucketDeviceOwners).Get([]byte(deviceID)))
		return nil
	})
	return owner, err
}

// ReleaseDevice implements server.SessionStore.
func (d *DB) ReleaseDevice(ctx context.Context, deviceID string) error {
	return d.cm.write(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketDeviceOwners).Delete([]byte(deviceID))
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
func (d *DB) RotateRefresh(ctx context.Context, id string, old, next []byte, now time.Time, grace time.Duration) (*server.Session, error) {
	return decide(d, func(tx *bbolt.Tx) (*server.Session, error) {
		s, err := getSession(tx, id)
		if err != nil {
			return nil, server.ErrUnauthorized
		}
		switch server.RotateRefresh(s, old, next, now, grace) {
		case server.RotationRotated:
			if err := seenDevice(tx, s, now); err != nil {
				return nil, err
			}
			return s, putSession(tx, s)
		case server.RotationRepeated:
			return s, nil
		case server.RotationReused:
			// Revoke the session (this write commits) and refuse.
			if err := putSession(tx, s); err != nil {
				return nil, err
			}
			return nil, commitThenRefuse(server.ErrRefreshReused)
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
