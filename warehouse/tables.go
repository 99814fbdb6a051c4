package warehouse

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/decimal"
	"github.com/tally-dev/tally/schemas"
	"github.com/tally-dev/tally/transforms/kpi"
)

// kind is how a stored field is typed in the warehouse.
type kind int

const (
	kindText   kind = iota // text: dimensions, pseudonyms
	kindNumber             // numeric: measures
	kindBool               // boolean
	kindDate               // date: time fields of day granularity
	kindTime               // timestamptz: exact time fields
)

// column is one field column of a fact table.
type column struct {
	name  string // column name = canonical field name
	field string
	kind  kind
}

// factTable is the fact table of one object: tenant, key, source, one
// column per stored field except id (which is the key), version,
// written_at and expires_at.
type factTable struct {
	object string
	name   string
	cols   []column
	// pseudonyms are the columns holding pseudonyms: key, and every
	// stored identifier or person field that refers to an object.
	pseudonyms []string
}

// FactTable returns the name of the fact table of an object.
func FactTable(object string) string { return object + "_facts" }

// FactColumns lists the field columns of an object's fact table, derived
// from the schema: every stored field in schema order, with id stored as
// the key column.
func FactColumns(o *schemas.Object) []string {
	t := newFactTable(o)
	out := make([]string, len(t.cols))
	for i, c := range t.cols {
		out[i] = c.name
	}
	return out
}

// factTables returns the fact table of every object of cat, by object.
func factTables(cat *schemas.Catalog) map[string]*factTable {
	out := map[string]*factTable{}
	for _, name := range cat.Objects() {
		o, _ := cat.Object(name)
		out[name] = newFactTable(o)
	}
	return out
}

func newFactTable(o *schemas.Object) *factTable {
	t := &factTable{object: o.Name, name: FactTable(o.Name), pseudonyms: []string{"key"}}
	for _, f := range o.Fields {
		if !f.Stored() || f.Name == "id" {
			continue
		}
		if f.Class == schemas.Identifier || (f.Class == schemas.Person && f.Refers != "") {
			t.pseudonyms = append(t.pseudonyms, f.Name)
		}
		c := column{name: f.Name, field: f.Name, kind: kindText}
		switch {
		case f.Type == schemas.Number:
			c.kind = kindNumber
		case f.Type == schemas.Bool:
			c.kind = kindBool
		case f.Type == schemas.TimeT && f.Granularity == "day":
			c.kind = kindDate
		case f.Type == schemas.TimeT:
			c.kind = kindTime
		}
		t.cols = append(t.cols, c)
	}
	return t
}

// canonical returns the record as the warehouse stores it: routing
// attributes, the version truncated to the microsecond PostgreSQL keeps,
// and only the stored fields, converted to their column's Go type (dates
// to midnight UTC), written to out. Fields that are not stored are
// dropped. A value of the wrong type is an error naming the field.
func (t *factTable) canonical(out, r *pipeline.Record) error {
	*out = pipeline.Record{
		Tenant: r.Tenant, Source: r.Source, Object: r.Object, Key: r.Key, Op: r.Op,
		Version: canonicalTime(r.Version),
		// Sized for what the record can fill: a map of up to 8 entries
		// is one group, half the size of one sized for 9.
		Fields: make(map[string]any, min(len(r.Fields), len(t.cols))),
	}
	for _, c := range t.cols {
		v, ok := r.Fields[c.field]
		if !ok || v == nil {
			continue
		}
		cv, err := fromGo(c.kind, v)
		if err != nil {
			return fmt.Errorf("field %s of %s: %w: %w", c.field, t.object, err, pipeline.Invalid(c.field, "column_type"))
		}
		out.Fields[c.field] = cv
	}
	return nil
}

func canonicalTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// fromGo converts a field value of a record to the column's Go type. A
// value already in that form is returned as it is, v itself, so that it
// is not boxed again.
func fromGo(k kind, v any) (any, error) {
	switch k {
	case kindText:
		if _, ok := v.(string); ok {
			return v, nil
		}
	case kindNumber:
		if d, ok := v.(decimal.Decimal); ok && d.InRange() {
			return v, nil
		}
		return numberFromGo(v)
	case kindBool:
		if _, ok := v.(bool); ok {
			return v, nil
		}
	case kindDate, kindTime:
		tm, err := pipeline.ParseTime(v)
		if err != nil {
			break
		}
		c := canonicalTime(tm)
		if k == kindDate {
			c = kpi.Day(tm)
		}
		// == (not Equal): the same instant, zone and no monotonic reading.
		if old, ok := v.(time.Time); ok && old == c {
			return v, nil
		}
		return c, nil
	}
	return nil, fmt.Errorf("value of type %T does not fit the column", v)
}

// numberFromGo converts a number of a record to the decimal.Decimal a
// numeric column holds: a decimal as it is, a json.Number exactly, a
// float or an integer by its shortest representation. A value outside
// what PostgreSQL's numeric holds is an error (validate quarantines such
// values before they get here).
func numberFromGo(v any) (any, error) {
	var (
		d   decimal.Decimal
		err error
	)
	switch n := v.(type) {
	case decimal.Decimal:
		d = n
	case json.Number:
		d, err = decimal.Parse(string(n))
	case float64:
		d, err = decimal.FromFloat(n)
	case int:
		d = decimal.FromInt(int64(n))
	case int64:
		d = decimal.FromInt(n)
	default:
		return nil, fmt.Errorf("value of type %T does not fit the column", v)
	}
	if err == nil && !d.InRange() {
		err = decimal.ErrRange
	}
	if err != nil {
		return nil, fmt.Errorf("number does not fit the column: %w", err)
	}
	return d, nil
}

// fromDB converts a value scanned from either driver to the column's Go
// type: PostgreSQL returns numeric as text bytes and SQLite decimal text
// (both read into a decimal.Decimal), SQLite booleans as integers and
// times as text when they do not parse.
func fromDB(k kind, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	switch k {
	case kindText:
		if s, ok := v.(string); ok {
			return s, nil
		}
	case kindNumber:
		var d decimal.Decimal
		if err := d.Scan(v); err != nil {
			return nil, err
		}
		return d, nil
	case kindBool:
		switch b := v.(type) {
		case bool:
			return b, nil
		case int64:
			return b != 0, nil
		}
	case kindDate, kindTime:
		tm, err := dbTime(v)
		if err != nil {
			return nil, err
		}
		if k == kindDate {
			return kpi.Day(tm), nil
		}
		return canonicalTime(tm), nil
	}
	return nil, fmt.Errorf("stored value of type %T", v)
}

// dbTime reads a date or timestamp as either driver returns it.
func dbTime(v any) (time.Time, error) {
	switch t := v.(type) {
	case time.Time:
		return t, nil
	case string:
		for _, layout := range []string{sqliteTimeLayout, time.RFC3339Nano, time.DateOnly, "2006-01-02 15:04:05.999999999-07:00"} {
			if tm, err := time.Parse(layout, t); err == nil {
				return tm, nil
			}
		}
	}
	return time.Time{}, fmt.Errorf("stored time of type %T", v)
}

// arg encodes a canonical value as a statement argument: dates as
// YYYY-MM-DD text in both dialects, times by the dialect.
func (d *dialect) arg(k kind, v any) any {
	if v == nil {
		return nil
	}
	switch k {
	case kindDate:
		return v.(time.Time).Format(time.DateOnly)
	case kindTime:
		return d.timeArg(v.(time.Time))
	}
	return v
}
