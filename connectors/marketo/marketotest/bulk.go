package marketotest

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"
)

// Export job statuses. Marketo's status list spells the canceled status
// "Canceled" while its cancel answer says "Cancelled"; the fake does both.
const (
	statusCreated    = "Created"
	statusQueued     = "Queued"
	statusProcessing = "Processing"
	statusCompleted  = "Completed"
	statusCanceled   = "Canceled"
	statusCancelled  = "Cancelled"
	statusFailed     = "Failed"
)

const maxRange = 31 * 24 * time.Hour

// job is one bulk lead export.
type job struct {
	id                                 string
	seq                                int
	status                             string
	created, queued, started, finished time.Time
	changed                            time.Time
	fields                             []string
	headers                            map[string]string
	filter                             string
	start, end                         time.Time
	file                               []byte
	records                            int
}

// createRequest is bulk-lead-export-create.request.json.
type createRequest struct {
	Fields            []string          `json:"fields"`
	Format            string            `json:"format"`
	ColumnHeaderNames map[string]string `json:"columnHeaderNames"`
	Filter            map[string]struct {
		StartAt string `json:"startAt"`
		EndAt   string `json:"endAt"`
	} `json:"filter"`
}

func (s *Server) createJob(w http.ResponseWriter, r *http.Request) {
	var req createRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, "609", "Invalid JSON")
		return
	}
	if req.Format != "CSV" {
		writeError(w, "1003", "Invalid format")
		return
	}
	if len(req.Fields) == 0 {
		writeError(w, "1003", "Fields required")
		return
	}
	for _, f := range req.Fields {
		if !slices.Contains(LeadFields, f) {
			writeError(w, "1003", fmt.Sprintf("Invalid field '%s'", f))
			return
		}
	}
	if len(req.Filter) != 1 {
		writeError(w, "1003", "Exactly one filter type is required")
		return
	}
	j := &job{id: uuid(), status: statusCreated, fields: req.Fields, headers: req.ColumnHeaderNames}
	for name, rng := range req.Filter {
		switch {
		case name == "updatedAt" && s.opts.UpdatedAtUnsupported:
			writeError(w, "1035", "Unsupported filter type for target subscription: updatedAt")
			return
		case name != "createdAt" && name != "updatedAt":
			writeError(w, "1035", "Unsupported filter type for target subscription: "+name)
			return
		}
		start, err1 := time.Parse(time.RFC3339, rng.StartAt)
		end, err2 := time.Parse(time.RFC3339, rng.EndAt)
		switch {
		case err1 != nil || err2 != nil || !end.After(start):
			writeError(w, "1003", "Invalid date range for filter "+name)
			return
		case end.Sub(start) > maxRange:
			writeError(w, "1003", "Date range for filter "+name+" exceeds 31 days")
			return
		}
		j.filter, j.start, j.end = name, start, end
	}
	now := time.Now()
	s.mu.Lock()
	j.created, j.changed, j.seq = now, now, len(s.jobs)
	s.jobs[j.id] = j
	s.mu.Unlock()
	// The doc's sample carries queuedAt although the job is not queued.
	writeResult(w, []map[string]any{{"exportId": j.id, "status": j.status, "createdAt": stamp(j.created),
		"queuedAt": stamp(j.created), "format": "CSV"}})
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// lookup advances every job and returns the one named in the path.
func (s *Server) lookup(w http.ResponseWriter, r *http.Request) *job {
	now := time.Now()
	s.advance(now)
	j := s.jobs[r.PathValue("id")]
	if j == nil {
		writeError(w, "1003", "Export id not found")
	}
	return j
}

// advance moves jobs along, each at most once per StatusInterval, at most
// two processing at once; the caller holds s.mu.
func (s *Server) advance(now time.Time) {
	jobs := make([]*job, 0, len(s.jobs))
	processing := 0
	for _, j := range s.jobs {
		jobs = append(jobs, j)
		if j.status == statusProcessing {
			processing++
		}
	}
	slices.SortFunc(jobs, func(a, b *job) int { return a.seq - b.seq })
	for _, j := range jobs {
		if now.Sub(j.changed) < s.opts.StatusInterval {
			continue
		}
		switch {
		case j.status == statusQueued && processing < 2:
			j.status, j.started, j.changed = statusProcessing, now, now
			processing++
		case j.status == statusProcessing:
			s.render(j)
			j.status, j.finished, j.changed = statusCompleted, now, now
			s.exported += int64(len(j.file))
			processing--
		}
	}
}

