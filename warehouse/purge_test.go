package warehouse_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/schemas"
	"github.com/tally-dev/tally/warehouse"
	"github.com/tally-dev/tally/warehouse/warehousetest"
)

// clock is a settable clock for warehouse.SetNow.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

var purgeCfg = warehouse.Config{KPIs: allKPIs, FactTTL: 30 * 24 * time.Hour, KPITTL: 60 * 24 * time.Hour,
	QuarantineTTL: 10 * 24 * time.Hour}

// dealDay is the close and creation day of the purge tests' deals: just
// before their clocks start, so the deals' rollups are within the KPI TTL.
var dealDay = time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)

func tenantDeal(tenant, key string, v int) pipeline.Record {
	f := wonDeal("won", 10)
	f["close_date"], f["created_at"] = dealDay, dealDay
	r := upsert(key, v, f)
	r.Tenant = tenant
	return r
}

// writeDeals writes n deals of tenant with a quarantine entry each, at
// offsets from off.
func writeDeals(t *testing.T, w *warehouse.Warehouse, tenant string, n, off int) {
	t.Helper()
	b := pipeline.Batch{}
	for i := range n {
		b.Records = append(b.Records, tenantDeal(tenant, fmt.Sprintf("%s-d%d", tenant, off+i), 1))
		b.Quarantine = append(b.Quarantine, pipeline.Quarantined{Tenant: tenant, Source: "hubspot", Object: "deal",
			Stage: "guard", Field: "stage", Rule: "email",
			Position: pipeline.Position{Topic: "tally." + tenant + ".hubspot.deal", Partition: 0, Offset: int64(off + i)}})
	}
	b.Offsets = map[pipeline.TopicPartition]int64{{Topic: "tally." + tenant + ".hubspot.deal", Partition: 0}: int64(off + n)}
	b.Checkpoints = []pipeline.PartitionCheckpoint{{Checkpoint: pipeline.Checkpoint{Tenant: tenant, Source: "hubspot", Object: "deal", Seq: int64(off + n), Cursor: "c"}}}
	if err := w.Write(ctxT(t), b); err != nil {
		t.Fatalf("Write: %v", err)
	}
}

func countRows(t *testing.T, w *warehouse.Warehouse, table, pred string, args ...any) int64 {
	t.Helper()
	var n int64
	q := "SELECT count(*) FROM " + table
	if pred != "" {
		q += " WHERE " + pred
	}
	if err := w.DB().QueryRowContext(ctxT(t), w.DB().Rebind(q), args...).Scan(&n); err != nil {
		t.Fatalf("counting %s: %v", table, err)
	}
	return n
}

