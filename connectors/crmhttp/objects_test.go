package crmhttp

import (
	"encoding/json"
	"testing"
)

func TestDecodeObject(t *testing.T) {
	m, ok := DecodeObject([]byte(`{"a":1.5,"b":1e400,"c":{"d":[2,-1e999]},"e":"x"}`))
	if !ok {
		t.Fatal("DecodeObject refused an object")
	}
	if m["a"] != 1.5 || m["b"] != json.Number("1e400") || m["e"] != "x" {
		t.Errorf("DecodeObject = %v", m)
	}
	inner := m["c"].(map[string]any)["d"].([]any)
	if inner[0] != 2.0 || inner[1] != json.Number("-1e999") {
		t.Errorf("nested numbers = %v", inner)
	}
	for _, raw := range []string{`[1]`, `7`, `"s"`, `null`, `{`} {
		if _, ok := DecodeObject([]byte(raw)); ok {
			t.Errorf("DecodeObject(%s) ok, want not an object", raw)
		}
	}
}

func TestDecodeRecords(t *testing.T) {
	tests := []struct {
		name        string
		raws        []string
		wantIDs     []any
		wantSkipped int
	}{
		{"empty", nil, nil, 0},
		{"all objects", []string{`{"id":1}`, `{"id":"b"}`}, []any{1.0, "b"}, 0},
		{"odd elements skipped in place", []string{`7`, `{"id":1}`, `null`, `[{"id":2}]`, `{"id":3}`, `"s"`}, []any{1.0, 3.0}, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raws := make([]json.RawMessage, len(tt.raws))
			for i, r := range tt.raws {
				raws[i] = json.RawMessage(r)
			}
			objs, skipped := DecodeRecords(raws)
			if objs == nil {
				t.Fatal("DecodeRecords returned a nil slice")
			}
			if skipped != tt.wantSkipped || len(objs) != len(tt.wantIDs) {
				t.Fatalf("DecodeRecords = %d objects, %d skipped; want %d, %d", len(objs), skipped, len(tt.wantIDs), tt.wantSkipped)
			}
			for i, m := range objs {
				if m["id"] != tt.wantIDs[i] {
					t.Errorf("object %d id = %v, want %v", i, m["id"], tt.wantIDs[i])
				}
			}
		})
	}
}

func TestLenient(t *testing.T) {
	type rec struct {
		ID   any    `json:"id"`
		Name string `json:"name"`
	}
	tests := []struct {
		name string
		in   string
		want rec
	}{
		{"object", `{"id":"7","name":"n"}`, rec{ID: "7", Name: "n"}},
		{"not an object", `[1,2]`, rec{}},
		{"wrong type leaves nothing half-decoded", `{"id":"7","name":3}`, rec{}},
		{"not json", `{`, rec{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Lenient[rec]([]byte(tt.in)); got != tt.want {
				t.Errorf("Lenient(%s) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestTotal(t *testing.T) {
	tests := []struct {
		raw  string
		want int
	}{
		{``, -1}, {`null`, 0}, {`"7"`, -1}, {`-1`, -1}, {`1e400`, -1}, {`2147483648`, -1},
		{`0`, 0}, {`42`, 42}, {`2147483647`, 2147483647},
	}
	for _, tt := range tests {
		if got := Total(json.RawMessage(tt.raw)); got != tt.want {
			t.Errorf("Total(%q) = %d, want %d", tt.raw, got, tt.want)
		}
	}
}

func TestDecodeWith(t *testing.T) {
	parse := func(b []byte) (int, error) {
		var n int
		err := json.Unmarshal(b, &n)
		return n, err
	}
	dst := 5
	decode := DecodeWith(&dst, parse)
	if err := decode([]byte(`"x"`)); err == nil || dst != 5 {
		t.Errorf("failed parse: err %v, dst %d; want an error and dst untouched", err, dst)
	}
	if err := decode([]byte(`9`)); err != nil || dst != 9 {
		t.Errorf("parse: err %v, dst %d; want 9", err, dst)
	}
}

func TestExact(t *testing.T) {
	for _, tc := range []struct {
		n    string
		want bool
	}{
		{"17.5", true}, {"100", true}, {"-0.25", true}, {"0.1", true},
		{"1e2", true}, {"17.50", true}, // other spellings of the same number
		{"12345678901234567890.12", false}, // more digits than float64 holds
		{"9007199254740993", false},        // 2^53+1
	} {
		f, err := json.Number(tc.n).Float64()
		if err != nil {
			t.Fatal(err)
		}
		if got := exact(json.Number(tc.n), f); got != tc.want {
			t.Errorf("exact(%s) = %v, want %v", tc.n, got, tc.want)
		}
	}
}
