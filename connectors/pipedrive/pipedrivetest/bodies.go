package pipedrivetest

import (
	"embed"
	"encoding/json"
	"fmt"
	"net/http"
)

// The vendor's own samples; answers are built from their shapes.
//
//go:embed testdata/*.json
var fixtures embed.FS

// Fixture returns the parsed vendor sample testdata/<name>.json (for
// example "cursor-pagination.response" or "error-response").
func Fixture(name string) map[string]any {
	b, err := fixtures.ReadFile("testdata/" + name + ".json")
	if err != nil {
		panic(fmt.Sprintf("pipedrivetest: no fixture %s", name))
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		panic(fmt.Sprintf("pipedrivetest: fixture %s: %v", name, err))
	}
	return m
}

const errorInfo = "Please check developers.pipedrive.com for more information about Pipedrive API."

// errorBody is the documented error shape; code, when not zero, is
// added as errorCode as the API does for 401 and 429.
func errorBody(message string, code int) map[string]any {
	m := Fixture("error-response")
	m["error"] = message
	m["error_info"] = errorInfo
	if code != 0 {
		m["errorCode"] = code
	}
	return m
}

// listBody is the v2 list envelope of the cursor-pagination sample, with
// next_cursor null on the last page.
func listBody(data []any, next string) map[string]any {
	m := Fixture("cursor-pagination.response")
	m["data"] = data
	var nc any
	if next != "" {
		nc = next
	}
	m["additional_data"] = map[string]any{"next_cursor": nc}
	return m
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, message string) {
	code := 0
	if status == http.StatusUnauthorized || status == http.StatusTooManyRequests {
		code = status
	}
	writeJSON(w, status, errorBody(message, code))
}
