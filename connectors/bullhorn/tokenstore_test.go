package bullhorn

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/tally-dev/tally/connectors/bullhorn/bullhorntest"
	"github.com/tally-dev/tally/pipeline"
)

// TestRestartUsesTheRotatedRefreshToken: the configured refresh token is
// spent by the first login; a restarted source (same state directory)
// must log in with the rotated one, which is stored with mode 0600.
func TestRestartUsesTheRotatedRefreshToken(t *testing.T) {
	ds := bullhorntest.Generate(11, bullhorntest.Sizes{Users: 1, Placements: 5})
	srv := bullhorntest.NewServer(ds, serverOptions())
	t.Cleanup(srv.Close)
	dir := filepath.Join(t.TempDir(), "state")
	open := func() error {
		cfg := testConfig(srv.URL())
		src, err := New(cfg, pipeline.SourceEnv{Tenant: "acme", Name: "bh", Projection: allFields(),
			Logger: slog.New(slog.DiscardHandler), StateDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		return src.Open(context.Background())
	}
	for run := 1; run <= 3; run++ {
		if err := open(); err != nil {
			t.Fatalf("Open in run %d = %v, want the stored rotated token to work", run, err)
		}
	}
	fi, err := os.Stat(filepath.Join(dir, tokenFile))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("token file mode = %v, want 0600", fi.Mode().Perm())
	}
	if got, _ := storedRefreshToken(dir); got != srv.RefreshToken() {
		t.Errorf("stored token is not the server's current one")
	}
}
