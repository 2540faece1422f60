package mobileapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	bolt "go.etcd.io/bbolt"

	"github.com/courier-sync/courier-sync/syncproto"
)

// Keys of the push token. The token names this app install to Firebase
// Cloud Messaging; it is not customer data.
var (
	// keyPushToken (auth bucket) is the token SetPushToken stored.
	keyPushToken = []byte("push_token")
	// keyPushRegistered (auth bucket) is the pushRegistration last
	// accepted by the server.
	keyPushRegistered = []byte("push_token_registered")
	// keyLastPushTokenError (meta bucket) is the failure of the last
	// registration attempt.
	keyLastPushTokenError = []byte("last_push_token_error")
)

// maxPushTokenLen bounds an FCM registration token, as the server does.
const maxPushTokenLen = 4096

// pushRegistration is a token the server accepted, and the session epoch
// it was registered with.
type pushRegistration struct {
	Token string `json:"token"`
	Epoch uint64 `json:"epoch"`
}

// SetPushToken stores this device's FCM registration token and marks it
// for registration: the next Sync sends it to the server (PUT
// /v1/devices/self/push-token) before it pushes and pulls. Call it at start
// and from the FCM token-refresh callback; setting the token already
// registered changes nothing. The token is 1–4096 printable ASCII
// characters; anything else returns a *syncproto.Error and stores nothing.
//
// The server sends this device FCM data messages that only wake it: they
// carry opaque ids, never a task's content. On receipt the app should call
// Sync, which pulls the new or changed tasks.
func (o *Outbox) SetPushToken(token string) error {
	if !validPushToken(token) {
		return syncproto.Errorf(syncproto.CodeValidationFailed, "fcm_token: 1-%d printable ASCII characters", maxPushTokenLen)
	}
	return o.update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketAuth).Put(keyPushToken, []byte(token))
	})
}

func validPushToken(s string) bool {
	if s == "" || len(s) > maxPushTokenLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// pushTokenDue returns the token to register, or "" when none is set or
// the server accepted it with the current session. A new session (a login
// or a refresh) registers the token again.
func pushTokenDue(tx *bolt.Tx) (string, error) {
	b := tx.Bucket(bucketAuth)
	tok := string(b.Get(keyPushToken))
	if tok == "" {
		return "", nil
	}
	var s session
	if v := b.Get(keySession); v != nil {
		if err := json.Unmarshal(v, &s); err != nil {
			return "", err
		}
	}
	var reg pushRegistration
	if v := b.Get(keyPushRegistered); v != nil {
		if err := json.Unmarshal(v, &reg); err != nil {
			return "", err
		}
	}
	if s.Access != "" && reg.Token == tok && reg.Epoch == s.Epoch {
		return "", nil
	}
	return tok, nil
}

// registerPushToken sends the push token when it is due. It returns an
// error only when Sync cannot go on: ctx ended, Close, or no session could
// be had (push and pull would fail the same way). A failed registration
// returns failed: it is recorded in Status.LastPushTokenError and tried
// again on the next Sync. It is tried once, with no backoff, so that it
// never holds up the ops.
func (o *Outbox) registerPushToken(ctx context.Context) (failed bool, err error) {
	var tok string
	err = o.view(func(tx *bolt.Tx) (err error) {
		tok, err = pushTokenDue(tx)
		return err
	})
	if err != nil || tok == "" {
		return false, err
	}
	if _, err := o.session(ctx); err != nil {
		return false, err
	}
	body, err := json.Marshal(&syncproto.PushTokenRequest{FCMToken: tok})
	if err != nil {
		return false, err
	}
	const what = "push token"
	r := request{method: http.MethodPut, path: "/v1/devices/self/push-token", body: body}
	resp, s, err := o.authedBy(ctx, what, r, o.sendOnce)
	if err == nil && resp.status/100 != 2 {
		if transient(resp.status) {
			err = fmt.Errorf("%s: %w: HTTP %d %s", what, ErrUnavailable, resp.status, resp.apiError().Code)
		} else {
			err = refused(what, resp)
		}
	}
	if ctx.Err() != nil || o.closed.Load() {
		return false, o.ctxErr(ctx)
	}
	if err != nil {
		return true, o.update(func(tx *bolt.Tx) error {
			return tx.Bucket(bucketMeta).Put(keyLastPushTokenError, []byte(err.Error()))
		})
	}
	enc, err := json.Marshal(&pushRegistration{Token: tok, Epoch: s.Epoch})
	if err != nil {
		return false, err
	}
	return false, o.update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketAuth).Put(keyPushRegistered, enc); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Delete(keyLastPushTokenError)
	})
}
