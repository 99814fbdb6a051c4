package warehouse_test

import (
	"fmt"
	"testing"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/warehouse"
	"github.com/tally-dev/tally/warehouse/warehousetest"
)

// benchmarkWrite writes batches of 1000 new deals, as a consumer does
// during an initial sync, and reports records per second.
func benchmarkWrite(b *testing.B, w *warehouse.Warehouse) {
	const size = 1000
	tp := pipeline.TopicPartition{Topic: "tally.t1.hubspot.deal", Partition: 0}
	ctx := ctxT(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		recs := make([]pipeline.Record, size)
		for j := range recs {
			f := wonDeal("stage", float64(j%997)+0.5)
			f["owner_id"] = fmt.Sprintf("rep%d", j%25)
			f["close_date"] = day(1 + j%28)
			recs[j] = upsert(fmt.Sprintf("k%d-%d", i, j), 1, f)
		}
		batch := pipeline.Batch{Records: recs, Offsets: map[pipeline.TopicPartition]int64{tp: int64((i + 1) * size)}}
		b.StartTimer()
		if err := w.Write(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "records/s")
}

func BenchmarkWritePostgres(b *testing.B) {
	benchmarkWrite(b, warehousetest.OpenPostgres(b, warehouse.Config{KPIs: allKPIs}))
}

func BenchmarkWriteSQLite(b *testing.B) {
	benchmarkWrite(b, warehousetest.OpenSQLite(b, warehouse.Config{KPIs: allKPIs}))
}
