package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/tally-dev/tally/pipeline"
)

// families gathers m's registry by name.
func families(t *testing.T, m *metrics) map[string]*dto.MetricFamily {
	t.Helper()
	mfs, err := m.reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	out := map[string]*dto.MetricFamily{}
	for _, mf := range mfs {
		out[mf.GetName()] = mf
	}
	return out
}

// sample returns the value of the family's metric whose labels include
// want, and whether there was one. Counters, gauges and (as the sample
// count) histograms.
func sample(mf *dto.MetricFamily, want map[string]string) (float64, bool) {
	if mf == nil {
		return 0, false
	}
	var sum float64
	found := false
next:
	for _, m := range mf.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if have[k] != v {
				continue next
			}
		}
		found = true
		switch {
		case m.Counter != nil:
			sum += m.GetCounter().GetValue()
		case m.Gauge != nil:
			sum += m.GetGauge().GetValue()
		case m.Histogram != nil:
			sum += float64(m.GetHistogram().GetSampleCount())
		}
	}
	return sum, found
}

func scrape(t *testing.T, m *metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

// TestMetricsAfterSync runs a real small sync (fake HubSpot with planted
// personal values, embedded Kafka, SQLite) and a purge, then checks
// every metric family and that the scrape carries no personal value or
// secret.
func TestMetricsAfterSync(t *testing.T) {
	ds := plantedDataset(t)
	e := newEnv(t, ds, sqliteWarehouse(t))
	a, _ := e.runOnce(t, appOptions{inMemoryKafka: true})
	ctx := context.Background()
	if _, err := a.wh.Purge(ctx, purgeOptions(a.cfg, false)); err != nil {
		t.Fatalf("purge: %v", err)
	}
	fams := families(t, a.metrics)
	deal := map[string]string{"tenant": "acme", "connector": "hubspot", "object": "deal"}
	for _, tc := range []struct {
		family string
		labels map[string]string
		check  func(float64) bool
		want   string
	}{
		{"tally_sync_pass_duration_seconds", deal, func(v float64) bool { return v == 1 }, "one pass observed"},
		{"tally_sync_passes_total", map[string]string{"object": "deal", "result": "ok"}, func(v float64) bool { return v == 1 }, "1"},
		{"tally_sync_last_success_timestamp_seconds", deal, func(v float64) bool { return v > 1.7e9 }, "a unix time"},
		{"tally_records_total", map[string]string{"object": "deal", "step": "upserted"}, func(v float64) bool { return v > 100 }, "> 100"},
		{"tally_personal_values_total", map[string]string{"state": "kept"}, func(v float64) bool { return v == 0 }, "0"},
		{"tally_personal_values_total", map[string]string{"state": "seen"}, func(v float64) bool { return v > 0 }, "> 0"},
		{"tally_quarantined_records_total", nil, func(v float64) bool { return v == 3 }, "3"},
		{"tally_quarantined_records_total", map[string]string{"field": "amount", "rule": "type"}, func(v float64) bool { return v == 1 }, "1"},
		{"tally_consumer_lag_records", deal, func(v float64) bool { return v == 0 }, "0 after the pass drained"},
		{"tally_crm_requests_total", map[string]string{"connector": "hubspot", "kind": "hubspot", "code": "2xx"}, func(v float64) bool { return v >= 3 }, ">= 3"},
		{"tally_outage_active", map[string]string{"dependency": "warehouse"}, func(v float64) bool { return v == 0 }, "0"},
		{"tally_outage_active", map[string]string{"dependency": "kafka"}, func(v float64) bool { return v == 0 }, "0"},
		{"tally_purge_last_success_timestamp_seconds", nil, func(v float64) bool { return v > 1.7e9 }, "a unix time"},
		{"tally_purge_last_verified", nil, func(v float64) bool { return v == 1 }, "1"},
		{"tally_purge_last_run_failed", nil, func(v float64) bool { return v == 0 }, "0"},
		{"tally_purge_last_duration_seconds", nil, func(v float64) bool { return v >= 0 }, ">= 0"},
		{"tally_purge_last_rows_removed", nil, func(v float64) bool { return v >= 0 }, ">= 0"},
		{"tally_state_up", map[string]string{"part": "lag"}, func(v float64) bool { return v == 1 }, "1"},
		{"tally_state_up", map[string]string{"part": "purge"}, func(v float64) bool { return v == 1 }, "1"},
		{"tally_state_up", map[string]string{"part": "erasures"}, func(v float64) bool { return v == 1 }, "1"},
	} {
		v, ok := sample(fams[tc.family], tc.labels)
		if !ok || !tc.check(v) {
			t.Errorf("%s%v = %v (present %v), want %s", tc.family, tc.labels, v, ok, tc.want)
		}
	}

	// Errors, retries and refusals do not happen in a clean sync: feed
	// the hooks as the runner and crmhttp do.
	a.metrics.observePass(pipeline.Stream{Tenant: "acme", Source: "hubspot", Object: "deal"}, time.Second,
		fmt.Errorf("syncing: %w", pipeline.ErrQuota))
	obs := a.metrics.requests("acme", "hubspot", "hubspot")
	obs.Retry(2*time.Second, true)
	obs.Retry(time.Second, false)
	obs.Attempt(0)
	obs.Refused()
	fams = families(t, a.metrics)
	crm := map[string]string{"tenant": "acme", "connector": "hubspot"}
	for _, tc := range []struct {
		family string
		labels map[string]string
		want   float64
	}{
		{"tally_sync_errors_total", map[string]string{"object": "deal", "kind": "quota"}, 1},
		{"tally_sync_passes_total", map[string]string{"object": "deal", "result": "error"}, 1},
		{"tally_crm_retries_total", map[string]string{"reason": "rate_limit"}, 1},
		{"tally_crm_retries_total", map[string]string{"reason": "error"}, 1},
		{"tally_crm_rate_limit_wait_seconds_total", crm, 2},
		{"tally_crm_requests_total", map[string]string{"code": "error"}, 1},
		{"tally_crm_guard_refusals_total", crm, 1},
	} {
		if v, ok := sample(fams[tc.family], tc.labels); !ok || v != tc.want {
			t.Errorf("%s%v = %v (present %v), want %v", tc.family, tc.labels, v, ok, tc.want)
		}
	}

	text := scrape(t, a.metrics)
	values := append(ds.PersonalValues(), probeEmail, probePhone, hostileEmail, hostilePhone, hostileCard,
		testToken, strings.Repeat("test-master-key-", 4))
	checked := 0
	for _, v := range values {
		if len(v) < 5 {
			continue
		}
		checked++
		if strings.Contains(text, v) {
			t.Errorf("the scrape carries the personal value or secret %q", v)
		}
	}
	if checked < 500 || !strings.Contains(text, "tally_sync_last_success_timestamp_seconds") {
		t.Fatalf("checked %d values against a scrape of %d bytes; the test would prove nothing", checked, len(text))
	}
}

func TestErrorKind(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{nil, ""},
		{fmt.Errorf("x: %w", pipeline.ErrQuota), "quota"},
		{fmt.Errorf("x: %w", pipeline.ErrForbidden), "forbidden"},
		{fmt.Errorf("x: %w", pipeline.ErrConfig), "configuration"},
		{&pipeline.OutageError{What: "warehouse", Err: pipeline.ErrTransient}, "outage"},
		{fmt.Errorf("x: %w", pipeline.ErrTransient), "transient"},
		{context.DeadlineExceeded, "timeout"},
		{context.Canceled, "canceled"},
		{errors.New("boom"), "other"},
	} {
		if got := pipeline.ErrorKind(tc.err); got != tc.want {
			t.Errorf("ErrorKind(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

// TestDeployFilesUseExportedMetrics keeps the alert rules and the
// Grafana dashboard in step with the metric names tally exports.
func TestDeployFilesUseExportedMetrics(t *testing.T) {
	m := newMetrics(pipeline.NewStats())
	obs := m.requests("t", "c", "k")
	obs.Attempt(200)
	obs.Retry(time.Second, true)
	obs.Refused()
	m.observePass(pipeline.Stream{Tenant: "t", Source: "c", Object: "o"}, time.Second, nil)
	m.observePass(pipeline.Stream{Tenant: "t", Source: "c", Object: "o"}, time.Second, pipeline.ErrConfig)
	known := map[string]bool{}
	for name := range families(t, m) {
		known[name] = true
	}
	descs := make(chan *prometheus.Desc, 100)
	m.state.Describe(descs)
	newCollector(pipeline.NewStats()).Describe(descs)
	close(descs)
	fq := regexp.MustCompile(`fqName: "([a-z_]+)"`)
	for d := range descs {
		if mm := fq.FindStringSubmatch(d.String()); mm != nil {
			known[mm[1]] = true
		}
	}
	use := regexp.MustCompile(`\btally_[a-z_]+`)
	for _, file := range []string{"../../deploy/prometheus/tally-alerts.yml", "../../deploy/grafana/tally-dashboard.json"} {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, name := range use.FindAllString(string(data), -1) {
			base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(name, "_bucket"), "_count"), "_sum")
			if strings.HasPrefix(name, "tally_sync_pass_duration_seconds") {
				base = "tally_sync_pass_duration_seconds"
			}
			n++
			if !known[base] {
				t.Errorf("%s uses %s, which tally does not export", file, name)
			}
		}
		if n < 8 {
			t.Errorf("%s names only %d tally metrics", file, n)
		}
	}
}
