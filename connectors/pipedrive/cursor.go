package pipedrive

import (
	"encoding/json"
	"errors"
)

// Phases of a deal pass, in order; each lists with the same
// updated_since. A user pass has only phaseUsers.
const (
	phaseLive     = "live"
	phaseDeleted  = "deleted"
	phaseArchived = "archived"
	phaseUsers    = "users"
	// phaseActivities is the only phase of an activity pass.
	phaseActivities = "activities"
	phaseDone       = "done"
)

const cursorVersion = 1

// cursor is the resume point of one object's sync, serialized as JSON.
// Every emitted page carries the cursor that resumes right after it.
type cursor struct {
	V     int    `json:"v"`
	Phase string `json:"phase"`
	// Start is the pass's start, in epoch milliseconds.
	Start int64 `json:"start"`
	// Since is the pass's updated_since in RFC 3339 ("" lists
	// everything); in a done cursor it is where the next pass begins.
	Since string `json:"since,omitempty"`
	// Next is Pipedrive's next_cursor inside the current phase.
	Next string `json:"next,omitempty"`
	// Page counts the pages fetched in this phase, for messages.
	Page int `json:"page,omitempty"`
}

var errCursor = errors.New("cursor is not one this connector wrote")

func decodeCursor(s string) (cursor, error) {
	var c cursor
	if err := json.Unmarshal([]byte(s), &c); err != nil || c.V != cursorVersion {
		return cursor{}, errCursor
	}
	switch c.Phase {
	case phaseLive, phaseDeleted, phaseArchived, phaseUsers, phaseActivities, phaseDone:
		return c, nil
	}
	return cursor{}, errCursor
}

func (c cursor) encode() string {
	b, _ := json.Marshal(c)
	return string(b)
}
