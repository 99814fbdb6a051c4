package salesforce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/tally-dev/tally/connectors/crmhttp"
	"github.com/tally-dev/tally/pipeline"
)

// page is a query answer, decoded by parsePage.
type page struct {
	TotalSize      int // -1 when the answer has no readable totalSize
	Done           bool
	NextRecordsURL string
	Records        []map[string]any
	// Unreadable counts elements of records that are not JSON objects:
	// they cannot be keyed, so they are skipped (and fail an id listing).
	Unreadable int
}

var errNotPage = errors.New("no records array or boolean done")

// parsePage decodes a query answer. It fails only when the body is not
// a JSON object or has no records array or no boolean done; a record of
// any shape or content is decoded as it is (values are checked later,
// by field) or counted in Unreadable, so one odd record cannot fail its
// page. Keys are matched exactly, as Salesforce writes them.
func parsePage(b []byte) (page, error) {
	var w map[string]json.RawMessage
	if err := json.Unmarshal(b, &w); err != nil {
		return page{}, err
	}
	var pg page
	var raws []json.RawMessage
	if json.Unmarshal(w["records"], &raws) != nil || raws == nil || json.Unmarshal(w["done"], &pg.Done) != nil {
		return page{}, errNotPage
	}
	pg.TotalSize = crmhttp.Total(w["totalSize"])
	if json.Unmarshal(w["nextRecordsUrl"], &pg.NextRecordsURL) != nil {
		pg.NextRecordsURL = ""
	}
	pg.Records, pg.Unreadable = crmhttp.DecodeRecords(raws)
	return pg, nil
}

// decodePage is parsePage for crmhttp.Client.Do.
func decodePage(dst *page) func([]byte) error {
	return crmhttp.DecodeWith(dst, parsePage)
}

// passStats counts what a pass emitted, for its log line.
type passStats struct {
	upserts, deletes, merges, skipped int
	// oddDelete counts records whose IsDeleted is neither true nor false
	// (warned once per pass).
	oddDelete int
}

// Sync runs one pass of object from cursor (see package doc). Errors
// wrap pipeline.ErrConfig for refused credentials, ErrQuota when the
// daily budget share is spent, ErrTransient when retries are exhausted;
// emit's errors are returned unchanged.
func (s *Source) Sync(ctx context.Context, object, cur string, emit pipeline.Emitter) error {
	plans := s.plans[object]
	if plans == nil {
		return fmt.Errorf("salesforce: object %s is not pulled by this source: %w", object, pipeline.ErrConfig)
	}
	client, err := s.rest()
	if err != nil {
		return err
	}
	c := cursor{V: cursorVersion, Marks: make([]mark, len(plans))}
	if cur != "" {
		if c, err = decodeCursor(cur, len(plans)); err != nil {
			return fmt.Errorf("salesforce: resuming %s: %w", object, err)
		}
	}
	if c.I >= len(plans) {
		c.I = 0 // the previous pass is complete: start the next one
	}
	started, st := time.Now(), &passStats{}
	for c.I < len(plans) {
		if err := s.syncSObject(ctx, client, plans[c.I], &c, emit, st); err != nil {
			return err
		}
	}
	if st.oddDelete > 0 {
		s.log.Warn("records whose IsDeleted is not a boolean were skipped: neither deleted nor live can be trusted",
			"object", object, "count", st.oddDelete)
	}
	s.log.Info("sync pass complete", "object", object, "count", st.upserts+st.deletes, "deletes", st.deletes,
		"merges", st.merges, "skipped", st.skipped, "duration", time.Since(started))
	return nil
}

// maxRestarts bounds how often a pass re-queries after its locator
// expired without progress.
const maxRestarts = 3

// syncSObject pages through one sObject's query from its mark and
// advances c past it.
func (s *Source) syncSObject(ctx context.Context, client *crmhttp.Client, p *plan, c *cursor, emit pipeline.Emitter, st *passStats) error {
	resource := "query"
	if p.deletes {
		resource = "queryAll"
	}
	first := func() crmhttp.Request {
		return crmhttp.Request{Method: http.MethodGet, Path: "/services/data/" + s.cfg.APIVersion + "/" + resource,
			Query: url.Values{"q": {p.soql(c.Marks[c.I].time())}}}
	}
	req, restarts := first(), 0
	var guard crmhttp.PageGuard // one per query: a restart is a new listing
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := guard.Visit(req.Path + "?" + req.Query.Encode()); err != nil {
			return fmt.Errorf("salesforce: %s (%s): %w", p.canonical, p.name, err)
		}
		if !s.limits.allows(s.cfg.QuotaShare) {
			used, limit := s.limits.snapshot()
			return fmt.Errorf("salesforce: %s: stopping at %d of %d daily API requests (quota_share %.2f); the pass resumes next run: %w",
				p.name, used, limit, s.cfg.QuotaShare, pipeline.ErrQuota)
		}
		var pg page
		code, err := s.do(ctx, client, req, &pg)
		if code == "INVALID_QUERY_LOCATOR" && restarts < maxRestarts {
			req, restarts, guard = first(), restarts+1, crmhttp.PageGuard{}
			s.log.Warn("query locator expired; querying again from the last mark", "object", p.canonical, "sobject", p.name)
			continue
		}
		if err != nil {
			return err
		}
		expect(&guard, pg)
		if pg.Unreadable > 0 {
			st.skipped += pg.Unreadable
			s.log.Warn("records that are not JSON objects skipped", "object", p.canonical, "sobject", p.name, "count", pg.Unreadable)
		}
		next := cursor{V: cursorVersion, I: c.I, Marks: slices.Clone(c.Marks)}
		recs := s.records(p, pg.Records, &next.Marks[c.I], st)
		if pg.Done {
			next.I++
		}
		if len(recs) > 0 || pg.Done {
			if err := emit.Emit(ctx, recs, next.encode()); err != nil {
				return err
			}
			restarts = 0
		}
		*c = next
		if pg.Done {
			return nil
		}
		if req, err = s.nextPage(pg.NextRecordsURL); err != nil {
			return fmt.Errorf("salesforce: %s: %w", p.name, err)
		}
	}
}

