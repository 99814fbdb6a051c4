package pipeline

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tally-dev/tally/pipeline/decimal"
)

var kathmandu = time.FixedZone("NPT", 5*3600+45*60)

// sampleDeal is a deal as a connector emits it.
func sampleDeal() *Record {
	return &Record{Tenant: "acme", Source: "hubspot", Object: "deal", ID: "9001234567", Op: OpUpsert,
		Version: time.Date(2024, 5, 1, 10, 0, 0, 123456789, time.UTC),
		Fields: map[string]any{
			"name": "Renewal 2024 – Globex", "amount": json.Number("125000.50"), "stage": "closedwon",
			"close_date": time.Date(2024, 5, 2, 0, 0, 0, 0, time.UTC), "owner_email": "rep@example.com",
			"contact_email": "jane@example.org", "phone": "+1 415 555 0100", "is_won": true,
			"notes": strings.Repeat("call notes ", 20), "pipeline": nil,
		}}
}

// sampleMessages is one message of each kind in the current form.
func sampleMessages(tb testing.TB) []Message {
	tb.Helper()
	rec, err := EncodeRecord(sampleDeal())
	if err != nil {
		tb.Fatal(err)
	}
	stub, err := EncodeReject(sampleDeal(), Rejection{Field: "notes", Rule: RuleSize})
	if err != nil {
		tb.Fatal(err)
	}
	cp, err := EncodeCheckpoint(Checkpoint{Tenant: "acme", Source: "hubspot", Object: "deal", Seq: 7, Cursor: `{"after":"x"}`, Lease: 3}, 1)
	if err != nil {
		tb.Fatal(err)
	}
	return []Message{rec, stub, cp}
}

// TestCodecExactValues: every value a connector emits comes back from
// the binary form exactly: numbers as their exact text, times to the
// nanosecond with their zone offset, text byte for byte, and a field
// holding nil stays present while an absent field stays absent.
func TestCodecExactValues(t *testing.T) {
	const huge = "100000000000000000000000000000000000000000000000000000000000000.30000000000000000001"
	for _, tc := range []struct {
		name string
		in   any
		want any
	}{
		{"exact decimal text", json.Number(huge), json.Number(huge)},
		{"vendor exponent", json.Number("-1.5E+400"), json.Number("-1.5E+400")},
		{"negative zero", json.Number("-0"), json.Number("-0")},
		{"empty number as encoding/json writes it", json.Number(""), json.Number("0")},
		{"decimal.Decimal", decimal.MustParse("12345678901234567890.000000000000000001"), json.Number("12345678901234567890.000000000000000001")},
		{"float64 shortest", 17.5, json.Number("17.5")},
		{"float64 tiny", 1e-7, json.Number("1e-7")},
		{"float64 large", 1e21, json.Number("1e+21")},
		{"float32", float32(0.1), json.Number("0.1")},
		{"int64", int64(-9223372036854775808), json.Number("-9223372036854775808")},
		{"uint64", uint64(18446744073709551615), json.Number("18446744073709551615")},
		{"time with nanoseconds", time.Date(2024, 2, 29, 23, 59, 59, 999999999, time.UTC), time.Date(2024, 2, 29, 23, 59, 59, 999999999, time.UTC)},
		{"time in a zone", time.Date(2024, 1, 1, 0, 30, 0, 1, kathmandu), time.Date(2024, 1, 1, 0, 30, 0, 1, kathmandu)},
		{"time of year 1", time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"text", "Müller & Søn \u2028 <b>", "Müller & Søn \u2028 <b>"},
		{"invalid UTF-8 kept", "a\xffb\x00", "a\xffb\x00"},
		{"empty text", "", ""},
		{"false", false, false},
		{"nil", nil, nil},
		{"nested", map[string]any{"a": []any{1, "x", nil}}, map[string]any{"a": []any{json.Number("1"), "x", nil}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &Record{Tenant: "acme", Source: "crm", Object: "deal", ID: "1", Op: OpUpsert,
				Version: time.Date(2024, 5, 1, 10, 0, 0, 5, kathmandu), Fields: map[string]any{"v": tc.in}}
			m, err := EncodeRecord(r)
			if err != nil {
				t.Fatalf("EncodeRecord(%v) = %v", tc.in, err)
			}
			if m.Value[0] != formatV1 {
				t.Fatalf("EncodeRecord wrote format %#x, want %#x", m.Value[0], formatV1)
			}
			got, _, err := Decode(m)
			if err != nil {
				t.Fatalf("Decode(EncodeRecord(%v)) = %v", tc.in, err)
			}
			v, present := got.Fields["v"]
			if !present {
				t.Fatalf("Decode(EncodeRecord(%v)) lost the field", tc.in)
			}
			if _, absent := got.Fields["w"]; absent || len(got.Fields) != 1 {
				t.Errorf("Decode() fields = %v, want only v", got.Fields)
			}
			if want, ok := tc.want.(time.Time); ok {
				tm, isTime := v.(time.Time)
				if !isTime || !tm.Equal(want) || tm.Format(time.RFC3339Nano) != want.Format(time.RFC3339Nano) {
					t.Errorf("Decode() time = %v (%T), want %v", v, v, want)
				}
			} else if !reflect.DeepEqual(v, tc.want) {
				t.Errorf("Decode() value = %#v (%T), want %#v", v, v, tc.want)
			}
			if !got.Version.Equal(r.Version) || got.Version.Format(time.RFC3339Nano) != r.Version.Format(time.RFC3339Nano) {
				t.Errorf("Decode() version = %v, want %v", got.Version, r.Version)
			}
		})
	}
}

