// Package syncproto is the wire contract between handhelds, consoles and the
// courier-sync server (PROTOCOL.md, v1).
//
// It holds the push/pull envelopes, the payload type of every op kind, the
// error codes and pure validation. It imports only the standard library so
// that device code (mobile-api) and the server share one definition.
package syncproto
