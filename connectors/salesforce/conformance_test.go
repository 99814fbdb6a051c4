package salesforce

import (
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tally-dev/tally/connectors/salesforce/salesforcetest"
	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/config"
	"github.com/tally-dev/tally/pipeline/pipelinetest"
)

// TestConformance runs the shared source suite over every Salesforce
// object against the fake org.
func TestConformance(t *testing.T) {
	proj := kpiProjection(t)
	// No KPI reads users; the warehouse's user facts keep these two.
	// email gives the hostile case a text field (the identity vault
	// projects it in production).
	proj["user"] = append(proj["user"], "is_active", "created_at", "email")
	sizes := salesforcetest.Sizes{Users: 650, Opportunities: 700, Leads: 650, Tasks: 400, Events: 300}
	for _, tc := range []struct {
		object  string
		change  salesforcetest.Kind // kind changed, deleted and corrupted
		del     salesforcetest.Kind
		field   string
		bad     any
		records int
		// text and when are the (API, canonical) fields poisons land in.
		text, when [2]string
	}{
		{"deal", salesforcetest.Opportunity, salesforcetest.Opportunity, "Amount", "12,50 EUR", sizes.Opportunities,
			[2]string{"OwnerId", "owner_id"}, [2]string{"CloseDate", "close_date"}},
		{"lead", salesforcetest.Lead, salesforcetest.Lead, "CreatedDate", "yesterday", sizes.Leads,
			[2]string{"LeadSource", "lead_source"}, [2]string{"CreatedDate", "created_at"}},
		{"user", salesforcetest.User, salesforcetest.User, "IsActive", "yes", sizes.Users,
			[2]string{"Email", "email"}, [2]string{"CreatedDate", "created_at"}},
		{"activity", salesforcetest.Task, salesforcetest.Event, "ActivityDate", "31/12/2026", sizes.Tasks + sizes.Events,
			[2]string{"OwnerId", "owner_id"}, [2]string{"ActivityDate", "occurred_at"}},
	} {
		t.Run(tc.object, func(t *testing.T) {
			pipelinetest.Run(t, pipelinetest.Harness{
				Object:  tc.object,
				Records: tc.records,
				New: func(t *testing.T, storm bool) (pipeline.Source, pipelinetest.Fake) {
					ds := salesforcetest.Generate(5, sizes)
					opts := salesforcetest.Options{ClientID: testClientID, ClientSecret: testClientSecret}
					if storm {
						opts.FailEvery = 2
					}
					srv := salesforcetest.NewServer(ds, opts)
					t.Cleanup(srv.Close)
					cfg := DefaultConfig()
					cfg.LoginURL, cfg.ClientID, cfg.PageSize = srv.URL(), testClientID, 200
					cfg.ClientSecret = config.NewSecret("SF_CLIENT_SECRET", testClientSecret)
					cfg.RetryWaitMin, cfg.RetryWaitMax, cfg.MaxRetries = time.Millisecond, 20*time.Millisecond, 20
					src, err := New(cfg, pipeline.SourceEnv{Tenant: "acme", Name: "salesforce",
						Projection: map[string][]string{tc.object: proj[tc.object]}, Logger: slog.New(slog.DiscardHandler)})
					if err != nil {
						t.Fatal(err)
					}
					return src, &fake{ds: ds, srv: srv, change: tc.change, del: tc.del, field: tc.field, bad: tc.bad,
						text: tc.text, when: tc.when}
				},
			})
		})
	}
}

// fake adapts salesforcetest to pipelinetest.Fake.
type fake struct {
	ds          *salesforcetest.Dataset
	srv         *salesforcetest.Server
	change, del salesforcetest.Kind
	field       string
	bad         any
	text, when  [2]string
}

// Plant puts p into record 250 of the changed kind, in the middle of
// the second page of 200.
func (f *fake) Plant(t *testing.T, p pipelinetest.Poison) (id, field string, ok bool) {
	id = f.ds.ID(f.change, 250)
	target, value := f.text, any(nil)
	switch p {
	case pipelinetest.PoisonNUL:
		value = "owner\x00id"
	case pipelinetest.PoisonHuge:
		value = strings.Repeat("x", 1_500_000)
	case pipelinetest.PoisonFarDate:
		// Salesforce writes four-digit years; year 0 parses, and is out
		// of range. Dates and datetimes alike.
		target, value = f.when, "0000-01-01T00:00:00.000+0000"
	case pipelinetest.PoisonNested:
		value = map[string]any{"Id": "005000000000001", "attributes": []any{"User"}}
	case pipelinetest.PoisonWrongType:
		value = 42.0
	default:
		return "", "", false
	}
	f.ds.SetField(id, target[0], value)
	return id, target[1], true
}

// Cycle makes the server's nextRecordsUrl go A → B → A.
func (f *fake) Cycle(t *testing.T) bool {
	f.srv.Cycle()
	return true
}

func (f *fake) pick(k salesforcetest.Kind, from, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = f.ds.ID(k, from+i*7)
	}
	return out
}

func (f *fake) Change(t *testing.T, n int) []string {
	ids := f.pick(f.change, 1, n)
	for _, id := range ids {
		f.ds.Touch(id, time.Now())
	}
	return ids
}

// Delete soft-deletes records. Salesforce users cannot be deleted, only
// deactivated (an upsert with is_active false), so for users the
// subtest is skipped.
func (f *fake) Delete(t *testing.T, n int) []string {
	if f.del == salesforcetest.User {
		t.Skip("Salesforce users are deactivated, never deleted")
	}
	ids := f.pick(f.del, 100, n)
	for _, id := range ids {
		f.ds.Delete(id, time.Now())
	}
	return ids
}

func (f *fake) Corrupt(t *testing.T) string {
	id := f.ds.ID(f.change, 42)
	f.ds.SetField(id, f.field, f.bad)
	return id
}

func (f *fake) Requests() []string {
	var out []string
	for _, r := range f.srv.Requests() {
		out = append(out, r.Method+" "+r.Path)
	}
	return out
}

func (f *fake) Allowed(method, path string) bool {
	u := &url.URL{Path: path}
	_, rest := AllowList.Match(method, u)
	_, token := TokenAllowList.Match(method, u)
	return rest || token
}
