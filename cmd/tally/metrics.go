package main

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/tally-dev/tally/pipeline"
)

// collector exports pipeline.Stats. Labels are tenant, connector and
// object names from the configuration, and stage, field and rule names
// from the schemas, never record data.
type collector struct {
	stats      *pipeline.Stats
	records    *prometheus.Desc
	personal   *prometheus.Desc
	quarantine *prometheus.Desc
}

func newCollector(s *pipeline.Stats) *collector {
	labels := []string{"tenant", "connector", "object"}
	return &collector{
		stats: s,
		records: prometheus.NewDesc("tally_records_total", "Records by pipeline step.",
			append(labels, "step"), nil),
		personal: prometheus.NewDesc("tally_personal_values_total",
			"Raw personal values in records read from the log (seen) and left after the stages (kept, must stay 0).",
			append(labels, "state"), nil),
		quarantine: prometheus.NewDesc("tally_quarantined_records_total",
			"Quarantined records by the stage, field (\"record\" for the whole record) and rule that rejected them.",
			append(labels, "stage", "field", "rule"), nil),
	}
}

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.records
	ch <- c.personal
	ch <- c.quarantine
}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	for _, s := range c.stats.Snapshot() {
		l := []string{s.Tenant, s.Source, s.Object}
		for step, v := range map[string]int64{"pulled": s.Pulled, "consumed": s.Consumed, "upserted": s.Upserted,
			"deleted": s.Deleted, "quarantined": s.Quarantined, "dropped": s.Dropped} {
			ch <- prometheus.MustNewConstMetric(c.records, prometheus.CounterValue, float64(v), append(l, step)...)
		}
		ch <- prometheus.MustNewConstMetric(c.personal, prometheus.CounterValue, float64(s.PersonalSeen), append(l, "seen")...)
		ch <- prometheus.MustNewConstMetric(c.personal, prometheus.CounterValue, float64(s.PersonalKept), append(l, "kept")...)
		for k, n := range s.Quarantine {
			field := k.Field
			if field == "" {
				field = "record"
			}
			ch <- prometheus.MustNewConstMetric(c.quarantine, prometheus.CounterValue, float64(n),
				append(l, k.Stage, field, k.Rule)...)
		}
	}
}