// expect bounds a query's pages by the totalSize its page reports, at
// the page's own size (Salesforce may serve fewer than batchSize); an
// empty page that is not the last counts at the smallest batch size, so
// a server answering empty pages without end is stopped too.
func expect(g *crmhttp.PageGuard, pg page) {
	if pg.Done {
		return
	}
	n := len(pg.Records) + pg.Unreadable
	if n == 0 {
		n = minBatch
	}
	g.Expect(pg.TotalSize, n)
}

// minBatch is the smallest batchSize Salesforce honours.
const minBatch = 200

// nextPage turns a nextRecordsUrl into a request; it must be a relative
// path of this API version without a query.
func (s *Source) nextPage(next string) (crmhttp.Request, error) {
	u, err := url.Parse(next)
	if err != nil || u.IsAbs() || u.RawQuery != "" || !strings.HasPrefix(u.Path, "/services/data/"+s.cfg.APIVersion+"/") {
		return crmhttp.Request{}, fmt.Errorf("answer with done false and an unusable nextRecordsUrl: %w", pipeline.ErrTransient)
	}
	return crmhttp.Request{Method: http.MethodGet, Path: u.Path}, nil
}

// do sends one request and maps Salesforce's REST error codes: 403
// REQUEST_LIMIT_EXCEEDED is the daily quota, not a permission problem.
// It returns the errorCode of a failed call.
func (s *Source) do(ctx context.Context, client *crmhttp.Client, req crmhttp.Request, pg *page) (string, error) {
	pctx, pr := withProbe(ctx)
	err := client.Do(pctx, req, decodePage(pg))
	switch {
	case err == nil:
		return "", nil
	case ctx.Err() != nil:
		return "", ctx.Err()
	case pr.code == "REQUEST_LIMIT_EXCEEDED":
		return pr.code, fmt.Errorf("salesforce: daily API request limit reached (403 REQUEST_LIMIT_EXCEEDED); the pass resumes next run: %w", pipeline.ErrQuota)
	case pr.refresh != nil:
		return pr.code, fmt.Errorf("salesforce: session expired and renewing it failed: %w", pr.refresh)
	case pr.code != "":
		return pr.code, fmt.Errorf("salesforce errorCode %s: %w", pr.code, err)
	}
	return "", err
}

// records turns a page into records, skipping those at or before the
// mark (the re-read second) and advancing it. Deleted and merged-away
// records become deletes carrying ID and Version only. A record without
// an Id or a readable SystemModstamp cannot be keyed or ordered; it is
// skipped and counted.
func (s *Source) records(p *plan, page []map[string]any, m *mark, st *passStats) []pipeline.Record {
	out := make([]pipeline.Record, 0, len(page))
	for _, rec := range page {
		id, _ := rec["Id"].(string)
		raw, _ := rec["SystemModstamp"].(string)
		ms, ok := parseTime(raw)
		if id == "" || !ok {
			st.skipped++
			s.log.Warn("record without Id or SystemModstamp skipped", "object", p.canonical, "sobject", p.name)
			continue
		}
		if m.emitted(ms, id) {
			continue
		}
		*m = m.add(ms, id)
		r := pipeline.Record{Tenant: s.env.Tenant, Source: s.env.Name, Object: p.canonical, ID: id, Op: pipeline.OpUpsert, Version: ms}
		deleted, ok := isDeleted(p, rec)
		if !ok {
			// Trust the record, not the request: a queryAll answer says
			// per record whether it is deleted, and this one does not.
			st.oddDelete++
			continue
		}
		if deleted {
			r.Op = pipeline.OpDelete
			st.deletes++
			if master, _ := rec["MasterRecordId"].(string); master != "" {
				st.merges++
			}
			out = append(out, r)
			continue
		}
		r.Fields = make(map[string]any, len(p.fields))
		for _, f := range p.fields {
			r.Fields[f.canonical] = f.value(rec)
		}
		st.upserts++
		out = append(out, r)
	}
	return out
}

// isDeleted reads a record's own IsDeleted: true or false, or absent
// (null) for a live record. ok is false for any other value.
func isDeleted(p *plan, rec map[string]any) (deleted, ok bool) {
	if !p.deletes {
		return false, true
	}
	switch v := rec["IsDeleted"].(type) {
	case bool:
		return v, true
	case nil:
		return false, true
	}
	return false, false
}
