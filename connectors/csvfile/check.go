package csvfile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tally-dev/tally/pipeline"
)

var _ pipeline.FieldChecker = (*Source)(nil)

// CheckFields reads the header row of every file the next pass would
// read and reports which projected fields' columns it holds: a column is
// verified when every file's header has it. Projected fields no column
// maps to are reported unverified too. It reads headers only, never a
// data row.
func (s *Source) CheckFields(ctx context.Context) ([]pipeline.FieldStatus, error) {
	if len(s.objects) == 0 {
		return nil, nil
	}
	dir, names, err := s.files()
	if err != nil {
		return nil, err
	}
	type want struct{ field, header string }
	wants := []want{{"id", s.cfg.IDColumn}}
	for _, c := range s.columns {
		wants = append(wants, want{c.field, c.header})
	}
	lacking := make([]int, len(wants)) // files whose header lacks the column
	for _, name := range names {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		header, err := s.header(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("csv: reading the header of %s: %w", name, err)
		}
		for i, w := range wants {
			if !slices.Contains(header, w.header) {
				lacking[i]++
			}
		}
	}
	out := make([]pipeline.FieldStatus, 0, len(wants))
	for i, w := range wants {
		var reason string
		switch {
		case len(names) == 0:
			reason = "no file to read a header from"
		case lacking[i] > 0:
			reason = fmt.Sprintf("column not in the header of %d of %d files", lacking[i], len(names))
		}
		out = append(out, pipeline.CheckedField(s.cfg.Object, w.field, w.header, reason == "", reason))
	}
	out = pipeline.AppendUnmapped(out, s.cfg.Object, s.unmapped, "no column maps to it")
	pipeline.SortFieldStatuses(out)
	return out, nil
}

// header reads a file's header row, trimmed as layout trims it; an empty
// file has none.
func (s *Source) header(path string) ([]string, error) {
	f, err := os.Open(path) // read-only
	if err != nil {
		return nil, fmt.Errorf("%s: %w", errKind(err), pipeline.ErrTransient)
	}
	defer f.Close()
	row, err := s.reader(f).Read()
	if errors.Is(err, io.EOF) {
		return nil, nil
	}
	if err != nil {
		return nil, describe(err)
	}
	out := make([]string, len(row))
	for i, h := range row {
		out[i] = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
	}
	return out, nil
}
