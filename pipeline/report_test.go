package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// TestHandleQuarantinesRejectStubs: the consumer turns a reject stub into
// a quarantine row with stage, field and rule, in the same batch as the
// page's good records and its checkpoint.
func TestHandleQuarantinesRejectStubs(t *testing.T) {
	s := Stream{"acme", "crm", "deal"}
	good := deal("1", map[string]any{"amount": 1.0})
	good.Tenant, good.Source, good.Object = s.Tenant, s.Source, s.Object
	bad := good
	bad.ID = "2"
	mg, err := EncodeRecord(&good)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := EncodeReject(&bad, Rejection{Field: "close_date", Rule: RuleRange})
	if err != nil {
		t.Fatal(err)
	}
	mc, err := EncodeCheckpoint(Checkpoint{Tenant: s.Tenant, Source: s.Source, Object: s.Object, Seq: 1, Cursor: "c"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	msgs := []Message{mg, ms, mc}
	for i := range msgs {
		msgs[i].Position = Position{Topic: "t", Offset: int64(10 + i)}
	}
	sink := &memSink{}
	r := &Runner{Sink: sink, Stats: NewStats(), Logger: slog.New(slog.DiscardHandler),
		byTopic: map[string]Stream{"t": s}, commits: make(chan struct{}, 1)}
	if err := r.handle(context.Background(), TopicPartition{"t", 0}, msgs); err != nil {
		t.Fatalf("handle() = %v", err)
	}
	if len(sink.batches) != 1 {
		t.Fatalf("handle() wrote %d batches, want 1", len(sink.batches))
	}
	b := sink.batches[0]
	if len(b.Records) != 1 || b.Records[0].ID != "1" || len(b.Checkpoints) != 1 || b.Offsets[TopicPartition{"t", 0}] != 13 {
		t.Errorf("batch = %d records, %d checkpoints, offsets %v; want record 1, one checkpoint, offset 13", len(b.Records), len(b.Checkpoints), b.Offsets)
	}
	if len(b.Quarantine) != 1 {
		t.Fatalf("batch quarantine = %+v, want one row", b.Quarantine)
	}
	q := b.Quarantine[0]
	if q.Stage != "emit" || q.Field != "close_date" || q.Rule != RuleRange || q.Position.Offset != 11 || q.Tenant != "acme" {
		t.Errorf("quarantine row = %+v, want stage emit, field close_date, rule range at offset 11", q)
	}
	c := r.Stats.Counts(s)
	if c.Quarantined != 1 || c.Quarantine[QuarantineKey{"emit", "close_date", RuleRange}] != 1 || c.Consumed != 2 || c.Upserted != 1 {
		t.Errorf("stats = %+v, want 1 quarantined as emit/close_date/range, 2 consumed, 1 upserted", c)
	}
}

func TestStatsDeltaAndFormat(t *testing.T) {
	st := NewStats()
	s := Stream{"acme", "crm", "deal"}
	st.Stream(s).AddQuarantine("validate", "amount", "type")
	before := st.Counts(s)
	c := st.Stream(s)
	c.Pulled.Add(10)
	c.Upserted.Add(5)
	for range 3 {
		c.AddQuarantine("validate", "amount", "type")
	}
	c.AddQuarantine("emit", "close_date", "range")
	c.AddQuarantine("emit", "", "size")
	d := st.Counts(s).Sub(before)
	if d.Pulled != 10 || d.Upserted != 5 || d.Quarantined != 5 {
		t.Errorf("Sub() = %+v, want pulled 10, upserted 5, quarantined 5", d)
	}
	if got, want := FormatQuarantine(d.ByRule()), "amount/type=3 close_date/range=1 record/size=1"; got != want {
		t.Errorf("FormatQuarantine() = %q, want %q", got, want)
	}
	if got := st.Snapshot()[0].Quarantine[QuarantineKey{"validate", "amount", "type"}]; got != 4 {
		t.Errorf("Snapshot quarantine count = %d, want 4", got)
	}
}

func TestQuarantineKeysAreBounded(t *testing.T) {
	var c StreamStats
	for i := range maxQuarantineKeys + 50 {
		c.AddQuarantine("connector", fmt.Sprintf("f%d", i), "type")
	}
	got := c.counts(Stream{})
	if len(got.Quarantine) != maxQuarantineKeys+1 || got.Quarantine[QuarantineKey{Rule: "other"}] != 50 || got.Quarantined != maxQuarantineKeys+50 {
		t.Errorf("%d keys, %d other, %d quarantined; want %d keys, 50 other", len(got.Quarantine),
			got.Quarantine[QuarantineKey{Rule: "other"}], got.Quarantined, maxQuarantineKeys+1)
	}
}

func TestStreamReport(t *testing.T) {
	for _, tc := range []struct {
		name    string
		rep     StreamReport
		stopped bool
		share   float64
	}{
		{"clean", StreamReport{Pulled: 100}, false, 0},
		{"quarantined", StreamReport{Pulled: 100, Consumed: 100, Quarantined: 3}, false, 0.03},
		{"leftovers consumed", StreamReport{Pulled: 0, Consumed: 4, Quarantined: 4}, false, 1},
		{"quota", StreamReport{Err: fmt.Errorf("syncing: %w", ErrQuota)}, false, 0},
		{"failed", StreamReport{Err: fmt.Errorf("syncing: %w", ErrTransient)}, true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.rep.Stopped(); got != tc.stopped {
				t.Errorf("Stopped() = %v, want %v", got, tc.stopped)
			}
			if got := tc.rep.QuarantineShare(); got != tc.share {
				t.Errorf("QuarantineShare() = %v, want %v", got, tc.share)
			}
		})
	}
	p := PassReport{Streams: []StreamReport{{Stream: Stream{Object: "a"}}, {Stream: Stream{Object: "b"}, Err: ErrTransient}}}
	if st := p.Stopped(); len(st) != 1 || st[0].Object != "b" || !errors.Is(p.Err(), ErrTransient) {
		t.Errorf("Stopped() = %v, Err() = %v; want stream b and its error", st, p.Err())
	}
}

func TestEncodeReject(t *testing.T) {
	for _, tc := range []struct {
		name, id, wantID string
		rej              Rejection
		want             Rejection
	}{
		{"plain", "42", "42", Rejection{Field: "amount", Rule: "size"}, Rejection{Stage: "emit", Field: "amount", Rule: "size"}},
		{"huge id", strings.Repeat("9", 2000), "", Rejection{Rule: "size"}, Rejection{Stage: "emit", Rule: "size"}},
		{"invalid utf-8 id", "a\xff", "", Rejection{Stage: "connector", Field: "x", Rule: "type"}, Rejection{Stage: "connector", Field: "x", Rule: "type"}},
		{"odd names", "1", "1", Rejection{Field: strings.Repeat("f", 500), Rule: "\xfe"}, Rejection{Stage: "emit", Rule: "invalid"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &Record{Tenant: "acme", Source: "crm", Object: "deal", ID: tc.id, Op: OpDelete, Fields: map[string]any{"x": "jane"}}
			m, err := EncodeReject(r, tc.rej)
			if err != nil {
				t.Fatal(err)
			}
			if string(m.Key) != tc.wantID || strings.Contains(string(m.Value), "jane") {
				t.Errorf("EncodeReject key = %.12q, value %s", m.Key, m.Value)
			}
			got, _, err := Decode(m)
			if err != nil {
				t.Fatalf("Decode(stub) = %v", err)
			}
			if got.ID != tc.wantID || got.Op != OpDelete || got.Reject == nil || *got.Reject != tc.want || got.Fields != nil {
				t.Errorf("Decode(stub) = id %.12q op %s reject %+v, want id %q reject %+v", got.ID, got.Op, got.Reject, tc.wantID, tc.want)
			}
		})
	}
}

// TestDecodeEnvelopes: messages written before reject stubs still
// decode, and a stub never passes as a record or the other way round.
func TestDecodeEnvelopes(t *testing.T) {
	for _, tc := range []struct {
		name, value string
		reject, ok  bool
	}{
		{"old record", `{"type":"record","record":{"tenant":"a","source":"s","object":"deal","id":"1","op":"upsert","version":"2024-01-01T00:00:00Z","fields":{"amount":1}}}`, false, true},
		{"stub", `{"type":"reject","record":{"tenant":"a","source":"s","object":"deal","op":"upsert","reject":{"stage":"emit","rule":"size"}}}`, true, true},
		{"stub with values", `{"type":"reject","record":{"tenant":"a","object":"deal","fields":{"x":"jane"},"reject":{"rule":"size"}}}`, true, true},
		{"stub without rule", `{"type":"reject","record":{"tenant":"a","object":"deal","reject":{}}}`, false, false},
		{"stub without reject", `{"type":"reject","record":{"tenant":"a","object":"deal","op":"upsert"}}`, false, false},
		{"record claiming a reject", `{"type":"record","record":{"tenant":"a","object":"deal","op":"upsert","reject":{"rule":"size"}}}`, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, _, err := Decode(Message{Value: []byte(tc.value)})
			if (err == nil) != tc.ok {
				t.Fatalf("Decode() = %v, want ok=%v", err, tc.ok)
			}
			if err == nil && ((r.Reject != nil) != tc.reject || (tc.reject && r.Fields != nil)) {
				t.Errorf("Decode() = reject %+v fields %v, want reject=%v and no fields on a stub", r.Reject, r.Fields, tc.reject)
			}
		})
	}
}
