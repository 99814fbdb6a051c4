package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/tally-dev/tally/connectors/hubspot/hubspottest"
	"github.com/tally-dev/tally/status"
)

// serveAdmin starts the admin listener of a on listen (token when set)
// and returns its base URL; it is closed at cleanup.
func serveAdmin(t *testing.T, a *app, listen string, scheduled bool) string {
	t.Helper()
	a.cfg.Admin.Listen = listen
	adm, err := startAdmin(a, scheduled)
	if err != nil {
		t.Fatal(err)
	}
	if adm == nil {
		t.Fatal("admin listener not started")
	}
	t.Cleanup(func() { adm.Close() })
	return strings.TrimSuffix(adm.URL(), "/")
}

// get fetches url with an optional bearer token.
func get(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

// TestAdminEndpoints: after a pass, /healthz and /readyz answer 200 and
// /api/v1/status lists every stream with the pass's counts.
func TestAdminEndpoints(t *testing.T) {
	ds := hubspottest.Generate(3, hubspottest.Sizes{Owners: 3, Deals: 40, Contacts: 10})
	e := newEnv(t, ds, sqliteWarehouse(t))
	a, _ := e.runOnce(t, appOptions{inMemoryKafka: true})
	base := serveAdmin(t, a, "127.0.0.1:0", false)

	for _, tc := range []struct {
		path string
		want int
		has  string
	}{
		{"/healthz", 200, "ok"},
		{"/readyz", 200, `"ready": true`},
		{"/metrics", 200, `tally_records_total{connector="hubspot",object="deal",step="upserted",tenant="acme"} 40`},
		{"/", 200, `data-stream="acme/hubspot/deal"`},
		{"/nope", 404, ""},
	} {
		code, body := get(t, base+tc.path, "")
		if code != tc.want || !strings.Contains(body, tc.has) {
			t.Errorf("GET %s = %d, want %d with %q:\n%.2000s", tc.path, code, tc.want, tc.has, body)
		}
	}

	code, body := get(t, base+"/api/v1/status", "")
	if code != 200 {
		t.Fatalf("GET /api/v1/status = %d: %s", code, body)
	}
	var st status.Status
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatal(err)
	}
	checkStreams(t, st, map[string]int64{"deal": 40, "lead": 10, "user": 3})
	if st.Schema != 1 || st.Version == "" || !st.Live || st.PersonalKept == nil || *st.PersonalKept != 0 {
		t.Errorf("status header = schema %d version %q live %v kept %v", st.Schema, st.Version, st.Live, st.PersonalKept)
	}
	for _, s := range st.Streams {
		if s.NextPass != nil {
			t.Errorf("%s: next pass %v for a run that does not repeat", s.Object, s.NextPass)
		}
	}
	if len(st.Erasures) != 1 || st.Erasures[0].Verified == nil || !*st.Erasures[0].Verified {
		t.Errorf("erasure receipts = %+v, want acme's empty chain, verified", st.Erasures)
	}
	// The raw JSON has every documented key, even when empty.
	for _, key := range []string{`"schema"`, `"version"`, `"streams"`, `"consumer_lag"`, `"next_pass"`, `"quarantine_by_rule"`,
		`"last_purge"`, `"pending_terminations"`, `"erasure_receipts"`, `"unavailable"`} {
		if !strings.Contains(body, key) {
			t.Errorf("/api/v1/status lacks %s", key)
		}
	}
	if code, _ := get(t, base+"/api/v1/status?tenant=nobody", ""); code != 404 {
		t.Errorf("status of an unknown tenant = %d, want 404", code)
	}
}

// checkStreams checks that st has the acme/hubspot streams with their
// written counts and a successful last pass.
func checkStreams(t *testing.T, st status.Status, written map[string]int64) {
	t.Helper()
	got := map[string]int64{}
	for _, s := range st.Streams {
		if s.Tenant != "acme" || s.Connector != "hubspot" || s.LastPass == nil {
			t.Errorf("stream %+v: want acme/hubspot with a last pass", s)
			continue
		}
		if s.LastPass.Result != "ok" || s.Stuck || s.Lag == nil || *s.Lag != 0 {
			t.Errorf("%s: result %q stuck %v lag %v, want ok, not stuck, lag 0", s.Object, s.LastPass.Result, s.Stuck, s.Lag)
		}
		got[s.Object] = s.LastPass.Written
	}
	for obj, n := range written {
		if got[obj] != n {
			t.Errorf("%s written = %d, want %d (all: %v)", obj, got[obj], n, got)
		}
	}
}

