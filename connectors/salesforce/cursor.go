package salesforce

import (
	"encoding/json"
	"errors"
	"slices"
	"time"
)

const cursorVersion = 1

// cursor is the resume point of one canonical object's sync, serialized
// as JSON. Marks holds, per sObject of the object, the (SystemModstamp,
// Id) of the last record emitted; I is the sObject the pass is in, and
// len(Marks) when the pass is complete.
type cursor struct {
	V     int    `json:"v"`
	I     int    `json:"i"`
	Marks []mark `json:"marks"`
}

// mark is a position in SystemModstamp order: every record modified
// before MS was emitted, and of those modified in MS exactly, the ones
// in IDs. Keeping the ids of the last millisecond (few) rather than
// relying on the server's Id collation makes ties exact.
type mark struct {
	MS  int64    `json:"ms"` // SystemModstamp in epoch milliseconds; 0 means none
	IDs []string `json:"ids,omitempty"`
}

func (m mark) time() time.Time {
	if m.MS == 0 {
		return time.Time{}
	}
	return time.UnixMilli(m.MS).UTC()
}

// emitted reports whether the record (t, id) is at or before the mark.
func (m mark) emitted(t time.Time, id string) bool {
	ms := t.UnixMilli()
	return ms < m.MS || (ms == m.MS && slices.Contains(m.IDs, id))
}

// add moves the mark to the record (t, id), which is not before it.
func (m mark) add(t time.Time, id string) mark {
	if ms := t.UnixMilli(); ms != m.MS {
		return mark{MS: ms, IDs: []string{id}}
	}
	return mark{MS: m.MS, IDs: append(slices.Clip(m.IDs), id)}
}

var errCursor = errors.New("cursor is not one this connector wrote")

// decodeCursor reads a cursor of an object pulled from n sObjects.
func decodeCursor(s string, n int) (cursor, error) {
	var c cursor
	if err := json.Unmarshal([]byte(s), &c); err != nil || c.V != cursorVersion || len(c.Marks) != n || c.I < 0 || c.I > n {
		return cursor{}, errCursor
	}
	return c, nil
}

func (c cursor) encode() string {
	b, _ := json.Marshal(c)
	return string(b)
}
