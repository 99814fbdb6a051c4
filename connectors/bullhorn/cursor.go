package bullhorn

import (
	"encoding/json"
	"errors"
	"slices"
)

// Phases of a sync pass: records modified in the window, then (for
// placements on incremental passes) the delete reconciliation.
const (
	phaseModified  = "modified"
	phaseReconcile = "reconcile"
	phaseDone      = "done"
)

const cursorVersion = 1

// cursor is the resume point of one object's sync, serialized as JSON.
type cursor struct {
	V     int    `json:"v"`
	Phase string `json:"phase"`
	// Since and Until bound the window of dateLastModified, epoch ms,
	// half-open [Since, Until). In a done cursor Since is where the next
	// window starts.
	Since int64 `json:"since"`
	Until int64 `json:"until,omitempty"`
	// LastMod and LastID are the keyset position inside the window.
	LastMod int64 `json:"last_mod,omitempty"`
	LastID  int64 `json:"last_id,omitempty"`
	// Full marks a first pass, which needs no reconciliation.
	Full bool `json:"full,omitempty"`
	// AfterID is the reconciliation's position in id order.
	AfterID int64 `json:"after_id,omitempty"`
	// Known are the placement ids seen, as inclusive ranges.
	Known ranges `json:"known,omitempty"`
}

var errCursor = errors.New("cursor is not one this connector wrote")

func decodeCursor(s string) (cursor, error) {
	var c cursor
	if err := json.Unmarshal([]byte(s), &c); err != nil || c.V != cursorVersion {
		return cursor{}, errCursor
	}
	switch c.Phase {
	case phaseModified, phaseReconcile, phaseDone:
		return c, nil
	}
	return cursor{}, errCursor
}

func (c cursor) encode() string {
	b, _ := json.Marshal(c)
	return string(b)
}

func (c cursor) clone() cursor {
	c.Known = slices.Clone(c.Known)
	return c
}

// ranges is a sorted set of ids as disjoint inclusive [lo, hi] ranges.
type ranges [][2]int64

// add inserts id.
func (r ranges) add(id int64) ranges {
	i, _ := slices.BinarySearchFunc(r, id, func(x [2]int64, id int64) int {
		switch {
		case x[1] < id:
			return -1
		case x[0] > id:
			return 1
		}
		return 0
	})
	if i < len(r) && r[i][0] <= id && id <= r[i][1] {
		return r
	}
	joinLeft := i > 0 && r[i-1][1] == id-1
	joinRight := i < len(r) && r[i][0] == id+1
	switch {
	case joinLeft && joinRight:
		r[i-1][1] = r[i][1]
		return slices.Delete(r, i, i+1)
	case joinLeft:
		r[i-1][1] = id
	case joinRight:
		r[i][0] = id
	default:
		r = slices.Insert(r, i, [2]int64{id, id})
	}
	return r
}

// replace makes the ids of r in (after, upTo] exactly ids (sorted,
// all inside the interval) and returns the ids of r there that are not
// in ids.
func (r ranges) replace(after, upTo int64, ids []int64) (ranges, []int64) {
	var gone []int64
	var out ranges
	k := 0
	for _, x := range r {
		if x[1] <= after || x[0] > upTo {
			out = append(out, x)
			continue
		}
		if x[0] <= after {
			out = append(out, [2]int64{x[0], after})
		}
		for id := max(x[0], after+1); id <= min(x[1], upTo); id++ {
			for k < len(ids) && ids[k] < id {
				k++
			}
			if k == len(ids) || ids[k] != id {
				gone = append(gone, id)
			}
		}
		if x[1] > upTo {
			out = append(out, [2]int64{upTo + 1, x[1]})
		}
	}
	for _, id := range ids {
		out = out.add(id)
	}
	return out, gone
}
