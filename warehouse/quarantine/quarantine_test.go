package quarantine_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/warehouse"
	"github.com/tally-dev/tally/warehouse/quarantine"
	"github.com/tally-dev/tally/warehouse/warehousetest"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// rejected is a quarantine entry of tenant's csv connector at offset,
// quarantined minutes after t0.
func rejected(tenant, field, rule string, offset int64, minutes int) pipeline.Quarantined {
	return pipeline.Quarantined{Tenant: tenant, Source: "csv", Object: "deal", Stage: "validate", Field: field, Rule: rule,
		Position: pipeline.Position{Topic: "tally." + tenant + ".csv.deal", Partition: int(offset % 2), Offset: offset},
		At:       t0.Add(time.Duration(minutes) * time.Minute)}
}

func seed(t *testing.T, w *warehouse.Warehouse) {
	t.Helper()
	qs := []pipeline.Quarantined{
		rejected("acme", "close_date", "time", 0, 0),
		rejected("acme", "close_date", "time", 1, 1),
		rejected("acme", "close_date", "time", 2, 2),
		rejected("acme", "amount", "type", 3, 3),
		rejected("globex", "owner_id", "required", 4, 4),
	}
	if err := w.Write(ctxT(t), pipeline.Batch{Quarantine: qs}); err != nil {
		t.Fatalf("Write: %v", err)
	}
}

func entry(tenant, field, rule string, offset int64, minutes int) quarantine.Entry {
	q := rejected(tenant, field, rule, offset, minutes)
	return quarantine.Entry{At: q.At, Tenant: q.Tenant, Connector: q.Source, Object: q.Object, Stage: q.Stage,
		Field: q.Field, Rule: q.Rule, Topic: q.Position.Topic, Partition: q.Position.Partition, Offset: q.Position.Offset}
}

func TestList(t *testing.T) {
	warehousetest.Dialects(t, func(t *testing.T, w *warehouse.Warehouse) {
		seed(t, w)
		for _, tc := range []struct {
			name string
			f    quarantine.Filter
			want []quarantine.Entry
		}{
			{"all newest first", quarantine.Filter{}, []quarantine.Entry{
				entry("globex", "owner_id", "required", 4, 4), entry("acme", "amount", "type", 3, 3),
				entry("acme", "close_date", "time", 2, 2), entry("acme", "close_date", "time", 1, 1),
				entry("acme", "close_date", "time", 0, 0)}},
			{"tenant", quarantine.Filter{Tenant: "globex"}, []quarantine.Entry{entry("globex", "owner_id", "required", 4, 4)}},
			{"since is inclusive", quarantine.Filter{Tenant: "acme", Since: t0.Add(2 * time.Minute)}, []quarantine.Entry{
				entry("acme", "amount", "type", 3, 3), entry("acme", "close_date", "time", 2, 2)}},
			{"limit", quarantine.Filter{Limit: 2}, []quarantine.Entry{
				entry("globex", "owner_id", "required", 4, 4), entry("acme", "amount", "type", 3, 3)}},
			{"unknown tenant", quarantine.Filter{Tenant: "nosuch"}, []quarantine.Entry{}},
			{"since after all", quarantine.Filter{Since: t0.Add(time.Hour)}, []quarantine.Entry{}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := quarantine.List(ctxT(t), w, tc.f)
				if err != nil {
					t.Fatalf("List(%+v) = %v", tc.f, err)
				}
				if d := cmp.Diff(tc.want, got); d != "" {
					t.Errorf("List(%+v) (-want +got):\n%s", tc.f, d)
				}
			})
		}
	})
}

func TestStats(t *testing.T) {
	warehousetest.Dialects(t, func(t *testing.T, w *warehouse.Warehouse) {
		seed(t, w)
		closeDate := quarantine.Group{Tenant: "acme", Connector: "csv", Object: "deal", Stage: "validate", Field: "close_date",
			Rule: "time", Count: 3, First: t0, Last: t0.Add(2 * time.Minute)}
		amount := quarantine.Group{Tenant: "acme", Connector: "csv", Object: "deal", Stage: "validate", Field: "amount",
			Rule: "type", Count: 1, First: t0.Add(3 * time.Minute), Last: t0.Add(3 * time.Minute)}
		owner := quarantine.Group{Tenant: "globex", Connector: "csv", Object: "deal", Stage: "validate", Field: "owner_id",
			Rule: "required", Count: 1, First: t0.Add(4 * time.Minute), Last: t0.Add(4 * time.Minute)}
		for _, tc := range []struct {
			name  string
			f     quarantine.Filter
			want  []quarantine.Group
			total int64
		}{
			{"all, largest first", quarantine.Filter{}, []quarantine.Group{closeDate, amount, owner}, 5},
			{"tenant", quarantine.Filter{Tenant: "acme"}, []quarantine.Group{closeDate, amount}, 4},
			{"limit keeps the total", quarantine.Filter{Limit: 1}, []quarantine.Group{closeDate}, 5},
			{"since", quarantine.Filter{Since: t0.Add(2 * time.Minute)}, []quarantine.Group{
				amount, {Tenant: "acme", Connector: "csv", Object: "deal", Stage: "validate", Field: "close_date", Rule: "time",
					Count: 1, First: t0.Add(2 * time.Minute), Last: t0.Add(2 * time.Minute)}, owner}, 3},
			{"nothing", quarantine.Filter{Tenant: "nosuch"}, []quarantine.Group{}, 0},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, total, err := quarantine.Stats(ctxT(t), w, tc.f)
				if err != nil {
					t.Fatalf("Stats(%+v) = %v", tc.f, err)
				}
				if d := cmp.Diff(tc.want, got); d != "" {
					t.Errorf("Stats(%+v) (-want +got):\n%s", tc.f, d)
				}
				if total != tc.total {
					t.Errorf("Stats(%+v) total = %d, want %d", tc.f, total, tc.total)
				}
			})
		}
	})
}
