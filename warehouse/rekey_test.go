package warehouse_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/schemas"
	"github.com/tally-dev/tally/transforms/pseudonymize"
	"github.com/tally-dev/tally/warehouse"
	"github.com/tally-dev/tally/warehouse/warehousetest"
)

// rekeyFixture is a warehouse under key version 1 holding three reps
// with vault rows and shredding keys (u3 erased, so a receipt and a
// suppression exist), deals of u1 and u2 and one without owner, and a
// lead of u2.
type rekeyFixture struct {
	*subjectFixture
	raw   []pipeline.Record // u1 and u2 as the connector published them, sealed
	deals int
	k2    *pseudonymize.Keyring // version 2 chained to 1, as after the rekey
}

func newRekeyFixture(t *testing.T, w *warehouse.Warehouse, deals int) *rekeyFixture {
	t.Helper()
	ctx := ctxT(t)
	s, err := w.Subjects(schemas.Default(), testMaster, 1)
	if err != nil {
		t.Fatal(err)
	}
	keys, _ := pseudonymize.NewKeyring(testMaster, 1)
	f := &rekeyFixture{subjectFixture: &subjectFixture{w: w, s: s, keys: keys}, deals: deals}
	f.k2, _ = pseudonymize.NewKeyring(testMaster, 2)
	if err := f.k2.Chain("t1", map[int]int{2: 1}); err != nil {
		t.Fatal(err)
	}
	for _, u := range [][3]string{{"u1", "ada@example.com", "Ada"}, {"u2", "grace@example.com", "Grace"}, {"u3", "carl@example.com", "Carl"}} {
		f.writeUser(t, keys, u[0], u[1], u[2], "Surname")
	}
	var recs []pipeline.Record
	for i := range deals {
		d := f.deal(keys, fmt.Sprintf("d%d", i), []string{"u1", "u2"}[i%2], float64(10+i))
		d.Fields["created_at"] = day(1 + i%5)
		recs = append(recs, d)
	}
	nobody := wonDeal("won", 5)
	delete(nobody, "owner_id")
	recs = append(recs, upsert(keys.Pseudonym("t1", "deal", "orphan"), 1, nobody),
		pipeline.Record{Tenant: "t1", Source: "hubspot", Object: "lead", Key: keys.Pseudonym("t1", "lead", "c1"),
			Op: pipeline.OpUpsert, Version: version(1), Fields: map[string]any{
				"owner_id": keys.Pseudonym("t1", "user", "u2"), "lead_source": "ORGANIC", "created_at": day(2)}})
	write(t, w, recs...)
	for _, u := range []string{"u1", "u2", "u3"} {
		f.raw = append(f.raw, pipeline.Record{Tenant: "t1", Source: "hubspot", Object: "user", ID: u, Op: pipeline.OpUpsert,
			Version: version(1), Fields: map[string]any{"email": u + "@example.com", "is_active": true}})
	}
	if err := s.Shredder(keys).Seal(ctx, f.raw); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Erase(ctx, warehouse.Request{Tenant: "t1", Email: "carl@example.com"}); err != nil {
		t.Fatal(err)
	}
	assertConsistent(t, w, allKPIs)
	return f
}

// opened returns a copy of the sealed raw record i opened by a fresh
// shredder, or the error.
func (f *rekeyFixture) opened(t *testing.T, i int) (string, error) {
	t.Helper()
	r := f.raw[i]
	r.Fields = map[string]any{"email": f.raw[i].Fields["email"]}
	if err := f.s.Shredder(f.k2).Open(ctxT(t), &r); err != nil {
		return "", err
	}
	return r.Fields["email"].(string), nil
}

// countVersion counts the values of version v in every pseudonym column
// of the table registry.
func countVersion(t *testing.T, w *warehouse.Warehouse, v int) int64 {
	t.Helper()
	var total int64
	prefix := fmt.Sprintf("k%d_", v)
	for table, cols := range warehouse.PseudonymColumns(w) {
		for _, c := range cols {
			var n int64
			q := w.DB().Rebind("SELECT count(*) FROM " + table + " WHERE substr(" + c + ", 1, 3) = ?")
			if err := w.DB().QueryRowContext(ctxT(t), q, prefix).Scan(&n); err != nil {
				t.Fatal(err)
			}
			total += n
		}
	}
	return total
}

