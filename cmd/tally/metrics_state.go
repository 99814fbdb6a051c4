package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/warehouse"
)

// stateTimeout bounds what one scrape spends reading the log and the
// warehouse; a part that does not answer in time is left out and its
// tally_state_up is 0.
const stateTimeout = 5 * time.Second

// stateCollector reads, on each scrape, what lives outside this process's
// counters: consumer lag (log end offset − stored offset), the newest
// purge run (also those of a CronJob or timer), erasure receipts per
// tenant, and the runner's outage state. Until attach it exports nothing.
type stateCollector struct {
	mu     sync.Mutex
	runner *pipeline.Runner
	wh     *warehouse.Warehouse
	prefix string
	log    *slog.Logger
}

var (
	descLag = prometheus.NewDesc("tally_consumer_lag_records",
		"Records in the stream's raw topic not yet committed to the warehouse (log end offset minus stored offset, summed over partitions).",
		streamLabels, nil)
	descOutage = prometheus.NewDesc("tally_outage_active",
		"1 while tally is riding out an outage of the dependency (warehouse, kafka), else 0.", []string{"dependency"}, nil)
	descOutageFor = prometheus.NewDesc("tally_outage_duration_seconds",
		"How long the current outage of the dependency has lasted, 0 when there is none.", []string{"dependency"}, nil)
	descPurgeSuccess = prometheus.NewDesc("tally_purge_last_success_timestamp_seconds",
		"Unix time at which the newest purge that completed (status done, not a dry run) finished.", nil, nil)
	descPurgeDuration = prometheus.NewDesc("tally_purge_last_duration_seconds",
		"Duration of the newest completed purge.", nil, nil)
	descPurgeRows = prometheus.NewDesc("tally_purge_last_rows_removed",
		"Rows the newest completed purge removed (dropped partitions and deleted rows), by table.", []string{"table"}, nil)
	descPurgeVerified = prometheus.NewDesc("tally_purge_last_verified",
		"1 when the newest completed purge verified that no expired row is left, else 0.", nil, nil)
	descPurgeFailed = prometheus.NewDesc("tally_purge_last_run_failed",
		"1 when the newest purge run (not a dry run) failed, was interrupted or abandoned, else 0.", nil, nil)
	descErasures = prometheus.NewDesc("tally_erasures_total",
		"Subject erasures done (erasure receipts), by tenant.", []string{"tenant"}, nil)
	descStateUp = prometheus.NewDesc("tally_state_up",
		"1 when this scrape could read the part (lag, purge, erasures), 0 when it failed or timed out.", []string{"part"}, nil)
)

// attach gives the collector what it reads from.
func (c *stateCollector) attach(r *pipeline.Runner, wh *warehouse.Warehouse, topicPrefix string, log *slog.Logger) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.runner, c.wh, c.prefix, c.log = r, wh, topicPrefix, log
}

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descLag, descOutage, descOutageFor, descPurgeSuccess, descPurgeDuration,
		descPurgeRows, descPurgeVerified, descPurgeFailed, descErasures, descStateUp} {
		ch <- d
	}
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	r, wh, prefix, log := c.runner, c.wh, c.prefix, c.log
	c.mu.Unlock()
	if r == nil || wh == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), stateTimeout)
	defer cancel()
	for _, dep := range []string{"warehouse", "kafka"} {
		since, down := r.Outage(dep)
		v, d := 0.0, 0.0
		if down {
			v, d = 1, time.Since(since).Seconds()
		}
		ch <- prometheus.MustNewConstMetric(descOutage, prometheus.GaugeValue, v, dep)
		ch <- prometheus.MustNewConstMetric(descOutageFor, prometheus.GaugeValue, d, dep)
	}
	up := func(part string, err error) {
		v := 1.0
		if err != nil {
			v = 0
			log.Debug("metrics: reading state failed", "part", part, "error", err)
		}
		ch <- prometheus.MustNewConstMetric(descStateUp, prometheus.GaugeValue, v, part)
	}
	up("lag", collectLag(ctx, ch, r, prefix))
	up("purge", collectPurge(ctx, ch, wh))
	counts, err := wh.ErasureCounts(ctx)
	for tenant, n := range counts {
		ch <- prometheus.MustNewConstMetric(descErasures, prometheus.CounterValue, float64(n), tenant)
	}
	up("erasures", err)
}

// collectLag exports, per stream, the log end offsets minus the stored
// offsets (a partition never committed counts from 0).
func collectLag(ctx context.Context, ch chan<- prometheus.Metric, r *pipeline.Runner, prefix string) error {
	byTopic := map[string]pipeline.Stream{}
	var topics []string
	for _, b := range r.Bindings {
		for _, obj := range b.Source.Objects() {
			s := pipeline.Stream{Tenant: b.Tenant, Source: b.Name, Object: obj}
			name := pipeline.TopicName(prefix, s)
			byTopic[name] = s
			topics = append(topics, name)
		}
	}
	if len(topics) == 0 {
		return nil
	}
	ends, err := r.Log.EndOffsets(ctx, topics)
	if err != nil {
		return err
	}
	stored, err := r.Sink.Offsets(ctx, topics)
	if err != nil {
		return err
	}
	lag := map[pipeline.Stream]int64{}
	for _, t := range topics {
		lag[byTopic[t]] += 0
	}
	for tp, end := range ends {
		if s, ok := byTopic[tp.Topic]; ok {
			lag[s] += max(end-stored[tp], 0)
		}
	}
	for s, n := range lag {
		ch <- prometheus.MustNewConstMetric(descLag, prometheus.GaugeValue, float64(n), s.Tenant, s.Source, s.Object)
	}
	return nil
}

// collectPurge exports the newest purge runs' evidence.
func collectPurge(ctx context.Context, ch chan<- prometheus.Metric, wh *warehouse.Warehouse) error {
	runs, err := wh.PurgeHistory(ctx, 50)
	if err != nil {
		return err
	}
	newest := true
	for _, run := range runs { // newest first
		if run.DryRun || run.Status == warehouse.StatusRunning {
			continue
		}
		if newest {
			failed := 0.0
			if run.Status != warehouse.StatusDone {
				failed = 1
			}
			ch <- prometheus.MustNewConstMetric(descPurgeFailed, prometheus.GaugeValue, failed)
			newest = false
		}
		if run.Status != warehouse.StatusDone {
			continue
		}
		verified := 0.0
		if run.Verified != nil && *run.Verified {
			verified = 1
		}
		ch <- prometheus.MustNewConstMetric(descPurgeSuccess, prometheus.GaugeValue, float64(run.Finished.UnixNano())/1e9)
		ch <- prometheus.MustNewConstMetric(descPurgeDuration, prometheus.GaugeValue, run.Finished.Sub(run.Started).Seconds())
		ch <- prometheus.MustNewConstMetric(descPurgeVerified, prometheus.GaugeValue, verified)
		rows := map[string]int64{}
		for _, t := range run.Tables {
			rows[t.Table] += t.Removed()
		}
		for table, n := range rows {
			ch <- prometheus.MustNewConstMetric(descPurgeRows, prometheus.GaugeValue, float64(n), table)
		}
		return nil
	}
	return nil
}
