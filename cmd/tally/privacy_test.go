package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tally-dev/tally/connectors/hubspot/hubspottest"
	"github.com/tally-dev/tally/warehouse/warehousetest"
)

// Known personal values planted in the fake HubSpot: an email inside a
// deal name, a phone inside deal notes, and hostile values in fields a
// KPI does pull.
const (
	probeEmail   = "privacy.probe@example.org"
	probePhone   = "+1 415 555 0199"
	hostileEmail = "jane.hostile@example.net"
	hostilePhone = "+44 20 7946 0958"
	hostileCard  = "4111 1111 1111 1111"
)

func plantedDataset(t *testing.T) *hubspottest.Dataset {
	ds := hubspottest.Generate(7, hubspottest.Sizes{Owners: 6, Deals: 400, Contacts: 200})
	ds.InjectDeal(probeEmail, probePhone, hubspottest.Epoch.Add(-time.Hour))
	ds.SetProperty("deals", ds.ID("deals", 3), "deal_currency_code", hostilePhone)
	ds.SetProperty("deals", ds.ID("deals", 4), "amount", hostileCard)
	ds.SetProperty("contacts", ds.ID("contacts", 5), "hs_analytics_source", hostileEmail)
	return ds
}

// TestNoPersonalValueReachesWarehouseOrLogs runs the whole pipeline
// into each warehouse and searches every table, every log line and the
// SQL log for the dataset's personal values.
func TestNoPersonalValueReachesWarehouseOrLogs(t *testing.T) {
	for _, tc := range []struct {
		name      string
		warehouse func(*testing.T) string
	}{
		{"sqlite", sqliteWarehouse},
		{"postgres", postgresWarehouse},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ds := plantedDataset(t)
			e := newEnv(t, ds, tc.warehouse(t))
			a, logs := e.runOnce(t, appOptions{inMemoryKafka: true})

			all, err := warehousetest.AllText(context.Background(), a.wh.DB())
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(logs.String(), `"component":"sql"`) {
				t.Fatal("the SQL log is empty; the test would prove nothing")
			}
			values := append(ds.PersonalValues(), probeEmail, probePhone, hostileEmail, hostilePhone, hostileCard, testToken)
			checked := 0
			for _, v := range values {
				if len(v) < 5 { // short first names occur inside ordinary words
					continue
				}
				checked++
				if strings.Contains(all, v) {
					t.Errorf("personal value %q found in the warehouse", v)
				}
				if strings.Contains(logs.String(), v) {
					t.Errorf("personal value %q found in the logs", v)
				}
			}
			if checked < 500 {
				t.Fatalf("only %d personal values checked; the dataset sample is too small", checked)
			}

			var total, kept, quarantined int64
			for _, s := range a.stats.Snapshot() {
				total += s.Upserted
				kept += s.PersonalKept
				quarantined += s.Quarantined
			}
			if kept != 0 {
				t.Errorf("PersonalKept = %d, want 0", kept)
			}
			if want := int64(6 + 401 + 200 - 3); total != want {
				t.Errorf("records written = %d, want %d", total, want)
			}
			if quarantined != 3 {
				t.Errorf("quarantined = %d, want 3 (phone in currency, card in amount, email in lead source)", quarantined)
			}
			for _, rule := range []string{"rule=phone", "rule=type", "rule=email"} {
				if !strings.Contains(all, strings.TrimPrefix(rule, "rule=")) {
					t.Errorf("quarantine lacks an entry with %s", rule)
				}
			}
		})
	}
}

// TestNoPersonalValueFromAnySource runs every simulated CRM of the demo
// through the pipeline into SQLite and searches the warehouse and every
// log line, SQL log included, for the simulation's personal values.
func TestNoPersonalValueFromAnySource(t *testing.T) {
	for _, name := range simulatorNames() {
		t.Run(name, func(t *testing.T) {
			sim, err := simulators[name](300)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(sim.close)
			e := writeConfig(t, sim.kind, sim.options, sqliteWarehouse(t))
			a, logs := e.runOnce(t, appOptions{inMemoryKafka: true})
			all, err := warehousetest.AllText(context.Background(), a.wh.DB())
			if err != nil {
				t.Fatal(err)
			}
			checked := 0
			for _, v := range sim.values {
				if len(v) < 5 {
					continue
				}
				checked++
				if strings.Contains(all, v) || strings.Contains(logs.String(), v) {
					t.Errorf("personal value %q of %s found in the warehouse or logs", v, name)
				}
			}
			var written, kept int64
			for _, s := range a.stats.Snapshot() {
				written += s.Upserted
				kept += s.PersonalKept
			}
			if checked < 50 || written == 0 || kept != 0 {
				t.Errorf("%s: %d values checked, %d records written, %d personal values kept raw; want >= 50, > 0, 0",
					name, checked, written, kept)
			}
		})
	}
}