func receiptBodies(t *testing.T, w *warehouse.Warehouse) []string {
	t.Helper()
	var out []string
	if err := w.DB().SelectContext(ctxT(t), &out, "SELECT body || mac FROM erasure_receipts ORDER BY seq"); err != nil {
		t.Fatal(err)
	}
	return out
}

// rekeyBatches are the batch sizes the rekey tests run with: 7 leaves
// both reps (15 deals each) to the key-order pass with rollup moves, 100
// lets the by-rep pass rename them whole.
var rekeyBatches = []int{7, 100}

// eachRekeyCase runs fn per batch size and dialect.
func eachRekeyCase(t *testing.T, batches []int, fn func(t *testing.T, w *warehouse.Warehouse, batch int)) {
	for _, batch := range batches {
		t.Run(fmt.Sprint("batch=", batch), func(t *testing.T) {
			dialects(t, warehouse.Config{KPIs: allKPIs}, func(t *testing.T, w *warehouse.Warehouse) { fn(t, w, batch) })
		})
	}
}

func TestRekeyRewritesEveryPseudonym(t *testing.T) {
	eachRekeyCase(t, rekeyBatches, func(t *testing.T, w *warehouse.Warehouse, batch int) {
		f := newRekeyFixture(t, w, 30)
		ctx := ctxT(t)
		receipts := receiptBodies(t, w)
		k1Rows := countVersion(t, w, 1)
		res, err := f.s.Rekey(ctx, "t1", warehouse.RekeyOptions{BatchSize: batch})
		if err != nil {
			t.Fatalf("Rekey: %v", err)
		}
		if res.From != 1 || res.To != 2 || res.Resumed || !slices.Equal(res.Retired, []int{1}) || res.Merged != 0 {
			t.Errorf("Rekey = %+v; want k1 -> k2, k1 retired, nothing merged", res)
		}
		if n := countVersion(t, w, 1); n != 0 {
			t.Errorf("%d pseudonyms of k1 left after the rekey", n)
		}
		if n := countVersion(t, w, 2); n != k1Rows {
			t.Errorf("%d pseudonyms of k2 after the rekey, want the %d of k1 before", n, k1Rows)
		}
		for i := range f.deals {
			var n int
			key := f.k2.Pseudonym("t1", "deal", fmt.Sprintf("d%d", i))
			if err := w.DB().QueryRowContext(ctx, w.DB().Rebind("SELECT count(*) FROM deal_facts WHERE key = ? AND owner_id = ?"),
				key, f.k2.Pseudonym("t1", "user", []string{"u1", "u2"}[i%2])).Scan(&n); err != nil || n != 1 {
				t.Fatalf("deal d%d under its chained k2 key and owner: %d rows, %v", i, n, err)
			}
		}
		assertConsistent(t, w, allKPIs)
		if got := receiptBodies(t, w); !slices.Equal(got, receipts) {
			t.Errorf("receipts changed; they keep their pseudonyms")
		}
		if chain, err := f.s.VerifyReceipts(ctx, "t1"); err != nil || !chain.OK() {
			t.Errorf("VerifyReceipts after rekey = %+v, %v", chain, err)
		}
		vs, err := f.s.KeyVersions(ctx, "t1")
		if err != nil || len(vs) != 2 || vs[0].Retired == nil || vs[1].Parent != 1 || vs[1].Rekeyed == nil || !vs[1].Current {
			t.Errorf("KeyVersions = %+v, %v; want k1 retired and k2 current, chained to k1, rekeyed", vs, err)
		}
		// Raw messages sealed under k1 still open: the key was renamed
		// and re-wrapped along the chain.
		if email, err := f.opened(t, 0); err != nil || email != "u1@example.com" {
			t.Errorf("opening u1's raw k1 message after the rekey = %q, %v", email, err)
		}
		// Erase through the chain finds the rep by email and removes all.
		rc, err := f.s.Erase(ctx, warehouse.Request{Tenant: "t1", Email: "ada@example.com"})
		if err != nil || !rc.Verified {
			t.Fatalf("Erase after rekey = %+v, %v", rc, err)
		}
		removed := map[string]int64{}
		for _, c := range rc.Removed {
			removed[c.Table] += c.Rows
		}
		if removed["deal_facts"] != int64(f.deals/2) || removed["user_facts"] != 1 || removed["identity_vault"] != 1 || removed["subject_keys"] != 1 {
			t.Errorf("Erase after rekey removed %v; want u1's %d deals, user fact, vault row and subject key", removed, f.deals/2)
		}
		if _, err := f.opened(t, 0); !errors.Is(err, pipeline.ErrDrop) {
			t.Errorf("opening u1's raw message after the erase = %v, want ErrDrop", err)
		}
		if email, err := f.opened(t, 1); err != nil || email != "u2@example.com" {
			t.Errorf("u2's raw message after u1's erase = %q, %v", email, err)
		}
		assertConsistent(t, w, allKPIs)
	})
}

