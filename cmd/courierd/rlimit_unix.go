//go:build unix

package main

import "syscall"

// raiseFileLimit lifts the soft limit on open files to the hard limit (each
// connection is a descriptor) and returns the limit now in force, or 0
// when it cannot be read.
func raiseFileLimit() uint64 {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0
	}
	if lim.Cur < lim.Max {
		want := lim
		want.Cur = want.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want); err == nil {
			lim = want
		}
	}
	return uint64(lim.Cur)
}
