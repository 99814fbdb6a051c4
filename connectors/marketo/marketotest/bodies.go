package marketotest

import (
	"crypto/rand"
	"embed"
	"encoding/json"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"
)

// The vendor's own samples; answers are built in their shapes.
//
//go:embed testdata/*.json
var fixtures embed.FS

// Fixture returns the parsed vendor sample testdata/<name>.json (for
// example "identity-token.response" or "error-response-level.example").
func Fixture(name string) map[string]any {
	b, err := fixtures.ReadFile("testdata/" + name + ".json")
	if err != nil {
		panic(fmt.Sprintf("marketotest: no fixture %s", name))
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		panic(fmt.Sprintf("marketotest: fixture %s: %v", name, err))
	}
	return m
}

var requests atomic.Int64

// requestID is shaped like Marketo's "e42b#14272d07d78".
func requestID() string {
	return fmt.Sprintf("%x#%x", requests.Add(1)&0xfffff, time.Now().UnixMilli())
}

func uuid() string {
	var b [16]byte
	rand.Read(b[:])
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// writeResult answers success:true with result, as every REST and bulk
// call does (error-response-level.example.json's envelope).
func writeResult(w http.ResponseWriter, result []map[string]any) {
	writeJSON(w, http.StatusOK, map[string]any{"requestId": requestID(), "success": true, "result": result})
}

// writeError answers a response-level error: HTTP 200, success:false and
// the code as a quoted integer.
func writeError(w http.ResponseWriter, code, message string) {
	writeJSON(w, http.StatusOK, map[string]any{"requestId": requestID(), "success": false,
		"errors": []map[string]any{{"code": code, "message": message}}})
}
