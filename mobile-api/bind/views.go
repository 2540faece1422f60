package courier

import mobileapi "github.com/courier-sync/courier-sync/mobile-api"

// Status is a snapshot of the outbox for display.
type Status interface {
	// DeviceID is the device the file belongs to.
	DeviceID() string
	// Pending is the number of ops waiting to be pushed.
	Pending() int
	// Rejected is the number of ops the server rejected.
	Rejected() int
	// LastSyncAt is the RFC 3339 time of the last full sync, "" if none.
	LastSyncAt() string
	// LastError is the failure of the last sync, "" after a good one.
	LastError() string
	// PhotosPending is the number of photos not uploaded yet.
	PhotosPending() int
	// PhotosFailed is the number of photos the server refused for good.
	PhotosFailed() int
	// LastPhotoError is the failure of the last upload run, "" if none.
	LastPhotoError() string
	// PushTokenPending tells that a set push token waits to be registered.
	PushTokenPending() bool
	// LastPushTokenError is the failure of the last token registration.
	LastPushTokenError() string
}

type status struct{ s *mobileapi.Status }

func (v status) DeviceID() string           { return v.s.DeviceID }
func (v status) Pending() int               { return v.s.Pending }
func (v status) Rejected() int              { return v.s.Rejected }
func (v status) LastSyncAt() string         { return v.s.LastSyncAt }
func (v status) LastError() string          { return v.s.LastError }
func (v status) PhotosPending() int         { return v.s.PhotosPending }
func (v status) PhotosFailed() int          { return v.s.PhotosFailed }
func (v status) LastPhotoError() string     { return v.s.LastPhotoError }
func (v status) PushTokenPending() bool     { return v.s.PushTokenPending }
func (v status) LastPushTokenError() string { return v.s.LastPushTokenError }

// Config is the capture policy the server last sent.
type Config interface {
	// PhotoMaxPixels is the largest photo to keep, in pixels (0: any).
	PhotoMaxPixels() int64
	// JPEGQuality is the quality photos are re-encoded with.
	JPEGQuality() int
	// UploadChunkBytes is the chunk size of photo uploads.
	UploadChunkBytes() int64
}

type config struct{ c *mobileapi.Config }

func (v config) PhotoMaxPixels() int64   { return v.c.PhotoMaxPixels }
func (v config) JPEGQuality() int        { return v.c.JPEGQuality }
func (v config) UploadChunkBytes() int64 { return v.c.UploadChunkBytes }

// Balance is the courier's COD custody balance as last pulled, in minor
// units (fen).
type Balance interface {
	// CollectedCents is all COD money collected.
	CollectedCents() int64
	// HandedOverCents is the part the station confirmed received.
	HandedOverCents() int64
	// InHandCents is collected and not handed over.
	InHandCents() int64
	// SettledCents is paid on to the senders.
	SettledCents() int64
	// OutstandingCents is collected and not settled.
	OutstandingCents() int64
	// AwaitingSettlementCents is handed over and not settled.
	AwaitingSettlementCents() int64
	// InHandCount is the number of receipts whose money is in hand.
	InHandCount() int64
	// AsOf is when the server computed it (RFC 3339), "" before any.
	AsOf() string
}

type balance struct{ b *mobileapi.CODBalance }

func (v balance) CollectedCents() int64          { return v.b.CollectedCents }
func (v balance) HandedOverCents() int64         { return v.b.HandedOverCents }
func (v balance) InHandCents() int64             { return v.b.InHandCents }
func (v balance) SettledCents() int64            { return v.b.SettledCents }
func (v balance) OutstandingCents() int64        { return v.b.OutstandingCents }
func (v balance) AwaitingSettlementCents() int64 { return v.b.AwaitingSettlementCents }
func (v balance) InHandCount() int64             { return v.b.InHandCount }
func (v balance) AsOf() string                   { return v.b.AsOf }

// Task is a callback task of the inbox. Only an open task carries its
// masked contact and reason.
type Task interface {
	// TaskID is the server's id of the task.
	TaskID() string
	// Waybill is the parcel the call is about.
	Waybill() string
	// Reason is the dispatcher's reason (open tasks only).
	Reason() string
	// Status is TaskOpen, TaskDone or TaskCancelled.
	Status() string
	// DueBy is the RFC 3339 deadline.
	DueBy() string
	// NameMasked is the customer's masked name ("张*").
	NameMasked() string
	// PhoneMasked is the masked number ("138****5678").
	PhoneMasked() string
	// Version goes up with each change on the server.
	Version() int64
	// RemovedReason is RemovedReassigned for a task given to another
	// courier.
	RemovedReason() string
}

type task struct{ t *mobileapi.CallbackTask }

func (v task) TaskID() string        { return v.t.TaskID }
func (v task) Waybill() string       { return v.t.Waybill }
func (v task) Reason() string        { return v.t.Reason }
func (v task) Status() string        { return v.t.Status }
func (v task) DueBy() string         { return v.t.DueBy }
func (v task) NameMasked() string    { return v.t.NameMasked }
func (v task) PhoneMasked() string   { return v.t.PhoneMasked }
func (v task) Version() int64        { return v.t.Version }
func (v task) RemovedReason() string { return v.t.RemovedReason }