// render writes the job's CSV file: a header row, then one row per live
// lead in the filter's range, empty values as the literal null.
func (s *Server) render(j *job) {
	var b bytes.Buffer
	cw := csv.NewWriter(&b)
	row := make([]string, len(j.fields))
	for i, f := range j.fields {
		row[i] = f
		if h := j.headers[f]; h != "" {
			row[i] = h
		}
	}
	cw.Write(row)
	d := s.ds
	d.mu.RLock()
	for i := range d.sizes.Leads {
		l, m := d.leadState(i)
		if m != nil && m.deleted {
			continue
		}
		t := l.created
		if j.filter == "updatedAt" {
			t = l.updated
		}
		if t.Before(j.start) || t.After(j.end) {
			continue
		}
		vals := d.leadFields(i, l, m)
		for k, f := range j.fields {
			row[k] = "null"
			if v := vals[f]; v != nil {
				row[k] = fmt.Sprint(v)
			}
		}
		cw.Write(row)
		j.records++
	}
	d.mu.RUnlock()
	cw.Flush()
	j.file = b.Bytes()
}

func (s *Server) enqueueJob(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j := s.lookup(w, r)
	if j == nil {
		return
	}
	queued := 0
	for _, o := range s.jobs {
		if o.status == statusQueued || o.status == statusProcessing {
			queued++
		}
	}
	switch {
	case j.status != statusCreated:
		writeError(w, "1003", "Export job not in Created status")
		return
	case s.opts.ExportQuota > 0 && s.exported >= s.opts.ExportQuota:
		writeError(w, "1029", "Export daily quota exceeded")
		return
	case queued >= s.opts.QueueLimit:
		writeError(w, "1029", "Too many jobs in queue")
		return
	}
	now := time.Now()
	j.status, j.queued, j.changed = statusQueued, now, now
	writeResult(w, []map[string]any{{"exportId": j.id, "format": "CSV", "status": j.status,
		"createdAt": stamp(j.created), "queuedAt": stamp(j.queued)}})
}

func (s *Server) jobStatus(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j := s.lookup(w, r)
	if j == nil {
		return
	}
	res := map[string]any{"exportId": j.id, "status": j.status, "createdAt": stamp(j.created), "format": "CSV"}
	if !j.queued.IsZero() {
		res["queuedAt"] = stamp(j.queued)
	}
	if j.status == statusCompleted {
		sum := sha256.Sum256(j.file)
		res["startedAt"], res["finishedAt"] = stamp(j.started), stamp(j.finished)
		res["numberOfRecords"], res["fileSize"] = j.records, len(j.file)
		res["fileChecksum"] = "sha256:" + hex.EncodeToString(sum[:])
	}
	writeResult(w, []map[string]any{res})
}

// cancelJob answers "Cancelled" (the cancel sample's spelling); later
// status calls say "Canceled" (the status list's).
func (s *Server) cancelJob(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j := s.lookup(w, r)
	if j == nil {
		return
	}
	if j.status == statusCompleted || j.status == statusFailed {
		writeError(w, "1003", "Export job cannot be canceled in status "+j.status)
		return
	}
	j.status, j.changed = statusCanceled, time.Now()
	writeResult(w, []map[string]any{{"exportId": j.id, "status": statusCancelled, "createdAt": stamp(j.created), "format": "CSV"}})
}

// CancelJobs cancels every export job not yet finished, as an admin in
// Marketo's UI or another client could; later status calls answer
// spelling, which must be "Canceled" (the status list's) or "Cancelled"
// (the cancel answer's).
func (s *Server) CancelJobs(spelling string) {
	if spelling != statusCanceled && spelling != statusCancelled {
		panic("marketotest: CancelJobs takes Canceled or Cancelled")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, j := range s.jobs {
		if j.status != statusCompleted && j.status != statusFailed {
			j.status, j.changed = spelling, time.Now()
		}
	}
}

// FailJobs makes every export job not yet finished fail.
func (s *Server) FailJobs() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, j := range s.jobs {
		if j.status != statusCompleted && j.status != statusCanceled && j.status != statusCancelled {
			j.status, j.changed = statusFailed, time.Now()
		}
	}
}

// Jobs returns how many export jobs were created.
func (s *Server) Jobs() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.jobs)
}

// jobFile serves a completed job's CSV, honouring Range with 206 and
// Content-Range (http.ServeContent implements RFC 9110 ranges).
func (s *Server) jobFile(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	j := s.lookup(w, r)
	if j == nil {
		s.mu.Unlock()
		return
	}
	if j.status != statusCompleted {
		s.mu.Unlock()
		writeError(w, "1003", "Export job not in completed state")
		return
	}
	file, finished := j.file, j.finished
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/csv")
	http.ServeContent(w, r, "", finished, bytes.NewReader(file))
}
