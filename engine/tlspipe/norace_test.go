//go:build !race

package tlspipe

const raceEnabled = false
