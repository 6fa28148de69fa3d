package pebblestore

import (
	"context"
	"fmt"
	"log/slog"
)

// pebbleLogger adapts slog to pebble.Logger. Pebble's Infof lines (flushes,
// compactions, WAL recycling) go to Debug: routine, and noisy at Info.
type pebbleLogger struct {
	l *slog.Logger
}

func (p pebbleLogger) Infof(format string, args ...any) {
	if p.l.Enabled(context.Background(), slog.LevelDebug) {
		p.l.Debug(fmt.Sprintf(format, args...), "component", "pebble")
	}
}

func (p pebbleLogger) Errorf(format string, args ...any) {
	p.l.Error(fmt.Sprintf(format, args...), "component", "pebble")
}

// Fatalf must not return: Pebble calls it on states it cannot continue from
// (a failed WAL sync, a corrupt manifest). Panicking rather than exiting
// keeps the stack and lets deferred cleanup run.
func (p pebbleLogger) Fatalf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	p.l.Error(msg, "component", "pebble", "fatal", true)
	panic("pebblestore: pebble fatal error: " + msg)
}
