package bullhorn

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tally-dev/tally/connectors/bullhorn/bullhorntest"
	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/config"
	"github.com/tally-dev/tally/pipeline/pipelinetest"
)

func TestPlacementRecordsAreTypedAndMinimal(t *testing.T) {
	f := newFixture(t, bullhorntest.Sizes{Users: 3, Placements: 40}, serverOptions(), nil)
	c := f.sync(t, "placement", "")
	if len(c.Records()) != 40 {
		t.Fatalf("full pass emitted %d records, want 40", len(c.Records()))
	}
	for _, r := range c.Records() {
		want := f.ds.Record("Placement", r.ID)
		if got, wantFee := r.Fields["fee"], want["fee"]; got != wantFee {
			t.Errorf("record %s fee = %v, want %v", r.ID, got, wantFee)
		}
		if got, ok := r.Fields["start_date"].(time.Time); !ok || got.UnixMilli() != want["dateBegin"].(int64) {
			t.Errorf("record %s start_date = %v, want epoch ms %v", r.ID, r.Fields["start_date"], want["dateBegin"])
		}
		if _, ok := r.Fields["created_at"].(time.Time); !ok {
			t.Errorf("record %s created_at = %T, want time.Time", r.ID, r.Fields["created_at"])
		}
		if got := r.Fields["currency"]; got != "USD" {
			t.Errorf("record %s currency = %v, want USD", r.ID, got)
		}
		owner := want["owner"].(map[string]any)["id"].(int)
		if got := r.Fields["owner_id"]; got != strconv.Itoa(owner) {
			t.Errorf("record %s owner_id = %v, want %v", r.ID, got, owner)
		}
		for _, never := range []string{"candidate_id", "candidate_name"} {
			if _, ok := r.Fields[never]; ok {
				t.Errorf("record %s carries %s", r.ID, never)
			}
		}
	}
	const want = "id,dateAdded,dateBegin,dateLastModified,fee,owner(id),status"
	for _, req := range f.srv.Requests() {
		q, _ := url.ParseQuery(req.Query)
		if strings.HasSuffix(req.Path, "/query/Placement") && q.Get("fields") != want {
			t.Errorf("request %s asks for fields %q, want %q", req.Path, q.Get("fields"), want)
		}
	}
}

func TestUserSoftDeleteAndIncremental(t *testing.T) {
	f := newFixture(t, bullhorntest.Sizes{Users: 30, Placements: 1}, serverOptions(), nil)
	done := f.sync(t, "user", "").Last()
	gone, changed := f.ds.ID("user", 3), f.ds.ID("user", 4)
	f.ds.Delete("user", gone, time.Now())
	f.ds.Touch("user", changed, time.Now())
	time.Sleep(2 * time.Millisecond)
	c := f.sync(t, "user", done)
	if got := pipelinetest.IDs(c.Records(), pipeline.OpDelete); len(got) != 1 || got[0] != gone {
		t.Errorf("deletes = %v, want [%s]", got, gone)
	}
	if got := pipelinetest.IDs(c.Records(), pipeline.OpUpsert); len(got) != 1 || got[0] != changed {
		t.Errorf("upserts = %v, want [%s]", got, changed)
	}
}

func TestPlacementHardDeletesAreReconciled(t *testing.T) {
	f := newFixture(t, bullhorntest.Sizes{Users: 2, Placements: 120}, serverOptions(), func(c *Config) { c.PageSize = 25 })
	done := f.sync(t, "placement", "").Last()
	var want []string
	for _, i := range []int{0, 24, 25, 119} { // page edges and the last id
		id := f.ds.ID("placement", i)
		f.ds.Delete("placement", id, time.Now())
		want = append(want, id)
	}
	time.Sleep(2 * time.Millisecond)
	c := f.sync(t, "placement", done)
	if got := pipelinetest.IDs(c.Records(), pipeline.OpDelete); strings.Join(got, ",") != strings.Join(sorted(want), ",") {
		t.Errorf("deletes = %v, want %v", got, sorted(want))
	}
	// A second incremental pass finds nothing new.
	c2 := f.sync(t, "placement", c.Last())
	if len(c2.Records()) != 0 {
		t.Errorf("quiet pass emitted %d records, want 0", len(c2.Records()))
	}
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestSessionRenewal(t *testing.T) {
	tests := []struct {
		name       string
		expire     bool
		wantLogins int
	}{
		{"one login for a pass", false, 1},
		{"401 logs in again", true, 2},
		{"session renewed before expiry", false, 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := serverOptions()
			f := newFixture(t, bullhorntest.Sizes{Users: 2, Placements: 100}, opts, func(c *Config) { c.PageSize = 25 })
			if err := f.src.Open(context.Background()); err != nil {
				t.Fatalf("Open = %v", err)
			}
			if tc.expire {
				f.srv.ExpireSessions()
			}
			renewEveryPage := tc.wantLogins > 2
			if renewEveryPage {
				f.src.cfg.RefreshBefore = 2 * f.src.cfg.SessionTTL // every page is "about to expire"
			}
			c := f.sync(t, "placement", "")
			if len(c.Records()) != 100 {
				t.Errorf("pass emitted %d records, want 100", len(c.Records()))
			}
			logins, _ := f.srv.Logins()
			if logins < tc.wantLogins || (!renewEveryPage && logins != tc.wantLogins) {
				t.Errorf("server saw %d logins, want %d", logins, tc.wantLogins)
			}
		})
	}
}

