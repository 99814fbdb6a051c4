package lease_test

import (
	"context"
	"log/slog"
	"net/url"
	"testing"
	"time"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/schemas"
	"github.com/tally-dev/tally/warehouse"
	"github.com/tally-dev/tally/warehouse/lease"
	"github.com/tally-dev/tally/warehouse/warehousetest"
)

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// open returns a migrated warehouse on dsn whose sessions carry app as
// application_name, so a test can kill exactly them.
func open(t *testing.T, dsn, app string) *warehouse.Warehouse {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("application_name", app)
	u.RawQuery = q.Encode()
	w, err := warehouse.Open(ctxT(t), warehouse.Config{Driver: warehouse.Postgres, DSN: u.String()},
		schemas.Default(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	if _, err := w.Migrate(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	return w
}

func bindings(n int) []lease.Binding {
	var out []lease.Binding
	for i := range n {
		out = append(out, lease.Binding{Tenant: "acme", Connector: string(rune('a' + i))})
	}
	return out
}

// held returns which of bs m holds now.
func held(m *lease.Manager, bs []lease.Binding) []lease.Binding {
	var out []lease.Binding
	for _, b := range bs {
		if l, ok := m.Hold(b.Tenant, b.Connector); ok {
			l.Release()
			out = append(out, b)
		}
	}
	return out
}

// eventually polls cond every 50ms until it holds or ctx ends.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	ctx := ctxT(t)
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting until %s", what)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func start(t *testing.T, w *warehouse.Warehouse, bs []lease.Binding, o lease.Options) *lease.Manager {
	t.Helper()
	m := lease.New(w, bs, o)
	if err := m.Start(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return m
}

// TestSpreadAndRebalance: two processes split six bindings three and
// three; when one leaves, the other takes all six; never does a binding
// have two holders.
func TestSpreadAndRebalance(t *testing.T) {
	dsn := warehousetest.PostgresDSN(t)
	w := open(t, dsn, "lease-test")
	bs := bindings(6)
	o := lease.Options{TTL: 3 * time.Second} // renewals every second: robust on a loaded CI machine
	a := start(t, w, bs, o)
	b := start(t, w, bs, o)
	overlap := func() bool {
		for _, x := range held(a, bs) {
			for _, y := range held(b, bs) {
				if x == y {
					return true
				}
			}
		}
		return false
	}
	eventually(t, "each holds three", func() bool {
		if overlap() {
			t.Fatal("a binding is held by both processes")
		}
		return len(held(a, bs)) == 3 && len(held(b, bs)) == 3
	})
	rows, err := lease.List(ctxT(t), w)
	if err != nil || len(rows) != 6 {
		t.Fatalf("List = %d rows, %v; want 6", len(rows), err)
	}
	a.Close()
	eventually(t, "b holds all six", func() bool { return len(held(b, bs)) == 6 })
}

// TestFencing: a process whose lease was taken over (its sessions
// killed, its renewals stopped) still tries to commit a checkpoint with
// its old token; the warehouse refuses it and keeps the new holder's.
func TestFencing(t *testing.T) {
	dsn := warehousetest.PostgresDSN(t)
	app := "lease-fence-" + time.Now().Format("150405.000000")
	wa := open(t, dsn, app)
	wb := open(t, dsn, "lease-fence-b")
	bs := bindings(1)
	o := lease.Options{TTL: time.Second}
	a := start(t, wa, bs, o)
	la, ok := a.Hold("acme", "a")
	if !ok {
		t.Fatal("the only process does not hold the only lease")
	}
	defer la.Release()

	a.Partition()
	if _, err := wb.DB().ExecContext(ctxT(t), `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE application_name = $1`, app); err != nil {
		t.Fatal(err)
	}
	b := start(t, wb, bs, o)
	eventually(t, "b takes the lease over", func() bool { return len(held(b, bs)) == 1 })
	lb, _ := b.Hold("acme", "a")
	defer lb.Release()
	if lb.Token <= la.Token {
		t.Fatalf("token after takeover = %d, want more than %d", lb.Token, la.Token)
	}
	a.Expire(time.Now().Add(time.Hour))
	select {
	case <-la.Lost:
	default:
		t.Error("the old holder's lease is not marked lost after its deadline")
	}

	s := pipeline.Stream{Tenant: "acme", Source: "a", Object: "deal"}
	cp := func(token, seq int64, cursor string) pipeline.Batch {
		return pipeline.Batch{Checkpoints: []pipeline.PartitionCheckpoint{{Partition: 0,
			Checkpoint: pipeline.Checkpoint{Tenant: s.Tenant, Source: s.Source, Object: s.Object,
				Seq: seq, Cursor: cursor, Lease: token}}}}
	}
	if err := wb.Write(ctxT(t), cp(lb.Token, 1, "new-holder")); err != nil {
		t.Fatal(err)
	}
	// The old holder's sessions reconnect; its commit is refused even
	// with a higher Seq.
	if err := wa.Write(ctxT(t), cp(la.Token, 2, "old-holder")); err != nil {
		t.Fatal(err)
	}
	if got, err := wb.Cursor(ctxT(t), s, 1); err != nil || got != "new-holder" {
		t.Errorf("cursor = %q, %v; want the new holder's", got, err)
	}
	if wa.FencedCheckpoints() != 1 {
		t.Errorf("FencedCheckpoints = %d, want 1", wa.FencedCheckpoints())
	}
}

// TestTakeAsksTheHolder: an on-demand process (tally reconcile) asks
// for a lease a running process holds and gets it after the holder's
// pass ends.
func TestTakeAsksTheHolder(t *testing.T) {
	w := open(t, warehousetest.PostgresDSN(t), "lease-take")
	bs := bindings(2)
	o := lease.Options{TTL: time.Second}
	run := start(t, w, bs, o)
	eventually(t, "the runner holds both", func() bool { return len(held(run, bs)) == 2 })
	pass, _ := run.Hold("acme", "a")
	rec := start(t, w, bs, lease.Options{TTL: time.Second, OnDemand: true})
	got := make(chan pipeline.Lease, 1)
	go func() {
		l, err := rec.Take(ctxT(t), "acme", "a")
		if err != nil {
			t.Error(err)
		}
		got <- l
	}()
	select {
	case <-got:
		t.Fatal("Take returned while the holder's pass runs")
	case <-time.After(1500 * time.Millisecond):
	}
	pass.Release()
	l := <-got
	if l.Token <= pass.Token {
		t.Errorf("token = %d, want more than %d", l.Token, pass.Token)
	}
	if len(held(rec, bs)) != 1 || len(held(run, bs)) != 1 {
		t.Errorf("on-demand holds %d, runner %d; want 1 and 1", len(held(rec, bs)), len(held(run, bs)))
	}
}

// TestSQLiteGrantsEveryLease: one process writes a SQLite warehouse, so
// every lease is held at once with token 0 (no fencing) and none listed.
func TestSQLiteGrantsEveryLease(t *testing.T) {
	w := warehousetest.OpenSQLite(t, warehouse.Config{})
	bs := bindings(3)
	m := start(t, w, bs, lease.Options{})
	if got := held(m, bs); len(got) != 3 {
		t.Fatalf("held %d of 3 leases", len(got))
	}
	l, _ := m.Hold("acme", "a")
	defer l.Release()
	if l.Token != 0 {
		t.Errorf("token = %d, want 0", l.Token)
	}
	if rows, err := lease.List(ctxT(t), w); err != nil || len(rows) != 0 {
		t.Errorf("List = %v, %v; want none", rows, err)
	}
}
