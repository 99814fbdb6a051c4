package warehouse

import (
	"context"
	"fmt"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/decimal"
)

// NothingHeld is the export's note when no row addresses the subject.
const NothingHeld = "nothing held: tally stores no row for this subject. CRM contacts' emails are never pulled " +
	"(no KPI needs them), so a lookup by email finds only platform users in the identity vault; " +
	"look contacts up by --source-id."

// Export is everything the warehouse holds on one subject.
type Export struct {
	Tenant     string                      `json:"tenant"`
	By         string                      `json:"by"`
	Pseudonyms []string                    `json:"pseudonyms"`
	Lookups    []string                    `json:"email_pseudonyms"`
	Identity   []Person                    `json:"identity_vault"`
	Facts      map[string][]map[string]any `json:"facts"`
	Rollups    []map[string]any            `json:"kpi_rollups"`
	Suppressed bool                        `json:"suppressed"`
	Receipts   []Receipt                   `json:"receipts"`
	Held       bool                        `json:"held"`
	Note       string                      `json:"note,omitempty"`
}

// Export returns what the warehouse holds on the subject: its
// pseudonyms, the vault entry opened, facts it owns or is, the KPI
// rollups of its rep pseudonyms, whether it is suppressed, and the
// receipts that name it. Held is false and Note explains when nothing
// is held.
func (s *Subjects) Export(ctx context.Context, r Request) (*Export, error) {
	sub, err := s.resolve(ctx, r)
	if err != nil {
		return nil, err
	}
	ex := &Export{Tenant: r.Tenant, By: sub.By, Pseudonyms: sub.Pseudonyms, Lookups: sub.Lookups,
		Identity: []Person{}, Facts: map[string][]map[string]any{}, Rollups: []map[string]any{}, Receipts: []Receipt{}}
	for _, v := range sub.vault {
		ex.Identity = append(ex.Identity, Person{Rep: v.Rep, KeyVersion: v.KeyVersion, Email: v.Entry["email"],
			FirstName: v.Entry["first_name"], LastName: v.Entry["last_name"]})
	}
	for _, t := range s.factTables() {
		pred, args := s.refPredicate(t, sub.Pseudonyms)
		rows, err := s.rows(ctx, "SELECT * FROM "+t+" WHERE tenant = ? AND "+pred+" ORDER BY key", r.Tenant, args)
		if err != nil {
			return nil, err
		}
		if len(rows) > 0 {
			ex.Facts[t] = rows
		}
	}
	pred, args := s.w.d.in("rep", sub.Pseudonyms)
	if ex.Rollups, err = s.rows(ctx, "SELECT metric, day, rep, dimension, currency, value, n FROM kpi_daily WHERE tenant = ? AND "+
		pred+" ORDER BY day, metric, dimension, currency", r.Tenant, args); err != nil {
		return nil, err
	}
	rcs, err := s.Receipts(ctx, r.Tenant)
	if err != nil {
		return nil, err
	}
	// After an erasure the vault no longer knows the subject; its
	// receipts (matched by pseudonyms) still carry its tokens.
	tokens := sub.Tokens
	for _, rc := range rcs {
		if overlaps(rc.Tokens, sub.Tokens) || overlaps(rc.Pseudonyms, sub.Pseudonyms) || overlaps(rc.Lookups, sub.Lookups) {
			ex.Receipts = append(ex.Receipts, rc)
			tokens = append(tokens, rc.Tokens...)
		}
	}
	pred, args = s.w.d.in("token", uniq(tokens))
	var n int64
	if err := s.w.db.QueryRowContext(ctx, s.w.db.Rebind("SELECT count(*) FROM suppressions WHERE tenant = ? AND "+pred),
		append([]any{r.Tenant}, args...)...).Scan(&n); err != nil {
		return nil, fmt.Errorf("reading suppressions: %w", redact(err))
	}
	ex.Suppressed = n > 0
	ex.Held = len(ex.Identity)+len(ex.Facts)+len(ex.Rollups) > 0
	if !ex.Held {
		ex.Note = NothingHeld
	}
	return ex, nil
}

func overlaps(a, b []string) bool {
	set := map[string]bool{}
	for _, v := range a {
		set[v] = true
	}
	for _, v := range b {
		if set[v] {
			return true
		}
	}
	return false
}

// rows runs a query and returns each row as column → value, with
// numeric text and dates made readable.
func (s *Subjects) rows(ctx context.Context, q, tenant string, args []any) ([]map[string]any, error) {
	rs, err := s.w.db.QueryxContext(ctx, s.w.db.Rebind(q), append([]any{tenant}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("exporting: %w", redact(err))
	}
	defer rs.Close()
	out := []map[string]any{}
	for rs.Next() {
		m := map[string]any{}
		if err := rs.MapScan(m); err != nil {
			return nil, fmt.Errorf("exporting: %w", redact(err))
		}
		for k, v := range m {
			if b, ok := v.([]byte); ok {
				v = string(b)
				m[k] = v
			}
			if s.w.numericColumn(k) && v != nil {
				// Exact in both dialects: a JSON number in canonical text.
				var d decimal.Decimal
				if err := d.Scan(v); err != nil {
					return nil, fmt.Errorf("exporting column %s: %w", k, err)
				}
				m[k] = d
			}
		}
		out = append(out, m)
	}
	return out, redact(rs.Err())
}

// numericColumn reports whether col holds exact decimals: kpi_daily's
// value and the measure columns of the fact tables.
func (w *Warehouse) numericColumn(col string) bool {
	if col == "value" {
		return true
	}
	for _, t := range w.tables {
		for _, c := range t.cols {
			if c.name == col && c.kind == kindNumber {
				return true
			}
		}
	}
	return false
}

// Suppressions reads every tenant's suppression tokens; it makes the
// warehouse a pipeline.SuppressionSource.
func (w *Warehouse) Suppressions(ctx context.Context) (pipeline.Suppressed, error) {
	rows, err := w.db.QueryContext(ctx, "SELECT tenant, token FROM suppressions")
	if err != nil {
		return nil, fmt.Errorf("reading suppressions: %w", redact(err))
	}
	defer rows.Close()
	out := pipeline.Suppressed{}
	for rows.Next() {
		var tenant, token string
		if err := rows.Scan(&tenant, &token); err != nil {
			return nil, fmt.Errorf("reading suppressions: %w", redact(err))
		}
		if out[tenant] == nil {
			out[tenant] = map[string]struct{}{}
		}
		out[tenant][token] = struct{}{}
	}
	return out, redact(rows.Err())
}

var _ pipeline.SuppressionSource = (*Warehouse)(nil)
