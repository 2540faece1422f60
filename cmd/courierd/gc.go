package main

import "runtime/debug"

// The garbage collector's defaults for courierd, unless GOGC or
// GOMEMLIMIT are set: collect when the heap has grown 4× past what
// survived (Go's default is 2×), and harder as the heap nears 1 GiB. Most
// of what a push or a pull allocates dies with the request, so at the
// default the server spent about a third of a pull's CPU collecting;
// at 400 a 10,000-change pull ran 1.6× faster and intake at 64 devices
// 1.13× faster, with the heap at 87 MiB instead of 39 (BENCHMARKS.md).
const (
	defaultGCPercent   = 400
	defaultMemoryLimit = 1 << 30
)

// tuneGC applies the defaults where getenv leaves them unset.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
}
