package mobileapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"

	bolt "go.etcd.io/bbolt"

	"github.com/courier-sync/courier-sync/syncproto"
)

// Sync pushes every op recorded before it started, oldest first, in
// batches of Options.BatchSize, then pulls the change feed to its end, and
// then uploads the photos waiting in the blob queue (see UploadPhotos).
//
// An op leaves the outbox only when a server answer covering it has been
// committed: applied ops are deleted, rejected ones move to RejectedOps. A
// request that cannot be completed leaves the rest queued, records the
// failure in Status.LastError and returns it; calling Sync again resumes.
// Transient failures are retried up to Options.MaxAttempts times per
// request; 401 renews the session and resends the same batch; 413 halves
// the batch.
//
// Photos never hold ops back: an op that refers to a photo is pushed at
// once, whether or not the photo is uploaded yet (the server takes blobs
// after the ops that name them). Photo uploads start only after push and
// pull succeeded, run outside the lock that serializes pushes, and their
// failures are recorded (Status.LastPhotoError, Photos) without making
// Sync fail; only a cancelled ctx or Close does. A Sync that finds another
// photo upload run in progress leaves its photos to that run and returns.
//
// A push token set with SetPushToken is registered first, after the login
// if one is needed, and again whenever the token or the session changed
// (login, refresh). A failed registration is recorded in
// Status.LastPushTokenError and retried on the next Sync; it never keeps
// the ops from being pushed. Call Sync when an FCM data message arrives:
// the message only wakes the device.
//
// Deleted personal data (pushed ops, the contact of a task that closed)
// leaves old copies in the file's free pages; Sync overwrites them before
// it returns.
//
// Sync calls are serialized; Record* and AttachPhoto may run during a
// Sync. Cancelling ctx or calling Close stops Sync at once, losing nothing.
func (o *Outbox) Sync(ctx context.Context) error {
	if o.closed.Load() {
		return ErrClosed
	}
	ctx, done := o.bind(ctx)
	defer done()
	if err := o.syncOps(ctx); err != nil {
		return err
	}
	return o.kickPhotos(ctx)
}

// syncOps is the push and pull part of Sync, one at a time: the push
// token's registration when due, push, pull, the registration again if a
// new session began meanwhile, and the scrub of the pages that held
// deleted personal data.
func (o *Outbox) syncOps(ctx context.Context) error {
	o.syncMu.Lock()
	defer o.syncMu.Unlock()
	if o.closed.Load() {
		return ErrClosed
	}
	tokenFailed, err := o.registerPushToken(ctx)
	if err == nil {
		err = o.push(ctx)
	}
	if err == nil {
		err = o.pull(ctx)
	}
	if err == nil && !tokenFailed {
		// A no-op unless push or pull renewed the session.
		_, err = o.registerPushToken(ctx)
	}
	if err == nil {
		if err = o.checkpoint("pre-scrub"); err != nil {
			return err // a test's kill: the process dies before it scrubs
		}
	}
	if serr := o.scrubFreePages(); err == nil {
		err = serr
	}
	o.finish(err)
	return err
}

// finish records the outcome of a Sync in the meta bucket: the time of a
// fully successful one (clearing LastError), or the failure text.
func (o *Outbox) finish(err error) {
	if o.closed.Load() {
		return
	}
	now := o.cfg.now().Format(recordedAtLayout)
	_ = o.update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if err != nil {
			return meta.Put(keyLastError, []byte(err.Error()))
		}
		if err := meta.Put(keyLastSyncAt, []byte(now)); err != nil {
			return err
		}
		return meta.Delete(keyLastError)
	})
}

// push sends the outbox up to the seq that was last handed out when it
// started, so that a steady stream of new records cannot keep it from
// pulling.
func (o *Outbox) push(ctx context.Context) error {
	upTo, err := o.highWater()
	if err != nil {
		return err
	}
	size := o.cfg.batchSize
	for {
		if ctx.Err() != nil {
			return o.ctxErr(ctx)
		}
		batch, err := o.readBatch(size, upTo)
		if err != nil || len(batch) == 0 {
			return err
		}
		req := request{method: http.MethodPost, path: "/v1/sync/push", bodyOf: func() []byte { return o.pushBody(batch) }}
		resp, _, err := o.authedBy(ctx, "push", req, o.send)
		if err != nil {
			return err
		}
		switch resp.status {
		case http.StatusOK:
		case http.StatusRequestEntityTooLarge:
			if len(batch) == 1 {
				return refused("push", resp)
			}
			size = len(batch) / 2
			continue
		default:
			return refused("push", resp)
		}
		var pr syncproto.PushResponse
		if err := resp.decode("push", &pr); err != nil {
			return err
		}
		if err := o.checkpoint("push-answered"); err != nil {
			return err
		}
		if _, err := o.applyResults(batch, pr.Results, o.cfg.now().Format(recordedAtLayout)); err != nil {
			return err
		}
		if err := o.checkpoint("push-recorded"); err != nil {
			return err
		}
	}
}

// pushBody builds the push request around the ops exactly as stored, so
// that a resend carries the same bytes and the server sees a duplicate.
// The envelope's sent_at is the device's clock now (each attempt gets its
// own): the server measures the clock's skew from it and flags ops pushed
// by a device whose clock is off, instead of ops that merely waited in the
// outbox.
func (o *Outbox) pushBody(batch []pendingOp) []byte {
	dev, _ := json.Marshal(o.cfg.deviceID)
	var b bytes.Buffer
	b.WriteString(`{"device_id":`)
	b.Write(dev)
	b.WriteString(`,"sent_at":"`)
	b.WriteString(o.cfg.now().Format(recordedAtLayout))
	b.WriteString(`","ops":[`)
	for i, op := range batch {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(op.raw)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}
