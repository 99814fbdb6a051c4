package pipelinetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/schemas"
	"github.com/tally-dev/tally/transforms/validate"
)

// Run runs the conformance suite.
func Run(t *testing.T, h Harness) {
	t.Run("FullPass", func(t *testing.T) { fullPass(t, h) })
	t.Run("ResumeFromEveryCursor", func(t *testing.T) { resume(t, h) })
	t.Run("IncrementalChangesAndDeletes", func(t *testing.T) { incremental(t, h) })
	t.Run("Cancelation", func(t *testing.T) { cancelation(t, h) })
	t.Run("StormLosesNothing", func(t *testing.T) { storm(t, h) })
	t.Run("MalformedRecordIsQuarantinedNotFatal", func(t *testing.T) { malformed(t, h) })
	t.Run("HostileRecordsAreQuarantinedNotFatal", func(t *testing.T) { hostile(t, h) })
}

func open(t *testing.T, h Harness, storm bool) (pipeline.Source, Fake) {
	t.Helper()
	src, fake := h.New(t, storm)
	if err := src.Open(context.Background()); err != nil {
		t.Fatalf("Open() = %v", err)
	}
	t.Cleanup(func() { src.Close() })
	return src, fake
}

// checkAllowed fails for every request the fake saw that is not on the
// connector's allow-list (the guard should have stopped it).
func checkAllowed(t *testing.T, fake Fake) {
	t.Helper()
	for _, r := range fake.Requests() {
		method, path, _ := cut(r)
		if !fake.Allowed(method, path) {
			t.Errorf("request %q reached the server but is not on the allow-list", r)
		}
	}
}

func fullPass(t *testing.T, h Harness) {
	src, fake := open(t, h, false)
	c := pass(t, src, h.Object, "")
	up, _ := ids(c.Records())
	if len(up) != h.Records {
		t.Errorf("full pass emitted %d distinct records, want %d", len(up), h.Records)
	}
	if c.Resume() == "" {
		t.Error("full pass emitted no cursor to resume from")
	}
	for _, r := range c.Records() {
		if r.ID == "" || (r.Op == pipeline.OpUpsert && r.Version.IsZero()) {
			t.Fatalf("record without id or version: %v", r)
		}
	}
	checkAllowed(t, fake)
}

func resume(t *testing.T, h Harness) {
	src, _ := open(t, h, false)
	full := pass(t, src, h.Object, "")
	if full.Len() < 3 {
		t.Fatalf("only %d pages; give the fake more records than three pages", full.Len())
	}
	for i, p := range full.Pages()[:full.Len()-1] {
		if p.Cursor == "" {
			continue
		}
		want, _ := ids(full.RecordsFrom(i + 1))
		got, _ := ids(pass(t, src, h.Object, p.Cursor).Records())
		for id := range want {
			if got[id] == 0 {
				t.Fatalf("resuming after page %d lost record %s", i, id)
			}
		}
		before, _ := ids(full.Records())
		extra := 0
		for id := range got {
			if want[id] == 0 && before[id] > 0 {
				extra++
			}
		}
		// A page boundary may be re-read (ties); more is a defect.
		if extra > len(p.Records) {
			t.Errorf("resuming after page %d re-emitted %d earlier records", i, extra)
		}
	}
}

func incremental(t *testing.T, h Harness) {
	src, fake := open(t, h, false)
	cursor := pass(t, src, h.Object, "").Resume()
	changed := fake.Change(t, 3)
	deleted := fake.Delete(t, 2)
	// A change in the very millisecond the next pass starts belongs to
	// the pass after it (windows end before their start time).
	time.Sleep(5 * time.Millisecond)
	c := pass(t, src, h.Object, cursor)
	up, del := ids(c.Records())
	for _, id := range changed {
		if up[id] == 0 {
			t.Errorf("changed record %s not emitted by the incremental pass", id)
		}
	}
	for _, id := range deleted {
		if del[id] == 0 {
			t.Errorf("deleted record %s not emitted as a delete", id)
		}
	}
	if len(up) > h.Records/2 {
		t.Errorf("incremental pass emitted %d records of %d: it is not incremental", len(up), h.Records)
	}
	checkAllowed(t, fake)
}

func cancelation(t *testing.T, h Harness) {
	src, _ := open(t, h, false)
	ctx, cancel := context.WithCancel(context.Background())
	c := &Collector{OnPage: func(n int) {
		if n == 1 {
			cancel()
		}
	}}
	done := make(chan error, 1)
	go func() { done <- src.Sync(ctx, h.Object, "", c) }()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Sync after cancel = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Sync did not return within 10s of cancelation")
	}
}

func storm(t *testing.T, h Harness) {
	src, fake := open(t, h, true)
	up, _ := ids(pass(t, src, h.Object, "").Records())
	if len(up) != h.Records {
		t.Errorf("pass through a 429/5xx storm emitted %d distinct records, want %d", len(up), h.Records)
	}
	checkAllowed(t, fake)
}

func malformed(t *testing.T, h Harness) {
	src, fake := open(t, h, false)
	bad := fake.Corrupt(t)
	recs := pass(t, src, h.Object, "").Records()
	up, _ := ids(recs)
	if len(up) != h.Records {
		t.Errorf("pass with a malformed record emitted %d records, want %d (the others must go on)", len(up), h.Records)
	}
	v := validate.New(schemas.Default())
	rejected := 0
	for i := range recs {
		r := recs[i]
		if err := v.Apply(&r); err != nil {
			if r.ID != bad {
				t.Errorf("record %s rejected by validate: %v", r.ID, err)
			}
			rejected++
		}
	}
	if rejected == 0 {
		t.Errorf("malformed record %s passed validate; it must reach quarantine", bad)
	}
}

func cut(r string) (method, path string, ok bool) {
	for i := 0; i < len(r); i++ {
		if r[i] == ' ' {
			return r[:i], r[i+1:], true
		}
	}
	return r, "", false
}
