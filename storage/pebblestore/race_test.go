//go:build race

package pebblestore

// raceEnabled: under the race detector Pebble also turns on its invariant
// checks, which allocate; allocation budgets do not apply.
const raceEnabled = true