var errKilled = errors.New("killed")

// TestRekeyResumesAfterInterruption stops a rekey after its first
// committed batch, as a kill would: rollups equal the facts after every
// batch, writers refuse to start, and the next Rekey resumes the same
// versions and finishes.
func TestRekeyResumesAfterInterruption(t *testing.T) {
	eachRekeyCase(t, []int{5, 100}, func(t *testing.T, w *warehouse.Warehouse, batch int) {
		f := newRekeyFixture(t, w, 40)
		ctx := ctxT(t)
		kill, batches := true, 0
		warehouse.SetRekeyHook(f.s, func(table string) error {
			batches++
			assertConsistent(t, w, allKPIs)
			if kill && table == "deal_facts" {
				return errKilled
			}
			return nil
		})
		if _, err := f.s.Rekey(ctx, "t1", warehouse.RekeyOptions{BatchSize: batch}); !errors.Is(err, errKilled) {
			t.Fatalf("Rekey = %v, want the kill", err)
		}
		if countVersion(t, w, 1) == 0 || countVersion(t, w, 2) == 0 {
			t.Fatalf("after one batch k1 = %d, k2 = %d rows; want both", countVersion(t, w, 1), countVersion(t, w, 2))
		}
		kc, err := w.KeyChain(ctx, "t1", 1)
		if err != nil || kc.Unfinished != 2 || kc.Current != 2 {
			t.Errorf("KeyChain after the kill = %+v, %v; want k2 current and unfinished", kc, err)
		}
		kill = false
		res, err := f.s.Rekey(ctx, "t1", warehouse.RekeyOptions{BatchSize: batch})
		if err != nil || !res.Resumed || res.From != 1 || res.To != 2 {
			t.Fatalf("second Rekey = %+v, %v; want k1 -> k2 resumed", res, err)
		}
		if n := countVersion(t, w, 1); n != 0 {
			t.Errorf("%d k1 pseudonyms left after the resumed rekey", n)
		}
		if kc, _ := w.KeyChain(ctx, "t1", 1); kc.Unfinished != 0 || kc.Current != 2 {
			t.Errorf("KeyChain after resume = %+v; want k2 current, finished (no k3)", kc)
		}
		if batches < 8 {
			t.Errorf("%d batches ran; want every table's, each checked", batches)
		}
		assertConsistent(t, w, allKPIs)
	})
}