// TestCodecRefusesWhatJSONRefused: values the JSON form could not carry
// are still refused by the encoder.
func TestCodecRefusesWhatJSONRefused(t *testing.T) {
	for _, v := range []any{json.Number("12abc"), json.Number("0x10"), json.Number("1."), make(chan int)} {
		r := &Record{Tenant: "a", Object: "deal", ID: "1", Op: OpUpsert, Fields: map[string]any{"v": v}}
		if _, err := EncodeRecord(r); err == nil {
			t.Errorf("EncodeRecord(%T %v) = nil error, want one", v, v)
		}
	}
}

// TestCodecWholeRecord: a connector's deal, its reject stub and a
// checkpoint round-trip, the binary form is smaller than the JSON form,
// and the message key is the record's id.
func TestCodecWholeRecord(t *testing.T) {
	in := sampleDeal()
	msgs := sampleMessages(t)
	got, _, err := Decode(msgs[0])
	if err != nil {
		t.Fatal(err)
	}
	if string(msgs[0].Key) != in.ID || got.ID != in.ID || got.Op != in.Op || got.Tenant != in.Tenant || got.Source != in.Source || got.Object != in.Object {
		t.Errorf("Decode() = %+v, want %+v", got, in)
	}
	if !reflect.DeepEqual(got.Fields, in.Fields) {
		t.Errorf("Decode() fields = %v, want %v", got.Fields, in.Fields)
	}
	old, err := json.Marshal(envelope{Type: typeRecord, Record: in})
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs[0].Value) >= len(old) {
		t.Errorf("binary form is %d bytes, JSON form %d", len(msgs[0].Value), len(old))
	}
	stub, _, err := Decode(msgs[1])
	if err != nil || stub.Reject == nil || *stub.Reject != (Rejection{Stage: "emit", Field: "notes", Rule: RuleSize}) || stub.Fields != nil || stub.ID != in.ID {
		t.Errorf("Decode(stub) = %+v, %v", stub, err)
	}
	if strings.Contains(string(msgs[1].Value), "jane") {
		t.Errorf("reject stub holds a value")
	}
	_, cp, err := Decode(msgs[2])
	if err != nil || *cp != (Checkpoint{Tenant: "acme", Source: "hubspot", Object: "deal", Seq: 7, Cursor: `{"after":"x"}`, Lease: 3}) {
		t.Errorf("Decode(checkpoint) = %+v, %v", cp, err)
	}
}

// TestDecodeOldJSONMessages: messages the JSON encoder wrote before the
// binary form still decode, to the values they always gave.
func TestDecodeOldJSONMessages(t *testing.T) {
	in := sampleDeal()
	old, err := json.Marshal(envelope{Type: typeRecord, Record: in})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range [][]byte{old, append([]byte(" \n"), old...)} {
		got, _, err := Decode(Message{Value: v})
		if err != nil {
			t.Fatalf("Decode(old JSON) = %v", err)
		}
		if got.Fields["amount"] != json.Number("125000.50") || got.Fields["close_date"] != "2024-05-02T00:00:00Z" ||
			got.Fields["pipeline"] != nil || got.Fields["name"] != in.Fields["name"] || !got.Version.Equal(in.Version) {
			t.Errorf("Decode(old JSON) = %+v", got)
		}
	}
	cp, err := json.Marshal(envelope{Type: typeCheckpoint, Checkpoint: &Checkpoint{Tenant: "a", Object: "deal", Seq: 2, Cursor: "c"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, got, err := Decode(Message{Value: cp}); err != nil || got.Seq != 2 || got.Cursor != "c" {
		t.Errorf("Decode(old JSON checkpoint) = %+v, %v", got, err)
	}
}

// TestDecodeHostileBinary: every truncation and every single-byte
// change of valid messages either decodes or is refused with a fixed
// error; nothing panics, and the error never holds the content.
func TestDecodeHostileBinary(t *testing.T) {
	for _, m := range sampleMessages(t) {
		for n := range len(m.Value) {
			if _, _, err := Decode(Message{Value: m.Value[:n]}); !errors.Is(err, ErrInvalid) {
				t.Fatalf("Decode(first %d bytes) = %v, want ErrInvalid", n, err)
			}
		}
		for i := range m.Value {
			for _, b := range []byte{0x00, 0x01, 0x7f, 0x80, 0xff} {
				v := append([]byte{}, m.Value...)
				v[i] = b
				if _, _, err := Decode(Message{Value: v}); err != nil && (!errors.Is(err, ErrInvalid) || strings.Contains(err.Error(), "jane")) {
					t.Fatalf("Decode(byte %d = %#x) = %v", i, b, err)
				}
			}
		}
		if _, _, err := Decode(Message{Value: append(append([]byte{}, m.Value...), 0)}); !errors.Is(err, ErrInvalid) {
			t.Errorf("Decode(message + trailing byte) = %v, want ErrInvalid", err)
		}
	}
}

// BenchmarkCodec measures encoding and decoding one deal in the binary
// form and in the older JSON form.
func BenchmarkCodec(b *testing.B) {
	in := sampleDeal()
	jsonEncode := func(r *Record) (Message, error) {
		v, err := json.Marshal(envelope{Type: typeRecord, Record: r})
		return Message{Key: []byte(r.ID), Value: v}, err
	}
	for _, c := range []struct {
		name   string
		encode func(*Record) (Message, error)
	}{{"binary", EncodeRecord}, {"json", jsonEncode}} {
		m, _ := c.encode(in)
		b.Run(c.name+"/encode", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.encode(in); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(m.Value)), "bytes/msg")
		})
		b.Run(c.name+"/decode", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := Decode(m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
