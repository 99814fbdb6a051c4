package pipeline

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestCodecRoundTrip(t *testing.T) {
	in := &Record{Tenant: "acme", Source: "hubspot", Object: "deal", ID: "512", Op: OpUpsert,
		Version: time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC),
		Fields:  map[string]any{"amount": 17.5, "is_won": true, "close_date": time.Date(2024, 5, 2, 0, 0, 0, 0, time.UTC)}}
	m, err := EncodeRecord(in)
	if err != nil {
		t.Fatal(err)
	}
	if string(m.Key) != "512" || m.Partition != -1 {
		t.Errorf("EncodeRecord key/partition = %q/%d, want 512/-1", m.Key, m.Partition)
	}
	m.Position = Position{Topic: "t", Partition: 0, Offset: 7}
	got, cp, err := Decode(m)
	if err != nil || cp != nil {
		t.Fatalf("Decode() = %v, %v, %v", got, cp, err)
	}
	if got.ID != "512" || got.Fields["amount"] != json.Number("17.5") || got.Position.Offset != 7 || !got.Version.Equal(in.Version) {
		t.Errorf("Decode(EncodeRecord(r)) = %+v, want %+v", got, in)
	}
	if _, err := ParseTime(got.Fields["close_date"]); err != nil {
		t.Errorf("ParseTime(close_date) = %v", err)
	}
}

func TestDecodeKeepsNumbersExact(t *testing.T) {
	const exact = "100000000000000000000000000000000000000000000000000000000000000.30000000000000000001"
	m := Message{Value: []byte(`{"type":"record","record":{"tenant":"a","object":"deal","op":"upsert","fields":{"amount":` + exact + `}}}`)}
	r, _, err := Decode(m)
	if err != nil || r.Fields["amount"] != json.Number(exact) {
		t.Errorf("Decode(amount %s) = %v (%T), %v, want the same json.Number", exact, r.Fields["amount"], r.Fields["amount"], err)
	}
	for _, trailing := range []string{" x", "}", "{}"} {
		if _, _, err := Decode(Message{Value: append(append([]byte{}, m.Value...), trailing...)}); !errors.Is(err, ErrInvalid) {
			t.Errorf("Decode(envelope + %q) = %v, want ErrInvalid", trailing, err)
		}
	}
}

func TestDecodeRejectsWithoutEchoingContent(t *testing.T) {
	for _, v := range []string{`not json jane@example.org`, `{"type":"record"}`, `{"type":"record","record":{"tenant":"a","object":"deal","op":"merge"}}`, `{"type":"x"}`} {
		_, _, err := Decode(Message{Value: []byte(v)})
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("Decode(%q) = %v, want ErrInvalid", v, err)
		}
		if err != nil && strings.Contains(err.Error(), "jane") {
			t.Errorf("Decode error echoes the message: %v", err)
		}
	}
}

func TestCheckpointCodec(t *testing.T) {
	cp := Checkpoint{Tenant: "acme", Source: "hubspot", Object: "deal", Seq: 3, Cursor: `{"after":"x"}`}
	m, err := EncodeCheckpoint(cp, 2)
	if err != nil {
		t.Fatal(err)
	}
	if m.Partition != 2 {
		t.Errorf("EncodeCheckpoint partition = %d, want 2", m.Partition)
	}
	r, got, err := Decode(m)
	if err != nil || r != nil || got == nil || *got != cp {
		t.Errorf("Decode(checkpoint) = %v, %v, %v; want %v", r, got, err, cp)
	}
}

func TestChainStopsAtFirstError(t *testing.T) {
	var calls []string
	mk := func(name string, err error) Stage {
		return StageFunc{StageName: name, Fn: func(*Record) error { calls = append(calls, name); return err }}
	}
	failed, err := Chain([]Stage{mk("a", nil), mk("b", Invalid("email_field", "email")), mk("c", nil)}, &Record{})
	if failed != "b" || !errors.Is(err, ErrInvalid) || strings.Join(calls, ",") != "a,b" {
		t.Errorf("Chain() = %q, %v after %v; want b, ErrInvalid after a,b", failed, err, calls)
	}
	if got, want := err.Error(), "field email_field: rule email"; got != want {
		t.Errorf("FieldError = %q, want %q", got, want)
	}
}

func TestRecordLogValueHidesData(t *testing.T) {
	r := Record{Tenant: "acme", Object: "lead", ID: "contact-4711", Key: "k1_x", Fields: map[string]any{"email": "jane@example.org"}}
	s := r.LogValue().String()
	for _, secret := range []string{"contact-4711", "jane@example.org", "k1_x"} {
		if strings.Contains(s, secret) {
			t.Errorf("Record.LogValue() = %s, leaks %q", s, secret)
		}
	}
}

func TestRegistryPanicsOnDuplicate(t *testing.T) {
	r := NewRegistry()
	f := SourceFactory{Kind: "x", NewConfig: func() Validator { return nil }, New: func(Validator, SourceEnv) (Source, error) { return nil, nil }}
	r.RegisterSource(f)
	defer func() {
		if recover() == nil {
			t.Error("RegisterSource(duplicate) did not panic")
		}
	}()
	r.RegisterSource(f)
}

func TestNextSeqIncreases(t *testing.T) {
	var r Runner
	prev := r.nextSeq()
	for range 1000 {
		n := r.nextSeq()
		if n <= prev {
			t.Fatalf("nextSeq() = %d after %d, want strictly increasing", n, prev)
		}
		prev = n
	}
}
