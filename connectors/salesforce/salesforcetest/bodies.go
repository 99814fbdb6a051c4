package salesforcetest

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

// Fixture returns the raw vendor sample testdata/<name>.json (for
// example "error.invalid-session-id", "oauth-token.response").
func Fixture(name string) []byte {
	b, err := fixtures.ReadFile("testdata/" + name + ".json")
	if err != nil {
		panic(fmt.Sprintf("salesforcetest: no fixture %s", name))
	}
	return b
}

// restError is one element of a REST error array.
type restError struct {
	Message   string   `json:"message"`
	ErrorCode string   `json:"errorCode"`
	Fields    []string `json:"fields,omitempty"`
}

// fixtureError returns the single error of a fixture array.
func fixtureError(name string) restError {
	var es []restError
	if err := json.Unmarshal(Fixture(name), &es); err != nil || len(es) != 1 {
		panic(fmt.Sprintf("salesforcetest: fixture %s is not a one-error array", name))
	}
	return es[0]
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	w.Write(body)
}

// writeREST answers with a REST error array of one error.
func writeREST(w http.ResponseWriter, status int, e restError) {
	b, _ := json.Marshal([]restError{e})
	writeJSON(w, status, b)
}

// writeOAuth answers with a token endpoint error object.
func writeOAuth(w http.ResponseWriter, status int, code, description string) {
	b, _ := json.Marshal(map[string]string{"error": code, "error_description": description})
	writeJSON(w, status, b)
}

var (
	errSession  = func() restError { return fixtureError("error.invalid-session-id") }
	errLimit    = func() restError { return fixtureError("error.request-limit-exceeded") }
	errNotFound = restError{Message: "The requested resource does not exist", ErrorCode: "NOT_FOUND"}
	errLocator  = restError{Message: "invalid query locator", ErrorCode: "INVALID_QUERY_LOCATOR"}
	errBusy     = restError{Message: "Server is temporarily unavailable. Try again later.", ErrorCode: "SERVER_UNAVAILABLE"}
	errInternal = restError{Message: "An unexpected error occurred. Please include this ErrorId if you contact support: 1730955361-49792 (-1117026034)", ErrorCode: "UNKNOWN_EXCEPTION"}
)