// TestAdminTokenOffLoopback: off loopback a token is required by the
// configuration (exit 2) and by every endpoint but the probes.
func TestAdminTokenOffLoopback(t *testing.T) {
	ds := hubspottest.Generate(3, hubspottest.Sizes{Owners: 2, Deals: 5, Contacts: 2})
	e := newEnv(t, ds, sqliteWarehouse(t))
	e.appendConfig(t, "admin:\n  listen: 0.0.0.0:19466\n  token: ${TALLY_TEST_ADMIN_TOKEN}\n")
	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"validate", "-c", e.cfgPath}, io.Discard, &stderr); code != exitConfig ||
		!strings.Contains(stderr.String(), "admin.token") {
		t.Fatalf("validate without the token variable = %d, want 2 naming admin.token:\n%s", code, stderr.String())
	}
	const token = "adm-tok-3e8c1f0a9b7d"
	t.Setenv("TALLY_TEST_ADMIN_TOKEN", token)
	a, _ := e.runOnce(t, appOptions{inMemoryKafka: true})
	base := serveAdmin(t, a, "0.0.0.0:0", false)
	for _, path := range []string{"/", "/api/v1/status", "/metrics"} {
		if code, _ := get(t, base+path, ""); code != http.StatusUnauthorized {
			t.Errorf("GET %s without a token = %d, want 401", path, code)
		}
		if code, _ := get(t, base+path, "wrong"); code != http.StatusUnauthorized {
			t.Errorf("GET %s with a wrong token = %d, want 401", path, code)
		}
		if code, _ := get(t, base+path, token); code != http.StatusOK {
			t.Errorf("GET %s with the token = %d, want 200", path, code)
		}
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if code, _ := get(t, base+path, ""); code != http.StatusOK {
			t.Errorf("probe %s without a token = %d, want 200", path, code)
		}
	}
}

// TestStatusCommandJSON: `tally status --json` reads the recorded passes
// from the warehouse; the text form names every stream; an unknown
// tenant is exit 2.
func TestStatusCommandJSON(t *testing.T) {
	ds := hubspottest.Generate(3, hubspottest.Sizes{Owners: 3, Deals: 25, Contacts: 8})
	e := newEnv(t, ds, sqliteWarehouse(t))
	a, _ := e.runOnce(t, appOptions{inMemoryKafka: true})
	a.Close()
	var out, stderr bytes.Buffer
	if code := run(context.Background(), []string{"status", "--json", "--tenant", "acme", "-c", e.cfgPath}, &out, &stderr); code != exitOK {
		t.Fatalf("status --json = %d:\n%s", code, stderr.String())
	}
	var st status.Status
	if err := json.Unmarshal(out.Bytes(), &st); err != nil {
		t.Fatalf("status --json is not JSON: %v\n%s", err, out.String())
	}
	for i := range st.Streams {
		st.Streams[i].Lag = ptr(int64(0)) // the embedded broker lives inside the run: unknown here
	}
	checkStreams(t, st, map[string]int64{"deal": 25, "lead": 8, "user": 3})
	if st.Live || st.Tenant != "acme" {
		t.Errorf("live %v tenant %q, want false and acme", st.Live, st.Tenant)
	}
	out.Reset()
	if code := run(context.Background(), []string{"status", "-c", e.cfgPath}, &out, &stderr); code != exitOK {
		t.Fatalf("status = %d:\n%s", code, stderr.String())
	}
	if !regexp.MustCompile(`(?m)^acme +hubspot +deal +\S+ +ok +25 +25 +0 +0 +unknown +unknown +ok$`).MatchString(out.String()) {
		t.Errorf("status output lacks the deal stream's row:\n%s", out.String())
	}
	for _, want := range []string{"last purge: none recorded", "pending terminations: none", "erasure receipts: acme: 0 receipt(s)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("status output lacks %q:\n%s", want, out.String())
		}
	}
	if code := run(context.Background(), []string{"status", "--tenant", "acmee", "-c", e.cfgPath}, io.Discard, io.Discard); code != exitConfig {
		t.Errorf("status --tenant acmee = %d, want 2", code)
	}
}

func ptr[T any](v T) *T { return &v }

// getMaybe fetches url, returning 0 when it cannot connect.
func getMaybe(url string) (int, string) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, ""
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// TestStatusPageBanners: a non-zero personal-values-kept count gets the
// red breach banner, an outage and a stuck stream their own; a clean
// status none of them.
func TestStatusPageBanners(t *testing.T) {
	render := func(st status.Status) string {
		var b bytes.Buffer
		if err := statusPage.Execute(&b, pageData{Status: st, Refresh: pageRefresh}); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	clean := render(status.Status{Version: "v1", PersonalKept: ptr(int64(0))})
	for _, banner := range []string{`id="personal-kept"`, `class="banner warn outage"`, `id="stuck"`} {
		if strings.Contains(clean, banner) {
			t.Errorf("a clean status shows %s", banner)
		}
	}
	bad := render(status.Status{Version: "v1", PersonalKept: ptr(int64(3)), Outages: []string{"warehouse"},
		Streams: []status.Stream{{Tenant: "acme", Connector: "hubspot", Object: "deal", Stuck: true, Reason: "outage: warehouse"}}})
	for _, want := range []string{`<div class="banner breach" id="personal-kept">BREACH SIGNAL: 3 personal value(s)`,
		`Outage: the warehouse is unreachable`, `1 stream(s) stuck: acme/hubspot/deal (outage: warehouse)`,
		`data-state="stuck"`, `<meta http-equiv="refresh" content="10">`} {
		if !strings.Contains(bad, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(bad, "<script") || strings.Contains(bad, "http://") || strings.Contains(bad, "https://") {
		t.Error("the page loads a script or an external asset")
	}
}
