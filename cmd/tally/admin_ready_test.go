package main

import (
	"strings"
	"testing"

	"github.com/tally-dev/tally/connectors/hubspot/hubspottest"
	"github.com/tally-dev/tally/warehouse/warehousetest"
)

// TestReadyzFollowsPostgres: /readyz is 503 naming the warehouse while
// PostgreSQL is down and 200 again once it is back; /healthz stays 200.
func TestReadyzFollowsPostgres(t *testing.T) {
	pg := warehousetest.StartCluster(t)
	pg.CreateDatabase("ready")
	t.Setenv("TALLY_TEST_PG_READY", pg.DSN("ready"))
	ds := hubspottest.Generate(4, hubspottest.Sizes{Owners: 2, Deals: 10, Contacts: 3})
	e := newEnv(t, ds, "  driver: postgres\n  dsn: ${TALLY_TEST_PG_READY}")
	a, _ := e.runOnce(t, appOptions{inMemoryKafka: true})
	base := serveAdmin(t, a, "127.0.0.1:0", false)

	if code, body := get(t, base+"/readyz", ""); code != 200 {
		t.Fatalf("readyz before the outage = %d: %s", code, body)
	}
	pg.Stop()
	code, body := get(t, base+"/readyz", "")
	if code != 503 || !strings.Contains(body, `"ready": false`) || !strings.Contains(body, "warehouse unreachable") {
		t.Errorf("readyz while PostgreSQL is down = %d %s, want 503 naming the warehouse", code, body)
	}
	if code, _ := get(t, base+"/healthz", ""); code != 200 {
		t.Errorf("healthz while PostgreSQL is down = %d, want 200 (the process lives)", code)
	}
	// The status page still renders, naming what it could not read.
	if code, body := get(t, base+"/", ""); code != 200 || !strings.Contains(body, "Could not read") {
		t.Errorf("status page while PostgreSQL is down = %d, want 200 naming the unavailable parts:\n%.1500s", code, body)
	}
	pg.Start()
	waitFor(t, func() bool { code, _ := get(t, base+"/readyz", ""); return code == 200 })
}