// ts renders an instant as both dialects store it.
func ts(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000-07:00") }

func removed(run *warehouse.PurgeRun, table string) (rows int64, parts int) {
	for _, tr := range run.Tables {
		if tr.Table == table {
			return tr.Removed(), tr.PartitionsDropped
		}
	}
	return -1, -1
}

func TestPurgeRemovesExpiredRowsAndRecordsEvidence(t *testing.T) {
	dialects(t, purgeCfg, func(t *testing.T, w *warehouse.Warehouse) {
		c := &clock{t: time.Date(2025, 3, 5, 10, 0, 0, 0, time.UTC)}
		warehouse.SetNow(w, c.now)
		writeDeals(t, w, "t1", 7, 0) // expire at +30d
		c.add(20 * 24 * time.Hour)
		writeDeals(t, w, "t1", 5, 100) // expire at +50d from start
		c.add(15 * 24 * time.Hour)     // first 7 facts and all 12 quarantine rows expired

		dry, err := w.Purge(ctxT(t), warehouse.PurgeOptions{DryRun: true})
		if err != nil {
			t.Fatalf("Purge(dry run) = %v", err)
		}
		if n, _ := removed(dry, "deal_facts"); n != 7 {
			t.Errorf("dry run would remove %d deal facts, want 7", n)
		}
		if got := countRows(t, w, "deal_facts", ""); got != 12 {
			t.Errorf("dry run left %d deal facts, want 12", got)
		}

		run, err := w.Purge(ctxT(t), warehouse.PurgeOptions{BatchSize: 3})
		if err != nil {
			t.Fatalf("Purge() = %v", err)
		}
		if run.Status != warehouse.StatusDone || run.Verified == nil || !*run.Verified {
			t.Errorf("Purge() status %s verified %v, want done and verified", run.Status, run.Verified)
		}
		for _, tc := range []struct {
			table string
			want  int64
			left  int64
		}{{"deal_facts", 7, 5}, {"quarantine", 12, 0}, {"kpi_daily", 0, 3}} {
			if n, _ := removed(run, tc.table); n != tc.want {
				t.Errorf("evidence: %s removed %d, want %d", tc.table, n, tc.want)
			}
			if got := countRows(t, w, tc.table, ""); got != tc.left {
				t.Errorf("%s holds %d rows after purge, want %d", tc.table, got, tc.left)
			}
		}
		hist, err := w.PurgeHistory(ctxT(t), 10)
		if err != nil || len(hist) != 1 {
			t.Fatalf("PurgeHistory() = %d runs, %v; want 1 (dry runs are not recorded)", len(hist), err)
		}
		h := hist[0]
		if n, _ := removed(&h, "deal_facts"); n != 7 || h.Status != warehouse.StatusDone || h.Verified == nil || !*h.Verified {
			t.Errorf("stored evidence: deal_facts removed %d, status %s, verified %v; want 7, done, true", n, h.Status, h.Verified)
		}
		if h.Policy.Facts != 30*24*time.Hour {
			t.Errorf("stored policy facts TTL = %v, want 720h", h.Policy.Facts)
		}
		for _, tr := range h.Tables {
			if tr.Remaining != 0 {
				t.Errorf("evidence: %s has %d expired rows remaining, want 0", tr.Table, tr.Remaining)
			}
		}
	})
}

func TestPartitionsCreatedAheadAndDroppedBehind(t *testing.T) {
	w := warehousetest.OpenPostgres(t, purgeCfg)
	c := &clock{t: time.Date(2025, 3, 5, 10, 0, 0, 0, time.UTC)}
	warehouse.SetNow(w, c.now)
	if err := w.EnsurePartitionsAhead(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	parts := partitionsOf(t, w, "deal_facts")
	horizon := c.now().Add(30*24*time.Hour + 28*24*time.Hour) // TTL + four weeks ahead
	if len(parts) == 0 || parts[len(parts)-1].To.Before(horizon) {
		t.Fatalf("deal_facts partitions %v do not reach %v", parts, horizon)
	}
	writeDeals(t, w, "t1", 4, 0)
	if got := countRows(t, w, "deal_facts_pdefault", ""); got != 0 {
		t.Errorf("default partition holds %d rows, want 0 (rows belong in dated partitions)", got)
	}
	c.add(30*24*time.Hour + 2*warehouse.PartitionPeriod) // the rows' partition now lies wholly in the past
	run, err := w.Purge(ctxT(t), warehouse.PurgeOptions{})
	if err != nil {
		t.Fatalf("Purge() = %v", err)
	}
	n, dropped := removed(run, "deal_facts")
	if n != 4 || dropped == 0 {
		t.Errorf("deal_facts: removed %d rows by dropping %d partitions, want 4 rows by >0 partitions", n, dropped)
	}
	for _, tr := range run.Tables {
		if tr.Table == "deal_facts" && tr.RowsDeleted != 0 {
			t.Errorf("deal_facts: %d rows deleted in batches, want 0 (all by partition drop)", tr.RowsDeleted)
		}
	}
	for _, p := range partitionsOf(t, w, "deal_facts") {
		if !p.To.After(c.now()) {
			t.Errorf("partition %s ending %v survived the purge at %v", p.Name, p.To, c.now())
		}
	}
	after := partitionsOf(t, w, "deal_facts")
	if after[len(after)-1].To.Before(c.now().Add(30 * 24 * time.Hour)) {
		t.Errorf("purge did not create partitions ahead: last ends %v", after[len(after)-1].To)
	}
}

func partitionsOf(t testing.TB, w *warehouse.Warehouse, table string) []warehouse.Partition {
	t.Helper()
	all, err := w.Partitions(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	var out []warehouse.Partition
	for _, p := range all {
		if p.Table == table {
			out = append(out, p)
		}
	}
	return out
}

func TestConcurrentPurgeIsRefused(t *testing.T) {
	dsn := warehousetest.PostgresDSN(t)
	w1, w2 := openDSN(t, dsn), openDSN(t, dsn)
	if _, err := w1.Migrate(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	writeDeals(t, w1, "t1", 50, 0)
	warehouse.SetNow(w1, func() time.Time { return time.Now().Add(31 * 24 * time.Hour) })
	started, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	warehouse.SetPurgeHook(w1, func(string) {
		once.Do(func() { close(started); <-release })
	})
	done := make(chan error, 1)
	go func() {
		_, err := w1.Purge(context.Background(), warehouse.PurgeOptions{BatchSize: 10})
		done <- err
	}()
	<-started
	_, err := w2.Purge(ctxT(t), warehouse.PurgeOptions{})
	close(release)
	if !errors.Is(err, warehouse.ErrPurgeLocked) {
		t.Errorf("second Purge() = %v, want ErrPurgeLocked", err)
	}
	if err := <-done; err != nil {
		t.Errorf("first Purge() = %v", err)
	}
	if _, err := w2.Purge(ctxT(t), warehouse.PurgeOptions{}); err != nil {
		t.Errorf("Purge() after the first finished = %v, want nil (lock released)", err)
	}
}

func TestInterruptedPurgeResumes(t *testing.T) {
	dialects(t, purgeCfg, func(t *testing.T, w *warehouse.Warehouse) {
		c := &clock{t: time.Date(2025, 3, 5, 10, 0, 0, 0, time.UTC)}
		warehouse.SetNow(w, c.now)
		writeDeals(t, w, "t1", 40, 0)
		// Expired, but within the partition straddling the cutoff, so
		// deleted in batches.
		c.add(30*24*time.Hour + time.Minute)
		ctx, cancel := context.WithCancel(ctxT(t))
		batches := 0
		warehouse.SetPurgeHook(w, func(step string) {
			if batches++; batches == 2 {
				cancel()
			}
		})
		run, err := w.Purge(ctx, warehouse.PurgeOptions{BatchSize: 7})
		if !errors.Is(err, context.Canceled) || run.Status != warehouse.StatusInterrupted {
			t.Fatalf("interrupted Purge() = %v, status %s; want context.Canceled, interrupted", err, run.Status)
		}
		left := countRows(t, w, "deal_facts", "")
		if left == 0 || left == 40 {
			t.Fatalf("after interruption %d deal facts remain, want some deleted and some left", left)
		}
		warehouse.SetPurgeHook(w, nil)
		run, err = w.Purge(ctxT(t), warehouse.PurgeOptions{BatchSize: 7})
		if err != nil || run.Verified == nil || !*run.Verified {
			t.Fatalf("resumed Purge() = %v, verified %v", err, run.Verified)
		}
		if n, _ := removed(run, "deal_facts"); n != left {
			t.Errorf("resumed purge removed %d deal facts, want the %d left", n, left)
		}
		hist, _ := w.PurgeHistory(ctxT(t), 10)
		if len(hist) != 2 || hist[1].Status != warehouse.StatusInterrupted || hist[0].Status != warehouse.StatusDone {
			t.Errorf("history = %v, want [done interrupted]", statuses(hist))
		}
	})
}

func statuses(rs []warehouse.PurgeRun) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Status)
	}
	return out
}

func TestTenantTerminationDeletesEveryTableAfterGrace(t *testing.T) {
	dialects(t, purgeCfg, func(t *testing.T, w *warehouse.Warehouse) {
		c := &clock{t: time.Date(2025, 3, 5, 10, 0, 0, 0, time.UTC)}
		warehouse.SetNow(w, c.now)
		writeDeals(t, w, "acme", 6, 0)
		writeDeals(t, w, "globex", 4, 0)
		if _, err := w.Exec(ctxT(t), "INSERT INTO identity_vault (tenant, rep, sealed, key_version, updated_at, expires_at) VALUES (?, ?, ?, 1, ?, ?), (?, ?, ?, 1, ?, ?)",
			"acme", "rep1", []byte("x"), ts(c.now()), ts(c.now().Add(400*24*time.Hour)),
			"globex", "rep1", []byte("x"), ts(c.now()), ts(c.now().Add(400*24*time.Hour))); err != nil {
			t.Fatalf("seeding identity_vault: %v", err)
		}
		term, err := w.TerminateTenant(ctxT(t), "acme", 90*24*time.Hour)
		if err != nil || !term.PurgeAfter.Equal(c.now().Add(90*24*time.Hour)) {
			t.Fatalf("TerminateTenant() = %+v, %v", term, err)
		}
		if got, _ := w.Terminated(ctxT(t)); !got["acme"] || got["globex"] {
			t.Errorf("Terminated() = %v, want acme only", got)
		}
		c.add(89 * 24 * time.Hour)
		if _, err := w.Purge(ctxT(t), warehouse.PurgeOptions{}); err != nil {
			t.Fatal(err)
		}
		tables := tenantTables(t, w)
		if got := countRows(t, w, "sync_cursors", "tenant = ?", "acme"); got != 1 {
			t.Errorf("within grace acme has %d cursors, want 1 (untouched)", got)
		}
		c.add(2 * 24 * time.Hour)
		run, err := w.Purge(ctxT(t), warehouse.PurgeOptions{BatchSize: 2})
		if err != nil {
			t.Fatalf("Purge() after grace = %v", err)
		}
		if len(run.Tenants) != 1 || !run.Tenants[0].Verified || run.Tenants[0].Rows["sync_cursors"] != 1 || run.Tenants[0].Rows["identity_vault"] != 1 {
			t.Errorf("evidence tenants = %+v, want acme verified with its cursor and vault row", run.Tenants)
		}
		for _, table := range tables {
			pred := "tenant = ?"
			arg := "acme"
			if table == "consumer_offsets" {
				pred, arg = "topic LIKE ?", "tally.acme.%"
			}
			if got := countRows(t, w, table, pred, arg); got != 0 {
				t.Errorf("%s holds %d rows of terminated tenant acme", table, got)
			}
		}
		for _, table := range []string{"sync_cursors", "consumer_offsets", "identity_vault"} {
			pred, arg := "tenant = ?", "globex"
			if table == "consumer_offsets" {
				pred, arg = "topic LIKE ?", "tally.globex.%"
			}
			if got := countRows(t, w, table, pred, arg); got != 1 {
				t.Errorf("%s holds %d rows of globex, want 1 (untouched)", table, got)
			}
		}
		ts, _ := w.Terminations(ctxT(t))
		if len(ts) != 1 || ts[0].Pending() || ts[0].RowsDeleted == 0 {
			t.Errorf("Terminations() = %+v, want acme completed", ts)
		}
		if err := w.CancelTermination(ctxT(t), "acme"); !errors.Is(err, warehouse.ErrNotTerminated) {
			t.Errorf("CancelTermination after completion = %v, want ErrNotTerminated", err)
		}
	})
}

// tenantTables lists the purgeable tables the warehouse has that hold
// tenant data.
func tenantTables(t *testing.T, w *warehouse.Warehouse) []string {
	t.Helper()
	all := dump(t, w)
	var out []string
	for _, table := range w.PurgeableTables() {
		switch table {
		case "purge_runs", "tenant_terminations", "lease_holders":
			continue
		}
		if strings.Contains(all, "== "+table+" ") {
			out = append(out, table)
		}
	}
	return out
}

// openDSN opens (without migrating) a second warehouse on dsn.
func openDSN(t *testing.T, dsn string) *warehouse.Warehouse {
	t.Helper()
	w, err := warehouse.Open(ctxT(t), warehouse.Config{Driver: warehouse.Postgres, DSN: dsn, KPIs: allKPIs}, schemas.Default(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

func TestCancelTerminationWithinGrace(t *testing.T) {
	dialects(t, purgeCfg, func(t *testing.T, w *warehouse.Warehouse) {
		c := &clock{t: time.Date(2025, 3, 5, 10, 0, 0, 0, time.UTC)}
		warehouse.SetNow(w, c.now)
		writeDeals(t, w, "acme", 3, 0)
		if _, err := w.TerminateTenant(ctxT(t), "acme", 10*24*time.Hour); err != nil {
			t.Fatal(err)
		}
		c.add(5 * 24 * time.Hour)
		if err := w.CancelTermination(ctxT(t), "acme"); err != nil {
			t.Fatalf("CancelTermination within grace = %v", err)
		}
		c.add(10 * 24 * time.Hour)
		if _, err := w.Purge(ctxT(t), warehouse.PurgeOptions{}); err != nil {
			t.Fatal(err)
		}
		if got := countRows(t, w, "deal_facts", "tenant = ?", "acme"); got != 3 {
			t.Errorf("after cancelled termination acme has %d deal facts, want 3", got)
		}
		if _, err := w.TerminateTenant(ctxT(t), "acme", 0); err != nil {
			t.Fatal(err)
		}
		c.add(time.Second)
		if err := w.CancelTermination(ctxT(t), "acme"); !errors.Is(err, warehouse.ErrGraceOver) {
			t.Errorf("CancelTermination after grace = %v, want ErrGraceOver", err)
		}
	})
}

func TestEveryTableIsPurgeable(t *testing.T) {
	dialects(t, warehouse.Config{}, func(t *testing.T, w *warehouse.Warehouse) {
		known := map[string]bool{"schema_migrations": true}
		for _, table := range w.PurgeableTables() {
			known[table] = true
		}
		for _, line := range strings.Split(dump(t, w), "\n") {
			if name, ok := strings.CutPrefix(line, "== "); ok {
				name, _, _ = strings.Cut(name, " ")
				if !known[name] {
					t.Errorf("table %s is not in the purge registry (purge_tables.go): tenant termination would miss it", name)
				}
			}
		}
	})
}
