package quarantine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tally-dev/tally/warehouse"
)

// Filter selects quarantine rows. The zero Filter selects every row.
type Filter struct {
	// Tenant, when set, keeps the rows of that tenant only.
	Tenant string
	// Since, when set, keeps the rows quarantined at or after it.
	Since time.Time
	// Limit, when positive, is the most entries (List) or groups (Stats)
	// returned.
	Limit int
}

// Entry is one rejected record: when, whose, where in the pipeline and
// why, and where its raw message sits in the log. It holds no value.
type Entry struct {
	At        time.Time `json:"quarantined_at"`
	Tenant    string    `json:"tenant"`
	Connector string    `json:"connector"`
	Object    string    `json:"object"`
	Stage     string    `json:"stage"`
	Field     string    `json:"field"`
	Rule      string    `json:"rule"`
	Topic     string    `json:"topic"`
	Partition int       `json:"partition"`
	Offset    int64     `json:"offset"`
}

// Group is the number of rejected records of one (tenant, connector,
// object, stage, field, rule), with the first and last time one was
// quarantined.
type Group struct {
	Tenant    string    `json:"tenant"`
	Connector string    `json:"connector"`
	Object    string    `json:"object"`
	Stage     string    `json:"stage"`
	Field     string    `json:"field"`
	Rule      string    `json:"rule"`
	Count     int64     `json:"count"`
	First     time.Time `json:"first_seen"`
	Last      time.Time `json:"last_seen"`
}

// where returns the predicate (empty or starting with " WHERE") and
// arguments of f.
func where(w *warehouse.Warehouse, f Filter) (string, []any) {
	var preds []string
	var args []any
	if f.Tenant != "" {
		preds = append(preds, "tenant = ?")
		args = append(args, f.Tenant)
	}
	if !f.Since.IsZero() {
		preds = append(preds, "quarantined_at >= ?")
		args = append(args, w.TimeArg(f.Since.UTC()))
	}
	if len(preds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(preds, " AND "), args
}

func limit(f Filter) string {
	if f.Limit > 0 {
		return fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	return ""
}

// List returns the quarantine entries f selects, newest first (the
// latest log position first among equal times).
func List(ctx context.Context, w *warehouse.Warehouse, f Filter) ([]Entry, error) {
	pred, args := where(w, f)
	q := `SELECT quarantined_at, tenant, source, object, stage, field, rule, topic, partition, "offset" FROM quarantine` +
		pred + ` ORDER BY quarantined_at DESC, id DESC` + limit(f)
	return warehouse.QueryAll(ctx, w, "reading quarantine", q, args, func(scan func(...any) error) (Entry, error) {
		var e Entry
		var at any
		if err := scan(&at, &e.Tenant, &e.Connector, &e.Object, &e.Stage, &e.Field, &e.Rule,
			&e.Topic, &e.Partition, &e.Offset); err != nil {
			return e, err
		}
		var err error
		if e.At, err = warehouse.ScanUTC(at); err != nil {
			return e, fmt.Errorf("reading quarantine: %w", err)
		}
		return e, nil
	})
}

// Stats returns the groups of the entries f selects, the largest first
// (then by tenant, connector, object, stage, field and rule), and the
// total number of entries f selects (all groups, whatever the limit).
func Stats(ctx context.Context, w *warehouse.Warehouse, f Filter) (groups []Group, total int64, err error) {
	pred, args := where(w, f)
	keys := "tenant, source, object, stage, field, rule"
	// The total is a window over the groups, computed before the limit,
	// so that it and the groups come from one snapshot.
	q := `SELECT ` + keys + `, count(*), min(quarantined_at), max(quarantined_at), CAST(sum(count(*)) OVER () AS bigint)
		FROM quarantine` + pred +
		` GROUP BY ` + keys + ` ORDER BY count(*) DESC, ` + keys + limit(f)
	groups, err = warehouse.QueryAll(ctx, w, "counting quarantine", q, args, func(scan func(...any) error) (Group, error) {
		var g Group
		var first, last any
		if err := scan(&g.Tenant, &g.Connector, &g.Object, &g.Stage, &g.Field, &g.Rule, &g.Count, &first, &last, &total); err != nil {
			return g, err
		}
		var ferr, lerr error
		g.First, ferr = warehouse.ScanUTC(first)
		g.Last, lerr = warehouse.ScanUTC(last)
		if err := errors.Join(ferr, lerr); err != nil {
			return g, fmt.Errorf("counting quarantine: %w", err)
		}
		return g, nil
	})
	if err != nil {
		return nil, 0, err
	}
	return groups, total, nil
}
