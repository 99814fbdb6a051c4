package marketo

import (
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tally-dev/tally/connectors/marketo/marketotest"
	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/pipelinetest"
	"github.com/tally-dev/tally/schemas"
)

// TestConformance runs the shared source suite over both Marketo objects
// against the fake server.
func TestConformance(t *testing.T) {
	cat := schemas.Default()
	proj, err := cat.Project(cat.KPINames(), cat.Objects())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		object  string
		sizes   marketotest.Sizes
		records int
	}{
		{"lead", marketotest.Sizes{Leads: 230, Activities: 10}, 230},
		// Seven of the ten standard types are generated, and the default
		// activity_type_ids pull exactly those seven.
		{"activity", marketotest.Sizes{Leads: 20, Activities: 260}, 260},
	} {
		t.Run(tc.object, func(t *testing.T) {
			pipelinetest.Run(t, pipelinetest.Harness{
				Object:  tc.object,
				Records: tc.records,
				New: func(t *testing.T, storm bool) (pipeline.Source, pipelinetest.Fake) {
					ds := marketotest.Generate(5, tc.sizes)
					opts := serverOptions()
					if storm {
						opts.FailEvery, opts.RateLimit, opts.RateLimitInterval = 2, 3, 30*time.Millisecond
					}
					srv := marketotest.NewServer(ds, opts)
					t.Cleanup(srv.Close)
					cfg := testConfig(srv.URL())
					cfg.BatchSize, cfg.PageSize, cfg.ChunkBytes, cfg.MaxRetries = 25, 40, 2048, 30
					// The org's clock runs from a day after the data, so a
					// pass has three export windows whatever today's date
					// (and a cursor cycle is not drowned in window requests).
					t0 := time.Now()
					now := func() time.Time { return marketotest.Epoch.Add(24 * time.Hour).Add(time.Since(t0)) }
					cfg.Now = now
					src, err := New(cfg, pipeline.SourceEnv{Tenant: "acme", Name: "marketo",
						Projection: map[string][]string{tc.object: proj.Fields(tc.object)}, Logger: slog.New(slog.DiscardHandler)})
					if err != nil {
						t.Fatal(err)
					}
					return src, &fake{ds: ds, srv: srv, object: tc.object, now: now}
				},
			})
		})
	}
}

// fake adapts marketotest to pipelinetest.Fake.
type fake struct {
	ds     *marketotest.Dataset
	srv    *marketotest.Server
	object string
	now    func() time.Time
}

func (f *fake) Change(t *testing.T, n int) []string {
	var ids []string
	for i := range n {
		if f.object == "activity" {
			ids = append(ids, f.ds.AddActivity(1, i, f.now()))
			continue
		}
		id := f.ds.LeadID(1 + i*7)
		f.ds.Touch(id, f.now())
		ids = append(ids, id)
	}
	return ids
}

// Delete deletes leads. Marketo activities are immutable and have no
// delete feed, so for activities it deletes nothing and returns no ids.
func (f *fake) Delete(t *testing.T, n int) []string {
	if f.object == "activity" {
		return nil
	}
	var ids []string
	for i := range n {
		id := f.ds.LeadID(60 + i*7)
		f.ds.Delete(id, f.now())
		ids = append(ids, id)
	}
	return ids
}

func (f *fake) Corrupt(t *testing.T) string {
	if f.object == "activity" {
		id := f.ds.ActivityID(42)
		f.ds.SetActivityField(id, "activityDate", "not a date")
		return id
	}
	id := f.ds.LeadID(42)
	f.ds.SetField(id, "createdAt", "not a date")
	return id
}

// Plant puts p into lead or activity 100, in the middle of a page.
// The bulk export's CSV cannot hold a nested object; a wrong type there
// is an epoch-milliseconds number in a date column.
func (f *fake) Plant(t *testing.T, p pipelinetest.Poison) (id, field string, ok bool) {
	huge := strings.Repeat("x", 1_500_000)
	if f.object == "activity" {
		id = f.ds.ActivityID(100)
		target, value := "activityDate", any(nil)
		switch p {
		case pipelinetest.PoisonNUL:
			target, value = "activityTypeId", "6\x00"
		case pipelinetest.PoisonHuge:
			value = huge
		case pipelinetest.PoisonFarDate:
			value = "0000-01-01T00:00:00Z"
		case pipelinetest.PoisonNested:
			target, value = "activityTypeId", map[string]any{"id": 6, "name": []any{"Send Email"}}
		case pipelinetest.PoisonWrongType:
			value = 1748736000000
		default:
			return "", "", false
		}
		f.ds.SetActivityField(id, target, value)
		if target == "activityTypeId" {
			return id, "type", true
		}
		return id, "occurred_at", true
	}
	id = f.ds.LeadID(100)
	target, value := "leadSource", ""
	switch p {
	case pipelinetest.PoisonNUL:
		value = "Web\x00site"
	case pipelinetest.PoisonHuge:
		value = huge
	case pipelinetest.PoisonFarDate:
		target, value = "createdAt", "0000-01-01T00:00:00Z"
	case pipelinetest.PoisonWrongType:
		target, value = "createdAt", "1748736000000"
	default:
		return "", "", false
	}
	f.ds.SetField(id, target, value)
	if target == "createdAt" {
		return id, "created_at", true
	}
	return id, "lead_source", true
}

// Cycle makes activity and deleted-lead paging tokens go A → B → A.
func (f *fake) Cycle(t *testing.T) bool {
	f.srv.Cycle()
	return true
}

func (f *fake) Requests() []string {
	var out []string
	for _, r := range f.srv.Requests() {
		out = append(out, r.Method+" "+r.Path)
	}
	return out
}

func (f *fake) Allowed(method, path string) bool {
	if p, ok := strings.CutPrefix(path, "/identity"); ok {
		_, ok := IdentityAllowList.Match(method, &url.URL{Path: p})
		return ok
	}
	_, ok := AllowList.Match(method, &url.URL{Path: path})
	return ok
}
