package main

import (
	"context"
	"strings"
	"testing"

	"github.com/tally-dev/tally/connectors/hubspot/hubspottest"
)

// TestReplayLeavesTablesIdentical runs a pass, then replays every raw
// message from the start of the log (offsets forgotten): the warehouse
// must not change, quarantine included. Then it also pulls everything
// again from the CRM (cursors forgotten too): facts and KPI rollups must
// not change (the re-pulled hostile record is quarantined again at its
// new log position).
func TestReplayLeavesTablesIdentical(t *testing.T) {
	for _, tc := range []struct {
		name      string
		warehouse func(*testing.T) string
	}{
		{"sqlite", sqliteWarehouse},
		{"postgres", postgresWarehouse},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ds := hubspottest.Generate(11, hubspottest.Sizes{Owners: 8, Deals: 1500, Contacts: 500})
			ds.SetProperty("deals", ds.ID("deals", 9), "deal_currency_code", hostilePhone)
			e := newEnv(t, ds, tc.warehouse(t))
			first, _ := e.runOnce(t, appOptions{})
			for _, step := range []struct {
				forget []string
				skip   []string
			}{
				{[]string{"DELETE FROM consumer_offsets"}, nil},
				{[]string{"DELETE FROM consumer_offsets", "DELETE FROM sync_cursors"}, []string{"quarantine"}},
			} {
				want := dump(t, first, step.skip...)
				if !strings.Contains(dump(t, first), "rule=phone") {
					t.Fatal("the hostile record was not quarantined")
				}
				forget := step.forget
				a := e.reset(t, forget)
				a.Close()
				again, _ := e.runOnce(t, appOptions{})
				if got := dump(t, again, step.skip...); got != want {
					t.Errorf("after replay (%v) the warehouse changed:\n%s", forget, diffLines(want, got))
				}
				var consumed int64
				for _, s := range again.stats.Snapshot() {
					consumed += s.Consumed
				}
				if consumed < int64(1500+500+8) {
					t.Errorf("replay consumed %d records, want at least %d (the replay did not happen)", consumed, 1500+500+8)
				}
				again.Close()
			}
			first.Close()
		})
	}
}

// reset opens the configured warehouse and runs statements on it.
func (e *env) reset(t *testing.T, stmts []string) *app {
	t.Helper()
	ctx := context.Background()
	reg := newRegistry()
	cfg, err := loadConfig(e.cfgPath, reg, schemasDefault())
	if err != nil {
		t.Fatal(err)
	}
	a := &app{cfg: cfg, cat: schemasDefault(), logger: discardLogger()}
	if err := a.openWarehouse(ctx, cfg, cfg.EnabledKPIs(a.cat)); err != nil {
		t.Fatal(err)
	}
	for _, s := range stmts {
		if _, err := a.wh.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	return a
}
