//go:build !race

package photo

// raceEnabled is true when the race detector is on: slow tests shrink or skip.
const raceEnabled = false
