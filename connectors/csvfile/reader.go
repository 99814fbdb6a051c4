package csvfile

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/schemas"
)

// pass is the state of one Sync call.
type pass struct {
	s     *Source
	emit  pipeline.Emitter
	page  []pipeline.Record
	last  cursor
	pages int
	count int
	// lacking counts, per mapped column (index of Source.columns), the
	// files read in this pass whose header does not have it.
	lacking map[int]int
}

// layout is where the columns a file's header names sit.
type layout struct {
	width                int
	id, updated, deleted int // -1 when not configured
	fields               []int
}

func (s *Source) layout(header []string) (layout, error) {
	at := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if _, dup := at[h]; !dup {
			at[h] = i
		}
	}
	l := layout{width: len(header), id: -1, updated: -1, deleted: -1}
	var missing []string
	for _, c := range []struct {
		name string
		dst  *int
	}{{s.cfg.IDColumn, &l.id}, {s.cfg.UpdatedColumn, &l.updated}, {s.cfg.DeletedColumn, &l.deleted}} {
		if c.name == "" {
			continue
		}
		i, ok := at[c.name]
		if !ok {
			missing = append(missing, c.name)
		}
		*c.dst = i
	}
	if len(missing) > 0 {
		return l, fmt.Errorf("header lacks configured columns %q: %w", missing, pipeline.ErrConfig)
	}
	for _, c := range s.columns {
		i, ok := at[c.header]
		if !ok {
			i = -1
		}
		l.fields = append(l.fields, i)
	}
	return l, nil
}

// file reads one file from where the cursor says, emitting full pages,
// and at its end a page with the cursor after its last row.
func (p *pass) file(ctx context.Context, dir, name string, from cursor) error {
	f, err := os.Open(filepath.Join(dir, name)) // read-only
	if err != nil {
		return fmt.Errorf("csv: opening %s: %s: %w", name, errKind(err), pipeline.ErrTransient)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("csv: %s: %s: %w", name, errKind(err), pipeline.ErrTransient)
	}
	hr := p.s.reader(io.NewSectionReader(f, 0, fi.Size()))
	header, err := hr.Read()
	if errors.Is(err, io.EOF) {
		return nil // an empty file has nothing yet
	}
	if err != nil {
		return fmt.Errorf("csv: reading the header of %s: %w", name, describe(err))
	}
	l, err := p.s.layout(header)
	if err != nil {
		return fmt.Errorf("csv: %s: %w", name, err)
	}
	for i, at := range l.fields {
		if at < 0 {
			if p.lacking == nil {
				p.lacking = map[int]int{}
			}
			p.lacking[i]++
		}
	}
	start := hr.InputOffset()
	if name == from.File {
		off, err := resumeAt(f, fi, from)
		if err != nil {
			return fmt.Errorf("csv: %s: %s: %w", name, errKind(err), pipeline.ErrTransient)
		}
		if off == 0 {
			p.s.log.Info("file changed other than by appending; reading it from its start", "object", p.s.cfg.Object, "file", name)
		}
		start = max(start, off)
	}
	base, err := linesBefore(f, start)
	if err != nil {
		return fmt.Errorf("csv: %s: %s: %w", name, errKind(err), pipeline.ErrTransient)
	}
	r := p.s.reader(io.NewSectionReader(f, start, fi.Size()-start))
	here := func() (cursor, error) {
		off := start + r.InputOffset()
		sum, err := tail(f, off)
		return cursor{V: cursorVersion, File: name, Offset: off, Size: fi.Size(), ModTime: fi.ModTime().UnixNano(), Tail: sum}, err
	}
	version := fi.ModTime().UTC()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var rec pipeline.Record
		var pe *csv.ParseError
		switch {
		case errors.As(err, &pe):
			p.s.log.Warn("malformed csv row sent to quarantine", "object", p.s.cfg.Object, "file", name,
				"line", base+pe.StartLine, "error", pe.Err.Error())
			rec = p.s.marker(version)
		case err != nil:
			return fmt.Errorf("csv: reading %s: %s: %w", name, errKind(err), pipeline.ErrTransient)
		case len(row) != l.width:
			line, _ := r.FieldPos(0)
			p.s.log.Warn("malformed csv row sent to quarantine", "object", p.s.cfg.Object, "file", name,
				"line", base+line, "error", fmt.Sprintf("%d fields, header has %d", len(row), l.width))
			rec = p.s.marker(version)
		default:
			rec = p.s.record(row, l, version)
		}
		p.page = append(p.page, rec)
		if len(p.page) >= p.s.cfg.PageSize {
			c, err := here()
			if err != nil {
				return fmt.Errorf("csv: %s: %s: %w", name, errKind(err), pipeline.ErrTransient)
			}
			if err := p.flush(ctx, c); err != nil {
				return err
			}
		}
	}
	c, err := here()
	if err != nil {
		return fmt.Errorf("csv: %s: %s: %w", name, errKind(err), pipeline.ErrTransient)
	}
	if len(p.page) > 0 || c != p.last {
		return p.flush(ctx, c)
	}
	return nil
}

