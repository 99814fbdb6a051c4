package csvfile

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/schemas"
)

// Config is the YAML configuration of a csv connector. Defaults are those
// of DefaultConfig.
type Config struct {
	Path          string            `yaml:"path" spec:"required" doc:"A CSV file, or a directory whose *.csv files are read in name order."`
	Object        string            `yaml:"object" spec:"required" doc:"Canonical object every row maps onto (deal, lead, activity, placement, user)."`
	Columns       map[string]string `yaml:"columns" doc:"Header names mapped to canonical fields of object. Unmapped columns are never read into a record."`
	IDColumn      string            `yaml:"id_column" spec:"required" doc:"Column of the record's source id."`
	UpdatedColumn string            `yaml:"updated_column" doc:"Column of the record's last-modified time (its version). Empty: every row takes its file's modification time."`
	DeletedColumn string            `yaml:"deleted_column" doc:"Column of a boolean; true makes the row a delete of its id."`
	TimeFormat    string            `yaml:"time_format" doc:"Format of time columns: rfc3339, date (2006-01-02), datetime (2006-01-02 15:04:05), unix, unix_ms, or a Go layout. Times without a zone are UTC."`
	Delimiter     string            `yaml:"delimiter" doc:"Field separator, one character other than a quote or line break."`
	PageSize      int               `yaml:"page_size" doc:"Rows in one emitted page, 1 to 100000."`
}

// DefaultConfig returns the configuration with every default applied.
func DefaultConfig() Config {
	return Config{TimeFormat: "rfc3339", Delimiter: ",", PageSize: 1000}
}

// Validate reports every problem of the configuration, naming fields and
// header names, never values.
func (c *Config) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.Path == "" {
		add("path: required")
	}
	obj, ok := schemas.Default().Object(c.Object)
	if !ok {
		add("object: %q is not a canonical object (known: %s)", c.Object, strings.Join(schemas.Default().Objects(), ", "))
	}
	if c.IDColumn == "" {
		add("id_column: required")
	}
	seen := map[string]string{}
	headers := make([]string, 0, len(c.Columns))
	for h := range c.Columns {
		headers = append(headers, h)
	}
	sort.Strings(headers)
	for _, h := range headers {
		f := c.Columns[h]
		switch {
		case strings.TrimSpace(h) == "":
			add("columns: an empty header name is mapped")
		case f == "id":
			add("columns[%s]: id comes from id_column, not a mapping", h)
		case ok && !fieldKnown(obj, f):
			add("columns[%s]: %q is not a field of %s", h, f, c.Object)
		case seen[f] != "":
			add("columns[%s]: field %s is already mapped from %s", h, f, seen[f])
		}
		seen[f] = h
	}
	if _, err := newTimeParser(c.TimeFormat); err != nil {
		add("time_format: %v", err)
	}
	if r, n := utf8.DecodeRuneInString(c.Delimiter); n == 0 || n != len(c.Delimiter) || slices.Contains([]rune{'"', '\r', '\n', utf8.RuneError}, r) {
		add("delimiter: must be one character other than a quote or line break")
	}
	if c.PageSize < 1 || c.PageSize > 100_000 {
		add("page_size: must be between 1 and 100000")
	}
	return errors.Join(errs...)
}

func fieldKnown(obj *schemas.Object, name string) bool {
	_, ok := obj.Field(name)
	return ok
}

// Factory returns the "csv" source kind for the registry.
func Factory() pipeline.SourceFactory {
	return pipeline.NewSourceFactory("csv", DefaultConfig, New)
}
