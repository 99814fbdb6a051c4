package bullhorn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/tally-dev/tally/pipeline"
)

var errStuck = errors.New("paging did not advance")

// pass is the state of one Sync call.
type pass struct {
	s     *Source
	p     *plan
	emit  pipeline.Emitter
	c     cursor
	count int
}

// reconciles reports whether placements deletes are found by listing
// ids (Bullhorn hard-deletes Placements).
func (ps *pass) reconciles() bool { return ps.p.deleted == "" && ps.s.cfg.ReconcileDeletes }

// begin sets the cursor to resume from: a new full pass, a new
// incremental pass after a done cursor, or the middle of a pass.
func (ps *pass) begin(cur string) error {
	now := ps.s.now().UnixMilli()
	if cur == "" {
		ps.c = cursor{V: cursorVersion, Phase: phaseModified, Until: now, Full: true}
		return nil
	}
	c, err := decodeCursor(cur)
	if err != nil {
		return fmt.Errorf("bullhorn: resuming %s: %w", ps.p.canonical, err)
	}
	if c.Phase != phaseDone {
		ps.c = c
		return nil
	}
	ps.c = cursor{V: cursorVersion, Phase: phaseModified, Since: c.Since, Until: max(now, c.Since), Known: c.Known}
	return nil
}

// page is a query answer.
type page struct {
	Total *int             `json:"total"`
	Data  []map[string]any `json:"data"`
}

func decodePage(dst *page) func([]byte) error {
	return func(b []byte) error {
		var pg page
		if err := json.Unmarshal(b, &pg); err != nil {
			return err
		}
		if pg.Data == nil {
			return errors.New("no data")
		}
		*dst = pg
		return nil
	}
}

func ms(v int64) string { return strconv.FormatInt(v, 10) }

// modifiedWhere selects the window's records after the keyset position.
func (c cursor) modifiedWhere() string {
	upper := " AND dateLastModified<" + ms(c.Until)
	if c.LastID == 0 {
		return "dateLastModified>=" + ms(c.Since) + upper
	}
	return "(dateLastModified>" + ms(c.LastMod) + " OR (dateLastModified=" + ms(c.LastMod) +
		" AND id>" + ms(c.LastID) + "))" + upper
}

// modified pages through the window by (dateLastModified, id).
func (ps *pass) modified(ctx context.Context) error {
	size := ps.s.cfg.PageSize
	for n := 1; ; n++ {
		q := url.Values{
			"where":   {ps.c.modifiedWhere()},
			"fields":  {ps.p.request},
			"orderBy": {"dateLastModified,id"},
			"start":   {"0"},
			"count":   {strconv.Itoa(size)},
		}
		var pg page
		if err := ps.s.sess.get(ctx, "/query/"+ps.p.entity, q, decodePage(&pg)); err != nil {
			return fmt.Errorf("bullhorn: fetching %s page %d: %w", ps.p.entity, n, err)
		}
		next := ps.c.clone()
		recs := make([]pipeline.Record, 0, len(pg.Data))
		for _, item := range pg.Data {
			r, id, mod, ok := ps.record(item)
			if !ok {
				ps.s.log.Warn("record without a readable id or dateLastModified skipped", "object", ps.p.canonical)
				continue
			}
			if mod < next.LastMod || (mod == next.LastMod && id <= next.LastID) {
				return fmt.Errorf("bullhorn: fetching %s page %d: %w", ps.p.entity, n, errStuck)
			}
			next.LastMod, next.LastID = mod, id
			if ps.reconciles() {
				next.Known = next.Known.add(id)
			}
			recs = append(recs, r)
		}
		last := len(pg.Data) < size
		if last {
			next.LastMod, next.LastID = 0, 0
			next.Phase = phaseDone
			if ps.reconciles() && !ps.c.Full {
				next.Phase = phaseReconcile
			}
			if next.Phase == phaseDone {
				next.Since, next.Until, next.Full = ps.c.Until, 0, false
			}
		}
		if err := ps.flush(ctx, recs, next); err != nil {
			return err
		}
		ps.c = next
		if last {
			return nil
		}
	}
}

// reconcile lists placement ids in id order and emits a delete for every
// remembered id that is gone.
func (ps *pass) reconcile(ctx context.Context) error {
	size := ps.s.cfg.PageSize
	for n := 1; ; n++ {
		q := url.Values{
			"where":   {"id>" + ms(ps.c.AfterID)},
			"fields":  {"id"},
			"orderBy": {"id"},
			"start":   {"0"},
			"count":   {strconv.Itoa(size)},
		}
		var pg page
		if err := ps.s.sess.get(ctx, "/query/"+ps.p.entity, q, decodePage(&pg)); err != nil {
			return fmt.Errorf("bullhorn: listing %s ids page %d: %w", ps.p.entity, n, err)
		}
		ids := make([]int64, 0, len(pg.Data))
		for _, item := range pg.Data {
			if id, ok := item["id"].(float64); ok && int64(id) > ps.c.AfterID {
				ids = append(ids, int64(id))
			}
		}
		slices.Sort(ids)
		last := len(pg.Data) < size
		upTo := int64(math.MaxInt64)
		if !last {
			if len(ids) == 0 {
				return fmt.Errorf("bullhorn: listing %s ids page %d: %w", ps.p.entity, n, errStuck)
			}
			upTo = ids[len(ids)-1]
		}
		next := ps.c.clone()
		var gone []int64
		next.Known, gone = next.Known.replace(ps.c.AfterID, upTo, ids)
		next.AfterID = upTo
		if last {
			next.Phase, next.AfterID = phaseDone, 0
			next.Since, next.Until = ps.c.Until, 0
		}
		version := time.UnixMilli(ps.c.Until).UTC()
		recs := make([]pipeline.Record, len(gone))
		for i, id := range gone {
			recs[i] = pipeline.Record{Tenant: ps.s.env.Tenant, Source: ps.s.env.Name, Object: ps.p.canonical,
				ID: ms(id), Op: pipeline.OpDelete, Version: version}
		}
		if err := ps.flush(ctx, recs, next); err != nil {
			return err
		}
		ps.c = next
		if last {
			return nil
		}
	}
}

// record maps one query item; ok is false without a numeric id and
// dateLastModified.
func (ps *pass) record(item map[string]any) (r pipeline.Record, id, mod int64, ok bool) {
	fid, ok1 := item["id"].(float64)
	fmod, ok2 := item["dateLastModified"].(float64)
	if !ok1 || !ok2 {
		return r, 0, 0, false
	}
	id, mod = int64(fid), int64(fmod)
	r = pipeline.Record{Tenant: ps.s.env.Tenant, Source: ps.s.env.Name, Object: ps.p.canonical,
		ID: ms(id), Op: pipeline.OpUpsert, Version: time.UnixMilli(mod).UTC()}
	if del, _ := item[ps.p.deleted].(bool); ps.p.deleted != "" && del {
		r.Op = pipeline.OpDelete
		return r, id, mod, true
	}
	r.Fields = make(map[string]any, len(ps.p.fields))
	for _, f := range ps.p.fields {
		if f.kind == constant {
			r.Fields[f.canonical] = ps.s.cfg.Currency
			continue
		}
		r.Fields[f.canonical] = parse(f.kind, item[f.bh])
	}
	return r, id, mod, true
}

// flush hands a page and its resume cursor to the emitter.
func (ps *pass) flush(ctx context.Context, records []pipeline.Record, next cursor) error {
	ps.count += len(records)
	return ps.emit.Emit(ctx, records, next.encode())
}
