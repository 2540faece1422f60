package main

import (
	"fmt"

	"github.com/courier-sync/courier-sync/client"
)

// faults counts the problems a check or an actor found and describes the
// first few, without personal data.
type faults struct {
	N        int
	Problems []string
}

// add notes one problem.
func (f *faults) add(format string, args ...any) {
	f.N++
	if len(f.Problems) < maxProblems {
		f.Problems = append(f.Problems, fmt.Sprintf(format, args...))
	}
}

// merge adds o's problems to f.
func (f *faults) merge(o *faults) {
	f.N += o.N
	for _, p := range o.Problems {
		if len(f.Problems) < maxProblems {
			f.Problems = append(f.Problems, p)
		}
	}
}

// soft handles an error of a staff call: an answer of the server, whatever
// its status, is a finding of the run and is noted (nil is returned, the
// actor goes on); a failure to reach the server or the end of the run is
// returned and ends it.
func (f *faults) soft(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	if client.StatusOf(err) == 0 {
		return fmt.Errorf(format+": %w", append(args, err)...)
	}
	f.add(format+": %v", append(args, err)...)
	return nil
}
