package warehouse_test

import (
	"fmt"
	"math/rand"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/warehouse"
)

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
		"amount": pick(nil, float64(rng.Intn(100000))/100, 0.1, 1e6+0.01), "currency": pick(nil, "EUR", "USD"),
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