// TestRekeyMergesRowsThatMeet: after an interrupted rekey a writer
// stores a newer version of a deal not rewritten yet under its k2 key;
// resuming merges the two, keeping the newer.
func TestRekeyMergesRowsThatMeet(t *testing.T) {
	dialects(t, warehouse.Config{KPIs: allKPIs}, func(t *testing.T, w *warehouse.Warehouse) {
		f := newRekeyFixture(t, w, 20)
		ctx := ctxT(t)
		warehouse.SetRekeyHook(f.s, func(table string) error {
			if table == "deal_facts" {
				return errKilled
			}
			return nil
		})
		if _, err := f.s.Rekey(ctx, "t1", warehouse.RekeyOptions{BatchSize: 3}); !errors.Is(err, errKilled) {
			t.Fatalf("Rekey = %v", err)
		}
		var old string
		if err := w.DB().QueryRowContext(ctx, "SELECT max(key) FROM deal_facts WHERE substr(key, 1, 3) = 'k1_' AND owner_id IS NOT NULL").Scan(&old); err != nil {
			t.Fatal(err)
		}
		newer := wonDeal("won", 999)
		newer["owner_id"] = f.k2.Pseudonym("t1", "user", "u1")
		write(t, w, upsert(f.k2.Rekey("t1", old, 2), 9, newer))
		warehouse.SetRekeyHook(f.s, nil)
		res, err := f.s.Rekey(ctx, "t1", warehouse.RekeyOptions{BatchSize: 3})
		if err != nil || res.Merged != 1 {
			t.Fatalf("resumed Rekey = %+v, %v; want one merge", res, err)
		}
		var n int
		var amount float64
		if err := w.DB().QueryRowContext(ctx, w.DB().Rebind("SELECT count(*), max(amount) FROM deal_facts WHERE key = ?"), f.k2.Rekey("t1", old, 2)).Scan(&n, &amount); err != nil || n != 1 || amount != 999 {
			t.Errorf("merged deal: %d rows, amount %v, %v; want the newer one only", n, amount, err)
		}
		if got := countDeals(t, w); got != f.deals+1 {
			t.Errorf("%d deals after the merge, want %d", got, f.deals+1)
		}
		assertConsistent(t, w, allKPIs)
	})
}

func countDeals(t *testing.T, w *warehouse.Warehouse) int {
	var n int
	if err := w.DB().QueryRowContext(ctxT(t), "SELECT count(*) FROM deal_facts").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// rollupRows reads kpi_daily with value, count and times, keyed with the
// rep renamed by rename.
func rollupRows(t *testing.T, w *warehouse.Warehouse, rename func(string) string) map[string]string {
	t.Helper()
	rows, err := w.DB().QueryContext(ctxT(t), "SELECT metric, day, rep, dimension, currency, value, n, written_at, expires_at FROM kpi_daily")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var metric, rep, dim, cur string
		var dayV, val, written, expires any
		var n int64
		if err := rows.Scan(&metric, &dayV, &rep, &dim, &cur, &val, &n, &written, &expires); err != nil {
			t.Fatal(err)
		}
		out[fmt.Sprint(metric, warehousetest.DayText(dayV), rename(rep), dim, cur)] = fmt.Sprint(warehousetest.ToFloat(t, val), n, timeText(written), timeText(expires))
	}
	return out
}

func timeText(v any) string {
	switch x := v.(type) {
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case []byte:
		return string(x)
	}
	return fmt.Sprint(v)
}

