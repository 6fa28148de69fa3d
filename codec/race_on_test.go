//go:build race

package codec

// raceEnabled: the race detector's sync.Pool drops items at random (to
// catch misuse), so allocation counts mean nothing under it.
const raceEnabled = true
