package bullhorn

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/tally-dev/tally/connectors/crmhttp"
	"github.com/tally-dev/tally/pipeline"
)

// errStuck means a page did not move the keyset forward: the server
// does not honour where or orderBy, and paging on would loop.
var errStuck = fmt.Errorf("page went back in (dateLastModified, id) order or did not advance: %w", crmhttp.ErrPagingLoop)

// pass is the state of one Sync call.
type pass struct {
	s     *Source
	p     *plan
	emit  pipeline.Emitter
	c     cursor
	count int
	// oddDelete counts items whose deleted flag is not a boolean;
	// skipped, and warned about once per pass.
	oddDelete int
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
	var guard crmhttp.PageGuard
	for n := 1; ; n++ {
		if err := guard.Visit(ps.c.modifiedWhere()); err != nil {
			return fmt.Errorf("bullhorn: %s (%s): %w", ps.p.canonical, ps.p.entity, err)
		}
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
		guard.Expect(pg.Total, size)
		ps.warnUnreadable(pg)
		next := ps.c.clone()
		recs := make([]pipeline.Record, 0, len(pg.Data))
		for _, item := range pg.Data {
			r, id, mod, ok := ps.record(item)
			if !ok {
				ps.s.log.Warn("record without a readable id or dateLastModified skipped", "object", ps.p.canonical)
				continue
			}
			if mod < next.LastMod || (mod == next.LastMod && id <= next.LastID) {
				return fmt.Errorf("bullhorn: %s (%s): page %d: %w", ps.p.canonical, ps.p.entity, n, errStuck)
			}
			next.LastMod, next.LastID = mod, id
			if ps.reconciles() {
				next.Known = next.Known.add(id)
			}
			if r.Op == "" {
				continue // its deleted flag cannot be trusted either way
			}
			recs = append(recs, r)
		}
		last := len(pg.Data)+pg.Unreadable < size
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
	var guard crmhttp.PageGuard
	for n := 1; ; n++ {
		if err := guard.Visit(ms(ps.c.AfterID)); err != nil {
			return fmt.Errorf("bullhorn: listing %s (%s) ids: %w", ps.p.canonical, ps.p.entity, err)
		}
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
		guard.Expect(pg.Total, size)
		if pg.Unreadable > 0 {
			// An id the listing cannot read would look deleted.
			return fmt.Errorf("bullhorn: listing %s ids page %d: an item that is not an object: %w", ps.p.entity, n, pipeline.ErrTransient)
		}
		ids := make([]int64, 0, len(pg.Data))
		for _, item := range pg.Data {
			id, ok := intOf(item["id"])
			if !ok {
				return fmt.Errorf("bullhorn: listing %s ids page %d: an item without a numeric id: %w", ps.p.entity, n, pipeline.ErrTransient)
			}
			if id > ps.c.AfterID {
				ids = append(ids, id)
			}
		}
		slices.Sort(ids)
		last := len(pg.Data) < size
		upTo := int64(math.MaxInt64)
		if !last {
			if len(ids) == 0 {
				return fmt.Errorf("bullhorn: listing %s (%s) ids: page %d: %w", ps.p.canonical, ps.p.entity, n, errStuck)
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

// record maps one query item; ok is false without an integer id and
// dateLastModified. An item whose deleted flag is neither true, false
// nor absent comes back with an empty Op: trust the record, not the
// request, and this record says nothing trustworthy; it is counted.
func (ps *pass) record(item map[string]any) (r pipeline.Record, id, mod int64, ok bool) {
	id, ok1 := intOf(item["id"])
	mod, ok2 := intOf(item["dateLastModified"])
	if !ok1 || !ok2 {
		return r, 0, 0, false
	}
	r = pipeline.Record{Tenant: ps.s.env.Tenant, Source: ps.s.env.Name, Object: ps.p.canonical,
		ID: ms(id), Op: pipeline.OpUpsert, Version: time.UnixMilli(mod).UTC()}
	if ps.p.deleted != "" {
		switch del := item[ps.p.deleted].(type) {
		case bool:
			if del {
				r.Op = pipeline.OpDelete
				return r, id, mod, true
			}
		case nil:
		default:
			ps.oddDelete++
			r.Op = ""
			return r, id, mod, true
		}
	}
	r.Fields = make(map[string]any, len(ps.p.fields))
	for _, f := range ps.p.fields {
		if f.kind == constant {
			r.Fields[f.canonical] = ps.s.cfg.Currency
			continue
		}
		r.Fields[f.canonical] = value(f.kind, item[f.bh])
	}
	return r, id, mod, true
}

// maxInt is the largest integer a JSON number (float64) holds exactly.
const maxInt = 1 << 53

// intOf reads a JSON integer (an id or epoch milliseconds).
func intOf(v any) (int64, bool) {
	f, ok := v.(float64)
	if !ok || f != math.Trunc(f) || f < -maxInt || f > maxInt {
		return 0, false
	}
	return int64(f), true
}

// warnUnreadable logs items of a page that are not JSON objects.
func (ps *pass) warnUnreadable(pg page) {
	if pg.Unreadable > 0 {
		ps.s.log.Warn("items that are not JSON objects skipped", "object", ps.p.canonical, "count", pg.Unreadable)
	}
}

// flush hands a page and its resume cursor to the emitter.
func (ps *pass) flush(ctx context.Context, records []pipeline.Record, next cursor) error {
	ps.count += len(records)
	return ps.emit.Emit(ctx, records, next.encode())
}
