// Package httpapi is the fiber HTTP API of courier-sync (PROTOCOL.md v1).
// Handlers parse, call a service and encode; one error handler turns
// *syncproto.Error codes into status codes and the {"error":{…}} body.
package httpapi
