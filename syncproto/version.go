package syncproto

// ProtocolVersion is the highest protocol version this package speaks. It
// only goes up; each bump gets a dated line below saying what changed.
//
//   - 1 (2026-11-27): first version: push, pull, blobs, dispatcher API.
const ProtocolVersion = 1

// ProtocolHeader is the request header a device uses to name the protocol
// version it speaks. An absent header means version 1.
const ProtocolHeader = "Courier-Protocol"

// Limits of one push request.
const (
	MaxOpsPerPush   = 500
	MaxPushBytes    = 4 << 20
	MaxPullLimit    = 500
	DefaultPullSize = 100
)
