package bolt

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"strings"
	"time"

	"github.com/courier-sync/courier-sync/server"
	bbolt "go.etcd.io/bbolt"
)

// pushToken is the FCM registration token of one device of a user.
type pushToken struct {
	UserID    string    `json:"user_id"`
	Role      string    `json:"role"`
	DeviceID  string    `json:"device_id"`
	SessionID string    `json:"session_id"`
	Token     string    `json:"token"`
	UpdatedAt time.Time `json:"updated_at"`
}

// deviceKey names a device of a user: user id, NUL, device id. User ids
// never hold a NUL, so a user's devices share the prefix user id + NUL.
func deviceKey(userID, deviceID string) []byte {
	return []byte(userID + "\x00" + deviceID)
}

func splitDeviceKey(k []byte) (user, device string) {
	user, device, _ = strings.Cut(string(k), "\x00")
	return user, device
}

func tokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// SetPushToken implements server.PushTokens.
func (d *DB) SetPushToken(ctx context.Context, p server.Principal, token string) error {
	if !server.ValidPushToken(token) {
		return server.Invalid("fcm_token: 1–4096 printable ASCII characters")
	}
	now := d.now()
	rec := pushToken{UserID: p.UserID, Role: p.Role, DeviceID: p.DeviceID, SessionID: p.SessionID, Token: token, UpdatedAt: now}
	v, err := json.Marshal(&rec)
	if err != nil {
		return err
	}
	key := deviceKey(p.UserID, p.DeviceID)
	th := tokenHash(token)
	return d.cm.write(func(tx *bbolt.Tx) error {
		tokens, owners := tx.Bucket(bucketPushTokens), tx.Bucket(bucketPushTokenDevices)
		// The device's old token no longer reaches it.
		if old := tokens.Get(key); old != nil {
			var prev pushToken
			if err := json.Unmarshal(old, &prev); err != nil {
				return err
			}
			if err := owners.Delete(tokenHash(prev.Token)); err != nil {
				return err
			}
		}
		// The token moved here from another device (another login on
		// the same phone): that device must not be woken through it.
		if other := owners.Get(th); other != nil && !bytes.Equal(other, key) {
			other = bytes.Clone(other)
			if err := tokens.Delete(other); err != nil {
				return err
			}
			if err := tx.Bucket(bucketPushOutbox).Delete(other); err != nil {
				return err
			}
		}
		if err := owners.Put(th, key); err != nil {
			return err
		}
		return tokens.Put(key, v)
	})
}

// dropToken removes a device's token if it is still token (FCM said it is
// unregistered or invalid) and reports whether it did.
func dropToken(tx *bbolt.Tx, key []byte, token string) (bool, error) {
	tokens := tx.Bucket(bucketPushTokens)
	v := tokens.Get(key)
	if v == nil {
		return false, nil
	}
	var rec pushToken
	if err := json.Unmarshal(v, &rec); err != nil {
		return false, err
	}
	if rec.Token != token {
		return false, nil
	}
	if err := tx.Bucket(bucketPushTokenDevices).Delete(tokenHash(token)); err != nil {
		return false, err
	}
	return true, tokens.Delete(key)
}

// PushToken returns the token stored for a device ("" when none), for
// tests and tools.
func (d *DB) PushToken(userID, deviceID string) (string, error) {
	var token string
	err := d.db.View(func(tx *bbolt.Tx) error {
		v := tx.Bucket(bucketPushTokens).Get(deviceKey(userID, deviceID))
		if v == nil {
			return nil
		}
		var rec pushToken
		if err := json.Unmarshal(v, &rec); err != nil {
			return err
		}
		token = rec.Token
		return nil
	})
	return token, err
}

var _ server.PushTokens = (*DB)(nil)
