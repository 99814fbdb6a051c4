package warehouse_test

import (
	"context"
	"errors"
	"github.com/tally-dev/tally/pipeline/pipelinetest"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/schemas"
	"github.com/tally-dev/tally/warehouse"
	"github.com/tally-dev/tally/warehouse/warehousetest"
)

func loggedDialects(t *testing.T, fn func(t *testing.T, w *warehouse.Warehouse, log *pipelinetest.LogBuffer)) {
	open := func(t *testing.T, cfg warehouse.Config) {
		log := &pipelinetest.LogBuffer{}
		logger := slog.New(slog.NewJSONHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug}))
		cfg.KPIs = allKPIs
		w, err := warehouse.Open(ctxT(t), cfg, schemas.Default(), logger)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { w.Close() })
		if _, err := w.Migrate(ctxT(t)); err != nil {
			t.Fatal(err)
		}
		fn(t, w, log)
	}
	t.Run("sqlite", func(t *testing.T) {
		open(t, warehouse.Config{Driver: warehouse.SQLite, Path: filepath.Join(t.TempDir(), "w.db")})
	})
	t.Run("postgres", func(t *testing.T) {
		open(t, warehouse.Config{Driver: warehouse.Postgres, DSN: warehousetest.PostgresDSN(t)})
	})
}

var secrets = []string{"tnt-Zq9x", "key-Secretive-77", "rep-Hidden-42", "stage-Private-5", "XQZ", "987654.321", "cursor-Opaque-5", "topic-Val-31", "field-Q-8", "2031-07-19"}

func TestSQLLogHasNoArguments(t *testing.T) {
	loggedDialects(t, func(t *testing.T, w *warehouse.Warehouse, log *pipelinetest.LogBuffer) {
		rec := pipeline.Record{Tenant: "tnt-Zq9x", Source: "hubspot", Object: "deal", Key: "key-Secretive-77", Op: pipeline.OpUpsert,
			Version: version(1), Fields: map[string]any{"owner_id": "rep-Hidden-42", "stage": "stage-Private-5", "is_won": true,
				"amount": 987654.321, "currency": "XQZ", "close_date": time.Date(2031, 7, 19, 0, 0, 0, 0, time.UTC)}}
		tp := pipeline.TopicPartition{Topic: "topic-Val-31", Partition: 2}
		b := pipeline.Batch{
			Records:     []pipeline.Record{rec},
			Quarantine:  []pipeline.Quarantined{{Tenant: "tnt-Zq9x", Object: "deal", Stage: "guard", Field: "field-Q-8", Rule: "email", Position: pipeline.Position{Topic: "topic-Val-31"}}},
			Offsets:     map[pipeline.TopicPartition]int64{tp: 5},
			Checkpoints: []pipeline.PartitionCheckpoint{{Checkpoint: pipeline.Checkpoint{Tenant: "tnt-Zq9x", Source: "hubspot", Object: "deal", Seq: 1, Cursor: "cursor-Opaque-5"}}},
		}
		ctx := ctxT(t)
		if err := w.Write(ctx, b); err != nil {
			t.Fatal(err)
		}
		del := rec
		del.Op, del.Version = pipeline.OpDelete, version(2)
		if err := w.Write(ctx, pipeline.Batch{Records: []pipeline.Record{del}}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Offsets(ctx, []string{"topic-Val-31"}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Cursor(ctx, pipeline.Stream{Tenant: "tnt-Zq9x", Source: "hubspot", Object: "deal"}, 1); err != nil {
			t.Fatal(err)
		}
		out := log.String()
		for _, want := range []string{"deal_facts", "INSERT INTO kpi_daily", "DELETE FROM deal_facts", "consumer_offsets", `"level":"DEBUG"`} {
			if !contains(out, want) {
				t.Errorf("SQL log lacks %q", want)
			}
		}
		for _, s := range secrets {
			if contains(out, s) {
				t.Errorf("SQL log contains argument value %q", s)
			}
		}
	})
}

func TestDriverErrorsAreRedacted(t *testing.T) {
	loggedDialects(t, func(t *testing.T, w *warehouse.Warehouse, log *pipelinetest.LogBuffer) {
		ctx := ctxT(t)
		insert := "INSERT INTO consumer_offsets (topic, partition, next_offset, updated_at) VALUES (?, ?, ?, ?)"
		if _, err := w.Exec(ctx, insert, "topic-Val-31", 7, 1, "2031-07-19T00:00:00.000000+00:00"); err != nil {
			t.Fatal(err)
		}
		_, err := w.Exec(ctx, insert, "topic-Val-31", 7, 2, "2031-07-19T00:00:00.000000+00:00")
		var dbErr *warehouse.DBError
		if !errors.As(err, &dbErr) {
			t.Fatalf("duplicate insert error = %v (%T), want a *DBError", err, err)
		}
		if w.Driver() == warehouse.Postgres && (dbErr.Code != "23505" || dbErr.Constraint != "consumer_offsets_pkey" || dbErr.Table != "consumer_offsets") {
			t.Errorf("unique violation = %+v, want code 23505 on consumer_offsets_pkey", dbErr)
		}
		if errors.Is(err, pipeline.ErrTransient) {
			t.Errorf("unique violation %v is transient", err)
		}
		if w.Driver() == warehouse.Postgres {
			// Invalid input syntax quotes the value in the server's message.
			_, err := w.Exec(ctx, insert, "t", "key-Secretive-77", 1, "2031-07-19T00:00:00Z")
			if !errors.As(err, &dbErr) || dbErr.Code != "22P02" {
				t.Errorf("bad integer error = %v, want sql state 22P02", err)
			}
		}
		out := log.String()
		if testing.Verbose() {
			t.Log(out)
		}
		if !contains(out, `"level":"ERROR"`) {
			t.Errorf("SQL log has no error entry:\n%s", out)
		}
		for _, s := range secrets {
			if contains(err.Error(), s) || contains(dbErr.Error(), s) {
				t.Errorf("error %q contains value %q", dbErr, s)
			}
			if contains(out, s) {
				t.Errorf("SQL log contains value %q", s)
			}
		}
	})
}

func TestCancelledWriteIsNotTransientNoise(t *testing.T) {
	w := warehousetest.OpenSQLite(t, warehouse.Config{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := w.Write(ctx, pipeline.Batch{Records: []pipeline.Record{upsert("a", 1, nil)}})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Write(cancelled ctx) = %v, want context.Canceled", err)
	}
}
