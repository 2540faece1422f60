package server

import "time"

// Clock tells the time. Domain code takes one so tests can move time.
type Clock func() time.Time

// Now returns the current time of c, or time.Now for a nil Clock.
func (c Clock) Now() time.Time {
	if c == nil {
		return time.Now()
	}
	return c()
}
