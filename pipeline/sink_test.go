package pipeline_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/warehouse"
	"github.com/tally-dev/tally/warehouse/warehousetest"
)

// TestSinkQuarantinesTheRecordTheWarehouseRejects writes, bypassing the
// stages, a batch of ten deals one of which holds a NUL character, which
// PostgreSQL refuses in text (SQLSTATE 22021): the other nine commit,
// the bad one is quarantined with its rule and the batch's offsets and
// checkpoint commit.
func TestSinkQuarantinesTheRecordTheWarehouseRejects(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	w := warehousetest.OpenPostgres(t, warehouse.Config{KPIs: []string{"deals_won", "revenue_won"}})
	r := &pipeline.Runner{Sink: w, Stats: pipeline.NewStats(), Logger: slog.New(slog.DiscardHandler)}
	tp := pipeline.TopicPartition{Topic: "tally.t1.hubspot.deal", Partition: 0}
	b := pipeline.Batch{
		Offsets:     map[pipeline.TopicPartition]int64{tp: 10},
		Checkpoints: []pipeline.PartitionCheckpoint{{Checkpoint: pipeline.Checkpoint{Tenant: "t1", Source: "hubspot", Object: "deal", Seq: 1, Cursor: "page-2"}}},
	}
	for i := range 10 {
		stage := "closedwon"
		if i == 6 {
			stage = "closed\u0000won"
		}
		b.Records = append(b.Records, pipeline.Record{Tenant: "t1", Source: "hubspot", Object: "deal",
			Key: fmt.Sprintf("k%d", i), Op: pipeline.OpUpsert, Version: time.Date(2024, 5, 1, 0, 0, i, 0, time.UTC),
			Position: pipeline.Position{Topic: tp.Topic, Offset: int64(i)},
			Fields: map[string]any{"owner_id": "rep1", "stage": stage, "is_won": true, "is_closed": true,
				"amount": 10.0, "currency": "EUR", "close_date": time.Date(2024, 5, 3, 0, 0, 0, 0, time.UTC)}})
	}
	if err := r.WriteBatch(ctx, &b); err != nil {
		t.Fatalf("write: %v", err)
	}
	dump, err := warehousetest.Dump(ctx, w.DB())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"== deal_facts (9 rows)",
		"== quarantine (1 rows)",
		"rule=sql_22021",
		"stage=sink",
		"offset=6",
		"next_offset=10",
		"cursor=page-2",
	} {
		if !strings.Contains(dump, want) {
			t.Errorf("warehouse lacks %q:\n%s", want, dump)
		}
	}
	if strings.Contains(dump, "key=k6 ") {
		t.Errorf("the rejected record was stored:\n%s", dump)
	}
	if strings.Contains(dump, "\x00") {
		t.Errorf("the warehouse holds the rejected value")
	}
}
