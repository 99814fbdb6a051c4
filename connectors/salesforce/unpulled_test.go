package salesforce

import (
	"slices"
	"testing"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/config"
)

func TestUnpulled(t *testing.T) {
	cfg := DefaultConfig()
	cfg.LoginURL, cfg.ClientID = "https://login.example.com", testClientID
	cfg.ClientSecret = config.NewSecret("SF_CLIENT_SECRET", testClientSecret)
	proj := map[string][]string{
		"lead":     {"id", "owner_id", "created_at", "mql_at"},
		"activity": {"id", "owner_id", "type", "occurred_at", "subject"},
		"deal":     {"id", "owner_id", "amount"},
	}
	src, err := New(cfg, pipeline.SourceEnv{Tenant: "acme", Name: "sf", Projection: proj})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		object string
		want   []string
	}{
		{"lead", []string{"mql_at"}},
		{"activity", []string{"subject"}}, // neither Task nor Event provides it
		{"deal", nil},
		{"user", nil}, // not projected
	} {
		if got := src.Unpulled(tc.object); !slices.Equal(got, tc.want) {
			t.Errorf("Unpulled(%s) = %v, want %v", tc.object, got, tc.want)
		}
	}
}
