package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestStatusCarriesNoPersonalValueOrSecret plants personal values (an
// email and a phone in a deal, hostile values in pulled fields, the
// dataset's names and emails) in the CRM and secrets in the
// configuration (the CRM token, the admin token, the master key), runs
// a pass, and searches the status page, /api/v1/status, /metrics and
// `tally status` (text and JSON) for every one of them.
func TestStatusCarriesNoPersonalValueOrSecret(t *testing.T) {
	ds := plantedDataset(t)
	e := newEnv(t, ds, sqliteWarehouse(t))
	const adminToken = "adm-secret-7f1e2d3c4b5a"
	t.Setenv("TALLY_TEST_ADMIN_TOKEN", adminToken)
	e.appendConfig(t, "admin:\n  listen: 127.0.0.1:19467\n  token: ${TALLY_TEST_ADMIN_TOKEN}\n")
	a, _ := e.runOnce(t, appOptions{inMemoryKafka: true})
	base := serveAdmin(t, a, "127.0.0.1:0", false)

	outputs := map[string]string{}
	for _, path := range []string{"/", "/api/v1/status", "/metrics", "/readyz"} {
		code, body := get(t, base+path, adminToken)
		if code != 200 {
			t.Fatalf("GET %s = %d", path, code)
		}
		outputs[path] = body
	}
	for _, args := range [][]string{{"status"}, {"status", "--json"}} {
		var out, stderr bytes.Buffer
		if code := run(context.Background(), append(args, "-c", e.cfgPath), &out, &stderr); code != exitOK {
			t.Fatalf("tally %v = %d:\n%s", args, code, stderr.String())
		}
		outputs["tally "+strings.Join(args, " ")] = out.String() + stderr.String()
	}
	// The outputs must say something for the search to mean anything.
	if !strings.Contains(outputs["/"], `data-stream="acme/hubspot/deal"`) || !strings.Contains(outputs["/api/v1/status"], `"quarantine_by_rule"`) ||
		!strings.Contains(outputs["/metrics"], "tally_personal_values_total") || !strings.Contains(outputs["tally status"], "deal") {
		t.Fatalf("an output lacks its content; the search would prove nothing: %v", outputs)
	}
	// The planted hostile values were quarantined: the page shows the
	// rules, never the values.
	for _, rule := range []string{"phone", "email"} {
		if !strings.Contains(outputs["/"], "<td>"+rule+"</td>") {
			t.Errorf("the status page lacks the quarantine rule %s", rule)
		}
	}
	values := append(ds.PersonalValues(), probeEmail, probePhone, hostileEmail, hostilePhone, hostileCard)
	secrets := []string{testToken, adminToken, strings.Repeat("test-master-key-", 4)}
	checked := 0
	for _, v := range append(values, secrets...) {
		if len(v) < 5 {
			continue
		}
		checked++
		for where, out := range outputs {
			if strings.Contains(out, v) {
				t.Errorf("%q found in %s", v, where)
			}
		}
	}
	if checked < 500 {
		t.Fatalf("only %d values checked; the sample is too small", checked)
	}
}
