// Package archtest enforces the import tiers written down in
// docs/ARCHITECTURE.md. It has no code of its own: its test walks every Go
// file in the module, builds the import graph of the module's packages and
// fails on an edge the architecture forbids, directly or transitively.
package archtest
