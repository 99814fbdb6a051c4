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
