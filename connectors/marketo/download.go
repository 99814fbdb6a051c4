package marketo

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tally-dev/tally/connectors/crmhttp"
	"github.com/tally-dev/tally/pipeline"
)

// download reads the job's CSV file from the cursor's byte offset in
// Range requests of chunk_bytes, and emits rows in pages of batch_size,
// each with the cursor holding the byte after its last row. The last
// page moves the cursor to the next window.
func (lp *leadPass) download(ctx context.Context, until int64) error {
	c := &lp.c
	path := "/bulk/v1/leads/export/" + url.PathEscape(c.Job) + "/file.json"
	var (
		buf     []byte
		bufAt   = c.Offset // file offset of buf[0]
		next    = c.Offset // next byte to fetch
		pending []pipeline.Record
		index   map[string]int
	)
	if c.Cols != nil {
		index = columnIndex(c.Cols)
	}
	chunk := lp.s.cfg.ChunkBytes
	for next < c.Size {
		rg := &byteRange{from: next, to: min(next+chunk, c.Size) - 1}
		var body []byte
		if _, err := lp.s.call(withRange(ctx, rg), crmhttp.Request{Method: http.MethodGet, Path: path}, &body); err != nil {
			return fmt.Errorf("downloading lead export file: %w", err)
		}
		switch {
		case body == nil:
			return fmt.Errorf("marketo: lead export file answered json, not csv: %w", pipeline.ErrTransient)
		case rg.status == http.StatusOK && int64(len(body)) == c.Size:
			body = body[next:] // the server ignored Range
		case rg.status != http.StatusPartialContent || !strings.HasPrefix(rg.contentRange, "bytes "+strconv.FormatInt(next, 10)+"-"):
			return fmt.Errorf("marketo: lead export file answered status %d to a range request: %w", rg.status, pipeline.ErrTransient)
		}
		if len(body) == 0 {
			return fmt.Errorf("marketo: lead export file shorter than its fileSize: %w", pipeline.ErrTransient)
		}
		next += int64(len(body))
		buf = append(buf, body...)
		cut := rowsEnd(buf)
		if next >= c.Size {
			cut = len(buf)
		}
		// A row longer than a chunk (a huge value) is read in growing
		// chunks: a few requests, not one per chunk_bytes.
		chunk = lp.s.cfg.ChunkBytes
		if cut == 0 {
			chunk = min(max(int64(len(buf)), lp.s.cfg.ChunkBytes), maxChunk)
		}
		r := rowReader(buf[:cut])
		for {
			row, err := r.Read()
			if err == io.EOF {
				break
			}
			end := bufAt + r.InputOffset()
			if err != nil {
				lp.s.log.Warn("unreadable lead export row skipped", "object", "lead", "error", "csv syntax")
				continue
			}
			if c.Cols == nil {
				c.Cols = slices.Clone(row)
				index = columnIndex(c.Cols)
				c.Offset = end
				continue
			}
			if rec, ok := lp.lead(row, index, until); ok {
				pending = append(pending, rec)
			}
			c.Offset = end
			if len(pending) >= lp.s.cfg.BatchSize && end < c.Size {
				if err := lp.flush(ctx, pending, false, until); err != nil {
					return err
				}
				pending = nil
			}
		}
		buf = buf[cut:]
		bufAt += int64(cut)
	}
	return lp.flush(ctx, pending, true, until)
}

// maxChunk bounds the growing range requests of a long row, well under
// the client's largest answer.
const maxChunk = 16 << 20

// flush emits a page of rows; the last one moves the cursor on to the
// next window (or to deleted leads after the last window).
func (lp *leadPass) flush(ctx context.Context, recs []pipeline.Record, last bool, until int64) error {
	c := &lp.c
	c.Rows += int64(len(recs))
	if last {
		lp.s.log.Info("marketo lead export window done", "object", "lead", "count", c.Rows)
		c.Since, c.Job, c.Size, c.Offset, c.Rows, c.Cols = until, "", 0, 0, 0, nil
		if c.Since >= c.End {
			c.Phase = phaseDeletes
		}
	}
	lp.count += len(recs)
	return lp.emit.Emit(ctx, recs, encode(c))
}

// rowReader reads the rows of an export file's bytes: rows of any
// width, lax quotes; a row that is not CSV is an error of that row only.
func rowReader(b []byte) *csv.Reader {
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord, r.LazyQuotes, r.ReuseRecord = -1, true, true
	return r
}

// rowsEnd returns the length of buf's complete rows: up to and including
// the last newline outside quotes (buf begins at a row boundary).
func rowsEnd(buf []byte) int {
	quoted, end := false, 0
	for i, b := range buf {
		switch b {
		case '"':
			quoted = !quoted
		case '\n':
			if !quoted {
				end = i + 1
			}
		}
	}
	return end
}

func columnIndex(cols []string) map[string]int {
	m := make(map[string]int, len(cols))
	for i, c := range cols {
		m[c] = i
	}
	return m
}

// lead turns one CSV row into a record; a row without an id is skipped
// (it cannot be keyed) and logged without its values.
func (lp *leadPass) lead(row []string, index map[string]int, until int64) (pipeline.Record, bool) {
	get := func(col string) string {
		if i, ok := index[col]; ok && i < len(row) {
			return row[i]
		}
		return ""
	}
	id := strings.TrimSpace(get("id"))
	if _, err := strconv.ParseInt(id, 10, 64); err != nil {
		lp.s.log.Warn("lead export row without a numeric id skipped", "object", "lead")
		return pipeline.Record{}, false
	}
	version, ok := parseInstant(get("updatedAt"))
	if !ok || !inRange(version) {
		if version, ok = parseInstant(get("createdAt")); !ok || !inRange(version) {
			version = time.Unix(until, 0).UTC()
		}
	}
	r := lp.s.record("lead", id, pipeline.OpUpsert, version)
	r.Fields = make(map[string]any, len(lp.p.fields))
	for _, f := range lp.p.fields {
		r.Fields[f.canonical] = parse(f.kind, get(f.vendor))
	}
	return r, true
}