func TestRefreshTokenRotates(t *testing.T) {
	f := newFixture(t, bullhorntest.Sizes{Users: 1, Placements: 5}, serverOptions(), nil)
	if err := f.src.Open(context.Background()); err != nil {
		t.Fatalf("Open = %v", err)
	}
	if got := f.srv.RefreshToken(); got == testRefresh {
		t.Fatal("server did not rotate the refresh token")
	}
	f.srv.ExpireSessions()
	f.src.sess.mu.Lock()
	f.src.sess.access = "" // force a second grant with the rotated token
	f.src.sess.mu.Unlock()
	f.sync(t, "placement", "")
	if _, grants := f.srv.Logins(); grants != 2 {
		t.Errorf("server granted %d tokens, want 2 (the rotated refresh token must be used)", grants)
	}
}

func TestBadCredentialsAreConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*Config)
	}{
		{"wrong refresh token", func(c *Config) { c.RefreshToken = config.NewSecret("BULLHORN_REFRESH_TOKEN", "rt-wrong-1234") }},
		{"wrong client secret", func(c *Config) { c.ClientSecret = config.NewSecret("BULLHORN_CLIENT_SECRET", "cs-wrong-5678") }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, bullhorntest.Sizes{Users: 1, Placements: 1}, serverOptions(), tc.mod)
			err := f.src.Open(context.Background())
			if !errors.Is(err, pipeline.ErrConfig) {
				t.Fatalf("Open = %v, want ErrConfig", err)
			}
			for _, leak := range []string{testRefresh, testClientSecret, "rt-wrong", "cs-wrong"} {
				if strings.Contains(err.Error(), leak) {
					t.Errorf("error %q leaks a secret", err)
				}
			}
			if !strings.Contains(err.Error(), "BULLHORN_REFRESH_TOKEN") {
				t.Errorf("error %q does not name the refresh token's variable", err)
			}
		})
	}
}

func TestConfigValidateReportsEveryProblem(t *testing.T) {
	c := DefaultConfig()
	c.AuthURL, c.PageSize, c.FeeField, c.Currency, c.SessionTTL = "ftp://x", 501, "fee; drop", "usd", 90*time.Second
	err := c.Validate()
	if err == nil {
		t.Fatal("Validate() = nil, want errors")
	}
	for _, field := range []string{"auth_url", "client_id", "client_secret", "refresh_token", "page_size", "fee_field", "currency", "session_ttl"} {
		if !strings.Contains(err.Error(), field) {
			t.Errorf("Validate() = %q, want a problem naming %s", err, field)
		}
	}
}

func TestRangesReplace(t *testing.T) {
	var r ranges
	for _, id := range []int64{5, 1, 2, 3, 9, 4, 10} {
		r = r.add(id)
	}
	if got := r.encodeTest(); got != "1-5,9-10" {
		t.Fatalf("ranges after adds = %s, want 1-5,9-10", got)
	}
	r, gone := r.replace(2, 9, []int64{3, 5, 7})
	if got := r.encodeTest(); got != "1-3,5-5,7-7,10-10" {
		t.Errorf("ranges after replace = %s, want 1-3,5-5,7-7,10-10", got)
	}
	if len(gone) != 2 || gone[0] != 4 || gone[1] != 9 {
		t.Errorf("replace gone = %v, want [4 9]", gone)
	}
}

func (r ranges) encodeTest() string {
	var parts []string
	for _, x := range r {
		parts = append(parts, ms(x[0])+"-"+ms(x[1]))
	}
	return strings.Join(parts, ",")
}
