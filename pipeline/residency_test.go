package pipeline

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestResidencyQuarantinesForeignTenant: with validation bypassed, a
// process in eu that consumes the records of a us tenant quarantines
// them (stage residency, rule region) and writes none of them, while
// its own tenant's records in the same poll go through.
func TestResidencyQuarantinesForeignTenant(t *testing.T) {
	region := map[string]string{"acme": "us", "globex": "eu"}
	sink := &fakeSink{}
	r, _ := testRunner(sink, time.Second)
	r.AllowTenant = func(tenant string) bool { return region[tenant] == "eu" }
	r.commits = make(chan struct{}, 1)
	us, eu := Stream{"acme", "hubspot", "deal"}, Stream{"globex", "hubspot", "deal"}
	r.byTopic = map[string]Stream{"t.acme": us, "t.globex": eu}
	for _, s := range []Stream{us, eu} {
		tp := TopicPartition{Topic: "t." + s.Tenant}
		var msgs []Message
		for i := range 3 {
			m, err := EncodeRecord(&Record{Tenant: s.Tenant, Source: s.Source, Object: s.Object, Key: "k", Op: OpUpsert,
				Version: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Fields: map[string]any{"amount": 1.0}})
			if err != nil {
				t.Fatal(err)
			}
			m.Position = Position{Topic: tp.Topic, Offset: int64(i)}
			msgs = append(msgs, m)
		}
		if err := r.handle(context.Background(), tp, msgs); err != nil {
			t.Fatalf("handle(%s) = %v", s.Tenant, err)
		}
	}
	if len(sink.writes) != 2 {
		t.Fatalf("%d batches written, want 2", len(sink.writes))
	}
	foreign, own := sink.writes[0], sink.writes[1]
	if len(foreign.Records) != 0 || len(foreign.Quarantine) != 3 {
		t.Errorf("us tenant: %d records written, %d quarantined; want 0 and 3", len(foreign.Records), len(foreign.Quarantine))
	}
	for _, q := range foreign.Quarantine {
		if q.Tenant != "acme" || q.Stage != "residency" || q.Rule != "region" || q.Field != "" {
			t.Errorf("quarantined %+v, want tenant acme, stage residency, rule region", q)
		}
	}
	if foreign.Offsets[TopicPartition{Topic: "t.acme"}] != 3 {
		t.Errorf("us tenant offsets = %v, want 3 (the refused records are not read again)", foreign.Offsets)
	}
	if len(own.Records) != 3 || len(own.Quarantine) != 0 {
		t.Errorf("eu tenant: %d records written, %d quarantined; want 3 and 0", len(own.Records), len(own.Quarantine))
	}
	if got := r.Stats.Stream(us).Upserted.Load(); got != 0 {
		t.Errorf("us tenant upserted = %d, want 0", got)
	}
}

// TestResidencyNeverPullsForeignTenant: a sync pass of another region's
// tenant fails as a configuration error before the source is asked.
func TestResidencyNeverPullsForeignTenant(t *testing.T) {
	r, _ := testRunner(&fakeSink{}, time.Second)
	r.AllowTenant = func(tenant string) bool { return tenant == "globex" }
	err := r.syncObject(context.Background(), Stream{"acme", "hubspot", "deal"})
	if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "tenant acme is not in this process's region") {
		t.Errorf("syncObject(us tenant) = %v, want a configuration error naming the tenant", err)
	}
	if oc := r.outcomes.get(Stream{"acme", "hubspot", "deal"}); !errors.Is(oc.err, ErrConfig) {
		t.Errorf("the pass report holds %v, want the residency error", oc.err)
	}
}
