package main

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"xmppd/bosh"
	"xmppd/engine/router"
	"xmppd/engine/session"
	"xmppd/storage/memstore"
)

// TestBOSHGauges: the BOSH gauges sum the HTTP and HTTPS servers.
func TestBOSHGauges(t *testing.T) {
	sessions, err := session.NewServer(session.Config{Domains: []string{"localhost"}, Store: memstore.New(), Router: router.New()})
	if err != nil {
		t.Fatal(err)
	}
	defer sessions.Close()
	w := &webListener{}
	for _, p := range []**bosh.Server{&w.bosh, &w.tls} {
		bs, err := bosh.NewServer(bosh.Config{Sessions: sessions})
		if err != nil {
			t.Fatal(err)
		}
		defer bs.Shutdown(context.Background())
		*p = bs
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(w.metrics()...)
	w.bosh.Stats.Held.Add(2)
	w.tls.Stats.Held.Add(1)
	w.bosh.Stats.Sessions.Add(5)
	w.tls.Stats.Sessions.Add(4)
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"xmppd_bosh_held_requests": 3, "xmppd_bosh_sessions": 9}
	for _, f := range fams {
		if v, ok := want[f.GetName()]; ok {
			if got := f.GetMetric()[0].GetGauge().GetValue(); got != v {
				t.Errorf("%s = %v, want %v", f.GetName(), got, v)
			}
			delete(want, f.GetName())
		}
	}
	for name := range want {
		t.Errorf("%s missing", name)
	}
}
