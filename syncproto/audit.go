package syncproto

import "time"

// AuditOp is one entry of GET /v1/audit/ops: an op the server took from a
// device, listed once, in the order the server took them.
type AuditOp struct {
	OpID       string `json:"op_id"`
	Seq        int64  `json:"seq"`
	Kind       string `json:"kind"`
	Status     string `json:"status"`
	ErrorCode  Code   `json:"error_code,omitempty"`
	RecordedAt string `json:"recorded_at"`
	// RecordedAtCorrected is recorded_at corrected by the device's
	// measured clock skew (the push carried sent_at). Optional, added to
	// v1 (2026-12-06).
	RecordedAtCorrected *time.Time `json:"recorded_at_corrected,omitempty"`
	// Flags are the conditions the server noted (such as "clock_skew").
	// Optional, added to v1 (2026-12-06).
	Flags      []string  `json:"flags,omitempty"`
	ReceivedAt time.Time `json:"received_at"`
	CourierID  string    `json:"courier_id"`
	DeviceID   string    `json:"device_id"`
	Ref        string    `json:"ref,omitempty"`
}

// AuditOpList is the body of GET /v1/audit/ops.
type AuditOpList struct {
	Ops     []AuditOp `json:"ops"`
	Cursor  string    `json:"cursor"`
	HasMore bool      `json:"has_more"`
}
