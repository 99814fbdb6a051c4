package warehouse_test

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/warehouse"
	"github.com/tally-dev/tally/warehouse/warehousetest"
)

// adversarial are amounts a float64 sum gets wrong: 1e300 swallows 100,
// 0.1 + 0.2 is not 0.3, long fractions and integers beyond 2^53 round,
// and negatives cancel. They come as the validate stage hands them on
// (decimal.Decimal) and as records built in Go (float64, json.Number).
var adversarial = []any{
	dec("1e300"), dec("100"), dec("-1e300"), 0.2, json.Number("0.3"), dec("-0.1"),
	dec("0.000000000000000000000000000001"), dec("123456789012345678901234567890.123456789"),
	dec("-9007199254740993"), json.Number("-42.125"), dec("99999999999999999999.99"),
}

// randomRecord returns an upsert or delete of one of a few deal and lead
// keys, with versions drawn from a small range so that equal, older and
// newer versions all occur, and fields that are often absent.
func randomRecord(rng *rand.Rand, tenant string, keys int) pipeline.Record {
	pick := func(vals ...any) any { return vals[rng.Intn(len(vals))] }
	object := pick("deal", "deal", "lead").(string)
	r := pipeline.Record{
		Tenant: tenant, Source: "hubspot", Object: object,
		Key:     fmt.Sprintf("%s-%d", object, rng.Intn(keys)),
		Version: version(rng.Intn(40) + 1),
		Op:      pipeline.OpUpsert,
	}
	if rng.Intn(5) == 0 {
		r.Op = pipeline.OpDelete
		return r
	}
	days := []any{nil, day(1), day(2), day(3)}
	if object == "lead" {
		r.Fields = map[string]any{"owner_id": pick(nil, "rep1", "rep2"), "lead_source": pick(nil, "ORGANIC", "PAID"),
			"created_at": pick(days...)}
		return r
	}
	r.Fields = map[string]any{
		"owner_id": pick(nil, "rep1", "rep2", "rep3"), "is_won": pick(nil, true, false), "stage": pick("a", "b"),
		"amount": pick(append([]any{nil, float64(rng.Intn(100000)) / 100, 0.1, 1e6 + 0.01}, adversarial...)...), "currency": pick(nil, "EUR", "USD"),
		"close_date": pick(days...), "created_at": pick(days...),
	}
	return r
}

// model applies the documented version rules to key → version.
type model map[string]pipeline.Record

func (m model) apply(batch []pipeline.Record) {
	floor := map[string]int64{}
	for _, r := range batch {
		k := r.Tenant + "/" + r.Object + "/" + r.Key
		cur, ok := m[k]
		v := r.Version.UnixNano()
		if r.Op == pipeline.OpDelete {
			floor[k] = max(floor[k], v)
			if ok && cur.Version.UnixNano() <= v {
				delete(m, k)
			}
			continue
		}
		if v <= floor[k] || (ok && cur.Version.UnixNano() >= v) {
			continue
		}
		m[k] = r
	}
}

func storedVersions(t *testing.T, w *warehouse.Warehouse) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, object := range []string{"deal", "lead"} {
		rows, err := w.DB().QueryContext(ctxT(t), "SELECT tenant, key, version FROM "+warehouse.FactTable(object))
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var tenant, key string
			var v any
			if err := rows.Scan(&tenant, &key, &v); err != nil {
				t.Fatal(err)
			}
			out[tenant+"/"+object+"/"+key] = fmt.Sprint(v)
		}
		rows.Close()
	}
	return out
}

func TestRollupsEqualGroupByAfterRandomWrites(t *testing.T) {
	for _, tc := range []struct {
		name string
		ttl  time.Duration
	}{
		{"all days within the KPI TTL", 0},
		// At testEpoch the rollups of day(1) and day(2) are past this
		// TTL: they are never written, the facts are.
		{"some days past the KPI TTL", 30 * 24 * time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dialects(t, warehouse.Config{KPIs: allKPIs, KPITTL: tc.ttl}, func(t *testing.T, w *warehouse.Warehouse) {
				ttl := w.Policy().KPIs
				live := func(d time.Time) bool { return d.Add(24*time.Hour + ttl).After(testEpoch) }
				rng := rand.New(rand.NewSource(1))
				m := model{}
				for i := 0; i < 60; i++ {
					batch := make([]pipeline.Record, 1+rng.Intn(12))
					for j := range batch {
						batch[j] = randomRecord(rng, []string{"t1", "t2"}[rng.Intn(2)], 12)
					}
					write(t, w, batch...)
					m.apply(batch)
					assertConsistentLive(t, w, allKPIs, live)
				}
				got := storedVersions(t, w)
				if len(got) != len(m) {
					t.Errorf("stored %d facts, model holds %d", len(got), len(m))
				}
				for k := range m {
					if _, ok := got[k]; !ok {
						t.Errorf("fact %s missing", k)
					}
				}
			})
		})
	}
}

