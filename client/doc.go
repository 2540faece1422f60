// Package client is a Go client of the courierd /v1 API, on the wire types
// of package syncproto: login and refresh with token handling, push and
// pull, blobs, and the dispatcher, supervisor and admin routes of the
// console.
//
// It imports only the standard library and syncproto, so a handheld
// library, a command-line tool or a test can use it without the server.
// Every answer that is not 2xx comes back as an *Error carrying the HTTP
// status, the protocol's error code and the server's Retry-After.
//
//	c := client.New("https://courierd.example", client.WithRetries(4))
//	if _, err := c.Login(ctx, "disp", password, "console-1"); err != nil {
//		return err
//	}
//	list, err := c.Complaints(ctx, url.Values{"overdue": {"1"}})
//
// A Client is safe for concurrent use. Renewal of an expired access token
// (WithRenewal) is done once for all the requests that saw it expire, so a
// single-use refresh token is never presented twice.
package client
