package syncproto

import (
	"encoding/json"
	"time"
)

// Op kinds a device can push.
const (
	KindPickup          = "pickup"
	KindDamageReport    = "damage_report"
	KindCODReceipt      = "cod_receipt"
	KindComplaint       = "complaint"
	KindCallbackOutcome = "callback_outcome"
	KindVehicleLog      = "vehicle_log"
)

// Kinds lists every op kind of this protocol version.
var Kinds = []string{KindPickup, KindDamageReport, KindCODReceipt, KindComplaint, KindCallbackOutcome, KindVehicleLog}

// Op is one record from a device outbox. Fields stay loosely typed on the
// wire (RecordedAt is a string, Payload raw JSON) so that one malformed op is
// rejected on its own without failing the ops beside it.
type Op struct {
	OpID       string          `json:"op_id"`
	Seq        int64           `json:"seq"`
	Kind       string          `json:"kind"`
	RecordedAt string          `json:"recorded_at"`
	Payload    json.RawMessage `json:"payload"`
}

// PushRequest is the body of POST /v1/sync/push.
type PushRequest struct {
	DeviceID string `json:"device_id"`
	Ops      []Op   `json:"ops"`
	// SentAt is the device's clock when it sent the request (RFC 3339
	// with offset). Optional, added to v1 (2026-12-06): with it the
	// server measures the device's clock skew (its receive time minus
	// SentAt), flags ops beyond the allowed skew and stores each op's
	// recorded_at corrected by it.
	SentAt string `json:"sent_at,omitempty"`
}

// Op result statuses.
const (
	StatusApplied  = "applied"
	StatusRejected = "rejected"
)

// PushResult is the outcome of one op. A resent op gets its original result
// back with Duplicate set.
type PushResult struct {
	OpID      string `json:"op_id"`
	Seq       int64  `json:"seq"`
	Status    string `json:"status"`
	Duplicate bool   `json:"duplicate"`
	Error     *Error `json:"error,omitempty"`
	Ref       string `json:"ref,omitempty"`
	// Flags name conditions the server noted without rejecting the op,
	// such as "clock_skew" or "cod_discrepancy". Optional, added to v1.
	Flags []string `json:"flags,omitempty"`
}

// PushResponse is the 200 body of POST /v1/sync/push: one result per op, in
// request order.
type PushResponse struct {
	Results    []PushResult `json:"results"`
	ServerTime time.Time    `json:"server_time"`
}

// Change types in the pull feed.
const (
	ChangeCallbackTask = "callback_task"
	ChangeConfig       = "config"
	// ChangeCODBalance carries the courier's COD custody balance; added to
	// v1 (2026-11-27).
	ChangeCODBalance = "cod_balance"
	// ChangeComplaint carries one of the courier's complaints (masked
	// customer); status "closed" tells the device to drop it. Added to v1.
	ChangeComplaint = "complaint"
)

// Change is one entry of a device's pull feed.
type Change struct {
	ID   string          `json:"id"`
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
}

// PullResponse is the 200 body of GET /v1/sync/pull.
type PullResponse struct {
	Changes []Change `json:"changes"`
	Cursor  string   `json:"cursor"`
	HasMore bool     `json:"has_more"`
}

// Config is the data of a "config" change: the capture and upload policy the
// server sets for handhelds.
type Config struct {
	PhotoMaxPixels   int64 `json:"photo_max_pixels"`
	JPEGQuality      int   `json:"jpeg_quality"`
	UploadChunkBytes int64 `json:"upload_chunk_bytes"`
}

// Contact is masked customer contact data as shown to a courier.
type Contact struct {
	NameMasked  string `json:"name_masked"`
	PhoneMasked string `json:"phone_masked"`
}

// CallbackTask is the data of a "callback_task" change: the whole current
// view of a task.
type CallbackTask struct {
	TaskID  string    `json:"task_id"`
	Waybill string    `json:"waybill"`
	Reason  string    `json:"reason"`
	Status  string    `json:"status"`
	DueBy   time.Time `json:"due_by"`
	Contact Contact   `json:"contact"`
	Version int64     `json:"version"`
	// RemovedReason says why a task left this courier's list
	// ("reassigned"); it comes with status "cancelled". Optional, added
	// to v1.
	RemovedReason string `json:"removed_reason,omitempty"`
}
