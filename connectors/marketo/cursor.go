package marketo

import (
	"encoding/json"
	"errors"
)

const cursorVersion = 1

// Phases of a lead pass: export windows, then deleted leads, then done.
const (
	phaseExtract = "extract"
	phaseDeletes = "deletes"
	phaseDone    = "done"
)

// leadCursor is the resume point of the lead sync, serialized as JSON.
// Times are Unix seconds (Marketo's precision).
type leadCursor struct {
	V     int    `json:"v"`
	Phase string `json:"phase"`
	// Filter is the export filter, updatedAt or (after 1035) createdAt.
	Filter string `json:"filter"`
	// Since is the start of the current window; End the end of the pass.
	Since int64 `json:"since"`
	End   int64 `json:"end"`
	// Job is the current window's export job id, "" before it exists.
	Job string `json:"job,omitempty"`
	// Size is the job's file size once completed; Offset the byte after
	// the last row emitted; Rows how many rows were emitted; Cols the
	// file's header.
	Size   int64    `json:"size,omitempty"`
	Offset int64    `json:"offset,omitempty"`
	Rows   int64    `json:"rows,omitempty"`
	Cols   []string `json:"cols,omitempty"`
	// DelSince is where deleted leads are read from when DelToken is "";
	// DelToken is the deleted-leads paging token.
	DelSince int64  `json:"del_since,omitempty"`
	DelToken string `json:"del_token,omitempty"`
}

// activityCursor is the resume point of the activity sync: Marketo's
// paging token, which stays valid for the next pass.
type activityCursor struct {
	V     int    `json:"v"`
	Token string `json:"token"`
}

var errCursor = errors.New("cursor is not one this connector wrote")

func decodeLead(s string) (leadCursor, error) {
	var c leadCursor
	if err := json.Unmarshal([]byte(s), &c); err != nil || c.V != cursorVersion {
		return leadCursor{}, errCursor
	}
	switch c.Phase {
	case phaseExtract, phaseDeletes, phaseDone:
		return c, nil
	}
	return leadCursor{}, errCursor
}

func decodeActivity(s string) (activityCursor, error) {
	var c activityCursor
	if err := json.Unmarshal([]byte(s), &c); err != nil || c.V != cursorVersion || c.Token == "" {
		return activityCursor{}, errCursor
	}
	return c, nil
}

func encode(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
