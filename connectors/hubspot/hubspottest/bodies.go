package hubspottest

import (
	"crypto/rand"
	"embed"
	"encoding/json"
	"fmt"
	"net/http"
)

// The vendor's own samples; error answers are built from their shapes.
//
//go:embed testdata/*.json
var fixtures embed.FS

// Fixture returns the parsed vendor sample testdata/<name>.json (for
// example "error.example", "rate-limit-429-daily", "owner.example").
func Fixture(name string) map[string]any {
	b, err := fixtures.ReadFile("testdata/" + name + ".json")
	if err != nil {
		panic(fmt.Sprintf("hubspottest: no fixture %s", name))
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		panic(fmt.Sprintf("hubspottest: fixture %s: %v", name, err))
	}
	return m
}

func uuid() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// errorBody is the generic error shape (spec Error: message,
// correlationId, category, links).
func errorBody(category, message string) map[string]any {
	m := Fixture("error.example")
	m["category"] = category
	m["message"] = message
	m["correlationId"] = uuid()
	return m
}

// rateLimitBody is the 429 shape; policy is "DAILY" or
// "TEN_SECONDLY_ROLLING".
func rateLimitBody(policy string) map[string]any {
	m := Fixture("rate-limit-429-daily")
	m["policyName"] = policy
	if policy != "DAILY" {
		m["message"] = "You have reached your secondly limit."
	}
	m["correlationId"] = uuid()
	m["requestId"] = uuid()
	return m
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, category, message string) {
	writeJSON(w, status, errorBody(category, message))
}

const (
	msgUnauthenticated = "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
	msgSearchCap       = "There was a problem with the request. Search results are limited to 10,000 per query; narrow the filters."
)
