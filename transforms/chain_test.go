package transforms_test

import (
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/schemas"
	"github.com/tally-dev/tally/transforms/generalize"
	"github.com/tally-dev/tally/transforms/guard"
	"github.com/tally-dev/tally/transforms/minimize"
	"github.com/tally-dev/tally/transforms/pseudonymize"
	"github.com/tally-dev/tally/transforms/validate"
)

// stages returns the five stages in pipeline order over the full
// projection of every KPI and object.
func stages(tb testing.TB) (*schemas.Catalog, []pipeline.Stage) {
	tb.Helper()
	cat := schemas.Default()
	p, err := cat.Project(cat.KPINames(), cat.Objects())
	if err != nil {
		tb.Fatalf("Project(all KPIs) = %v", err)
	}
	m, err := minimize.New(cat, p)
	if err != nil {
		tb.Fatalf("minimize.New(full projection) = %v", err)
	}
	k, err := pseudonymize.NewKeyring([]byte("transforms test master secret, 32 bytes+"), 1)
	if err != nil {
		tb.Fatalf("NewKeyring = %v", err)
	}
	return cat, []pipeline.Stage{
		validate.New(cat),
		m,
		pseudonymize.New(k, cat),
		generalize.New(cat),
		guard.New(cat),
	}
}

// hubspotDeal is a deal as a connector emits it and as it comes back
// from Kafka: JSON types, times as RFC 3339 strings, fields no KPI needs.
func hubspotDeal() *pipeline.Record {
	return &pipeline.Record{
		Tenant: "acme", Source: "hubspot", Object: "deal", ID: "14628353941", Op: pipeline.OpUpsert,
		Version: time.Date(2024, 3, 15, 10, 11, 12, 0, time.UTC),
		Fields: map[string]any{
			"id":                     "14628353941",
			"owner_id":               "512381932",
			"name":                   "Jane Doe – Globex renewal 2024",
			"description":            "Call Jane on +1 (415) 555-0134 or jane.doe@globex.example",
			"stage":                  "closedwon",
			"pipeline":               "default",
			"is_won":                 true,
			"is_closed":              true,
			"amount":                 48250.5,
			"currency":               "EUR",
			"close_date":             "2024-03-15T16:45:00+01:00",
			"created_at":             "2024-01-09T08:02:11.532Z",
			"hs_priority":            "high",
			"hs_object_source_label": "CRM_UI",
		},
	}
}

// The stages are shared by the runner's partition goroutines.
func TestChainConcurrent(t *testing.T) {
	_, chain := stages(t)
	want := hubspotDeal()
	if _, err := pipeline.Chain(chain, want); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 200 {
				r := hubspotDeal()
				if stage, err := pipeline.Chain(chain, r); err != nil {
					t.Errorf("Chain(deal) failed in %s: %v", stage, err)
					return
				}
				if diff := cmp.Diff(want, r); diff != "" {
					t.Errorf("Chain(deal) concurrently mismatch (-want +got):\n%s", diff)
					return
				}
			}
		})
	}
	wg.Wait()
}
