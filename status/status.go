package status

import (
	"context"
	"errors"
	"log/slog"
	"runtime/debug"
	"sort"
	"time"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/warehouse"
	"github.com/tally-dev/tally/warehouse/lease"
	"github.com/tally-dev/tally/warehouse/syncruns"
)

// Status is the operator's view of a deployment. Its JSON form is the
// /api/v1/status contract: fields are added, never renamed or removed,
// within a Schema version.
type Status struct {
	Schema      int       `json:"schema"`  // version of this document's shape: 1
	Version     string    `json:"version"` // tally's build version
	GeneratedAt time.Time `json:"generated_at"`
	// Live is true when the status comes from a process running the
	// pipeline (the admin API of tally run or tally demo).
	Live    bool     `json:"live"`
	Tenant  string   `json:"tenant,omitempty"` // the --tenant filter, "" for all
	Streams []Stream `json:"streams"`
	// Outages are the dependencies a live run is retrying right now.
	Outages []string `json:"outages"`
	// PersonalKept is the number of raw personal values left in records
	// after the stages since the live run started (must stay 0); nil
	// when no run is live in this process.
	PersonalKept *int64         `json:"personal_values_kept,omitempty"`
	Quarantine   []RuleCount    `json:"quarantine_by_rule"`
	LastPurge    *Purge         `json:"last_purge"`
	Terminations []Termination  `json:"pending_terminations"`
	Erasures     []ReceiptChain `json:"erasure_receipts"`
	// Leases are the connector leases of every binding ever leased (on
	// PostgreSQL; none on SQLite, where one process pulls everything).
	Leases []Lease `json:"leases"`
	// Processes are the live `tally run` processes sharing the warehouse
	// with the leases each holds and the partitions each consumes; on
	// SQLite only the live process serving the status.
	Processes []Process `json:"processes"`
	// Unavailable names the parts that could not be read (e.g.
	// "warehouse", "kafka", "receipts"); they are left empty or unknown.
	Unavailable []string `json:"unavailable"`
}

// Stream is one tenant × connector × object.
type Stream struct {
	Tenant    string `json:"tenant"`
	Connector string `json:"connector"`
	Object    string `json:"object"`
	// LastPass is the newest recorded pass; nil before the first.
	LastPass *syncruns.Run `json:"last_pass"`
	// Lag is log end offset minus stored offset, summed over the
	// stream's partitions; nil when unknown.
	Lag *int64 `json:"consumer_lag"`
	// NextPass is when the next pass is due; nil ("unknown") when no
	// run is live or the stream has not run yet.
	NextPass *time.Time `json:"next_pass"`
	// Stuck is true when the last pass stopped or hit an outage, or the
	// live run is in an outage; Reason says which.
	Stuck  bool   `json:"stuck"`
	Reason string `json:"stuck_reason,omitempty"`
	// Halted is true when the last pass stopped on a configuration
	// error: the run stopped the connector until it is restarted with a
	// fixed configuration, so no next pass is due.
	Halted bool `json:"halted"`
	// Quarantined is the stream's retained quarantine rows.
	Quarantined int64 `json:"quarantined"`
	// LeaseHolder is the process (Process.Holder) holding the lease of
	// the stream's connector, "" when none does (or on SQLite).
	LeaseHolder string `json:"lease_holder,omitempty"`
	// Consumers are, per partition of the stream's topic, the live
	// process consuming it (partitions no live process reported are
	// missing).
	Consumers []Consumer `json:"consumers"`
}

// RuleCount is how many retained quarantine rows one stream's field
// and rule hold.
type RuleCount struct {
	Tenant    string `json:"tenant"`
	Connector string `json:"connector"`
	Object    string `json:"object"`
	Stage     string `json:"stage"`
	Field     string `json:"field"`
	Rule      string `json:"rule"`
	Count     int64  `json:"count"`
}

// Purge is the newest purge run.
type Purge struct {
	ID       int64     `json:"id"`
	Started  time.Time `json:"started_at"`
	Finished time.Time `json:"finished_at"`
	Status   string    `json:"status"`
	// Verified is true when no expired row was left; nil when not checked.
	Verified *bool `json:"verified"`
	Removed  int64 `json:"rows_removed"`
}

// Termination is a tenant whose rows are still to be deleted.
type Termination struct {
	Tenant     string    `json:"tenant"`
	Requested  time.Time `json:"requested_at"`
	PurgeAfter time.Time `json:"purge_after"`
}

// ReceiptChain is a tenant's erasure-receipt chain.
type ReceiptChain struct {
	Tenant   string `json:"tenant"`
	Receipts int    `json:"receipts"`
	Head     string `json:"head"`
	// Verified is nil when the chain could not be checked (no key).
	Verified *bool `json:"verified"`
}

// Sources are where Build reads from. Warehouse is required; the rest
// may be nil/zero and their parts are then unknown.
type Sources struct {
	Warehouse *warehouse.Warehouse
	// Subjects verifies erasure receipts (it needs the master key).
	Subjects *warehouse.Subjects
	// EndOffsets is the log's (pipeline.Log.EndOffsets).
	EndOffsets  func(ctx context.Context, topics []string) (map[pipeline.TopicPartition]int64, error)
	TopicPrefix string
	// Streams are the configured streams, in any order.
	Streams  []pipeline.Stream
	Tenants  []string // configured tenants, for receipt chains
	Interval time.Duration
	// Live: a run is going on in this process (its data is served).
	Live bool
	// Scheduled: the live run repeats passes every Interval, so
	// NextPass is computed.
	Scheduled bool
	// Runner and Stats are the live run's in this process (nil outside).
	Runner *pipeline.Runner
	Stats  *pipeline.Stats
	// LeaseTTL is sync.lease_ttl: processes whose heartbeat is older are
	// not listed (lease.DefaultTTL when 0).
	LeaseTTL time.Duration
	// Self is the live process serving the status (its leases manager's
	// Self), nil outside a run.
	Self   *lease.Process
	Logger *slog.Logger
	Now    func() time.Time
}

// Version returns the main module's version from the build info.
func Version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// Build assembles the status of tenant's streams (all when "").
func Build(ctx context.Context, src Sources, tenant string) Status {
	if src.Now == nil {
		src.Now = time.Now
	}
	if src.Logger == nil {
		src.Logger = slog.New(slog.DiscardHandler)
	}
	b := &builder{src: src, st: Status{Schema: 1, Version: Version(), GeneratedAt: src.Now().UTC(), Live: src.Live,
		Tenant: tenant, Streams: []Stream{}, Outages: []string{}, Quarantine: []RuleCount{}, Terminations: []Termination{},
		Erasures: []ReceiptChain{}, Leases: []Lease{}, Processes: []Process{}, Unavailable: []string{}}}
	b.streams(ctx, tenant)
	b.live()
	b.quarantine(ctx, tenant)
	b.purge(ctx)
	b.terminations(ctx, tenant)
	b.receipts(ctx, tenant)
	b.fleet(ctx, tenant)
	sort.Strings(b.st.Unavailable)
	return b.st
}

type builder struct {
	src Sources
	st  Status
}

// unavailable records a part that failed; the error goes to the log
// only (errors of the warehouse and log name fields, never values).
func (b *builder) unavailable(part string, err error) {
	b.src.Logger.Warn("status: a part could not be read", "part", part, "error", err)
	for _, p := range b.st.Unavailable {
		if p == part {
			return
		}
	}
	b.st.Unavailable = append(b.st.Unavailable, part)
}

var errNoKey = errors.New("no master key to verify receipts with")
