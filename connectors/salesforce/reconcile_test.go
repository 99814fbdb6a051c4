package salesforce

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tally-dev/tally/connectors/salesforce/salesforcetest"
	"github.com/tally-dev/tally/pipeline"
)

func listIDs(t *testing.T, f *fixture, object string) ([]string, error) {
	t.Helper()
	var out []string
	err := f.src.ListIDs(context.Background(), object, func(ids []string) error {
		out = append(out, ids...)
		return nil
	})
	return out, err
}

// TestListIDsLeavesOutHardDeletes: the listing holds every record but
// the hard-deleted ones, across both sObjects of activity, recycled and
// created records included, and is sent to queryAll for sObjects with
// IsDeleted (archived activities exist but /query leaves them out).
func TestListIDsLeavesOutHardDeletes(t *testing.T) {
	f := newFixture(t, setup{})
	gone := []string{f.ds.ID(salesforcetest.Task, 10), f.ds.ID(salesforcetest.Event, 11)}
	for _, id := range gone {
		f.ds.HardDelete(id)
	}
	recycled := f.ds.ID(salesforcetest.Task, 12)
	f.ds.Delete(recycled, salesforcetest.Epoch)
	created := f.ds.Create(salesforcetest.Event, salesforcetest.Epoch.Add(time.Minute))
	got, err := listIDs(t, f, "activity")
	if err != nil {
		t.Fatalf("ListIDs = %v", err)
	}
	if want := defaultSizes.Tasks + defaultSizes.Events - len(gone) + 1; len(got) != want {
		t.Errorf("ListIDs listed %d ids, want %d", len(got), want)
	}
	for _, id := range gone {
		if slices.Contains(got, id) {
			t.Errorf("ListIDs lists hard-deleted %s", id)
		}
	}
	if !slices.Contains(got, recycled) || !slices.Contains(got, created) {
		t.Errorf("ListIDs misses the recycled (%v) or the created record (%v)", slices.Contains(got, recycled), slices.Contains(got, created))
	}
	for _, r := range f.srv.Requests() {
		q, _ := url.ParseQuery(r.Query)
		if soql := q.Get("q"); strings.HasPrefix(soql, "SELECT Id FROM") && !strings.HasSuffix(r.Path, "/queryAll") {
			t.Errorf("id listing %q sent to %s, want queryAll", soql, r.Path)
		}
	}
}

// TestListIDsStopsAtQuotaShare: a listing that would pass quota_share
// stops with ErrQuota, never handing a partial listing on as complete.
func TestListIDsStopsAtQuotaShare(t *testing.T) {
	f := newFixture(t, setup{server: salesforcetest.Options{DailyLimit: 20, Used: 8}})
	_, err := listIDs(t, f, "deal")
	if !errors.Is(err, pipeline.ErrQuota) {
		t.Fatalf("ListIDs = %v, want ErrQuota", err)
	}
	if used := f.srv.Used(); used > 10 {
		t.Errorf("server counted %d requests, want at most half of 20", used)
	}
}

// TestListIDsReturnsCallbackErrorAndCancel: fn's error comes back
// unchanged, and a cancelled context stops the listing.
func TestListIDsReturnsCallbackErrorAndCancel(t *testing.T) {
	f := newFixture(t, setup{})
	stop := errors.New("stop")
	if err := f.src.ListIDs(context.Background(), "deal", func([]string) error { return stop }); err != stop {
		t.Errorf("ListIDs with a failing fn = %v, want its error", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	err := f.src.ListIDs(ctx, "deal", func([]string) error { cancel(); return nil })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("ListIDs after cancel = %v, want context.Canceled", err)
	}
	if err := f.src.ListIDs(context.Background(), "placement", func([]string) error { return nil }); !errors.Is(err, pipeline.ErrConfig) {
		t.Errorf("ListIDs(placement) = %v, want ErrConfig", err)
	}
}
