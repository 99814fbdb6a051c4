package hubspot

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tally-dev/tally/connectors/hubspot/hubspottest"
	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/pipelinetest"
)

// TestWindowSlicing changes more records than the search cap (lowered to
// 20 in the fake and the config), some of them within one millisecond.
func TestWindowSlicing(t *testing.T) {
	tests := []struct {
		name          string
		spread, burst int // records touched one ms apart, and in a single ms
	}{
		{"under the cap", 15, 0},
		{"spread over the cap", 130, 0},
		{"one millisecond over the cap", 10, 47},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, setup{
				sizes:  hubspottest.Sizes{Deals: 400},
				server: hubspottest.Options{SearchCap: 20},
				config: func(c *Config) { c.SearchCap = 20; c.SearchPageSize = 7 },
			})
			done := f.sync(t, "deal", "").Last()
			t1 := f.clock.Now()
			var want []string
			for i := range tc.spread {
				id := f.ds.ID("deals", 3*i)
				f.ds.Touch("deals", id, t1.Add(time.Duration(i)*time.Millisecond))
				want = append(want, id)
			}
			for i := range tc.burst {
				id := f.ds.ID("deals", 3*i+1)
				f.ds.Touch("deals", id, t1.Add(7*time.Millisecond))
				want = append(want, id)
			}
			f.clock.Set(t1.Add(time.Second))
			before := len(f.srv.Requests())
			c := f.sync(t, "deal", done)
			if diff := cmp.Diff(sortedCopy(want), pipelinetest.IDs(c.Records(), pipeline.OpUpsert)); diff != "" {
				t.Errorf("incremental upserts (-want +got):\n%s", diff)
			}
			if byID := strings.Contains(f.logs.String(), "paging by id"); byID != (tc.burst > 20) {
				t.Errorf("paged a millisecond by id: %v, want %v", byID, tc.burst > 20)
			}
			for _, r := range f.srv.Requests()[before:] {
				if r.Method == "POST" && strings.Contains(string(r.Body), `"after"`) {
					var b struct{ After string }
					json.Unmarshal(r.Body, &b)
					if b.After == "" {
						t.Errorf("search request with an empty after")
					}
				}
			}
		})
	}
}

// TestResumeInsideSlices resumes an incremental pass from every cursor
// it emitted, with windows split and an id-paged millisecond.
func TestResumeInsideSlices(t *testing.T) {
	f := newFixture(t, setup{
		sizes:  hubspottest.Sizes{Deals: 300},
		server: hubspottest.Options{SearchCap: 20},
		config: func(c *Config) { c.SearchCap = 20; c.SearchPageSize = 6 },
	})
	done := f.sync(t, "deal", "").Last()
	t1 := f.clock.Now()
	var want []string
	for i := range 90 {
		id := f.ds.ID("deals", 2*i)
		at := t1.Add(time.Duration(i%60) * time.Millisecond)
		if i >= 60 {
			at = t1.Add(30 * time.Millisecond)
		}
		f.ds.Touch("deals", id, at)
		want = append(want, id)
	}
	f.clock.Set(t1.Add(time.Second))
	pass := f.sync(t, "deal", done)
	if diff := cmp.Diff(sortedCopy(want), pipelinetest.IDs(pass.Records(), pipeline.OpUpsert)); diff != "" {
		t.Fatalf("incremental upserts (-want +got):\n%s", diff)
	}
	for k, p := range pass.Pages()[:pass.Len()-1] {
		var rest []pipeline.Record
		for _, q := range pass.Pages()[k+1:] {
			rest = append(rest, q.Records...)
		}
		got := f.sync(t, "deal", p.Cursor)
		if diff := cmp.Diff(pipelinetest.IDs(rest, pipeline.OpUpsert), pipelinetest.IDs(got.Records(), pipeline.OpUpsert)); diff != "" {
			t.Errorf("resuming after page %d (-want +got):\n%s", k+1, diff)
		}
	}
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}