// warnLacking logs, once per pass, each mapped column some file's
// header did not have: its field stays empty in those files' rows, and
// the KPIs it feeds with it.
func (p *pass) warnLacking() {
	for i, c := range p.s.columns {
		if n := p.lacking[i]; n > 0 {
			p.s.log.Warn("mapped column not in the header; its field stays empty and the kpis it feeds lack it",
				"object", p.s.cfg.Object, "column", c.header, "field", c.field,
				"kpis", schemas.Default().KPIsReading(p.s.cfg.Object, c.field), "count", n)
		}
	}
}

// flush emits the pending page with the cursor after it.
func (p *pass) flush(ctx context.Context, c cursor) error {
	page := p.page
	p.page, p.last = nil, c
	p.pages++
	p.count += len(page)
	return p.emit.Emit(ctx, page, c.encode())
}

func (s *Source) reader(r io.Reader) *csv.Reader {
	cr := csv.NewReader(bufio.NewReaderSize(r, 64<<10))
	cr.Comma = s.comma
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	return cr
}

// describe names a header read error without quoting the file.
func describe(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("line %d: %s: %w", pe.StartLine, pe.Err.Error(), pipeline.ErrConfig)
	}
	return fmt.Errorf("%s: %w", errKind(err), pipeline.ErrTransient)
}

// linesBefore counts the line breaks in the first n bytes of f, so that
// rows read after a resume are logged with their line in the file.
func linesBefore(f io.ReaderAt, n int64) (int, error) {
	br := bufio.NewReaderSize(io.NewSectionReader(f, 0, n), 64<<10)
	buf := make([]byte, 64<<10)
	lines := 0
	for {
		k, err := br.Read(buf)
		lines += bytes.Count(buf[:k], []byte{'\n'})
		if errors.Is(err, io.EOF) {
			return lines, nil
		}
		if err != nil {
			return 0, err
		}
	}
}

// marker is the record of a row that is not CSV: it has no id, which the
// validate stage rejects, so the row reaches quarantine.
func (s *Source) marker(version time.Time) pipeline.Record {
	return pipeline.Record{Tenant: s.env.Tenant, Source: s.env.Name, Object: s.cfg.Object, Op: pipeline.OpUpsert, Version: version}
}

// record maps one row. Only projected, mapped columns are read.
func (s *Source) record(row []string, l layout, mtime time.Time) pipeline.Record {
	r := pipeline.Record{Tenant: s.env.Tenant, Source: s.env.Name, Object: s.cfg.Object, Op: pipeline.OpUpsert,
		ID: strings.Clone(strings.TrimSpace(row[l.id])), Version: mtime}
	if l.updated >= 0 {
		r.Version, _ = s.times(strings.TrimSpace(row[l.updated])) // zero when malformed: validate rejects it
	}
	if l.deleted >= 0 {
		switch del, ok := parseBool(row[l.deleted]); {
		case ok && del:
			r.Op = pipeline.OpDelete
			return r
		case !ok && strings.TrimSpace(row[l.deleted]) != "":
			r.Version = time.Time{} // an unreadable delete flag: quarantine rather than guess
		}
	}
	r.Fields = make(map[string]any, len(s.columns))
	for i, c := range s.columns {
		if at := l.fields[i]; at >= 0 {
			r.Fields[c.field] = parse(c.typ, row[at], s.times)
		}
	}
	return r
}
