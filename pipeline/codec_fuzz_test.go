package pipeline

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzDecode feeds arbitrary messages to Decode: it never panics, refuses
// with ErrInvalid and a fixed message (never the content), and what it
// accepts encodes again to a message that decodes to the same thing.
func FuzzDecode(f *testing.F) {
	// The seed corpus is testdata/fuzz/FuzzDecode: each message type,
	// old-style records, nesting, overflowing numbers, far dates, NUL,
	// lone surrogates, invalid UTF-8 and duplicate keys.
	f.Add([]byte(`{"type":"record","record":{"tenant":"a","object":"deal","op":"upsert"}}`))
	// The binary form, as the encoders write it now, and hostile
	// variants of it: cut short, an absurd length, an unknown tag.
	for _, m := range sampleMessages(f) {
		f.Add(m.Value)
		f.Add(m.Value[:len(m.Value)/2])
	}
	f.Add([]byte{formatV1, kindRecord, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Add([]byte{formatV1, kindRecord, 1, 'a', 0, 4, 'd', 'e', 'a', 'l', 0, 0, 6, 'u', 'p', 's', 'e', 'r', 't', 0, 0, 0, 1, 1, 'x', 0x7f})
	f.Fuzz(func(t *testing.T, data []byte) {
		rec, cp, err := Decode(Message{Value: data, Position: Position{Topic: "t", Offset: 1}})
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) || !errors.Is(err, ErrInvalid) || (fe.Rule != "decode" && fe.Rule != "envelope") {
				t.Fatalf("Decode() = %v, want a decode or envelope FieldError of kind ErrInvalid", err)
			}
			return
		}
		if (rec == nil) == (cp == nil) {
			t.Fatalf("Decode() = %v, %v, want exactly one of record and checkpoint", rec, cp)
		}
		if cp != nil {
			m, err := EncodeCheckpoint(*cp, 0)
			if err != nil {
				t.Fatalf("EncodeCheckpoint(decoded) = %v", err)
			}
			if _, cp2, err := Decode(m); err != nil || *cp2 != *cp {
				t.Fatalf("checkpoint round trip = %v, %v; want %v", cp2, err, cp)
			}
			return
		}
		if rec.Position.Offset != 1 {
			t.Errorf("Decode() position = %v, want the message's", rec.Position)
		}
		var m Message
		if rec.Reject != nil {
			if rec.Fields != nil {
				t.Fatalf("Decode() returned a reject stub with fields")
			}
			m, err = EncodeReject(rec, *rec.Reject)
		} else {
			m, err = EncodeRecord(rec)
		}
		if err != nil {
			t.Fatalf("encoding a decoded record: %v", err)
		}
		again, _, err := Decode(m)
		if err != nil {
			t.Fatalf("Decode(Encode(Decode(msg))) = %v", err)
		}
		again.Position = rec.Position
		if rec.Reject != nil {
			// A stub keeps its stream; its names are normalized once.
			m2, err := EncodeReject(again, *again.Reject)
			if err != nil || again.Stream() != rec.Stream() || string(m2.Value) != string(m.Value) {
				t.Fatalf("stub round trip = %s, %v; want %s", m2.Value, err, m.Value)
			}
			return
		}
		if !reflect.DeepEqual(normalize(t, again), normalize(t, rec)) || !again.Version.Equal(rec.Version) {
			t.Fatalf("record round trip = %+v, want %+v", again, rec)
		}
	})
}

// normalize returns a record without its version (compared with
// time.Equal: the zone name is not encoded), its times as instant and
// offset, and no fields as nil.
func normalize(t *testing.T, r *Record) Record {
	c := *r
	c.Version = time.Time{}
	if len(c.Fields) == 0 {
		c.Fields = nil
		return c
	}
	c.Fields = make(map[string]any, len(r.Fields))
	for k, v := range r.Fields {
		if tm, ok := v.(time.Time); ok {
			_, off := tm.Zone()
			v = fmt.Sprint(tm.Unix(), tm.Nanosecond(), off)
		}
		c.Fields[k] = v
	}
	return c
}

