package main

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tally-dev/tally/pipeline"
)

// metrics is the Prometheus registry of one tally process: the pipeline
// counters (collector), sync passes, CRM requests and, on scrape, the
// state read from the log and the warehouse (stateCollector). Every
// label is a configuration or schema name, a status class or an error
// kind: never an id, a value or a secret.
type metrics struct {
	reg *prometheus.Registry

	passDuration *prometheus.HistogramVec
	passes       *prometheus.CounterVec
	lastSuccess  *prometheus.GaugeVec
	syncErrors   *prometheus.CounterVec

	crmRequests *prometheus.CounterVec
	crmRetries  *prometheus.CounterVec
	crmRateWait *prometheus.CounterVec
	crmRefusals *prometheus.CounterVec
	state       *stateCollector
}

var streamLabels = []string{"tenant", "connector", "object"}

// newMetrics registers the pipeline counters of stats and the process
// and Go runtime collectors.
func newMetrics(stats *pipeline.Stats) *metrics {
	m := &metrics{reg: prometheus.NewRegistry(), state: &stateCollector{}}
	m.passDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "tally_sync_pass_duration_seconds",
		Help:    "Duration of one stream's sync pass (pull and publish), whatever its result.",
		Buckets: []float64{0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600},
	}, streamLabels)
	m.passes = counterVec("tally_sync_passes_total",
		"Sync passes by stream and result (ok, error).",
		append(streamLabels, "result"))
	m.lastSuccess = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "tally_sync_last_success_timestamp_seconds",
		Help: "Unix time at which the stream's last sync pass completed without error.",
	}, streamLabels)
	m.syncErrors = counterVec("tally_sync_errors_total",
		"Sync passes that stopped with an error, by kind (quota, forbidden, configuration, outage, transient, timeout, canceled, invalid, other).",
		append(streamLabels, "kind"))
	crm := []string{"tenant", "connector", "kind"}
	m.crmRequests = counterVec("tally_crm_requests_total",
		"HTTP attempts to a CRM by status class (2xx, 3xx, 4xx, 5xx, error when no answer came); retries included.",
		append(crm, "code"))
	m.crmRetries = counterVec("tally_crm_retries_total",
		"CRM requests retried, by reason (rate_limit for a 429, else error).",
		append(crm, "reason"))
	m.crmRateWait = counterVec("tally_crm_rate_limit_wait_seconds_total",
		"Time spent waiting before retries the CRM asked for (429).",
		crm)
	m.crmRefusals = counterVec("tally_crm_guard_refusals_total",
		"Requests the read-only guard kept from leaving the process: something tried to write to a CRM.",
		crm)
	m.reg.MustRegister(newCollector(stats), m.passDuration, m.passes, m.lastSuccess, m.syncErrors,
		m.crmRequests, m.crmRetries, m.crmRateWait, m.crmRefusals, m.state,
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	return m
}

// counterVec is a counter family of name, help and labels.
func counterVec(name, help string, labels []string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
}

// Handler serves the registry in the Prometheus text format (/metrics).
func (m *metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// observePass is pipeline.Runner.OnStreamPass.
func (m *metrics) observePass(s pipeline.Stream, took time.Duration, err error) {
	l := prometheus.Labels{"tenant": s.Tenant, "connector": s.Source, "object": s.Object}
	m.passDuration.With(l).Observe(took.Seconds())
	if err != nil {
		m.passes.WithLabelValues(s.Tenant, s.Source, s.Object, "error").Inc()
		m.syncErrors.WithLabelValues(s.Tenant, s.Source, s.Object, pipeline.ErrorKind(err)).Inc()
		return
	}
	m.passes.WithLabelValues(s.Tenant, s.Source, s.Object, "ok").Inc()
	m.lastSuccess.With(l).SetToCurrentTime()
}

// requests returns the CRM request observer of one connector.
func (m *metrics) requests(tenant, connector, kind string) pipeline.RequestObserver {
	l := prometheus.Labels{"tenant": tenant, "connector": connector, "kind": kind}
	return &crmObserver{requests: m.crmRequests.MustCurryWith(l), retries: m.crmRetries.MustCurryWith(l),
		rateWait: m.crmRateWait.With(l), refused: m.crmRefusals.With(l)}
}

// crmObserver counts one connector's attempts (pipeline.RequestObserver).
type crmObserver struct {
	requests, retries *prometheus.CounterVec
	rateWait, refused prometheus.Counter
}

func (o *crmObserver) Attempt(status int) {
	code := "error"
	if status >= 100 && status <= 599 {
		code = strconv.Itoa(status/100) + "xx"
	}
	o.requests.WithLabelValues(code).Inc()
}

func (o *crmObserver) Retry(wait time.Duration, rateLimited bool) {
	reason := "error"
	if rateLimited {
		reason = "rate_limit"
		o.rateWait.Add(wait.Seconds())
	}
	o.retries.WithLabelValues(reason).Inc()
}

func (o *crmObserver) Refused() { o.refused.Inc() }
