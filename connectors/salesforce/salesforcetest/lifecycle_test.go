package salesforcetest

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// ids returns the ids a query answers, following nextRecordsUrl.
func ids(t *testing.T, s *Server, tok, resource, soql string) []string {
	t.Helper()
	var out []string
	path := "/services/data/v60.0/" + resource + "?q=" + url.QueryEscape(soql)
	for path != "" {
		_, _, body := get(t, s, path, tok, "200")
		var pg struct {
			NextRecordsURL string           `json:"nextRecordsUrl"`
			Records        []map[string]any `json:"records"`
		}
		if err := json.Unmarshal(body, &pg); err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		for _, r := range pg.Records {
			out = append(out, r["Id"].(string))
		}
		path = pg.NextRecordsURL
	}
	return out
}

// TestRecordLifecycle: a created record appears in both resources, a
// recycled one only in queryAll, a hard-deleted one in neither.
func TestRecordLifecycle(t *testing.T) {
	s, ds := newServer(t, Options{})
	tok := login(t, s)
	created := ds.Create(Opportunity, Epoch.Add(time.Hour))
	recycled, hard := ds.ID(Opportunity, 7), ds.ID(Opportunity, 8)
	ds.Delete(recycled, Epoch)
	ds.HardDelete(hard)
	for _, tc := range []struct {
		resource, soql         string
		wantCreated, wantRecyc bool
	}{
		{"query", "SELECT Id FROM Opportunity ORDER BY Id ASC", true, false},
		{"queryAll", "SELECT Id FROM Opportunity ORDER BY Id ASC", true, true},
		{"queryAll", "SELECT Id FROM Opportunity WHERE SystemModstamp > 2026-06-01T00:00:00Z ORDER BY SystemModstamp ASC, Id ASC", true, false},
	} {
		got := ids(t, s, tok, tc.resource, tc.soql)
		if slices.Contains(got, created) != tc.wantCreated || slices.Contains(got, recycled) != tc.wantRecyc || slices.Contains(got, hard) {
			t.Errorf("%s %q: created %v recycled %v hard-deleted %v, want %v %v false", tc.resource, tc.soql,
				slices.Contains(got, created), slices.Contains(got, recycled), slices.Contains(got, hard), tc.wantCreated, tc.wantRecyc)
		}
		if byID := strings.HasSuffix(tc.soql, "ORDER BY Id ASC"); byID && !slices.IsSorted(got) {
			t.Errorf("%s %q: ids not in Id order", tc.resource, tc.soql)
		}
	}
	if got := ds.Fields(created); got == nil || got["Id"] != created {
		t.Errorf("Fields(created) = %v, want the record", got)
	}
	if ds.Fields(hard) != nil {
		t.Error("Fields(hard-deleted) is not nil")
	}
}