// ComplaintCase is an open complaint about this courier, customer masked.
type ComplaintCase interface {
	// ComplaintID is the server's id, e.g. "cp-12".
	ComplaintID() string
	// Category is delay, loss, damage, shortage, attitude or other.
	Category() string
	// Description is the complaint's text.
	Description() string
	// Status is received, verified or handled.
	Status() string
	// Waybill is the parcel, "" if none was named.
	Waybill() string
	// NameMasked is the customer's masked name.
	NameMasked() string
	// PhoneMasked is the customer's masked number.
	PhoneMasked() string
	// ReceivedAt, AtRiskFrom and DueBy are RFC 3339 times.
	ReceivedAt() string
	// AtRiskFrom is when the complaint turns at risk.
	AtRiskFrom() string
	// DueBy is the deadline.
	DueBy() string
	// Exempted tells the courier was found not at fault.
	Exempted() bool
	// Version goes up with each change on the server.
	Version() int64
	// AtRisk is true from AtRiskFrom until DueBy, by the device clock.
	AtRisk() bool
	// Breached is true after DueBy, by the device clock.
	Breached() bool
}

type complaintCase struct{ c *mobileapi.ComplaintCase }

func (v complaintCase) ComplaintID() string { return v.c.ComplaintID }
func (v complaintCase) Category() string    { return v.c.Category }
func (v complaintCase) Description() string { return v.c.Description }
func (v complaintCase) Status() string      { return v.c.Status }
func (v complaintCase) Waybill() string     { return v.c.Waybill }
func (v complaintCase) NameMasked() string  { return v.c.NameMasked }
func (v complaintCase) PhoneMasked() string { return v.c.PhoneMasked }
func (v complaintCase) ReceivedAt() string  { return v.c.ReceivedAt }
func (v complaintCase) AtRiskFrom() string  { return v.c.AtRiskFrom }
func (v complaintCase) DueBy() string       { return v.c.DueBy }
func (v complaintCase) Exempted() bool      { return v.c.Exempted }
func (v complaintCase) Version() int64      { return v.c.Version }
func (v complaintCase) AtRisk() bool        { return v.c.AtRisk }
func (v complaintCase) Breached() bool      { return v.c.Breached }

// Photo is one photo of the upload queue.
type Photo interface {
	// Digest is the photo's lowercase hex SHA-256.
	Digest() string
	// Size is its length in bytes; Sent what the server holds.
	Size() int64
	// Sent is how many bytes the server was last known to hold.
	Sent() int64
	// State is PhotoPending, PhotoUploading, PhotoUploaded or PhotoFailed.
	State() string
	// Code and Message are the server's refusal of a failed photo.
	Code() string
	// Message is the text that goes with Code.
	Message() string
}

type photo struct{ p *mobileapi.PhotoStatus }

func (v photo) Digest() string  { return v.p.Digest }
func (v photo) Size() int64     { return v.p.Size }
func (v photo) Sent() int64     { return v.p.Sent }
func (v photo) State() string   { return v.p.State }
func (v photo) Code() string    { return v.p.Code }
func (v photo) Message() string { return v.p.Message }

// RejectedOp is an op the server rejected, kept for review.
type RejectedOp interface {
	// OpID is the op's id.
	OpID() string
	// Seq is the device sequence number of the op.
	Seq() int64
	// Kind is the op kind, e.g. "pickup".
	Kind() string
	// Code is the server's error code, e.g. "duplicate_waybill".
	Code() string
	// Message is the server's text for Code.
	Message() string
	// RecordedAt is the op's recorded_at.
	RecordedAt() string
}

type rejected struct{ r *mobileapi.RejectedOp }

func (v rejected) OpID() string       { return v.r.OpID }
func (v rejected) Seq() int64         { return v.r.Seq }
func (v rejected) Kind() string       { return v.r.Kind }
func (v rejected) Code() string       { return v.r.Code }
func (v rejected) Message() string    { return v.r.Message }
func (v rejected) RecordedAt() string { return v.r.RecordedAt }

// Contact is a revealed customer contact. The app must show it, never
// store, log or copy it, and forget it by ExpiresAt.
type Contact interface {
	// Name is the customer's full name.
	Name() string
	// Phone is the full number (hand it to the dialer).
	Phone() string
	// ExpiresAt is the RFC 3339 time to forget Name and Phone by.
	ExpiresAt() string
}

type contact struct{ c *mobileapi.RevealedContact }

func (v contact) Name() string      { return v.c.Name }
func (v contact) Phone() string     { return v.c.Phone }
func (v contact) ExpiresAt() string { return v.c.ExpiresAt }

// String keeps the name and number out of logs.
func (v contact) String() string { return v.c.String() }

// VehicleStatus is a vehicle's fitness and open safety defects as last
// pulled. Do not drive a vehicle that is not Fit.
type VehicleStatus interface {
	// VehicleID is the vehicle (its plate).
	VehicleID() string
	// Fit is false while any safety defect is open.
	Fit() bool
	// DefectCount is the number of open defects.
	DefectCount() int
	// Defect returns open defect i (0 ≤ i < DefectCount), oldest first,
	// nil out of range.
	Defect(i int) Defect
}

// Defect is an open safety defect: the inspection item that failed.
type Defect interface {
	// DefectID is the server's id, e.g. "df-3".
	DefectID() string
	// Item is the checklist item, e.g. "brakes".
	Item() string
	// OpenedAt is when the failed inspection was recorded (RFC 3339).
	OpenedAt() string
}

type vehicleStatus struct{ v *mobileapi.VehicleStatus }

func (s vehicleStatus) VehicleID() string { return s.v.VehicleID }
func (s vehicleStatus) Fit() bool         { return s.v.Fit }
func (s vehicleStatus) DefectCount() int  { return len(s.v.OpenDefects) }
func (s vehicleStatus) Defect(i int) Defect {
	if i < 0 || i >= len(s.v.OpenDefects) {
		return nil
	}
	return defect{s.v.OpenDefects[i]}
}

type defect struct{ d *mobileapi.VehicleDefect }

func (v defect) DefectID() string { return v.d.DefectID }
func (v defect) Item() string     { return v.d.Item }
func (v defect) OpenedAt() string { return v.d.OpenedAt }
