package marketo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/tally-dev/tally/connectors/crmhttp"
	"github.com/tally-dev/tally/pipeline"
)

const day = 24 * 60 * 60

// leadPass is the state of one lead Sync call.
type leadPass struct {
	s     *Source
	p     *plan
	emit  pipeline.Emitter
	c     leadCursor
	count int
	// oddDeletes counts deleted-leads items that are not Delete Lead
	// activities; skipped, and warned about once per pass.
	oddDeletes int
}

func (s *Source) syncLeads(ctx context.Context, p *plan, cur string, emit pipeline.Emitter) (int, error) {
	lp := &leadPass{s: s, p: p, emit: emit}
	if err := lp.begin(cur); err != nil {
		return 0, err
	}
	for lp.c.Phase != phaseDone {
		var err error
		if lp.c.Phase == phaseExtract {
			err = lp.window(ctx)
		} else {
			err = lp.deletes(ctx)
		}
		if err != nil {
			return lp.count, err
		}
	}
	if lp.oddDeletes > 0 {
		s.log.Warn("deleted-leads items that are not Delete Lead activities were skipped, not deleted",
			"object", "lead", "count", lp.oddDeletes)
	}
	return lp.count, nil
}

// begin sets the cursor to resume from: a new full pass, a new
// incremental pass after a done cursor, or the middle of a pass. A pass
// ends at the next whole second after now, so that a lead updated in the
// current second is in it; the next pass reaches back by the overlap.
func (lp *leadPass) begin(cur string) error {
	end := lp.s.now().UTC().Truncate(time.Second).Add(time.Second).Unix()
	if cur == "" {
		lp.c = leadCursor{V: cursorVersion, Phase: phaseExtract, Filter: "updatedAt", Since: lp.s.start.Unix(), End: end,
			DelSince: end - int64(lp.s.cfg.Overlap/time.Second)}
		return nil
	}
	c, err := decodeLead(cur)
	if err != nil {
		return fmt.Errorf("marketo: resuming lead: %w", err)
	}
	if c.Phase != phaseDone {
		lp.c = c
		return nil
	}
	lp.c = leadCursor{V: cursorVersion, Phase: phaseExtract, Filter: c.Filter, Since: c.Since, End: end,
		DelSince: c.DelSince, DelToken: c.DelToken}
	return nil
}

// window runs the export job of the current window to its end.
func (lp *leadPass) window(ctx context.Context) error {
	c := &lp.c
	if c.Since >= c.End {
		c.Phase = phaseDeletes
		return nil
	}
	until := min(c.Since+int64(lp.s.cfg.WindowDays)*day, c.End)
	fresh := false
	if c.Job == "" {
		id, err := lp.create(ctx, c.Since, until)
		if err != nil {
			return err
		}
		c.Job, c.Size, c.Offset, c.Rows, c.Cols = id, 0, 0, 0, nil
		if err := lp.emit.Emit(ctx, nil, encode(c)); err != nil {
			return err
		}
		if err := lp.jobCall(ctx, http.MethodPost, "enqueue.json", nil); err != nil {
			return err
		}
		fresh = true
	}
	if c.Size == 0 {
		size, err := lp.await(ctx, fresh)
		if err != nil {
			return err
		}
		c.Size = size
	}
	return lp.download(ctx, until)
}

// create makes the window's export job and returns its id. When the
// subscription refuses the updatedAt filter (1035) it falls back to
// createdAt for this and every later pass.
func (lp *leadPass) create(ctx context.Context, since, until int64) (string, error) {
	for {
		body := map[string]any{
			"fields": lp.p.columns,
			"format": "CSV",
			"filter": map[string]any{lp.c.Filter: map[string]string{
				"startAt": time.Unix(since, 0).UTC().Format(time.RFC3339),
				"endAt":   time.Unix(until, 0).UTC().Format(time.RFC3339),
			}},
		}
		env, err := lp.s.call(ctx, crmhttp.Request{Method: http.MethodPost, Path: "/bulk/v1/leads/export/create.json", Body: body}, nil)
		var apiErr *APIError
		if errors.As(err, &apiErr) && apiErr.Code == "1035" && lp.c.Filter == "updatedAt" {
			lp.s.log.Info("marketo subscription has no updatedAt export filter; filtering by createdAt, so edits of existing leads are not seen",
				"object", "lead")
			lp.c.Filter = "createdAt"
			continue
		}
		if err != nil {
			return "", fmt.Errorf("creating lead export job: %w", err)
		}
		var jobs []jobStatus
		if json.Unmarshal(env.Result, &jobs) != nil || len(jobs) == 0 || jobs[0].ExportID == "" {
			return "", fmt.Errorf("marketo: creating lead export job: answer without exportId: %w", pipeline.ErrTransient)
		}
		lp.s.log.Info("marketo lead export job created", "object", "lead")
		return jobs[0].ExportID, nil
	}
}

// jobStatus is one result of create, enqueue and status
// (bulk-export-status-completed.response.json).
type jobStatus struct {
	ExportID        string `json:"exportId"`
	Status          string `json:"status"`
	NumberOfRecords int64  `json:"numberOfRecords"`
	FileSize        int64  `json:"fileSize"`
}

