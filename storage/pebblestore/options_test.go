package pebblestore

import (
	"strings"
	"testing"
	"time"
)

func TestOptionsDefaults(t *testing.T) {
	var nilOpts *Options
	for _, tc := range []struct {
		name string
		o    *Options
	}{
		{"nil", nilOpts.EnsureDefaults()},
		{"zero", (&Options{}).EnsureDefaults()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.o
			if o.MaxBatchOps != 100 || o.MaxDelay != time.Millisecond || o.CacheSize != 8<<20 ||
				o.MemTableSize != 4<<20 || o.MaxOpenFiles != 256 || o.Logger == nil || o.Now == nil {
				t.Fatalf("defaults: %+v", o)
			}
			if err := o.Validate(); err != nil {
				t.Fatal(err)
			}
		})
	}
	kept := (&Options{MaxBatchOps: 7, MaxDelay: -1, MaxOpenFiles: 64}).EnsureDefaults()
	if kept.MaxBatchOps != 7 || kept.MaxDelay != -1 || kept.MaxOpenFiles != 64 {
		t.Fatalf("EnsureDefaults overwrote set fields: %+v", kept)
	}
}

func TestOptionsValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    Options
		want string
	}{
		{"negative batch", Options{MaxBatchOps: -1}, "MaxBatchOps"},
		{"huge batch", Options{MaxBatchOps: 1 << 20}, "MaxBatchOps"},
		{"long delay", Options{MaxDelay: 2 * time.Second}, "MaxDelay"},
		{"negative cache", Options{CacheSize: -1}, "CacheSize"},
		{"tiny memtable", Options{MemTableSize: 1024}, "MemTableSize"},
		{"few files", Options{MaxOpenFiles: 8}, "MaxOpenFiles"},
		{"two problems", Options{MaxBatchOps: -1, MaxOpenFiles: 8}, "MaxOpenFiles"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.o
			err := o.EnsureDefaults().Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate() = %v, want an error about %s", err, tc.want)
			}
			if _, err := Open(t.TempDir(), &tc.o); err == nil {
				t.Fatal("Open accepted invalid options")
			}
		})
	}
}