// TestRollupsExactInAnyReplayOrder writes one set of upserts (each
// key's versions distinct, so the final facts do not depend on the
// order) in random orders and random batches, replaying random earlier
// batches, checks after every batch that kpi_daily equals the GROUP BY
// over the facts exactly, and at the end that every order left the same
// rollups; then it mixes in deletes, newer upserts and replays of both
// at random and checks the equality after every batch again.
func TestRollupsExactInAnyReplayOrder(t *testing.T) {
	dialects(t, warehouse.Config{KPIs: allKPIs}, func(t *testing.T, w *warehouse.Warehouse) {
		rng := rand.New(rand.NewSource(3))
		var recs []pipeline.Record
		for i := 0; i < 160; i++ {
			r := randomRecord(rng, "t1", 10)
			if r.Op == pipeline.OpDelete {
				// A delete leaves no tombstone across batches, so an older
				// upsert arriving after it depends on the order; deletes
				// come in the second phase below.
				continue
			}
			r.Version = version(i + 1) // distinct: the newest version of a key wins in any order
			recs = append(recs, r)
		}
		const orders = 3 // each order writes as its own tenant
		for order := 0; order < orders; order++ {
			tenant := fmt.Sprintf("o%d", order)
			perm := rng.Perm(len(recs))
			var batches [][]pipeline.Record
			for start := 0; start < len(perm); {
				n := min(1+rng.Intn(15), len(perm)-start)
				b := make([]pipeline.Record, n)
				for j := range b {
					b[j] = recs[perm[start+j]]
					b[j].Tenant = tenant
				}
				start += n
				batches = append(batches, b)
				write(t, w, b...)
				if rng.Intn(3) == 0 { // replay an earlier batch
					write(t, w, batches[rng.Intn(len(batches))]...)
				}
				assertConsistent(t, w, allKPIs)
			}
		}
		byOrder := make([]map[string]warehousetest.Rollup, orders)
		for k, r := range warehousetest.StoredRollups(t, w) {
			tenant, rest, _ := strings.Cut(k, "|")
			var o int
			fmt.Sscanf(tenant, "o%d", &o)
			if byOrder[o] == nil {
				byOrder[o] = map[string]warehousetest.Rollup{}
			}
			byOrder[o][rest] = r
		}
		if len(byOrder[0]) == 0 {
			t.Fatal("no rollups written")
		}
		for o := 1; o < orders; o++ {
			if diff := cmp.Diff(byOrder[0], byOrder[o]); diff != "" {
				t.Errorf("order %d left other rollups than order 0 (-order 0 +order %d):\n%s", o, o, diff)
			}
		}
		// Second phase: deletes, newer upserts and replays of both, in
		// random order, still exact after every batch.
		var later []pipeline.Record
		for i := 0; i < 120; i++ {
			r := randomRecord(rng, fmt.Sprintf("o%d", rng.Intn(orders)), 10)
			r.Version = version(200 + rng.Intn(60))
			later = append(later, r)
		}
		for i := 0; i < 40; i++ {
			b := make([]pipeline.Record, 1+rng.Intn(8))
			for j := range b {
				b[j] = later[rng.Intn(len(later))]
			}
			write(t, w, b...)
			assertConsistent(t, w, allKPIs)
		}
	})
}

func TestConcurrentWrites(t *testing.T) {
	dialects(t, warehouse.Config{KPIs: allKPIs}, func(t *testing.T, w *warehouse.Warehouse) {
		const writers, batches = 8, 15
		var wg sync.WaitGroup
		errs := make(chan error, writers*batches)
		for p := 0; p < writers; p++ {
			wg.Add(1)
			go func(p int) {
				defer wg.Done()
				rng := rand.New(rand.NewSource(int64(p)))
				tp := pipeline.TopicPartition{Topic: "tally.t1.hubspot.deal", Partition: p}
				for i := 0; i < batches; i++ {
					recs := make([]pipeline.Record, 40)
					for j := range recs {
						recs[j] = randomRecord(rng, "t1", 30)
						recs[j].Key = fmt.Sprintf("p%d-%s", p, recs[j].Key) // a key lives on one partition
					}
					b := pipeline.Batch{Records: recs, Offsets: map[pipeline.TopicPartition]int64{tp: int64(i + 1)}}
					if err := w.Write(ctxT(t), b); err != nil {
						errs <- err
					}
				}
			}(p)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("concurrent Write: %v", err)
		}
		assertConsistent(t, w, allKPIs)
		offs, err := w.Offsets(ctxT(t), []string{"tally.t1.hubspot.deal"})
		if err != nil {
			t.Fatal(err)
		}
		for p := 0; p < writers; p++ {
			if got := offs[pipeline.TopicPartition{Topic: "tally.t1.hubspot.deal", Partition: p}]; got != batches {
				t.Errorf("offset of partition %d = %d, want %d", p, got, batches)
			}
		}
	})
}

func TestDialectsDumpEqual(t *testing.T) {
	cfg := warehouse.Config{KPIs: allKPIs}
	pg, lite := openPostgresOrSkip(t, cfg), openSQLite(t, cfg)
	rng := rand.New(rand.NewSource(7))
	for i := 0; i < 20; i++ {
		b := fullBatch(int64(i+1), int64(i+1))
		for j := 0; j < 10; j++ {
			b.Records = append(b.Records, randomRecord(rng, "t1", 10))
		}
		for _, w := range []*warehouse.Warehouse{pg, lite} {
			if err := w.Write(ctxT(t), b); err != nil {
				t.Fatalf("%s Write: %v", w.Driver(), err)
			}
		}
	}
	if diff := cmp.Diff(dump(t, pg), dump(t, lite)); diff != "" {
		t.Errorf("Dump(postgres) differs from Dump(sqlite) (-postgres +sqlite):\n%s", diff)
	}
}
