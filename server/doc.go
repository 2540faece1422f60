// Package server holds the courier-sync domain: principals and roles, users
// and device sessions, the services the HTTP API calls and the interfaces the
// adapters (server/bolt, server/auth, server/httpapi) implement or use.
//
// Errors crossing a service boundary are *syncproto.Error values, so one
// table (syncproto.StatusOf) turns them into HTTP status codes.
package server
