package warehouse

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// Class is a retention class: every expiring table belongs to one.
type Class string

// Retention classes.
const (
	ClassFacts      Class = "facts"
	ClassKPIs       Class = "kpis"
	ClassQuarantine Class = "quarantine"
	ClassEvidence   Class = "evidence"
)

// TTLs overrides the global TTLs for one tenant; zero keeps the global
// value of that class.
type TTLs struct {
	Facts      time.Duration `json:"facts,omitempty"`
	KPIs       time.Duration `json:"kpis,omitempty"`
	Quarantine time.Duration `json:"quarantine,omitempty"`
}

// Policy is the retention policy in force: a TTL per class and per-tenant
// overrides. Purge runs record it as their policy snapshot.
type Policy struct {
	Facts      time.Duration   `json:"facts"`
	KPIs       time.Duration   `json:"kpis"`
	Quarantine time.Duration   `json:"quarantine"`
	Evidence   time.Duration   `json:"evidence"`
	Tenants    map[string]TTLs `json:"tenants,omitempty"`
}

// TTL returns the lifetime of a row of class c written for tenant.
func (p Policy) TTL(c Class, tenant string) time.Duration {
	o := p.Tenants[tenant]
	switch c {
	case ClassFacts:
		return pick(o.Facts, p.Facts)
	case ClassKPIs:
		return pick(o.KPIs, p.KPIs)
	case ClassQuarantine:
		return pick(o.Quarantine, p.Quarantine)
	}
	return p.Evidence
}

func pick(override, global time.Duration) time.Duration {
	if override > 0 {
		return override
	}
	return global
}

// ttlsOf returns the distinct TTLs of class c: the global one and every
// tenant override.
func (p Policy) ttlsOf(c Class) []time.Duration {
	seen := map[time.Duration]bool{p.TTL(c, ""): true}
	for t := range p.Tenants {
		seen[p.TTL(c, t)] = true
	}
	out := make([]time.Duration, 0, len(seen))
	for d := range seen {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// overridden returns the tenants whose TTL of class c differs from the
// global one, sorted.
func (p Policy) overridden(c Class) []string {
	var out []string
	for t := range p.Tenants {
		if p.TTL(c, t) != p.TTL(c, "") {
			out = append(out, t)
		}
	}
	sort.Strings(out)
	return out
}

// Policy returns the retention policy of the warehouse.
func (w *Warehouse) Policy() Policy { return w.policy }

// Restamp is what `tally retention apply` changes in one table for one
// tenant ("*" for every tenant without an override of the class).
type Restamp struct {
	Table  string `json:"table"`
	Tenant string `json:"tenant"`
	TTL    string `json:"ttl"`
	// Rows is the number of rows whose expires_at differs from
	// write time + TTL; Expired how many of them would then be expired.
	Rows    int64 `json:"rows"`
	Expired int64 `json:"expired"`
}

// ApplyRetention re-stamps expires_at of existing rows to their write
// time plus the TTL the current policy gives their class and tenant
// (rollups: the end of the day they describe plus the TTL, see
// rollupExpiry), and returns the counts per table and tenant group. With
// dryRun it only counts. Rows that the new policy has already expired
// are removed by the next purge. Each table and tenant group is one
// statement; rows keep their primary keys, so none is duplicated.
func (w *Warehouse) ApplyRetention(ctx context.Context, dryRun bool) ([]Restamp, error) {
	now := w.now().UTC()
	var out []Restamp
	for _, pt := range w.purgeables() {
		if pt.Written == "" || pt.Expires == "" {
			continue
		}
		if ok, err := w.tableExists(ctx, pt.Table); err != nil || !ok {
			if err != nil {
				return out, err
			}
			continue
		}
		groups := []string{"*"}
		if pt.Tenant != "" {
			groups = append(groups, w.policy.overridden(pt.Class)...)
		}
		for _, g := range groups {
			r, err := w.restamp(ctx, pt, g, now, dryRun)
			if err != nil {
				return out, fmt.Errorf("re-stamping %s: %w", pt.Table, err)
			}
			out = append(out, r)
		}
	}
	return out, nil
}

func (w *Warehouse) restamp(ctx context.Context, pt Purgeable, group string, now time.Time, dryRun bool) (Restamp, error) {
	ttl := w.policy.TTL(pt.Class, group)
	r := Restamp{Table: pt.Table, Tenant: group, TTL: fmtDuration(ttl)}
	target := w.addSeconds(pt.Written, int64(ttl/time.Second))
	if pt.Day != "" {
		target = w.afterDay(pt.Day, int64(ttl/time.Second))
	}
	pred, args := "TRUE", []any(nil)
	if pt.Tenant != "" && group != "*" {
		pred, args = "tenant = ?", []any{group}
	} else if over := w.policy.overridden(pt.Class); pt.Tenant != "" && len(over) > 0 {
		in, inArgs := w.d.in("tenant", over)
		pred, args = "NOT ("+in+")", inArgs
	}
	where := " WHERE " + pred + " AND " + pt.Expires + " <> " + target
	q := "SELECT count(*), count(CASE WHEN " + target + " < ? THEN 1 END) FROM " + pt.Table + where
	row := w.db.QueryRowContext(ctx, w.db.Rebind(q), append([]any{w.d.timeArg(now)}, args...)...)
	if err := row.Scan(&r.Rows, &r.Expired); err != nil {
		return r, redact(err)
	}
	if dryRun || r.Rows == 0 {
		return r, nil
	}
	// A new expiry moves a row to another partition only where the table
	// is partitioned on it.
	if pt.Partitioned && w.d.name == Postgres && partitionColumn(pt.Table) == pt.Expires {
		var lo, hi *time.Time
		q := "SELECT min(" + target + "), max(" + target + ") FROM " + pt.Table + where
		if err := w.db.QueryRowContext(ctx, w.db.Rebind(q), args...).Scan(&lo, &hi); err != nil {
			return r, redact(err)
		}
		if lo != nil && hi != nil {
			if err := w.ensurePartitions(ctx, pt.Table, maxTime(*lo, now), *hi); err != nil {
				return r, err
			}
		}
	}
	if _, err := w.Exec(ctx, "UPDATE "+pt.Table+" SET "+pt.Expires+" = "+target+where, args...); err != nil {
		return r, err
	}
	return r, nil
}

// addSeconds is the dialect's expression col + secs seconds, in the
// column's own text layout on SQLite.
func (w *Warehouse) addSeconds(col string, secs int64) string {
	if w.d.name == Postgres {
		return fmt.Sprintf("(%s + interval '%d seconds')", col, secs)
	}
	return fmt.Sprintf("(strftime('%%Y-%%m-%%dT%%H:%%M:%%S', %s, '%+d seconds') || substr(%s, 20))", col, secs, col)
}

// afterDay is the dialect's expression for the instant secs seconds
// after the end of the UTC day in date column col, in the layout the
// dialect stores instants in.
func (w *Warehouse) afterDay(col string, secs int64) string {
	if w.d.name == Postgres {
		return fmt.Sprintf("((%s + 1)::timestamp AT TIME ZONE 'UTC' + interval '%d seconds')", col, secs)
	}
	return fmt.Sprintf("(strftime('%%Y-%%m-%%dT%%H:%%M:%%S', %s, '+1 day', '%+d seconds') || '.000000+00:00')", col, secs)
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// fmtDuration prints whole days as "400d", anything else as Go does.
func fmtDuration(d time.Duration) string {
	if d > 0 && d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return d.String()
}