// jobCall sends one call about the current job.
func (lp *leadPass) jobCall(ctx context.Context, method, what string, dst *jobStatus) error {
	path := "/bulk/v1/leads/export/" + url.PathEscape(lp.c.Job) + "/" + what
	env, err := lp.s.call(ctx, crmhttp.Request{Method: method, Path: path}, nil)
	if err != nil {
		return fmt.Errorf("lead export job %s: %w", what, err)
	}
	if dst != nil {
		var jobs []jobStatus
		if json.Unmarshal(env.Result, &jobs) != nil || len(jobs) == 0 {
			return fmt.Errorf("marketo: lead export job %s: answer without a job: %w", what, pipeline.ErrTransient)
		}
		*dst = jobs[0]
	}
	return nil
}

// await polls the job's status, at most once per poll_interval, until
// it is completed, and returns the file size. A job left in Created is
// enqueued. A canceled (either spelling), failed or unknown job ends the
// pass with an error after checkpointing the window without it, so the
// next pass starts a fresh job.
func (lp *leadPass) await(ctx context.Context, wait bool) (int64, error) {
	deadline := time.Now().Add(lp.s.cfg.JobTimeout)
	for {
		if wait {
			if err := sleep(ctx, lp.s.cfg.PollInterval); err != nil {
				return 0, fmt.Errorf("marketo: waiting for lead export job: %w", err)
			}
		}
		wait = true
		var st jobStatus
		err := lp.jobCall(ctx, http.MethodGet, "status.json", &st)
		var apiErr *APIError
		if errors.As(err, &apiErr) && apiErr.Code == "1003" {
			st.Status = "unknown"
		} else if err != nil {
			return 0, err
		}
		switch st.Status {
		case "Completed":
			return st.FileSize, nil
		case "Created":
			if err := lp.jobCall(ctx, http.MethodPost, "enqueue.json", nil); err != nil {
				return 0, err
			}
		case "Queued", "Processing":
		default: // Canceled, Cancelled, Failed, unknown
			lp.c.Job, lp.c.Size, lp.c.Offset, lp.c.Rows, lp.c.Cols = "", 0, 0, 0, nil
			if err := lp.emit.Emit(ctx, nil, encode(lp.c)); err != nil {
				return 0, err
			}
			return 0, fmt.Errorf("marketo: lead export job ended with status %s; the next pass starts a fresh job: %w",
				statusName(st.Status), pipeline.ErrTransient)
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("marketo: lead export job not completed within job_timeout; the next pass polls it again: %w",
				pipeline.ErrTransient)
		}
	}
}

// statusName keeps an unexpected status out of messages unless it is
// one Marketo documents.
func statusName(s string) string {
	switch s {
	case "Canceled", "Cancelled", "Failed":
		return s
	}
	return "unknown"
}

// deletes emits the deleted leads after the cursor's paging token, then
// the done cursor.
func (lp *leadPass) deletes(ctx context.Context) error {
	c := &lp.c
	if c.DelToken == "" {
		tok, err := lp.s.pagingToken(ctx, time.Unix(c.DelSince, 0))
		if err != nil {
			return err
		}
		c.DelToken = tok
	}
	var guard crmhttp.PageGuard
	for {
		if err := guard.Visit(c.DelToken); err != nil {
			return fmt.Errorf("marketo: lead: deleted leads: %w", err)
		}
		q := url.Values{"nextPageToken": {c.DelToken}, "batchSize": {fmt.Sprint(lp.s.cfg.PageSize)}}
		env, err := lp.s.call(ctx, crmhttp.Request{Method: http.MethodGet, Path: "/rest/v1/activities/deletedleads.json", Query: q}, nil)
		if err != nil {
			return fmt.Errorf("listing deleted leads: %w", err)
		}
		items, unreadable, err := activityItems(env)
		if err != nil {
			return err
		}
		lp.oddDeletes += unreadable
		recs := make([]pipeline.Record, 0, len(items))
		for _, it := range items {
			if !isDeleteLead(it) {
				// Trust the record, not the request: only a Delete Lead
				// activity deletes a lead.
				lp.oddDeletes++
				continue
			}
			id := idString(it.LeadID)
			if id == "" {
				lp.s.log.Warn("deleted lead without a lead id skipped", "object", "lead")
				continue
			}
			at, ok := parseInstant(str(it.ActivityDate))
			if !ok || !inRange(at) {
				at = time.Unix(c.End, 0).UTC()
			}
			recs = append(recs, lp.s.record("lead", id, pipeline.OpDelete, at))
		}
		if env.NextPageToken != "" {
			c.DelToken = env.NextPageToken
		}
		if !env.MoreResult {
			*c = leadCursor{V: cursorVersion, Phase: phaseDone, Filter: c.Filter, End: c.End,
				Since: c.End - int64(lp.s.cfg.Overlap/time.Second), DelToken: c.DelToken}
		}
		lp.count += len(recs)
		if err := lp.emit.Emit(ctx, recs, encode(c)); err != nil {
			return err
		}
		if c.Phase == phaseDone {
			return nil
		}
	}
}
