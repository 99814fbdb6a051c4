package bullhorntest

import (
	"crypto/rand"
	"embed"
	"encoding/json"
	"fmt"
	"net/http"
)

// The vendor's own samples; answers are built in their shapes.
//
//go:embed testdata/*.json
var fixtures embed.FS

// Fixture returns the parsed vendor sample testdata/<name>.json (for
// example "login.response" or "placement-list.trimmed").
func Fixture(name string) map[string]any {
	b, err := fixtures.ReadFile("testdata/" + name + ".json")
	if err != nil {
		panic(fmt.Sprintf("bullhorntest: no fixture %s", name))
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		panic(fmt.Sprintf("bullhorntest: fixture %s: %v", name, err))
	}
	return m
}

func randomToken() string {
	var b [16]byte
	rand.Read(b[:])
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// writeError answers in the shape Bullhorn's REST errors take in
// practice (errorMessage, errorMessageKey, errorCode); the vendor docs
// list the statuses but do not document the body.
func writeError(w http.ResponseWriter, status int, key, message string) {
	writeJSON(w, status, map[string]any{"errorMessage": message, "errorMessageKey": key, "errorCode": status})
}

// writeOAuthError answers in RFC 6749's token error shape, which
// Bullhorn's OAuth server uses.
func writeOAuthError(w http.ResponseWriter, status int, code, description string) {
	writeJSON(w, status, map[string]any{"error": code, "error_description": description})
}

const msgRateLimited = "Rate Limited: Wait 1 second then retry request"
