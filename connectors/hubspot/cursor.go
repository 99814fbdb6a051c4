package hubspot

import (
	"encoding/json"
	"errors"
	"slices"
)

// Phases of a sync pass, in order. A full pass lists, an incremental pass
// searches; both then list archived records (when configured) and end
// done.
const (
	phaseList     = "list"
	phaseSearch   = "search"
	phaseArchived = "archived"
	phaseDone     = "done"
)

const cursorVersion = 1

// cursor is the resume point of one object's sync, serialized as JSON.
// Every emitted page carries the cursor that resumes right after it.
type cursor struct {
	V     int    `json:"v"`
	Phase string `json:"phase"`
	// Start is the pass's start, in epoch milliseconds.
	Start int64 `json:"start"`
	// Since, in a done cursor, is where the next incremental window
	// begins: the pass's start minus the search lag.
	Since int64 `json:"since,omitempty"`
	// After is the paging token inside the current listing or window.
	After string `json:"after,omitempty"`
	// Page counts the pages fetched in this phase, for messages.
	Page int `json:"page,omitempty"`
	// Windows are the search windows left, the current one first.
	Windows []window `json:"windows,omitempty"`
}

// window is a half-open interval [From, To) of last-modified instants in
// epoch milliseconds. ByID pages a window holding more records than the
// search cap in a single millisecond by hs_object_id > LastID.
type window struct {
	From   int64 `json:"from"`
	To     int64 `json:"to"`
	ByID   bool  `json:"by_id,omitempty"`
	LastID int64 `json:"last_id,omitempty"`
}

var errCursor = errors.New("cursor is not one this connector wrote")

func decodeCursor(s string) (cursor, error) {
	var c cursor
	if err := json.Unmarshal([]byte(s), &c); err != nil || c.V != cursorVersion {
		return cursor{}, errCursor
	}
	switch c.Phase {
	case phaseList, phaseSearch, phaseArchived, phaseDone:
		return c, nil
	}
	return cursor{}, errCursor
}

func (c cursor) encode() string {
	b, _ := json.Marshal(c)
	return string(b)
}

// clone copies c so that changing the next cursor leaves c alone.
func (c cursor) clone() cursor {
	c.Windows = slices.Clone(c.Windows)
	return c
}
