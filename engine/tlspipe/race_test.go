//go:build race

package tlspipe

const raceEnabled = true
