package mobileapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/courier-sync/courier-sync/syncproto"
)

// ErrUnknownVehicle is returned by VehicleStatus for a vehicle the feed
// never described to this courier: no news, which is not the same as fit.
var ErrUnknownVehicle = errors.New("mobileapi: no status of this vehicle on this device")

// keyVehicles in the feed bucket is a nested bucket: vehicle id → the
// vehicle's latest vehicle_status change, as the server sent it.
var keyVehicles = []byte("vehicles")

// VehicleStatus is a vehicle's fitness and open safety defects as the
// server last published them ("vehicle_status" change), readable offline.
// The server sends it to every courier who logged the vehicle recently,
// whenever a defect is opened or certified, and to a courier logging the
// vehicle for the first time in a while. A vehicle with an open defect is
// not fit to drive.
type VehicleStatus struct {
	// VehicleID is the vehicle (its plate).
	VehicleID string
	// Fit is false while any safety defect is open.
	Fit bool
	// OpenDefects are the open defects, oldest first.
	OpenDefects []*VehicleDefect
}

// VehicleDefect is an open safety defect of a vehicle: the inspection item
// that failed and when (RFC 3339).
type VehicleDefect struct {
	DefectID string
	Item     string
	OpenedAt string
}

// decodeVehicleStatus checks a vehicle_status change.
func decodeVehicleStatus(ch *syncproto.Change) (*syncproto.VehicleStatus, error) {
	v := new(syncproto.VehicleStatus)
	if err := json.Unmarshal(ch.Data, v); err != nil || v.VehicleID == "" || len(v.VehicleID) > syncproto.MaxVehicleIDLen ||
		len(v.OpenDefects) > syncproto.MaxStatusDefects || (v.Fit && len(v.OpenDefects) > 0) {
		return nil, fmt.Errorf("%w: vehicle_status change %q is malformed", ErrProtocol, ch.ID)
	}
	return v, nil
}

// putVehicleStatuses stores a page's vehicle statuses in tx; within the
// page and against the file, the later change wins.
func putVehicleStatuses(tx *bolt.Tx, vs []*syncproto.VehicleStatus) error {
	if len(vs) == 0 {
		return nil
	}
	b, err := tx.Bucket(bucketFeed).CreateBucketIfNotExists(keyVehicles)
	if err != nil {
		return err
	}
	for _, v := range vs {
		enc, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if err := b.Put([]byte(v.VehicleID), enc); err != nil {
			return err
		}
	}
	return nil
}

// dropVehicleStatuses forgets every stored vehicle status (a feed restart
// sends them again).
func dropVehicleStatuses(tx *bolt.Tx) error {
	err := tx.Bucket(bucketFeed).DeleteBucket(keyVehicles)
	if errors.Is(err, berrors.ErrBucketNotFound) {
		return nil
	}
	return err
}

func vehicleStatusOf(v *syncproto.VehicleStatus) *VehicleStatus {
	out := &VehicleStatus{VehicleID: v.VehicleID, Fit: v.Fit, OpenDefects: make([]*VehicleDefect, 0, len(v.OpenDefects))}
	for _, d := range v.OpenDefects {
		out.OpenDefects = append(out.OpenDefects, &VehicleDefect{DefectID: d.DefectID, Item: d.Item, OpenedAt: d.OpenedAt.Format(time.RFC3339)})
	}
	sort.SliceStable(out.OpenDefects, func(i, j int) bool { return out.OpenDefects[i].OpenedAt < out.OpenDefects[j].OpenedAt })
	return out
}

// VehicleStatus returns the last pulled status of a vehicle; it works
// offline. A vehicle the feed never described returns ErrUnknownVehicle.
func (o *Outbox) VehicleStatus(vehicleID string) (*VehicleStatus, error) {
	var out *VehicleStatus
	err := o.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketFeed).Bucket(keyVehicles)
		if b == nil {
			return ErrUnknownVehicle
		}
		raw := b.Get([]byte(vehicleID))
		if raw == nil {
			return ErrUnknownVehicle
		}
		var v syncproto.VehicleStatus
		if err := json.Unmarshal(raw, &v); err != nil {
			return err
		}
		out = vehicleStatusOf(&v)
		return nil
	})
	return out, err
}

// VehicleStatuses returns the last pulled status of every vehicle the feed
// described, in vehicle id order; it works offline.
func (o *Outbox) VehicleStatuses() ([]*VehicleStatus, error) {
	var out []*VehicleStatus
	err := o.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketFeed).Bucket(keyVehicles)
		if b == nil {
			return nil
		}
		return b.ForEach(func(_, raw []byte) error {
			var v syncproto.VehicleStatus
			if err := json.Unmarshal(raw, &v); err != nil {
				return err
			}
			out = append(out, vehicleStatusOf(&v))
			return nil
		})
	})
	return out, err
}