// FuzzPreflight builds records from fuzzed values: Preflight either
// returns a message within the limit that decodes to the same values, or
// refuses with a known rule and no value, and the reject stub that then
// stands for the record is small, decodes and carries no value.
func FuzzPreflight(f *testing.F) {
	f.Add("512", "stage", "won", 17.5, int64(1714557600000), 100)
	f.Add("", "name", strings.Repeat("x", 5000), 0.0, int64(0), 4096)
	f.Add("a\xffb", "note", "nul\x00 and \xfe", math.NaN(), int64(9_404_784_000_000_000), 0)
	f.Add(strings.Repeat("9", 3000), "", "", math.Inf(-1), int64(-62_135_596_800_001), 1)
	f.Add("7", "close_date", "\u2028<script>", -0.0, int64(253_402_300_799_999), 2048)
	const limit = 4096
	f.Fuzz(func(t *testing.T, id, field, s string, n float64, ms int64, pad int) {
		if field == "n" || field == "t" {
			field = "f_" + field
		}
		at := time.UnixMilli(ms).UTC()
		r := &Record{Tenant: "acme", Source: "crm", Object: "deal", ID: id, Op: OpUpsert, Version: at,
			Fields: map[string]any{field: s, "n": n, "t": at, "pad": strings.Repeat("p", max(0, min(pad, 2*limit)))}}
		m, err := Preflight(r, limit)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) || !errors.Is(err, ErrInvalid) || (fe.Rule != RuleRange && fe.Rule != RuleSize && fe.Rule != RuleEncode) {
				t.Fatalf("Preflight() = %v, want a FieldError with a preflight rule", err)
			}
			if len(s) >= 8 && !strings.Contains(field, s) && strings.Contains(err.Error(), s) {
				t.Fatalf("Preflight() error %q holds the value", err)
			}
			stub, err := EncodeReject(r, Rejection{Field: fe.Field, Rule: fe.Rule})
			if err != nil {
				t.Fatalf("EncodeReject() = %v", err)
			}
			if len(stub.Key)+len(stub.Value) > 2*maxStubID+3*maxStubName+200 {
				t.Fatalf("reject stub is %d bytes", len(stub.Key)+len(stub.Value))
			}
			if len(s) >= 8 && strings.Contains(string(stub.Value), s) && !strings.Contains(field+id, s) {
				t.Fatalf("reject stub holds the value")
			}
			if got, _, err := Decode(stub); err != nil || got.Reject == nil || got.Reject.Rule != fe.Rule {
				t.Fatalf("Decode(stub) = %+v, %v", got, err)
			}
			return
		}
		if len(m.Key)+len(m.Value) > limit {
			t.Fatalf("Preflight() message of %d bytes, over the limit %d", len(m.Key)+len(m.Value), limit)
		}
		got, _, err := Decode(m)
		if err != nil {
			t.Fatalf("Decode(Preflight()) = %v", err)
		}
		if utf8.ValidString(id) && got.ID != id {
			t.Errorf("id round trip = %q, want %q", got.ID, id)
		}
		if utf8.ValidString(field) && utf8.ValidString(s) && got.Fields[field] != s {
			t.Errorf("field round trip = %q, want %q", got.Fields[field], s)
		}
		// Numbers come back as json.Number (exact decimal text).
		if num, ok := got.Fields["n"].(json.Number); !ok {
			t.Errorf("number round trip = %T, want json.Number", got.Fields["n"])
		} else if f, err := num.Float64(); err != nil || f != n {
			t.Errorf("number round trip = %v, want %v", num, n)
		}
		if tt, err := ParseTime(got.Fields["t"]); err != nil || !tt.Equal(at) || !got.Version.Equal(at) {
			t.Errorf("time round trip = %v (%v), version %v; want %v", tt, err, got.Version, at)
		}
	})
}