// TestRekeyKeepsRollupHistoryAndExpiry removes facts behind the rollups'
// back, as expiry does (rollups outlive facts): the rekey moves the
// remaining history whole, merges it with the contributions of live
// facts, and keeps every row's written_at and expires_at, so the rollups
// after are those before with the reps renamed.
func TestRekeyKeepsRollupHistoryAndExpiry(t *testing.T) {
	eachRekeyCase(t, rekeyBatches, func(t *testing.T, w *warehouse.Warehouse, batch int) {
		f := newRekeyFixture(t, w, 30)
		ctx := ctxT(t)
		for _, q := range []string{
			"DELETE FROM deal_facts WHERE owner_id = ?", // all of u2's deals: history only
			"DELETE FROM lead_facts WHERE owner_id = ?",
		} {
			if _, err := w.Exec(ctx, q, f.keys.Pseudonym("t1", "user", "u2")); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := w.Exec(ctx, "DELETE FROM deal_facts WHERE key = ?", f.keys.Pseudonym("t1", "deal", "d0")); err != nil {
			t.Fatal(err) // part of u1's day: history and live facts meet
		}
		rename := func(rep string) string {
			if pseudonymize.Version(rep) == 1 {
				return f.k2.Rekey("t1", rep, 2)
			}
			return rep
		}
		before := rollupRows(t, w, rename)
		res, err := f.s.Rekey(ctx, "t1", warehouse.RekeyOptions{BatchSize: batch})
		if err != nil {
			t.Fatal(err)
		}
		if i := slices.IndexFunc(res.Rewritten, func(c warehouse.TableCount) bool { return c.Table == "kpi_daily" }); i < 0 || res.Rewritten[i].Rows == 0 {
			t.Errorf("Rekey rewrote %v; want the history rollups moved by the kpi_daily pass", res.Rewritten)
		}
		after := rollupRows(t, w, func(s string) string { return s })
		if !equalMaps(before, after) {
			t.Errorf("rollups after the rekey differ from those before with reps renamed:\nbefore %v\nafter  %v", before, after)
		}
	})
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestRekeyAndWritersExcludeEachOther: a rekey refuses while a writer
// holds the writer lock, and a writer cannot start during a rekey.
func TestRekeyAndWritersExcludeEachOther(t *testing.T) {
	dialects(t, warehouse.Config{KPIs: allKPIs}, func(t *testing.T, w *warehouse.Warehouse) {
		f := newRekeyFixture(t, w, 4)
		ctx := ctxT(t)
		release, err := w.HoldWriterLock(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Rekey(ctx, "t1", warehouse.RekeyOptions{}); !errors.Is(err, warehouse.ErrWritersRunning) {
			t.Errorf("Rekey while a writer runs = %v, want ErrWritersRunning", err)
		}
		if kc, _ := w.KeyChain(ctx, "t1", 1); kc.Current != 1 {
			t.Errorf("a refused rekey created key version k%d", kc.Current)
		}
		release()
		checked := false
		warehouse.SetRekeyHook(f.s, func(string) error {
			if !checked {
				checked = true
				if rel, err := w.HoldWriterLock(ctx); !errors.Is(err, warehouse.ErrRekeyRunning) {
					if rel != nil {
						rel()
					}
					t.Errorf("HoldWriterLock during a rekey = %v, want ErrRekeyRunning", err)
				}
			}
			return nil
		})
		if _, err := f.s.Rekey(ctx, "t1", warehouse.RekeyOptions{}); err != nil || !checked {
			t.Fatalf("Rekey = %v (hook ran: %v)", err, checked)
		}
		rel, err := w.HoldWriterLock(ctx)
		if err != nil {
			t.Fatalf("HoldWriterLock after the rekey = %v", err)
		}
		rel()
	})
}

// TestEveryPseudonymColumnIsRegistered searches every text column of a
// populated PostgreSQL warehouse for pseudonyms: each column holding one
// must be a pseudonym column of the table registry, which RetireKeys
// counts and Rekey rewrites. Erasure receipts are history by design.
func TestEveryPseudonymColumnIsRegistered(t *testing.T) {
	w := openPostgresOrSkip(t, warehouse.Config{KPIs: allKPIs})
	newRekeyFixture(t, w, 6)
	ctx := ctxT(t)
	registered := warehouse.PseudonymColumns(w)
	type col struct{ Table, Column string }
	var cols []col
	if err := w.DB().SelectContext(ctx, &cols, `SELECT c.table_name AS "table", c.column_name AS "column"
		FROM information_schema.columns c JOIN pg_class r ON r.relname = c.table_name
		JOIN pg_namespace n ON n.oid = r.relnamespace AND n.nspname = c.table_schema
		WHERE c.table_schema = current_schema() AND c.data_type IN ('text', 'character varying') AND r.relkind IN ('r', 'p') AND NOT r.relispartition`); err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, c := range cols {
		var n int
		if err := w.DB().QueryRowContext(ctx, `SELECT count(*) FROM `+c.Table+` WHERE `+c.Column+` ~ 'k[0-9]+_[a-z2-7]{26}'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 || c.Table == "erasure_receipts" {
			continue
		}
		found++
		if !slices.Contains(registered[c.Table], c.Column) {
			t.Errorf("%s.%s holds pseudonyms but is not a pseudonym column of the table registry", c.Table, c.Column)
		}
	}
	if found < 5 {
		t.Errorf("found pseudonyms in %d columns; the fixture should fill facts, rollups, vault and subject keys", found)
	}
}
