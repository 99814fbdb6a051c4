package warehousetest_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/schemas"
	"github.com/tally-dev/tally/warehouse"
	"github.com/tally-dev/tally/warehouse/warehousetest"
)

// TestClusterStopIsATransientError checks what the pipeline's retry
// relies on: while the server is down or restarting, every error of the
// warehouse is transient, and the same pool works again once it is up.
func TestClusterStopIsATransientError(t *testing.T) {
	c := warehousetest.StartCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	w, err := warehouse.Open(ctx, warehouse.Config{Driver: warehouse.Postgres, DSN: c.DSN("postgres")}, schemas.Default(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	c.Stop()
	for i := range 3 { // an idle pooled connection first, then refused dials
		_, err := w.Offsets(ctx, []string{"t"})
		if err == nil || !errors.Is(err, pipeline.ErrTransient) {
			t.Fatalf("attempt %d while down: Offsets = %v, want a transient error", i, err)
		}
		if err := w.Write(ctx, pipeline.Batch{}); err == nil || !errors.Is(err, pipeline.ErrTransient) {
			t.Fatalf("attempt %d while down: Write = %v, want a transient error", i, err)
		}
	}
	c.Start()
	if _, err := w.Offsets(ctx, []string{"t"}); err != nil {
		t.Fatalf("after restart: %v", err)
	}
}
